/**
 * Replayed lanes of the timeline: the traced syscalls re-executed through
 * the Xen block path model of the selected variant (engine/replay), one
 * mark per syscall at its time: how many ring segments blkfront put on the
 * ring for it, and how many I/Os the backend issued. Timing comes from the
 * trace; the counts from the model.
 */
import type { AnalysisResult } from '../../engine/forensics/analyze';
import { defaultConfig, type Variant } from '../../engine/replay/config';
import { replay } from '../../engine/replay/replay';
import type { WorkloadOp } from '../../engine/replay/types';
import { BUFFER_BASE } from '../../engine/replay/workload';
import type { TimelineColumns } from '../worker/protocol';

export interface ValueLane {
  label: string;
  /** Sorted, ns relative to the timeline origin. */
  timeNs: Float64Array;
  value: Float64Array;
  max: number;
}

/** Larger workloads are not replayed for the timeline (the anatomy view replays around one read). */
export const MAX_REPLAYED_OPS = 20_000;
const PAGE = 4096;

export function replayLanes(analysis: AnalysisResult, cols: TimelineColumns, variant: Variant, pageOffset: number | null): ValueLane[] {
  const timeOf = new Map<number, number>();
  for (const s of cols.syscalls) for (let i = 0; i < s.io.length; i++) timeOf.set(s.io[i], s.timeNs[i]);
  const recs = analysis.records.filter(
    (r) => (r.op === 'read' || r.op === 'write') && Number.isFinite(r.offset) && r.length > 0 && timeOf.has(r.id),
  );
  if (!recs.length || recs.length > MAX_REPLAYED_OPS) return [];
  // One device namespace: the one with the most operations.
  const byDev = new Map<string, number>();
  for (const r of recs) byDev.set(r.device, (byDev.get(r.device) ?? 0) + 1);
  const dev = [...byDev].sort((a, b) => b[1] - a[1])[0][0];
  const list = recs.filter((r) => r.device === dev).sort((a, b) => timeOf.get(a.id)! - timeOf.get(b.id)!);
  const ops: WorkloadOp[] = list.map((r, k) => {
    const addr = (r as { bufAddr?: number | null }).bufAddr;
    const known = typeof addr === 'number' && Number.isFinite(addr);
    return {
      id: k,
      op: r.op as 'read' | 'write',
      offset: r.offset,
      length: r.length,
      bufAddr: known ? addr : BUFFER_BASE + ((pageOffset ?? 0) % PAGE),
      timeNs: timeOf.get(r.id)!,
    };
  });
  const res = replay(ops, defaultConfig(variant));
  if (res.errors.length) return [];
  const t = Float64Array.from(ops, (o) => o.timeNs);
  const segs = new Float64Array(ops.length);
  const ios = new Float64Array(ops.length);
  res.ops.forEach((o, k) => {
    let n = 0;
    for (const rq of o.ring) n += rq.segments.length;
    segs[k] = n;
    ios[k] = o.backendIos.length;
  });
  const max = (a: Float64Array) => a.reduce((m, v) => Math.max(m, v), 1);
  return [
    { label: `ring segs (${variant})`, timeNs: t, value: segs, max: max(segs) },
    { label: `backend I/O (${variant})`, timeNs: t, value: ios, max: max(ios) },
  ];
}
