/**
 * Contract between the backend models (NetBSD xbdback, blktap2 tapdisk, UML ubd) and whoever feeds
 * them ring requests. Everything a model returns is plain JSON-serialisable data; byte contents only
 * move through the two small interfaces below, and only when the caller supplies them.
 *
 * Units: disk/file offsets are bytes; `sector` fields are 512-byte units (the wire unit of
 * blkif, xen-block-models.md §1.0); frame offsets are bytes inside one 4 KiB granted frame.
 */
import type { Disk } from '../replay/disk';
import type {
  BackendIo,
  BackendReply,
  BackendResult,
  BackendTransfer,
  Hazard,
  ProvenanceSource,
} from '../replay/types';
import type { CompletionOrder, TimelineEvent } from './events';

export const SECTOR = 512;
/** XEN_PAGE_SIZE: every ring segment names one 4 KiB frame. */
export const FRAME = 4096;
/** BLKIF_MAX_SEGMENTS_PER_REQUEST. */
export const MAX_SEGMENTS = 11;

export const BACKEND_MODEL_IDS = ['xbdback-orig', 'xbdback-split', 'xbdback-coalesce', 'tapdisk', 'ubd'] as const;
export type BackendModelId = (typeof BACKEND_MODEL_IDS)[number];

/** Which frame a segment names: batch index of its ring request and index of the segment in it. */
export interface FrameRef {
  request: number;
  segment: number;
  /** RingSegment.grantPage, or RingSegment.userPage for a zero-copy segment (grantPage -1). */
  page: number;
  zeroCopy: boolean;
}

/** A byte range of one frame and what it holds. */
export interface PageRun {
  start: number;
  end: number;
  source: ProvenanceSource;
}

/**
 * The guest-side frames as a backend sees them. The frontend engine implements it over its grant
 * pool (pooled pages keep stale bytes); `MemoryGrantPages` (index.ts) is a plain reference version.
 */
export interface GrantPageMemory {
  /** Bytes [start, end) of the frame (a backend WRITE sending them) and what they are; bytes may be null (ranges only). */
  read(frame: FrameRef, start: number, end: number): { bytes: Uint8Array | null; runs: PageRun[] };
  /** A backend READ deposits `bytes` (null = ranges only) at [start, start + length) of the frame. */
  write(frame: FrameRef, start: number, length: number, bytes: Uint8Array | null, source: ProvenanceSource): void;
}

/** Backend storage: the replay Disk plus an optional write hook (SparseDisk has one). */
export type BackendDisk = Disk & { write?(byteOffset: number, bytes: Uint8Array): void };

export interface FaultPlan {
  /** Backend I/O ids (BackendRunResult.ios[i].id) that complete with -EIO. */
  failIos?: number[];
  /** Device sector ranges [start, end) (512 B units): any data I/O touching them completes with -EIO. */
  badSectors?: { start: number; end: number }[];
  /** Backend I/Os that move only their first `bytes` and then complete short (res = bytes). */
  shortIos?: { io: number; bytes: number }[];
}

export interface XbdbackOptions {
  /**
   * XENSHM_MAX_PAGES_PER_REQUEST for the coalescing model: 12 (= 11 + 1, older xen_shm_machdep.c) or
   * 16 (MAXPHYS >> PAGE_SHIFT, later xen_shm.h). Default 16.
   */
  maxPages?: number;
  /** Toolstack disconnect at `atNs`: 'immediate' = before seed 002, 'deferred' = seed 002 reference count. */
  disconnect?: { atNs: number; mode: 'immediate' | 'deferred' };
}

export interface TapdiskOptions {
  /** tqueue size (tiocbs pending + queued); also the opio pool size. Default 402 (TAPDISK_DATA_REQUESTS + 50, recalled). */
  queueSize?: number;
  /** io_submit accepts at most this many merged iocbs per call (fault injection for fail_tiocbs). */
  submitLimit?: number;
  /** Re-issues of a failed vreq (tapdisk-vbd.c retries until TD_VBD_REQUEST_TIMEOUT); default 0. */
  maxRetries?: number;
}

export interface UbdOptions {
  /**
   * 'aio-2007': seed 003 (Jeff Dike, Nov 2007, -mm AIO ubd): bits set when the data lands, pending/waiting
   * bitmap lists, reads of clear bits overlapping a bitmap write stall. 'aio-2007-pre': the same driver
   * before that patch (bits set at set-up, bitmap chunk copied). 'io-thread': mainline synchronous thread.
   */
  variant?: 'aio-2007' | 'aio-2007-pre' | 'io-thread';
  /** read_overlaps as posted (request-relative sectors vs bitmap bytes) or as intended. Default 'literal'. */
  readOverlaps?: 'literal' | 'intended';
  /** io-thread: `req->offset += len` with len = last run only ('literal', as in the code) or the desc length. */
  offsetAdvance?: 'literal' | 'fixed';
  /** Initial in-memory COW bitmap, bit s = byte s/8, bit s%8 (LSB first). Default all clear. */
  bitmap?: Uint8Array | number[];
  /** Device size in sectors (bitmap length ceil(sectors/8)); default the backing disk's size. */
  sectors?: number;
  /** COW file layout, taken from the observed file when known (§7.1); defaults: header v3, alignment 512. */
  bitmapOffset?: number;
  dataOffset?: number;
  /** The COW file's bytes (null/absent = ranges only). The backing file is the `disk` argument. */
  cow?: BackendDisk | null;
}

export interface BackendOptions {
  /** Completion order of backend I/Os (default: in order, 100 µs each). */
  completion?: CompletionOrder;
  /** Time the backend spends issuing one I/O (map + strategy / io_submit / submit_aio); default 1000 ns. */
  dispatchNs?: number;
  /** Arrival time of each ring request (by batch index); default all at `startNs`. */
  arrivalNs?: number[];
  /** Clock origin; default 0. */
  startNs?: number;
  faults?: FaultPlan;
  /** Read-only vbd: WRITE requests get EROFS (error) replies. */
  readOnly?: boolean;
  xbdback?: XbdbackOptions;
  tapdisk?: TapdiskOptions;
  ubd?: UbdOptions;
}

/** One contiguous piece of a backend I/O: bytes of one frame ↔ bytes of the target file. */
export interface IoPiece {
  request: number;
  segment: number;
  frameStart: number;
  frameEnd: number;
  /** Offset in the target file (backing disk, or the COW file for ubd). */
  fileOffset: number;
  /** Offset on the logical device the guest addressed (equals fileOffset except for ubd's COW area). */
  diskStart: number;
}

export type IoTarget = 'disk' | 'backing' | 'cow';

/** A backend I/O with everything the anatomy view shows. Extends the replay hand-off BackendIo. */
export interface ModelIo extends BackendIo {
  id: number;
  /** What the code called it: "buf", "iocb", "aio", "pwrite"... */
  label: string;
  kind: 'data' | 'bitmap';
  target: IoTarget;
  /** Byte range in the target file. */
  fileStart: number;
  fileEnd: number;
  /** Frame pieces in transfer order (empty for bitmap writes). */
  pieces: IoPiece[];
  /** Ring request ids served (requests[] holds batch indices). */
  ringIds: number[];
  opIds: number[];
  submitNs: number;
  /** -1 while (or if) it never completed. */
  completeNs: number;
  /** 0 or a negative errno. */
  status: number;
  /** Bytes actually moved (short completions move a prefix). */
  transferred: number;
  /** WRITE: provenance of the frame bytes each piece sent to the file. */
  sent?: { piece: number; runs: PageRun[] }[];
}

export interface ModelReply extends BackendReply {
  opId: number;
  /** Order in which responses were put on the ring (0, 1, …). */
  seq: number;
  /** Backend I/Os of this request not yet complete when the response went out (early replies). */
  incompleteIos: number[];
}

/** What one READ segment's frame received from this request's I/Os. */
export interface SegmentProvenance {
  request: number;
  id: number;
  opId: number;
  segment: number;
  page: number;
  /** The protocol window [first_sect*512, (last_sect+1)*512). */
  window: { start: number; end: number };
  /** Sorted, disjoint; covers the window and anything written outside it. */
  runs: { start: number; end: number; source: ProvenanceSource; io: number; inWindow: boolean; staleFrom?: 'cow-unwritten' }[];
}

export interface DisconnectRecord {
  mode: 'immediate' | 'deferred';
  requestedNs: number;
  /** Disconnect response sent / ring unmapped (deferred: when refcnt reached 0; -1 never). */
  respondedNs: number;
  ringUnmappedNs: number;
  /** Reference count after each change (seed 002: 1 for the connection, +1 per I/O, −1 at iodone). */
  refcnt: { timeNs: number; value: number; why: string }[];
  /** First response written to an unmapped ring (immediate mode): dom0 panic. */
  panicNs: number;
}

export interface UbdState {
  /** Sectors whose in-memory COW bit is set at the end, as [start, end) runs. */
  bitmapSet: { start: number; end: number }[];
  /** The same for the bitmap as the replay's bitmap writes left it in the COW file. */
  fileBitmapSet: { start: number; end: number }[];
  bitmapOffset: number;
  dataOffset: number;
  /** Read runs that returned -EAGAIN and stalled the queue. */
  stalls: { timeNs: number; request: number; segment: number; run: { start: number; end: number }; spurious: boolean }[];
}

/** runBackend's result: the replay hand-off (BackendResult) plus timing, provenance and notes. */
export interface BackendRunResult extends BackendResult {
  model: string;
  transfers: BackendTransfer[];
  ios: ModelIo[];
  replies: ModelReply[];
  hazards: Hazard[];
  provenance: SegmentProvenance[];
  timeline: TimelineEvent[];
  /** Model caveats that apply to this run (which literal behaviour was exercised, what is not modelled). */
  notes: string[];
  disconnect?: DisconnectRecord;
  ubd?: UbdState;
}
