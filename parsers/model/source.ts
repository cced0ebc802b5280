import type { BlockEventStore } from './blockEvents';
import type { SyscallStore } from './syscalls';
import type { XenstoreData } from './xenstore';

export type FormatId =
  | 'strace'
  | 'blkparse'
  | 'blktrace-bin'
  | 'ftrace-blk'
  | 'ftrace-tracepoints'
  | 'xenstore-ls'
  | 'xenstore-log'
  | 'csv'
  | 'unknown';

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  file: string;
  /** 1-based line for text formats. */
  line?: number;
  /** Byte offset for binary formats. */
  offset?: number;
  message: string;
}

/** How a source's time column is to be read. */
export interface ClockInfo {
  /**
   * 'trace-raw': kernel trace clock in ns (binary blktrace, ftrace text);
   * 'trace-relative': relative to the first event (blkparse text);
   * 'wall-tod': time of day since local midnight (strace -t/-tt);
   * 'epoch': since 1970 (strace -ttt, logs with dates); 'relative': strace -r; 'none'.
   */
  kind: 'trace-raw' | 'trace-relative' | 'wall-tod' | 'epoch' | 'relative' | 'none';
  /** Add to every time value to get the clock's absolute ns (kept as a decimal string: it may exceed 2^53). */
  baseNs: string;
}

export interface BlkparseSummary {
  /** Per CPU / device summary blocks: label → field → [count, KiB] (KiB NaN where absent). */
  blocks: { title: string; cpu: number | null; device: string; fields: Record<string, [number, number]> }[];
  throughput?: string;
  events: Record<string, number>;
  skips?: string;
  /** Mismatches between the summary and the parsed events. */
  crossCheck: string[];
}

export interface ParsedSource {
  name: string;
  format: FormatId;
  /** Why the detector chose this format. */
  evidence: string;
  bytes: number;
  clock: ClockInfo;
  block?: BlockEventStore;
  syscalls?: SyscallStore;
  xenstore?: XenstoreData;
  /** blkparse's own trailing summary, when the source had one. */
  summary?: BlkparseSummary;
  /** Drops reported by the capture (blktrace's dropped count, ftrace lost events). */
  dropped?: number;
  diagnostics: Diagnostic[];
  /** Diagnostics not kept once the cap was reached. */
  diagnosticsOmitted: number;
}

/** Incremental parser: feed chunks of any size, then finish(). Results are independent of chunking. */
export interface ChunkParser {
  push(chunk: Uint8Array): void;
  finish(): ParsedSource;
}

export const MAX_DIAGNOSTICS = 1000;

/** Collects diagnostics with a cap so that a file of garbage cannot exhaust memory. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  omitted = 0;
  errors = 0;
  constructor(readonly file: string) {}

  add(severity: Severity, message: string, where: { line?: number; offset?: number } = {}): void {
    if (severity === 'error') this.errors++;
    if (this.list.length >= MAX_DIAGNOSTICS) {
      this.omitted++;
      return;
    }
    const d: Diagnostic = { severity, file: this.file, message };
    if (where.line !== undefined) d.line = where.line;
    if (where.offset !== undefined) d.offset = where.offset;
    this.list.push(d);
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line !== undefined ? `:${d.line}` : d.offset !== undefined ? ` @byte ${d.offset}` : '';
  return `${d.file}${where}: ${d.severity}: ${d.message}`;
}
