import { describe, expect, it } from 'vitest';
import { MemoryGrantPages, runBackend } from '../../engine/backends';
import { fullPages, ring, stamp, stampedDisk, text } from './backendTestkit';

const S = 2048;
/* 64 KiB of non-contiguous pages: blkfront's 44 KiB + 20 KiB pair, consecutive shadow ids 0 and 1 */
const pair = [ring(0, 'read', S, fullPages(1, 11), 9), ring(1, 'read', S + 88, fullPages(12, 5), 9)];

describe('tapdisk io_merge (io-optimize.c): head-only merge of contiguous iocbs', () => {
  it('consecutive ids map to consecutive MMAP_VADDR slots: the pair becomes one 64 KiB iocb', () => {
    const res = runBackend('tapdisk', pair, null, null);
    expect(res.ios.map((io) => [io.fileStart, io.fileEnd - io.fileStart, io.ringIds])).toEqual([[S * 512, 65536, [0, 1]]]);
    expect(res.timeline.find((e) => e.kind === 'merge')?.detail).toBe('tiocb#0 + tiocb#1');
    expect(res.replies.map((r) => [r.id, r.status])).toEqual([
      [0, 'okay'],
      [1, 'okay'],
    ]);
  });

  it('ids that are not adjacent are not buffer-contiguous: no merge', () => {
    const res = runBackend('tapdisk', [ring(0, 'read', S, fullPages(1, 11)), ring(5, 'read', S + 88, fullPages(12, 5))], null, null);
    expect(res.ios.map((io) => io.fileEnd - io.fileStart)).toEqual([45056, 20480]);
  });

  it('merges only against the current head: a non-contiguous iocb in between starts a new head', () => {
    const res = runBackend(
      'tapdisk',
      [ring(0, 'read', 0, fullPages(1, 1)), ring(1, 'read', 800, fullPages(2, 1)), ring(2, 'read', 16, fullPages(3, 1))],
      null,
      null,
    );
    /* id 2 is buffer-contiguous with id 1 but not disk-contiguous; nothing looks back at id 0 */
    expect(res.ios.map((io) => io.ringIds)).toEqual([[0], [1], [2]]);
  });

  it('a partial segment splits td_requests inside one ring request; data lands per segment', () => {
    const pages = new MemoryGrantPages();
    const req = ring(3, 'read', 100, [
      [10, 0, 7],
      [11, 0, 3],
      [12, 0, 7],
    ]);
    const res = runBackend('tapdisk', [req], pages, stampedDisk());
    /* seg 0+1 are one treq (page slot 0 full, slot 1 starts at 0); seg 2 starts a new one at sector 112 */
    expect(res.ios.map((io) => [io.sector, io.nSectors])).toEqual([
      [100, 12],
      [112, 8],
    ]);
    expect(text(pages.bytesOf(11), 0)).toBe(stamp(108));
    expect(text(pages.bytesOf(12), 0)).toBe(stamp(112));
    expect(pages.bytesOf(11).subarray(2048).every((b) => b === 0)).toBe(true);
  });
});

describe('tapdisk io_split: a short completion of a merged iocb fails every constituent', () => {
  it('-EIO for both tiocbs, even the one wholly inside the transferred prefix', () => {
    const pages = new MemoryGrantPages();
    const res = runBackend('tapdisk', pair, pages, stampedDisk(), { faults: { shortIos: [{ io: 0, bytes: 49152 }] } });
    expect(res.ios).toHaveLength(1);
    expect(res.ios[0]).toMatchObject({ transferred: 49152, status: 0 });
    /* request 0 (44 KiB) was fully transferred, yet it fails too */
    expect(res.replies.map((r) => [r.id, r.status])).toEqual([
      [0, 'error'],
      [1, 'error'],
    ]);
    const h = res.hazards.find((x) => x.kind === 'merged-short-completion');
    expect(h?.message).toContain('49152 of 65536');
    expect(h?.message).toContain('including tiocb#0 wholly inside the transferred prefix');
    expect(h?.refs).toEqual(['io#0 complete@100000', 'tiocb#0 (req#0)', 'tiocb#1 (req#1)']);
    /* the prefix did reach the frames: the first page of request 1 holds sector S+88 */
    expect(text(pages.bytesOf(12), 0)).toBe(stamp(S + 88));
    expect(res.transfers.reduce((a, t) => a + t.frameEnd - t.frameStart, 0)).toBe(49152);
  });

  it('an unmerged short transfer fails only its own tiocb', () => {
    const reqs = [ring(0, 'read', S, fullPages(1, 11)), ring(5, 'read', S + 88, fullPages(12, 5))];
    const res = runBackend('tapdisk', reqs, null, null, { faults: { shortIos: [{ io: 1, bytes: 4096 }] } });
    expect(res.replies.map((r) => [r.id, r.status])).toEqual([
      [0, 'okay'],
      [5, 'error'],
    ]);
    expect(res.hazards).toEqual([]);
  });

  it('a failed retry-able vreq is re-issued when retries are enabled', () => {
    const res = runBackend('tapdisk', pair, null, null, { faults: { shortIos: [{ io: 0, bytes: 512 }] }, tapdisk: { maxRetries: 1 } });
    expect(res.ios).toHaveLength(2);
    expect(res.replies.map((r) => [r.id, r.status])).toEqual([
      [0, 'okay'],
      [1, 'okay'],
    ]);
    expect(res.timeline.filter((e) => e.kind === 'retry')).toHaveLength(2);
  });
});

describe('tapdisk queue: deferral when full, partial io_submit', () => {
  const four = [0, 1, 2, 3].map((i) => ring(i * 2, 'read', i * 1000, fullPages(10 + i, 1)));

  it('tiocbs beyond the queue size wait on the FIFO deferred list', () => {
    const res = runBackend('tapdisk', four, null, null, { tapdisk: { queueSize: 2 } });
    expect(res.timeline.filter((e) => e.kind === 'defer').map((e) => e.ref)).toEqual(['tiocb#2', 'tiocb#3']);
    expect(res.ios.map((io) => [io.ringIds[0], io.submitNs])).toEqual([
      [0, 0],
      [2, 0],
      [4, 100_000],
      [6, 100_000],
    ]);
    expect(res.replies.map((r) => r.id)).toEqual([0, 2, 4, 6]);
  });

  it('a partial io_submit fails the rest by walking tiocb->next', () => {
    const res = runBackend('tapdisk', four, null, null, { tapdisk: { submitLimit: 1 } });
    expect(res.ios).toHaveLength(1);
    expect(res.replies.map((r) => [r.id, r.status])).toEqual([
      [2, 'error'],
      [4, 'error'],
      [6, 'error'],
      [0, 'okay'],
    ]);
  });

  it('the ->next chain reaches into the deferred list (seed 004 as written)', () => {
    /*
     * queue of 2, io_submit takes one iocb per call. t=0: A, B queued, C → D → E deferred; A submitted,
     * B cancelled. A completes: C and D move into the queue, but D keeps ->next = E (still deferred);
     * C is submitted and cancel_tiocbs walks D → E, failing E while it is still on the deferred list.
     * E is later queued and submitted for real: its I/O completes after its request was answered.
     */
    const five = [0, 1, 2, 3, 4].map((i) => ring(10 + i, 'read', i * 1000, fullPages(20 + i, 1)));
    const res = runBackend('tapdisk', five, null, null, { tapdisk: { queueSize: 2, submitLimit: 1 } });
    expect(res.notes).toContain('cancel_tiocbs followed tiocb->next into the deferred list: deferred tiocbs were failed while still deferred');
    expect(res.replies.map((r) => [r.id, r.status, r.timeNs])).toEqual([
      [11, 'error', 0],
      [10, 'okay', 100_000],
      [13, 'error', 100_000],
      [14, 'error', 100_000],
      [12, 'okay', 200_000],
    ]);
    expect(res.ios.map((io) => [io.ringIds[0], io.submitNs])).toEqual([
      [10, 0],
      [12, 100_000],
      [14, 200_000],
    ]);
    expect(res.hazards).toMatchObject([
      { kind: 'early-reply', refs: ['io_submit partial @100000', 'io#2 complete@300000'] },
    ]);
  });
});
