/**
 * Plain-data types shared by every layer of the replay engine (block layer,
 * xen-blkfront variants, backends). Everything here is JSON-serializable: the
 * UI's anatomy view and the CLI print the same structures.
 */

/** One operation of a workload, as the program issued it. */
export interface WorkloadOp {
  /** Position in the workload (stable id used by provenance labels: "written by operation k"). */
  id: number;
  op: 'read' | 'write';
  /** Absolute byte offset on the device. */
  offset: number;
  /** Byte length (sum of iovecs for vectored I/O). */
  length: number;
  /** User-buffer virtual address; only `address % pageSize` matters unless pages are shared. */
  bufAddr: number;
  /** Vectored I/O: the iovecs (base address, length); absent = one iovec {bufAddr, length}. */
  iovecs?: { base: number; len: number }[];
  /** ns on the workload's clock (ordering only). */
  timeNs: number;
  /** Bytes written by a write (absent = a synthetic pattern naming op id and offset). */
  data?: Uint8Array;
  /** Where the op came from (strace line, JSON index) for evidence links. */
  source?: { file: string; line?: number; row?: number };
  /** What the traced kernel returned (strace): result and the bytes shown (`truncated`: cut at -s N). */
  observed?: { result: number; data?: Uint8Array; truncated?: boolean };
}

/** A bio_vec: one piece of one user page. */
export interface Bvec {
  /** Index of the physical page (see PageMap); distinct user pages have distinct indices by default. */
  page: number;
  /** Byte offset within the page (bv_offset). */
  offset: number;
  /** Byte length (bv_len). */
  len: number;
  /** Byte offset of this bvec within the operation's user buffer. */
  bufOffset: number;
}

/** A scatterlist entry after blk_rq_map_sg merging. */
export interface SgEntry {
  page: number;
  offset: number;
  len: number;
  /** Indices into the request's bvec list covered by this entry. */
  bvecs: number[];
}

/** One ring segment `{gref, first_sect, last_sect}` and the grant page behind it. */
export interface RingSegment {
  gref: number;
  /** Identity of the 4 KiB frame the backend reads/writes (a persistent grant page, or the user page for zero-copy). */
  grantPage: number;
  firstSect: number;
  lastSect: number;
  /** Zero-copy (variant a, modern non-bounce): the user page granted directly; `grantPage` is then -1. */
  userPage?: number;
}

/** One ring request (blkif_request) produced by the frontend. */
export interface RingRequest {
  /** Request id (shadow slot). */
  id: number;
  op: 'read' | 'write';
  /** sector_number in 512-byte units. */
  sector: number;
  segments: RingSegment[];
  /** Indirect request: segments carried in indirect pages. */
  indirect: boolean;
  /** Which workload operation and which block request of it this ring request serves. */
  opId: number;
  requestIndex: number;
}

/** A labelled run of the returned buffer: [bufStart, bufEnd) came from `source`. */
export type ProvenanceSource =
  | { kind: 'disk'; start: number; end: number; writtenBy?: number } // device byte range (writtenBy: workload write whose data the disk held, absent = image)
  | { kind: 'stale'; grantPage: number; writtenBy: number; pageStart: number; pageEnd: number; content?: StaleContent } // stale grant-page bytes left by operation `writtenBy` (-1: unknown)
  | { kind: 'never-written'; grantPage: number; pageStart: number; pageEnd: number } // page content never written since allocation
  | { kind: 'zero' }
  | { kind: 'untouched' }; // bytes the completion never copied (buffer keeps prior contents)

export interface ProvenanceRun {
  bufStart: number;
  bufEnd: number;
  source: ProvenanceSource;
}

export type HazardKind =
  | 'early-reply'
  | 'disconnect-in-flight'
  | 'bitmap-write-overlap'
  | 'bug-on'
  | 'status-overwritten'
  | 'merged-short-completion'
  | 'data-slide' // single-VA backend moved bytes outside a segment's [first_sect, last_sect] window (NetBSD xbdback 1.4.2.6)
  | 'duplicate-reply' // a second response for one ring request id (seed 000 counter reused after free)
  | 'stale-cow-read' // UML ubd: a read served from a COW data area its write had not filled yet (pre-2007 AIO)
  | 'sector-gap'; // ring requests of one block request do not tile its sectors (modern extra request at a fixed +88)

export interface Hazard {
  kind: HazardKind;
  opId: number;
  message: string;
  /** ns on the replay's clock, when ordering matters. */
  timeNs?: number;
  /** Free-form references to the events that cause it (ring request ids, backend I/O ids). */
  refs?: string[];
}

/** A block-layer event the replay synthesises (what a blktrace on that layer would show). */
export interface SyntheticBlockEvent {
  timeNs: number;
  layer: 'guest' | 'dom0';
  action: 'Q' | 'G' | 'M' | 'D' | 'C' | 'X';
  rwbs: string;
  sector: number;
  nSectors: number;
  opId: number;
}

/** What stale grant-page bytes actually are: disk bytes an earlier read brought in, or a write's user data. */
export type StaleContent =
  | { kind: 'disk'; start: number; end: number; writtenBy?: number } // device bytes [start,end) as they were when read
  | { kind: 'user'; opId: number; bufStart: number; bufEnd: number } // bytes [bufStart,bufEnd) of write `opId`'s buffer
  | { kind: 'descriptors'; opId: number }; // an indirect-descriptor frame of operation `opId`

/**
 * Backend hand-off. A backend model (Linux blkback, NetBSD xbdback, tapdisk, ubd) receives the ring
 * requests of one batch and says which bytes of which segment frame it moved to or from which device
 * bytes; the frontend engine applies those moves to its grant-page model. `request` indexes the batch.
 */
export interface BackendTransfer {
  request: number;
  /** Index into that ring request's `segments`: the frame is that segment's grant (or user) page. */
  segment: number;
  /** Byte range inside the 4 KiB frame (may differ from first_sect/last_sect for buggy backends). */
  frameStart: number;
  frameEnd: number;
  /** Device byte offset of frameStart. */
  diskStart: number;
  /** Index into BackendResult.ios of the backend I/O that carried it. */
  io: number;
  /**
   * Set when the bytes are not the device's logical contents at `diskStart`: 'cow-unwritten' = a UML
   * ubd read of a COW data area whose write had not landed yet (the frame gets what that file held).
   */
  staleFrom?: 'cow-unwritten';
}

/** One I/O the backend issued to its own storage (a bio, a struct buf, an iocb). */
export interface BackendIo {
  op: 'read' | 'write';
  /** 512-byte sector and count on the backend device. */
  sector: number;
  nSectors: number;
  /** Batch indices of the ring requests it serves. */
  requests: number[];
}

export interface BackendReply {
  request: number;
  id: number;
  status: 'okay' | 'error' | 'eopnotsupp';
  timeNs?: number;
}

export interface BackendResult {
  transfers: BackendTransfer[];
  ios: BackendIo[];
  replies: BackendReply[];
  events: SyntheticBlockEvent[];
  hazards: Hazard[];
}

export interface BackendContext {
  opId: number;
  timeNs: number;
  /** Backend device logical block size in bytes. */
  sectorSize: number;
  /** false: the caller will not display events (a backend may skip building them). */
  detail?: boolean;
}

/** A backend model: selected by name through ReplayConfig.backend. */
export interface BackendModel {
  name: string;
  run(requests: RingRequest[], ctx: BackendContext): BackendResult;
}
