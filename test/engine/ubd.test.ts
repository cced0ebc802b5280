import { describe, expect, it } from 'vitest';
import { MemoryDisk, MemoryGrantPages, runBackend } from '../../engine/backends';
import type { BackendOptions } from '../../engine/backends';
import { ring, stamp, stampedDisk, text } from './backendTestkit';

/* 16384-sector stamped backing file → bitmap of 2048 bytes at 4608, data area at 6656 */
const DATA = 6656;

function cowFile(): MemoryDisk {
  const cow = new MemoryDisk(DATA / 512 + 16384);
  /* mark the COW data area: every sector reads "COW " so provenance is visible in the bytes */
  cow.bytes.fill(0x20, DATA);
  for (let at = DATA; at < cow.bytes.length; at += 512) cow.bytes.set(new TextEncoder().encode('COW!'), at);
  return cow;
}

describe('ubd COW bitmap: bit per sector, LSB first, runs between COW and backing file', () => {
  it('splits a read into maximal runs of equal bits', () => {
    /* byte 0 = 0b00101000: sectors 3 and 5 live in the COW file */
    const pages = new MemoryGrantPages();
    const res = runBackend('ubd', [ring(1, 'read', 0, [[9, 0, 7]])], pages, stampedDisk(), { ubd: { bitmap: [0x28], cow: cowFile() } });
    expect(res.ubd).toMatchObject({ bitmapOffset: 4608, dataOffset: DATA });
    expect(res.ios.map((io) => [io.target, io.fileStart, io.fileEnd - io.fileStart])).toEqual([
      ['backing', 0, 1536],
      ['cow', DATA + 1536, 512],
      ['backing', 2048, 512],
      ['cow', DATA + 2560, 512],
      ['backing', 3072, 1024],
    ]);
    const f = pages.bytesOf(9);
    expect(text(f, 0)).toBe(stamp(0));
    expect(text(f, 1536, 4)).toBe('COW!');
    expect(text(f, 2048)).toBe(stamp(4));
    expect(text(f, 2560, 4)).toBe('COW!');
    expect(text(f, 3072)).toBe(stamp(6));
  });

  it('a write goes to the COW file and sets the bits after the data (seed 003)', () => {
    const cow = cowFile();
    const res = runBackend('ubd', [ring(1, 'write', 8000, [[9, 0, 3]])], new MemoryGrantPages(), stampedDisk(), { ubd: { cow } });
    expect(res.ios.map((io) => [io.kind, io.target, io.fileStart, io.fileEnd])).toEqual([
      ['data', 'cow', DATA + 8000 * 512, DATA + 8004 * 512],
      ['bitmap', 'cow', 4608 + 1000, 4608 + 1001],
    ]);
    expect(res.ios[1].submitNs).toBe(res.ios[0].completeNs);
    expect(res.ubd?.bitmapSet).toEqual([{ start: 8000, end: 8004 }]);
    expect(res.ubd?.fileBitmapSet).toEqual([{ start: 8000, end: 8004 }]);
    expect(cow.bytes[4608 + 1000]).toBe(0x0f);
    expect(res.replies).toMatchObject([{ status: 'okay', timeNs: res.ios[1].completeNs }]);
  });
});

describe('seed 003 read_overlaps: literal (as posted) vs intended', () => {
  /*
   * The patch compares bitmap_io.start/end, which are BYTE offsets into the bitmap (sector / 8),
   * with read_overlaps(start, end) called with REQUEST-RELATIVE sector indices 0..nsectors.
   * Both ranges only meet when the pending write's bitmap bytes lie below nsectors, i.e. the write
   * touches one of the first 8 * nsectors sectors of the disk (sector < 64 for a 4 KiB desc). A
   * read far from sector 0 never matches, however much it overlaps; a read anywhere near relative
   * index 0 matches a write near sector 0 even when it is far away on the disk.
   */
  const opts = (check: 'literal' | 'intended', latencyNs: number[]): BackendOptions => ({
    completion: { kind: 'latencies', latencyNs, defaultNs: 10_000 },
    arrivalNs: [0, 20_000],
    ubd: { readOverlaps: check },
  });
  /* write sectors 8000..8003 (bitmap byte 1000); data lands at 10 µs, the bitmap write takes 100 µs.
   * Then a read of 8004..8007: clear bits, same bitmap byte, while the bitmap write is pending. */
  const far = [ring(1, 'write', 8000, [[9, 0, 3]]), ring(2, 'read', 8004, [[10, 0, 3]])];

  it('far from sector 0: the intended check stalls the read until the bitmap write completes', () => {
    const res = runBackend('ubd', far, null, null, opts('intended', [10_000, 100_000]));
    expect(res.ubd?.stalls).toEqual([{ timeNs: 20_000, request: 1, segment: 0, run: { start: 0, end: 4 }, spurious: false }]);
    const read = res.ios.find((io) => io.op === 'read');
    expect(read?.submitNs).toBe(110_000);
    expect(res.hazards).toEqual([]);
  });

  it('far from sector 0: the literal check lets the read through (hazard names the pending bitmap write)', () => {
    const res = runBackend('ubd', far, null, null, opts('literal', [10_000, 100_000]));
    expect(res.ubd?.stalls).toEqual([]);
    expect(res.ios.find((io) => io.op === 'read')?.submitNs).toBe(20_000);
    expect(res.hazards).toMatchObject([{ kind: 'bitmap-write-overlap', timeNs: 20_000, refs: ['bitmap#0 pending io#1'] }]);
  });

  it('near sector 0 both checks stall', () => {
    const near = [ring(1, 'write', 0, [[9, 0, 3]]), ring(2, 'read', 4, [[10, 0, 3]])];
    for (const check of ['literal', 'intended'] as const) {
      const res = runBackend('ubd', near, null, null, opts(check, [10_000, 100_000]));
      expect(res.ubd?.stalls.map((s) => s.spurious)).toEqual([false]);
      expect(res.ios.find((io) => io.op === 'read')?.submitNs).toBe(110_000);
    }
  });

  it('the literal check stalls an unrelated read far away (spurious), the intended one does not', () => {
    const unrelated = [ring(1, 'write', 0, [[9, 0, 3]]), ring(2, 'read', 12_000, [[10, 0, 7]])];
    const lit = runBackend('ubd', unrelated, null, null, opts('literal', [10_000, 100_000]));
    expect(lit.ubd?.stalls.map((s) => s.spurious)).toEqual([true]);
    const int = runBackend('ubd', unrelated, null, null, opts('intended', [10_000, 100_000]));
    expect(int.ubd?.stalls).toEqual([]);
  });

  it('an overlapping bitmap write waits on waiting_bitmaps until the pending one completes', () => {
    /* two writes in the same bitmap byte: the second bitmap write waits for the first */
    const res = runBackend('ubd', [ring(1, 'write', 8000, [[9, 0, 3]]), ring(2, 'write', 8004, [[10, 0, 3]])], null, null, {
      completion: { kind: 'latencies', latencyNs: [10_000, 10_000, 100_000], defaultNs: 10_000 },
    });
    expect(res.timeline.filter((e) => e.kind === 'bitmap-wait').map((e) => [e.ref, e.timeNs])).toEqual([['bitmap#1', 11_000]]);
    const bitmapIos = res.ios.filter((io) => io.kind === 'bitmap');
    expect(bitmapIos.map((io) => io.submitNs)).toEqual([10_000, 110_000]);
    expect(res.ubd?.fileBitmapSet).toEqual([{ start: 8000, end: 8008 }]);
  });
});

describe('the race seed 003 fixes (AIO ubd before the patch)', () => {
  const reqs = [ring(1, 'write', 8000, [[9, 0, 7]]), ring(2, 'read', 8000, [[10, 0, 7]])];
  const opts = (variant: 'aio-2007' | 'aio-2007-pre'): BackendOptions => ({
    completion: { kind: 'latencies', latencyNs: [200_000, 10_000] },
    arrivalNs: [0, 5_000],
    ubd: { variant, cow: cowFile() },
  });

  it('bits set at set-up: a read of the written sectors returns the unwritten COW area', () => {
    const pages = new MemoryGrantPages();
    const res = runBackend('ubd', reqs, pages, stampedDisk(), opts('aio-2007-pre'));
    const read = res.ios.find((io) => io.op === 'read');
    expect(read).toMatchObject({ target: 'cow', submitNs: 5_000, completeNs: 15_000 });
    expect(res.hazards.map((h) => h.kind)).toEqual(['stale-cow-read']);
    expect(res.transfers.find((t) => t.request === 1)?.staleFrom).toBe('cow-unwritten');
    expect(text(pages.bytesOf(10), 0, 4)).toBe('COW!');
  });

  it('with the patch the read sees clear bits and reads the backing file', () => {
    const pages = new MemoryGrantPages();
    const res = runBackend('ubd', reqs, pages, stampedDisk(), opts('aio-2007'));
    expect(res.ios.find((io) => io.op === 'read')?.target).toBe('backing');
    expect(res.hazards).toEqual([]);
    expect(text(pages.bytesOf(10), 0)).toBe(stamp(8000));
  });

  it('pre-patch word-rounded bitmap copies can leave stale bits in the COW file', () => {
    /* W1 (sectors 0..7) and W2 (8..15) copy the same bitmap word; W1's copy lands last */
    const two = [ring(1, 'write', 0, [[9, 0, 7]]), ring(2, 'write', 8, [[10, 0, 7]])];
    const completion = { kind: 'latencies' as const, latencyNs: [1_000, 1_000, 50_000, 1_000] };
    const pre = runBackend('ubd', two, null, null, { completion, ubd: { variant: 'aio-2007-pre' } });
    expect(pre.ubd?.bitmapSet).toEqual([{ start: 0, end: 16 }]);
    expect(pre.ubd?.fileBitmapSet).toEqual([{ start: 0, end: 8 }]);
    expect(pre.hazards.map((h) => h.kind)).toEqual(['bitmap-write-overlap']);
    const post = runBackend('ubd', two, null, null, { completion, ubd: { variant: 'aio-2007' } });
    expect(post.ubd?.fileBitmapSet).toEqual([{ start: 0, end: 16 }]);
    expect(post.hazards).toEqual([]);
  });
});

describe('mainline io thread: req->offset += len (last run only)', () => {
  /* desc 0: sector 7 in the COW file (last run = 1 sector); desc 1 follows at sector 8 */
  const req = [ring(1, 'read', 0, [[9, 0, 7], [10, 0, 7]])];
  const bitmap = [0x80];

  it('literal: the next desc is read one run-length after the previous desc start', () => {
    const res = runBackend('ubd', req, new MemoryGrantPages(), stampedDisk(), { ubd: { variant: 'io-thread', bitmap } });
    expect(res.transfers.map((t) => [t.segment, t.frameStart, t.diskStart])).toEqual([
      [0, 0, 0],
      [0, 3584, 3584],
      [1, 0, 512], // should be 4096: desc 1 reads sectors 1..8
    ]);
    expect(res.ios.map((io) => io.submitNs)).toEqual([1_000, 102_000, 203_000]);
  });

  it('fixed: advancing by the desc length reads sectors 8..15', () => {
    const pages = new MemoryGrantPages();
    const res = runBackend('ubd', req, pages, stampedDisk(), { ubd: { variant: 'io-thread', bitmap, offsetAdvance: 'fixed' } });
    expect(res.transfers.at(-1)?.diskStart).toBe(4096);
    expect(text(pages.bytesOf(10), 0)).toBe(stamp(8));
  });
});
