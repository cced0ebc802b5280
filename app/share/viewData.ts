/**
 * What the findings, sector-diff and anatomy views show, from either the
 * live analysis or a shared report: the same accessors, so a shared link
 * renders through exactly the code a live session uses.
 */
import { useAppStore } from '../state/appStore';
import type { AnalysisResult } from '../../engine/forensics/analyze';
import type { Finding } from '../../engine/forensics/findings';
import { contextFor, DEFAULT_CONTEXT, knownPageOffset, type ContextRecord } from '../views/AnatomyWorkload';
import { hypothesisPageOffset } from '../views/AnatomyModel';
import { toReportRecord, toReportReadMap } from './build';
import type { Report, ReportContext, ReportExcerpt, ReportReadMap, ReportRecord } from './report';

export interface ViewData {
  shared: boolean;
  findings: Finding[];
  /** Total findings of the analysis (a shared one-finding report has fewer in `findings`). */
  totalFindings: number;
  record(io: number): ReportRecord | null;
  readMap(io: number): ReportReadMap | null;
  context(io: number): ReportContext | null;
  excerpt(io: number, bufOffset: number): ReportExcerpt | null;
  /** Read ids that have a sector map, in trace order. */
  mappedReads: number[];
}

const cache = new WeakMap<object, ViewData>();

function fromAnalysis(a: AnalysisResult): ViewData {
  const maps = new Map(a.reads.map((m) => [m.io, m]));
  const contexts = new Map<number, ReportContext | null>();
  /* Earlier operations replay at their traced or hypothesised page offset. */
  const pageOffsetOf = (r: ContextRecord) => {
    const k = knownPageOffset(r);
    return k >= 0 ? k : (hypothesisPageOffset(a, r.id) ?? -1);
  };
  return {
    shared: false,
    findings: a.findings,
    totalFindings: a.findings.length,
    record: (io) => {
      const r = a.records[io];
      return r && r.id === io ? toReportRecord(r) : null;
    },
    readMap: (io) => {
      const m = maps.get(io);
      return m ? toReportReadMap(m) : null;
    },
    context: (io) => {
      if (!contexts.has(io)) contexts.set(io, contextFor(a.records as ContextRecord[], io, DEFAULT_CONTEXT, pageOffsetOf));
      return contexts.get(io) ?? null;
    },
    excerpt: () => null,
    mappedReads: a.reads.map((m) => m.io),
  };
}

function fromReport(r: Report): ViewData {
  const records = new Map(r.records.map((x) => [x.id, x]));
  const maps = new Map(r.reads.map((x) => [x.io, x]));
  const contexts = new Map(r.contexts.map((x) => [x.io, x]));
  return {
    shared: true,
    findings: r.findings,
    totalFindings: r.totalFindings,
    record: (io) => records.get(io) ?? null,
    readMap: (io) => maps.get(io) ?? null,
    context: (io) => contexts.get(io) ?? null,
    excerpt: (io, off) => r.excerpts.find((e) => e.io === io && e.bufOffset === off) ?? null,
    mappedReads: r.reads.map((x) => x.io),
  };
}

export function viewDataOf(analysis: AnalysisResult | null, report: Report | null): ViewData | null {
  const key = analysis ?? report;
  if (!key) return null;
  let v = cache.get(key);
  if (!v) {
    v = analysis ? fromAnalysis(analysis) : fromReport(report!);
    cache.set(key, v);
  }
  return v;
}

/** The view data of the store's current analysis or shared report (null when neither). */
export function useViewData(): ViewData | null {
  const analysis = useAppStore((s) => s.analysis);
  const report = useAppStore((s) => s.report);
  return viewDataOf(analysis, report);
}
