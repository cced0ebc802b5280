/**
 * The workload a read is replayed in: the operations of the same trace and
 * device up to and including it, in trace order. Earlier reads matter because
 * persistent grant pages keep what they last carried (xen-block-models.md
 * §1.3: the 3.8 pool is a LIFO of never-cleared pages), so the bytes a buggy
 * completion copies depend on what came before.
 */
import type { WorkloadOp } from '../../engine/replay/types';
import { BUFFER_BASE } from '../../engine/replay/workload';
import type { ContextOp, ReportContext } from '../share/report';

/** The fields of an I/O record the context needs (IoSummary and ReportRecord both have them). */
export interface ContextRecord {
  id: number;
  source: string;
  device: string;
  op: 'read' | 'write';
  offset: number;
  length: number;
  bufAddr?: number | null;
}

export const PAGE = 4096;
/** Operations kept before the selected one (enough for the 352-page pool of 3.10 to cycle). */
export const DEFAULT_CONTEXT = 512;

/** Page offset of a record's buffer when the trace shows the address (strace -e raw=), else -1. */
export function knownPageOffset(r: ContextRecord): number {
  const a = r.bufAddr;
  return typeof a === 'number' && Number.isFinite(a) ? ((a % PAGE) + PAGE) % PAGE : -1;
}

/**
 * Context of record `io` from the full record list (ids index `records`).
 * `pageOffsetOf` supplies a hypothesis for records whose address is unknown.
 */
export function contextFor(
  records: readonly ContextRecord[],
  io: number,
  max = DEFAULT_CONTEXT,
  pageOffsetOf: (r: ContextRecord) => number = knownPageOffset,
): ReportContext | null {
  const self = records[io];
  if (!self || self.id !== io) return null;
  const picked: ContextRecord[] = [];
  let omitted = 0;
  for (let i = io; i >= 0; i--) {
    const r = records[i];
    if (r.source !== self.source || r.device !== self.device) continue;
    if (!Number.isFinite(r.offset) || !Number.isFinite(r.length) || r.offset < 0 || r.length < 0) continue;
    if (picked.length >= max) omitted++;
    else picked.push(r);
  }
  picked.reverse();
  const ops: ContextOp[] = picked.map((r) => [r.op === 'read' ? 0 : 1, r.offset, r.length, pageOffsetOf(r)]);
  return { io, ops, omitted };
}

/**
 * The replay workload of a context. The selected (last) operation uses
 * `selectedPageOffset`; earlier ones their own known or hypothesised page
 * offset, else 0 (a page-aligned buffer, the common allocator result).
 */
export function workloadOf(ctx: ReportContext, selectedPageOffset: number): WorkloadOp[] {
  return ctx.ops.map(([kind, offset, length, po], k) => {
    const last = k === ctx.ops.length - 1;
    const pageOffset = last ? selectedPageOffset : po >= 0 ? po : 0;
    return {
      id: k,
      op: kind === 0 ? 'read' : 'write',
      offset,
      length,
      bufAddr: BUFFER_BASE + pageOffset,
      timeNs: k,
    };
  });
}
