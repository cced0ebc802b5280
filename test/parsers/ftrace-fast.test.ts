/**
 * The byte-level fast path of the ftrace parser (parsers/ftraceFast.ts) must
 * never change a result: every input parsed from bytes (fast path where it
 * applies) must equal the same lines handed over as text (pushLine: general
 * path only), for real traces and for real lines mutated towards every
 * shape the fast path has to refuse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FtraceParser } from '../../parsers/ftraceParser';
import type { ParsedSource } from '../../parsers/model/source';
import { canonical } from '../helpers/canonical';
import { FIXTURES, feed, readInput, walk } from '../helpers/fixtures';

/** The general path alone: lines as text, no bytes behind them. */
function viaText(bytes: Uint8Array): ParsedSource {
  const p = new FtraceParser('t');
  const text = new TextDecoder().decode(bytes);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  lines.forEach((l, i) => p.pushLine(l, 0, l.endsWith('\r') ? l.length - 1 : l.length, i + 1));
  return p.finish();
}

function viaBytes(bytes: Uint8Array, chunk: number): ParsedSource {
  return feed(new FtraceParser('t'), bytes, chunk);
}

const FILES = walk(FIXTURES).filter((p) => /\.ftrace\.txt(\.xz)?$/.test(p));
const enc = new TextEncoder();

/** Real blk tracer lines to mutate. */
const LINES = new TextDecoder()
  .decode(readInput(`${FIXTURES}/fio-mixed/main.ftrace.txt.xz`).subarray(0, 200_000))
  .split('\n')
  .filter((l) => l.includes('['))
  .slice(0, 400);

/** Pieces the fast path must either read exactly or refuse. */
const PIECE = fc.constantFrom(
  ' ', '\t', '  ', '-', '[', ']', '(', ')', ':', '.', ',', '+', '/', '<-', '#', '<...>', '(  123)',
  'X', 'A', 'm', 'UT', 'U', 'C', 'R', 'queue', 'complete', '0x1f', '65514', '-5', '18446744073709551615',
  '9999999999', '12345678', '123456789', '1,0', '12345678,3', '8,123456789', '[-5]', '[-]', '[65535]', '[12a]', '\u00e9', '\ufffd', 'd..1.', 'dNh2.', '772', '772.1', '772.123456789012:', '(fio)', '[0]', '[fio] 4',
);

/** Character edits anywhere, and whole-column edits: a column replaced, glued to a piece, or dropped. */
const mutatedLine = fc
  .record({
    line: fc.integer({ min: 0, max: LINES.length - 1 }),
    edits: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 3 }), PIECE), { maxLength: 1 }),
    columns: fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom('replace', 'before', 'after', 'drop'), PIECE), { minLength: 1, maxLength: 2 }),
  })
  .map(({ line, edits, columns }) => {
    const cols = LINES[line].split(/( +)/);
    for (const [k, how, piece] of columns) {
      const i = Math.min(cols.length - 1, 2 * k);
      if (how === 'replace') cols[i] = piece;
      else if (how === 'before') cols[i] = piece + cols[i];
      else if (how === 'after') cols[i] += piece;
      else cols[i] = '';
    }
    let l = cols.join('');
    for (const [at, del, piece] of edits) {
      const i = Math.floor(at * l.length);
      l = l.slice(0, i) + piece + l.slice(i + del);
    }
    return l;
  });

/** Each column of a blk line at and around the limits the fast path checks. */
const VARIANTS: string[][] = [
  ['fio-20078', '<...>-20078', 'a-b-7', 'kworker/0:1H-123', '-5', 'fio-', 'fio-12x', 'Web Content-77', 'fio-1 (  33)', 'x\tb-4'],
  ['[001]', '[00001]', '[000001]', '[]', '[1 ]', '[x]', '[001]x'],
  ['d..1.', '', 'd..1.:', 'abcdefgh', 'abcdefg', '1.2.', '12'],
  ['772.174423:', '772:', '772.:', '.5:', '772.1234567891234:', '772.17x:', '772.174423:x', '18446744073.709551:'],
  ['7,0', '1234567,0', '12345678,0', '8,12345678', '8,123456789', '7,', ',0', '7.0', '7,0x'],
  ['Q', 'C', 'R', 'P', 'U', 'UT', 'X', 'A', 'm', 'queue', 'QQ', 'T', 'M F'],
  ['R', 'WS', 'FWFSM', 'N', 'RAHEAD', ''],
  ['7905 + 8', '7905', '7905 +', '7905 + x', '+ 8', '7905 + 8x', '7905x + 8', '7905 / 9', '4096 (01 02)', '7905 + 8 9', '18446744073709551615 + 0', ''],
  ['[fio]', '[0]', '[-5]', '[-]', '[65514]', '[12a]', '[fio] 4', '[fio] 4 5', '[fio] x', '[a]b]', '[fio', 'fio]', ''],
];

function variantLines(): string[] {
  const base = VARIANTS.map((v) => v[0]);
  const out: string[] = [];
  VARIANTS.forEach((options, col) => {
    for (const o of options) {
      const cols = base.slice();
      cols[col] = o;
      out.push(`   ${cols[0]}   ${cols.slice(1).join(' ')}`);
      out.push(`${cols[0]} ${cols.slice(1).join('\t')}`);
      for (const act of ['C', 'U', 'P']) {
        const c2 = cols.slice();
        c2[5] = act;
        out.push(`  ${c2.join('  ')}`);
      }
    }
  });
  return out;
}

describe('ftrace fast path', () => {
  it('every column at its limits: bytes and text give identical sources', () => {
    const lines = variantLines();
    for (const l of lines) {
      const bytes = enc.encode(`${LINES[0]}\n${l}\n`);
      expect(canonical(viaBytes(bytes, 1 << 16)), l).toBe(canonical(viaText(bytes)));
    }
    // The variants must exercise both paths: most are refused, the base shapes are read fast.
    const all = viaBytes(enc.encode(lines.join('\n')), 1 << 16);
    expect(all.block!.length).toBeGreaterThan(100);
  });

  it('real traces: bytes and text give identical sources', () => {
    expect(FILES.length).toBeGreaterThan(5);
    for (const path of FILES) {
      const bytes = readInput(path);
      const small = bytes.length < 4_000_000 ? bytes : bytes.subarray(0, bytes.lastIndexOf(10, 4_000_000) + 1);
      expect(canonical(viaBytes(small, 65536)), path).toBe(canonical(viaText(small)));
    }
  });

  it('mutated blk lines: bytes and text give identical sources', () => {
    fc.assert(
      fc.property(fc.array(mutatedLine, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 200 }), (lines, chunk) => {
        // A valid first line so that the fast path is armed for the mutated ones.
        const bytes = enc.encode(`${LINES[0]}\n${lines.join('\n')}\n`);
        expect(canonical(viaBytes(bytes, chunk))).toBe(canonical(viaText(bytes)));
      }),
      { numRuns: 1500 },
    );
  });
});
