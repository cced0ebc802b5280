/**
 * blktap2 tapdisk (tools/blktap2/drivers), image driver block-aio, async queue.
 *
 * - tapdisk-vbd.c tapdisk_vbd_issue_request (xen-project/xen @ 447e175b): segment i of ring request
 *   `id` lives at MMAP_VADDR(vstart, id, i) + first_sect*512, slots of one request being consecutive
 *   pages (`(id * 11 + i) * PAGE_SIZE`); segments join the current td_request while
 *   `page == treq.buf + treq.secs * 512`, else the treq is submitted and a new one starts at the
 *   current sector. block-aio turns each treq into one tiocb (pread/pwrite secs*512 at sec*512).
 * - tapdisk-queue.c (seed 004, Xen 19647:1c627434605e, 2009-05-26): tapdisk_queue_tiocb appends to
 *   the batch unless `tiocbs_pending + queued >= size`, else to the FIFO `deferred` list (both linked
 *   through tiocb->next); tapdisk_submit_tiocbs = io_merge → io_submit; a partial submit re-expands
 *   and cancels the rest by walking tiocb->next; after each completion batch deferred tiocbs move into
 *   the queue while it is not full, and the server loop submits again.
 * - io-optimize.c (@ bd5573a6): io_merge appends an iocb to the CURRENT HEAD only, if same opcode,
 *   same fd, `head.offset + head.nbytes == io.offset` and `head.buf + head.nbytes == io.buf` (head
 *   nbytes is cumulative); each merged iocb takes an opio (pool = queue size). io_split: for a merged
 *   event, err = 0 if res == merged nbytes, res if negative, else -EIO; every constituent then gets
 *   err or its own nbytes. complete_tiocb: res == nbytes → 0, negative → res, else -EIO.
 */
import { PRIO_AFTER } from './events';
import type { BackendRun } from './record';
import { EIO } from './record';
import type { IoPiece, ModelIo } from './types';
import { FRAME, MAX_SEGMENTS, SECTOR } from './types';

/** TAPDISK_DATA_REQUESTS (32 × 11) + 50, recalled from tapdisk.h; pass TapdiskOptions.queueSize to override. */
export const TAPDISK_DEFAULT_QUEUE = 402;
const EINVAL = -22;
const EPERM = -1;

interface Tiocb {
  id: number;
  vreq: number;
  op: 'read' | 'write';
  /** Byte offset in the image file. */
  offset: number;
  nbytes: number;
  /** Address in tapdisk's mapping of the ring's data pages (vstart = 0). */
  buf: number;
  pieces: IoPiece[];
  /** tiocb->next: the queued batch and the deferred list are both chained through it. */
  next: number;
  completions: number;
  firstCompletion: string;
}

interface Vreq {
  secsPending: number;
  submitting: number;
  error: number;
  retries: number;
  replied: number;
}

interface MergedIocb {
  head: number;
  members: number[];
  nbytes: number;
  /** Holds opios (io_merge went through opio_get for its head). */
  optimized: boolean;
}

export function runTapdisk(run: BackendRun): Record<string, unknown> {
  const opt = run.options.tapdisk ?? {};
  const size = opt.queueSize ?? TAPDISK_DEFAULT_QUEUE;
  const submitLimit = opt.submitLimit ?? Infinity;
  const maxRetries = opt.maxRetries ?? 0;
  const tiocbs: Tiocb[] = [];
  const vreqs: Vreq[] = run.requests.map(() => ({ secsPending: 0, submitting: 0, error: 0, retries: 0, replied: 0 }));
  let queued: number[] = [];
  let deferHead = -1;
  let deferTail = -1;
  let tiocbsPending = 0;
  let freeOpios = size;
  let newRequests: number[] = [];
  let iterating = false;
  let reapReady: { io: ModelIo; m: MergedIocb }[] = [];

  run.notes.add('tapdisk: one image (block-aio), async queue; tiocb->next shared by the batch and the deferred list, as in seed 004');
  if (maxRetries === 0) run.notes.add('tapdisk-vbd.c retries failed vreqs until TD_VBD_REQUEST_TIMEOUT; this run does not retry (tapdisk.maxRetries)');

  const full = () => tiocbsPending + queued.length >= size;

  const queueTiocb = (t: Tiocb) => {
    if (queued.length > 0) tiocbs[queued[queued.length - 1]].next = t.id;
    queued.push(t.id);
  };

  const enqueue = (t: Tiocb) => {
    if (!full()) {
      queueTiocb(t);
      return;
    }
    /* defer_tiocb: tail->next = tiocb (FIFO) */
    if (deferHead < 0) deferHead = deferTail = t.id;
    else deferTail = tiocbs[deferTail].next = t.id;
    run.loop.log('defer', `tiocb#${t.id}`, `queue full (${tiocbsPending} pending + ${queued.length} queued >= ${size})`);
  };

  /** queue_deferred_tiocbs: the moved tiocb keeps its ->next (the rest of the deferred list). */
  const undefer = () => {
    while (!full() && deferHead >= 0) {
      const t = tiocbs[deferHead];
      deferHead = t.next;
      if (deferHead < 0) deferTail = -1;
      queueTiocb(t);
    }
  };

  const completeVreq = (r: number, cause: string) => {
    const v = vreqs[r];
    if (v.submitting !== 0 || v.secsPending !== 0) return;
    if (v.error !== 0 && v.retries < maxRetries) {
      v.retries++;
      run.loop.log('retry', run.ringRef(r), `error ${v.error}, retry ${v.retries}`);
      v.error = 0;
      newRequests.push(r);
      return;
    }
    if (v.replied > 0) run.hazard('duplicate-reply', r, `${run.ringRef(r)} completed again`, [cause]);
    v.replied++;
    run.reply(r, v.error === 0 ? 'okay' : 'error');
  };

  /** __tapdisk_vbd_complete_td_request via block-aio's tdaio_complete. */
  const completeTiocb = (t: Tiocb, res: number, cause: string) => {
    const err = res === t.nbytes ? 0 : res < 0 ? res : EIO;
    t.completions++;
    if (t.completions === 1) t.firstCompletion = cause;
    else {
      run.hazard(
        'early-reply',
        t.vreq,
        `tiocb#${t.id} of ${run.ringRef(t.vreq)} completes again: its request was already answered when it was failed while still deferred`,
        [t.firstCompletion, cause],
      );
    }
    const v = vreqs[t.vreq];
    v.secsPending -= t.nbytes / SECTOR;
    if (err !== 0 && v.error === 0) v.error = err;
    completeVreq(t.vreq, cause);
  };

  const issueRequest = (r: number) => {
    const req = run.requests[r];
    const v = vreqs[r];
    v.submitting = 1;
    const bad =
      req.segments.length < 1 || req.segments.length > MAX_SEGMENTS || req.segments.some((s) => s.firstSect > s.lastSect || s.lastSect > 7)
        ? EINVAL
        : req.op === 'write' && run.options.readOnly
          ? EPERM
          : 0;
    if (bad !== 0) {
      v.error = bad;
      v.submitting = 0;
      completeVreq(r, `${run.ringRef(r)} check_ring_request ${bad}`);
      return;
    }
    let sector = req.sector;
    let treq: { buf: number; sec: number; secs: number; pieces: IoPiece[] } | null = null;
    const submitTreq = () => {
      const t = treq as NonNullable<typeof treq>;
      const tiocb: Tiocb = {
        id: tiocbs.length,
        vreq: r,
        op: req.op,
        offset: t.sec * SECTOR,
        nbytes: t.secs * SECTOR,
        buf: t.buf,
        pieces: t.pieces,
        next: -1,
        completions: 0,
        firstCompletion: '',
      };
      tiocbs.push(tiocb);
      enqueue(tiocb);
      treq = null;
    };
    req.segments.forEach((s, i) => {
      const nsects = s.lastSect - s.firstSect + 1;
      const page = (req.id * MAX_SEGMENTS + i) * FRAME + s.firstSect * SECTOR;
      const piece: IoPiece = {
        request: r,
        segment: i,
        frameStart: s.firstSect * SECTOR,
        frameEnd: (s.lastSect + 1) * SECTOR,
        fileOffset: sector * SECTOR,
        diskStart: sector * SECTOR,
      };
      if (treq !== null) {
        if (page === treq.buf + treq.secs * SECTOR) {
          treq.secs += nsects;
          treq.pieces.push(piece);
        } else submitTreq();
      }
      if (treq === null) treq = { buf: page, sec: sector, secs: nsects, pieces: [piece] };
      v.secsPending += nsects;
      if (i === req.segments.length - 1) submitTreq();
      sector += nsects;
    });
    v.submitting = 0;
    if (v.secsPending === 0) completeVreq(r, `${run.ringRef(r)} empty`);
  };

  /** io_merge: head-only, opio-limited. */
  const merge = (ids: number[]): MergedIocb[] => {
    const out: MergedIocb[] = [];
    let head: MergedIocb | null = null;
    for (const id of ids) {
      const io = tiocbs[id];
      if (head !== null) {
        const h = tiocbs[head.head];
        if (h.op === io.op && h.offset + head.nbytes === io.offset && h.buf + head.nbytes === io.buf) {
          /* merge_tail: opio_get(head) then opio_get(io); -ENOMEM on either → not merged */
          if (!head.optimized && freeOpios > 0) {
            freeOpios--;
            head.optimized = true;
          }
          if (head.optimized && freeOpios > 0) {
            freeOpios--;
            head.members.push(id);
            head.nbytes += io.nbytes;
            continue;
          }
        }
      }
      head = { head: id, members: [id], nbytes: io.nbytes, optimized: false };
      out.push(head);
    }
    return out;
  };

  const release = (m: MergedIocb) => {
    if (m.optimized) freeOpios += m.members.length;
  };

  /** io_split + complete_tiocb for one event batch, then queue_deferred_tiocbs and the next submit. */
  const reap = () => {
    const batch = reapReady;
    reapReady = [];
    for (const { io, m } of batch) {
      const res = io.status < 0 ? io.status : io.transferred;
      const cause = `io#${io.id} complete@${run.loop.now}`;
      tiocbsPending -= m.members.length;
      if (m.optimized) {
        const err = res === m.nbytes ? 0 : res < 0 ? res : EIO;
        release(m);
        if (err === EIO && m.members.length > 1) {
          let at = 0;
          const inside: string[] = [];
          for (const id of m.members) {
            if (at + tiocbs[id].nbytes <= res) inside.push(`tiocb#${id}`);
            at += tiocbs[id].nbytes;
          }
          run.hazard(
            'merged-short-completion',
            tiocbs[m.head].vreq,
            `short completion of merged iocb io#${io.id} (${res} of ${m.nbytes} bytes): all ${m.members.length} tiocbs fail with -EIO` +
              (inside.length > 0 ? `, including ${inside.join(', ')} wholly inside the transferred prefix` : ''),
            [cause, ...m.members.map((id) => `tiocb#${id} (${run.ringRef(tiocbs[id].vreq)})`)],
          );
        }
        for (const id of m.members) completeTiocb(tiocbs[id], err !== 0 ? err : tiocbs[id].nbytes, cause);
      } else {
        completeTiocb(tiocbs[m.head], res, cause);
      }
    }
    undefer();
    iterate();
  };

  const submitAll = () => {
    if (queued.length === 0) return;
    const batchIds = queued;
    const merged = merge(batchIds);
    const accepted = Math.min(merged.length, submitLimit);
    tiocbsPending += batchIds.length;
    queued = [];
    merged.slice(0, accepted).forEach((m) => {
      const members = m.members.map((id) => tiocbs[id]);
      const h = members[0];
      const io = run.addIo({
        label: 'iocb',
        kind: 'data',
        op: h.op,
        target: 'disk',
        fileStart: h.offset,
        fileEnd: h.offset + m.nbytes,
        pieces: members.flatMap((t) => t.pieces),
        requests: members.map((t) => t.vreq),
      });
      if (m.members.length > 1) run.loop.log('merge', `io#${io.id}`, m.members.map((id) => `tiocb#${id}`).join(' + '));
      run.submit(io, (done) => {
        reapReady.push({ io: done, m });
        if (reapReady.length === 1) run.loop.at(run.loop.now, reap, PRIO_AFTER);
      });
    });
    if (accepted < merged.length) {
      /* fail_tiocbs: io_expand_iocbs of the unsubmitted ones, then cancel_tiocbs walks ->next from the first */
      const rest = merged.slice(accepted);
      rest.forEach(release);
      const first = rest[0].members[0];
      run.loop.log('submit-failed', `tiocb#${first}`, `io_submit took ${accepted} of ${merged.length}`);
      let cancelled = 0;
      const seen = new Set<number>();
      for (let id = first; id >= 0 && !seen.has(id); id = tiocbs[id].next) {
        seen.add(id);
        cancelled++;
        completeTiocb(tiocbs[id], EIO, `io_submit partial @${run.loop.now}`);
      }
      const expected = rest.reduce((a, m) => a + m.members.length, 0);
      if (cancelled !== expected) {
        run.notes.add('cancel_tiocbs followed tiocb->next into the deferred list: deferred tiocbs were failed while still deferred');
      }
      tiocbsPending -= cancelled;
    }
  };

  /** One tapdisk server loop pass: issue new (and retried) vreqs, then tapdisk_submit_all_tiocbs. */
  const iterate = () => {
    const batch = newRequests;
    newRequests = [];
    for (const r of batch) issueRequest(r);
    submitAll();
    if (newRequests.length > 0) iterate();
  };

  run.requests.forEach((req, r) => {
    run.loop.at(run.arrival(r), () => {
      run.loop.log('arrive', run.ringRef(r), `${req.op} sector ${req.sector} nseg ${req.segments.length}`);
      newRequests.push(r);
      if (!iterating) {
        iterating = true;
        run.loop.at(run.loop.now, () => {
          iterating = false;
          iterate();
        });
      }
    });
  });
  run.loop.run();
  return {};
}
