/**
 * xen-blkfront's data path (xen-block-models.md §1): blkif_queue_request builds ring requests from
 * the scatterlist and, with persistent grants, copies write data into pooled grant pages;
 * blkif_completion copies read data back. Each variant is modelled as the kernel did it, bugs included.
 */
import type { Hazard, RingRequest, RingSegment } from './types';
import type { BlockRequest } from './blockLayer';
import { BLKIF_MAX_SEGMENTS, BLK_RING_SIZE_1PAGE, SEGS_PER_INDIRECT_FRAME, WIRE_SECTOR, XEN_PAGE_SIZE, type ReplayConfig } from './config';
import { GrantPool, GrefStack, SLOTS_PER_FRAME } from './grantPool';
import { SRC_DESCRIPTORS, type SlotStore } from './slots';
import type { CopyTrace } from './provenance';

export type { CopyTrace } from './provenance';

/** One memcpy of the completion: grant page bytes → buffer bytes. */
export interface CompletionCopy {
  /** What the loop iterates: bvecs (b, c), scatterlist entries (d), 4 KiB grant chunks (e). */
  unit: 'bvec' | 'sg' | 'grant';
  index: number;
  /** grants_used[grantIndex] of the request. */
  grantIndex: number;
  grantPage: number;
  pageStart: number;
  pageEnd: number;
  bufStart: number;
  bufEnd: number;
}

/** What blkfront keeps per in-flight block request (struct blk_shadow, plus its extra request). */
export interface Shadow {
  /** Unique ring-request sequence number (labels bytes the backend wrote for this request). */
  seq: number;
  opId: number;
  request: BlockRequest;
  /** 1 ring request, or 2 with the 64 KiB-page extra request (associated_id). */
  ring: RingRequest[];
  /** Per data segment, across the ring requests in order: grant page (-1: zero-copy user frame). */
  grantsUsed: number[];
  /** Per data segment: in-frame byte offset, length and the buffer offset it carries. */
  segFrameOff: number[];
  segLen: number[];
  segBuf: number[];
  indirectGrants: number[];
  /** Zero-copy grant references to end at completion. */
  zeroCopyGrefs: number[];
  /** Found while queueing (e.g. the extra request's fixed sector). */
  hazards: Hazard[];
}

/** A 4 KiB grant-sized chunk of an sg entry (gnttab_foreach_grant_in_range); on x86 the sg entry itself. */
interface Chunk {
  page: number;
  /** Frame index within the Linux page (0 for 4 KiB pages). */
  sub: number;
  off: number;
  len: number;
  buf: number;
}

export class Blkfront {
  readonly pool: GrantPool;
  readonly grefs = new GrefStack();
  /** shadow_free: freed ids go back at the head (ADD_ID_TO_FREELIST), so ids are reused LIFO. */
  private readonly freeIds: number[] = [];
  readonly ringSize: number;

  constructor(readonly cfg: ReplayConfig) {
    this.pool = new GrantPool(cfg.pool);
    this.ringSize = BLK_RING_SIZE_1PAGE * cfg.ringPages;
    for (let id = this.ringSize - 1; id >= 0; id--) this.freeIds.push(id);
  }

  /** Ring slots a block request needs (2 for a modern extra request). */
  slotsNeeded(req: BlockRequest): number {
    if (this.cfg.variant !== 'e' || this.cfg.indirectSegments > 0) return 1;
    const grants = this.cfg.pageSize === XEN_PAGE_SIZE ? req.sg.length : this.chunks(req).length;
    return grants > BLKIF_MAX_SEGMENTS ? 2 : 1;
  }

  get freeSlots(): number {
    return this.freeIds.length;
  }

  private chunks(req: BlockRequest): Chunk[] {
    const out: Chunk[] = [];
    const split = this.cfg.variant === 'e';
    for (const sg of req.sg) {
      const buf0 = req.bvecs[sg.bvecs[0]].bufOffset;
      if (!split) {
        /* 3.x: one ring segment per sg entry, fsect = offset >> 9, lsect = fsect + (length >> 9) - 1 — even when
           a foreign queue limit let the entry cross the 4 KiB frame (then lsect > 7 and blkback rejects it). */
        out.push({ page: sg.page, sub: 0, off: sg.offset, len: sg.len, buf: buf0 });
        continue;
      }
      let pos = sg.offset;
      const end = sg.offset + sg.len;
      while (pos < end) {
        const sub = Math.floor(pos / XEN_PAGE_SIZE);
        const off = pos - sub * XEN_PAGE_SIZE;
        const len = Math.min(end - pos, XEN_PAGE_SIZE - off);
        out.push({ page: sg.page, sub, off, len, buf: buf0 + (pos - sg.offset) });
        pos += len;
      }
    }
    return out;
  }

  /**
   * blkif_queue_request. `buf` holds the operation's buffer labels (write data is copied from it).
   * The caller guarantees `slotsNeeded(req)` free ring slots.
   */
  queue(req: BlockRequest, opId: number, seq: number, buf: SlotStore): Shadow {
    const cfg = this.cfg;
    const chunks = this.chunks(req);
    const zeroCopy = cfg.variant === 'a' || (cfg.variant === 'e' && !cfg.bounce);
    const indirect = cfg.variant === 'e' && cfg.indirectSegments > 0 && chunks.length > BLKIF_MAX_SEGMENTS;
    const shadow: Shadow = {
      seq,
      opId,
      request: req,
      ring: [],
      grantsUsed: [],
      segFrameOff: [],
      segLen: [],
      segBuf: [],
      indirectGrants: [],
      zeroCopyGrefs: [],
      hazards: [],
    };
    const segments: RingSegment[] = [];
    for (let n = 0; n < chunks.length; n++) {
      const c = chunks[n];
      /* 402b27f9: the indirect frame for descriptors n..n+511 is taken just before data grant n. */
      if (indirect && n % SEGS_PER_INDIRECT_FRAME === 0) {
        const ig = this.pool.get();
        shadow.indirectGrants.push(ig);
        const base = ig * SLOTS_PER_FRAME;
        for (let k = 0; k < SLOTS_PER_FRAME; k++) this.pool.content.set(base + k, SRC_DESCRIPTORS, opId, k, -1, opId, seq);
      }
      const firstSect = c.off >> 9;
      const lastSect = firstSect + Math.ceil(c.len / WIRE_SECTOR) - 1;
      if (zeroCopy) {
        /* 005a1d15 (≤ 3.7): gnttab_grant_foreign_access of the bvec page itself; no copy. */
        const gref = this.grefs.claim();
        shadow.zeroCopyGrefs.push(gref);
        shadow.grantsUsed.push(-1);
        segments.push({ gref, grantPage: -1, firstSect, lastSect, userPage: c.page });
      } else {
        const g = this.pool.get();
        shadow.grantsUsed.push(g);
        if (req.op === 'write') {
          /* 0a8704a51: memcpy to the grant page at the SAME in-page offset; the rest of the page keeps old bytes. */
          this.pool.content.copyFrom(buf, c.buf / WIRE_SECTOR, g * SLOTS_PER_FRAME + firstSect, frameUnits(c.off, c.len));
        }
        segments.push({ gref: this.pool.gref[g], grantPage: g, firstSect, lastSect });
      }
      shadow.segFrameOff.push(c.off);
      shadow.segLen.push(c.len);
      shadow.segBuf.push(c.buf);
    }
    if (indirect || segments.length <= BLKIF_MAX_SEGMENTS) {
      shadow.ring.push(this.ringRequest(req, opId, segments, req.sector, indirect));
    } else {
      /*
       * c004a6fe0c40 blkif_setup_extra_req: without indirect descriptors the rest goes in an extra
       * request at sector_number + 11 * XEN_PAGE_SIZE / 512, a fixed +88 ("only present when the first
       * request uses all its segments"). When the first grant chunk is partial (an sg entry starting
       * mid-frame) the first 11 segments carry fewer than 88 sectors and the extra request lands past
       * a gap. Modelled literally (kernel text, Kingxukai/linux @ 0291023e); reported as 'sector-gap'.
       */
      const first = segments.slice(0, BLKIF_MAX_SEGMENTS);
      const firstSectors = first.reduce((n, x) => n + x.lastSect - x.firstSect + 1, 0);
      const fixed = (BLKIF_MAX_SEGMENTS * XEN_PAGE_SIZE) / WIRE_SECTOR;
      shadow.ring.push(this.ringRequest(req, opId, first, req.sector, false));
      shadow.ring.push(this.ringRequest(req, opId, segments.slice(BLKIF_MAX_SEGMENTS), req.sector + fixed, false));
      if (firstSectors !== fixed) shadow.hazards.push(sectorGapHazard(opId, req.sector, firstSectors, shadow.ring.map((r) => r.id)));
    }
    return shadow;
  }

  /** blkif_ring_get_request: a shadow id from the free list and the request it will carry. */
  private ringRequest(req: BlockRequest, opId: number, segments: RingSegment[], sector: number, indirect: boolean): RingRequest {
    return { id: this.freeIds.pop() ?? -1, op: req.op, sector, segments, indirect, opId, requestIndex: req.index };
  }

  /**
   * blkif_completion for a READ (copies into `buf`) or a WRITE (nothing to copy), then the grants
   * go back to the pool. Every copied 512-byte unit of the buffer is noted in `trace` (which
   * completion, which grant page slot); `record` also returns the copies as objects for display.
   * A BUG_ON becomes a 'bug-on' hazard.
   */
  complete(shadow: Shadow, buf: SlotStore, isRead: boolean, trace: CopyTrace, record: boolean): { copies: CompletionCopy[]; hazards: Hazard[] } {
    const done: { copies: CompletionCopy[]; hazards: Hazard[] } = { copies: [], hazards: [] };
    const v = this.cfg.variant;
    const nseg = shadow.grantsUsed.length;
    const zeroCopy = nseg > 0 && shadow.grantsUsed[0] < 0;
    if (isRead && !zeroCopy) {
      const bvecs = shadow.request.bvecs;
      if (v === 'b') {
        /* 0a8704a51: i = offset >> PAGE_SHIFT with offset += bv_len — assumes bvecs pack the grants densely. */
        let offset = 0;
        for (let j = 0; j < bvecs.length; j++) {
          const bv = bvecs[j];
          const i = offset >> 12;
          if (i >= nseg) {
            done.hazards.push(bugOn(shadow, bugOnPastSegments(i, nseg)));
            break;
          }
          this.copy(shadow, 'bvec', j, i, bv.offset, bv.len, bv.bufOffset, buf, trace, record ? done.copies : null);
          offset += bv.len;
        }
      } else if (v === 'c') {
        /* d62f69185: i++ when bv_offset goes backwards; offset = bv_offset + bv_len. */
        let i = 0;
        let offset = 0;
        for (let j = 0; j < bvecs.length; j++) {
          const bv = bvecs[j];
          if (bv.offset < offset) i++;
          if (i >= nseg) {
            /* BUG_ON(i >= s->req.u.rw.nr_segments): the guest would oops here. */
            done.hazards.push(bugOn(shadow, bugOnSegmentIndex(i, nseg, j)));
            break;
          }
          this.copy(shadow, 'bvec', j, i, bv.offset, bv.len, bv.bufOffset, buf, trace, record ? done.copies : null);
          offset = bv.offset + bv.len;
        }
      } else {
        /* b7649158a0d2: for_each_sg over the request's own scatterlist; modern: per 4 KiB grant chunk. */
        const unit = v === 'e' ? 'grant' : 'sg';
        for (let k = 0; k < nseg; k++) {
          this.copy(shadow, unit, k, k, shadow.segFrameOff[k], shadow.segLen[k], shadow.segBuf[k], buf, trace, record ? done.copies : null);
        }
      }
    }
    this.release(shadow);
    return done;
  }

  /** memcpy(bvec_data, grants_used[i] page + pageStart, len), on labels. */
  private copy(
    shadow: Shadow,
    unit: CompletionCopy['unit'],
    index: number,
    i: number,
    pageStart: number,
    len: number,
    bufStart: number,
    buf: SlotStore,
    trace: CopyTrace,
    copies: CompletionCopy[] | null,
  ): void {
    const g = shadow.grantsUsed[i];
    const n = frameUnits(pageStart, len);
    const src = g * SLOTS_PER_FRAME + pageStart / WIRE_SECTOR;
    const dst = bufStart / WIRE_SECTOR;
    buf.copyFrom(this.pool.content, src, dst, n);
    for (let u = 0; u < n; u++) {
      trace.copiedBy[dst + u] = shadow.seq;
      trace.srcFrame[dst + u] = g;
      trace.srcSlot[dst + u] = pageStart / WIRE_SECTOR + u;
    }
    if (copies) copies.push({ unit, index, grantIndex: i, grantPage: g, pageStart, pageEnd: pageStart + len, bufStart, bufEnd: bufStart + len });
  }

  /** Grants back to the pool in segment order, ring ids back to the free list. */
  private release(shadow: Shadow): void {
    for (const gref of shadow.zeroCopyGrefs) this.grefs.release(gref);
    const modernRevoked = this.cfg.variant === 'e' && !this.cfg.persistentGrants;
    for (const g of shadow.grantsUsed) {
      if (g < 0) continue;
      /* modern: gnttab_try_end_foreign_access succeeds (backend unmapped) ⇒ revoke and list_add_tail. */
      if (modernRevoked) this.pool.putTailRevoked(g);
      else this.pool.putHead(g);
    }
    for (const g of shadow.indirectGrants) {
      if (modernRevoked) this.pool.putTailRevoked(g);
      else this.pool.putHead(g);
    }
    for (const r of shadow.ring) if (r.id >= 0) this.freeIds.push(r.id);
  }
}

/** 512-byte units of [off, off+len) that lie inside one 4 KiB frame (an overlong entry is cut, not spilled). */
export function frameUnits(off: number, len: number): number {
  return Math.max(0, Math.min(off + len, FRAME_BYTES) - off) / UNIT_BYTES;
}

/* Read once: the columnar path calls frameUnits per copy, and under tsx / vitest an imported binding is a getter. */
const FRAME_BYTES = XEN_PAGE_SIZE;
const UNIT_BYTES = WIRE_SECTOR;

function bugOn(shadow: Shadow, message: string): Hazard {
  return bugOnHazard(shadow.opId, message, shadow.ring.map((r) => r.id));
}

/** A BUG_ON in blkif_completion, naming the ring requests of the shadow that hit it. */
export function bugOnHazard(opId: number, message: string, ringIds: number[]): Hazard {
  return { kind: 'bug-on', opId, message, refs: ringIds.map((id) => `ring request id ${id}`) };
}

/** 0a8704a51: `i = offset >> PAGE_SHIFT` ran past the request's grants. */
export function bugOnPastSegments(i: number, nseg: number): string {
  return `0a8704a51: grants_used[${i}] past nr_segments ${nseg}`;
}

/** d62f69185: BUG_ON(i >= s->req.u.rw.nr_segments) at bvec `j`. */
export function bugOnSegmentIndex(i: number, nseg: number, j: number): string {
  return `d62f69185: BUG_ON(i >= nr_segments): i=${i}, nr_segments=${nseg} at bvec ${j}`;
}

/** c004a6fe0c40: the extra request sits at a fixed +88 although the first one carried `firstSectors`. */
export function sectorGapHazard(opId: number, sector: number, firstSectors: number, ringIds: number[]): Hazard {
  const fixed = (BLKIF_MAX_SEGMENTS * XEN_PAGE_SIZE) / WIRE_SECTOR;
  return {
    kind: 'sector-gap',
    opId,
    message: `extra request at sector ${sector + fixed} but the first request ends at ${sector + firstSectors}: sectors [${sector + firstSectors}, ${sector + fixed}) are not transferred, data lands ${fixed - firstSectors} sectors off`,
    refs: ringIds.map((id) => `ring request id ${id}`),
  };
}
