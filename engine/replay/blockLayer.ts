/**
 * The guest block layer between an O_DIRECT syscall and blkfront (xen-block-models.md §2):
 * user buffer → bio_vecs cut at virtual page boundaries → requests bounded by the queue limits →
 * blk_rq_map_sg scatterlists.
 */
import type { Bvec, SgEntry, WorkloadOp } from './types';
import type { QueueLimits, Splitter } from './config';

export interface BlockLayerConfig {
  pageSize: number;
  /** Logical block size: offset, length and every iovec base/len must be multiples (fs/direct-io.c). */
  sectorSize: number;
  limits: QueueLimits;
  splitter: Splitter;
  pageAssignment: 'distinct' | 'contiguous';
}

/** One block-layer request (a bio in 3.x direct-io: the limits keep it from merging with its neighbour). */
export interface BlockRequest {
  /** Index within the operation. */
  index: number;
  op: 'read' | 'write';
  /** Start in 512-byte sectors and length. */
  sector: number;
  nSectors: number;
  /** Byte range of the operation's buffer (concatenated iovecs) it carries. */
  bufStart: number;
  bufEnd: number;
  bvecs: Bvec[];
  /** blk_rq_map_sg result; SgEntry.bvecs index into this request's `bvecs`. */
  sg: SgEntry[];
}

export interface BlockLayerResult {
  /** Bytes the syscall transfers (after EOF truncation); 0 with error set on failure. */
  length: number;
  requests: BlockRequest[];
  /** Errno the syscall fails with before any I/O (EINVAL for misalignment). */
  error?: { errno: number; name: string; message: string };
}

/** Physical address of (page, offset) under the assignment policy (distinct pages are never adjacent). */
function phys(page: number, offset: number, pageSize: number, assignment: 'distinct' | 'contiguous'): number {
  return (assignment === 'contiguous' ? page : page * 2) * pageSize + offset;
}

/**
 * __blk_segment_map_sg merge test (§2.2): BIOVEC_PHYS_MERGEABLE (generic + xen_biovec_phys_mergeable:
 * same or next frame) and BIOVEC_SEG_BOUNDARY on the previous bvec's start and the new bvec's end.
 * The segment-size test is the caller's (it needs the sg entry's running length).
 */
export function bvecsMergeable(a: Bvec, b: Bvec, cfg: BlockLayerConfig): boolean {
  return piecesMergeable(a.page, a.offset, a.len, b.page, b.offset, b.len, cfg);
}

/** bvecsMergeable on plain numbers (the columnar block layer keeps bvecs in typed arrays). */
export function piecesMergeable(aPage: number, aOffset: number, aLen: number, bPage: number, bOffset: number, bLen: number, cfg: BlockLayerConfig): boolean {
  const { pageSize, pageAssignment } = cfg;
  if (aPage !== bPage) {
    if (pageAssignment !== 'contiguous' || bPage !== aPage + 1) return false;
    /* biomerge.c (≥ 4.4): never merge when XEN_PAGE_SIZE != PAGE_SIZE. */
    if (pageSize !== 4096) return false;
  }
  const aStart = phys(aPage, aOffset, pageSize, pageAssignment);
  if (aStart + aLen !== phys(bPage, bOffset, pageSize, pageAssignment)) return false;
  const mask = cfg.limits.segBoundaryMask;
  const bEnd = phys(bPage, bOffset, pageSize, pageAssignment) + bLen - 1;
  return Math.floor(aStart / (mask + 1)) === Math.floor(bEnd / (mask + 1));
}

/** blk_rq_map_sg over one request's bvecs (§2.2): for blkfront, maximal byte-contiguous runs in one page. */
export function mapSg(bvecs: Bvec[], cfg: BlockLayerConfig): SgEntry[] {
  const out: SgEntry[] = [];
  let cur: SgEntry | null = null;
  for (let i = 0; i < bvecs.length; i++) {
    const b = bvecs[i];
    if (cur && cur.len + b.len <= cfg.limits.maxSegmentSize && bvecsMergeable(bvecs[i - 1], b, cfg)) {
      cur.len += b.len;
      cur.bvecs.push(i);
    } else {
      cur = { page: b.page, offset: b.offset, len: b.len, bvecs: [i] };
      out.push(cur);
    }
  }
  return out;
}

/**
 * dio user pages → bvecs (§2.1): each iovec cut at virtual page boundaries, `bv_offset = VA mod
 * PAGE_SIZE`; a chunk that continues the previous bvec in the same page extends it (bio_add_page).
 */
export function dioToBvecs(op: WorkloadOp, length: number, pageSize: number): Bvec[] {
  const iovecs = op.iovecs ?? [{ base: op.bufAddr, len: op.length }];
  const out: Bvec[] = [];
  let done = 0;
  for (const iov of iovecs) {
    let va = iov.base;
    let left = Math.min(iov.len, length - done);
    while (left > 0) {
      const page = Math.floor(va / pageSize);
      const offset = va - page * pageSize;
      const len = Math.min(left, pageSize - offset);
      const prev = out[out.length - 1];
      if (prev && prev.page === page && prev.offset + prev.len === offset) prev.len += len;
      else out.push({ page, offset, len, bufOffset: done });
      va += len;
      done += len;
      left -= len;
    }
    if (done >= length) break;
  }
  return out;
}

export const EINVAL = { errno: 22, name: 'EINVAL' };
/** rw_verify_area: a single read/write transfers at most MAX_RW_COUNT (INT_MAX & PAGE_MASK) bytes. */
export const MAX_RW_COUNT = 0x7ffff000;

/** Alignment checks of do_blockdev_direct_IO / __blkdev_direct_IO: offset, length, each iovec. */
export function alignmentError(op: WorkloadOp, sectorSize: number): string | null {
  if (!Number.isFinite(op.offset) || op.offset < 0) return `offset ${op.offset} invalid`;
  if (!Number.isFinite(op.length) || op.length < 0) return `length ${op.length} invalid`;
  if (op.offset % sectorSize !== 0) return `offset ${op.offset} not a multiple of ${sectorSize}`;
  if (op.length % sectorSize !== 0) return `length ${op.length} not a multiple of ${sectorSize}`;
  for (const iov of op.iovecs ?? [{ base: op.bufAddr, len: op.length }]) {
    if (iov.base % sectorSize !== 0 || iov.len % sectorSize !== 0)
      return `buffer 0x${iov.base.toString(16)}+${iov.len} not ${sectorSize}-aligned`;
  }
  return null;
}

/**
 * The requests one O_DIRECT operation becomes. `deviceBytes` truncates at the end of the device
 * (reads across it are short, reads at/after it transfer nothing).
 */
export function buildRequests(op: WorkloadOp, cfg: BlockLayerConfig, deviceBytes = Infinity): BlockLayerResult {
  const bad = alignmentError(op, cfg.sectorSize);
  if (bad) return { length: 0, requests: [], error: { ...EINVAL, message: bad } };
  /* rw_verify_area: a single read/write transfers at most MAX_RW_COUNT (INT_MAX & PAGE_MASK) bytes. */
  const length = Math.max(0, Math.min(op.length, MAX_RW_COUNT, deviceBytes - op.offset));
  if (length === 0) return { length: 0, requests: [] };
  const bvecs = dioToBvecs(op, length, cfg.pageSize);
  const pieces = cfg.splitter === 'bio_split' ? splitBio(bvecs, cfg) : addPageSplit(bvecs, cfg);
  const requests: BlockRequest[] = [];
  for (const list of pieces) {
    const bufStart = list[0].bufOffset;
    const last = list[list.length - 1];
    const bufEnd = last.bufOffset + last.len;
    requests.push({
      index: requests.length,
      op: op.op,
      sector: (op.offset + bufStart) / 512,
      nSectors: (bufEnd - bufStart) / 512,
      bufStart,
      bufEnd,
      bvecs: list,
      sg: mapSg(list, cfg),
    });
  }
  return { length, requests };
}

/**
 * 3.x direct-io: bio_add_page refuses a bvec that would exceed max_sectors or need one physical
 * segment too many; dio_bio_submit then opens a new bio at the next sector (the 44 KiB + 20 KiB
 * split of §2.1). The refused bvec is never cut.
 */
function addPageSplit(bvecs: Bvec[], cfg: BlockLayerConfig): Bvec[][] {
  const maxBytes = cfg.limits.maxSectors * 512;
  const out: Bvec[][] = [];
  let cur: Bvec[] = [];
  let bytes = 0;
  let segs = 0;
  let segLen = 0;
  for (const b of bvecs) {
    const prev = cur[cur.length - 1];
    const merges = prev !== undefined && segLen + b.len <= cfg.limits.maxSegmentSize && bvecsMergeable(prev, b, cfg);
    if (cur.length > 0 && (bytes + b.len > maxBytes || (!merges && segs + 1 > cfg.limits.maxSegments))) {
      out.push(cur);
      cur = [];
      bytes = 0;
      segs = 0;
    }
    if (cur.length > 0 && merges) segLen += b.len;
    else {
      segs++;
      segLen = b.len;
    }
    cur.push(b);
    bytes += b.len;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * blk-mq blk_bio_segment_split: split before the bvec that needs segment max_segments+1, or inside
 * the bvec where max_sectors is reached (rounded down to the logical block size).
 */
function splitBio(bvecs: Bvec[], cfg: BlockLayerConfig): Bvec[][] {
  const maxBytes = cfg.limits.maxSectors * 512;
  const out: Bvec[][] = [];
  let cur: Bvec[] = [];
  let bytes = 0;
  let segs = 0;
  let segLen = 0;
  const close = () => {
    out.push(cur);
    cur = [];
    bytes = 0;
    segs = 0;
    segLen = 0;
  };
  for (const whole of bvecs) {
    let b: Bvec = { ...whole };
    while (b.len > 0) {
      const prev = cur[cur.length - 1];
      const merges = prev !== undefined && segLen + b.len <= cfg.limits.maxSegmentSize && bvecsMergeable(prev, b, cfg);
      if (!merges && cur.length > 0 && segs + 1 > cfg.limits.maxSegments) {
        close();
        continue;
      }
      const room = maxBytes - bytes;
      if (b.len <= room) {
        if (merges) segLen += b.len;
        else {
          segs++;
          segLen = b.len;
        }
        cur.push(b);
        bytes += b.len;
        break;
      }
      let take = Math.floor(room / cfg.sectorSize) * cfg.sectorSize;
      /* A limit below one logical block still has to make progress. */
      if (take === 0 && cur.length === 0) take = Math.min(b.len, cfg.sectorSize);
      if (take > 0) {
        cur.push({ page: b.page, offset: b.offset, len: take, bufOffset: b.bufOffset });
        b = { page: b.page, offset: b.offset + take, len: b.len - take, bufOffset: b.bufOffset + take };
      }
      close();
    }
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
