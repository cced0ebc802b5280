/**
 * Fast non-cryptographic hash of 512-byte sectors.
 *
 * Why not crypto: the analyzer only needs to recognise equal sector contents
 * inside one trace (and against a reference image); collisions between
 * unrelated sectors must be rare, not hard to forge. Two 32-bit halves from
 * four independent multiply-xor lanes keep the multiplier pipeline busy
 * (each lane is a dependency chain of Math.imul), which is what makes pure
 * JS reach several GB/s.
 */

export const SECTOR = 512;
const WORDS = SECTOR >> 2;

/* Odd 32-bit constants (golden-ratio and murmur3-style mixers). */
const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f | 0;

/** Scratch for chunks whose start is not 4-byte aligned in their buffer. */
const scratch = new Uint32Array(WORDS);
const scratchBytes = new Uint8Array(scratch.buffer);
const BATCH = 64;
const batch = new Uint32Array(WORDS * BATCH);
const batchBytes = new Uint8Array(batch.buffer);

function mixWords(w: Uint32Array, at: number, out: Uint32Array, outAt: number): void {
  let a = 0x243f6a88 | 0;
  let b = 0x85a308d3 | 0;
  let c = 0x13198a2e | 0;
  let d = 0x03707344 | 0;
  const end = at + WORDS;
  for (let i = at; i < end; i += 4) {
    a = Math.imul(a ^ w[i], P1);
    b = Math.imul(b ^ w[i + 1], P2);
    c = Math.imul(c ^ w[i + 2], P3);
    d = Math.imul(d ^ w[i + 3], P4);
    a ^= a >>> 15;
    b ^= b >>> 13;
    c ^= c >>> 16;
    d ^= d >>> 14;
  }
  finalMix(a, b, c, d, out, outAt);
}

function finalMix(a: number, b: number, c: number, d: number, out: Uint32Array, outAt: number): void {
  // Final avalanche (murmur3 fmix32) of two cross-combined halves.
  let h = a ^ Math.imul(c, P2) ^ ((b << 7) | (b >>> 25));
  let g = b ^ Math.imul(d, P1) ^ ((a << 11) | (a >>> 21)) ^ c;
  h ^= h >>> 16;
  h = Math.imul(h, P1 ^ 0x5bd1e995);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  g ^= d;
  g ^= g >>> 16;
  g = Math.imul(g, P4);
  g ^= g >>> 13;
  g = Math.imul(g, P2);
  g ^= g >>> 16;
  out[outAt] = h >>> 0;
  out[outAt + 1] = g >>> 0;
}

/**
 * Hashes `count` consecutive 512-byte chunks of `bytes` starting at `start`
 * into `out[2k], out[2k+1]`. The caller guarantees the bytes exist.
 */
export function hashSectors(bytes: Uint8Array, start: number, count: number, out: Uint32Array, outAt = 0): void {
  const abs = bytes.byteOffset + start;
  if ((abs & 3) === 0) {
    const words = new Uint32Array(bytes.buffer, abs, count * WORDS);
    for (let k = 0; k < count; k++) mixWords(words, k * WORDS, out, outAt + 2 * k);
    return;
  }
  // Copy unaligned input in batches: one large memcpy is far cheaper than 64 small ones.
  for (let k = 0; k < count; k += BATCH) {
    const n = Math.min(BATCH, count - k);
    batchBytes.set(bytes.subarray(start + k * SECTOR, start + (k + n) * SECTOR));
    for (let j = 0; j < n; j++) mixWords(batch, j * WORDS, out, outAt + 2 * (k + j));
  }
}

/**
 * hashSectors over a word view, fused with a compare against expected words:
 * `same[k]` = 1 when sector k equals the 128 words at `ref[refAt + 128k]`
 * (an in-memory reference image). One pass over the read's words instead of
 * one to hash and another to compare. `at` and `refAt` are word indices.
 */
export function hashSectorsComparing(w: Uint32Array, at: number, count: number, out: Uint32Array, ref: Uint32Array, refAt: number, same: Uint8Array): void {
  for (let k = 0; k < count; k++) {
    let a = 0x243f6a88 | 0;
    let b = 0x85a308d3 | 0;
    let c = 0x13198a2e | 0;
    let d = 0x03707344 | 0;
    let diff = 0;
    const base = at + k * WORDS;
    const r = refAt + k * WORDS - base;
    const end = base + WORDS;
    for (let i = base; i < end; i += 4) {
      const x0 = w[i];
      const x1 = w[i + 1];
      const x2 = w[i + 2];
      const x3 = w[i + 3];
      diff |= (x0 ^ ref[i + r]) | (x1 ^ ref[i + r + 1]) | (x2 ^ ref[i + r + 2]) | (x3 ^ ref[i + r + 3]);
      a = Math.imul(a ^ x0, P1);
      b = Math.imul(b ^ x1, P2);
      c = Math.imul(c ^ x2, P3);
      d = Math.imul(d ^ x3, P4);
      a ^= a >>> 15;
      b ^= b >>> 13;
      c ^= c >>> 16;
      d ^= d >>> 14;
    }
    finalMix(a, b, c, d, out, 2 * k);
    same[k] = diff === 0 ? 1 : 0;
  }
}

/**
 * The image path's cheap pass: how many of `count` sectors equal the
 * reference (stops at the first that differs), each equal sector's
 * fingerprint in `fp[k]`. Sectors are compared 8 bytes at a time (`d`, `ref`:
 * double views, sector k at d[at + 64k], ref[refAt + 64k]); a sector with a
 * zero or NaN double, where `===` is not bit equality, is compared word-wise
 * (`w`, `rw`: word views of the same buffers). A fingerprint is a function of
 * a few of the sector's words, so sectors with distinct fingerprints are
 * never equal: only sectors whose fingerprint repeats within a read need a
 * full hash to find duplicate chunks.
 */
export function equalSectorsFingerprinted(d: Float64Array, w: Uint32Array, at: number, count: number, ref: Float64Array, rw: Uint32Array, refAt: number, fp: Uint32Array): number {
  const r = refAt - at;
  for (let k = 0; k < count; k++) {
    const base = at + k * 64;
    const end = base + 64;
    let i = base;
    for (; i < end; i += 4) {
      const x0 = d[i];
      const x1 = d[i + 1];
      const x2 = d[i + 2];
      const x3 = d[i + 3];
      if (x0 !== ref[i + r] || x1 !== ref[i + r + 1] || x2 !== ref[i + r + 2] || x3 !== ref[i + r + 3] || x0 === 0 || x1 === 0 || x2 === 0 || x3 === 0) break;
    }
    const wb = 2 * base;
    if (i < end) {
      for (let j = 2 * i, e = 2 * end, q = 2 * r; j < e; j++) if (w[j] !== rw[j + q]) return k;
    }
    fp[k] = (Math.imul(w[wb] ^ P4, P1) ^ Math.imul(w[wb + 1], P2) ^ Math.imul(w[wb + 2] ^ w[wb + 3], P3) ^ w[wb + 65] ^ Math.imul(w[wb + 127], P4)) >>> 0;
  }
  return count;
}

/**
 * hashSectors over a word view, fused with the shape check of the fixtures'
 * stamps (stamps.ts): `same[k]` = 1 when every 16-byte unit of sector k
 * repeats the first unit's words 0..2 and ends with `slotWords[unit]` (the
 * slot digits and newline). Whether the first unit names the sector's own
 * LBA is the caller's check.
 */
export function hashSectorsStampShaped(w: Uint32Array, at: number, count: number, out: Uint32Array, slotWords: Uint32Array, same: Uint8Array): void {
  for (let k = 0; k < count; k++) {
    let a = 0x243f6a88 | 0;
    let b = 0x85a308d3 | 0;
    let c = 0x13198a2e | 0;
    let d = 0x03707344 | 0;
    const base = at + k * WORDS;
    const u0 = w[base];
    const u1 = w[base + 1];
    const u2 = w[base + 2];
    let diff = 0;
    for (let q = 0; q < 32; q++) {
      const i = base + 4 * q;
      const x0 = w[i];
      const x1 = w[i + 1];
      const x2 = w[i + 2];
      const x3 = w[i + 3];
      diff |= (x0 ^ u0) | (x1 ^ u1) | (x2 ^ u2) | (x3 ^ slotWords[q]);
      a = Math.imul(a ^ x0, P1);
      b = Math.imul(b ^ x1, P2);
      c = Math.imul(c ^ x2, P3);
      d = Math.imul(d ^ x3, P4);
      a ^= a >>> 15;
      b ^= b >>> 13;
      c ^= c >>> 16;
      d ^= d >>> 14;
    }
    finalMix(a, b, c, d, out, 2 * k);
    same[k] = diff === 0 ? 1 : 0;
  }
}

const one = new Uint32Array(2);

/**
 * Hash of one piece of content of any length up to 512 bytes (partial
 * sectors at the edges of unaligned reads): zero-padded, then the length is
 * folded in so that a short piece never equals a full sector.
 */
export function hashPiece(bytes: Uint8Array, start: number, len: number): HashKey {
  if (len === SECTOR) {
    hashSectors(bytes, start, 1, one);
  } else {
    scratch.fill(0);
    scratchBytes.set(bytes.subarray(start, start + len));
    mixWords(scratch, 0, one, 0);
    one[0] = (Math.imul(one[0] ^ len, P3) ^ 0x6a09e667) >>> 0;
  }
  return keyOf(one[0], one[1]);
}

/**
 * A hash as one JS number (53 bits: 32 of the first half, 21 of the second),
 * usable directly as a Map key without allocating strings.
 */
export type HashKey = number;

export function keyOf(h0: number, h1: number): HashKey {
  return (h1 & 0x1fffff) * 4294967296 + (h0 >>> 0);
}

/** Hex rendering for evidence and JSON output. */
export function hashHex(key: HashKey): string {
  return key.toString(16).padStart(14, '0');
}

/** The hash of an all-zero sector (the most common content; never meaningful as "same as LBA y"). */
export const ZERO_SECTOR_KEY: HashKey = hashPiece(new Uint8Array(SECTOR), 0, SECTOR);

/** True when the piece is entirely zero bytes. */
export function isZero(bytes: Uint8Array, start: number, len: number): boolean {
  for (let i = start, e = start + len; i < e; i++) if (bytes[i] !== 0) return false;
  return true;
}
