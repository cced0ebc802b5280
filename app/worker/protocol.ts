/** Messages between the page and the analysis worker (structured-clone data only). */
import type { AnalysisResult } from '../../engine/forensics/analyze';
import type { SourceSummary } from '../../parsers/summary';
import type { Diagnostic } from '../../parsers/model/source';
import type { VbdRecord } from '../../parsers/model/xenstore';
import type { ChunkReply, ChunkRequest } from './chunkOps';

/** What a dropped file is: 'auto' sniffs the content; 'image' forces the reference-image slot. */
export type FileRole = 'auto' | 'image';

export type ToWorker =
  | { type: 'load'; jobId: number; files: File[]; roles?: FileRole[] }
  | { type: 'cancel'; jobId: number }
  /** Bytes of one 512-byte chunk of one read (engineer VIEWS' hex comparison, chunkOps.ts). */
  | ChunkRequest;

/** Virtual block devices one xenstore source describes. */
export interface XenstoreVbds {
  source: string;
  vbds: VbdRecord[];
}

export interface LoadedSource {
  summary: SourceSummary;
  diagnostics: Diagnostic[];
}

/** Lane classes of block events on the timeline. */
export const enum LaneClass {
  /** Q: a bio entered the block layer. */
  Queue = 0,
  /** G, I, M, F, X, A, S, P, U, R, B: request building, merges, splits, remaps, plugging. */
  Build = 1,
  /** D: issued to the driver. */
  Issue = 2,
  /** C: completed. */
  Complete = 3,
}
export const LANE_CLASS_LABELS = ['Q', 'G I M X', 'D', 'C'] as const;

/**
 * One timeline lane of block events: events of one device and lane class,
 * sorted by time, so that any time range is two binary searches away
 * (per-pixel-column level of detail without touching every event).
 */
export interface BlockLane {
  device: string;
  cls: LaneClass;
  /** Sorted, ns relative to TimelineColumns.originNs. */
  timeNs: Float64Array;
  /** Event index in the owning block column set. */
  event: Uint32Array;
}

/**
 * Per-event columns for the canvas views, sent as transferable buffers.
 * One entry per block-event source (lane group) and one for syscalls.
 * All times are ns relative to `originNs` on the block trace's clock
 * (syscall times are moved onto it with the correlation's clock offset).
 */
export interface TimelineColumns {
  /** Common time origin (ns on the trace clock) the columns are relative to. */
  originNs: number;
  /** Last time (relative), for the initial zoom. */
  endNs: number;
  block: {
    source: string;
    devices: string[];
    timeNs: Float64Array;
    sector: Float64Array;
    nSectors: Uint32Array;
    action: Uint8Array;
    /** rwbsFlags() bits per event. */
    rwbsBits: Uint16Array;
    device: Uint8Array | Uint16Array;
    lanes: BlockLane[];
  }[];
  syscalls: {
    source: string;
    timeNs: Float64Array;
    durationNs: Float64Array;
    offset: Float64Array;
    length: Float64Array;
    /** 1 read, 2 write, 0 other. */
    kind: Uint8Array;
    /** IoRecord id of the row, -1 when none. */
    io: Int32Array;
  }[];
  /** Total block events over all sources. */
  blockEvents: number;
}

/**
 * Block requests as columns (a large capture has millions: never objects).
 * Times are ns on the block clock relative to TimelineColumns.originNs; NaN when the event is missing.
 */
export interface RequestColumns {
  devices: string[];
  device: Uint16Array;
  sector: Float64Array;
  nSectors: Uint32Array;
  /** 1 read, 2 write, 3 flush/other. */
  op: Uint8Array;
  tQ: Float64Array;
  tD: Float64Array;
  tC: Float64Array;
  error: Int32Array;
  merges: Uint16Array;
  bios: Uint16Array;
}

export type LoadPhase = 'reading' | 'parsing' | 'merging' | 'image' | 'analyzing' | 'columns';

export interface LoadError {
  kind: 'unrecognized' | 'corrupt' | 'too-large' | 'dropped' | 'failed';
  file: string;
  message: string;
}

export type FromWorker =
  | { type: 'progress'; jobId: number; file: string; bytesRead: number; bytesTotal: number; events: number; phase: LoadPhase }
  /** Parsing done: the block lanes can be drawn while the analysis runs. */
  | { type: 'parsed'; jobId: number; sources: LoadedSource[]; timeline: TimelineColumns; xenstore: XenstoreVbds[]; errors: LoadError[] }
  | {
      type: 'loaded';
      jobId: number;
      analysis: AnalysisResult;
      /** Syscall lanes on the block clock, relative to the parsed timeline's originNs. */
      syscalls: TimelineColumns['syscalls'];
      requests: RequestColumns;
      image: { name: string; sectors: number } | null;
      errors: LoadError[];
      /** Wall time of each phase, ms. */
      timings: Record<string, number>;
    }
  | ChunkReply
  | { type: 'cancelled'; jobId: number }
  | { type: 'failed'; jobId: number; message: string; errors: LoadError[] };
