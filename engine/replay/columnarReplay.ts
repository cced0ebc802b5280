/**
 * The streaming replay (`detail: false`) with the built-in blkback, without one JS object per
 * request: the block layer in RequestColumns, shadows / ring requests / segments of a batch in
 * reusable typed-array columns, blkback's dispatch (segments back to back from sector_number)
 * applied inline, provenance coalesced into integer runs. Labels, grant pool and run rules are
 * the detailed path's own (SlotStore, GrantPool, DiskOverlay, provenance.ts); the per-variant
 * queue and completion loops mirror Blkfront.queue / Blkfront.complete line for line, and the
 * property tests compare both paths and the naive reference on random workloads.
 * Objects (OpReplay, provenance sources, bytes) are built only for ops someone receives.
 */
import type { Hazard, WorkloadOp } from './types';
import { grow } from '../../parsers/model/columns';
import type { OpReplay, ReplayOptions, ReplayResult } from './replay';
import * as wire from './config';
import type { ReplayConfig } from './config';
import { bugOnHazard, bugOnPastSegments, bugOnSegmentIndex, frameUnits, sectorGapHazard } from './blkfront';
import * as grants from './grantPool';
import * as slots from './slots';
import { DiskOverlay, writePayloads } from './overlay';
import { bytesOf, diffRanges, RunTable, runsToProvenance, type CopyTrace } from './provenance';
import { PageRuns, RunBuffer } from './runLabels';
import { RequestColumns } from './requestColumns';
import type { Disk } from './disk';

/* Constants read once: under tsx and vitest an imported binding is a getter call at every use. */
const { BLKIF_MAX_SEGMENTS, BLK_RING_SIZE_1PAGE, SEGS_PER_INDIRECT_FRAME, WIRE_SECTOR, XEN_PAGE_SIZE } = wire;
const { GrantPool, SLOTS_PER_FRAME } = grants;
const { SRC_DESCRIPTORS, SRC_IMAGE } = slots;

const NONE: never[] = Object.freeze([]) as unknown as never[];
/** Op shapes (buffer, length) whose block layer is kept, one per slot (a power of two): a workload mostly repeats a few. */
const SHAPES = 4;

/** Blkfront + blkback for one replay, state in columns. A batch = the requests queued before the backend runs. */
class ColumnarFront {
  readonly pool: grants.GrantPool;
  /** The current op's block layer (one of `shapes`). */
  cols: RequestColumns;
  /** Block layers of the last few op shapes: an op of a shape seen recently only moves its sectors (RequestColumns.rebase). */
  readonly shapes: RequestColumns[] = [];
  /** A write's buffer per unit; a read's buffer per unit only when its op is delivered (materialized from `runs`). */
  readonly buf = new slots.SlotStore();
  /** A read's buffer as label runs, and the grant pages whose eight slots are one run. */
  readonly runs = new RunBuffer();
  readonly pages = new PageRuns();
  readonly trace: CopyTrace = { copiedBy: new Float64Array(0), srcFrame: new Float64Array(0), srcSlot: new Float64Array(0) };
  readonly overlay = new DiskOverlay();
  /** shadow_free as a stack (ids reused LIFO); Float64 because ring size is 32 × ringPages verbatim. */
  private ids: Float64Array;
  private nIds = 0;
  /** Shadows of the batch: request index, seq, and their ranges in the segment / indirect / ring columns. */
  private shReq = new Int32Array(32);
  private shSeq = new Float64Array(32);
  private shSeg = new Int32Array(32);
  private shSegN = new Int32Array(32);
  private shInd = new Int32Array(32);
  private shIndN = new Int32Array(32);
  private shRing = new Int32Array(32);
  private shRingN = new Int32Array(32);
  nSh = 0;
  /** Data segments of the batch: grant page (-1 zero-copy), in-frame offset, length, buffer offset, first/last sector. */
  private segGrant = new Int32Array(64);
  private segOff = new Float64Array(64);
  private segLen = new Float64Array(64);
  private segBuf = new Float64Array(64);
  private segFirst = new Float64Array(64);
  private segLast = new Float64Array(64);
  private nSeg = 0;
  private indPage = new Int32Array(8);
  private nInd = 0;
  /** Ring requests of the batch: id, sector_number, owning shadow, segment range. */
  private rrId = new Float64Array(32);
  private rrSector = new Float64Array(32);
  private rrSh = new Int32Array(32);
  private rrSeg = new Int32Array(32);
  private rrSegN = new Int32Array(32);
  private nRr = 0;
  private readonly zeroCopy: boolean;
  private readonly indirectOk: boolean;
  private readonly modernRevoked: boolean;
  private readonly lbs: number;

  constructor(private readonly cfg: ReplayConfig) {
    this.pool = new GrantPool(cfg.pool);
    for (let i = 0; i < SHAPES; i++) this.shapes.push(new RequestColumns(cfg, cfg.variant));
    this.cols = this.shapes[0];
    const ringSize = BLK_RING_SIZE_1PAGE * cfg.ringPages;
    this.ids = new Float64Array(Math.max(1, Math.ceil(ringSize)));
    for (let id = ringSize - 1; id >= 0; id--) this.ids[this.nIds++] = id;
    this.zeroCopy = cfg.variant === 'a' || (cfg.variant === 'e' && !cfg.bounce);
    this.indirectOk = cfg.variant === 'e' && cfg.indirectSegments > 0;
    this.modernRevoked = cfg.variant === 'e' && !cfg.persistentGrants;
    this.lbs = Math.max(1, cfg.sectorSize / 512);
  }

  /** Blkfront.slotsNeeded for request r: 2 for a modern extra request. */
  slotsNeeded(r: number): number {
    const cfg = this.cfg;
    if (cfg.variant !== 'e' || cfg.indirectSegments > 0) return 1;
    const c = this.cols;
    const grants = cfg.pageSize === XEN_PAGE_SIZE ? c.rSg[r] : c.rChunk[r + 1] - c.rChunk[r];
    return grants > BLKIF_MAX_SEGMENTS ? 2 : 1;
  }

  get freeSlots(): number {
    return this.nIds;
  }

  /**
   * The block layer of `op` as `cols`: the shape's slot (by buffer address and length) rebased when it
   * holds that shape, else built there (RequestColumns.build).
   */
  buildRequests(op: WorkloadOp, deviceBytes: number): RequestColumns {
    const cols = this.shapes[((op.bufAddr >>> 9) ^ (op.length >>> 9)) & (SHAPES - 1)];
    this.cols = cols;
    if (!cols.rebase(op, deviceBytes)) cols.build(op, deviceBytes);
    return cols;
  }

  startBatch(): void {
    this.nSh = 0;
    this.nSeg = 0;
    this.nInd = 0;
    this.nRr = 0;
  }

  /** Blkfront.queue for request r; returns the number of ring requests it became. */
  queue(r: number, opId: number, seq: number, isWrite: boolean, hazards: Hazard[]): number {
    const c = this.cols;
    const pool = this.pool;
    const c0 = c.rChunk[r];
    const nch = c.rChunk[r + 1] - c0;
    const indirect = this.indirectOk && nch > BLKIF_MAX_SEGMENTS;
    const sh = this.nSh++;
    if (sh === this.shReq.length) this.growShadows();
    this.shReq[sh] = r;
    this.shSeq[sh] = seq;
    this.shSeg[sh] = this.nSeg;
    this.shSegN[sh] = nch;
    this.shInd[sh] = this.nInd;
    this.ensureSegments(this.nSeg + nch);
    for (let n = 0; n < nch; n++) {
      const ch = c0 + n;
      /* 402b27f9: the indirect frame for descriptors n..n+511 is taken just before data grant n. */
      if (indirect && n % SEGS_PER_INDIRECT_FRAME === 0) this.takeIndirectFrame(opId, seq);
      const off = c.cOff[ch];
      const len = c.cLen[ch];
      const firstSect = off >> 9;
      let g = -1;
      if (!this.zeroCopy) {
        g = pool.get();
        /* 0a8704a51: memcpy to the grant page at the SAME in-page offset. */
        if (isWrite) this.copyToGrant(g, off, len, c.cBuf[ch]);
      }
      const k = this.nSeg++;
      this.segGrant[k] = g;
      this.segOff[k] = off;
      this.segLen[k] = len;
      this.segBuf[k] = c.cBuf[ch];
      this.segFirst[k] = firstSect;
      this.segLast[k] = firstSect + Math.ceil(len / WIRE_SECTOR) - 1;
    }
    this.shIndN[sh] = this.nInd - this.shInd[sh];
    this.shRing[sh] = this.nRr;
    const s0 = this.shSeg[sh];
    const sector = c.rSector[r];
    if (indirect || nch <= BLKIF_MAX_SEGMENTS) this.pushRing(sh, s0, nch, sector);
    else this.pushExtra(sh, s0, nch, sector, opId, hazards);
    this.shRingN[sh] = this.nRr - this.shRing[sh];
    return this.shRingN[sh];
  }

  private takeIndirectFrame(opId: number, seq: number): void {
    const ig = this.pool.get();
    this.indPage = grow(Int32Array, this.indPage, this.nInd + 1);
    this.indPage[this.nInd++] = ig;
    /* Slot k: SRC_DESCRIPTORS (opId, k), not from disk, written by this op and request: one run. */
    this.pages.set(ig, SRC_DESCRIPTORS, opId, 0, -1, opId, seq);
  }

  /** 0a8704a51: a write's memcpy to the grant page at the SAME in-page offset. */
  private copyToGrant(g: number, off: number, len: number, bufStart: number): void {
    const content = this.pool.content;
    const n = frameUnits(off, len);
    const at = g * SLOTS_PER_FRAME + (off >> 9);
    /* The slots are written one by one: the page leaves the run form (and any page the window reaches). */
    if (n > 0) this.pages.materializeRange(g, Math.floor((at + n - 1) / SLOTS_PER_FRAME), content);
    content.copyFrom(this.buf, bufStart / WIRE_SECTOR, at, n);
  }

  /** c004a6fe0c40 blkif_setup_extra_req: the rest at a fixed sector_number + 88 (see Blkfront.queue). */
  private pushExtra(sh: number, s0: number, nch: number, sector: number, opId: number, hazards: Hazard[]): void {
    let firstSectors = 0;
    for (let k = s0; k < s0 + BLKIF_MAX_SEGMENTS; k++) firstSectors += this.segLast[k] - this.segFirst[k] + 1;
    const fixed = (BLKIF_MAX_SEGMENTS * XEN_PAGE_SIZE) / WIRE_SECTOR;
    this.pushRing(sh, s0, BLKIF_MAX_SEGMENTS, sector);
    this.pushRing(sh, s0 + BLKIF_MAX_SEGMENTS, nch - BLKIF_MAX_SEGMENTS, sector + fixed);
    if (firstSectors !== fixed) hazards.push(sectorGapHazard(opId, sector, firstSectors, this.ringIds(sh)));
  }

  private pushRing(sh: number, seg: number, nseg: number, sector: number): void {
    const i = this.nRr++;
    if (i === this.rrId.length) {
      this.rrId = grow(Float64Array, this.rrId, i + 1);
      this.rrSector = grow(Float64Array, this.rrSector, i + 1);
      this.rrSh = grow(Int32Array, this.rrSh, i + 1);
      this.rrSeg = grow(Int32Array, this.rrSeg, i + 1);
      this.rrSegN = grow(Int32Array, this.rrSegN, i + 1);
    }
    /* blkif_ring_get_request: an id from the free list (-1 if none, as Blkfront.ringRequest). */
    this.rrId[i] = this.nIds > 0 ? this.ids[--this.nIds] : -1;
    this.rrSector[i] = sector;
    this.rrSh[i] = sh;
    this.rrSeg[i] = seg;
    this.rrSegN[i] = nseg;
  }

  private ringIds(sh: number): number[] {
    const out: number[] = [];
    for (let i = this.shRing[sh]; i < this.nRr && this.rrSh[i] === sh; i++) out.push(this.rrId[i]);
    return out;
  }

  /**
   * blkback.run on the batch, applied to the labels as replay.ts applies BackendTransfers: a ring request
   * is rejected (error reply, nothing moved) when a segment is invalid or not in whole logical blocks;
   * otherwise segment k moves disk sectors from sector_number + Σ earlier counts. Returns whether any reply failed.
   */
  runBackend(isRead: boolean, opId: number): boolean {
    const pool = this.pool.content;
    const overlay = this.overlay;
    const pages = this.pages;
    const lbs = this.lbs;
    let anyError = false;
    for (let rr = 0; rr < this.nRr; rr++) {
      const s0 = this.rrSeg[rr];
      const s1 = s0 + this.rrSegN[rr];
      let bad = s1 === s0;
      let misaligned = lbs > 1 && this.rrSector[rr] % lbs !== 0;
      let total = 0;
      for (let k = s0; k < s1; k++) {
        const nsec = this.segLast[k] - this.segFirst[k] + 1;
        if (this.segLast[k] >= 8 || this.segLast[k] < this.segFirst[k]) bad = true;
        if (lbs > 1 && nsec % lbs !== 0) misaligned = true;
        total += nsec;
      }
      if (bad || misaligned || total === 0) {
        anyError = true;
        continue;
      }
      const seq = this.shSeq[this.rrSh[rr]];
      let sec = this.rrSector[rr];
      for (let k = s0; k < s1; k++) {
        const first = this.segFirst[k];
        const nsec = this.segLast[k] - first + 1;
        const g = this.segGrant[k];
        if (g >= 0 && isRead && !overlay.anyIn(sec, nsec)) {
          /* Slots first..last from the image in one transfer: one run, sector sec onwards. */
          if (nsec === SLOTS_PER_FRAME) pages.set(g, SRC_IMAGE, sec, 0, sec, opId, seq);
          else pages.write(g, first, nsec, SRC_IMAGE, sec, 0, sec, opId, seq, pool);
        } else this.transferUnits(k, sec, isRead, opId, seq);
        sec += nsec;
      }
    }
    return anyError;
  }

  /**
   * Segment k's sectors from `sec` one by one: a read into a grant page over sectors the workload
   * wrote, a write from a grant page or from the user page (zero-copy), a zero-copy read.
   */
  private transferUnits(k: number, sec: number, isRead: boolean, opId: number, seq: number): void {
    const pool = this.pool.content;
    const overlay = this.overlay;
    const pages = this.pages;
    const first = this.segFirst[k];
    const nsec = this.segLast[k] - first + 1;
    const g = this.segGrant[k];
    if (g >= 0 && isRead) {
      const ov = overlay.store;
      for (let j = 0; j < nsec; j++) {
        const s = sec + j;
        const o = overlay.slotOf(s);
        if (o >= 0) pages.write(g, first + j, 1, ov.kind[o], ov.a[o], ov.b[o], s, opId, seq, pool);
        else pages.write(g, first + j, 1, SRC_IMAGE, s, 0, s, opId, seq, pool);
      }
      return;
    }
    /* A write from a grant page (its slots, unit by unit), or zero-copy: the user page, only the chunk's window this buffer's. */
    if (g >= 0) pages.materialize(g, pool);
    const store = g >= 0 ? pool : this.buf;
    for (let j = 0; j < nsec; j++) {
      let slot: number;
      if (g >= 0) slot = g * SLOTS_PER_FRAME + first + j;
      else {
        const rel = (first + j) * WIRE_SECTOR - this.segOff[k];
        if (rel < 0 || rel >= this.segLen[k]) continue;
        slot = (this.segBuf[k] + rel) / WIRE_SECTOR;
      }
      const s = sec + j;
      if (!isRead) {
        overlay.write(s, store, slot, opId);
        continue;
      }
      /* Zero-copy read: the backend writes the user page, a unit the completion "copied" from no frame. */
      const o = overlay.slotOf(s);
      if (o >= 0) {
        const ov = overlay.store;
        this.runs.add(slot, 1, ov.kind[o], ov.a[o], ov.b[o], s, opId, seq, seq, -1, -1);
      } else this.runs.add(slot, 1, SRC_IMAGE, s, 0, s, opId, seq, seq, -1, -1);
    }
  }

  /** Blkfront.complete for shadow sh of the batch: the variant's copy loop, then the grants and ids go back. */
  complete(sh: number, isRead: boolean, opId: number, hazards: Hazard[]): void {
    const nseg = this.shSegN[sh];
    const s0 = this.shSeg[sh];
    const zeroCopy = nseg > 0 && this.segGrant[s0] < 0;
    if (isRead && !zeroCopy) {
      const v = this.cfg.variant;
      const c = this.cols;
      const r = this.shReq[sh];
      const p0 = c.rPiece[r];
      const p1 = c.rPiece[r + 1];
      if (v === 'b') {
        /* 0a8704a51: i = offset >> PAGE_SHIFT with offset += bv_len. */
        let offset = 0;
        for (let j = p0; j < p1; j++) {
          const i = offset >> 12;
          if (i >= nseg) {
            hazards.push(bugOnHazard(opId, bugOnPastSegments(i, nseg), this.ringIds(sh)));
            break;
          }
          this.copy(sh, s0 + i, c.pOff[j], c.pLen[j], c.pBuf[j]);
          offset += c.pLen[j];
        }
      } else this.copyBySegments(sh, v, s0, nseg, p0, p1, opId, hazards);
    }
    this.release(sh);
  }

  /** Blkfront.complete's copy loops of variants c, d and e. */
  private copyBySegments(sh: number, v: string, s0: number, nseg: number, p0: number, p1: number, opId: number, hazards: Hazard[]): void {
    const c = this.cols;
    if (v === 'c') {
      /* d62f69185: i++ when bv_offset goes backwards; offset = bv_offset + bv_len. */
      let i = 0;
      let offset = 0;
      for (let j = p0; j < p1; j++) {
        if (c.pOff[j] < offset) i++;
        if (i >= nseg) {
          hazards.push(bugOnHazard(opId, bugOnSegmentIndex(i, nseg, j - p0), this.ringIds(sh)));
          break;
        }
        this.copy(sh, s0 + i, c.pOff[j], c.pLen[j], c.pBuf[j]);
        offset = c.pOff[j] + c.pLen[j];
      }
      return;
    }
    /* b7649158a0d2 for_each_sg; modern: per 4 KiB grant chunk. */
    for (let k = s0; k < s0 + nseg; k++) this.copy(sh, k, this.segOff[k], this.segLen[k], this.segBuf[k]);
  }

  /** memcpy(bvec_data, grants_used[i] page + pageStart, len), on labels, noting each unit's origin. */
  private copy(sh: number, seg: number, pageStart: number, len: number, bufStart: number): void {
    const g = this.segGrant[seg];
    /* frameUnits(pageStart, len), inline: the units of the window inside the frame. */
    const n = Math.max(0, Math.min(pageStart + len, XEN_PAGE_SIZE) - pageStart) / WIRE_SECTOR;
    const slot0 = pageStart / WIRE_SECTOR;
    const dst = bufStart / WIRE_SECTOR;
    const seq = this.shSeq[sh];
    if (slot0 + n <= SLOTS_PER_FRAME) {
      this.pages.copyRange(g, slot0, n, this.runs, dst, seq, g, slot0, this.pool.content);
      return;
    }
    this.copyUnits(g, slot0, n, dst, seq);
  }

  /** A window past its frame reads the next pages' slots, unit by unit. */
  private copyUnits(g: number, slot0: number, n: number, dst: number, seq: number): void {
    const content = this.pool.content;
    this.pages.materializeRange(g, Math.floor((g * SLOTS_PER_FRAME + slot0 + n - 1) / SLOTS_PER_FRAME), content);
    const { kind, a, b, from, wOp, wSeq } = content;
    for (let u = 0; u < n; u++) {
      const s = g * SLOTS_PER_FRAME + slot0 + u;
      this.runs.add(dst + u, 1, kind[s], a[s], b[s], from[s], wOp[s], wSeq[s], seq, g, slot0 + u);
    }
  }

  /** Blkfront.release: grants in segment order, then indirect frames, then ring ids. */
  private release(sh: number): void {
    const pool = this.pool;
    const revoked = this.modernRevoked;
    for (let k = this.shSeg[sh]; k < this.shSeg[sh] + this.shSegN[sh]; k++) {
      const g = this.segGrant[k];
      if (g < 0) continue;
      if (revoked) pool.putTailRevoked(g);
      else pool.putHead(g);
    }
    for (let k = this.shInd[sh]; k < this.shInd[sh] + this.shIndN[sh]; k++) {
      if (revoked) pool.putTailRevoked(this.indPage[k]);
      else pool.putHead(this.indPage[k]);
    }
    for (let i = this.shRing[sh]; i < this.shRing[sh] + this.shRingN[sh]; i++) {
      const id = this.rrId[i];
      if (id >= 0) this.ids[this.nIds++] = id;
    }
  }

  private growShadows(): void {
    const n = this.shReq.length * 2;
    this.shReq = grow(Int32Array, this.shReq, n);
    this.shSeq = grow(Float64Array, this.shSeq, n);
    this.shSeg = grow(Int32Array, this.shSeg, n);
    this.shSegN = grow(Int32Array, this.shSegN, n);
    this.shInd = grow(Int32Array, this.shInd, n);
    this.shIndN = grow(Int32Array, this.shIndN, n);
    this.shRing = grow(Int32Array, this.shRing, n);
    this.shRingN = grow(Int32Array, this.shRingN, n);
  }

  private ensureSegments(n: number): void {
    if (n <= this.segGrant.length) return;
    this.segGrant = grow(Int32Array, this.segGrant, n);
    this.segOff = grow(Float64Array, this.segOff, n);
    this.segLen = grow(Float64Array, this.segLen, n);
    this.segBuf = grow(Float64Array, this.segBuf, n);
    this.segFirst = grow(Float64Array, this.segFirst, n);
    this.segLast = grow(Float64Array, this.segLast, n);
  }
}

/**
 * replay() for `detail: false` with the built-in blkback (the caller checks both and has validated
 * the configuration). Same results as the detailed loop run with `detail: false`.
 */
export function replayColumnar(ops: WorkloadOp[], config: ReplayConfig, disk: Disk | undefined, options: ReplayOptions, result: ReplayResult): ReplayResult {
  const keep = options.keepOps !== false;
  const emit = keep || options.onOp !== undefined;
  const front = new ColumnarFront(config);
  const { buf, trace, runs: labels } = front;
  const runs = new RunTable();
  const dataOf = writePayloads(ops);
  const deviceBytes = disk ? disk.sectors * WIRE_SECTOR : Infinity;
  const reverse = config.completionOrder === 'reverse';
  /* One op's hazards (rare): a reused list, copied out for the op's result. */
  const hazards: Hazard[] = [];
  let seq = 0;
  let ringRequests = 0;
  let blockRequests = 0;
  let nOps = 0;
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    const cols = front.buildRequests(op, deviceBytes);
    const length = cols.length;
    const units = length / WIRE_SECTOR;
    const isRead = op.op === 'read';
    if (isRead) labels.clear(units);
    else {
      buf.reset(units);
      buf.fillUser(units, op.id);
    }
    if (hazards.length > 0) hazards.length = 0;
    let anyError = false;
    let next = 0;
    const nReq = cols.requests;
    while (next < nReq) {
      /* Queue as many requests as the ring has slots for, then let the backend run the batch. */
      front.startBatch();
      while (next < nReq && front.freeSlots >= front.slotsNeeded(next)) {
        ringRequests += front.queue(next++, op.id, seq++, !isRead, hazards);
      }
      if (front.runBackend(isRead, op.id)) anyError = true;
      const n = front.nSh;
      for (let i = 0; i < n; i++) front.complete(reverse ? n - 1 - i : i, isRead, op.id, hazards);
    }
    let res = cols.error ? -cols.error.errno : length;
    if (anyError && res >= 0) res = -5; /* EIO: dio_complete with a failed bio */
    if (isRead && units > 0) labels.runsInto(units, runs);
    for (let i = 0; i < hazards.length; i++) result.hazards.push(hazards[i]);
    nOps++;
    blockRequests += nReq;
    if (!emit) continue;
    const out: OpReplay = {
      opId: op.id,
      op: op.op,
      offset: op.offset,
      length: op.length,
      result: res,
      requests: NONE,
      ring: NONE,
      copies: NONE,
      backendIos: NONE,
      replies: NONE,
      events: NONE,
      provenance: NONE,
      hazards: hazards.length > 0 ? hazards.slice() : NONE,
    };
    if (cols.error) out.error = cols.error;
    if (isRead && units > 0) {
      /* The delivered op's buffer per unit, for the source objects and bytes (same rules as the detailed path). */
      if (trace.copiedBy.length < units) {
        trace.copiedBy = new Float64Array(units);
        trace.srcFrame = new Float64Array(units);
        trace.srcSlot = new Float64Array(units);
      }
      labels.materialize(units, buf, trace);
      out.provenance = runsToProvenance(buf, runs, trace);
      if (disk) {
        out.bytes = bytesOf(buf, units, disk, dataOf, options.unknownFill);
        if (op.observed?.data) out.mismatches = diffRanges(out.bytes, op.observed.data);
      }
    }
    if (keep) result.ops.push(out);
    if (options.onOp) options.onOp(out);
  }
  result.stats.ops += nOps;
  result.stats.ringRequests += ringRequests;
  result.stats.blockRequests += blockRequests;
  result.pool = { pages: front.pool.pages, free: front.pool.freeCount, persistent: front.pool.persistentCount, freeList: [] };
  return result;
}
