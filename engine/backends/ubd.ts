/**
 * UML ubd with a COW file (arch/um/drivers/ubd_kern.c, cow_user.c), three generations:
 *
 * - 'aio-2007'     seed 003 (Jeff Dike, Nov 2007, against the -mm AIO ubd on 2.6.17): WRITE bits are
 *                  NOT set at set-up; `[bitmap_start, bitmap_end)` sectors are recorded and the bitmap
 *                  byte range `[off, off + len)` (off = bitmap_start/8) becomes a bitmap_io. When the last
 *                  data aio of the write completes, bitmap_start() sets the bits and writes the bytes
 *                  straight from the live bitmap, unless the range overlaps a pending bitmap write
 *                  (then it waits on waiting_bitmaps; each completion retries overlapping waiters). A READ
 *                  run of clear bits that read_overlaps() a pending or waiting bitmap write returns
 *                  -EAGAIN and stalls the queue until an I/O completes.
 * - 'aio-2007-pre' the same driver before seed 003: cowify_bitmap sets the bits at set-up and the
 *                  word-rounded bitmap chunk is copied (kmalloc + memcpy) and written after the data.
 * - 'io-thread'    mainline (ubd_kern.c, blk-mq era): one helper thread, requests strictly in order,
 *                  bits set at map time, each desc split into runs, data before the 16-byte bitmap
 *                  update, and `req->offset += len` with len = the LAST run only (§7.2, switchable).
 *
 * Bit for sector s: byte s/8, bit s%8, LSB first. Bit 1: COW file at data_offset + s*512; bit 0:
 * backing file at s*512. One io_thread_req (desc) per ring segment, as one bvec per sg entry.
 */
import { BackendThread } from './events';
import type { BackendRun } from './record';
import type { IoPiece, ModelIo, UbdState } from './types';
import { SECTOR } from './types';

/** sizeof(struct cow_header_v3) ≤ 4136 on every ABI; with alignment 512 the bitmap starts at 4608. */
export const UBD_DEFAULT_BITMAP_OFFSET = 4608;

interface Desc {
  r: number;
  k: number;
  op: 'read' | 'write';
  sector: number;
  nsectors: number;
  frameStart: number;
}

interface BitmapIo {
  id: number;
  /** Byte range of the bitmap. */
  start: number;
  end: number;
  /** Pre-2007: the kmalloc'd copy; 2007: null (written from the live bitmap). */
  copy: Uint8Array | null;
  /** Data aios still to complete before the bitmap goes out. */
  count: number;
  /** The data aio whose completion triggers it (aio_ptr) and the sectors it sets. */
  setStart: number;
  setEnd: number;
  request: number;
  state: 'new' | 'waiting' | 'pending' | 'done';
  io: number;
}

/** Sorted disjoint [start, end) sector ranges. */
class Ranges {
  /** `sorted` must already be sorted and disjoint (setRanges output). */
  constructor(private list: { start: number; end: number }[] = []) {}
  add(start: number, end: number): void {
    if (start >= end) return;
    const l = this.list;
    /* first range that touches or follows [start, end) */
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (l[mid].end < start) lo = mid + 1;
      else hi = mid;
    }
    let j = lo;
    let s = start;
    let e = end;
    while (j < l.length && l[j].start <= e) {
      s = Math.min(s, l[j].start);
      e = Math.max(e, l[j].end);
      j++;
    }
    l.splice(lo, j - lo, { start: s, end: e });
  }
  covers(start: number, end: number): boolean {
    let lo = 0;
    let hi = this.list.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.list[mid].start <= start) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at >= 0 && this.list[at].end >= end;
  }
}

export const testBit = (bitmap: Uint8Array, s: number): number => ((bitmap[s >> 3] ?? 0) >> (s & 7)) & 1;
const setBit = (bitmap: Uint8Array, s: number): void => {
  if (s >> 3 < bitmap.length) bitmap[s >> 3] |= 1 << (s & 7);
};

/** Maximal runs of equal bits over [sector, sector + n): request-relative [start, end) and the bit. */
export function bitRuns(bitmap: Uint8Array, sector: number, n: number): { start: number; end: number; bit: number }[] {
  const out: { start: number; end: number; bit: number }[] = [];
  let start = 0;
  while (start < n) {
    const bit = testBit(bitmap, sector + start);
    let end = start;
    while (end < n && testBit(bitmap, sector + end) === bit) end++;
    out.push({ start, end, bit });
    start = end;
  }
  return out;
}

function setRanges(bitmap: Uint8Array, sectors: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let s = 0;
  while (s < sectors) {
    if (bitmap[s >> 3] === 0 && (s & 7) === 0) {
      s += 8;
      continue;
    }
    if (!testBit(bitmap, s)) {
      s++;
      continue;
    }
    const start = s;
    while (s < sectors && testBit(bitmap, s)) s++;
    out.push({ start, end: s });
  }
  return out;
}

/** BETWEEN / OVERLAP of seed 003 (half-open intervals). */
const between = (p: number, s: number, e: number) => p >= s && p < e;
export const overlap = (r1s: number, r1e: number, r2s: number, r2e: number) => between(r1s, r2s, r2e) || between(r2s, r1s, r1e);

export function runUbd(run: BackendRun): Record<string, unknown> {
  const opt = run.options.ubd ?? {};
  const variant = opt.variant ?? 'aio-2007';
  const maxEnd = run.requests.reduce((a, q) => Math.max(a, q.sector + q.segments.reduce((b, s) => b + Math.max(0, s.lastSect - s.firstSect + 1), 0)), 0);
  const sectors = opt.sectors ?? run.files.disk?.sectors ?? maxEnd;
  const bitmapLen = Math.ceil(sectors / 8);
  const bitmap = new Uint8Array(bitmapLen);
  if (opt.bitmap) bitmap.set(Array.from(opt.bitmap).slice(0, bitmapLen));
  const fileBitmap = bitmap.slice();
  const bitmapOffset = opt.bitmapOffset ?? UBD_DEFAULT_BITMAP_OFFSET;
  const dataOffset = opt.dataOffset ?? Math.ceil((bitmapOffset + bitmapLen) / SECTOR) * SECTOR;
  run.files.cow = opt.cow ?? null;
  const state: UbdState = { bitmapSet: [], fileBitmapSet: [], bitmapOffset, dataOffset, stalls: [] };

  /** COW sectors whose data is in the file: initially set bits, then every landed COW write. */
  const landed = new Ranges(setRanges(bitmap, sectors));

  const descs: Desc[][] = run.requests.map((req, r) => {
    let sector = req.sector;
    return req.segments.map((s, k) => {
      const n = Math.max(0, s.lastSect - s.firstSect + 1);
      const d: Desc = { r, k, op: req.op, sector, nsectors: n, frameStart: s.firstSect * SECTOR };
      sector += n;
      return d;
    });
  });
  /* per request: descs not yet submitted, I/Os (data + bitmap) outstanding, any error */
  const descsLeft = descs.map((d) => d.length);
  const outstanding = run.requests.map(() => 0);
  const failed = run.requests.map(() => false);
  const maybeReply = (r: number) => {
    if (descsLeft[r] === 0 && outstanding[r] === 0) run.reply(r, failed[r] ? 'error' : 'okay');
  };

  /** One run of a desc as a data I/O: bit 1 → COW at data_offset, bit 0 → backing at 0. */
  const dataIo = (d: Desc, start: number, end: number, bit: number, base: number): ModelIo => {
    const fileOff = (bit ? dataOffset : 0) + base + start * SECTOR;
    const logical = base + start * SECTOR;
    const piece: IoPiece = {
      request: d.r,
      segment: d.k,
      frameStart: d.frameStart + start * SECTOR,
      frameEnd: d.frameStart + end * SECTOR,
      fileOffset: fileOff,
      diskStart: logical,
    };
    return run.addIo({
      label: d.op === 'read' ? 'pread' : 'pwrite',
      kind: 'data',
      op: d.op,
      target: bit ? 'cow' : 'backing',
      fileStart: fileOff,
      fileEnd: fileOff + (end - start) * SECTOR,
      pieces: [piece],
      requests: [d.r],
    });
  };

  const staleReported = new Set<number>();
  run.readStale = (io, p) => {
    if (io.target !== 'cow') return false;
    const s = p.diskStart / SECTOR;
    const e = s + (p.frameEnd - p.frameStart) / SECTOR;
    if (landed.covers(s, e)) return false;
    if (!staleReported.has(io.id)) {
      staleReported.add(io.id);
      run.hazard(
        'stale-cow-read',
        p.request,
        `io#${io.id} read COW data area of sectors ${s}..${e - 1} before any write filled it (${
          variant === 'io-thread' ? 'req->offset does not match the bitmap run' : 'bits set at set-up, before seed 003'
        })`,
        [`io#${io.id} complete@${run.loop.now}`],
      );
    }
    return true;
  };

  const finish = (): Record<string, unknown> => {
    state.bitmapSet = setRanges(bitmap, sectors);
    state.fileBitmapSet = setRanges(fileBitmap, sectors);
    if (JSON.stringify(state.bitmapSet) !== JSON.stringify(state.fileBitmapSet)) {
      run.hazard(
        'bitmap-write-overlap',
        -1,
        'the bitmap in the COW file differs from the in-memory bitmap after every I/O completed: a bitmap write carried stale or too few bits',
        [],
      );
    }
    return { ubd: state };
  };

  if (variant === 'io-thread') {
    ioThread(run, descs, bitmap, fileBitmap, bitmapOffset, dataOffset, opt.offsetAdvance ?? 'literal', landed, { descsLeft, outstanding, failed, maybeReply, dataIo });
    run.loop.run();
    return finish();
  }

  const pre = variant === 'aio-2007-pre';
  const literal = (opt.readOverlaps ?? 'literal') === 'literal';
  run.notes.add(
    pre
      ? 'ubd AIO before seed 003: bits set at set-up, word-rounded bitmap chunk copied at set-up'
      : `ubd AIO with seed 003, read_overlaps ${literal ? 'as posted (request-relative sectors vs bitmap bytes)' : 'as intended (bitmap bytes)'}`,
  );
  const bitmaps: BitmapIo[] = [];
  /** pending_bitmaps (list_add: newest first) and waiting_bitmaps (list_add_tail: FIFO). */
  let pending: BitmapIo[] = [];
  let waiting: BitmapIo[] = [];

  /** The device queue of descs, consumed from `head` (no Array.shift on long queues). */
  const queue: Desc[] = [];
  let head = 0;
  let stalled = false;
  const thread = new BackendThread(run.loop);

  const writeFileBitmap = (b: BitmapIo) => {
    const bytes = b.copy ?? bitmap.slice(b.start, b.end);
    // A request past the device end has bitmap bytes past the COW file's bitmap: nothing of them lands.
    if (b.start < fileBitmap.length) fileBitmap.set(bytes.subarray(0, Math.min(bytes.length, fileBitmap.length - b.start)), b.start);
    const cow = run.files.cow;
    if (cow?.write && run.pages) {
      const at = bitmapOffset + b.start;
      const first = Math.floor(at / SECTOR);
      const last = Math.ceil((at + bytes.length) / SECTOR);
      const buf = cow.readSectors(first, last - first).slice();
      buf.set(bytes, at - first * SECTOR);
      cow.write(first * SECTOR, buf);
    }
  };

  const bitmapDone = (b: BitmapIo) => (io: ModelIo) => {
    b.state = 'done';
    if (io.status === 0) writeFileBitmap(b);
    else failed[b.request] = true;
    /* ubd_intr → delete_bitmap_io + bitmap_unwait */
    pending = pending.filter((x) => x !== b);
    if (!pre) {
      for (const w of [...waiting]) {
        if (w.state === 'waiting' && overlap(w.start, w.end, b.start, b.end)) bitmapStart(w);
      }
    }
    outstanding[b.request]--;
    maybeReply(b.request);
    restart();
  };

  /** bitmap_start(): seed 003 version (pre: set-up already set the bits, no waiting). */
  const bitmapStart = (b: BitmapIo) => {
    if (!pre && pending.some((p) => overlap(p.start, p.end, b.start, b.end))) {
      if (b.state !== 'waiting') {
        b.state = 'waiting';
        waiting.push(b);
        run.loop.log('bitmap-wait', `bitmap#${b.id}`, `bytes [${b.start},${b.end}) overlap a pending bitmap write`);
      }
      return;
    }
    if (!pre) {
      for (let s = b.setStart; s < b.setEnd; s++) setBit(bitmap, s);
      run.loop.log('bitmap-set', `bitmap#${b.id}`, `sectors [${b.setStart},${b.setEnd})`);
    }
    waiting = waiting.filter((x) => x !== b);
    b.state = 'pending';
    pending.unshift(b);
    const io = run.addIo({
      label: 'bitmap',
      kind: 'bitmap',
      op: 'write',
      target: 'cow',
      fileStart: bitmapOffset + b.start,
      fileEnd: bitmapOffset + b.end,
      pieces: [],
      requests: [b.request],
    });
    b.io = io.id;
    run.submit(io, bitmapDone(b));
  };

  /** read_overlaps(start, end) as posted (request-relative sector indices) or as intended (bitmap bytes). */
  const readOverlaps = (lo: number, hi: number) =>
    [...pending, ...waiting].filter((b) => overlap(b.start, b.end, lo, hi));

  /** do_io(): 0 = all runs submitted, 'again' = -EAGAIN (queue stalls). */
  const doIo = (d: Desc): number | 'again' => {
    let b: BitmapIo | null = null;
    if (d.op === 'write') {
      let bs = -1;
      let be = -1;
      for (let i = 0; i < d.nsectors; i++) {
        if (testBit(bitmap, d.sector + i)) continue;
        if (bs < 0) bs = d.sector + i;
        be = d.sector + i + 1;
        if (pre) setBit(bitmap, d.sector + i); /* cowify_bitmap before seed 003 */
      }
      if (bs >= 0) {
        let start: number;
        let end: number;
        let copy: Uint8Array | null = null;
        if (pre) {
          /* round = sizeof(unsigned long): len counts words for the bit count, off rounds down */
          const round = 8;
          const len = Math.floor((be - bs + round * 8 - 1) / (round * 8)) * round;
          start = Math.floor(bs / (8 * round)) * round;
          end = start + len;
          copy = bitmap.slice(start, Math.min(end, bitmap.length));
          if (Math.ceil(be / 8) > end) run.notes.add('pre seed 003: the word-rounded bitmap chunk misses the last bitmap word of a write');
        } else {
          start = Math.floor(bs / 8);
          end = start + Math.floor((be - 8 * start + 8 - 1) / 8);
        }
        b = { id: bitmaps.length, start, end, copy, count: 0, setStart: 0, setEnd: 0, request: d.r, state: 'new', io: -1 };
      }
    }
    const base = d.sector * SECTOR;
    const runs = d.op === 'read' ? bitRuns(bitmap, d.sector, d.nsectors) : [{ start: 0, end: d.nsectors, bit: 1 }];
    let submitted = 0;
    for (const x of runs) {
      if (d.op === 'read' && x.bit === 0 && !pre) {
        const posted = readOverlaps(x.start, x.end);
        const intended = readOverlaps((d.sector + x.start) >> 3, (d.sector + x.end + 7) >> 3);
        const hits = literal ? posted : intended;
        if (hits.length > 0) {
          const spurious = intended.length === 0;
          state.stalls.push({ timeNs: run.loop.now, request: d.r, segment: d.k, run: { start: x.start, end: x.end }, spurious });
          run.loop.log('stall', run.ringRef(d.r), `segment ${d.k} run [${x.start},${x.end}) overlaps ${hits.map((h) => `bitmap#${h.id}`).join(' ')}${spurious ? ' (spurious)' : ''}`);
          return 'again';
        }
        if (intended.length > 0) {
          run.hazard(
            'bitmap-write-overlap',
            d.r,
            `${run.ringRef(d.r)} reads sectors ${d.sector + x.start}..${d.sector + x.end - 1} (clear bits) while bitmap bytes ` +
              `${intended.map((h) => `[${h.start},${h.end})`).join(' ')} are being written; read_overlaps(${x.start}, ${x.end}) as posted misses it`,
            intended.map((h) => `bitmap#${h.id} ${h.state}${h.io >= 0 ? ` io#${h.io}` : ''}`),
          );
        }
      }
      const io = dataIo(d, x.start, x.end, x.bit, base);
      outstanding[d.r]++;
      if (b) {
        if (b.count === 0) {
          bitmaps.push(b);
          outstanding[d.r]++; /* r->nr_sectors++: the request also waits for its bitmap write */
        }
        b.count++;
        b.setStart = d.sector + x.start;
        b.setEnd = d.sector + x.end;
      }
      const bio = b;
      run.submit(io, (done) => {
        if (done.status !== 0) failed[d.r] = true;
        if (d.op === 'write' && done.target === 'cow' && done.status === 0) landed.add(done.fileStart / SECTOR - dataOffset / SECTOR, done.fileEnd / SECTOR - dataOffset / SECTOR);
        outstanding[d.r]--;
        if (bio && --bio.count === 0) bitmapStart(bio);
        maybeReply(d.r);
        restart();
      });
      submitted++;
    }
    return submitted;
  };

  const step = (): number => {
    const d = queue[head];
    if (d === undefined) return 0;
    const res = doIo(d);
    if (res === 'again') {
      stalled = true;
      return 0;
    }
    head++;
    descsLeft[d.r]--;
    maybeReply(d.r);
    if (head < queue.length) thread.push(step);
    return res * run.dispatchNs;
  };

  /** A completion restarts a stalled queue (the retried desc starts again from its first run). */
  const restart = () => {
    if (!stalled) return;
    stalled = false;
    run.loop.log('resume', 'queue', 'an I/O completed');
    run.notes.add('after -EAGAIN the desc is retried from its first run (do_io keeps no progress): runs before the stalled one are submitted again');
    thread.push(step);
  };

  run.requests.forEach((req, r) => {
    run.loop.at(run.arrival(r), () => {
      run.loop.log('arrive', run.ringRef(r), `${req.op} sector ${req.sector} nseg ${req.segments.length}`);
      const wasEmpty = head >= queue.length;
      queue.push(...descs[r]);
      if (descs[r].length === 0) maybeReply(r);
      if (wasEmpty && !stalled && !thread.busy) thread.push(step);
    });
  });
  run.loop.run();
  if (stalled) run.notes.add('the queue was still stalled when nothing else could happen');
  return finish();
}

interface Accounting {
  descsLeft: number[];
  outstanding: number[];
  failed: boolean[];
  maybeReply: (r: number) => void;
  dataIo: (d: Desc, start: number, end: number, bit: number, base: number) => ModelIo;
}

/** Mainline io thread: everything serial, in request order; bits set (and words captured) at map time. */
function ioThread(
  run: BackendRun,
  descs: Desc[][],
  bitmap: Uint8Array,
  fileBitmap: Uint8Array,
  bitmapOffset: number,
  dataOffset: number,
  advance: 'literal' | 'fixed',
  landed: Ranges,
  acc: Accounting,
): void {
  run.notes.add(`ubd io thread: req->offset advanced by ${advance === 'literal' ? 'the last run only (as in do_io)' : 'the whole desc'}`);
  const words = Math.ceil(bitmap.length / 8);
  interface Mapped {
    d: Desc;
    mask: number[];
    cowOffset: number;
    bitmapWords: Uint8Array | null;
  }
  const work: { r: number; descs: Mapped[] }[] = [];
  let busy = false;

  /** ubd_map_req + cowify_req at queue time (kernel side). */
  const map = (r: number): Mapped[] =>
    descs[r].map((d) => {
      if (d.op === 'read') return { d, mask: bitRuns(bitmap, d.sector, d.nsectors).flatMap((x) => Array<number>(x.end - x.start).fill(x.bit)), cowOffset: -1, bitmapWords: null };
      let update = false;
      for (let i = 0; i < d.nsectors; i++) {
        if (testBit(bitmap, d.sector + i)) continue;
        update = true;
        setBit(bitmap, d.sector + i);
      }
      if (!update) return { d, mask: Array<number>(d.nsectors).fill(1), cowOffset: -1, bitmapWords: null };
      let w = Math.floor(d.sector / 64);
      if (w === words - 1) w--; /* "exactly at the end of the device": back up one word */
      const captured = new Uint8Array(16);
      for (let i = 0; i < 16; i++) captured[i] = bitmap[w * 8 + i] ?? 0;
      return { d, mask: Array<number>(d.nsectors).fill(1), cowOffset: bitmapOffset + w * 8, bitmapWords: captured };
    });

  const next = () => {
    const job = work.shift();
    if (!job) {
      busy = false;
      return;
    }
    busy = true;
    const r = job.r;
    let offset = run.requests[r].sector * SECTOR;
    const ops: (() => void)[] = [];
    let error = false;
    for (const m of job.descs) {
      ops.push(() => {
        const { d } = m;
        let start = 0;
        let lastLen = 0;
        const descOffset = offset;
        const runs: { start: number; end: number; bit: number }[] = [];
        while (start < d.nsectors) {
          const bit = m.mask[start];
          let end = start;
          while (end < d.nsectors && m.mask[end] === bit) end++;
          runs.push({ start, end, bit });
          start = end;
        }
        const chain = runs.map((x) => () => {
          const io = acc.dataIo(d, x.start, x.end, x.bit, descOffset);
          acc.outstanding[r]++;
          lastLen = (x.end - x.start) * SECTOR;
          run.submit(io, (done) => {
            acc.outstanding[r]--;
            if (done.status !== 0) error = acc.failed[r] = true;
            if (d.op === 'write' && done.target === 'cow' && done.status === 0) landed.add(done.fileStart / SECTOR - dataOffset / SECTOR, done.fileEnd / SECTOR - dataOffset / SECTOR);
            advanceChain();
          });
        });
        const tail = () => {
          offset = descOffset + (advance === 'literal' ? lastLen : d.nsectors * SECTOR);
          if (m.cowOffset < 0 || !m.bitmapWords) {
            acc.descsLeft[r]--;
            continueOps();
            return;
          }
          /* update_bitmap: pwrite of the two captured words */
          const bytes = m.bitmapWords;
          const io = run.addIo({ label: 'bitmap', kind: 'bitmap', op: 'write', target: 'cow', fileStart: m.cowOffset, fileEnd: m.cowOffset + 16, pieces: [], requests: [r] });
          acc.outstanding[r]++;
          run.submit(io, (done) => {
            acc.outstanding[r]--;
            if (done.status !== 0) error = acc.failed[r] = true;
            else {
              const at = m.cowOffset - bitmapOffset;
              for (let i = 0; i < 16; i++) if (at + i >= 0 && at + i < fileBitmap.length) fileBitmap[at + i] = bytes[i];
            }
            acc.descsLeft[r]--;
            continueOps();
          });
        };
        let i = 0;
        const advanceChain = () => {
          if (error) {
            acc.descsLeft[r] -= 1;
            continueOps();
            return;
          }
          if (i < chain.length) run.loop.at(run.loop.now + run.dispatchNs, chain[i++]);
          else tail();
        };
        advanceChain();
      });
    }
    let j = 0;
    const continueOps = () => {
      if (!error && j < ops.length) {
        ops[j++]();
        return;
      }
      /* "for (i = 0; !req->error && i < desc_cnt; i++)": descs after an error are not done */
      acc.descsLeft[r] = 0;
      acc.maybeReply(r);
      next();
    };
    continueOps();
  };

  run.requests.forEach((req, r) => {
    run.loop.at(run.arrival(r), () => {
      run.loop.log('arrive', run.ringRef(r), `${req.op} sector ${req.sector} nseg ${req.segments.length}`);
      work.push({ r, descs: map(r) });
      if (!busy) next();
    });
  });
}
