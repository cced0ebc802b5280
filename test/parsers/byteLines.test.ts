/**
 * ByteLineSplitter must hand out exactly the lines LineSplitter does (same
 * text, same numbers, same U+FFFD replacements, BOM and CRLF handling) for
 * any bytes and any chunking, and its `raw` view must really be the bytes
 * behind the text whenever it is offered.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ByteLineSplitter, runDecoder } from '../../parsers/text/byteLines';
import { LineSplitter } from '../../parsers/text/lines';
import { FIXTURES, readInput } from '../helpers/fixtures';

interface Seen {
  lines: string[];
  numbers: number[];
  rawChecked: number;
  rawBad: number;
}

function viaBytes(bytes: Uint8Array, chunk: number): Seen {
  const seen: Seen = { lines: [], numbers: [], rawChecked: 0, rawBad: 0 };
  const sp = new ByteLineSplitter((t, s, e, n) => {
    seen.lines.push(t.slice(s, e));
    seen.numbers.push(n);
    const raw = sp.raw;
    if (!raw) return;
    for (let i = s; i < e; i++) {
      const b = raw[sp.rawBase + i];
      const c = t.charCodeAt(i);
      seen.rawChecked++;
      if (b < 128 ? c !== b : c !== 0xfffd) seen.rawBad++;
    }
  });
  for (let i = 0; i < bytes.length; i += chunk) sp.push(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
  sp.finish();
  return seen;
}

function viaText(bytes: Uint8Array, chunk: number): { lines: string[]; numbers: number[] } {
  const lines: string[] = [];
  const numbers: number[] = [];
  const sp = new LineSplitter((t, s, e, n) => {
    lines.push(t.slice(s, e));
    numbers.push(n);
  });
  for (let i = 0; i < bytes.length; i += chunk) sp.push(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
  sp.finish();
  return { lines, numbers };
}

/** Bytes biased towards line ends, BOM and UTF-8 lead/continuation bytes. */
const tricky = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(10, 13, 0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x80, 0xed, 0xa0, 0x41, 0x5c, 0x78),
  ),
  { maxLength: 300 },
);

describe('ByteLineSplitter', () => {
  it('gives the same lines as LineSplitter for random bytes and chunkings, and raw maps onto the text', () => {
    fc.assert(
      fc.property(tricky, fc.integer({ min: 1, max: 40 }), fc.boolean(), (arr, chunk, bom) => {
        const bytes = new Uint8Array(bom ? [0xef, 0xbb, 0xbf, ...arr] : arr);
        const want = viaText(bytes, chunk);
        const got = viaBytes(bytes, chunk);
        expect(got.lines).toEqual(want.lines);
        expect(got.numbers).toEqual(want.numbers);
        expect(got.rawBad).toBe(0);
      }),
      { numRuns: 600 },
    );
  });

  it('a BOM split over chunks, a lone BOM prefix and a mid-stream BOM', () => {
    for (const bytes of [
      [0xef, 0xbb, 0xbf, 0x61, 10, 0x62],
      [0xef, 0xbb],
      [0xef, 0x61, 10],
      [0x61, 10, 0xef, 0xbb, 0xbf, 0x62, 10],
      [0xef, 0xbb, 0xbf],
    ]) {
      const b = new Uint8Array(bytes);
      for (const chunk of [1, 2, 3, 100]) expect(viaBytes(b, chunk).lines).toEqual(viaText(b, chunk).lines);
    }
    expect(viaBytes(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 13, 10]), 1).lines).toEqual(['a']);
  });

  it('offers the raw bytes for an ASCII fixture and agrees with LineSplitter on it', () => {
    const bytes = readInput(`${FIXTURES}/odirect-misaligned-dev/main.strace.txt`);
    for (const chunk of [4093, 1 << 20]) {
      const got = viaBytes(bytes, chunk);
      expect(got.lines).toEqual(viaText(bytes, chunk).lines);
      expect(got.rawChecked).toBeGreaterThan(bytes.length * 0.99);
      expect(got.rawBad).toBe(0);
    }
  });

  it('reports and skips a line over the limit, keeping the line numbers of the next ones', () => {
    const lines: [string, number][] = [];
    const over: number[] = [];
    const sp = new ByteLineSplitter(
      (t, s, e, n) => lines.push([t.slice(s, e), n]),
      (n) => over.push(n),
      16,
    );
    const bytes = new TextEncoder().encode(`short\n${'x'.repeat(40)}\nnext\n`);
    for (let i = 0; i < bytes.length; i += 5) sp.push(bytes.subarray(i, i + 5));
    sp.finish();
    expect(over).toEqual([2]);
    expect(lines).toEqual([
      ['short', 1],
      ['next', 3],
    ]);
  });

  it('the portable TextDecoder path decodes runs of lines like Node\'s Buffer path', () => {
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
});
