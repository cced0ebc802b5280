/**
 * Replay configuration: which blkfront generation, which queue limits, which grant pool.
 * Defaults follow the kernels the spec read (xen-block-models.md §1.1 table, §1.3–1.6).
 */
import type { VbdRecord } from '../../parsers/model/xenstore';

/**
 * (a) zero-copy, ≤ v3.7; (b) 0a8704a51 persistent grants, `i = offset >> PAGE_SHIFT` (v3.8);
 * (c) d62f69185 `if (bv_offset < offset) i++` (≈v3.8-rc … v3.10); (d) b7649158a0d2 per-request
 * scatterlist (v3.11+, 3.10.33 vendor tree); (e) modern: indirect descriptors, 64 KiB-page grant split.
 */
export type Variant = 'a' | 'b' | 'c' | 'd' | 'e';
export const VARIANTS: readonly Variant[] = ['a', 'b', 'c', 'd', 'e'];

/** Xen grant frame size; independent of the guest's PAGE_SIZE (XEN_PAGE_SIZE). */
export const XEN_PAGE_SIZE = 4096;
/** Wire sector unit: first_sect/last_sect/sector_number are always 512-byte units (§1.0). */
export const WIRE_SECTOR = 512;
/** BLKIF_MAX_SEGMENTS_PER_REQUEST. */
export const BLKIF_MAX_SEGMENTS = 11;
/** __CONST_RING_SIZE(blkif, 4096): (4096-64)/112 = 36 rounded down to a power of two. */
export const BLK_RING_SIZE_1PAGE = 32;
/** GRANTS_PER_INDIRECT_FRAME = XEN_PAGE_SIZE / sizeof(struct blkif_request_segment). */
export const SEGS_PER_INDIRECT_FRAME = 512;

export interface QueueLimits {
  /** queue_max_segments: physical segments per request. */
  maxSegments: number;
  /** queue_max_sectors in 512-byte units. */
  maxSectors: number;
  /** queue_max_segment_size in bytes. */
  maxSegmentSize: number;
  /** queue_segment_boundary mask. */
  segBoundaryMask: number;
}

/**
 * How a large transfer becomes requests. 'bio_add_page' (3.x direct-io): a bvec that would exceed the
 * limits is refused whole and starts a new bio. 'bio_split' (blk-mq era): the bio is split at the
 * exact sector where max_sectors is reached (a bvec may be cut), or before the bvec exceeding max_segments.
 */
export type Splitter = 'bio_add_page' | 'bio_split';

export interface PoolConfig {
  /** 'on-demand': 3.8 alloc_page(GFP_ATOMIC) per missing grant; 'prealloc': 9c1e050caeb4 fill_grant_buffer. */
  model: 'on-demand' | 'prealloc';
  /** New pages: 'unknown' (not zeroed: v3.8 … XSA-403) or 'zero' (__GFP_ZERO, 2f446ff). */
  initial: 'zero' | 'unknown';
  /** Pre-allocated page count (3.10: BLK_RING_SIZE * 11 = 352). */
  preallocCount: number;
}

export interface ReplayConfig {
  variant: Variant;
  /** Linux PAGE_SIZE of the guest (4096 on x86; 65536 on some arm64/ppc64 guests, variant e only). */
  pageSize: number;
  /** Device logical block size (xenstore sector-size). */
  sectorSize: number;
  limits: QueueLimits;
  splitter: Splitter;
  pool: PoolConfig;
  /** Both sides advertised feature-persistent (affects modern grant return and blkback mapping). */
  persistentGrants: boolean;
  /** Negotiated indirect segments (0 = none); variant e only. */
  indirectSegments: number;
  /** Ring pages (2^ring-page-order); ring slots = 32 × pages. */
  ringPages: number;
  /** Modern `bounce` (copy through grant pages); false = grant the user pages (zero-copy). */
  bounce: boolean;
  /** Completion order of the ring requests of one operation. */
  completionOrder: 'in-order' | 'reverse';
  /**
   * Physical page of user virtual page `vpn`: 'distinct' = never physically adjacent,
   * 'contiguous' = adjacent virtual pages are adjacent frames (lets non-Xen limits merge them).
   */
  pageAssignment: 'distinct' | 'contiguous';
  /** Backend model name ('blkback' built in; others registered by engine/backends). */
  backend: string;
  /** Backend (dom0) device queue limits for its own bios; absent = unlimited. */
  backendLimits?: { maxSectors: number; maxSegments: number };
}

/** Queue limits blkfront sets (§1.1): 3.x: max_hw_sectors 512; ≥ 3.11: segments × 8 (294caaf29c26). */
export function blkfrontLimits(variant: Variant, pageSize: number, indirectSegments: number): QueueLimits {
  if (variant !== 'e') {
    return { maxSegments: BLKIF_MAX_SEGMENTS, maxSectors: 512, maxSegmentSize: pageSize, segBoundaryMask: pageSize - 1 };
  }
  const segments = indirectSegments > BLKIF_MAX_SEGMENTS ? indirectSegments : BLKIF_MAX_SEGMENTS;
  const grantsPerPseg = Math.max(1, pageSize / XEN_PAGE_SIZE);
  return {
    /* blk_queue_max_segments clamps 0 to 1 (64 KiB pages without indirect: 11 / 16 = 0). */
    maxSegments: Math.max(1, Math.floor(segments / grantsPerPseg)),
    maxSectors: (segments * XEN_PAGE_SIZE) / WIRE_SECTOR,
    maxSegmentSize: pageSize,
    segBoundaryMask: pageSize - 1,
  };
}

export function defaultPool(variant: Variant): PoolConfig {
  switch (variant) {
    case 'b':
    case 'c':
      return { model: 'on-demand', initial: 'unknown', preallocCount: 0 };
    case 'd':
      return { model: 'prealloc', initial: 'unknown', preallocCount: BLK_RING_SIZE_1PAGE * BLKIF_MAX_SEGMENTS };
    case 'e':
      return { model: 'prealloc', initial: 'zero', preallocCount: BLK_RING_SIZE_1PAGE * BLKIF_MAX_SEGMENTS };
    default:
      return { model: 'on-demand', initial: 'unknown', preallocCount: 0 };
  }
}

export function defaultConfig(variant: Variant = 'd', overrides: Partial<ReplayConfig> = {}): ReplayConfig {
  const pageSize = overrides.pageSize ?? XEN_PAGE_SIZE;
  const indirectSegments = variant === 'e' ? (overrides.indirectSegments ?? 0) : 0;
  return {
    variant,
    pageSize,
    sectorSize: 512,
    limits: blkfrontLimits(variant, pageSize, indirectSegments),
    splitter: variant === 'e' ? 'bio_split' : 'bio_add_page',
    pool: defaultPool(variant),
    persistentGrants: variant !== 'a',
    indirectSegments,
    ringPages: 1,
    bounce: variant !== 'a',
    completionOrder: 'in-order',
    pageAssignment: 'distinct',
    backend: 'blkback',
    ...overrides,
  };
}

/** Problems with a configuration (empty = usable). */
export function validateConfig(c: ReplayConfig): string[] {
  const out: string[] = [];
  const pow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  if (!pow2(c.pageSize) || c.pageSize < XEN_PAGE_SIZE) out.push(`pageSize ${c.pageSize}: a power of two ≥ 4096`);
  if (c.pageSize !== XEN_PAGE_SIZE && c.variant !== 'e') out.push(`pageSize ${c.pageSize} needs variant e (c004a6fe0c40)`);
  if (!pow2(c.sectorSize) || c.sectorSize < 512 || c.sectorSize > c.pageSize) out.push(`sectorSize ${c.sectorSize}`);
  if (!(c.limits.maxSegments >= 1) || !(c.limits.maxSectors >= c.sectorSize / 512)) out.push('queue limits too small');
  if (c.indirectSegments !== 0 && c.variant !== 'e') out.push('indirect segments need variant e');
  if (!(c.ringPages >= 1)) out.push('ringPages ≥ 1');
  return out;
}

/**
 * Configuration from a negotiated vbd (parsers/xenstore): persistent grants iff both sides say so,
 * indirect segments = min(backend value, frontend default 32), 0 if ≤ 11 (§1.6/1.7), ring pages,
 * sector size. The variant is the caller's choice; a non-persistent vbd under (b)–(d) still bounces
 * (§1.3: the 3.8 frontend used its grant copy path regardless of the backend).
 */
export function configFromXenstore(vbd: VbdRecord, variant: Variant = 'e'): ReplayConfig {
  const front = vbd.front;
  const back = vbd.back;
  const persistent =
    vbd.negotiated.persistentGrants ?? (front?.featurePersistent === true && back?.featurePersistent === true);
  let indirect = 0;
  if (variant === 'e') {
    const be = vbd.negotiated.indirectSegments ?? back?.maxIndirectSegments ?? 0;
    const v = Math.min(be, 32);
    indirect = v > BLKIF_MAX_SEGMENTS ? v : 0;
  }
  const order = front?.ringPageOrder ?? 0;
  const ringPages = vbd.negotiated.ringPages ?? 2 ** order;
  const sectorSize = back?.sectorSize ?? front?.sectorSize ?? 512;
  return defaultConfig(variant, {
    sectorSize,
    persistentGrants: persistent,
    indirectSegments: indirect,
    limits: blkfrontLimits(variant, XEN_PAGE_SIZE, indirect),
    ringPages: ringPages > 0 ? ringPages : 1,
    /* modern: feature_persistent negotiated ⇒ bounce; untrusted backends also bounce (not in xenstore dumps usually). */
    bounce: variant === 'a' ? false : variant === 'e' ? persistent : true,
  });
}
