/**
 * Labels held as RUNS for the columnar path: a grant page the backend filled in one transfer, or
 * a window of it copied into a read buffer, is one label "unit 0 of the run is (kind, a, b, from,
 * wOp, wSeq)" instead of six values per 512-byte unit, so a 4 KiB page costs O(1) label work.
 *
 * A run is affine: its unit e holds the label of unit 0 advanced by e, where SRC_IMAGE advances `a`
 * (the image sector) and every other kind `b` (the page slot or buffer unit, see slots.ts), `from`
 * advances when it names a disk sector (≥ 0) and the copy's source slot when it names a frame. Every
 * run built here is affine by construction (one backend transfer, one descriptor page, one copied
 * window); a unit that is not (an overlay sector, a page written unit by unit) is a run of one.
 * The per-unit SlotStore of the same content is what the rules in provenance.ts were written on; the
 * runs give the same labels (materialize) and the same provenance runs (runsInto).
 */
import * as slots from './slots';
import type { SlotStore } from './slots';
import * as prov from './provenance';
import type { CopyTrace, RunTable } from './provenance';

/* Constants read once: under tsx and vitest an imported binding is a getter call at every use. */
const { SRC_IMAGE, SRC_UNTOUCHED } = slots;
const { CAT_UNTOUCHED, labelCategory, labelContinues } = prov;
const UNITS_PER_PAGE = 8;

/**
 * Grant pages whose eight slots are one run (a header per page); the pool's SlotStore holds the
 * labels of every other page. A page leaves the run form (materialize) before a partial write.
 */
export class PageRuns {
  private isRunPage = new Uint8Array(64);
  private kind = new Uint8Array(64);
  private a = new Float64Array(64);
  private b = new Float64Array(64);
  private from = new Float64Array(64);
  private wOp = new Int32Array(64);
  private wSeq = new Float64Array(64);

  isRun(page: number): boolean {
    return page < this.isRunPage.length && this.isRunPage[page] === 1;
  }

  /** The whole page now holds the run whose slot 0 is this label. */
  set(page: number, kind: number, a: number, b: number, from: number, wOp: number, wSeq: number): void {
    if (page >= this.isRunPage.length) this.grow(page + 1);
    this.isRunPage[page] = 1;
    this.kind[page] = kind;
    this.a[page] = a;
    this.b[page] = b;
    this.from[page] = from;
    this.wOp[page] = wOp;
    this.wSeq[page] = wSeq;
  }

  /** Writes a run page's labels into the pool's slots (page id × 8 + k) and drops the header. */
  materialize(page: number, content: SlotStore): void {
    if (!this.isRun(page)) return;
    this.isRunPage[page] = 0;
    const base = page * UNITS_PER_PAGE;
    const kind = this.kind[page];
    const image = kind === SRC_IMAGE ? 1 : 0;
    const a = this.a[page];
    const b = this.b[page];
    const from = this.from[page];
    for (let e = 0; e < UNITS_PER_PAGE; e++) {
      content.set(base + e, kind, a + image * e, b + (1 - image) * e, from >= 0 ? from + e : from, this.wOp[page], this.wSeq[page]);
    }
  }

  /** Pages [first, last] (a window may run past its frame) out of the run form. */
  materializeRange(first: number, last: number, content: SlotStore): void {
    for (let p = first; p <= last; p++) this.materialize(p, content);
  }

  /**
   * Appends to `out` the run of `n` units starting at slot `slot` (< 8) of run page `page`, as copied
   * to buffer unit `dst` by completion `seq` from what the copy names frame `frame`, slot `frameSlot`
   * (the same page, except for a window that ran past its frame).
   */
  copyRun(page: number, slot: number, n: number, out: RunBuffer, dst: number, seq: number, frame: number, frameSlot: number): void {
    const kind = this.kind[page];
    const image = kind === SRC_IMAGE;
    const from = this.from[page];
    out.add(dst, n, kind, image ? this.a[page] + slot : this.a[page], image ? this.b[page] : this.b[page] + slot, from >= 0 ? from + slot : from, this.wOp[page], this.wSeq[page], seq, frame, frameSlot);
  }

  private grow(n: number): void {
    let cap = this.isRunPage.length * 2;
    while (cap < n) cap *= 2;
    const u8 = (old: Uint8Array) => {
      const x = new Uint8Array(cap);
      x.set(old);
      return x;
    };
    const f64 = (old: Float64Array) => {
      const x = new Float64Array(cap);
      x.set(old);
      return x;
    };
    this.isRunPage = u8(this.isRunPage);
    this.kind = u8(this.kind);
    this.a = f64(this.a);
    this.b = f64(this.b);
    this.from = f64(this.from);
    const w = new Int32Array(cap);
    w.set(this.wOp);
    this.wOp = w;
    this.wSeq = f64(this.wSeq);
  }
}

/**
 * One read buffer's labels as runs: per unit the run that last wrote it, per run the label of its
 * first unit and the copy trace (completion seq, source frame and slot; frame -1 for the backend
 * writing the user page itself). Run ids grow across buffers, so a unit whose id is below the
 * current buffer's first id is untouched: clearing a buffer writes nothing per unit.
 */
export class RunBuffer {
  private unitRun = new Int32Array(64);
  /** Id of the current buffer's run 0; ids below it are earlier buffers' (untouched here). */
  private base = 1;
  private dst = new Int32Array(16);
  private kind = new Uint8Array(16);
  private a = new Float64Array(16);
  private b = new Float64Array(16);
  private from = new Float64Array(16);
  private wOp = new Int32Array(16);
  private wSeq = new Float64Array(16);
  private copiedBy = new Float64Array(16);
  private frame = new Float64Array(16);
  private slot = new Float64Array(16);
  private count = 0;

  /** `units` untouched units, no runs. */
  clear(units: number): void {
    this.base += this.count;
    this.count = 0;
    if (units > this.unitRun.length) {
      let cap = this.unitRun.length * 2;
      while (cap < units) cap *= 2;
      this.unitRun = new Int32Array(cap);
    }
    if (this.base > 0x3fffffff) {
      this.unitRun.fill(0);
      this.base = 1;
    }
  }

  /** Units [dst, dst + n) now hold the run whose first unit is this label (the copy trace likewise). */
  add(dst: number, n: number, kind: number, a: number, b: number, from: number, wOp: number, wSeq: number, copiedBy: number, frame: number, slot: number): void {
    const r = this.count++;
    if (r === this.dst.length) this.growRuns();
    this.dst[r] = dst;
    this.kind[r] = kind;
    this.a[r] = a;
    this.b[r] = b;
    this.from[r] = from;
    this.wOp[r] = wOp;
    this.wSeq[r] = wSeq;
    this.copiedBy[r] = copiedBy;
    this.frame[r] = frame;
    this.slot[r] = slot;
    const unitRun = this.unitRun;
    const id = this.base + r;
    for (let u = dst; u < dst + n; u++) unitRun[u] = id;
  }

  /**
   * provenanceRunsInto on the runs: the same categories and continuation rules (provenance.ts), tested
   * where a unit changes run; within one run every rule holds from unit to unit, since its label and
   * trace advance together (see the file comment).
   */
  runsInto(units: number, runs: RunTable): void {
    runs.length = 0;
    const { unitRun, base, dst, kind, a, b, from, wOp, wSeq, copiedBy, frame, slot } = this;
    let u = 0;
    while (u < units) {
      const r = unitRun[u] - base;
      let cat = CAT_UNTOUCHED;
      let uKind = SRC_UNTOUCHED;
      let uA = 0;
      let uB = 0;
      let uFrom = -1;
      let uWOp = -1;
      let uFrame = -1;
      let uSlot = -1;
      if (r >= 0) {
        const e = u - dst[r];
        uKind = kind[r];
        const image = uKind === SRC_IMAGE;
        uA = image ? a[r] + e : a[r];
        uB = image ? b[r] : b[r] + e;
        uFrom = from[r] >= 0 ? from[r] + e : from[r];
        uWOp = wOp[r];
        uFrame = frame[r];
        uSlot = frame[r] >= 0 ? slot[r] + e : slot[r];
        cat = labelCategory(uKind, uFrom, wSeq[r], copiedBy[r]);
      }
      let cur = Math.max(-1, r);
      let v = u + 1;
      while (v < units) {
        const t = Math.max(-1, unitRun[v] - base);
        if (t === cur) {
          v++;
          continue;
        }
        if (t < 0) {
          if (cat !== CAT_UNTOUCHED) break;
        } else {
          const e = v - dst[t];
          const wKind = kind[t];
          const image = wKind === SRC_IMAGE;
          const wFrom = from[t] >= 0 ? from[t] + e : from[t];
          if (labelCategory(wKind, wFrom, wSeq[t], copiedBy[t]) !== cat) break;
          const wA = image ? a[t] + e : a[t];
          const wB = image ? b[t] : b[t] + e;
          const wSlot = frame[t] >= 0 ? slot[t] + e : slot[t];
          if (!labelContinues(cat, v - u, uKind, uA, uB, uFrom, uWOp, uFrame, uSlot, wKind, wA, wB, wFrom, wOp[t], frame[t], wSlot)) break;
        }
        cur = t;
        v++;
      }
      runs.push(u, v, cat);
      u = v;
    }
  }

  /** The per-unit labels and copy trace of units [0, units) (what the detailed path's buffer holds). */
  materialize(units: number, buf: SlotStore, trace: CopyTrace): void {
    buf.untouch(units);
    const { copiedBy, srcFrame, srcSlot } = trace;
    const { unitRun, base } = this;
    for (let u = 0; u < units; u++) {
      const r = unitRun[u] - base;
      if (r < 0) {
        copiedBy[u] = -1;
        continue;
      }
      const e = u - this.dst[r];
      const kind = this.kind[r];
      const image = kind === SRC_IMAGE;
      const from = this.from[r];
      buf.set(u, kind, image ? this.a[r] + e : this.a[r], image ? this.b[r] : this.b[r] + e, from >= 0 ? from + e : from, this.wOp[r], this.wSeq[r]);
      copiedBy[u] = this.copiedBy[r];
      srcFrame[u] = this.frame[r];
      srcSlot[u] = this.frame[r] >= 0 ? this.slot[r] + e : this.slot[r];
    }
  }

  private growRuns(): void {
    const n = this.dst.length * 2;
    const i32 = (old: Int32Array) => {
      const x = new Int32Array(n);
      x.set(old);
      return x;
    };
    const f64 = (old: Float64Array) => {
      const x = new Float64Array(n);
      x.set(old);
      return x;
    };
    this.dst = i32(this.dst);
    const k = new Uint8Array(n);
    k.set(this.kind);
    this.kind = k;
    this.a = f64(this.a);
    this.b = f64(this.b);
    this.from = f64(this.from);
    this.wOp = i32(this.wOp);
    this.wSeq = f64(this.wSeq);
    this.copiedBy = f64(this.copiedBy);
    this.frame = f64(this.frame);
    this.slot = f64(this.slot);
  }
}
