/**
 * Replays a workload through the guest block layer, a blkfront variant, a backend model and back,
 * tracking where every returned 512-byte unit came from (disk, stale grant page, never-written
 * page, zeros). Operations run one after the other (synchronous syscalls); the block requests of
 * one operation are all queued before any completes, as many as the ring has slots.
 */
import type { BackendIo, BackendModel, BackendReply, Hazard, ProvenanceRun, RingRequest, SyntheticBlockEvent, WorkloadOp } from './types';
import { buildRequests, type BlockRequest } from './blockLayer';
import { Blkfront, type CompletionCopy, type CopyTrace, type Shadow } from './blkfront';
import { blkback, makeBlkback } from './blkback';
import { validateConfig, WIRE_SECTOR, type ReplayConfig } from './config';
import { SLOTS_PER_FRAME } from './grantPool';
import { SRC_BACKEND_STALE, SRC_IMAGE, SlotStore } from './slots';
import { DiskOverlay, writePayloads } from './overlay';
import { bytesOf, diffRanges, provenanceOf } from './provenance';
import { replayColumnar } from './columnarReplay';
import type { Disk } from './disk';

export { syntheticWriteData } from './overlay';
export { diffRanges, provenanceOf } from './provenance';

export interface Workload {
  name?: string;
  ops: WorkloadOp[];
}

export interface OpReplay {
  opId: number;
  op: 'read' | 'write';
  offset: number;
  /** Requested length. */
  length: number;
  /** What the syscall returns: bytes transferred, or -errno. */
  result: number;
  error?: { errno: number; name: string; message: string };
  requests: BlockRequest[];
  ring: RingRequest[];
  /** Completion memcpys, `request` = block request index. */
  copies: (CompletionCopy & { request: number })[];
  backendIos: BackendIo[];
  replies: BackendReply[];
  events: SyntheticBlockEvent[];
  /** Reads: where each byte range of the returned buffer came from. */
  provenance: ProvenanceRun[];
  hazards: Hazard[];
  /** Reads with a disk: the returned bytes (never-written page content filled by `unknownFill`, zeros by default). */
  bytes?: Uint8Array;
  /** Reads with a disk and observed data: buffer ranges where replay and trace differ (within what the trace shows). */
  mismatches?: { bufStart: number; bufEnd: number }[];
}

export interface ReplayResult {
  config: ReplayConfig;
  ops: OpReplay[];
  hazards: Hazard[];
  pool: { pages: number; free: number; persistent: number; freeList: number[] };
  /** Configuration problems; when present nothing was replayed. */
  errors: string[];
  /** Counts over the whole run (also when `keepOps` is false). */
  stats: { ops: number; blockRequests: number; ringRequests: number };
}

export interface ReplayOptions {
  /** Content for never-written grant-page bytes when producing `bytes` (default zeros). */
  unknownFill?: (grantPage: number, pageStart: number, len: number) => Uint8Array;
  /** false: skip events, copies and per-op structures that only serve display (benchmarks). */
  detail?: boolean;
  /** false: do not keep per-op results in `ops` (stream them through `onOp`; constant memory). */
  keepOps?: boolean;
  onOp?: (op: OpReplay) => void;
}

/** Shared frozen empty list for the display-only fields of results built without detail. */
const NONE: never[] = Object.freeze([]) as unknown as never[];

const backends = new Map<string, BackendModel>([['blkback', blkback]]);

/** Hook for engine/backends: makes a backend model selectable as `config.backend = model.name`. */
export function registerBackend(model: BackendModel): void {
  backends.set(model.name, model);
}

export function backendNames(): string[] {
  return [...backends.keys()];
}

function backendFor(config: ReplayConfig): BackendModel | undefined {
  if (config.backend === 'blkback' && config.backendLimits) return makeBlkback(config.backendLimits);
  return backends.get(config.backend);
}

/**
 * Whether the configured backend is the built-in Linux blkback (with or without dom0 queue limits:
 * those only regroup its bios, never which bytes move), whose dispatch the columnar path applies inline.
 */
function isBuiltInBlkback(config: ReplayConfig): boolean {
  return config.backend === 'blkback' && (config.backendLimits !== undefined || backends.get('blkback') === blkback);
}

export function replay(
  workload: Workload | WorkloadOp[],
  config: ReplayConfig,
  disk?: Disk,
  options: ReplayOptions = {},
): ReplayResult {
  const ops = Array.isArray(workload) ? workload : workload.ops;
  const errors = validateConfig(config);
  const backend = backendFor(config);
  if (!backend) errors.push(`unknown backend ${config.backend} (known: ${backendNames().join(', ')})`);
  const front = new Blkfront(config);
  const result: ReplayResult = {
    config,
    ops: [],
    hazards: [],
    pool: { pages: 0, free: 0, persistent: 0, freeList: [] },
    errors,
    stats: { ops: 0, blockRequests: 0, ringRequests: 0 },
  };
  const keep = options.keepOps !== false;
  if (errors.length > 0 || !backend) return result;
  const detail = options.detail !== false;
  /* Without display detail, the built-in blkback runs on the allocation-free columnar path (same results). */
  if (!detail && isBuiltInBlkback(config)) return replayColumnar(ops, config, disk, options, result);
  const overlay = new DiskOverlay();
  const dataOf = writePayloads(ops);
  const deviceBytes = disk ? disk.sectors * WIRE_SECTOR : Infinity;
  let seq = 0;
  let clock = 0;
  const buf = new SlotStore();
  /* Per buffer unit: which shadow's completion put it there, from which grant page slot. */
  const trace: CopyTrace = { copiedBy: new Float64Array(0), srcFrame: new Float64Array(0), srcSlot: new Float64Array(0) };

  for (const op of ops) {
    const t0 = Number.isFinite(op.timeNs) && op.timeNs > clock ? op.timeNs : clock;
    let t = t0;
    const bl = buildRequests(op, config, deviceBytes);
    /* Without detail the display-only lists share one frozen empty array (no per-op garbage). */
    const out: OpReplay = {
      opId: op.id,
      op: op.op,
      offset: op.offset,
      length: op.length,
      result: bl.error ? -bl.error.errno : bl.length,
      requests: detail ? bl.requests : NONE,
      ring: detail ? [] : NONE,
      copies: detail ? [] : NONE,
      backendIos: detail ? [] : NONE,
      replies: detail ? [] : NONE,
      events: detail ? [] : NONE,
      provenance: NONE,
      hazards: NONE,
    };
    if (bl.error) out.error = bl.error;
    const units = bl.length / WIRE_SECTOR;
    const isRead = op.op === 'read';
    buf.reset(units);
    if (!isRead) buf.fillUser(units, op.id);
    if (trace.copiedBy.length < units) {
      trace.copiedBy = new Float64Array(units);
      trace.srcFrame = new Float64Array(units);
      trace.srcSlot = new Float64Array(units);
    }
    const copiedBy = trace.copiedBy;
    copiedBy.fill(-1, 0, units);
    const rwbs = isRead ? 'RS' : 'WS';
    if (detail && bl.requests.length > 0 && config.splitter === 'bio_split') {
      out.events.push({ timeNs: t++, layer: 'guest', action: 'Q', rwbs, sector: op.offset / 512, nSectors: units, opId: op.id });
      for (const r of bl.requests.slice(1)) out.events.push({ timeNs: t++, layer: 'guest', action: 'X', rwbs, sector: r.sector, nSectors: 0, opId: op.id });
    }
    let next = 0;
    let anyError = false;
    while (next < bl.requests.length) {
      /* Queue as many requests as the ring has slots for, then let the backend run the batch. */
      const shadows: Shadow[] = [];
      const batch: RingRequest[] = [];
      const batchOwner: { shadow: Shadow; firstSeg: number }[] = [];
      while (next < bl.requests.length && front.freeSlots >= front.slotsNeeded(bl.requests[next])) {
        const req = bl.requests[next++];
        if (detail) {
          if (config.splitter !== 'bio_split') out.events.push({ timeNs: t++, layer: 'guest', action: 'Q', rwbs, sector: req.sector, nSectors: req.nSectors, opId: op.id });
          out.events.push({ timeNs: t++, layer: 'guest', action: 'G', rwbs, sector: req.sector, nSectors: req.nSectors, opId: op.id });
          out.events.push({ timeNs: t++, layer: 'guest', action: 'D', rwbs, sector: req.sector, nSectors: req.nSectors, opId: op.id });
        }
        const sh = front.queue(req, op.id, seq++, buf);
        for (const h of sh.hazards) addHazard(out, h);
        shadows.push(sh);
        let firstSeg = 0;
        result.stats.ringRequests += sh.ring.length;
        for (const rr of sh.ring) {
          batch.push(rr);
          batchOwner.push({ shadow: sh, firstSeg });
          firstSeg += rr.segments.length;
        }
      }
      const res = backend.run(batch, { opId: op.id, timeNs: t, sectorSize: config.sectorSize, detail });
      for (const e of res.events) if (e.timeNs >= t) t = e.timeNs + 1;
      for (const r of res.replies) if ((r.timeNs ?? 0) >= t) t = (r.timeNs ?? 0) + 1;
      for (const tr of res.transfers) {
        const owner = batchOwner[tr.request];
        if (!owner) continue;
        const sh = owner.shadow;
        const k = owner.firstSeg + tr.segment;
        if (k >= sh.grantsUsed.length) continue;
        const g = sh.grantsUsed[k];
        const n = Math.floor((tr.frameEnd - tr.frameStart) / WIRE_SECTOR);
        const sector0 = tr.diskStart / WIRE_SECTOR;
        for (let j = 0; j < n; j++) {
          const frameByte = tr.frameStart + j * WIRE_SECTOR;
          let store: SlotStore;
          let slot: number;
          if (g >= 0) {
            store = front.pool.content;
            slot = g * SLOTS_PER_FRAME + frameByte / WIRE_SECTOR;
          } else {
            /* Zero-copy: the frame is the user page; only the chunk's window belongs to this buffer. */
            const rel = frameByte - sh.segFrameOff[k];
            if (rel < 0 || rel >= sh.segLen[k]) continue;
            store = buf;
            slot = (sh.segBuf[k] + rel) / WIRE_SECTOR;
          }
          const s = sector0 + j;
          if (isRead) {
            const o = overlay.slotOf(s);
            if (tr.staleFrom) store.set(slot, SRC_BACKEND_STALE, s, 0, -1, -1, -1);
            else if (o >= 0) store.set(slot, overlay.store.kind[o], overlay.store.a[o], overlay.store.b[o], s, op.id, sh.seq);
            else store.set(slot, SRC_IMAGE, s, 0, s, op.id, sh.seq);
            if (g < 0) {
              copiedBy[slot] = sh.seq;
              trace.srcFrame[slot] = -1;
              trace.srcSlot[slot] = -1;
            }
          } else overlay.write(s, store, slot, op.id);
        }
      }
      if (detail) {
        out.ring.push(...batch);
        out.backendIos.push(...res.ios);
        out.replies.push(...res.replies);
        out.events.push(...res.events);
      }
      for (const h of res.hazards) addHazard(out, h);
      for (const rep of res.replies) if (rep.status !== 'okay') anyError = true;
      const order = config.completionOrder === 'reverse' ? [...shadows].reverse() : shadows;
      for (const sh of order) {
        const done = front.complete(sh, buf, isRead, trace, detail);
        for (const c of done.copies) out.copies.push({ ...c, request: sh.request.index });
        for (const h of done.hazards) addHazard(out, h);
        if (detail) out.events.push({ timeNs: t++, layer: 'guest', action: 'C', rwbs, sector: sh.request.sector, nSectors: sh.request.nSectors, opId: op.id });
      }
    }
    if (anyError && out.result >= 0) out.result = -5; /* EIO: dio_complete with a failed bio */
    if (isRead && units > 0) {
      out.provenance = provenanceOf(buf, units, trace);
      if (disk) {
        out.bytes = bytesOf(buf, units, disk, dataOf, options.unknownFill);
        if (op.observed?.data) out.mismatches = diffRanges(out.bytes, op.observed.data);
      }
    }
    for (const h of out.hazards) result.hazards.push(h);
    clock = t;
    result.stats.ops++;
    result.stats.blockRequests += bl.requests.length;
    if (keep) result.ops.push(out);
    if (options.onOp) options.onOp(out);
  }
  result.pool = {
    pages: front.pool.pages,
    free: front.pool.freeCount,
    persistent: front.pool.persistentCount,
    freeList: detail ? front.pool.freeList() : [],
  };
  return result;
}

/** Hazard lists start as the shared empty list and become real arrays on the first hazard. */
function addHazard(out: OpReplay, h: Hazard): void {
  if (out.hazards === NONE) out.hazards = [];
  out.hazards.push(h);
}
