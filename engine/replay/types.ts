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
  | { kind: 'disk'; start: number; end: number } // device byte range
  | { kind: 'stale'; grantPage: number; writtenBy: number; pageStart: number; pageEnd: number } // stale grant-page bytes left by operation `writtenBy` (-1: unknown)
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
  | 'merged-short-completion';

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
