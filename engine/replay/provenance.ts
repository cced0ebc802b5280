/**
 * What a returned buffer holds, from its 512-byte labels: provenance runs (one per contiguous,
 * same-origin range) and, with a disk, the bytes themselves. The run boundaries are computed into
 * integer columns first (`RunTable`: start unit, end unit, category), so a streaming replay pays
 * for source objects only when someone reads them; the detailed and the columnar path share
 * every rule here.
 */
import type { ProvenanceRun, ProvenanceSource } from './types';
import * as wire from './config';
import * as slots from './slots';
import type { SlotStore } from './slots';
import type { Disk } from './disk';

/* Constants read once: under tsx and vitest an imported binding is a getter call at every use. */
const { WIRE_SECTOR } = wire;
const { SRC_DESCRIPTORS, SRC_IMAGE, SRC_UNKNOWN, SRC_UNTOUCHED, SRC_USER, SRC_ZERO } = slots;

/** Run categories. */
export const CAT_UNTOUCHED = 0;
export const CAT_DISK = 1;
export const CAT_STALE = 2;
export const CAT_NEVER_WRITTEN = 3;
export const CAT_ZERO = 4;

/** Per buffer unit: which shadow's completion put it there (-1: none), from which grant page and 512-byte slot. */
export interface CopyTrace {
  copiedBy: Float64Array;
  srcFrame: Float64Array;
  srcSlot: Float64Array;
}

/** Provenance runs as integer columns: units [start, end) of category `cat`. */
export class RunTable {
  start = new Int32Array(16);
  end = new Int32Array(16);
  cat = new Uint8Array(16);
  length = 0;

  push(start: number, end: number, cat: number): void {
    const n = this.length;
    if (n === this.start.length) {
      const s = new Int32Array(n * 2);
      s.set(this.start);
      this.start = s;
      const e = new Int32Array(n * 2);
      e.set(this.end);
      this.end = e;
      const c = new Uint8Array(n * 2);
      c.set(this.cat);
      this.cat = c;
    }
    this.start[n] = start;
    this.end[n] = end;
    this.cat[n] = cat;
    this.length = n + 1;
  }
}

/** Category of one buffer unit: a disk unit is one the backend put into the very frame this completion copied. */
function categoryOf(buf: SlotStore, u: number, copiedBy: Float64Array): number {
  return labelCategory(buf.kind[u], buf.from[u], buf.wSeq[u], copiedBy[u]);
}

/** categoryOf on one unit's label values (shared with the run-labelled buffer of the columnar path). */
export function labelCategory(kind: number, from: number, wSeq: number, copiedBy: number): number {
  if (kind === SRC_UNTOUCHED || copiedBy < 0) return CAT_UNTOUCHED;
  if (wSeq === copiedBy && from >= 0) return CAT_DISK;
  if (kind === SRC_UNKNOWN) return CAT_NEVER_WRITTEN;
  if (kind === SRC_ZERO) return CAT_ZERO;
  return CAT_STALE;
}

/** Coalesces the first `units` buffer units into `runs` (cleared first); each unit's category is computed once. */
export function provenanceRunsInto(buf: SlotStore, units: number, trace: CopyTrace, runs: RunTable): void {
  runs.length = 0;
  const { copiedBy, srcFrame, srcSlot } = trace;
  let u = 0;
  let cat = units > 0 ? categoryOf(buf, 0, copiedBy) : 0;
  while (u < units) {
    let v = u + 1;
    let next = -1;
    while (v < units) {
      next = categoryOf(buf, v, copiedBy);
      if (next !== cat || !continuesRun(buf, srcFrame, srcSlot, cat, u, v)) break;
      v++;
    }
    runs.push(u, v, cat);
    u = v;
    cat = next;
  }
}

/** The runs as objects (what OpReplay.provenance holds). */
export function runsToProvenance(buf: SlotStore, runs: RunTable, trace: CopyTrace): ProvenanceRun[] {
  const out: ProvenanceRun[] = [];
  for (let i = 0; i < runs.length; i++) {
    const u = runs.start[i];
    const v = runs.end[i];
    out.push({ bufStart: u * WIRE_SECTOR, bufEnd: v * WIRE_SECTOR, source: sourceOf(buf, u, v, runs.cat[i], trace.srcFrame, trace.srcSlot) });
  }
  return out;
}

/** Coalesces buffer units into provenance runs (one run per contiguous, same-origin range). */
export function provenanceOf(buf: SlotStore, units: number, trace: CopyTrace): ProvenanceRun[] {
  const runs = new RunTable();
  provenanceRunsInto(buf, units, trace, runs);
  return runsToProvenance(buf, runs, trace);
}

/** Whether unit `w` (already of category `cat`) extends the run that starts at unit `u`. */
function continuesRun(buf: SlotStore, srcFrame: Float64Array, srcSlot: Float64Array, cat: number, u: number, w: number): boolean {
  const { kind, a, b, from, wOp } = buf;
  return labelContinues(cat, w - u, kind[u], a[u], b[u], from[u], wOp[u], srcFrame[u], srcSlot[u], kind[w], a[w], b[w], from[w], wOp[w], srcFrame[w], srcSlot[w]);
}

/**
 * continuesRun on label values: unit w, `d` units after the run's first unit u and of the same
 * category `cat`, extends the run (shared with the run-labelled buffer of the columnar path).
 */
export function labelContinues(
  cat: number,
  d: number,
  uKind: number,
  uA: number,
  uB: number,
  uFrom: number,
  uWOp: number,
  uFrame: number,
  uSlot: number,
  wKind: number,
  wA: number,
  wB: number,
  wFrom: number,
  wWOp: number,
  wFrame: number,
  wSlot: number,
): boolean {
  switch (cat) {
    case CAT_DISK:
      /* Same writer: the workload write whose data a disk-sourced unit holds (-1: the image). */
      return wFrom === uFrom + d && (wKind === SRC_USER ? wA : -1) === (uKind === SRC_USER ? uA : -1);
    case CAT_STALE: {
      if (wFrame !== uFrame || wSlot !== uSlot + d || wWOp !== uWOp || wKind !== uKind) return false;
      const fromOk = uFrom < 0 ? wFrom < 0 : wFrom === uFrom + d;
      switch (uKind) {
        case SRC_IMAGE:
          return wA === uA + d && fromOk;
        case SRC_USER:
          return wA === uA && wB === uB + d && fromOk;
        case SRC_DESCRIPTORS:
          return wA === uA;
        default:
          return true;
      }
    }
    case CAT_NEVER_WRITTEN:
      return wA === uA && wB === uB + d;
    default:
      return true;
  }
}

/** The workload write whose data a disk-sourced unit holds (-1: the image). */
function writerOf(buf: SlotStore, u: number): number {
  return buf.kind[u] === SRC_USER ? buf.a[u] : -1;
}

function sourceOf(buf: SlotStore, u: number, v: number, cat: number, srcFrame: Float64Array, srcSlot: Float64Array): ProvenanceSource {
  const n = (v - u) * WIRE_SECTOR;
  switch (cat) {
    case CAT_DISK: {
      const s: ProvenanceSource = { kind: 'disk', start: buf.from[u] * WIRE_SECTOR, end: buf.from[u] * WIRE_SECTOR + n };
      const w = writerOf(buf, u);
      if (w >= 0) s.writtenBy = w;
      return s;
    }
    case CAT_STALE: {
      const pageStart = srcSlot[u] * WIRE_SECTOR;
      const s: ProvenanceSource = { kind: 'stale', grantPage: srcFrame[u], writtenBy: buf.wOp[u], pageStart, pageEnd: pageStart + n };
      const kind = buf.kind[u];
      if (kind === SRC_DESCRIPTORS) s.content = { kind: 'descriptors', opId: buf.a[u] };
      else if (buf.from[u] >= 0) {
        s.content = { kind: 'disk', start: buf.from[u] * WIRE_SECTOR, end: buf.from[u] * WIRE_SECTOR + n };
        if (kind === SRC_USER) s.content.writtenBy = buf.a[u];
      } else if (kind === SRC_USER) {
        s.content = { kind: 'user', opId: buf.a[u], bufStart: buf.b[u] * WIRE_SECTOR, bufEnd: buf.b[u] * WIRE_SECTOR + n };
      }
      return s;
    }
    case CAT_NEVER_WRITTEN:
      return { kind: 'never-written', grantPage: buf.a[u], pageStart: buf.b[u] * WIRE_SECTOR, pageEnd: buf.b[u] * WIRE_SECTOR + n };
    case CAT_ZERO:
      return { kind: 'zero' };
    default:
      return { kind: 'untouched' };
  }
}

/** Materialises the bytes of labelled units (image runs read in one call each). */
export function bytesOf(
  buf: SlotStore,
  units: number,
  disk: Disk,
  dataOf: (op: number) => Uint8Array,
  unknownFill?: (grantPage: number, pageStart: number, len: number) => Uint8Array,
): Uint8Array {
  const out = new Uint8Array(units * WIRE_SECTOR);
  let u = 0;
  while (u < units) {
    const kind = buf.kind[u];
    if (kind === SRC_IMAGE) {
      let v = u + 1;
      while (v < units && buf.kind[v] === SRC_IMAGE && buf.a[v] === buf.a[u] + (v - u)) v++;
      out.set(disk.readSectors(buf.a[u], v - u), u * WIRE_SECTOR);
      u = v;
      continue;
    }
    if (kind === SRC_USER) {
      const d = dataOf(buf.a[u]);
      const at = buf.b[u] * WIRE_SECTOR;
      out.set(d.subarray(at, Math.min(d.length, at + WIRE_SECTOR)), u * WIRE_SECTOR);
    } else if (kind === SRC_UNKNOWN && unknownFill) {
      out.set(unknownFill(buf.a[u], buf.b[u] * WIRE_SECTOR, WIRE_SECTOR).subarray(0, WIRE_SECTOR), u * WIRE_SECTOR);
    }
    u++;
  }
  return out;
}

/** Ranges (512-byte granular, merged) where `a` and `b` differ, over their common prefix. */
export function diffRanges(a: Uint8Array, b: Uint8Array): { bufStart: number; bufEnd: number }[] {
  const n = Math.min(a.length, b.length);
  const out: { bufStart: number; bufEnd: number }[] = [];
  for (let s = 0; s < n; s += WIRE_SECTOR) {
    const e = Math.min(n, s + WIRE_SECTOR);
    let same = true;
    for (let i = s; i < e; i++) {
      if (a[i] !== b[i]) {
        same = false;
        break;
      }
    }
    if (same) continue;
    const last = out[out.length - 1];
    if (last && last.bufEnd === s) last.bufEnd = e;
    else out.push({ bufStart: s, bufEnd: e });
  }
  return out;
}
