/**
 * Cross-layer correlation: each read/write syscall (or iocb) joined to the
 * bios and block requests that served it, plus per-request latencies as btt
 * defines them (Q2G, G2I, I2D, D2C, Q2C) and the driver queue depth over time.
 *
 * Direct I/O: the syscall's own bios, matched by device, start sector, pid
 * (Q/G/D carry the issuing tid) and time window; split pieces (X) follow
 * their queued bio, merges (M/F) put bios of several syscalls in one request.
 * Buffered I/O: the page cache decouples syscalls from requests; a read is
 * joined to the latest read requests queued before it ended that cover its
 * sectors (readahead), a write to the earliest write requests after it.
 */
import { devKey, devName } from '../../parsers/model/blockEvents';
import type { ClockInfo, ParsedSource } from '../../parsers/model/source';
import { anchorsFromSources, bestOffset, offsetFromAnchor, parseAnchorText, type Anchor, type OffsetInterval } from './clock';
import type { IoRecord } from './io';
import { buildRequests, SectorMap, type Bio, type BlockRequest, type RequestModel } from './requests';

export interface ClockAlignment {
  method: 'anchors' | 'inferred' | 'none';
  /** Add to a strace time (ns rel. to its base) to get block time (ns rel. to the block base). */
  offsetNs: number;
  detail: string;
  /** Syscall/Q pairs consistent with the chosen offset. */
  support: number;
}

export type LinkStatus = 'joined' | 'partial' | 'cache' | 'none' | 'failed';

export interface IoLink {
  io: number;
  devKey: number | null;
  /** Sector range [first, end) the syscall addressed. */
  sector: number;
  sectors: number;
  /** Bio pieces (after splits) attributed to this syscall. */
  bios: number[];
  /** Requests carrying them. */
  requests: number[];
  /** Sectors covered by the joined bios (direct) or by the covering requests (buffered). */
  coveredSectors: number;
  splits: number;
  /** Requests that also carry other syscalls' bios (merged). */
  mergedRequests: number;
  status: LinkStatus;
}

export interface LatencyStats {
  n: number;
  min: number;
  avg: number;
  max: number;
}

export type LatencyName = 'Q2G' | 'G2I' | 'I2D' | 'G2D' | 'D2C' | 'Q2D' | 'Q2C';
export const LATENCIES: readonly LatencyName[] = ['Q2G', 'G2I', 'I2D', 'G2D', 'D2C', 'Q2D', 'Q2C'];

export interface RequestLatency {
  request: number;
  Q2G: number;
  G2I: number;
  I2D: number;
  G2D: number;
  D2C: number;
  Q2D: number;
  Q2C: number;
}

export interface QueueDepth {
  devKey: number;
  device: string;
  /** Block-clock times (ns) where the number of issued-not-completed requests changes, and the depth after. */
  timeNs: number[];
  depth: number[];
  max: number;
  /** Time-weighted mean depth between the first issue and the last completion. */
  mean: number;
}

export interface Correlation {
  blockSource: string | null;
  clock: ClockAlignment;
  bios: Bio[];
  requests: BlockRequest[];
  links: IoLink[];
  latencies: RequestLatency[];
  latencySummary: Record<LatencyName, LatencyStats>;
  /** btt's per-IO Q2C: every bio's Q to its request's C. */
  bioQ2C: LatencyStats;
  queueDepth: QueueDepth[];
  /** Device path in the strace → block device (devName). */
  deviceMap: Record<string, string>;
}

export interface CorrelateInput {
  sources: ParsedSource[];
  records: IoRecord[];
  /** Text of RUN.anchors.txt, when loaded separately. */
  anchorsText?: string;
}

const FORMAT_PREFERENCE = ['blktrace-bin', 'ftrace-blk', 'ftrace-tracepoints', 'blkparse'];

/** The block source to correlate with: the same run is often loaded in several renderings. */
export function pickBlockSource(sources: ParsedSource[]): ParsedSource | null {
  let best: ParsedSource | null = null;
  let bestRank = 99;
  for (const s of sources) {
    if (!s.block || s.block.length === 0) continue;
    let hasData = false;
    for (let i = 0; i < s.block.length && !hasData; i++) if (s.block.nSectors[i] > 0) hasData = true;
    if (!hasData) continue; // e.g. an anchors file: messages only
    const r = FORMAT_PREFERENCE.indexOf(s.format);
    const rank = r < 0 ? 50 : r;
    if (rank < bestRank) {
      best = s;
      bestRank = rank;
    }
  }
  return best;
}

/** dev_t of a device path by the kernel's static major numbers (loop 7, sd 8, md 9, xvd 202). */
export function devKeyOfPath(path: string): number | null {
  const yy = /<block (\d+):(\d+)>/.exec(path);
  if (yy) return devKey(Number(yy[1]), Number(yy[2]));
  let m = /^\/dev\/loop(\d+)$/.exec(path);
  if (m) return devKey(7, Number(m[1]));
  m = /^\/dev\/md(\d+)$/.exec(path);
  if (m) return devKey(9, Number(m[1]));
  m = /^\/dev\/(sd|xvd)([a-z])(\d*)$/.exec(path);
  if (m) return devKey(m[1] === 'sd' ? 8 : 202, (m[2].charCodeAt(0) - 97) * 16 + (m[3] ? Number(m[3]) : 0));
  return null;
}

/** Running min/avg/max over finite values (no intermediate arrays: millions of requests). */
class StatsAcc {
  n = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  add(v: number): void {
    if (!Number.isFinite(v)) return;
    this.n++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  stats(): LatencyStats {
    return this.n === 0 ? { n: 0, min: NaN, avg: NaN, max: NaN } : { n: this.n, min: this.min, avg: this.sum / this.n, max: this.max };
  }
}

function statsOf(values: number[]): LatencyStats {
  const acc = new StatsAcc();
  for (const v of values) acc.add(v);
  return acc.stats();
}

export function requestLatency(r: BlockRequest): RequestLatency {
  return {
    request: r.id,
    Q2G: r.tG - r.tQ,
    G2I: r.tI - r.tG,
    I2D: r.tD - r.tI,
    G2D: r.tD - r.tG,
    D2C: r.tC - r.tD,
    Q2D: r.tD - r.tQ,
    Q2C: r.tC - r.tQ,
  };
}

export function queueDepths(requests: BlockRequest[]): QueueDepth[] {
  // Per device: issue times and completion times, each sorted numerically (typed, no comparator),
  // then merged; at equal times a completion is counted before an issue.
  const count = new Map<number, number>();
  for (const r of requests) if (Number.isFinite(r.tD) && Number.isFinite(r.tC)) count.set(r.devKey, (count.get(r.devKey) ?? 0) + 1);
  const out: QueueDepth[] = [];
  for (const [dev, m] of count) {
    const issue = new Float64Array(m);
    const done = new Float64Array(m);
    let k = 0;
    for (const r of requests) {
      if (r.devKey !== dev || !Number.isFinite(r.tD) || !Number.isFinite(r.tC)) continue;
      issue[k] = r.tD;
      done[k++] = r.tC;
    }
    issue.sort();
    done.sort();
    const timeNs: number[] = [];
    const depth: number[] = [];
    let d = 0;
    let max = 0;
    let area = 0;
    let prev = NaN;
    let first = NaN;
    for (let i = 0, j = 0; i < m || j < m; ) {
      const fromDone = j < m && (i >= m || done[j] <= issue[i]);
      const at = fromDone ? done[j++] : issue[i++];
      if (Number.isNaN(first)) first = at;
      else area += d * (at - prev);
      d += fromDone ? -1 : 1;
      if (d > max) max = d;
      if (timeNs.length > 0 && prev === at) depth[depth.length - 1] = d;
      else {
        timeNs.push(at);
        depth.push(d);
      }
      prev = at;
    }
    const span = prev - first;
    out.push({ devKey: dev, device: devName(dev), timeNs, depth, max, mean: span > 0 ? area / span : d });
  }
  return out;
}

const SLACK_NS = 50_000; // anchors are accurate to a few µs; strace stamps the entry stop, the Q follows within the -T duration
const NO_DURATION_NS = 10_000_000;

function sectorsOf(rec: IoRecord): [number, number] {
  const s = Math.floor(rec.offset / 512);
  let bytes = rec.length;
  // A short read stops at the device end: only the sectors that exist were requested.
  if (rec.op === 'read' && Number.isFinite(rec.result) && rec.result >= 0) bytes = Math.min(bytes, rec.result);
  if (!(bytes > 0)) return [s, 0];
  const e = Math.ceil((rec.offset + bytes) / 512);
  return [s, Math.max(0, e - s)];
}

/** Maps each strace device path to a block device of the model. */
function mapDevices(records: IoRecord[], model: RequestModel): Map<string, number> {
  const devs = new Set<number>();
  for (const b of model.bios) devs.add(b.devKey);
  const out = new Map<string, number>();
  const paths = new Set(records.map((r) => r.device));
  for (const p of paths) {
    const k = devKeyOfPath(p);
    if (k !== null && devs.has(k)) out.set(p, k);
    else if (devs.size === 1) out.set(p, [...devs][0]);
    else if (k !== null) {
      // A partition traced on its whole disk: an A event relates the two.
      const remap = model.remaps.find((r) => r.fromDev === k);
      if (remap) out.set(p, remap.devKey);
    }
  }
  return out;
}

function partitionOffset(model: RequestModel, path: string, dev: number): number {
  const k = devKeyOfPath(path);
  if (k === null || k === dev) return 0;
  const r = model.remaps.find((x) => x.fromDev === k && x.devKey === dev);
  return r ? r.sector - r.fromSector : 0;
}

function alignClock(input: CorrelateInput, block: ParsedSource, model: RequestModel, devMap: Map<string, number>): ClockAlignment {
  const strace = input.sources[input.records[0]?.sourceIndex ?? -1];
  const none: ClockAlignment = { method: 'none', offsetNs: NaN, detail: 'no timestamps to relate the traces', support: 0 };
  if (!strace || input.records.every((r) => !Number.isFinite(r.timeNs))) return none;

  // Inference from direct I/O: Q must fall inside [start, end] of its syscall.
  const qBySector = new SectorMap();
  for (const b of model.bios) if (b.parent < 0) qBySector.add(b.devKey, b.sector, b.id);
  const intervals: OffsetInterval[] = [];
  for (const r of input.records) {
    if (!r.direct || !Number.isFinite(r.timeNs)) continue;
    const dev = devMap.get(r.device);
    if (dev === undefined) continue;
    const [s] = sectorsOf(r);
    const cands = qBySector.list(dev, s + partitionOffset(model, r.device, dev));
    const dur = Number.isFinite(r.durationNs) ? r.durationNs : NO_DURATION_NS;
    for (let c = 0; c < cands.length && c < 16; c++) {
      const b = model.bios[cands[c]];
      if (r.pid !== 0 && b.pid !== 0 && r.pid !== b.pid && r.seg < 0) continue;
      intervals.push({ lo: b.tQ - r.timeNs - dur - SLACK_NS, hi: b.tQ - r.timeNs + SLACK_NS });
    }
  }
  const inferred = bestOffset(intervals);

  const anchors: Anchor[] = [...anchorsFromSources(input.sources), ...(input.anchorsText ? parseAnchorText(input.anchorsText) : [])];
  const sClock: ClockInfo = strace.clock;
  if (anchors.length > 0) {
    let off = offsetFromAnchor(anchors[0], sClock, block.clock);
    if (Number.isFinite(off)) {
      let detail = `trace_marker anchor "${anchors[0].label}" (CLOCK_REALTIME ↔ trace clock)`;
      if (inferred && inferred.support > 0) {
        // -tt is local time: a whole number of quarter hours apart means a zone offset.
        const diff = inferred.offset - off;
        const q = 900e9;
        const zone = Math.round(diff / q) * q;
        if (zone !== 0 && Math.abs(diff - zone) < 1e9) {
          off += zone;
          detail += `, corrected by ${zone / 3600e9} h (strace printed local time)`;
        }
      }
      const support = intervals.filter((iv) => iv.lo <= off && off <= iv.hi).length;
      return { method: 'anchors', offsetNs: off, detail, support };
    }
  }
  if (inferred && inferred.support > 0) {
    return {
      method: 'inferred',
      offsetNs: inferred.offset,
      detail: `offset covered by ${inferred.support} of ${intervals.length} direct-I/O syscall/Q pairs`,
      support: inferred.support,
    };
  }
  return none;
}

/** Runs the whole correlation. */
export function correlate(input: CorrelateInput): Correlation {
  const block = pickBlockSource(input.sources);
  const empty: Correlation = {
    blockSource: null,
    clock: { method: 'none', offsetNs: NaN, detail: 'no block trace', support: 0 },
    bios: [],
    requests: [],
    links: input.records.map((r) => ({
      io: r.id, devKey: null, sector: sectorsOf(r)[0], sectors: sectorsOf(r)[1], bios: [], requests: [],
      coveredSectors: 0, splits: 0, mergedRequests: 0, status: 'none' as LinkStatus,
    })),
    latencies: [],
    latencySummary: Object.fromEntries(LATENCIES.map((l) => [l, statsOf([])])) as Record<LatencyName, LatencyStats>,
    bioQ2C: statsOf([]),
    queueDepth: [],
    deviceMap: {},
  };
  if (!block || !block.block) return empty;
  const model = buildRequests(block.block, block.name);
  const devMap = mapDevices(input.records, model);
  const clock = input.records.length > 0 ? alignClock(input, block, model, devMap) : empty.clock;
  const links = joinAll(input.records, model, devMap, clock);
  const latencies = model.requests.map(requestLatency);
  const acc = LATENCIES.map(() => new StatsAcc());
  for (const x of latencies) for (let i = 0; i < LATENCIES.length; i++) acc[i].add(x[LATENCIES[i]]);
  const latencySummary = {} as Record<LatencyName, LatencyStats>;
  LATENCIES.forEach((l, i) => (latencySummary[l] = acc[i].stats()));
  const q2c = new StatsAcc();
  for (const b of model.bios) if (b.parent < 0 && b.request >= 0) q2c.add(model.requests[b.request].tC - b.tQ);
  const bioQ2C = q2c.stats();
  const deviceMap: Record<string, string> = {};
  for (const [p, k] of devMap) deviceMap[p] = devName(k);
  return {
    blockSource: block.name,
    clock,
    bios: model.bios,
    requests: model.requests,
    links,
    latencies,
    latencySummary,
    bioQ2C,
    queueDepth: queueDepths(model.requests),
    deviceMap,
  };
}

function joinAll(records: IoRecord[], model: RequestModel, devMap: Map<string, number>, clock: ClockAlignment): IoLink[] {
  const timed = clock.method !== 'none';
  const roots = new SectorMap(); // queued bios by (dev, sector), in Q order
  if (records.length > 0) for (const b of model.bios) if (b.parent < 0) roots.add(b.devKey, b.sector, b.id);
  const taken = new Uint8Array(model.bios.length);
  const byOrder = [...records].sort((a, b) => a.order - b.order || a.id - b.id);
  const links: IoLink[] = new Array(records.length);
  // Built on the first buffered record only: a block-only or all-direct analysis never needs it.
  let reqIndex: RequestIndex | null = null;
  // How many syscalls' bios each request carries (merges across syscalls).
  const owners = new Map<number, Set<number>>();

  for (const r of byOrder) {
    const [s0, n] = sectorsOf(r);
    const dev = devMap.get(r.device);
    const link: IoLink = {
      io: r.id, devKey: dev ?? null, sector: s0, sectors: n, bios: [], requests: [], coveredSectors: 0, splits: 0, mergedRequests: 0,
      status: 'none',
    };
    links[r.id] = link;
    if (dev === undefined || !Number.isFinite(r.offset) || n === 0) continue;
    const s = s0 + partitionOffset(model, r.device, dev);
    const t0 = timed ? r.timeNs + clock.offsetNs : NaN;
    const t1 = timed ? t0 + (Number.isFinite(r.durationNs) ? r.durationNs : NO_DURATION_NS) : NaN;
    if (r.direct) {
      let cur = s;
      while (cur < s + n) {
        const cands = roots.list(dev, cur);
        let pick = -1;
        for (let c = 0; c < cands.length; c++) {
          const id = cands[c];
          const b = model.bios[id];
          if (taken[id]) continue;
          if (r.pid !== 0 && b.pid !== 0 && r.pid !== b.pid && r.seg < 0) continue;
          if (timed && (b.tQ < t0 - SLACK_NS || b.tQ > t1 + SLACK_NS)) continue;
          pick = id;
          break;
        }
        if (pick < 0) break;
        taken[pick] = 1;
        const stack = [pick];
        while (stack.length > 0) {
          const id = stack.pop()!;
          const b = model.bios[id];
          link.bios.push(id);
          if (b.parent >= 0) link.splits++;
          stack.push(...b.children);
          link.coveredSectors += b.nSectors;
          if (b.request >= 0 && !link.requests.includes(b.request)) link.requests.push(b.request);
        }
        cur += model.bios[pick].qSectors;
      }
      link.bios.sort((a, b) => model.bios[a].sector - model.bios[b].sector);
      const failed = link.requests.some((q) => model.requests[q].error !== 0);
      link.status = failed ? 'failed' : link.coveredSectors === n ? 'joined' : link.coveredSectors > 0 ? 'partial' : 'none';
    } else {
      reqIndex ??= buildRequestIndex(model.requests);
      coverBuffered(r, link, s, n, dev, model, reqIndex, timed ? t0 : NaN, timed ? t1 : NaN);
    }
    for (const q of link.requests) {
      let o = owners.get(q);
      if (!o) owners.set(q, (o = new Set()));
      o.add(r.id);
    }
  }
  for (const link of links) {
    if (!link) continue;
    link.mergedRequests = link.requests.filter((q) => (owners.get(q)?.size ?? 0) > 1 || model.requests[q].bios.length > 1).length;
  }
  return links;
}

interface RequestIndex {
  /** Data requests sorted by start sector, per device. */
  byDev: Map<number, BlockRequest[]>;
  maxLen: number;
}

function buildRequestIndex(requests: BlockRequest[]): RequestIndex {
  const byDev = new Map<number, BlockRequest[]>();
  let maxLen = 0;
  for (const r of requests) {
    if (r.nSectors === 0 || (r.op !== 'read' && r.op !== 'write')) continue;
    let l = byDev.get(r.devKey);
    if (!l) byDev.set(r.devKey, (l = []));
    l.push(r);
    maxLen = Math.max(maxLen, r.nSectors);
  }
  for (const l of byDev.values()) l.sort((a, b) => a.sector - b.sector);
  return { byDev, maxLen };
}

/**
 * Buffered I/O: paints [s, s+n) with the requests that plausibly moved its
 * pages. Reads: the latest read request queued before the syscall ended;
 * writes: the earliest write request queued after it started (writeback).
 */
function coverBuffered(
  r: IoRecord,
  link: IoLink,
  s: number,
  n: number,
  dev: number,
  model: RequestModel,
  idx: RequestIndex,
  t0: number,
  t1: number,
): void {
  const l = idx.byDev.get(dev) ?? [];
  let lo = 0;
  let hi = l.length;
  const from = s - idx.maxLen;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (l[mid].sector < from) lo = mid + 1;
    else hi = mid;
  }
  const cands: BlockRequest[] = [];
  for (let k = lo; k < l.length && l[k].sector < s + n; k++) {
    const q = l[k];
    if (q.sector + q.nSectors <= s || q.op !== r.op) continue;
    if (Number.isFinite(t1) && r.op === 'read' && q.tQ > t1 + SLACK_NS) continue;
    if (Number.isFinite(t0) && r.op === 'write' && q.tQ < t0 - SLACK_NS) continue;
    cands.push(q);
  }
  // Reads: latest first; writes: earliest first. The first request to claim a sector keeps it.
  cands.sort((a, b) => (r.op === 'read' ? b.tQ - a.tQ : a.tQ - b.tQ));
  const claimed = new Uint8Array(n);
  for (const q of cands) {
    let got = 0;
    const a = Math.max(s, q.sector);
    const e = Math.min(s + n, q.sector + q.nSectors);
    for (let x = a; x < e; x++) {
      if (!claimed[x - s]) {
        claimed[x - s] = 1;
        got++;
      }
    }
    if (got > 0) {
      link.requests.push(q.id);
      link.coveredSectors += got;
    }
  }
  link.requests.sort((a, b) => model.requests[a].sector - model.requests[b].sector);
  link.status = link.coveredSectors === n ? 'joined' : link.coveredSectors === 0 ? 'cache' : 'partial';
}
