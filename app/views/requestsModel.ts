/** Row models of the Requests view: verdict of a read, latency arrays of the block requests. */
import type { AnalysisResult, IoSummary } from '../../engine/forensics/analyze';
import type { ReadMap, Verdict } from '../../engine/forensics/sectorMap';
import type { RequestColumns } from '../worker/protocol';

const BAD: Verdict[] = ['misplaced', 'stale', 'stale-or-unknown', 'duplicate', 'changed-by-write'];

export type ReadVerdict = 'verified' | 'wrong' | 'partly verified' | 'unverifiable' | 'failed' | 'no data';

export function readVerdict(r: IoSummary, map: ReadMap | undefined): { verdict: ReadVerdict; detail: string } {
  if (r.result < 0 || r.errno !== 0) return { verdict: 'failed', detail: r.errName || String(r.result) };
  if (!map) return { verdict: 'no data', detail: 'the trace shows no returned bytes' };
  const bad = BAD.filter((v) => map.counts[v] > 0);
  if (bad.length) return { verdict: 'wrong', detail: bad.map((v) => `${map.counts[v]} ${v}`).join(', ') };
  const ok = map.counts.correct + map.counts.consistent;
  if (ok > 0 && map.counts.unverifiable === 0) return { verdict: 'verified', detail: `${ok} chunks` };
  if (ok > 0) return { verdict: 'partly verified', detail: `${ok} verified, ${map.counts.unverifiable} unverifiable` };
  return { verdict: 'unverifiable', detail: `${map.counts.unverifiable} chunks` };
}

export interface ReadRow {
  r: IoSummary;
  verdict: ReadVerdict;
  detail: string;
}

export function readRows(a: AnalysisResult): ReadRow[] {
  const maps = new Map(a.reads.map((m) => [m.io, m]));
  return a.records
    .filter((r) => r.op === 'read')
    .map((r) => {
      const v = readVerdict(r, maps.get(r.id));
      return { r, verdict: v.verdict, detail: v.detail };
    });
}

export function countVerified(rows: ReadRow[]): number {
  let n = 0;
  for (const x of rows) if (x.verdict === 'verified') n++;
  return n;
}

/** Q2C and D2C per request (ns), NaN when an end is missing. */
export function latencies(q: RequestColumns): { q2c: Float64Array; d2c: Float64Array } {
  const n = q.tQ.length;
  const q2c = new Float64Array(n);
  const d2c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    q2c[i] = q.tC[i] - q.tQ[i];
    d2c[i] = q.tC[i] - q.tD[i];
  }
  return { q2c, d2c };
}

/** Log2-spaced histogram of positive finite values (ns): bucket b holds [2^b, 2^(b+1)). */
export function log2Histogram(v: Float64Array): { lo: number; counts: number[] } {
  const counts = new Array<number>(64).fill(0);
  let lo = 63;
  let hi = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!(x > 0) || !Number.isFinite(x)) continue;
    const b = Math.min(63, Math.floor(Math.log2(x)));
    counts[b]++;
    if (b < lo) lo = b;
    if (b > hi) hi = b;
  }
  if (lo > hi) return { lo: 0, counts: [] };
  return { lo, counts: counts.slice(lo, hi + 1) };
}
