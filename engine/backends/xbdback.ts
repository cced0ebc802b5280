/**
 * NetBSD xbdback (dom0 block backend), three generations, plus seed 002's deferred disconnect.
 *
 * - 'orig'     xbdback.c rev 1.4.2.6 (2005; the lines seed 000 removes): every segment frame of a
 *              ring request is mapped into ONE contiguous VA range (xen_shm_map) and a single struct
 *              buf moves `512 * Σ(last-first+1)` bytes starting at VA `first_sect(seg0)*512`. Correct
 *              only when the segments tile their frames; otherwise data slides across frames (§4.1).
 * - 'split'    seed 000 (Jed Davis, port-xen 2005-06-10): one buf per segment at
 *              `sector_number + sectors_done`, sharing a malloc'd counter; `++*io_count` just before
 *              each dispatch, reply when `--*io_count <= 0` with THIS buf's status, then FREE (§4.2).
 * - 'coalesce' xbdback_xenbus.c @ 6b803054 (tombibsd/netbsd, NetBSD-7/8): continuation code gluing
 *              page-tiling segments, across consecutive ring requests of one ring batch, into one buf of
 *              at most XENSHM_MAX_PAGES_PER_REQUEST pages; per-request rq_iocount / rq_ioerrs (§4.3).
 * Disconnect (seed 002, 2005-09-16, against rev 1.4.2.9): 'immediate' = the code before it (ring
 * unmapped at once: a later response is written to an unmapped ring → dom0 panic); 'deferred' =
 * refcnt 1 for the connection, +1 per I/O created (co_io_gotio), −1 in iodone, finish at 0 (§4.4).
 */
import type { Hazard } from '../replay/types';
import type { BackendThread } from './events';
import { BackendThread as Thread } from './events';
import type { BackendRun } from './record';
import type { DisconnectRecord, IoPiece, ModelIo } from './types';
import { FRAME, MAX_SEGMENTS, SECTOR } from './types';

export type XbdbackVariant = 'orig' | 'split' | 'coalesce';

/** VBD_MAXSECT: last sector of a 4 KiB frame in 512-byte units. */
const MAXSECT = 7;

/**
 * The instance's connection state and seed 002's reference count. Before seed 002 there was no
 * count: the disconnect handler unmapped the ring immediately.
 */
class Instance {
  state: 'connected' | 'disconnecting' | 'disconnected' = 'connected';
  refcnt = 1;
  record: DisconnectRecord | undefined;
  private disconnectRef = '';

  constructor(private readonly run: BackendRun) {
    const d = run.options.xbdback?.disconnect;
    if (!d) return;
    this.record = { mode: d.mode, requestedNs: d.atNs, respondedNs: -1, ringUnmappedNs: -1, refcnt: [], panicNs: -1 };
    if (d.mode === 'deferred') this.trace('connect');
    run.loop.at(d.atNs, () => this.disconnect());
  }

  private trace(why: string): void {
    if (this.record?.mode !== 'deferred') return;
    this.record.refcnt.push({ timeNs: this.run.loop.now, value: this.refcnt, why });
    this.run.loop.log('refcnt', 'xbdi', `${this.refcnt} (${why})`);
  }

  /** xbdback_co_main_loop only fetches requests while the event handler is bound. */
  get consuming(): boolean {
    return this.state !== 'disconnected';
  }

  private disconnect(): void {
    const rec = this.record as DisconnectRecord;
    this.disconnectRef = this.run.loop.log('disconnect', 'xbdi', rec.mode);
    if (rec.mode === 'immediate') {
      /* pre-seed-002: hypervisor_mask_event, event_remove_handler, pmap_remove of the ring, reply OKAY. */
      this.state = 'disconnected';
      rec.respondedNs = rec.ringUnmappedNs = this.run.loop.now;
      return;
    }
    /* seed 002: status = DISCONNECTING; xbdi_put drops the connection's own reference. */
    this.state = 'disconnecting';
    this.put('disconnect request');
  }

  get(why: string): void {
    if (this.record?.mode !== 'deferred') return;
    this.refcnt++;
    this.trace(why);
  }

  put(why: string): void {
    if (this.record?.mode !== 'deferred') return;
    this.refcnt--;
    this.trace(why);
    if (this.refcnt === 0) {
      /* xbdback_finish_disconnect: unbind, pmap_remove the ring, send the disconnect response. */
      const rec = this.record;
      this.state = 'disconnected';
      rec.respondedNs = rec.ringUnmappedNs = this.run.loop.now;
      this.run.loop.log('disconnect-done', 'xbdi', 'ring unmapped, disconnect response sent');
    }
  }

  /** Writes a response on the ring, unless the ring is gone (then the dom0 panics). */
  reply(r: number, status: 'okay' | 'error', cause: string): boolean {
    const rec = this.record;
    if (rec && rec.ringUnmappedNs >= 0) {
      if (rec.panicNs < 0) {
        rec.panicNs = this.run.loop.now;
        this.run.hazard(
          'disconnect-in-flight',
          r,
          `response for ${this.run.ringRef(r)} written to the ring unmapped at ${rec.ringUnmappedNs} ns: dom0 panic (seed 002)`,
          [this.disconnectRef, cause],
        );
      }
      this.run.notes.add('responses after the ring was unmapped are not delivered (dom0 panicked)');
      return false;
    }
    this.run.reply(r, status);
    return true;
  }
}

/** A ring request the thread refuses before any I/O (nr_segments, EROFS). */
function rejects(run: BackendRun, r: number): 'EINVAL' | 'EROFS' | null {
  const req = run.requests[r];
  if (req.segments.length < 1 || req.segments.length > MAX_SEGMENTS) return 'EINVAL';
  if (req.op === 'write' && run.options.readOnly) return 'EROFS';
  return null;
}

function tiles(run: BackendRun, r: number): boolean {
  const segs = run.requests[r].segments;
  return segs.every((s, k) => (k === segs.length - 1 || s.lastSect === MAXSECT) && (k === 0 || s.firstSect === 0));
}

/**
 * The single-VA transfer of xen_shm_map + one buf: bytes [vaStart, vaStart + bcount) of the
 * concatenated frames ↔ consecutive file bytes from `diskStart`. `frames[k]` is the (request,
 * segment) whose frame is mapped as page k.
 */
export function singleVaPieces(frames: { request: number; segment: number }[], vaStart: number, bcount: number, diskStart: number): IoPiece[] {
  const out: IoPiece[] = [];
  let v = vaStart;
  const end = vaStart + bcount;
  while (v < end) {
    const k = Math.floor(v / FRAME);
    const stop = Math.min(end, (k + 1) * FRAME);
    const f = frames[k];
    const off = diskStart + (v - vaStart);
    out.push({ request: f.request, segment: f.segment, frameStart: v - k * FRAME, frameEnd: stop - k * FRAME, fileOffset: off, diskStart: off });
    v = stop;
  }
  return out;
}

export function runXbdback(run: BackendRun, variant: XbdbackVariant): Record<string, unknown> {
  const inst = new Instance(run);
  const ring: number[] = [];
  const thread: BackendThread = new Thread(run.loop);
  const body = variant === 'orig' ? orig(run, inst) : variant === 'split' ? split(run, inst) : coalesce(run, inst, thread);
  if (inst.record) {
    run.notes.add(
      inst.record.mode === 'deferred'
        ? 'seed 002 refcount applied per backend I/O (it was written against the 1.4.2.9 continuation code); its decrement is a non-atomic i386 decl'
        : 'disconnect before seed 002: ring unmapped at once; requests arriving afterwards are not fetched',
    );
  }

  /* xbdback_co_main: snapshot req_prod; loop over the batch; co_main_done flushes the open I/O;
   * co_main_done2: RING_FINAL_CHECK_FOR_REQUESTS and start over if more arrived meanwhile. */
  const coMain = (): number => {
    const batch = ring.splice(0);
    const items: (() => number)[] = [];
    for (const r of batch) {
      items.push(() => {
        if (!inst.consuming) {
          run.loop.log('drop', run.ringRef(r), 'instance disconnected: request not fetched');
          return 0;
        }
        const bad = rejects(run, r);
        if (bad) {
          inst.reply(r, 'error', `${run.ringRef(r)} ${bad}`);
          return 0;
        }
        thread.pushNext(body.consume(r));
        return 0;
      });
    }
    items.push(body.mainDone, () => {
      if (ring.length > 0) thread.pushNext([coMain]);
      return 0;
    });
    thread.pushNext(items);
    return 0;
  };

  run.requests.forEach((req, r) => {
    run.loop.at(run.arrival(r), () => {
      run.loop.log('arrive', run.ringRef(r), `${req.op} sector ${req.sector} nseg ${req.segments.length}`);
      ring.push(r);
      if (!thread.busy) thread.push(coMain);
    });
  });
  run.loop.run();
  return inst.record ? { disconnect: inst.record } : {};
}

interface Body {
  consume(r: number): (() => number)[];
  mainDone: () => number;
}

/** rev 1.4.2.6: one buf over one contiguous VA mapping of all the request's frames. */
function orig(run: BackendRun, inst: Instance): Body {
  return {
    mainDone: () => 0,
    consume: (r) => [
      () => {
        const req = run.requests[r];
        const segs = req.segments;
        const vaStart = segs[0].firstSect * SECTOR;
        const bcount = SECTOR * segs.reduce((a, s) => a + (s.lastSect - s.firstSect + 1), 0);
        if (bcount < 0) {
          /* "negative-size request" → EINVAL */
          inst.reply(r, 'error', `${run.ringRef(r)} EINVAL negative size`);
          return 0;
        }
        if (vaStart < 0 || vaStart + bcount > segs.length * FRAME) {
          /* DIAGNOSTIC: "doesn't fit in %d segments" → panic("xbdback_do_io: not enouth segments") */
          run.hazard('bug-on', r, `${run.ringRef(r)}: ${bcount} bytes from VA ${vaStart} do not fit in ${segs.length} mapped frames (DIAGNOSTIC panic)`, []);
          return 0;
        }
        const frames = segs.map((_, k) => ({ request: r, segment: k }));
        const io = run.addIo({
          label: 'buf',
          kind: 'data',
          op: req.op,
          target: 'disk',
          fileStart: req.sector * SECTOR,
          fileEnd: req.sector * SECTOR + bcount,
          pieces: singleVaPieces(frames, vaStart, bcount, req.sector * SECTOR),
          requests: [r],
        });
        inst.get(`io#${io.id} created`);
        if (!tiles(run, r)) {
          run.hazard(
            'data-slide',
            r,
            `${run.ringRef(r)}: segments do not tile their frames; one VA mapping moves disk bytes outside the [first_sect, last_sect] windows (xbdback.c 1.4.2.6)`,
            [`io#${io.id}`],
          );
        }
        run.submit(io, (done) => {
          inst.reply(r, done.status === 0 ? 'okay' : 'error', `io#${done.id} complete@${run.loop.now}`);
          inst.put(`io#${done.id} iodone`);
        });
        return run.dispatchNs;
      },
    ],
  };
}

interface SplitState {
  /** The malloc'd int of seed 000 (it keeps counting after FREE: nothing reuses the memory here). */
  ioCount: number;
  freed: boolean;
  issued: number;
  aborted: boolean;
  replyRefs: string[];
  failedSinceReply: number[];
  early: Hazard | null;
}

/** seed 000: one buf per segment, shared counter, reply at the first return to zero. */
function split(run: BackendRun, inst: Instance): Body {
  run.notes.add('seed 000: a reply is sent whenever the shared counter returns to 0 (status of that buf); the counter is used after FREE');
  const iodone = (r: number, st: SplitState) => (io: ModelIo) => {
    const ref = `io#${io.id} complete@${run.loop.now}`;
    if (io.status !== 0) st.failedSinceReply.push(io.id);
    st.ioCount--;
    if (st.ioCount <= 0) {
      const status = io.status === 0 ? 'okay' : 'error';
      const n = run.requests[r].segments.length;
      const refs = [ref];
      if (st.replyRefs.length > 0) {
        run.hazard('duplicate-reply', r, `${run.ringRef(r)} answered again (counter reused after FREE)`, [...st.replyRefs, ref]);
      } else if (st.issued < n && !st.aborted) {
        st.early = run.hazard(
          'early-reply',
          r,
          `${run.ringRef(r)} answered when io#${io.id} completed with segments ${st.issued}..${n - 1} not yet issued (seed 000: counter incremented only just before each dispatch)`,
          refs,
        );
      }
      if (status === 'okay' && st.failedSinceReply.length > 0) {
        run.hazard(
          'status-overwritten',
          r,
          `${run.ringRef(r)} answered OKAY by io#${io.id} although ${st.failedSinceReply.map((i) => `io#${i}`).join(', ')} failed (status of the last I/O wins)`,
          [...st.failedSinceReply.map((i) => `io#${i}`), ref],
        );
      }
      st.failedSinceReply = [];
      if (inst.reply(r, status, ref)) st.replyRefs.push(`${run.ringRef(r)} reply@${run.loop.now}`);
      st.freed = true;
    }
    inst.put(`io#${io.id} iodone`);
  };
  return {
    mainDone: () => 0,
    consume: (r) => {
      const req = run.requests[r];
      const st: SplitState = { ioCount: 0, freed: false, issued: 0, aborted: false, replyRefs: [], failedSinceReply: [], early: null };
      let sectorsDone = 0;
      return req.segments.map((seg, i) => () => {
        if (st.aborted) return 0;
        const count = seg.lastSect - seg.firstSect + 1;
        if (count < 0) {
          /* "negative-size request": EINVAL to the caller, which replies, while earlier bufs are in flight. */
          st.aborted = true;
          if (st.ioCount === 0) st.freed = true;
          const ref = `${run.ringRef(r)} EINVAL at segment ${i}`;
          if (st.replyRefs.length > 0 || st.ioCount > 0) {
            run.notes.add('seed 000 error path: an error reply while earlier segments are in flight (a second reply follows)');
          }
          if (inst.reply(r, 'error', ref)) st.replyRefs.push(`${run.ringRef(r)} reply@${run.loop.now}`);
          return 0;
        }
        if (seg.firstSect < 0 || (seg.firstSect + count) * SECTOR > FRAME) {
          /* DIAGNOSTIC in xbdback_do_io: "doesn't fit in %d segments" → panic */
          st.aborted = true;
          run.hazard('bug-on', r, `${run.ringRef(r)} segment ${i} [${seg.firstSect},${seg.lastSect}] does not fit its frame (DIAGNOSTIC panic)`, []);
          return 0;
        }
        const off = (req.sector + sectorsDone) * SECTOR;
        sectorsDone += count;
        const io = run.addIo({
          label: 'buf',
          kind: 'data',
          op: req.op,
          target: 'disk',
          fileStart: off,
          fileEnd: off + count * SECTOR,
          pieces: [{ request: r, segment: i, frameStart: seg.firstSect * SECTOR, frameEnd: (seg.lastSect + 1) * SECTOR, fileOffset: off, diskStart: off }],
          requests: [r],
        });
        inst.get(`io#${io.id} created`);
        if (st.freed) run.notes.add('seed 000: ++*io_count on a counter already freed by an early reply (use after free)');
        st.ioCount++;
        st.issued = i + 1;
        run.submit(io, iodone(r, st));
        if (st.early && st.early.refs) st.early.refs.push(`io#${io.id} issue@${run.loop.now}`);
        return run.dispatchNs;
      });
    },
  };
}

interface OpenIo {
  op: 'read' | 'write';
  blkno: number;
  dataOffset: number;
  frames: { request: number; segment: number }[];
  bcount: number;
  /** SLIST_INSERT_HEAD order: most recent request first. */
  fragments: number[];
}

/** xbdback_xenbus.c @ 6b803054: co_io_gotreq / co_io_loop / co_io_gotio / gotfrag / map_io / iodone. */
function coalesce(run: BackendRun, inst: Instance, thread: BackendThread): Body {
  const maxPages = run.options.xbdback?.maxPages ?? 16;
  const iocount = run.requests.map(() => 0);
  const ioerrs = run.requests.map(() => 0);
  let open: OpenIo | null = null;
  let nextSector = 0;
  let thisLs = 0;

  const iodone = (fragments: number[]) => (io: ModelIo) => {
    const ref = `io#${io.id} complete@${run.loop.now}`;
    for (const r of fragments) {
      if (io.status !== 0) ioerrs[r]++;
      if (--iocount[r] > 0) continue;
      inst.reply(r, ioerrs[r] > 0 ? 'error' : 'okay', ref);
    }
    inst.put(`io#${io.id} iodone`);
  };

  /** xbdback_co_map_io + co_do_io: map the grefs contiguously, b_data += vaddr, bdev_strategy. */
  const flush = (): number => {
    const o = open as OpenIo;
    open = null;
    const start = o.blkno * SECTOR;
    if (o.dataOffset < 0 || o.dataOffset + o.bcount > o.frames.length * FRAME) {
      /* DIAGNOSTIC in xbdback_co_do_io: "doesn't fit in %d pages" → panic("not enough pages") */
      run.hazard('bug-on', o.fragments[0], `buf of ${o.bcount} bytes from VA ${o.dataOffset} does not fit in ${o.frames.length} mapped frames (DIAGNOSTIC panic)`, []);
      const io = run.addIo({ label: 'buf', kind: 'data', op: o.op, target: 'disk', fileStart: start, fileEnd: start, pieces: [], requests: o.fragments });
      io.submitNs = io.completeNs = run.loop.now;
      io.status = -22;
      inst.get(`io#${io.id} created`);
      iodone([...o.fragments])(io);
      return 0;
    }
    const io = run.addIo({
      label: 'buf',
      kind: 'data',
      op: o.op,
      target: 'disk',
      fileStart: start,
      fileEnd: start + o.bcount,
      pieces: singleVaPieces(o.frames, o.dataOffset, o.bcount, start),
      requests: [...o.fragments].reverse(),
    });
    inst.get(`io#${io.id} created`);
    run.loop.log('merge', `io#${io.id}`, `${o.frames.length} pages from ${o.fragments.length} request(s)`);
    run.submit(io, iodone([...o.fragments]));
    return run.dispatchNs;
  };

  const segment = (r: number, k: number): (() => number) => {
    const step = (): number => {
      const req = run.requests[r];
      const seg = req.segments[k];
      const lastLs = thisLs;
      thisLs = seg.lastSect;
      if (open !== null) {
        const glue = lastLs === MAXSECT && seg.firstSect === 0 && open.frames.length < maxPages;
        /* the same-page branch (last_ls + 1 == this_fs) is compiled out with "&& 0" */
        if (!glue) {
          const cost = flush();
          thread.pushNext([step]);
          return cost;
        }
      }
      if (open === null) {
        open = { op: req.op, blkno: nextSector, dataOffset: seg.firstSect * SECTOR, frames: [], bcount: 0, fragments: [] };
      }
      if (k === 0 || open.fragments.length === 0) {
        open.fragments.unshift(r);
        iocount[r]++;
      }
      const size = seg.lastSect - seg.firstSect + 1;
      if (size < 0) {
        /* xbdback_io_error(io, EINVAL): iodone at once with an error; the rest of the request is skipped. */
        const o = open as OpenIo;
        open = null;
        const io = run.addIo({ label: 'buf', kind: 'data', op: o.op, target: 'disk', fileStart: o.blkno * SECTOR, fileEnd: o.blkno * SECTOR, pieces: [], requests: o.fragments });
        io.submitNs = io.completeNs = run.loop.now;
        io.status = -22;
        inst.get(`io#${io.id} created`);
        iodone(o.fragments)(io);
        skip.add(r);
        return 0;
      }
      open.frames.push({ request: r, segment: k });
      open.bcount += size * SECTOR;
      nextSector += size;
      return 0;
    };
    return () => (skip.has(r) ? 0 : step());
  };
  const skip = new Set<number>();

  return {
    mainDone: () => (open !== null ? flush() : 0),
    consume: (r) => {
      const req = run.requests[r];
      const gotreq = (): number => {
        if (open !== null) {
          const last = run.requests[open.fragments[0]];
          if (req.op !== last.op || req.sector !== nextSector) {
            nextSector = req.sector;
            return flush();
          }
          return 0;
        }
        nextSector = req.sector;
        return 0;
      };
      return [gotreq, ...req.segments.map((_, k) => segment(r, k))];
    },
  };
}
