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

export interface ReplayBench {
  requests: number;
  /** Wall time of the timed replay (the machine is shared: mostly the other tenants'). */
  seconds: number;
  requestsPerSecond: number;
  /** Process CPU time of the timed replay (all threads, as bench/run.ts's cpuMs). */
  cpuSeconds: number;
  requestsPerCpuSecond: number;
}

/**
 * Replays `n` bench ops and times the replay alone: the workload is built first and, when the
 * runtime exposes gc(), collected before the clock starts (building a million op objects is not
 * the replay's work); small untimed replays first warm the JIT, as bench/run.ts does for classify.
 */
export function benchReplay(n: number, variant: Variant = 'b'): ReplayBench {
  const ops = benchWorkload(n);
  const config = defaultConfig(variant);
  (globalThis as { gc?: () => void }).gc?.();
  /*
   * Three warm-up replays, not one: V8 gives a function its feedback vector only after a few calls, so
   * what runs once per replay (a shape's first build, the pool's first pages) has no type feedback after
   * one replay, and the optimized code would deoptimize on it at the start of the timed run, which then
   * runs unoptimized until the (background, on a loaded machine slow) recompilation lands.
   */
  const warm = benchWorkload(Math.min(n, 20_000));
  for (let i = 0; i < 3; i++) replay(warm, defaultConfig(variant), undefined, { detail: false, keepOps: false });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  /* Streaming: per-op results are computed (provenance included) but not retained. */
  const r = replay(ops, config, undefined, { detail: false, keepOps: false });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const requests = r.stats.ringRequests;
  return { requests, seconds, requestsPerSecond: requests / seconds, cpuSeconds, requestsPerCpuSecond: requests / cpuSeconds };
}
