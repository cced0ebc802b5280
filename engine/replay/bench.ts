/**
 * Throughput of the replay core for the lead's bench harness: `n` O_DIRECT reads (a mix of page-aligned
 * 4 KiB and misaligned 16 KiB reads, so one request each with 1 or 5 segments) through variant (b),
 * display detail off, results streamed (not retained). Provenance is still computed (by labels per
 * 512-byte unit, never per byte).
 */
import { defaultConfig, type Variant } from './config';
import { replay } from './replay';
import type { WorkloadOp } from './types';

export function benchWorkload(n: number): WorkloadOp[] {
  const ops: WorkloadOp[] = [];
  for (let i = 0; i < n; i++) {
    const big = i % 4 === 3;
    ops.push({
      id: i,
      op: 'read',
      offset: ((i * 7919) % 100000) * 512,
      length: big ? 16384 : 4096,
      bufAddr: 0x10000000 + (big ? 3584 : 0),
      timeNs: i,
    });
  }
  return ops;
}

export function benchReplay(n: number, variant: Variant = 'b'): { requests: number; seconds: number; requestsPerSecond: number } {
  const ops = benchWorkload(n);
  const t0 = performance.now();
  /* Streaming: per-op results are computed (provenance included) but not retained. */
  const r = replay(ops, defaultConfig(variant), undefined, { detail: false, keepOps: false });
  const seconds = (performance.now() - t0) / 1000;
  const requests = r.stats.ringRequests;
  return { requests, seconds, requestsPerSecond: requests / seconds };
}
