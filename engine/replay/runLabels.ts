/**
 * Labels held as RUNS for the columnar path: a grant page the backend filled in one transfer, or
 * a window of it copied into a read buffer, is one label "unit 0 of the run is (kind, a, b, from,
 * wOp, wSeq)" instead of six values per 512-byte unit, so a 4 KiB page costs O(1) label work.
 *
 * A run is affine: its unit e holds the label of unit 0 advanced by e, where SRC_IMAGE advances `a`
 * (the image sector) and every other kind `b` (the page slot or buffer unit, see slots.ts), `from`
 * advances when it names a disk sector (≥ 0) and the copy's source slot when it names a frame. Every
 * run built here is affine by construction (one backend transfer, one descriptor page, one copied
 * window, slots read back that continue each other); an overlay sector is a run of one.
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
 * Grant pages as runs: each page in run form holds 1–8 runs sorted by first slot (a run ends where
 * the next begins, the last at slot 8). A page not in run form has its labels in the pool's
 * SlotStore (every page starts so: GrantPool.newPage); it is read into runs when a run operation
 * touches it, and written back (materialize) before anything works on it slot by slot.
 */
export class PageRuns {
  private inRunForm = new Uint8Array(64);
  private count = new Uint8Array(64);
  /** Run i of page p at index p × 8 + i: first slot and the label of that slot. */
  private start = new Uint8Array(512);
  private kind = new Uint8Array(512);
  private a = new Float64Array(512);
  private b = new Float64Array(512);
  private from = new Float64Array(512);
  private wOp = new Int32Array(512);
  private wSeq = new Float64Array(512);
  /** Scratch for a page's new run list (at most one run per slot). */
  private readonly tStart = new Uint8Array(UNITS_PER_PAGE);
  private readonly tKind = new Uint8Array(UNITS_PER_PAGE);
  private readonly tA = new Float64Array(UNITS_PER_PAGE);
  private readonly tB = new Float64Array(UNITS_PER_PAGE);
  private readonly tFrom = new Float64Array(UNITS_PER_PAGE);
  private readonly tWOp = new Int32Array(UNITS_PER_PAGE);
  private readonly tWSeq = new Float64Array(UNITS_PER_PAGE);
  private tCount = 0;

  /** The whole page now holds the run whose slot 0 is this label. */
  set(page: number, kind: number, a: number, b: number, from: number, wOp: number, wSeq: number): void {
    if (page >= this.inRunForm.length) this.grow(page + 1);
    this.inRunForm[page] = 1;
    this.count[page] = 1;
    const i = page * UNITS_PER_PAGE;
    this.start[i] = 0;
    this.kind[i] = kind;
    this.a[i] = a;
    this.b[i] = b;
    this.from[i] = from;
    this.wOp[i] = wOp;
    this.wSeq[i] = wSeq;
  }

  /** Slots [first, first + n) of the page (within it) now hold the run whose first slot is this label. */
  write(page: number, first: number, n: number, kind: number, a: number, b: number, from: number, wOp: number, wSeq: number, content: SlotStore): void {
    if (first === 0 && n === UNITS_PER_PAGE) {
      this.set(page, kind, a, b, from, wOp, wSeq);
      return;
    }
    this.toRunForm(page, content);
    const base = page * UNITS_PER_PAGE;
    const cnt = this.count[page];
    const end = first + n;
    if (cnt === 1 && n > 0 && (first === 0 || end === UNITS_PER_PAGE)) {
      this.splitWhole(base, first, n, kind, a, b, from, wOp, wSeq);
      return;
    }
    this.tCount = 0;
    /* The old runs' parts before the new run, the new run, the old runs' parts after it. */
    for (let i = 0; i < cnt; i++) if (this.start[base + i] < first) this.keep(base + i, 0);
    this.push(first, kind, a, b, from, wOp, wSeq);
    for (let i = 0; i < cnt; i++) {
      const s = this.start[base + i];
      const e = i + 1 < cnt ? this.start[base + i + 1] : UNITS_PER_PAGE;
      if (e > end) this.keep(base + i, Math.max(s, end) - s);
    }
    for (let i = 0; i < this.tCount; i++) {
      this.start[base + i] = this.tStart[i];
      this.kind[base + i] = this.tKind[i];
      this.a[base + i] = this.tA[i];
      this.b[base + i] = this.tB[i];
      this.from[base + i] = this.tFrom[i];
      this.wOp[base + i] = this.tWOp[i];
      this.wSeq[base + i] = this.tWSeq[i];
    }
    this.count[page] = this.tCount;
  }

  /**
   * write() on a page of one run, the new run at either end: two runs (the general splice's result,
   * without the scratch list). A page of one run starts at slot 0.
   */
  private splitWhole(base: number, first: number, n: number, kind: number, a: number, b: number, from: number, wOp: number, wSeq: number): void {
    const oldKind = this.kind[base];
    const image = oldKind === SRC_IMAGE;
    const oldFrom = this.from[base];
    let newAt = base + 1;
    if (first === 0) {
      /* The old run's part from slot n moves to index 1 as a run starting there. */
      const keepAt = base + 1;
      newAt = base;
      this.kind[keepAt] = oldKind;
      this.a[keepAt] = image ? this.a[base] + n : this.a[base];
      this.b[keepAt] = image ? this.b[base] : this.b[base] + n;
      this.from[keepAt] = oldFrom >= 0 ? oldFrom + n : oldFrom;
      this.wOp[keepAt] = this.wOp[base];
      this.wSeq[keepAt] = this.wSeq[base];
      this.start[keepAt] = n;
    }
    this.start[newAt] = first;
    this.kind[newAt] = kind;
    this.a[newAt] = a;
    this.b[newAt] = b;
    this.from[newAt] = from;
    this.wOp[newAt] = wOp;
    this.wSeq[newAt] = wSeq;
    this.count[base / UNITS_PER_PAGE] = 2;
  }

  /** Scratch: run j's part from `e` slots into it. */
  private keep(j: number, e: number): void {
    const kind = this.kind[j];
    const image = kind === SRC_IMAGE;
    const from = this.from[j];
    this.push(this.start[j] + e, kind, image ? this.a[j] + e : this.a[j], image ? this.b[j] : this.b[j] + e, from >= 0 ? from + e : from, this.wOp[j], this.wSeq[j]);
  }

  private push(start: number, kind: number, a: number, b: number, from: number, wOp: number, wSeq: number): void {
    const t = this.tCount++;
    this.tStart[t] = start;
    this.tKind[t] = kind;
    this.tA[t] = a;
    this.tB[t] = b;
    this.tFrom[t] = from;
    this.tWOp[t] = wOp;
    this.tWSeq[t] = wSeq;
  }

  /** Reads a page's slots into runs (a slot that does not continue the run before it starts one). */
  private toRunForm(page: number, content: SlotStore): void {
    if (page < this.inRunForm.length && this.inRunForm[page] === 1) return;
    if (page >= this.inRunForm.length) this.grow(page + 1);
    const base = page * UNITS_PER_PAGE;
    let cnt = 0;
    for (let k = 0; k < UNITS_PER_PAGE; k++) {
      const s = base + k;
      const kind = content.kind[s];
      if (cnt > 0) {
        const j = base + cnt - 1;
        const e = k - this.start[j];
        const image = kind === SRC_IMAGE;
        const from = this.from[j];
        if (
          kind === this.kind[j] && content.a[s] === (image ? this.a[j] + e : this.a[j]) && content.b[s] === (image ? this.b[j] : this.b[j] + e) &&
          content.from[s] === (from >= 0 ? from + e : from) && content.wOp[s] === this.wOp[j] && content.wSeq[s] === this.wSeq[j]
        ) continue;
      }
      const j = base + cnt++;
      this.start[j] = k;
      this.kind[j] = kind;
      this.a[j] = content.a[s];
      this.b[j] = content.b[s];
      this.from[j] = content.from[s];
      this.wOp[j] = content.wOp[s];
      this.wSeq[j] = content.wSeq[s];
    }
    this.count[page] = cnt;
    this.inRunForm[page] = 1;
  }

  /** Writes a run-form page's labels into the pool's slots (page id × 8 + k); the slots are authoritative again. */
  materialize(page: number, content: SlotStore): void {
    if (page >= this.inRunForm.length || this.inRunForm[page] === 0) return;
    this.inRunForm[page] = 0;
    const base = page * UNITS_PER_PAGE;
    const cnt = this.count[page];
    for (let i = 0; i < cnt; i++) {
      const j = base + i;
      const s = this.start[j];
      const end = i + 1 < cnt ? this.start[j + 1] : UNITS_PER_PAGE;
      const kind = this.kind[j];
      const image = kind === SRC_IMAGE ? 1 : 0;
      const from = this.from[j];
      for (let k = s; k < end; k++) {
        const e = k - s;
        content.set(base + k, kind, this.a[j] + image * e, this.b[j] + (1 - image) * e, from >= 0 ? from + e : from, this.wOp[j], this.wSeq[j]);
      }
    }
  }

  /** Pages [first, last] (a window may run past its frame) out of the run form. */
  materializeRange(first: number, last: number, content: SlotStore): void {
    for (let p = first; p <= last; p++) this.materialize(p, content);
  }

  /**
   * Appends to `out` slots [slot, slot + n) of the page (within it), as copied to buffer unit `dst`
   * by completion `seq` from frame `frame`, slot `frameSlot` onwards: one buffer run per page run.
   */
  copyRange(page: number, slot: number, n: number, out: RunBuffer, dst: number, seq: number, frame: number, frameSlot: number, content: SlotStore): void {
    this.toRunForm(page, content);
    const base = page * UNITS_PER_PAGE;
    const cnt = this.count[page];
    const end = slot + n;
    for (let i = 0; i < cnt; i++) {
      const j = base + i;
      const s = this.start[j];
      const e = i + 1 < cnt ? this.start[j + 1] : UNITS_PER_PAGE;
      const lo = s > slot ? s : slot;
      const hi = e < end ? e : end;
      if (lo >= hi) continue;
      const d = lo - s;
      const kind = this.kind[j];
      const image = kind === SRC_IMAGE;
      const from = this.from[j];
      out.add(dst + lo - slot, hi - lo, kind, image ? this.a[j] + d : this.a[j], image ? this.b[j] : this.b[j] + d, from >= 0 ? from + d : from, this.wOp[j], this.wSeq[j], seq, frame, frameSlot + lo - slot);
    }
  }

  private grow(n: number): void {
    let cap = this.inRunForm.length * 2;
    while (cap < n) cap *= 2;
    const u8 = (old: Uint8Array, c: number) => {
      const x = new Uint8Array(c);
      x.set(old);
      return x;
    };
    const f64 = (old: Float64Array) => {
      const x = new Float64Array(cap * UNITS_PER_PAGE);
      x.set(old);
      return x;
    };
    this.inRunForm = u8(this.inRunForm, cap);
    this.count = u8(this.count, cap);
    this.start = u8(this.start, cap * UNITS_PER_PAGE);
    this.kind = u8(this.kind, cap * UNITS_PER_PAGE);
    this.a = f64(this.a);
    this.b = f64(this.b);
    this.from = f64(this.from);
    const w = new Int32Array(cap * UNITS_PER_PAGE);
    w.set(this.wOp);
    this.wOp = w;
    this.wSeq = f64(this.wSeq);
  }
}

/**
 * One read buffer's labels as runs: per run the label of its first unit and the copy trace
 * (completion seq, source frame and slot; frame -1 for the backend writing the user page itself).
 * While runs arrive in buffer order without overlapping (completions in order, pieces in order)
 * the runs alone say which unit holds what; the first run that does not keeps a per-unit map of
 * the run that last wrote each unit. Run ids grow across buffers, so a unit whose id is below the
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
  private len = new Int32Array(16);
  private count = 0;
  /** Runs so far in buffer order, not overlapping, ending at `end`: no per-unit map yet. */
  private ordered = true;
  private end = 0;

  /** `units` untouched units, no runs. */
  clear(units: number): void {
    this.base += this.count;
    this.count = 0;
    this.ordered = true;
    this.end = 0;
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
    this.len[r] = n;
    if (this.ordered) {
      if (dst >= this.end) {
        this.end = dst + n;
        return;
      }
      this.toMap(r);
    }
    const unitRun = this.unitRun;
    const id = this.base + r;
    for (let u = dst; u < dst + n; u++) unitRun[u] = id;
  }

  /** Leaves the ordered form: the per-unit map of runs 0..r-1. */
  private toMap(r: number): void {
    this.ordered = false;
    const unitRun = this.unitRun;
    for (let i = 0; i < r; i++) {
      const id = this.base + i;
      for (let u = this.dst[i]; u < this.dst[i] + this.len[i]; u++) unitRun[u] = id;
    }
  }

  /**
   * provenanceRunsInto on the runs: the same categories and continuation rules (provenance.ts), tested
   * where a unit changes run; within one run every rule holds from unit to unit, since its label and
   * trace advance together (see the file comment).
   */
  runsInto(units: number, runs: RunTable): void {
    runs.length = 0;
    if (this.ordered) {
      this.orderedRunsInto(units, runs);
      return;
    }
    const { unitRun, base, dst, kind, a, b, from, wOp, wSeq, copiedBy, frame, slot } = this;
    let u = 0;
    while (u < units) {
      const r = unitRun[u] - base;
      let cat = CAT_UNTOUCHED;
      let uFrom = -1;
      if (r >= 0) {
        uFrom = from[r] >= 0 ? from[r] + (u - dst[r]) : from[r];
        cat = labelCategory(kind[r], uFrom, wSeq[r], copiedBy[r]);
      }
      let cur = r < 0 ? -1 : r;
      let v = u + 1;
      /* Units of the same run continue it (the common case: one copied page); the rest is tested below. */
      while (v < units && unitRun[v] - base === cur) v++;
      if (v < units) {
        /* The run's first unit in full, for the continuation rules. */
        let uKind = SRC_UNTOUCHED;
        let uA = 0;
        let uB = 0;
        let uWOp = -1;
        let uFrame = -1;
        let uSlot = -1;
        if (r >= 0) {
          const e = u - dst[r];
          uKind = kind[r];
          const image = uKind === SRC_IMAGE;
          uA = image ? a[r] + e : a[r];
          uB = image ? b[r] : b[r] + e;
          uWOp = wOp[r];
          uFrame = frame[r];
          uSlot = frame[r] >= 0 ? slot[r] + e : slot[r];
        }
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
      }
      runs.push(u, v, cat);
      u = v;
    }
  }

  /**
   * runsInto in the ordered form: the same tests, where one run (or a stretch no run covers) gives
   * way to the next; `u` is the current provenance run's first unit, `r` the buffer run holding it.
   */
  private orderedRunsInto(units: number, runs: RunTable): void {
    const { dst, len, kind, from, wSeq, copiedBy } = this;
    let u = 0;
    let r = -1;
    let cat = CAT_UNTOUCHED;
    let pos = 0;
    let i = 0;
    while (pos < units) {
      /* The next stretch [pos, e): run t, or untouched (t = -1) up to the next run. */
      while (i < this.count && (len[i] === 0 || dst[i] + len[i] <= pos)) i++;
      let t = -1;
      let e = units;
      if (i < this.count) {
        if (dst[i] > pos) e = Math.min(units, dst[i]);
        else {
          t = i;
          e = Math.min(units, dst[i] + len[i]);
        }
      }
      if (pos === 0) {
        r = t;
        if (t >= 0) cat = labelCategory(kind[t], from[t], wSeq[t], copiedBy[t]);
      } else if (!this.continuesAt(u, r, cat, pos, t)) {
        runs.push(u, pos, cat);
        u = pos;
        r = t;
        cat = CAT_UNTOUCHED;
        if (t >= 0) {
          const d = pos - dst[t];
          cat = labelCategory(kind[t], from[t] >= 0 ? from[t] + d : from[t], wSeq[t], copiedBy[t]);
        }
      }
      pos = e;
    }
    if (units > 0) runs.push(u, units, cat);
  }

  /** Whether unit v of run t (-1: untouched) extends the provenance run of category `cat` starting at unit u of run r. */
  private continuesAt(u: number, r: number, cat: number, v: number, t: number): boolean {
    if (t < 0) return cat === CAT_UNTOUCHED;
    const { dst, kind, a, b, from, wOp, wSeq, copiedBy, frame, slot } = this;
    const e = v - dst[t];
    const wKind = kind[t];
    const wImage = wKind === SRC_IMAGE;
    const wFrom = from[t] >= 0 ? from[t] + e : from[t];
    if (labelCategory(wKind, wFrom, wSeq[t], copiedBy[t]) !== cat) return false;
    let uKind = SRC_UNTOUCHED;
    let uA = 0;
    let uB = 0;
    let uFrom = -1;
    let uWOp = -1;
    let uFrame = -1;
    let uSlot = -1;
    if (r >= 0) {
      const d = u - dst[r];
      uKind = kind[r];
      const image = uKind === SRC_IMAGE;
      uA = image ? a[r] + d : a[r];
      uB = image ? b[r] : b[r] + d;
      uFrom = from[r] >= 0 ? from[r] + d : from[r];
      uWOp = wOp[r];
      uFrame = frame[r];
      uSlot = frame[r] >= 0 ? slot[r] + d : slot[r];
    }
    const wA = wImage ? a[t] + e : a[t];
    const wB = wImage ? b[t] : b[t] + e;
    const wSlot = frame[t] >= 0 ? slot[t] + e : slot[t];
    return labelContinues(cat, v - u, uKind, uA, uB, uFrom, uWOp, uFrame, uSlot, wKind, wA, wB, wFrom, wOp[t], frame[t], wSlot);
  }

  /** The per-unit labels and copy trace of units [0, units) (what the detailed path's buffer holds). */
  materialize(units: number, buf: SlotStore, trace: CopyTrace): void {
    if (this.ordered) this.toMap(this.count);
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
    this.len = i32(this.len);
  }
}
