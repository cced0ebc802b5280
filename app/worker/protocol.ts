/** Messages between the page and the analysis worker (structured-clone data only). */
import type { SourceSummary } from '../../parsers/summary';
import type { Diagnostic } from '../../parsers/model/source';

export type ToWorker =
  | { type: 'load'; jobId: number; files: File[] }
  | { type: 'cancel'; jobId: number };

export interface LoadedSource {
  summary: SourceSummary;
  diagnostics: Diagnostic[];
}

/**
 * Per-event columns for the canvas views, sent as transferable buffers.
 * One entry per block-event source (lane group) and one for syscalls.
 */
export interface TimelineColumns {
  /** Common time origin (ns on the trace clock) the columns are relative to. */
  originNs: number;
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
}

export type FromWorker =
  | { type: 'progress'; jobId: number; file: string; bytesRead: number; bytesTotal: number; phase: string }
  | { type: 'loaded'; jobId: number; sources: LoadedSource[] }
  | { type: 'cancelled'; jobId: number }
  | { type: 'failed'; jobId: number; message: string };
