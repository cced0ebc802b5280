/**
 * ByteLineSplitter, in both its modes (bytes handed out as they are, or runs
 * of lines decoded to text), must hand out exactly the lines LineSplitter does
 * (same text, same numbers, same U+FFFD replacements, BOM and CRLF handling)
 * for any bytes and any chunking, report overlong lines the same way whatever
 * the chunking, and in text mode its `raw` view must really be the bytes
 * behind the text whenever it is offered.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteLineSplitter, decodeLine, runDecoder, type ByteLineTaker } from '../../parsers/text/byteLines';
import { LineSplitter } from '../../parsers/text/lines';
import { FIXTURES, readInput } from '../helpers/fixtures';

const enc = new TextEncoder();
const CHUNKS = [1, 7, 4093];
type Mode = 'bytes' | 'text';
const MODES: Mode[] = ['bytes', 'text'];

interface Seen {
  /** `lineNo:"text"` per line, `lineNo:overlong N` per skipped line. */
  out: string[];
  rawChecked: number;
  rawBad: number;
}

/** Feeds `bytes` cut by `sizes` (cycled) and records what the splitter hands out. */
function split(bytes: Uint8Array, mode: Mode, sizes: number | number[], max?: number, takeLine?: ByteLineTaker): Seen {
  const seen: Seen = { out: [], rawChecked: 0, rawBad: 0 };
  const onOverlong = (n: number, len: number) => seen.out.push(`${n}:overlong ${len}`);
  const sp: ByteLineSplitter =
    mode === 'bytes'
      ? new ByteLineSplitter({ bytes: (b, a, e, n) => seen.out.push(`${n}:${JSON.stringify(decodeLine(b, a, e))}`), takeLine }, onOverlong, max)
      : new ByteLineSplitter(
          {
            text: (t, s, e, n) => {
              seen.out.push(`${n}:${JSON.stringify(t.slice(s, e))}`);
              const raw = sp.raw;
              if (!raw) return;
              for (let i = s; i < e; i++) {
                const b = raw[sp.rawBase + i];
                const c = t.charCodeAt(i);
                seen.rawChecked++;
                if (b < 128 ? c !== b : c !== 0xfffd) seen.rawBad++;
              }
            },
          },
          onOverlong,
          max,
        );
  const cuts = typeof sizes === 'number' ? [sizes] : sizes;
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const size = Math.max(1, cuts[k % cuts.length]);
    sp.push(bytes.slice(i, Math.min(bytes.length, i + size)));
    i += size;
  }
  sp.finish();
  expect(sp.bytes).toBe(bytes.length);
  return seen;
}

/** Lines of the decoding LineSplitter (the reference), fed in one piece. */
function reference(bytes: Uint8Array): string[] {
  const out: string[] = [];
  const sp = new LineSplitter((s, a, e, n) => out.push(`${n}:${JSON.stringify(s.slice(a, e))}`));
  sp.push(bytes);
  sp.finish();
  return out;
}

/** Both modes, the fixed chunk sizes and one random chunking all give `want`; text mode's raw view is right. */
function expectEverywhere(bytes: Uint8Array, want: string[], sizes: number[], max?: number): void {
  for (const mode of MODES) {
    for (const c of [...CHUNKS, sizes]) {
      const got = split(bytes, mode, c, max);
      expect(got.out, `${mode} ${String(c)}`).toEqual(want);
      expect(got.rawBad).toBe(0);
    }
  }
}

/** Bytes biased towards line ends, BOM and UTF-8 lead/continuation bytes. */
const tricky = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(10, 13, 0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x80, 0xed, 0xa0, 0x41, 0x5c, 0x78),
  ),
  { maxLength: 300 },
);
const chunking = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 });

describe('ByteLineSplitter', () => {
  it('splits LF and CRLF lines, keeps empty lines and a final line without newline', () => {
    const bytes = enc.encode('a\r\n\nbc\r\r\n\r\nlast');
    expectEverywhere(bytes, ['1:"a"', '2:""', '3:"bc\\r"', '4:""', '5:"last"'], [2, 3]);
  });

  it('gives exactly the lines (U+FFFD replacements included) of LineSplitter for random bytes, any chunking', () => {
    fc.assert(
      fc.property(tricky, chunking, fc.boolean(), (arr, sizes, bom) => {
        const bytes = new Uint8Array(bom ? [0xef, 0xbb, 0xbf, ...arr] : arr);
        expectEverywhere(bytes, reference(bytes), sizes);
      }),
      { numRuns: 300 },
    );
  });

  it('gives exactly the lines of LineSplitter for random valid UTF-8, any chunking', () => {
    const text = fc.string({
      unit: fc.oneof(fc.constantFrom('\n', '\r', '\r\n', ' ', '\uFEFF'), fc.constantFrom('a', 'é', '€', '😀'), fc.string({ unit: 'binary', maxLength: 3 })),
    });
    fc.assert(
      fc.property(text, chunking, (t, sizes) => {
        const bytes = enc.encode(t);
        expectEverywhere(bytes, reference(bytes), sizes);
      }),
      { numRuns: 300 },
    );
  });

  it('drops a BOM at the stream start only, also when chunks cut it', () => {
    expectEverywhere(enc.encode('\uFEFFone\n\uFEFFtwo\n'), ['1:"one"', '2:"\uFEFFtwo"'], [2]);
    expectEverywhere(new Uint8Array([0xef, 0xbb, 0xbf]), [], [2]);
    expect(reference(new Uint8Array([0xef, 0xbb, 0xbf]))).toEqual([]);
    expectEverywhere(new Uint8Array([0xef, 0xbb]), ['1:"\uFFFD"'], [2]);
    expectEverywhere(new Uint8Array([0xef, 0x61, 10]), ['1:"\uFFFDa"'], [2]);
    expectEverywhere(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 13, 10]), ['1:"a"'], [2]);
    for (const bytes of [[0xef, 0xbb, 0xbf, 0x61, 10, 0x62], [0x61, 10, 0xef, 0xbb, 0xbf, 0x62, 10]]) {
      const b = new Uint8Array(bytes);
      expectEverywhere(b, reference(b), [2, 3]);
    }
  });

  it('bytes mode hands out lines inside a chunk as views of that chunk (no copy) and cut lines from its carry', () => {
    const chunk = enc.encode('12,3 x\nrest');
    const views: boolean[] = [];
    const sp = new ByteLineSplitter({ bytes: (b) => views.push(b === chunk) });
    sp.push(chunk);
    sp.push(enc.encode(' of it\n'));
    sp.finish();
    expect(views).toEqual([true, false]);
  });

  it('text mode offers the raw bytes for an ASCII fixture and agrees with LineSplitter and bytes mode on it', () => {
    const bytes = readInput(`${FIXTURES}/odirect-misaligned-dev/main.strace.txt`);
    const want = reference(bytes);
    for (const chunk of [4093, 1 << 20]) {
      const got = split(bytes, 'text', chunk);
      expect(got.out).toEqual(want);
      expect(got.rawChecked).toBeGreaterThan(bytes.length * 0.99);
      expect(got.rawBad).toBe(0);
      expect(split(bytes, 'bytes', chunk).out).toEqual(want);
    }
  });

  it('skips overlong lines with the same numbering and the same report whatever the chunking and mode', () => {
    const text = 'short\n' + 'x'.repeat(40) + '\nok\n' + 'y'.repeat(11) + '\r\n' + 'z'.repeat(10) + '\nend-' + 'w'.repeat(30);
    const want = ['1:"short"', '2:overlong 40', '3:"ok"', '4:overlong 12', '5:"zzzzzzzzzz"', '6:overlong 34'];
    for (const mode of MODES) for (const c of [...CHUNKS, 3, 5, 10, 11, 12, 1 << 20]) expect(split(enc.encode(text), mode, c, 11).out).toEqual(want);
    // A BOM counts towards line 1's length, as the bytes before its LF.
    for (const mode of MODES) for (const c of [1, 1 << 20]) expect(split(enc.encode('\uFEFFabcdefghi\nj\n'), mode, c, 11).out).toEqual(['1:overlong 12', '2:"j"']);
  });

  it('text mode measures lines longer than a decoded run: decoded alone when allowed, skipped past the limit', () => {
    // At the limit exactly, and one byte over it.
    const long = 'L'.repeat(200_000);
    const tooLong = 'T'.repeat(200_001);
    const bytes = enc.encode(`a\n${long}\nb\n${tooLong}\n${'c\n'.repeat(40_000)}é\n`);
    const want = ['1:"a"', `2:${JSON.stringify(long)}`, '3:"b"', '4:overlong 200001', ...Array.from({ length: 40_000 }, (_, i) => `${i + 5}:"c"`), '40005:"é"'];
    for (const mode of MODES) for (const c of [4093, 1 << 20]) expect(split(bytes, mode, c, 200_000).out).toEqual(want);
  });

  it('takeLine: asked first for lines inside a chunk (never line 1), same numbering and lines whatever the chunking', () => {
    const bytes = enc.encode('\uFEFFxa\nxb\r\nc\nxdddddddddddd\n\nxe\r\nxf');
    const run = (chunk: number) => {
      const took: string[] = [];
      const seen = split(bytes, 'bytes', chunk, 10, (b, a, maxLF, n) => {
        if (b[a] !== 120) return -1; // 'x'
        const nl = b.indexOf(10, a);
        if (nl > maxLF) return -1;
        const e = b[nl - 1] === 13 ? nl - 1 : nl;
        took.push(`${n}:${JSON.stringify(decodeLine(b, a, e))}`);
        return nl;
      });
      return { took, lines: [...seen.out, ...took].sort((p, q) => parseInt(p) - parseInt(q)) };
    };
    const whole = run(1 << 20);
    expect(whole.took).toEqual(['2:"xb"', '6:"xe"']);
    expect(whole.lines).toEqual(['1:"xa"', '2:"xb"', '3:"c"', '4:overlong 13', '5:""', '6:"xe"', '7:"xf"']);
    // cut lines come to onLine instead: the same lines, only the route differs
    for (const c of CHUNKS) expect(run(c).lines).toEqual(whole.lines);
  });

  it("the portable TextDecoder path decodes runs of lines like Node's Buffer path", () => {
    const node = runDecoder(true);
    const portable = runDecoder(false);
    fc.assert(
      fc.property(tricky, (arr) => {
        const bytes = new Uint8Array([...arr, 10]);
        const want = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
        expect(node(bytes, 0, bytes.length)).toBe(want);
        expect(portable(bytes, 0, bytes.length)).toBe(want);
      }),
      { numRuns: 400 },
    );
  });

  it('splits 1 MB in linear time in both modes: doubling the input does not more than ~3x the time', () => {
    const one = enc.encode('  8,0    1        7     0.000012058 20078  Q   R 97031 + 128 [fio]\n'.repeat(16384));
    const two = new Uint8Array(one.length * 2);
    two.set(one);
    two.set(one, one.length);
    for (const mode of MODES) {
      const time = (b: Uint8Array) => {
        let best = Infinity;
        for (let r = 0; r < 5; r++) {
          const t = performance.now();
          let n = 0;
          const sp = mode === 'bytes' ? new ByteLineSplitter({ bytes: (_b, a, e) => (n += e - a) }) : new ByteLineSplitter({ text: (_t, a, e) => (n += e - a) });
          for (let i = 0; i < b.length; i += 4093) sp.push(b.subarray(i, i + 4093));
          sp.finish();
          best = Math.min(best, performance.now() - t);
        }
        return best;
      };
      time(one);
      expect(time(two)).toBeLessThan(3 * time(one) + 5);
    }
  });
});
