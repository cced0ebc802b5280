/**
 * CSV exports through papaparse's unparse (quoting per RFC 4180): findings,
 * reads (with their sector-map verdict counts) and block requests with the
 * btt latencies. One row per item, plain columns, headers in the first row.
 */
import Papa from 'papaparse';
import type { AnalysisResult } from '../../engine/forensics/analyze';
import type { Finding } from '../../engine/forensics/findings';
import { VERDICTS } from '../../engine/forensics/sectorMap';
import type { ViewData } from '../share/viewData';

const blank = (n: number | null | undefined): number | string => (typeof n === 'number' && Number.isFinite(n) ? n : '');

export function findingsCsv(findings: readonly Finding[]): string {
  return Papa.unparse(
    findings.map((f) => ({
      id: f.id,
      severity: f.severity,
      kind: f.kind,
      summary: f.summary,
      source: f.read?.source ?? '',
      line: blank(f.read?.line),
      read: blank(f.read?.io),
      syscall: f.read?.name ?? '',
      offset: blank(f.read?.offset),
      length: blank(f.read?.length),
      buf_start: blank(f.bufRange?.[0]),
      buf_end: blank(f.bufRange?.[1]),
      lba_first: blank(f.lbaRange?.[0]),
      lba_last: blank(f.lbaRange?.[1]),
      expected: f.expected?.description ?? '',
      expected_lba: blank(f.expected?.lba),
      actual: f.actual?.description ?? '',
      actual_lba: blank(f.actual?.lba),
      displacement: blank(f.displacement),
      evidence: f.evidence.map((e) => `${e.kind}: ${e.text}`).join(' | '),
    })),
    { columns: ['id', 'severity', 'kind', 'summary', 'source', 'line', 'read', 'syscall', 'offset', 'length', 'buf_start', 'buf_end', 'lba_first', 'lba_last', 'expected', 'expected_lba', 'actual', 'actual_lba', 'displacement', 'evidence'] },
  );
}

export function readsCsv(data: ViewData): string {
  const rows = data.mappedReads.map((io) => {
    const r = data.record(io);
    const m = data.readMap(io);
    const counts: Record<string, number> = {};
    for (const v of VERDICTS) counts[v] = 0;
    for (const run of m?.runs ?? []) counts[run.verdict] += Math.max(1, run.lbaLast - run.lbaFirst + 1);
    return {
      read: io,
      source: r?.source ?? '',
      line: blank(r?.line),
      syscall: r?.name ?? '',
      device: r?.device ?? '',
      offset: blank(r?.offset),
      length: blank(r?.length),
      returned: blank(m?.returned),
      time_ns: blank(r?.timeNs),
      ...Object.fromEntries(VERDICTS.map((v) => [`chunks_${v.replace(/-/g, '_')}`, counts[v]])),
    };
  });
  return Papa.unparse(rows, {
    columns: ['read', 'source', 'line', 'syscall', 'device', 'offset', 'length', 'returned', 'time_ns', ...VERDICTS.map((v) => `chunks_${v.replace(/-/g, '_')}`)],
  });
}

export function requestsCsv(analysis: AnalysisResult): string {
  const lat = new Map(analysis.correlation.latencies.map((l) => [l.request, l]));
  return Papa.unparse(
    analysis.correlation.requests.map((q) => {
      const l = lat.get(q.id);
      return {
        request: q.id,
        device: q.device,
        sector: q.sector,
        sectors: q.nSectors,
        rwbs: q.rwbs,
        pid: q.pid,
        q_ns: blank(q.tQ),
        d_ns: blank(q.tD),
        c_ns: blank(q.tC),
        q2c_ns: blank(l?.Q2C),
        d2c_ns: blank(l?.D2C),
        error: q.error,
        bios: q.bios.length,
        merges: q.backMerges + q.frontMerges,
      };
    }),
    { columns: ['request', 'device', 'sector', 'sectors', 'rwbs', 'pid', 'q_ns', 'd_ns', 'c_ns', 'q2c_ns', 'd2c_ns', 'error', 'bios', 'merges'] },
  );
}
