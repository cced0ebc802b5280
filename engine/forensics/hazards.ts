/**
 * Hazards as findings (`hazard:<kind>`): what the replay of the best
 * hypothesis flagged (early replies, BUG_ON conditions, bitmap writes
 * overlapping, data slides — engine/replay/types.ts HazardKind), and vbd
 * disconnects that the traces show happening while I/O was in flight: a
 * xenstore `state` write leaving Connected (XenbusStateClosing = 5,
 * Closed = 6, xen/include/public/io/xenbus.h) inside the issue→completion
 * window of a block request or the entry→return window of a syscall.
 */
import type { ParsedSource } from '../../parsers/model/source';
import { XENBUS_STATES, type VbdRecord, type VbdStateChange } from '../../parsers/model/xenstore';
import type { Hazard, HazardKind } from '../replay/types';
import type { Correlation } from './correlate';
import { readRef, type Evidence, type Finding, type FindingSeverity } from './findings';
import type { IoRecord } from './io';

export type NewFinding = Omit<Finding, 'id'>;

/** A replay hazard and the trace record (IoRecord id) of the operation it concerns. */
export interface ReplayHazard {
  variant: string;
  hazard: Hazard;
  io: number | null;
}

const SEVERITY: Record<HazardKind, FindingSeverity> = {
  'early-reply': 'error',
  'disconnect-in-flight': 'error',
  'bitmap-write-overlap': 'warning',
  'bug-on': 'error',
  'status-overwritten': 'warning',
  'merged-short-completion': 'warning',
  'data-slide': 'error',
  'duplicate-reply': 'warning',
  'stale-cow-read': 'error',
  'sector-gap': 'warning',
};


/** Findings for replay hazards (one per kind and operation). */
export function replayHazardFindings(list: ReplayHazard[], records: IoRecord[]): NewFinding[] {
  const out: NewFinding[] = [];
  const seen = new Set<string>();
  for (const { variant, hazard: h, io } of list) {
    const r = io === null ? null : (records[io] ?? null);
    const key = `${h.kind}:${r?.id ?? h.opId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ev: Evidence[] = [{ kind: 'block-trace', text: `replay under variant ${variant}: ${h.message}${h.refs?.length ? ` (${h.refs.join(', ')})` : ''}` }];
    if (r) ev.push({ kind: 'trace-content', text: `${r.name} at line ${r.line}`, ref: { source: r.source, line: r.line, io: r.id } });
    out.push({
      severity: SEVERITY[h.kind] ?? 'warning',
      kind: `hazard:${h.kind}`,
      summary: `${h.kind.replace(/-/g, ' ')} in the replay of ${r ? `${r.name} (line ${r.line})` : `operation ${h.opId}`} under variant ${variant}: ${h.message}`,
      read: r ? readRef(r) : undefined,
      evidence: ev,
    });
  }
  return out;
}

const DAY_NS = 86_400e9;

/**
 * Maps a xenstore log time onto the strace clock (ns relative to its base): exact for `-ttt`
 * (epoch) captures; for `-tt` (time of day) the log's epoch time is taken modulo a day, which
 * assumes both clocks print the same time zone.
 */
function toStraceClock(t: number, strace: ParsedSource): number {
  if (!Number.isFinite(t)) return NaN;
  const base = Number(strace.clock.baseNs);
  if (strace.clock.kind === 'epoch') return t - base;
  if (strace.clock.kind === 'wall-tod' && t > DAY_NS) return (t % DAY_NS) - base;
  return NaN;
}

function leavesConnected(c: VbdStateChange, prev: number | undefined): boolean {
  return (c.state === 5 || c.state === 6) && (prev === undefined || prev === 4);
}

/** vbd disconnects (a side leaving Connected) while a block request or a device syscall was in flight. */
export function disconnectFindings(sources: ParsedSource[], records: IoRecord[], corr: Correlation): NewFinding[] {
  const out: NewFinding[] = [];
  const strace = sources.find((s) => s.syscalls && s.syscalls.length > 0) ?? null;
  if (!strace) return out;
  const blockOffset = corr.clock.method !== 'none' && Number.isFinite(corr.clock.offsetNs) ? corr.clock.offsetNs : NaN;
  for (const src of sources) {
    const vbds: VbdRecord[] = src.xenstore?.vbds ?? [];
    for (const vbd of vbds) {
      const last: Partial<Record<'front' | 'back', number>> = {};
      for (const c of vbd.stateTimeline ?? []) {
        const prev = last[c.side];
        last[c.side] = c.state;
        if (!leavesConnected(c, prev)) continue;
        const t = toStraceClock(c.timeNs, strace);
        if (!Number.isFinite(t)) continue;
        const ev: Evidence[] = [
          { kind: 'block-trace', text: `xenstore: ${c.side}end of vbd ${vbd.deviceName || vbd.devid} (domain ${vbd.frontDomid}) wrote state ${c.state} (${XENBUS_STATES[c.state] ?? '?'})`, ref: { source: src.name, line: c.line } },
        ];
        const inFlight: IoRecord[] = [];
        for (const r of records) {
          if (!Number.isFinite(r.timeNs) || !Number.isFinite(r.durationNs)) continue;
          if (r.timeNs <= t && t < r.timeNs + r.durationNs) inFlight.push(r);
        }
        for (const r of inFlight.slice(0, 8)) {
          ev.push({ kind: 'trace-content', text: `${r.name} of ${r.length} bytes at offset ${r.offset} was in flight (line ${r.line})`, ref: { source: r.source, line: r.line, io: r.id } });
        }
        let requests = 0;
        if (Number.isFinite(blockOffset)) {
          const tb = t + blockOffset;
          for (const q of corr.requests) {
            if (!(q.tD <= tb && (tb < q.tC || !Number.isFinite(q.tC)))) continue;
            if (requests++ < 8) ev.push({ kind: 'block-trace', text: `request ${q.rwbs} ${q.sector} + ${q.nSectors} on ${q.device} issued, not completed`, ref: { source: corr.blockSource ?? '' } });
          }
        }
        if (inFlight.length === 0 && requests === 0) continue;
        const first = inFlight[0];
        out.push({
          severity: 'error',
          kind: 'hazard:disconnect-in-flight',
          summary: `vbd ${vbd.deviceName || vbd.devid}: the ${c.side}end left Connected (state ${c.state}, xenstore line ${c.line}) while ${inFlight.length} syscall(s) and ${requests} block request(s) were in flight`,
          read: first ? readRef(first) : undefined,
          evidence: ev,
        });
      }
    }
  }
  return out;
}
