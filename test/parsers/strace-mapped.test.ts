/**
 * decodeMappedInto (strace string literals read from the bytes behind the
 * text) must append exactly what decodeInto appends from the text, with the
 * same status, end and error positions, for any literal: -xx runs, octal and
 * letter escapes, bad escapes, unterminated strings, non-ASCII bytes.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decoded, decodeInto, decodeMappedInto } from '../../parsers/strace/cstring';
import { BytePool } from '../../parsers/model/columns';

const piece = fc.constantFrom('\\x4c', '\\x00', '\\xff', '\\xAb', '\\x4', '\\xg0', '\\0', '\\12', '\\377', '\\n', '\\"', '\\\\', '\\q', 'a', ' ', '"', '\\', 'x', '\u00e9', '\ufffd');

/** Text whose characters are bytes one to one (non-ASCII become U+FFFD over a 0xff byte, as the splitter maps them). */
function mapped(text: string, pad: number): { raw: Uint8Array; s: string } {
  const s = text.replace(/[^\0-\x7f]/g, '\ufffd');
  const raw = new Uint8Array(pad + s.length + 3);
  raw.fill(10);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    raw[pad + i] = c < 128 ? c : 0xff;
  }
  return { raw, s };
}

function run(f: (pool: BytePool) => number): string {
  const pool = new BytePool();
  pool.pushByte(7);
  const n = f(pool);
  return JSON.stringify([n, Array.from(pool.bytes.subarray(0, pool.length)), decoded.status, decoded.next, decoded.status ? decoded.errorAt : 0]);
}

describe('strace literals decoded from the bytes', () => {
  it('equal the text decoding for any mix of escapes, quoted and unquoted', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 0, max: 5 }), fc.boolean(), fc.integer({ min: 0, max: 3 }), (parts, pad, quoted, cutBack) => {
        const { raw, s } = mapped(`"${parts.join('')}"${parts.length % 2 ? ', 5' : ''}`, pad);
        const end = Math.max(1, s.length - cutBack);
        const want = run((pool) => decodeInto(s, 0, end, pool, quoted));
        const got = run((pool) => decodeMappedInto(raw, pad, s, 0, end, pool, quoted));
        expect(got).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes a long -xx run exactly', () => {
    const bytes = Array.from({ length: 5000 }, (_, i) => (i * 37) & 255);
    const text = `"${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}"...`;
    const { raw, s } = mapped(text, 1);
    const pool = new BytePool();
    expect(decodeMappedInto(raw, 1, s, 0, s.length, pool, true)).toBe(5000);
    expect(Array.from(pool.bytes.subarray(0, 5000))).toEqual(bytes);
    expect(decoded.next).toBe(s.length - 3);
  });
});
