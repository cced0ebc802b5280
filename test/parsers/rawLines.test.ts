import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineSplitter } from '../../parsers/text/lines';
import { RawLineSplitter, decodeLine } from '../../parsers/text/rawLines';

const enc = new TextEncoder();

type Seen = string[];

/** Lines (and overlong reports) of RawLineSplitter, decoded, for one chunking. */
function raw(bytes: Uint8Array, chunk: number | number[], max?: number): Seen {
  const out: Seen = [];
  const sp = new RawLineSplitter(
    (b, a, e, n) => out.push(`${n}:${JSON.stringify(decodeLine(b, a, e))}`),
    (n, len) => out.push(`${n}:overlong ${len}`),
    max,
  );
  const sizes = typeof chunk === 'number' ? [chunk] : chunk;
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]);
    sp.push(bytes.slice(i, Math.min(bytes.length, i + size)));
    i += size;
  }
  sp.finish();
  expect(sp.bytes).toBe(bytes.length);
  return out;
}

/** Lines of the lead's decoding LineSplitter (the reference), fed in one piece. */
function reference(bytes: Uint8Array): Seen {
  const out: Seen = [];
  const sp = new LineSplitter((s, a, e, n) => out.push(`${n}:${JSON.stringify(s.slice(a, e))}`));
  sp.push(bytes);
  sp.finish();
  return out;
}

const CHUNKS = [1, 7, 4093];

describe('RawLineSplitter', () => {
  it('splits LF and CRLF lines, keeps empty lines and a final line without newline', () => {
    const bytes = enc.encode('a\r\n\nbc\r\r\n\r\nlast');
    for (const c of CHUNKS) {
      expect(raw(bytes, c)).toEqual(['1:"a"', '2:""', '3:"bc\\r"', '4:""', '5:"last"']);
    }
  });

  it('drops a BOM at the stream start only, also when chunks cut it', () => {
    const bytes = enc.encode('\uFEFFone\n\uFEFFtwo\n');
    for (const c of [1, 2, 7]) expect(raw(bytes, c)).toEqual(['1:"one"', '2:"\uFEFFtwo"']);
    expect(raw(new Uint8Array([0xef, 0xbb, 0xbf]), 1)).toEqual(reference(new Uint8Array([0xef, 0xbb, 0xbf])));
    expect(raw(new Uint8Array([0xef, 0xbb, 0xbf]), 1)).toEqual([]);
    expect(raw(new Uint8Array([0xef, 0xbb]), 1)).toEqual(['1:"\uFFFD"']);
  });

  it('hands out lines inside a chunk as views of that chunk (no copy) and cut lines from its carry', () => {
    const chunk = enc.encode('12,3 x\nrest');
    const views: boolean[] = [];
    const sp = new RawLineSplitter((b) => views.push(b === chunk));
    sp.push(chunk);
    sp.push(enc.encode(' of it\n'));
    sp.finish();
    expect(views).toEqual([true, false]);
  });

  it('skips overlong lines with the same numbering and the same report whatever the chunking', () => {
    const text = 'short\n' + 'x'.repeat(40) + '\nok\n' + 'y'.repeat(11) + '\r\n' + 'z'.repeat(10) + '\nend-' + 'w'.repeat(30);
    const want = ['1:"short"', '2:overlong 40', '3:"ok"', '4:overlong 12', '5:"zzzzzzzzzz"', '6:overlong 34'];
    for (const c of [...CHUNKS, 3, 10, 11, 12]) expect(raw(enc.encode(text), c, 11)).toEqual(want);
  });

  it('takeLine: asked first for lines inside a chunk (never line 1), same numbering and lines whatever the chunking', () => {
    const text = '\uFEFFxa\nxb\r\nc\nxdddddddddddd\n\nxe\r\nxf';
    const run = (chunk: number) => {
      const out: string[] = [];
      const sp = new RawLineSplitter(
        (b, a, e, n) => out.push(`${n}:line:${decodeLine(b, a, e)}`),
        (n, len) => out.push(`${n}:overlong ${len}`),
        10,
        (b, a, maxLF, n) => {
          if (b[a] !== 120) return -1; // 'x'
          const nl = b.indexOf(10, a);
          if (nl > maxLF) return -1;
          const e = b[nl - 1] === 13 ? nl - 1 : nl;
          out.push(`${n}:took:${decodeLine(b, a, e)}`);
          return nl;
        },
      );
      const bytes = enc.encode(text);
      for (let i = 0; i < bytes.length; i += chunk) sp.push(bytes.subarray(i, i + chunk));
      sp.finish();
      return out;
    };
    const whole = run(1 << 20);
    expect(whole).toEqual(['1:line:xa', '2:took:xb', '3:line:c', '4:overlong 13', '5:line:', '6:took:xe', '7:line:xf']);
    // cut lines come to onLine instead: the same lines, only the route differs
    for (const c of CHUNKS) expect(run(c).map((l) => l.replace(':took:', ':line:'))).toEqual(whole.map((l) => l.replace(':took:', ':line:')));
  });

  it('gives exactly the lines of LineSplitter for random valid UTF-8, any chunking', () => {
    const line = fc.string({ unit: fc.oneof(fc.constantFrom('\n', '\r', '\r\n', ' ', '\uFEFF'), fc.constantFrom('a', 'é', '€', '😀'), fc.string({ unit: 'binary', maxLength: 3 })) });
    fc.assert(
      fc.property(line, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (text, sizes) => {
        const bytes = enc.encode(text);
        const want = reference(bytes);
        for (const c of CHUNKS) expect(raw(bytes, c)).toEqual(want);
        expect(raw(bytes, sizes)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('gives exactly the lines (U+FFFD replacements included) of LineSplitter for random bytes', () => {
    const bytes = fc.uint8Array({ maxLength: 200 }).map((b) => b.map((x) => (x % 7 === 0 ? 10 : x % 11 === 0 ? 13 : x)));
    fc.assert(
      fc.property(bytes, fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (b, sizes) => {
        const want = reference(b);
        for (const c of CHUNKS) expect(raw(b, c)).toEqual(want);
        expect(raw(b, sizes)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('splits 1 MB in linear time: doubling the input does not more than ~3x the time', () => {
    const one = enc.encode('  8,0    1        7     0.000012058 20078  Q   R 97031 + 128 [fio]\n'.repeat(16384));
    const two = new Uint8Array(one.length * 2);
    two.set(one);
    two.set(one, one.length);
    const time = (b: Uint8Array) => {
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const t = performance.now();
        let n = 0;
        const sp = new RawLineSplitter((_b, a, e) => (n += e - a));
        for (let i = 0; i < b.length; i += 4093) sp.push(b.subarray(i, i + 4093));
        sp.finish();
        best = Math.min(best, performance.now() - t);
      }
      return best;
    };
    time(one);
    expect(time(two)).toBeLessThan(3 * time(one) + 5);
  });
});
