/**
 * Expert-info style findings (as Wireshark's "Expert Information": a
 * severity, a kind, where it is, what was expected and what was seen, and
 * the evidence that supports it). Plain JSON data.
 */
import type { HazardKind } from '../replay/types';
import type { IoRecord } from './io';

export type FindingSeverity = 'error' | 'warning' | 'note' | 'chat';

export type FindingKind =
  | 'misplaced-data'
  | 'stale-data'
  | 'inconsistent-reread'
  | 'duplicated-chunk'
  | 'read-failed'
  | 'short-read'
  | 'unexpected-split-or-merge'
  | 'unverifiable-data'
  | 'uncorrelated-io'
  | `hazard:${HazardKind}`;

/** The syscall a finding is about. */
export interface ReadRef {
  /** IoRecord id. */
  io: number;
  source: string;
  line: number;
  /** ns on the strace clock, NaN when untimed (JSON: null). */
  timeNs: number | null;
  pid: number;
  fd: number;
  name: string;
  /** Device byte offset and requested length. */
  offset: number;
  length: number;
}

/** Where content came from (or should have come from). */
export interface ContentRef {
  lba: number | null;
  /** Device byte offset (exact when a stamp says it). */
  byteOffset: number | null;
  description: string;
}

export interface Evidence {
  kind: 'image' | 'stamp' | 'layout' | 'structure' | 'trace-content' | 'reread' | 'write' | 'block-trace' | 'truncation';
  text: string;
  /** A source line or read that supports it. */
  ref?: { source: string; line?: number; io?: number };
}

export interface Finding {
  id: number;
  severity: FindingSeverity;
  kind: FindingKind;
  summary: string;
  read?: ReadRef;
  /** Buffer byte range [start, end) of the read. */
  bufRange?: [number, number];
  /** Device LBA range [first, last] concerned. */
  lbaRange?: [number, number];
  expected?: ContentRef;
  actual?: ContentRef;
  /** Sectors the data moved (expected LBA - source LBA), when known. */
  displacement?: number;
  evidence: Evidence[];
}

export const SEVERITY_RANK: Record<FindingSeverity, number> = { error: 3, warning: 2, note: 1, chat: 0 };

export class FindingList {
  readonly list: Finding[] = [];

  add(f: Omit<Finding, 'id'>): Finding {
    const full = { id: this.list.length, ...f };
    this.list.push(full);
    return full;
  }

  count(severity: FindingSeverity): number {
    let n = 0;
    for (const f of this.list) if (f.severity === severity) n++;
    return n;
  }

  /** Most severe first, then by read time/line. */
  sorted(): Finding[] {
    return [...this.list].sort(
      (a, b) =>
        SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
        (a.read?.line ?? 0) - (b.read?.line ?? 0) ||
        (a.bufRange?.[0] ?? 0) - (b.bufRange?.[0] ?? 0) ||
        a.id - b.id,
    );
  }
}

/** The ReadRef of an I/O record (untimed records carry null, as JSON has no NaN). */
export function readRef(r: IoRecord): ReadRef {
  return {
    io: r.id,
    source: r.source,
    line: r.line,
    timeNs: Number.isFinite(r.timeNs) ? r.timeNs : null,
    pid: r.pid,
    fd: r.fd,
    name: r.name,
    offset: r.offset,
    length: r.length,
  };
}
