import { describe, expect, it } from 'vitest';
import { replay, type OpReplay } from '../../engine/replay/replay';
import { configFromXenstore, defaultConfig, type ReplayConfig, type Variant } from '../../engine/replay/config';
import { formatReplay, replayToPlain } from '../../engine/replay/format';
import type { VbdRecord, VbdSide } from '../../parsers/model/xenstore';
import { SparseDisk } from '../../engine/replay/disk';
import { GrantPool } from '../../engine/replay/grantPool';
import type { ProvenanceSource, WorkloadOp } from '../../engine/replay/types';

const P = 4096;
const BASE = 0x7f0000000000;
const page = (n: number) => BASE + n * 2 * P; // distinct, never adjacent virtual pages
const disk = new SparseDisk(1 << 16);

function op(id: number, o: Partial<WorkloadOp> & { offset: number; length: number }): WorkloadOp {
  return { id, op: 'read', bufAddr: o.iovecs?.[0].base ?? BASE, timeNs: id, ...o };
}

function run(v: Variant, ops: WorkloadOp[], cfg: Partial<ReplayConfig> = {}): OpReplay[] {
  const r = replay(ops, defaultConfig(v, cfg), disk);
  expect(r.errors).toEqual([]);
  return r.ops;
}

/** [bufStart, bufEnd, description] of every provenance run. */
const prov = (o: OpReplay) => o.provenance.map((p) => [p.bufStart, p.bufEnd, p.source] as [number, number, ProvenanceSource]);
const disk_ = (start: number, end: number): ProvenanceSource => ({ kind: 'disk', start, end });
const fresh = (grantPage: number, pageStart: number, pageEnd: number): ProvenanceSource => ({ kind: 'never-written', grantPage, pageStart, pageEnd });
/** Copies as [unit index, grants_used index, page range start, end, buffer start]. */
const copies = (o: OpReplay) => o.copies.map((c) => [c.index, c.grantIndex, c.pageStart, c.pageEnd, c.bufStart]);
const segs = (o: OpReplay) => o.ring.flatMap((r) => r.segments.map((s) => [s.firstSect, s.lastSect]));

describe('§3.1 d62f69185 commit-message example: bvec0 (A,3584,512), bvec1 (B,0,512), READ at sector 16', () => {
  const D = 16 * 512;
  const vec = op(0, { offset: D, length: 1024, iovecs: [{ base: page(1) + 3584, len: 512 }, { base: page(2), len: 512 }] });

  it('builds two ring segments {7,7} {0,0} in every variant', () => {
    for (const v of ['a', 'b', 'c', 'd', 'e'] as const) expect(segs(run(v, [vec])[0])).toEqual([[7, 7], [0, 0]]);
  });

  it('(b) 0a8704a51 copies bvec1 from G0[0,512): stale, sector S+1 lost', () => {
    const [o] = run('b', [vec]);
    expect(copies(o)).toEqual([[0, 0, 3584, 4096, 0], [1, 0, 0, 512, 512]]);
    const g0 = o.ring[0].segments[0].grantPage;
    expect(prov(o)).toEqual([[0, 512, disk_(D, D + 512)], [512, 1024, fresh(g0, 0, 512)]]);
  });

  it('(c) d62f69185 moves to G1 because bv_offset 0 < offset 4096', () => {
    const [o] = run('c', [vec]);
    expect(copies(o)).toEqual([[0, 0, 3584, 4096, 0], [1, 1, 0, 512, 512]]);
    expect(prov(o)).toEqual([[0, 1024, disk_(D, D + 1024)]]);
  });

  it('(a) zero-copy and (d) scatterlist walk are correct', () => {
    for (const v of ['a', 'd', 'e'] as const) expect(prov(run(v, [vec])[0])).toEqual([[0, 1024, disk_(D, D + 1024)]]);
    expect(copies(run('d', [vec])[0])).toEqual([[0, 0, 3584, 4096, 0], [1, 1, 0, 512, 512]]);
    expect(run('a', [vec])[0].copies).toEqual([]);
  });

  it('a previous read leaves G0 holding its disk bytes: (b) labels them stale, written by that op', () => {
    const prior = op(0, { offset: 0, length: 4096, bufAddr: page(9) });
    const [, o] = run('b', [prior, { ...vec, id: 1 }]);
    expect(o.ring[0].segments[0].grantPage).toBe(0); // LIFO: the prior op's grant comes back first
    expect(prov(o)[1]).toEqual([512, 1024, { kind: 'stale', grantPage: 0, writtenBy: 0, pageStart: 0, pageEnd: 512, content: disk_(0, 512) }]);
  });
});

describe('§3.2 blog RAID example: (P1,0,1024) (P2,1024,1024) (P3,2048,2048), READ at byte 4096', () => {
  const vec = op(0, {
    offset: 4096,
    length: 4096,
    iovecs: [{ base: page(1), len: 1024 }, { base: page(2) + 1024, len: 1024 }, { base: page(3) + 2048, len: 2048 }],
  });

  it('three sg entries {0,1} {2,3} {4,7}', () => {
    expect(segs(run('d', [vec])[0])).toEqual([[0, 1], [2, 3], [4, 7]]);
  });

  for (const v of ['b', 'c'] as const) {
    it(`(${v}) reads P2 and P3 from G0: stale [1024,4096)`, () => {
      const [o] = run(v, [vec]);
      expect(copies(o)).toEqual([[0, 0, 0, 1024, 0], [1, 0, 1024, 2048, 1024], [2, 0, 2048, 4096, 2048]]);
      const g0 = o.ring[0].segments[0].grantPage;
      expect(prov(o)).toEqual([[0, 1024, disk_(4096, 5120)], [1024, 4096, fresh(g0, 1024, 4096)]]);
    });
  }

  it('(a)/(d) correct', () => {
    for (const v of ['a', 'd'] as const) expect(prov(run(v, [vec])[0])).toEqual([[0, 4096, disk_(4096, 8192)]]);
  });
});

describe('§3.3 16 KiB O_DIRECT read at offset 1024 into a buffer at page offset 3584', () => {
  const vec = op(0, { offset: 1024, length: 16384, bufAddr: page(1) + 3584 });

  it('5 segments {7,7} {0,7} {0,7} {0,7} {0,6}', () => {
    expect(segs(run('b', [vec])[0])).toEqual([[7, 7], [0, 7], [0, 7], [0, 7], [0, 6]]);
  });

  it('(b): i = 0,0,1,2,3; buf[512,4096) stale, then a 4096-byte lag', () => {
    const [o] = run('b', [vec]);
    expect(copies(o)).toEqual([[0, 0, 3584, 4096, 0], [1, 0, 0, 4096, 512], [2, 1, 0, 4096, 4608], [3, 2, 0, 4096, 8704], [4, 3, 0, 3584, 12800]]);
    const g0 = o.ring[0].segments[0].grantPage;
    expect(prov(o)).toEqual([
      [0, 512, disk_(1024, 1536)],
      [512, 4096, fresh(g0, 0, 3584)],
      [4096, 16384, disk_(1024, 13312)], // buf[x] = disk[x - 3072]; disk[13312,17408) never reaches the user
    ]);
  });

  it('(c): i = 0..4, correct; (a)/(d) correct', () => {
    const [c] = run('c', [vec]);
    expect(copies(c).map((x) => x[1])).toEqual([0, 1, 2, 3, 4]);
    for (const v of ['a', 'c', 'd'] as const) expect(prov(run(v, [vec])[0])).toEqual([[0, 16384, disk_(1024, 17408)]]);
  });
});

describe('§3.4 two chunks of one page with a gap (readv page+0/512, page+1024/512) at byte 8192', () => {
  const vec = op(0, { offset: 8192, length: 1024, iovecs: [{ base: page(1), len: 512 }, { base: page(1) + 1024, len: 512 }] });

  it('2 sg entries {0,0} {2,2}', () => expect(segs(run('d', [vec])[0])).toEqual([[0, 0], [2, 2]]));

  for (const v of ['b', 'c'] as const) {
    it(`(${v}) copies bvec1 from G0[1024,1536): stale`, () => {
      const [o] = run(v, [vec]);
      expect(copies(o)).toEqual([[0, 0, 0, 512, 0], [1, 0, 1024, 1536, 512]]);
      expect(prov(o)).toEqual([[0, 512, disk_(8192, 8704)], [512, 1024, fresh(o.ring[0].segments[0].grantPage, 1024, 1536)]]);
    });
  }

  it('(d) correct', () => expect(prov(run('d', [vec])[0])).toEqual([[0, 1024, disk_(8192, 9216)]]));
});

describe('grant pool', () => {
  it('3.8 on-demand: LIFO reuse, segment k of the next request gets the previous request\'s grant n-1-k', () => {
    const a = op(0, { offset: 0, length: 16384, bufAddr: page(1) + 3584 });
    const b = op(1, { offset: 0, length: 12288, bufAddr: page(10) });
    const [o1, o2] = run('c', [a, b]);
    expect(o1.ring[0].segments.map((s) => s.grantPage)).toEqual([0, 1, 2, 3, 4]);
    expect(o2.ring[0].segments.map((s) => s.grantPage)).toEqual([4, 3, 2]);
    expect(o2.ring[0].segments.map((s) => s.gref)).toEqual([12, 11, 10]);
  });

  it('3.10 pre-allocation: 352 pages, the last allocated is the head', () => {
    const pool = new GrantPool({ model: 'prealloc', initial: 'unknown', preallocCount: 352 });
    expect(pool.pages).toBe(352);
    expect(pool.get()).toBe(351);
    expect(pool.gref[351]).toBe(8);
    expect(pool.gref[350]).toBe(-1);
    const [o] = run('d', [op(0, { offset: 0, length: 8192, bufAddr: page(1) })]);
    expect(o.ring[0].segments.map((s) => s.grantPage)).toEqual([351, 350]);
  });

  it('modern non-persistent backend: grants revoked and queued at the tail', () => {
    const pool = new GrantPool({ model: 'prealloc', initial: 'zero', preallocCount: 3 });
    const g = pool.get();
    pool.putTailRevoked(g);
    expect(pool.freeList()).toEqual([1, 0, 2]);
    expect(pool.gref[2]).toBe(-1);
  });

  it('write data is copied at the same in-page offset; a later (b) read sees it as stale user data', () => {
    const w = op(0, { op: 'write', offset: 4096, length: 512, bufAddr: page(1) + 1024 });
    const r = op(1, { offset: 0, length: 8192, bufAddr: page(2) + 3584 });
    const [ow, or] = run('b', [w, r]);
    expect(ow.ring[0].segments).toEqual([{ gref: 8, grantPage: 0, firstSect: 2, lastSect: 2 }]);
    /* r: bvec1 (0,4096) copies G0[0,4096) whose [1024,1536) holds the write's data. */
    const stale = or.provenance.find((p) => p.source.kind === 'stale');
    expect(stale).toEqual({ bufStart: 512 + 1024, bufEnd: 512 + 1536, source: { kind: 'stale', grantPage: 0, writtenBy: 0, pageStart: 1024, pageEnd: 1536, content: { kind: 'user', opId: 0, bufStart: 0, bufEnd: 512 } } });
  });

  it('zero-filled new pages (XSA-403 fix) show as zeros', () => {
    const [o] = run('b', [op(0, { offset: 1024, length: 16384, bufAddr: page(1) + 3584 })], { pool: { model: 'on-demand', initial: 'zero', preallocCount: 0 } });
    expect(o.provenance[1]).toEqual({ bufStart: 512, bufEnd: 4096, source: { kind: 'zero' } });
  });
});

describe('hazards instead of exceptions', () => {
  it("(c) BUG_ON(i >= nr_segments) when the block layer merged across a page (non-blkfront boundary mask)", () => {
    /* Physically adjacent pages and a 4 GiB boundary mask: blk_rq_map_sg makes ONE sg entry of 1024
       bytes across the page edge; the d62f69185 heuristic then wants grant 1 of 1. */
    const cfg: Partial<ReplayConfig> = {
      pageAssignment: 'contiguous',
      limits: { maxSegments: 11, maxSectors: 512, maxSegmentSize: 65536, segBoundaryMask: 0xffffffff },
    };
    const [o] = run('c', [op(0, { offset: 0, length: 1024, bufAddr: BASE + 3584 })], cfg);
    expect(o.requests[0].sg).toHaveLength(1);
    expect(o.hazards.map((h) => h.kind)).toEqual(['bug-on']);
    expect(o.hazards[0].message).toContain('BUG_ON(i >= nr_segments)');
    /* The segment {7, 8} is invalid for blkback (last_sect ≥ 8): the request fails. */
    expect(segs(o)).toEqual([[7, 8]]);
    expect(o.replies.map((r) => r.status)).toEqual(['error']);
    expect(o.result).toBe(-5);
  });
});

describe('(e) modern: indirect descriptors and 64 KiB pages', () => {
  it('indirect: one INDIRECT request of 32 segments, descriptor frame taken before data grant 0', () => {
    const [o] = run('e', [op(0, { offset: 0, length: 131072, bufAddr: page(1) })], { indirectSegments: 32, limits: { maxSegments: 32, maxSectors: 256, maxSegmentSize: 4096, segBoundaryMask: 4095 } });
    expect(o.ring).toHaveLength(1);
    expect(o.ring[0].indirect).toBe(true);
    expect(o.ring[0].segments).toHaveLength(32);
    expect(o.ring[0].segments[0].grantPage).toBe(350); // 351 went to the descriptor frame
    expect(prov(o)).toEqual([[0, 131072, disk_(0, 131072)]]);
  });

  it('64 KiB pages: an sg entry is cut into 4 KiB grants; 12 grants without indirect → extra request at +88', () => {
    const cfg = defaultConfig('e', { pageSize: 65536 });
    expect(cfg.limits).toEqual({ maxSegments: 1, maxSectors: 88, maxSegmentSize: 65536, segBoundaryMask: 65535 });
    const aligned = replay([op(0, { offset: 0, length: 45056, bufAddr: 0x7f0000000000 })], cfg, disk).ops[0];
    expect(aligned.ring.map((r) => [r.sector, r.segments.length])).toEqual([[0, 11]]);
    expect(prov(aligned)).toEqual([[0, 45056, disk_(0, 45056)]]);
    /* Buffer 2 KiB into a 64 KiB page: chunks 2K, 10 x 4K, 2K = 12 grants. The kernel puts the extra
       request at +88 although the first 11 grants carry only 84 sectors. */
    const o = replay([op(0, { offset: 0, length: 45056, bufAddr: 0x7f0000000000 + 2048 })], cfg, disk).ops[0];
    expect(o.ring.map((r) => [r.sector, r.segments.length])).toEqual([[0, 11], [88, 1]]);
    expect(o.hazards.map((h) => h.kind)).toEqual(['sector-gap']);
    expect(prov(o)).toEqual([[0, 43008, disk_(0, 43008)], [43008, 45056, disk_(45056, 47104)]]);
  });

  it('modern non-bounce (trusted backend, no persistent grants) grants the user pages: zero-copy', () => {
    const [o] = run('e', [op(0, { offset: 1024, length: 16384, bufAddr: page(1) + 3584 })], { bounce: false, persistentGrants: false });
    expect(o.ring[0].segments.every((s) => s.grantPage === -1 && s.userPage !== undefined)).toBe(true);
    expect(o.copies).toEqual([]);
    expect(prov(o)).toEqual([[0, 16384, disk_(1024, 17408)]]);
  });
});

describe('configuration and text dump', () => {
  const side = (over: Partial<VbdSide>): VbdSide => ({
    path: '', domid: 0, state: 4, featurePersistent: null, maxIndirectSegments: null, maxRingPageOrder: null, ringPageOrder: null,
    ringRefs: [], eventChannel: null, multiQueueMaxQueues: null, multiQueueNumQueues: null, featureFlushCache: null, featureBarrier: null,
    featureDiscard: null, sectorSize: null, physicalSectorSize: null, sectors: null, info: null, mode: null, params: null, protocol: null, keys: {},
    ...over,
  });
  const vbd = (front: Partial<VbdSide>, back: Partial<VbdSide>): VbdRecord => ({
    frontDomid: 5, backDomid: 0, devid: 51728, deviceName: 'xvdb', front: side(front), back: side(back),
    negotiated: { persistentGrants: null, indirectSegments: null, ringPages: null, queues: null, connected: true }, notes: [],
  });

  it('configFromXenstore: persistent grants on both sides, indirect min(backend, 32), ring pages, sector size', () => {
    const c = configFromXenstore(vbd({ featurePersistent: true, ringPageOrder: 2 }, { featurePersistent: true, maxIndirectSegments: 256, sectorSize: 4096 }));
    expect([c.persistentGrants, c.indirectSegments, c.ringPages, c.sectorSize, c.bounce]).toEqual([true, 32, 4, 4096, true]);
    expect(c.limits).toEqual({ maxSegments: 32, maxSectors: 256, maxSegmentSize: 4096, segBoundaryMask: 4095 });
    const old = configFromXenstore(vbd({ featurePersistent: true }, { featurePersistent: false, maxIndirectSegments: 8 }));
    expect([old.persistentGrants, old.indirectSegments, old.ringPages, old.bounce]).toEqual([false, 0, 1, false]);
    expect(old.limits.maxSectors).toBe(88);
    /* 3.8 bounced through its grant pages even against a backend without feature-persistent (§1.3). */
    expect(configFromXenstore(vbd({}, {}), 'b').bounce).toBe(true);
  });

  it('formatReplay prints segments, copies and the provenance map', () => {
    const r = replay([op(0, { offset: 8192, length: 1024, iovecs: [{ base: page(1), len: 512 }, { base: page(1) + 1024, len: 512 }] })], defaultConfig('b'), disk);
    const text = formatReplay(r).split('\n');
    expect(text).toContain(`  ring id 0 READ sector 16 (request 0): {gref 8 grant page 0 sect 0-0} {gref 9 grant page 1 sect 2-2}`);
    expect(text).toContain('  copy bvec 1 (request 0): grants_used[0] = page 0 [1024,1536) -> buffer [512,1024)');
    expect(text).toContain('    buffer [0,512)          disk [8192,8704)');
    expect(text).toContain('    buffer [512,1024)       STALE grant page 0 [1024,1536) never written (allocation content)');
    const plain = JSON.parse(JSON.stringify(replayToPlain(r))) as { ops: { bytesBase64: string }[] };
    expect(atob(plain.ops[0].bytesBase64).length).toBe(1024);
  });
});
