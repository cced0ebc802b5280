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

export type FromWorker =
  | { type: 'progress'; jobId: number; file: string; bytesRead: number; bytesTotal: number; phase: string }
  | { type: 'loaded'; jobId: number; sources: LoadedSource[] }
  | { type: 'cancelled'; jobId: number }
  | { type: 'failed'; jobId: number; message: string };
