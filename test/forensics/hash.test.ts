import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashHex, hashPiece, hashSectors, isZero, keyOf, ZERO_SECTOR_KEY } from '../../engine/forensics/hash';

function key(b: Uint8Array, at = 0): number {
  const o = new Uint32Array(2);
  hashSectors(b, at, 1, o);
  return keyOf(o[0], o[1]);
}

describe('sector hash', () => {
  it('is deterministic and independent of the buffer alignment', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 512, maxLength: 512 }), fc.integer({ min: 0, max: 7 }), (sector, shift) => {
        const buf = new Uint8Array(512 + shift);
        buf.set(sector, shift);
        expect(key(buf, shift)).toBe(key(sector));
      }),
    );
  });

  it('hashes many sectors in one call exactly like one at a time (aligned and unaligned batches)', () => {
    const data = new Uint8Array(513 + 100 * 512);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 255;
    for (const start of [0, 1]) {
      const out = new Uint32Array(200);
      hashSectors(data, start, 100, out);
      for (let k = 0; k < 100; k++) expect(keyOf(out[2 * k], out[2 * k + 1])).toBe(key(data, start + k * 512));
    }
  });

  it('separates sectors that differ in one bit anywhere', () => {
    const base = new Uint8Array(512).fill(0x41);
    const seen = new Set<number>([key(base)]);
    for (let i = 0; i < 512; i++) {
      for (const bit of [0, 7]) {
        const b = base.slice();
        b[i] ^= 1 << bit;
        seen.add(key(b));
      }
    }
    expect(seen.size).toBe(1 + 1024);
  });

  it('never equates a short piece with a full sector, and knows the zero sector', () => {
    const z = new Uint8Array(512);
    expect(key(z)).toBe(ZERO_SECTOR_KEY);
    expect(hashPiece(z, 0, 256)).not.toBe(ZERO_SECTOR_KEY);
    expect(hashPiece(z, 0, 256)).not.toBe(hashPiece(z, 0, 255));
    expect(isZero(z, 0, 512)).toBe(true);
    expect(hashHex(ZERO_SECTOR_KEY)).toMatch(/^[0-9a-f]{14}$/);
  });
});
