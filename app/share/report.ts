/**
 * The shareable report: what a reader needs to see the same findings, sector
 * maps and anatomy without the traces. Never whole traces: findings, the
 * sector maps of the reads they involve, a compact workload context per read
 * (for the anatomy replay), the selection and the view settings, and at most
 * a few small byte excerpts.
 *
 * Plain JSON, versioned: `migrate()` (./migrate.ts) is the only way in.
 */
import type { Finding } from '../../engine/forensics/findings';
import type { ChunkRun } from '../../engine/forensics/sectorMap';
import type { Variant } from '../state/appStore';

export const REPORT_SCHEMA = 'sectorscope-report';
export const REPORT_VERSION = 1;

/** The syscall a read map belongs to (a trimmed IoSummary). */
export interface ReportRecord {
  id: number;
  source: string;
  line: number;
  op: 'read' | 'write';
  name: string;
  device: string;
  offset: number;
  length: number;
  result: number | null;
  timeNs: number | null;
  pid: number;
  fd: number;
  /** User buffer address when the trace shows it (strace -e raw=), else null. */
  bufAddr: number | null;
}

/** A ChunkRun without its evidence (the findings carry the evidence). */
export type ReportRun = Omit<ChunkRun, 'evidence'>;

export interface ReportReadMap {
  io: number;
  device: string;
  offset: number;
  returned: number;
  runs: ReportRun[];
}

/**
 * One operation of a read's workload context: [kind (0 read, 1 write),
 * device byte offset, length, buffer page offset or -1 when unknown]. The
 * last entry is the read itself; earlier ones feed the replayed grant pool.
 */
export type ContextOp = [number, number, number, number];

export interface ReportContext {
  io: number;
  ops: ContextOp[];
  /** Operations of the same trace before the first one kept (the pool saw them, the report does not). */
  omitted: number;
}

/** A small byte excerpt: one 512-byte chunk of a read and what was expected there. */
export interface ReportExcerpt {
  io: number;
  bufOffset: number;
  /** base64url bytes the read returned. */
  returned: string;
  /** base64url bytes expected, or null when nothing says. */
  expected: string | null;
  expectedFrom: string;
}

export interface ReportSelection {
  readId: number | null;
  findingId: number | null;
  chunk: number | null;
}

export interface ReportSettings {
  variant: Variant;
  /** Page offset the anatomy view replays the selected read with (null: automatic). */
  pageOffset: number | null;
}

export interface Report {
  schema: typeof REPORT_SCHEMA;
  version: typeof REPORT_VERSION;
  /** Names and formats of the analysed inputs (never their content). */
  sources: { name: string; format: string }[];
  /** Total findings of the analysis (a one-finding report carries fewer). */
  totalFindings: number;
  findings: Finding[];
  records: ReportRecord[];
  reads: ReportReadMap[];
  contexts: ReportContext[];
  excerpts: ReportExcerpt[];
  selection: ReportSelection;
  settings: ReportSettings;
}
