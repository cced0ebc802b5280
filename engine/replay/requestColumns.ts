/**
 * The guest block layer of blockLayer.ts in typed-array columns, for the streaming replay: one
 * reusable scratch per replay, no object per bvec, request or scatterlist entry. The rules are
 * blockLayer.ts's (dio user pages → bvecs, bio_add_page or blk_bio_segment_split, blk_rq_map_sg,
 * and blkfront's 4 KiB grant chunks); the property tests compare both, op by op.
 */
import type { WorkloadOp } from './types';
import { grow } from '../../parsers/model/columns';
import * as blockLayer from './blockLayer';
import type { BlockLayerConfig } from './blockLayer';
import * as wire from './config';
import type { Variant } from './config';

/* Constants read once: under tsx and vitest an imported binding is a getter call at every use. */
const { alignmentError, EINVAL, MAX_RW_COUNT, piecesMergeable } = blockLayer;
const { XEN_PAGE_SIZE } = wire;

export class RequestColumns {
  /** bvecs of the operation (dioToBvecs). */
  bvPage = new Float64Array(16);
  bvOff = new Float64Array(16);
  bvLen = new Float64Array(16);
  bvBuf = new Float64Array(16);
  bvecs = 0;
  /** Pieces: the bvecs as the requests carry them (bio_split may cut one), request after request. */
  pPage = new Float64Array(16);
  pOff = new Float64Array(16);
  pLen = new Float64Array(16);
  pBuf = new Float64Array(16);
  pieces = 0;
  /** Requests: pieces [rPiece[r], rPiece[r+1]), chunks [rChunk[r], rChunk[r+1]), scatterlist length. */
  rPiece = new Int32Array(16);
  rChunk = new Int32Array(16);
  rSg = new Int32Array(16);
  rSector = new Float64Array(16);
  rSectors = new Float64Array(16);
  requests = 0;
  /** Chunks: blkfront's ring segments before grants (sg entries; 4 KiB pieces of them in variant e). */
  cPage = new Float64Array(16);
  cOff = new Float64Array(16);
  cLen = new Float64Array(16);
  cBuf = new Float64Array(16);
  chunks = 0;
  /** Bytes the syscall transfers; 0 with `error` set when it fails before any I/O. */
  length = 0;
  error: { errno: number; name: string; message: string } | undefined = undefined;
  /**
   * What the columns were built for, when only the file offset can differ for an op of the same shape:
   * a single buffer (address, requested length) that passed the alignment tests, and the bytes moved.
   * Every split depends on the buffer and the length alone; the offset only shifts the sectors. -1: none.
   */
  private shapeBuf = -1;
  private shapeOpLen = -1;
  private shapeLength = -1;

  constructor(
    private readonly cfg: BlockLayerConfig,
    private readonly variant: Variant,
  ) {}

  /**
   * Whether `op` has the shape the columns hold (same buffer and lengths, an aligned offset); if so the
   * columns become buildRequests(op) by moving each request's sector_number (what build would give).
   */
  rebase(op: WorkloadOp, deviceBytes: number): boolean {
    if (this.shapeBuf < 0 || op.iovecs !== undefined || op.bufAddr !== this.shapeBuf || op.length !== this.shapeOpLen) return false;
    const offset = op.offset;
    /* build's quick alignment test (NaN and ±Infinity fail it too). */
    if (!(offset >= 0 && offset % this.cfg.sectorSize === 0)) return false;
    if (Math.max(0, Math.min(op.length, MAX_RW_COUNT, deviceBytes - offset)) !== this.shapeLength) return false;
    for (let r = 0; r < this.requests; r++) this.rSector[r] = (offset + this.pBuf[this.rPiece[r]]) / 512;
    return true;
  }

  /** buildRequests(op, cfg, deviceBytes), into the columns. */
  build(op: WorkloadOp, deviceBytes: number): void {
    this.shapeBuf = -1;
    this.bvecs = 0;
    this.pieces = 0;
    this.requests = 0;
    this.chunks = 0;
    this.length = 0;
    this.error = undefined;
    const ss = this.cfg.sectorSize;
    /* alignmentError's tests, inline for the common single-buffer case; its text when one fails. */
    const quick = op.iovecs === undefined && Number.isFinite(op.offset) && op.offset >= 0 && Number.isFinite(op.length) &&
      op.length >= 0 && op.offset % ss === 0 && op.length % ss === 0 && op.bufAddr % ss === 0;
    if (!quick) {
      const bad = alignmentError(op, ss);
      if (bad) {
        this.error = { ...EINVAL, message: bad };
        return;
      }
    }
    const length = Math.max(0, Math.min(op.length, MAX_RW_COUNT, deviceBytes - op.offset));
    this.length = length;
    if (length === 0) return;
    this.toBvecs(op, length);
    if (this.cfg.splitter === 'bio_split') this.splitBio();
    else this.addPageSplit();
    this.ensureRequests(this.requests + 1);
    this.rPiece[this.requests] = this.pieces;
    for (let r = 0; r < this.requests; r++) this.mapRequest(op, r);
    this.rChunk[this.requests] = this.chunks;
    if (quick && op.bufAddr >= 0) {
      this.shapeBuf = op.bufAddr;
      this.shapeOpLen = op.length;
      this.shapeLength = length;
    }
  }

  /** dioToBvecs: each iovec cut at virtual page boundaries; a chunk continuing the previous bvec extends it. */
  private toBvecs(op: WorkloadOp, length: number): void {
    const iovecs = op.iovecs;
    if (iovecs === undefined) {
      this.addIovec(op.bufAddr, op.length, length, 0);
      return;
    }
    let done = 0;
    for (let i = 0; i < iovecs.length; i++) {
      done = this.addIovec(iovecs[i].base, iovecs[i].len, length, done);
      if (done >= length) break;
    }
  }

  private addIovec(base: number, len: number, length: number, done: number): number {
    const pageSize = this.cfg.pageSize;
    let va = base;
    let left = Math.min(len, length - done);
    while (left > 0) {
      const page = Math.floor(va / pageSize);
      const offset = va - page * pageSize;
      const n = Math.min(left, pageSize - offset);
      const last = this.bvecs - 1;
      if (last >= 0 && this.bvPage[last] === page && this.bvOff[last] + this.bvLen[last] === offset) this.bvLen[last] += n;
      else this.pushBvec(page, offset, n, done);
      va += n;
      done += n;
      left -= n;
    }
    return done;
  }

  private pushBvec(page: number, off: number, len: number, buf: number): void {
    const i = this.bvecs;
    if (i === this.bvPage.length) {
      this.bvPage = grow(Float64Array, this.bvPage, i + 1);
      this.bvOff = grow(Float64Array, this.bvOff, i + 1);
      this.bvLen = grow(Float64Array, this.bvLen, i + 1);
      this.bvBuf = grow(Float64Array, this.bvBuf, i + 1);
    }
    this.bvPage[i] = page;
    this.bvOff[i] = off;
    this.bvLen[i] = len;
    this.bvBuf[i] = buf;
    this.bvecs = i + 1;
  }

  private pushPiece(page: number, off: number, len: number, buf: number): void {
    const i = this.pieces;
    if (i === this.pPage.length) {
      this.pPage = grow(Float64Array, this.pPage, i + 1);
      this.pOff = grow(Float64Array, this.pOff, i + 1);
      this.pLen = grow(Float64Array, this.pLen, i + 1);
      this.pBuf = grow(Float64Array, this.pBuf, i + 1);
    }
    this.pPage[i] = page;
    this.pOff[i] = off;
    this.pLen[i] = len;
    this.pBuf[i] = buf;
    this.pieces = i + 1;
  }

  /** A new request starting at the next piece. */
  private openRequest(): void {
    if (this.requests + 1 > this.rPiece.length) this.ensureRequests(this.requests + 1);
    this.rPiece[this.requests++] = this.pieces;
  }

  /** Room for `n` entries in every request column (one test on the hot path; `grow` is generic over array types). */
  private ensureRequests(n: number): void {
    if (n <= this.rPiece.length && n <= this.rChunk.length && n <= this.rSg.length && n <= this.rSector.length && n <= this.rSectors.length) return;
    this.rPiece = grow(Int32Array, this.rPiece, n);
    this.rChunk = grow(Int32Array, this.rChunk, n);
    this.rSg = grow(Int32Array, this.rSg, n);
    this.rSector = grow(Float64Array, this.rSector, n);
    this.rSectors = grow(Float64Array, this.rSectors, n);
  }

  /** blockLayer.addPageSplit: a bvec that would exceed a limit is refused whole and opens the next bio. */
  private addPageSplit(): void {
    const cfg = this.cfg;
    const maxBytes = cfg.limits.maxSectors * 512;
    const maxSegLen = cfg.limits.maxSegmentSize;
    const maxSegs = cfg.limits.maxSegments;
    let inCur = 0;
    let bytes = 0;
    let segs = 0;
    let segLen = 0;
    for (let i = 0; i < this.bvecs; i++) {
      const page = this.bvPage[i];
      const off = this.bvOff[i];
      const len = this.bvLen[i];
      const p = this.pieces - 1;
      const merges = inCur > 0 && segLen + len <= maxSegLen && piecesMergeable(this.pPage[p], this.pOff[p], this.pLen[p], page, off, len, cfg);
      if (inCur === 0 || bytes + len > maxBytes || (!merges && segs + 1 > maxSegs)) {
        this.openRequest();
        inCur = 0;
        bytes = 0;
        segs = 0;
      }
      if (inCur > 0 && merges) segLen += len;
      else {
        segs++;
        segLen = len;
      }
      this.pushPiece(page, off, len, this.bvBuf[i]);
      inCur++;
      bytes += len;
    }
  }

  /** blockLayer.splitBio: split before the segment past max_segments, or inside the bvec where max_sectors is reached. */
  private splitBio(): void {
    const cfg = this.cfg;
    const maxBytes = cfg.limits.maxSectors * 512;
    const maxSegLen = cfg.limits.maxSegmentSize;
    const maxSegs = cfg.limits.maxSegments;
    const ss = cfg.sectorSize;
    let inCur = 0;
    let bytes = 0;
    let segs = 0;
    let segLen = 0;
    for (let i = 0; i < this.bvecs; i++) {
      const page = this.bvPage[i];
      let off = this.bvOff[i];
      let len = this.bvLen[i];
      let buf = this.bvBuf[i];
      while (len > 0) {
        /* With nothing in the current bio a piece is always added below, so the request is never empty. */
        if (inCur === 0) this.openRequest();
        const p = this.pieces - 1;
        const merges = inCur > 0 && segLen + len <= maxSegLen && piecesMergeable(this.pPage[p], this.pOff[p], this.pLen[p], page, off, len, cfg);
        if (!merges && inCur > 0 && segs + 1 > maxSegs) {
          inCur = 0;
          bytes = 0;
          segs = 0;
          segLen = 0;
          continue;
        }
        const room = maxBytes - bytes;
        if (len <= room) {
          if (merges) segLen += len;
          else {
            segs++;
            segLen = len;
          }
          this.pushPiece(page, off, len, buf);
          inCur++;
          bytes += len;
          break;
        }
        let take = Math.floor(room / ss) * ss;
        /* A limit below one logical block still has to make progress. */
        if (take === 0 && inCur === 0) take = Math.min(len, ss);
        if (take > 0) {
          this.pushPiece(page, off, take, buf);
          off += take;
          len -= take;
          buf += take;
        }
        inCur = 0;
        bytes = 0;
        segs = 0;
        segLen = 0;
      }
    }
  }

  /** Request r's sector range, blk_rq_map_sg over its pieces, and blkfront's chunks of each sg entry. */
  private mapRequest(op: WorkloadOp, r: number): void {
    const cfg = this.cfg;
    const first = this.rPiece[r];
    const end = this.rPiece[r + 1];
    const bufStart = this.pBuf[first];
    const bufEnd = this.pBuf[end - 1] + this.pLen[end - 1];
    this.rSector[r] = (op.offset + bufStart) / 512;
    this.rSectors[r] = (bufEnd - bufStart) / 512;
    this.rChunk[r] = this.chunks;
    const maxSegLen = cfg.limits.maxSegmentSize;
    let sgCount = 0;
    let page = this.pPage[first];
    let off = this.pOff[first];
    let len = this.pLen[first];
    let buf = this.pBuf[first];
    for (let i = first + 1; i < end; i++) {
      if (len + this.pLen[i] <= maxSegLen && piecesMergeable(this.pPage[i - 1], this.pOff[i - 1], this.pLen[i - 1], this.pPage[i], this.pOff[i], this.pLen[i], cfg)) {
        len += this.pLen[i];
        continue;
      }
      this.emitSg(page, off, len, buf);
      sgCount++;
      page = this.pPage[i];
      off = this.pOff[i];
      len = this.pLen[i];
      buf = this.pBuf[i];
    }
    this.emitSg(page, off, len, buf);
    this.rSg[r] = sgCount + 1;
  }

  /** Blkfront.chunks for one sg entry: itself (3.x), or its 4 KiB grant pieces (gnttab_foreach_grant_in_range, variant e). */
  private emitSg(page: number, off: number, len: number, buf: number): void {
    if (this.variant !== 'e') {
      this.pushChunk(page, off, len, buf);
      return;
    }
    let pos = off;
    const end = off + len;
    while (pos < end) {
      const sub = Math.floor(pos / XEN_PAGE_SIZE);
      const o = pos - sub * XEN_PAGE_SIZE;
      const n = Math.min(end - pos, XEN_PAGE_SIZE - o);
      this.pushChunk(page, o, n, buf + (pos - off));
      pos += n;
    }
  }

  private pushChunk(page: number, off: number, len: number, buf: number): void {
    const i = this.chunks;
    if (i === this.cPage.length) {
      this.cPage = grow(Float64Array, this.cPage, i + 1);
      this.cOff = grow(Float64Array, this.cOff, i + 1);
      this.cLen = grow(Float64Array, this.cLen, i + 1);
      this.cBuf = grow(Float64Array, this.cBuf, i + 1);
    }
    this.cPage[i] = page;
    this.cOff[i] = off;
    this.cLen[i] = len;
    this.cBuf[i] = buf;
    this.chunks = i + 1;
  }
}
