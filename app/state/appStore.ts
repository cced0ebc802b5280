/**
 * The app-wide store: what is loaded, the analysis, and the one selection
 * that links every view. Views subscribe with narrow selectors
 * (`useAppStore((s) => s.selection.readId)`); per-view state such as zoom
 * lives in each view's own store instance.
 */
import { create } from 'zustand';
import type { AnalysisResult } from '../../engine/forensics/analyze';
import type { LoadedSource, LoadError, RequestColumns, TimelineColumns, XenstoreVbds } from '../worker/protocol';
import type { Report } from '../share/report';

export type Variant = 'a' | 'b' | 'c' | 'd' | 'e';
export type ThemeSetting = 'system' | 'light' | 'dark';

export interface LoadProgress {
  jobId: number;
  file: string;
  bytesRead: number;
  bytesTotal: number;
  events: number;
  phase: string;
}

export interface Selection {
  /** IoRecord id of the selected read (AnalysisResult.records[].id). */
  readId: number | null;
  findingId: number | null;
  /** Buffer offset of the selected 512-byte chunk of the selected read. */
  chunk: number | null;
  /** Brushed time range in ns on the timeline's clock. */
  timeRange: [number, number] | null;
}

export interface AppState {
  sources: LoadedSource[];
  analysis: AnalysisResult | null;
  timeline: TimelineColumns | null;
  /** Set when the page shows a shared report (read-only, no traces). */
  sharedReport: boolean;
  progress: LoadProgress | null;
  /** User-facing load errors, in the taxonomy of the issue (unrecognized, corrupt at N, too large, dropped). */
  errors: string[];
  selection: Selection;
  variant: Variant;
  theme: ThemeSetting;
  /** The shared report on screen (read-only, no traces); set together with sharedReport. */
  report: Report | null;
  /** Why a shared link or report file could not be opened (text only, never markup). */
  reportError: string | null;
  /** Anatomy replay page offset of the selected read's buffer (null: known address or hypothesis). */
  pageOffset: number | null;
  /** The analysis worker, for on-demand byte requests (HexCompare); set by whoever creates it. */
  worker: Worker | null;
  /** Where the current load is: nothing loaded, reading/parsing, analysing, done. */
  loadState: 'empty' | 'parsing' | 'analyzing' | 'ready' | 'failed';
  /** Errors of the last load with their kind (the taxonomy); `errors` holds their messages. */
  loadErrors: LoadError[];
  /** Block requests as columns (Requests view, queue depth). */
  requests: RequestColumns | null;
  xenstore: XenstoreVbds[];
  /** Reference image of the last load. */
  image: { name: string; sectors: number } | null;
  /** Wall time per load phase, ms (shown in the status bar's tooltip). */
  timings: Record<string, number>;
  select: (patch: Partial<Selection>) => void;
  setVariant: (v: Variant) => void;
  setTheme: (t: ThemeSetting) => void;
  openReport: (r: Report) => void;
  setReportError: (message: string | null) => void;
  setPageOffset: (pageOffset: number | null) => void;
  setWorker: (w: Worker | null) => void;
}

export const useAppStore = create<AppState>((set) => ({
  sources: [],
  analysis: null,
  timeline: null,
  sharedReport: false,
  progress: null,
  errors: [],
  selection: { readId: null, findingId: null, chunk: null, timeRange: null },
  variant: 'b',
  theme: 'system',
  loadState: 'empty',
  loadErrors: [],
  requests: null,
  xenstore: [],
  image: null,
  timings: {},
  select: (patch) => set((s) => ({ selection: { ...s.selection, ...patch } })),
  setVariant: (variant) => set({ variant }),
  setTheme: (theme) => set({ theme }),
  report: null,
  reportError: null,
  pageOffset: null,
  worker: null,
  openReport: (report) =>
    set({
      report,
      reportError: null,
      sharedReport: true,
      analysis: null,
      timeline: null,
      sources: [],
      selection: { ...report.selection, timeRange: null },
      variant: report.settings.variant,
      pageOffset: report.settings.pageOffset,
    }),
  setReportError: (reportError) => set({ reportError }),
  setPageOffset: (pageOffset) => set({ pageOffset }),
  setWorker: (worker) => set({ worker }),
}));
