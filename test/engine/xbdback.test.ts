import { describe, expect, it } from 'vitest';
import { MemoryGrantPages, runBackend } from '../../engine/backends';
import { fixturePath, readText } from '../helpers/fixtures';
import { fullPages, ring, stamp, stampedDisk, text } from './backendTestkit';

const transfers = (r: ReturnType<typeof runBackend>) =>
  r.transfers.map((t) => ({ seg: t.segment, frame: [t.frameStart, t.frameEnd], disk: t.diskStart }));

describe('xbdback-orig (rev 1.4.2.6): one buf over one contiguous VA mapping', () => {
  /* Linux-style non-tiling request: the middle segment covers only sectors 0..3 of its frame. */
  const S = 100;
  const D = S * 512;
  const req = ring(7, 'read', S, [
    [10, 0, 7],
    [11, 0, 3],
    [12, 0, 7],
  ]);

  it('slides the data: disk bytes land in exactly these frame bytes', () => {
    const pages = new MemoryGrantPages();
    const res = runBackend('xbdback-orig', [req], pages, stampedDisk());
    expect(res.ios).toHaveLength(1);
    expect(res.ios[0]).toMatchObject({ fileStart: D, fileEnd: D + 20 * 512, sector: S, nSectors: 20 });
    /* VA = A|B|C from byte 0 of A: 10240 bytes stream straight through the three frames. */
    expect(transfers(res)).toEqual([
      { seg: 0, frame: [0, 4096], disk: D },
      { seg: 1, frame: [0, 4096], disk: D + 4096 }, // B[2048,4096) gets sectors S+12..S+15: outside its window
      { seg: 2, frame: [0, 2048], disk: D + 8192 }, // C[0,2048) gets S+16..S+19 instead of S+12..S+15
    ]);
    const B = pages.bytesOf(11);
    const C = pages.bytesOf(12);
    expect(text(pages.bytesOf(10), 0)).toBe(stamp(S));
    expect(text(B, 0)).toBe(stamp(S + 8));
    expect(text(B, 2048)).toBe(stamp(S + 12));
    expect(text(C, 0)).toBe(stamp(S + 16));
    expect(text(C, 2032)).toBe(stamp(S + 19, 496));
    /* C[2048,4096) (where S+16..S+19 belong) is never written. */
    expect(C.subarray(2048).every((b) => b === 0)).toBe(true);
    expect(res.hazards.map((h) => h.kind)).toEqual(['data-slide']);
    expect(res.replies).toMatchObject([{ id: 7, status: 'okay' }]);
  });

  it('reports the slide per segment: runs outside the window, untouched window gaps', () => {
    const res = runBackend('xbdback-orig', [req], null, null);
    const seg2 = res.provenance.find((p) => p.segment === 2);
    expect(seg2?.window).toEqual({ start: 0, end: 4096 });
    expect(seg2?.runs).toEqual([
      { start: 0, end: 2048, source: { kind: 'disk', start: D + 8192, end: D + 10240 }, io: 0, inWindow: true },
      { start: 2048, end: 4096, source: { kind: 'untouched' }, io: -1, inWindow: true },
    ]);
    const seg1 = res.provenance.find((p) => p.segment === 1);
    expect(seg1?.runs.map((r) => [r.start, r.end, r.inWindow, r.source.kind === 'disk' ? r.source.start : -1])).toEqual([
      [0, 2048, true, D + 4096],
      [2048, 4096, false, D + 6144],
    ]);
  });

  it('spec §4.1 example: seg0 = (F, 2..3), seg1 = (G, 0..7)', () => {
    const res = runBackend('xbdback-orig', [ring(1, 'read', 40, [[20, 2, 3], [21, 0, 7]])], null, null);
    const D0 = 40 * 512;
    expect(transfers(res)).toEqual([
      { seg: 0, frame: [1024, 4096], disk: D0 }, // S..S+1 correct, S+2..S+5 → F[2048,4096) (should be G[0,2048))
      { seg: 1, frame: [0, 2048], disk: D0 + 3072 }, // S+6..S+9 → G[0,2048) (should be G[2048,4096))
    ]);
  });

  it('a WRITE sends frame bytes outside the window to disk (here never-written pool bytes)', () => {
    const pages = new MemoryGrantPages();
    const disk = stampedDisk();
    const res = runBackend('xbdback-orig', [ring(3, 'write', S, [[10, 0, 7], [11, 0, 3], [12, 0, 7]])], pages, disk);
    const sent = res.ios[0].sent ?? [];
    /* piece 1 is B[0,4096): its second half is not part of the request */
    expect(sent[1].runs).toEqual([
      { start: 0, end: 4096, source: { kind: 'never-written', grantPage: 11, pageStart: 0, pageEnd: 4096 } },
    ]);
    expect(res.ios[0].pieces.map((p) => [p.segment, p.frameStart, p.frameEnd, p.fileOffset])).toEqual([
      [0, 0, 4096, D],
      [1, 0, 4096, D + 4096],
      [2, 0, 2048, D + 8192],
    ]);
    /* sectors S+12..S+15 now hold B's zero bytes instead of C's first half */
    expect(disk.bytes.subarray(D + 6144, D + 8192).every((b) => b === 0)).toBe(true);
    expect(text(disk.bytes, D + 10240)).toBe(stamp(S + 20));
  });

  it('tiling requests do not slide', () => {
    const res = runBackend('xbdback-orig', [ring(1, 'read', 8, [[1, 3, 7], [2, 0, 7], [3, 0, 2]])], null, null);
    expect(res.hazards).toEqual([]);
    expect(transfers(res)).toEqual([
      { seg: 0, frame: [1536, 4096], disk: 4096 },
      { seg: 1, frame: [0, 4096], disk: 4096 + 2560 },
      { seg: 2, frame: [0, 1536], disk: 4096 + 2560 + 4096 },
    ]);
  });
});

describe('xbdback-split (seed 000): one buf per segment, shared counter', () => {
  it('places non-tiling segments correctly', () => {
    const res = runBackend('xbdback-split', [ring(7, 'read', 100, [[10, 0, 7], [11, 0, 3], [12, 0, 7]])], null, null);
    expect(transfers(res)).toEqual([
      { seg: 0, frame: [0, 4096], disk: 51200 },
      { seg: 1, frame: [0, 2048], disk: 51200 + 4096 },
      { seg: 2, frame: [0, 4096], disk: 51200 + 6144 },
    ]);
    expect(res.ios.map((io) => [io.sector, io.nSectors])).toEqual([
      [100, 8],
      [108, 4],
      [112, 8],
    ]);
    expect(res.hazards).toEqual([]);
    expect(res.replies).toHaveLength(1);
  });

  it('replies early when a segment completes before the next one is issued', () => {
    /* dispatch 1000 ns per buf; buf 0 takes 500 ns, so the counter returns to 0 at t = 500 */
    const res = runBackend('xbdback-split', [ring(4, 'read', 0, fullPages(1, 3))], null, null, {
      completion: { kind: 'latencies', latencyNs: [500, 5000, 5000] },
    });
    const early = res.hazards.find((h) => h.kind === 'early-reply');
    expect(early).toBeDefined();
    expect(early?.timeNs).toBe(500);
    expect(early?.refs).toEqual(['io#0 complete@500', 'io#1 issue@1000', 'io#2 issue@2000']);
    /* the guest sees the response while segments 1 and 2 are still to come */
    expect(res.replies[0]).toMatchObject({ id: 4, timeNs: 500, incompleteIos: [] });
    expect(res.ios.map((io) => [io.submitNs, io.completeNs])).toEqual([
      [0, 500],
      [1000, 6000],
      [2000, 7000],
    ]);
    /* the freed counter is bumped again by buf 1 and 2: a second response follows */
    expect(res.replies.map((r) => r.timeNs)).toEqual([500, 7000]);
    expect(res.hazards.map((h) => h.kind)).toEqual(['early-reply', 'duplicate-reply']);
  });

  it('no early reply when every completion comes after the last dispatch', () => {
    const res = runBackend('xbdback-split', [ring(4, 'read', 0, fullPages(1, 3))], null, null);
    expect(res.replies).toEqual([expect.objectContaining({ id: 4, timeNs: 2000 + 100_000, status: 'okay' })]);
    expect(res.hazards).toEqual([]);
  });

  it('the status of the last I/O to finish wins', () => {
    const reqs = [ring(4, 'read', 0, fullPages(1, 3))];
    const inOrder = runBackend('xbdback-split', reqs, null, null, { faults: { failIos: [0] } });
    expect(inOrder.replies).toMatchObject([{ status: 'okay' }]);
    expect(inOrder.hazards).toMatchObject([{ kind: 'status-overwritten', refs: ['io#0', 'io#2 complete@102000'] }]);
    /* reversed: buf 0 (the failing one) finishes last, so the error reaches the guest */
    const reversed = runBackend('xbdback-split', reqs, null, null, { faults: { failIos: [0] }, completion: { kind: 'reverse' } });
    expect(reversed.replies).toMatchObject([{ status: 'error' }]);
    expect(reversed.hazards).toEqual([]);
    /* and a failure of the last buf is reported even though the others succeeded */
    expect(runBackend('xbdback-split', reqs, null, null, { faults: { failIos: [2] } }).replies).toMatchObject([{ status: 'error' }]);
  });

  it('the coalescing backend counts errors per request instead (rq_ioerrs)', () => {
    const res = runBackend('xbdback-coalesce', [ring(4, 'read', 0, [[1, 0, 3], [2, 0, 7], [3, 0, 7]])], null, null, {
      faults: { failIos: [0] },
    });
    expect(res.ios).toHaveLength(2);
    expect(res.replies).toMatchObject([{ status: 'error' }]);
  });
});

describe('64 KiB of non-contiguous pages: 44 KiB + 20 KiB ring requests (§2.1, seed 000)', () => {
  /* what blkfront sends: 11 full segments at S, then 5 full segments at S + 88 */
  const S = 2048;
  const reqs = [ring(0, 'read', S, fullPages(1, 11), 5), ring(1, 'read', S + 88, fullPages(12, 5), 5)];
  const sizes = (r: ReturnType<typeof runBackend>) => r.ios.map((io) => [io.sector, io.nSectors * 512]);

  it('orig: one buf per ring request, 44 KiB + 20 KiB', () => {
    expect(sizes(runBackend('xbdback-orig', reqs, null, null))).toEqual([
      [S, 45056],
      [S + 88, 20480],
    ]);
  });

  it('split: sixteen 4 KiB bufs', () => {
    const res = runBackend('xbdback-split', reqs, null, null);
    expect(res.ios).toHaveLength(16);
    expect(res.ios.every((io) => io.nSectors === 8)).toBe(true);
  });

  it('coalesce, 12 pages: 48 KiB + 16 KiB; request 0 is answered by the first buf', () => {
    const res = runBackend('xbdback-coalesce', reqs, null, null, { xbdback: { maxPages: 12 } });
    expect(sizes(res)).toEqual([
      [S, 49152],
      [S + 96, 16384],
    ]);
    expect(res.ios[0].ringIds).toEqual([0, 1]);
    expect(res.ios[1].ringIds).toEqual([1]);
    expect(res.replies.map((r) => [r.id, r.timeNs])).toEqual([
      [0, 100_000],
      [1, 101_000],
    ]);
    /* the buf crossing the request boundary still maps every byte to its own segment */
    expect(res.transfers.filter((t) => t.io === 0).map((t) => [t.request, t.segment, t.diskStart])).toContainEqual([1, 0, (S + 88) * 512]);
  });

  it('coalesce, 16 pages: one 64 KiB buf answering both requests', () => {
    const res = runBackend('xbdback-coalesce', reqs, null, null, { xbdback: { maxPages: 16 } });
    expect(sizes(res)).toEqual([[S, 65536]]);
    /* iodone walks the fragments from the SLIST head: the later request is answered first */
    expect(res.replies.map((r) => r.id)).toEqual([1, 0]);
  });

  it('coalesce does not glue requests that arrive in separate ring batches', () => {
    const res = runBackend('xbdback-coalesce', reqs, null, null, { arrivalNs: [0, 50_000] });
    expect(sizes(res)).toEqual([
      [S, 45056],
      [S + 88, 20480],
    ]);
  });

  it('coalesce glues only page-tiling segments (a partial middle segment breaks the buf)', () => {
    const res = runBackend('xbdback-coalesce', [ring(7, 'read', 100, [[10, 0, 7], [11, 0, 3], [12, 0, 7]])], null, null);
    expect(res.ios.map((io) => [io.sector, io.nSectors])).toEqual([
      [100, 12],
      [112, 8],
    ]);
    expect(res.hazards).toEqual([]);
  });
});

describe('the real 64 KiB split (split44k/limit44: max_sectors_kb = 44, the blkfront limit)', () => {
  /* the first dd read (bs=64K at LBA 1280) is dispatched as "D RS 1280 + 88" and "D RS 1368 + 40" */
  const dispatched = [...readText(fixturePath('split44k', 'limit44.blkparse.txt')).matchAll(/ D +RS (\d+) \+ (\d+) /g)]
    .slice(0, 2)
    .map((m) => [Number(m[1]), Number(m[2])]);
  /* the ring requests blkfront builds for them: one full-page segment per 4 KiB of dd's buffer */
  const reqs = dispatched.map(([sector, n], i) => ring(i, 'read', sector, fullPages(1 + 11 * i, n / 8), 1));

  it('reads back as the 44 KiB + 20 KiB pair', () => {
    expect(dispatched).toEqual([
      [1280, 88],
      [1368, 40],
    ]);
  });

  it('every backend generation puts sector 1280 + k at byte 512·(k mod 8) of page k/8', () => {
    for (const [model, opts] of [
      ['xbdback-orig', {}],
      ['xbdback-split', {}],
      ['xbdback-coalesce', { xbdback: { maxPages: 12 } }],
      ['xbdback-coalesce', { xbdback: { maxPages: 16 } }],
    ] as const) {
      const pages = new MemoryGrantPages();
      const res = runBackend(model, reqs, pages, stampedDisk(), opts);
      for (let k = 0; k < 128; k += 7) expect(text(pages.bytesOf(1 + Math.floor(k / 8)), (k % 8) * 512)).toBe(stamp(1280 + k));
      expect(res.replies.map((r) => r.status)).toEqual(['okay', 'okay']);
    }
  });

  it('what a dom0 blktrace of the NetBSD backend device would dispatch', () => {
    const d = (opts: Parameters<typeof runBackend>[4]) =>
      runBackend('xbdback-coalesce', reqs, null, null, opts)
        .events.filter((e) => e.action === 'D')
        .map((e) => `${e.sector}+${e.nSectors}`);
    expect(d({ xbdback: { maxPages: 12 } })).toEqual(['1280+96', '1376+32']);
    expect(d({ xbdback: { maxPages: 16 } })).toEqual(['1280+128']);
  });
});

describe('deferred disconnect (seed 002)', () => {
  const reqs = [ring(0, 'write', 0, fullPages(1, 2)), ring(1, 'write', 64, fullPages(3, 1))];

  it('before seed 002 a response written after the disconnect hits an unmapped ring', () => {
    const res = runBackend('xbdback-coalesce', reqs, null, null, { xbdback: { disconnect: { atNs: 50_000, mode: 'immediate' } } });
    expect(res.disconnect).toMatchObject({ mode: 'immediate', ringUnmappedNs: 50_000, panicNs: 100_000 });
    expect(res.hazards).toMatchObject([{ kind: 'disconnect-in-flight', refs: ['xbdi disconnect@50000', 'io#0 complete@100000'] }]);
    expect(res.replies).toEqual([]);
  });

  it('with the reference count the disconnect completes after the last iodone', () => {
    const res = runBackend('xbdback-coalesce', reqs, null, null, { xbdback: { disconnect: { atNs: 50_000, mode: 'deferred' } } });
    expect(res.hazards).toEqual([]);
    expect(res.replies.map((r) => [r.id, r.timeNs])).toEqual([
      [0, 100_000],
      [1, 101_000],
    ]);
    expect(res.disconnect?.ringUnmappedNs).toBe(101_000);
    expect(res.disconnect?.refcnt.map((c) => [c.timeNs, c.value])).toEqual([
      [0, 1],
      [0, 2],
      [1000, 3],
      [50_000, 2],
      [100_000, 1],
      [101_000, 0],
    ]);
  });

  it('requests arriving after the disconnect completed are not fetched', () => {
    const res = runBackend('xbdback-split', reqs, null, null, {
      arrivalNs: [0, 200_000],
      xbdback: { disconnect: { atNs: 50_000, mode: 'deferred' } },
    });
    expect(res.replies.map((r) => r.id)).toEqual([0]);
    expect(res.timeline.some((e) => e.kind === 'drop' && e.ref === 'req#1')).toBe(true);
  });
});

describe('completion orders (events.ts)', () => {
  const three = [ring(4, 'read', 0, fullPages(1, 3))];
  const done = (r: ReturnType<typeof runBackend>) => [...r.ios].sort((a, b) => a.completeNs - b.completeNs).map((io) => io.id);

  it('in order by default; reverse and permutation hold the batch until nothing else can happen', () => {
    expect(done(runBackend('xbdback-split', three, null, null))).toEqual([0, 1, 2]);
    const rev = runBackend('xbdback-split', three, null, null, { completion: { kind: 'reverse', stepNs: 10 } });
    expect(done(rev)).toEqual([2, 1, 0]);
    /* the thread is busy until the last dispatch ends (3 × 1000 ns); then the held batch is released */
    expect(rev.ios.map((io) => io.completeNs)).toEqual([3030, 3020, 3010]);
    expect(rev.timeline.find((e) => e.kind === 'release')?.detail).toBe('io#2 io#1 io#0');
    expect(done(runBackend('xbdback-split', three, null, null, { completion: { kind: 'permutation', order: [1, 2, 0] } }))).toEqual([1, 2, 0]);
  });

  it('per-I/O latencies reorder completions against the issuing loop', () => {
    const res = runBackend('xbdback-split', three, null, null, { completion: { kind: 'latencies', latencyNs: [9000, 100, 100] } });
    expect(done(res)).toEqual([1, 2, 0]);
    expect(res.replies).toEqual([expect.objectContaining({ timeNs: 9000, status: 'okay' })]);
    expect(res.hazards).toEqual([]);
  });
});

