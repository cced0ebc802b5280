/**
 * Builds a Report from the live analysis: all findings (report file, long
 * link) or one finding (short link). Only the reads the chosen findings name
 * get their sector map, record and workload context.
 */
import type { AnalysisResult, IoSummary } from '../../engine/forensics/analyze';
import type { Finding } from '../../engine/forensics/findings';
import type { ReadMap } from '../../engine/forensics/sectorMap';
import { contextFor, knownPageOffset, type ContextRecord } from '../views/AnatomyWorkload';
import type { Variant } from '../state/appStore';
import { REPORT_SCHEMA, REPORT_VERSION, type Report, type ReportContext, type ReportExcerpt, type ReportReadMap, type ReportRecord, type ReportSelection } from './report';

export interface BuildOptions {
  /** Finding ids to include; absent = all. */
  findingIds?: number[];
  selection: ReportSelection;
  variant: Variant;
  pageOffset: number | null;
  /** Operations of workload context kept per read. */
  contextOps?: number;
  /** Evidence entries kept per finding and their text length. */
  evidencePerFinding?: number;
  evidenceText?: number;
  excerpts?: ReportExcerpt[];
  sources?: { name: string; format: string }[];
  /** Page offsets hypothesised for records without a known address. */
  pageOffsetOf?: (r: ContextRecord) => number;
}

const finiteOrNull = (n: number | null | undefined): number | null => (typeof n === 'number' && Number.isFinite(n) ? n : null);

export function toReportRecord(r: IoSummary): ReportRecord {
  const withAddr = r as IoSummary & { bufAddr?: number | null };
  return {
    id: r.id,
    source: r.source,
    line: r.line,
    op: r.op,
    name: r.name,
    device: r.device,
    offset: r.offset,
    length: r.length,
    result: finiteOrNull(r.result),
    timeNs: finiteOrNull(r.timeNs),
    pid: r.pid,
    fd: r.fd,
    bufAddr: finiteOrNull(withAddr.bufAddr),
  };
}

export function toReportReadMap(m: ReadMap | ReportReadMap): ReportReadMap {
  return {
    io: m.io,
    device: m.device,
    offset: m.offset,
    returned: m.returned,
    runs: m.runs.map((r) => ({
      bufStart: r.bufStart,
      bufEnd: r.bufEnd,
      lbaFirst: r.lbaFirst,
      lbaLast: r.lbaLast,
      verdict: r.verdict,
      sourceLba: r.sourceLba,
      sourceByte: r.sourceByte,
      displacement: r.displacement,
      strength: r.strength,
    })),
  };
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function trimFinding(f: Finding, perFinding: number, textLen: number): Finding {
  const out: Finding = { ...f, summary: clip(f.summary, Math.max(textLen, 200)), evidence: f.evidence.slice(0, perFinding).map((e) => ({ ...e, text: clip(e.text, textLen) })) };
  if (out.read) out.read = { ...out.read, timeNs: finiteOrNull(out.read.timeNs) };
  return out;
}

export function buildReport(analysis: AnalysisResult, opts: BuildOptions): Report {
  const wanted = opts.findingIds ? new Set(opts.findingIds) : null;
  const findings = analysis.findings
    .filter((f) => !wanted || wanted.has(f.id))
    .map((f) => trimFinding(f, opts.evidencePerFinding ?? 16, opts.evidenceText ?? 1024));
  const ios = new Set<number>();
  for (const f of findings) if (f.read) ios.add(f.read.io);
  if (opts.selection.readId !== null && (!wanted || ios.size === 0)) ios.add(opts.selection.readId);
  const readById = new Map(analysis.reads.map((m) => [m.io, m]));
  const records: ReportRecord[] = [];
  const reads: ReportReadMap[] = [];
  const contexts: ReportContext[] = [];
  const pageOffsetOf = opts.pageOffsetOf ?? knownPageOffset;
  for (const io of [...ios].sort((a, b) => a - b)) {
    const rec = analysis.records[io];
    if (!rec || rec.id !== io) continue;
    records.push(toReportRecord(rec));
    const m = readById.get(io);
    if (m) reads.push(toReportReadMap(m));
    const ctx = contextFor(analysis.records as ContextRecord[], io, opts.contextOps ?? 256, pageOffsetOf);
    if (ctx) contexts.push(ctx);
  }
  const selection = { ...opts.selection };
  if (selection.findingId !== null && !findings.some((f) => f.id === selection.findingId)) selection.findingId = null;
  if (selection.readId !== null && !ios.has(selection.readId)) selection.readId = null;
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    sources: opts.sources ?? [],
    totalFindings: analysis.findings.length,
    findings,
    records,
    reads,
    contexts,
    excerpts: opts.excerpts ?? [],
    selection,
    settings: { variant: opts.variant, pageOffset: opts.pageOffset },
  };
}

/** Shrinks a one-finding report step by step (fewer context ops, shorter evidence, no excerpts). */
export function shrinkSteps(analysis: AnalysisResult, opts: BuildOptions): Report[] {
  const steps: Partial<BuildOptions>[] = [
    {},
    { contextOps: 32 },
    { contextOps: 32, evidencePerFinding: 4, evidenceText: 200 },
    { contextOps: 8, evidencePerFinding: 2, evidenceText: 120, excerpts: [] },
    { contextOps: 4, evidencePerFinding: 0, evidenceText: 80, excerpts: [], sources: [] },
  ];
  return steps.map((s) => buildReport(analysis, { ...opts, ...s }));
}
