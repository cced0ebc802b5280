/**
 * 32-bit word access to byte buffers for the per-chunk hot paths (stamp
 * checks, content compares): a Uint32Array view over the whole underlying
 * ArrayBuffer, created once per buffer and reused, instead of one view (one
 * allocation) per 512-byte chunk. Only 4-byte aligned positions can use it;
 * callers fall back to bytes otherwise.
 */

/* Weakly keyed: a cached view must not keep an old read-data pool or image alive after its analysis. */
const views = new WeakMap<ArrayBufferLike, Uint32Array>();

/** Word view of all of `buf` (its last 0–3 bytes are not covered). */
export function wordsOf(buf: ArrayBufferLike): Uint32Array {
  let v = views.get(buf);
  if (!v) views.set(buf, (v = new Uint32Array(buf, 0, buf.byteLength >>> 2)));
  return v;
}

const doubles = new WeakMap<ArrayBufferLike, Float64Array>();

/**
 * 8-byte view of all of `buf` for bulk equality checks: half the loads of
 * word compares. `===` on doubles is bit equality only for values other than
 * zero (+0 === -0) and NaN (never equal), so callers must treat those as
 * "not known equal" and decide word-wise.
 */
export function doublesOf(buf: ArrayBufferLike): Float64Array {
  let v = doubles.get(buf);
  if (!v) doubles.set(buf, (v = new Float64Array(buf, 0, buf.byteLength >>> 3)));
  return v;
}

/** True when `n` words at wa[ia] equal those at wb[ib]. */
export function wordsEqual(wa: Uint32Array, ia: number, wb: Uint32Array, ib: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (wa[ia + k] !== wb[ib + k]) return false;
  return true;
}

/** True when `n` bytes at a[aAt] equal those at b[bAt]; word compares where both are aligned. */
export function bytesEqual(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number): boolean {
  const pa = a.byteOffset + aAt;
  const pb = b.byteOffset + bAt;
  let i = 0;
  if (n >= 16 && ((pa | pb) & 3) === 0) {
    const wa = wordsOf(a.buffer);
    const wb = wordsOf(b.buffer);
    const ia = pa >>> 2;
    const ib = pb >>> 2;
    const nw = n >>> 2;
    for (let k = 0; k < nw; k++) if (wa[ia + k] !== wb[ib + k]) return false;
    i = nw << 2;
  }
  for (; i < n; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}
