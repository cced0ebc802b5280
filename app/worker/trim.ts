/**
 * The analysis as the page holds it. Per-request lists of a large capture
 * (millions of bios and requests) travel as RequestColumns instead; the
 * JSON keeps the requests that syscalls link to, so views of a read still
 * find its requests by id.
 */
import type { AnalysisResult } from '../../engine/forensics/analyze';

/** Up to this many requests the analysis is sent whole. */
export const FULL_REQUESTS = 20_000;
const DEPTH_POINTS = 20_000;

export function trimForPage(a: AnalysisResult): AnalysisResult {
  const c = a.correlation;
  const queueDepth = c.queueDepth.map((q) => {
    if (q.timeNs.length <= DEPTH_POINTS) return q;
    // Keep the maximum of each bucket: the peaks are what a reader looks for.
    const step = Math.ceil(q.timeNs.length / DEPTH_POINTS);
    const timeNs: number[] = [];
    const depth: number[] = [];
    for (let i = 0; i < q.timeNs.length; i += step) {
      let m = q.depth[i];
      for (let j = i + 1; j < Math.min(i + step, q.depth.length); j++) m = Math.max(m, q.depth[j]);
      timeNs.push(q.timeNs[i]);
      depth.push(m);
    }
    return { ...q, timeNs, depth };
  });
  if (c.requests.length <= FULL_REQUESTS) return { ...a, correlation: { ...c, queueDepth } };
  const keepReq = new Set<number>();
  const keepBio = new Set<number>();
  for (const l of c.links) {
    if (!l) continue;
    for (const r of l.requests) keepReq.add(r);
    for (const b of l.bios) keepBio.add(b);
  }
  return {
    ...a,
    correlation: {
      ...c,
      queueDepth,
      requests: c.requests.filter((r) => keepReq.has(r.id)),
      bios: c.bios.filter((b) => keepBio.has(b.id)),
      latencies: c.latencies.filter((l) => keepReq.has(l.request)),
    },
  };
}
