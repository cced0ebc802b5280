/**
 * strace parser over every fixture and corpus file: no error diagnostics on
 * valid strace, identical results for any chunking; random and mutated
 * inputs never throw and parse in linear time.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseStraceText, straceFormat } from '../../parsers/strace';
import type { ParsedSource } from '../../parsers/model/source';
import { canonical } from '../helpers/canonical';
import { CHUNK_SIZES, CORPUS, FIXTURES, feed, readInput, walk } from '../helpers/fixtures';

const STRACE_FILES = [
  ...walk(FIXTURES).filter((p) => p.endsWith('.strace.txt')),
  ...walk(`${CORPUS}/strace`).filter((p) => !p.endsWith('.md')),
];
const SMALL = 100 * 1024;

function errors(src: ParsedSource): string[] {
  return src.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
}

describe('strace: every fixture and corpus file', () => {
  it('finds all the files', () => {
    expect(STRACE_FILES.length).toBeGreaterThanOrEqual(15 + 9);
  });

  for (const path of STRACE_FILES) {
    const short = path.slice(path.indexOf('/shared/') + 8);
    it(`${short}: sniffed as strace, no errors, same result for every chunk size`, () => {
      const bytes = readInput(path);
      const head = bytes.subarray(0, 64 * 1024);
      const sn = straceFormat.sniff(head, new TextDecoder().decode(head));
      expect(sn && sn.score).toBeGreaterThan(0.5);
      const sizes = bytes.length <= SMALL ? CHUNK_SIZES : CHUNK_SIZES.filter((c) => c >= 4093);
      const dumps = sizes.map((size) => canonical(feed(straceFormat.create(short), bytes, size)));
      const whole = parseStraceText(bytes, short);
      expect(errors(whole)).toEqual([]);
      expect(whole.syscalls!.length).toBeGreaterThan(0);
      for (const d of dumps) expect(d).toBe(dumps[0]);
    });
  }
});

const sample = (name: string, max: number): Uint8Array => readInput(`${FIXTURES}/${name}`).subarray(0, max);
const SAMPLES = [
  sample('mt-pread/main.strace.txt', 6000),
  sample('edge-cases/main.strace.txt', 6000),
  sample('fio-mixed/short.strace.txt', 6000),
  readInput(`${CORPUS}/strace/tokio-uring-cat-io_uring.strace.log`).subarray(0, 6000),
];

/** Truncations, bit flips and spliced lines of a real input. */
const mutated = fc
  .record({
    sample: fc.integer({ min: 0, max: SAMPLES.length - 1 }),
    cut: fc.double({ min: 0, max: 1, noNaN: true }),
    flips: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 7 })), { maxLength: 12 }),
    splices: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: SAMPLES.length - 1 })), { maxLength: 4 }),
  })
  .map(({ sample: k, cut, flips, splices }) => {
    let b = Uint8Array.from(SAMPLES[k].subarray(0, Math.floor(SAMPLES[k].length * cut)));
    for (const [at, bit] of flips) if (b.length) b[Math.floor(at * b.length) % b.length] ^= 1 << bit;
    for (const [at, from, other] of splices) {
      const src = SAMPLES[other];
      const a = Math.floor(from * src.length);
      const nl = src.indexOf(10, a);
      const piece = src.subarray(a, nl < 0 ? src.length : nl + 1);
      const p = Math.floor(at * b.length);
      const out = new Uint8Array(b.length + piece.length);
      out.set(b.subarray(0, p));
      out.set(piece, p);
      out.set(b.subarray(p), p + piece.length);
      b = out;
    }
    return b;
  });

const straceish = fc
  .array(fc.constantFrom(...'read(3</dev/sda<block 8:0>>, "\\x4c\\0\\"", 512) = -1 EINVAL (x) <0.1> [pid  12] 12:00:00.5 <... read resumed> <unfinished ...> --- +++ | 00000  4c  * 5 bytes in buffer 0 /* */ {a=[1, 2]} ...\n'.split('')), { maxLength: 600 })
  .map((cs) => new TextEncoder().encode(cs.join('')));

describe('strace: hostile input', () => {
  it('random bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (b) => {
        const src = parseStraceText(b, 'random');
        expect(src.diagnostics.length).toBeLessThanOrEqual(1000);
      }),
      { numRuns: 150 },
    );
  });

  it('strace-like token soup never throws and does not depend on chunking', () => {
    fc.assert(
      fc.property(straceish, fc.integer({ min: 1, max: 40 }), (b, size) => {
        const whole = canonical(parseStraceText(b, 'soup'));
        expect(canonical(feed(straceFormat.create('soup'), b, size))).toBe(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('truncated, bit-flipped and spliced real traces never throw and keep chunk independence', () => {
    fc.assert(
      fc.property(mutated, fc.integer({ min: 1, max: 5000 }), (b, size) => {
        const whole = canonical(parseStraceText(b, 'mutated'));
        expect(canonical(feed(straceFormat.create('mutated'), b, size))).toBe(whole);
      }),
      { numRuns: 60 },
    );
  });

  /** CPU ms of parsing `line` repeated n times (best of 3). */
  function cost(line: string, n: number): number {
    const bytes = new TextEncoder().encode(line.repeat(n));
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const c0 = process.cpuUsage();
      parseStraceText(bytes, 'linear');
      const c = process.cpuUsage(c0);
      best = Math.min(best, (c.user + c.system) / 1000);
    }
    return best;
  }

  it('runs in linear time on lines that defeat naive searches', () => {
    const nasty = [
      'read(3, "unterminated, 5) = 5\n', // no closing quote
      'ioctl(3, /* never closed, 1) = 0\n', // comment without end
      'write(1, "x", 1x>\n', // ends with '>' without '<'
      'open("/a", O_RDONLY|O_DIRECT\n', // incomplete → joins the next line
      '<... read resumed(\n',
      'x'.repeat(200) + ' <unfinished ...>\n',
      '12345 ' + '('.repeat(300) + ') = 1\n',
    ];
    for (const line of nasty) {
      const t1 = cost(line, 4000);
      const t2 = cost(line, 8000);
      expect(t2, JSON.stringify(line)).toBeLessThan(3 * t1 + 60);
    }
  });
});
