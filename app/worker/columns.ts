/**
 * Builds the canvas columns from parsed sources and the analysis, inside the
 * worker: one pass per store, lanes pre-sorted by time so the page never
 * touches all events to draw a frame.
 */
import type { AnalysisResult } from '../../engine/forensics/analyze';
import { Action } from '../../parsers/model/actions';
import { devName } from '../../parsers/model/blockEvents';
import type { ParsedSource } from '../../parsers/model/source';
import { LaneClass, type BlockLane, type RequestColumns, type TimelineColumns } from './protocol';

function laneClass(a: number): LaneClass | -1 {
  switch (a) {
    case Action.Queue:
      return LaneClass.Queue;
    case Action.Issue:
      return LaneClass.Issue;
    case Action.Complete:
    case Action.BioComplete:
      return LaneClass.Complete;
    case Action.Message:
    case Action.Unknown:
    case Action.Touch:
    case Action.Dirty:
      return -1;
    default:
      return LaneClass.Build;
  }
}

function isSorted(t: Float64Array): boolean {
  for (let i = 1; i < t.length; i++) if (t[i] < t[i - 1]) return false;
  return true;
}

function blockColumns(src: ParsedSource, originNs: number): TimelineColumns['block'][number] {
  const b = src.block!;
  const n = b.length;
  const timeNs = new Float64Array(n);
  for (let i = 0; i < n; i++) timeNs[i] = b.timeNs[i] - originNs;
  const rwbsBits = new Uint16Array(n);
  for (let i = 0; i < n; i++) rwbsBits[i] = b.rwbsBits[b.rwbs[i]];
  const devices = b.devices.map(devName);
  // Counting sort of events into (device, class) lanes; each lane keeps time order.
  const nClasses = 4;
  const counts = new Uint32Array(devices.length * nClasses);
  const cls = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const c = laneClass(b.action[i]);
    cls[i] = c;
    if (c >= 0) counts[b.device[i] * nClasses + c]++;
  }
  const lanes: BlockLane[] = [];
  const laneOf = new Int32Array(counts.length).fill(-1);
  for (let d = 0; d < devices.length; d++) {
    for (let c = 0; c < nClasses; c++) {
      const k = d * nClasses + c;
      if (!counts[k]) continue;
      laneOf[k] = lanes.length;
      lanes.push({ device: devices[d], cls: c as LaneClass, timeNs: new Float64Array(counts[k]), event: new Uint32Array(counts[k]) });
    }
  }
  const fill = new Uint32Array(lanes.length);
  for (let i = 0; i < n; i++) {
    if (cls[i] < 0) continue;
    const l = laneOf[b.device[i] * nClasses + cls[i]];
    const j = fill[l]++;
    lanes[l].timeNs[j] = timeNs[i];
    lanes[l].event[j] = i;
  }
  for (const lane of lanes) {
    if (isSorted(lane.timeNs)) continue;
    const order = Array.from(lane.event.keys()).sort((x, y) => lane.timeNs[x] - lane.timeNs[y]);
    const t = Float64Array.from(order, (k) => lane.timeNs[k]);
    const e = Uint32Array.from(order, (k) => lane.event[k]);
    lane.timeNs = t;
    lane.event = e;
  }
  return {
    source: src.name,
    devices,
    timeNs,
    sector: b.sector.slice(0, n),
    nSectors: b.nSectors.slice(0, n),
    action: b.action.slice(0, n),
    rwbsBits,
    device: b.device.slice(0, n),
    lanes,
  };
}

function minTime(src: ParsedSource): number {
  const b = src.block!;
  let m = Infinity;
  for (let i = 0; i < b.length; i++) if (b.timeNs[i] < m) m = b.timeNs[i];
  return m;
}

/** Block lanes of every source with block events, times relative to the earliest event. */
export function buildBlockTimeline(sources: ParsedSource[]): TimelineColumns {
  const withBlock = sources.filter((s) => s.block && s.block.length > 0);
  const origin0 = withBlock.length ? Math.min(...withBlock.map(minTime)) : 0;
  const originNs = Number.isFinite(origin0) ? origin0 : 0;
  const block = withBlock.map((s) => blockColumns(s, originNs));
  let endNs = 0;
  for (const b of block) for (const l of b.lanes) if (l.timeNs.length) endNs = Math.max(endNs, l.timeNs[l.timeNs.length - 1]);
  return { originNs, endNs, block, syscalls: [], blockEvents: block.reduce((n, b) => n + b.timeNs.length, 0) };
}

/**
 * Syscall lanes from the analysis' I/O records, moved onto the block clock
 * with the correlation's offset (strace and blktrace clocks differ).
 */
export function buildSyscallLanes(analysis: AnalysisResult, originNs: number): TimelineColumns['syscalls'] {
  const clockOffset = Number.isFinite(analysis.correlation.clock.offsetNs) ? analysis.correlation.clock.offsetNs : 0;
  // A capture without timestamps (strace with no -t) still has an order: its
  // calls are laid out 1 µs apart in trace order, so the lanes are not empty.
  const timed = new Set(analysis.records.filter((r) => Number.isFinite(r.timeNs)).map((r) => r.source));
  const ordinal = new Map<string, number>();
  const ios = analysis.records
    .filter((r) => Number.isFinite(r.timeNs) || !timed.has(r.source))
    .map((r) => {
      if (Number.isFinite(r.timeNs)) return r;
      const k = ordinal.get(r.source) ?? 0;
      ordinal.set(r.source, k + 1);
      return { ...r, timeNs: originNs - clockOffset + k * 1000 };
    });
  const bySource = new Map<string, typeof ios>();
  for (const r of ios) {
    const l = bySource.get(r.source);
    if (l) l.push(r);
    else bySource.set(r.source, [r]);
  }
  return [...bySource].map(([source, list]) => {
    list.sort((a, b) => a.timeNs - b.timeNs);
    return {
      source,
      timeNs: Float64Array.from(list, (r) => r.timeNs + clockOffset - originNs),
      durationNs: Float64Array.from(list, (r) => (Number.isFinite(r.durationNs) ? r.durationNs : 0)),
      offset: Float64Array.from(list, (r) => r.offset),
      length: Float64Array.from(list, (r) => r.length),
      kind: Uint8Array.from(list, (r) => (r.op === 'read' ? 1 : r.op === 'write' ? 2 : 0)),
      io: Int32Array.from(list, (r) => r.id),
    };
  });
}

export function buildRequests(analysis: AnalysisResult, originNs: number): RequestColumns {
  const reqs = analysis.correlation.requests;
  const n = reqs.length;
  const devices: string[] = [];
  const devIdx = new Map<string, number>();
  const out: RequestColumns = {
    devices,
    device: new Uint16Array(n),
    sector: new Float64Array(n),
    nSectors: new Uint32Array(n),
    op: new Uint8Array(n),
    tQ: new Float64Array(n),
    tD: new Float64Array(n),
    tC: new Float64Array(n),
    error: new Int32Array(n),
    merges: new Uint16Array(n),
    bios: new Uint16Array(n),
  };
  for (let i = 0; i < n; i++) {
    const q = reqs[i];
    let d = devIdx.get(q.device);
    if (d === undefined) {
      d = devices.length;
      devices.push(q.device);
      devIdx.set(q.device, d);
    }
    out.device[i] = d;
    out.sector[i] = q.sector;
    out.nSectors[i] = q.nSectors;
    out.op[i] = q.op === 'read' ? 1 : q.op === 'write' ? 2 : 3;
    out.tQ[i] = q.tQ - originNs;
    out.tD[i] = q.tD - originNs;
    out.tC[i] = q.tC - originNs;
    out.error[i] = q.error;
    out.merges[i] = Math.min(65535, q.backMerges + q.frontMerges);
    out.bios[i] = Math.min(65535, q.bios.length);
  }
  return out;
}

/** Buffers to transfer (not copy) to the page. */
export function transferables(t: Pick<TimelineColumns, 'block' | 'syscalls'> | null, r: RequestColumns | null): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: { buffer: ArrayBufferLike }) => {
    if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  for (const b of t?.block ?? []) {
    for (const a of [b.timeNs, b.sector, b.nSectors, b.action, b.rwbsBits, b.device]) add(a);
    for (const l of b.lanes) {
      add(l.timeNs);
      add(l.event);
    }
  }
  for (const s of t?.syscalls ?? []) for (const a of [s.timeNs, s.durationNs, s.offset, s.length, s.kind, s.io]) add(a);
  if (r) for (const a of [r.device, r.sector, r.nSectors, r.op, r.tQ, r.tD, r.tC, r.error, r.merges, r.bios]) add(a);
  return [...out];
}
