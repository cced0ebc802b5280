/**
 * Aligning the strace clock (wall clock: -tt time of day or -ttt epoch) with
 * a block trace's clock (the raw ftrace "local" clock for the blk tracer and
 * tracepoints). Two ways:
 * - anchors: trace_marker lines written by the capture script carrying the
 *   trace timestamp AND CLOCK_REALTIME read just before the write
 *   (`tracing_mark_write: fixture-anchor start realtime=S.NNNNNNNNN ...`);
 * - inference: direct I/O syscalls and their Q events must overlap in time;
 *   the offset covered by most [Q - end, Q - start] intervals wins.
 */
import { Action } from '../../parsers/model/actions';
import { ExtraKind } from '../../parsers/model/blockEvents';
import type { ClockInfo, ParsedSource } from '../../parsers/model/source';

export interface Anchor {
  /** Trace clock, absolute ns. */
  traceNs: bigint;
  /** CLOCK_REALTIME, epoch ns. */
  realtimeNs: bigint;
  label: string;
}

const ANCHOR_RE = /realtime=(\d+)\.(\d{1,9})/;
const LINE_RE = /\s(\d+)\.(\d{1,9}):\s+tracing_mark_write:\s*(.*)$/;

function fracNs(frac: string): bigint {
  return BigInt(frac.padEnd(9, '0'));
}

/** Anchors from a RUN.anchors.txt text (ftrace lines with tracing_mark_write). */
export function parseAnchorText(text: string): Anchor[] {
  const out: Anchor[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = LINE_RE.exec(line);
    if (!m) continue;
    const r = ANCHOR_RE.exec(m[3]);
    if (!r) continue;
    out.push({
      traceNs: BigInt(m[1]) * 1000000000n + fracNs(m[2]),
      realtimeNs: BigInt(r[1]) * 1000000000n + fracNs(r[2]),
      label: m[3].trim().split(/\s+/).slice(0, 2).join(' '),
    });
  }
  return out;
}

/** Anchors kept as Message events by the ftrace parser (any loaded block source). */
export function anchorsFromSources(sources: ParsedSource[]): Anchor[] {
  const out: Anchor[] = [];
  for (const src of sources) {
    const st = src.block;
    if (!st || src.clock.kind !== 'trace-raw') continue;
    const base = BigInt(src.clock.baseNs || '0');
    for (let j = 0; j < st.extraCount; j++) {
      if (st.extraKind[j] !== ExtraKind.Message) continue;
      const ev = st.extraEvent[j];
      if (st.action[ev] !== Action.Message) continue;
      const text = st.strings.get(st.extraA[j]);
      const r = ANCHOR_RE.exec(text);
      if (!r) continue;
      out.push({
        traceNs: base + BigInt(Math.round(st.timeNs[ev])),
        realtimeNs: BigInt(r[1]) * 1000000000n + fracNs(r[2]),
        label: text.trim().split(/\s+/).slice(0, 2).join(' '),
      });
    }
  }
  return out;
}

const DAY_NS = 86400n * 1000000000n;

/**
 * Offset to add to a strace time (ns relative to its clock base) to get the
 * block time (ns relative to the block clock base), from one anchor. NaN when
 * the clocks cannot be related this way.
 */
export function offsetFromAnchor(a: Anchor, strace: ClockInfo, block: ClockInfo): number {
  if (block.kind !== 'trace-raw') return NaN;
  const sBase = BigInt(strace.baseNs || '0');
  const bBase = BigInt(block.baseNs || '0');
  let straceAbsOfAnchor: bigint;
  if (strace.kind === 'epoch') straceAbsOfAnchor = a.realtimeNs;
  // -tt prints local time of day; the capture VMs run in UTC (a zone offset is corrected by inference).
  else if (strace.kind === 'wall-tod') straceAbsOfAnchor = a.realtimeNs % DAY_NS;
  else return NaN;
  // block_rel = strace_rel + off  ⇔  off = (traceNs - bBase) - (straceAbs - sBase)
  return Number(a.traceNs - bBase - (straceAbsOfAnchor - sBase));
}

/** A candidate interval of offsets from one syscall/Q pair. */
export interface OffsetInterval {
  lo: number;
  hi: number;
}

/** The point covered by most intervals (midpoint of the best region) and its coverage. */
export function bestOffset(intervals: OffsetInterval[]): { offset: number; support: number } | null {
  if (intervals.length === 0) return null;
  const pts: Array<[number, number]> = [];
  for (const iv of intervals) {
    pts.push([iv.lo, 1], [iv.hi, -1]);
  }
  pts.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let cur = 0;
  let best = -1;
  let bestLo = 0;
  let bestHi = 0;
  for (let i = 0; i < pts.length; i++) {
    cur += pts[i][1];
    if (pts[i][1] === 1 && cur > best) {
      best = cur;
      bestLo = pts[i][0];
      bestHi = i + 1 < pts.length ? pts[i + 1][0] : pts[i][0];
    }
  }
  return { offset: (bestLo + bestHi) / 2, support: best };
}
