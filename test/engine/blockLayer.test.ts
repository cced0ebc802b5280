import { describe, expect, it } from 'vitest';
import { buildRequests, dioToBvecs, mapSg, type BlockLayerConfig } from '../../engine/replay/blockLayer';
import { defaultConfig } from '../../engine/replay/config';
import { workloadFromStrace } from '../../engine/replay/workload';
import { parseStraceText } from '../../parsers/strace';
import type { WorkloadOp } from '../../engine/replay/types';
import { fixturePath, readInput, readText } from '../helpers/fixtures';

const PAGE = 4096;
const BASE = 0x7f0000000000; // page aligned
const xen = (): BlockLayerConfig => defaultConfig('d');
const read = (offset: number, length: number, bufAddr: number, iovecs?: { base: number; len: number }[]): WorkloadOp => ({
  id: 0, op: 'read', offset, length, bufAddr, timeNs: 0, ...(iovecs ? { iovecs } : {}),
});
const shape = (r: ReturnType<typeof buildRequests>) => r.requests.map((q) => [q.sector, q.nSectors, q.bvecs.length, q.sg.length]);

describe('dio bvecs (§2.1)', () => {
  it('cuts a 16 KiB buffer at page offset 3584 into 5 bvecs (§3.3)', () => {
    const b = dioToBvecs(read(1024, 16384, BASE + 3584), 16384, PAGE);
    expect(b.map((x) => [x.offset, x.len, x.bufOffset])).toEqual([
      [3584, 512, 0], [0, 4096, 512], [0, 4096, 4608], [0, 4096, 8704], [0, 3584, 12800],
    ]);
    expect(new Set(b.map((x) => x.page)).size).toBe(5);
  });

  it('keeps two chunks of one page with a gap apart (§3.4) and extends contiguous iovecs', () => {
    const gap = dioToBvecs(read(8192, 1024, BASE, [{ base: BASE, len: 512 }, { base: BASE + 1024, len: 512 }]), 1024, PAGE);
    expect(gap.map((x) => [x.offset, x.len])).toEqual([[0, 512], [1024, 512]]);
    const cont = dioToBvecs(read(0, 1024, BASE, [{ base: BASE, len: 512 }, { base: BASE + 512, len: 512 }]), 1024, PAGE);
    expect(cont.map((x) => [x.offset, x.len])).toEqual([[0, 1024]]);
  });
});

describe('blk_rq_map_sg (§2.2)', () => {
  it('merges only byte-contiguous bvecs of one page under blkfront limits', () => {
    const sg = mapSg(
      [
        { page: 5, offset: 0, len: 512, bufOffset: 0 },
        { page: 5, offset: 512, len: 512, bufOffset: 512 },
        { page: 5, offset: 2048, len: 512, bufOffset: 1024 },
        { page: 6, offset: 0, len: 512, bufOffset: 1536 },
      ],
      xen(),
    );
    expect(sg.map((s) => [s.page, s.offset, s.len, s.bvecs])).toEqual([[5, 0, 1024, [0, 1]], [5, 2048, 512, [2]], [6, 0, 512, [3]]]);
  });

  it('merges physically adjacent pages only when the boundary mask allows it', () => {
    const bvecs = [
      { page: 5, offset: 3584, len: 512, bufOffset: 0 },
      { page: 6, offset: 0, len: 512, bufOffset: 512 },
    ];
    expect(mapSg(bvecs, { ...xen(), pageAssignment: 'contiguous' })).toHaveLength(2);
    const wide = { ...xen(), pageAssignment: 'contiguous' as const, limits: { maxSegments: 128, maxSectors: 2560, maxSegmentSize: 65536, segBoundaryMask: 0xffffffff } };
    expect(mapSg(bvecs, wide).map((s) => s.len)).toEqual([1024]);
    expect(mapSg(bvecs, { ...wide, pageAssignment: 'distinct' })).toHaveLength(2);
  });
});

describe('requests under blkfront limits', () => {
  it('splits 64 KiB page-aligned into 44 KiB + 20 KiB (11 + 5 segments)', () => {
    const r = buildRequests(read(1280 * 512, 65536, BASE), xen());
    expect(shape(r)).toEqual([[1280, 88, 11, 11], [1368, 40, 5, 5]]);
  });

  it('3.x bio_add_page refuses whole bvecs: 64 KiB at page offset 512 = 87 + 41 sectors', () => {
    const r = buildRequests(read(3001 * 512, 65536, BASE + 512), xen());
    expect(shape(r)).toEqual([[3001, 87, 11, 11], [3088, 41, 6, 6]]);
  });

  it('modern blkfront (≥ 3.11, max_sectors 88, bio_split) cuts at the segment limit first', () => {
    const r = buildRequests(read(3001 * 512, 65536, BASE + 512), defaultConfig('e'));
    expect(shape(r)).toEqual([[3001, 87, 11, 11], [3088, 41, 6, 6]]);
    const aligned = buildRequests(read(0, 131072, BASE), defaultConfig('e'));
    expect(shape(aligned)).toEqual([[0, 88, 11, 11], [88, 88, 11, 11], [176, 80, 10, 10]]);
  });

  it('with indirect descriptors (32) a 128 KiB read is one request of 32 segments', () => {
    const r = buildRequests(read(0, 131072, BASE), defaultConfig('e', { indirectSegments: 32 }));
    expect(shape(r)).toEqual([[0, 256, 32, 32]]);
  });

  it('fails misaligned I/O with EINVAL before the block layer and truncates at the device end', () => {
    expect(buildRequests(read(100, 512, BASE), xen()).error?.name).toBe('EINVAL');
    expect(buildRequests(read(512, 4096, BASE + 100), xen()).error?.errno).toBe(22);
    expect(buildRequests(read(0, 1000, BASE), xen()).error?.name).toBe('EINVAL');
    const short = buildRequests(read(8192 - 2048, 4096, BASE), xen(), 8192);
    expect(short.length).toBe(2048);
    expect(shape(short)).toEqual([[12, 4, 1, 1]]);
    expect(buildRequests(read(8192, 4096, BASE), xen(), 8192).requests).toHaveLength(0);
  });
});

describe('split44k fixture: the real kernel splits', () => {
  /* The loop device's queue from PROVENANCE.md: max_segments 128, segment size 64 KiB, blk-mq bio splitting. */
  const loop = (maxSectors: number): BlockLayerConfig => ({
    pageSize: 4096,
    sectorSize: 512,
    splitter: 'bio_split',
    pageAssignment: 'distinct',
    limits: { maxSegments: 128, maxSectors, maxSegmentSize: 65536, segBoundaryMask: 0xffffffff },
  });
  const dioOffsets = () => {
    const m = [...readText(fixturePath('split44k', 'limit44.stderr.txt')).matchAll(/pageoff=(\d+)/g)].map((x) => Number(x[1]));
    return m;
  };
  for (const [run, maxSectors] of [['limit44', 88], ['default', 2560]] as const) {
    it(`${run}: every dispatched request (D) matches the modelled split`, () => {
      const src = parseStraceText(readInput(fixturePath('split44k', `${run}.strace.txt`)), run);
      /* dd aligns its O_DIRECT buffer to the page; the dio reads log their page offsets (512, 1536). */
      const dio = dioOffsets();
      const { workload } = workloadFromStrace(src.syscalls!, { path: '/dev/loop0', pageOffset: [...Array(9).fill(0), ...dio] });
      expect(workload.ops).toHaveLength(11);
      const modelled = workload.ops.flatMap((op) => buildRequests(op, loop(maxSectors)).requests.map((q) => `${q.sector} + ${q.nSectors}`));
      const real = [...readText(fixturePath('split44k', `${run}.blkparse.txt`)).matchAll(/ D +RS (\d+ \+ \d+)/g)].map((m) => m[1]);
      expect(real).toHaveLength(run === 'limit44' ? 49 : 12);
      expect(modelled).toEqual(real);
    });
  }
});
