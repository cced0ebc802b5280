/**
 * Content labels at 512-byte granularity (the wire unit: every grant-page window, every disk
 * transfer and, after the O_DIRECT alignment check, every buffer range is a whole number of
 * them). A slot says what bytes it holds, not the bytes: provenance is tracked by label, never
 * by copying data, and bytes are produced only at the end from a disk and the write payloads.
 */

/** Page content since allocation, never written (`a` = grant page, `b` = slot in it). */
export const SRC_UNKNOWN = 0;
/** Zero-filled page content (__GFP_ZERO). */
export const SRC_ZERO = 1;
/** Sector `a` of the reference image. */
export const SRC_IMAGE = 2;
/** Write operation `a`'s buffer, 512-byte unit `b`. */
export const SRC_USER = 3;
/** Indirect descriptors written by operation `a`. */
export const SRC_DESCRIPTORS = 4;
/** A buffer unit the completion never copied. */
export const SRC_UNTOUCHED = 5;
/** Bytes a backend read that were not the device's logical contents (BackendTransfer.staleFrom; `a` = sector). */
export const SRC_BACKEND_STALE = 6;

/**
 * Columns of slots. Besides the content label (kind, a, b) every slot remembers where the
 * last writer put it: `from` = disk sector the backend read it from (-1 if not from disk),
 * `wOp` = workload operation whose I/O wrote it, `wSeq` = ring-request sequence number of that write.
 */
export class SlotStore {
  kind = new Uint8Array(0);
  a = new Float64Array(0);
  b = new Float64Array(0);
  from = new Float64Array(0);
  wOp = new Int32Array(0);
  wSeq = new Float64Array(0);
  length = 0;

  constructor(n = 0) {
    this.resize(n);
  }

  /** Sets the number of slots (keeps existing labels; new ones are SRC_UNTOUCHED). */
  resize(n: number): void {
    if (n > this.kind.length) {
      let cap = Math.max(64, this.kind.length);
      while (cap < n) cap *= 2;
      const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (c: number) => T): T => {
        const x = make(cap);
        x.set(old as never);
        return x;
      };
      this.kind = grow(this.kind, (c) => new Uint8Array(c));
      this.a = grow(this.a, (c) => new Float64Array(c));
      this.b = grow(this.b, (c) => new Float64Array(c));
      this.from = grow(this.from, (c) => new Float64Array(c));
      this.wOp = grow(this.wOp, (c) => new Int32Array(c));
      this.wSeq = grow(this.wSeq, (c) => new Float64Array(c));
    }
    for (let i = this.length; i < n; i++) this.set(i, SRC_UNTOUCHED, 0, 0, -1, -1, -1);
    this.length = n;
  }

  set(i: number, kind: number, a: number, b: number, from: number, wOp: number, wSeq: number): void {
    this.kind[i] = kind;
    this.a[i] = a;
    this.b[i] = b;
    this.from[i] = from;
    this.wOp[i] = wOp;
    this.wSeq[i] = wSeq;
  }

  /** Makes this `n` slots, every one SRC_UNTOUCHED (what resize(0) then resize(n) gives), without per-slot calls. */
  reset(n: number): void {
    this.length = 0;
    if (n > this.kind.length) this.resize(n);
    const { kind, a, b, from, wOp, wSeq } = this;
    for (let i = 0; i < n; i++) {
      kind[i] = SRC_UNTOUCHED;
      a[i] = 0;
      b[i] = 0;
      from[i] = -1;
      wOp[i] = -1;
      wSeq[i] = -1;
    }
    this.length = n;
  }

  /**
   * Makes this `n` slots whose kind is SRC_UNTOUCHED, leaving their other columns as they were: an
   * untouched slot's other columns carry no meaning (provenance and byte materialisation read only
   * its kind, and nothing copies from it), so a read buffer is cleared with one store per slot.
   */
  untouch(n: number): void {
    this.length = 0;
    if (n > this.kind.length) this.resize(n);
    this.kind.fill(SRC_UNTOUCHED, 0, n);
    this.length = n;
  }

  /** Slots 0..n-1 as write `opId`'s buffer: unit u holds its bytes [512u, 512u+512). */
  fillUser(n: number, opId: number): void {
    const { kind, a, b, from, wOp, wSeq } = this;
    for (let u = 0; u < n; u++) {
      kind[u] = SRC_USER;
      a[u] = opId;
      b[u] = u;
      from[u] = -1;
      wOp[u] = opId;
      wSeq[u] = -1;
    }
  }

  /** Copies `n` slots from `src[si..]` to `this[di..]` (memcpy of labels). */
  copyFrom(src: SlotStore, si: number, di: number, n: number): void {
    const { kind, a, b, from, wOp, wSeq } = this;
    const sk = src.kind;
    const sa = src.a;
    const sb = src.b;
    const sf = src.from;
    const so = src.wOp;
    const sq = src.wSeq;
    for (let k = 0; k < n; k++) {
      const s = si + k;
      const d = di + k;
      kind[d] = sk[s];
      a[d] = sa[s];
      b[d] = sb[s];
      from[d] = sf[s];
      wOp[d] = so[s];
      wSeq[d] = sq[s];
    }
  }
}
