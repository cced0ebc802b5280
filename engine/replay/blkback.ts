/**
 * Linux blkback, dispatch_rw_block_io (xen-block-models.md §5): segments go back-to-back on disk
 * from sector_number; one bio per run of segments the dom0 queue accepts; one response per ring
 * request, ERROR if any bio failed. I/O goes straight into the (persistently) mapped frame.
 */
import type {
  BackendContext,
  BackendIo,
  BackendModel,
  BackendReply,
  BackendResult,
  BackendTransfer,
  RingRequest,
  SyntheticBlockEvent,
} from './types';

export interface BlkbackOptions {
  /** dom0 device queue limits (bio_add_page refusals); absent = one bio per ring request. */
  maxSectors?: number;
  maxSegments?: number;
  /** Let the dom0 elevator back-merge a bio onto the previous request when contiguous (shows M). */
  elevatorMerge?: boolean;
}

export function makeBlkback(options: BlkbackOptions = {}): BackendModel {
  const maxSectors = options.maxSectors ?? Infinity;
  const maxSegments = options.maxSegments ?? Infinity;
  return {
    name: 'blkback',
    run(requests: RingRequest[], ctx: BackendContext): BackendResult {
      const transfers: BackendTransfer[] = [];
      const ios: BackendIo[] = [];
      const replies: BackendReply[] = [];
      const events: SyntheticBlockEvent[] = [];
      let t = ctx.timeNs;
      const lbs = Math.max(1, ctx.sectorSize / 512);
      let last: { io: BackendIo; end: number; events: SyntheticBlockEvent[] } | null = null;
      for (let r = 0; r < requests.length; r++) {
        const req = requests[r];
        const segs = req.segments;
        /* Validation: last_sect < 8, first ≤ last; sector and every count in the device's logical block size. */
        let bad = segs.length === 0;
        let misaligned = req.sector % lbs !== 0;
        let nsecTotal = 0;
        for (const s of segs) {
          const nsec = s.lastSect - s.firstSect + 1;
          if (s.lastSect >= 8 || s.lastSect < s.firstSect) bad = true;
          if (nsec % lbs !== 0) misaligned = true;
          nsecTotal += nsec;
        }
        if (bad || misaligned || nsecTotal === 0) {
          replies.push({ request: r, id: req.id, status: 'error', timeNs: t });
          continue;
        }
        const rwbs = req.op === 'read' ? 'R' : 'WS'; /* 3.x: READ, WRITE_ODIRECT (REQ_SYNC) */
        let sec = req.sector;
        const firstIo = ios.length;
        let io: BackendIo | null = null;
        let ioSegs = 0;
        let prevFrame = -2;
        let prevEnd = -1;
        for (let k = 0; k < segs.length; k++) {
          const s = segs[k];
          const nsec = s.lastSect - s.firstSect + 1;
          const frame = s.grantPage >= 0 ? s.grantPage : -3 - (s.userPage ?? 0);
          /* Same frame, contiguous bytes: bio_add_page extends the previous bvec. */
          const extends_ = io !== null && frame === prevFrame && s.firstSect === prevEnd;
          if (io === null || io.nSectors + nsec > maxSectors || (!extends_ && ioSegs + 1 > maxSegments)) {
            io = { op: req.op, sector: sec, nSectors: 0, requests: [r] };
            ios.push(io);
            ioSegs = 0;
          }
          if (!extends_) ioSegs++;
          io.nSectors += nsec;
          transfers.push({
            request: r,
            segment: k,
            frameStart: s.firstSect * 512,
            frameEnd: (s.lastSect + 1) * 512,
            diskStart: sec * 512,
            io: ios.length - 1,
          });
          prevFrame = frame;
          prevEnd = s.lastSect + 1;
          sec += nsec;
        }
        /* blk_start_plug … submit every bio … blk_finish_plug; the trace shows Q then G or M, D, C. */
        for (let i = ctx.detail === false ? ios.length : firstIo; i < ios.length; i++) {
          const b = ios[i];
          events.push({ timeNs: t++, layer: 'dom0', action: 'Q', rwbs, sector: b.sector, nSectors: b.nSectors, opId: req.opId });
          if (options.elevatorMerge && last && last.end === b.sector && last.io.op === b.op) {
            events.push({ timeNs: t++, layer: 'dom0', action: 'M', rwbs, sector: b.sector, nSectors: b.nSectors, opId: req.opId });
            for (const e of last.events) e.nSectors += b.nSectors;
            last.end += b.nSectors;
            continue;
          }
          events.push({ timeNs: t++, layer: 'dom0', action: 'G', rwbs, sector: b.sector, nSectors: b.nSectors, opId: req.opId });
          const d: SyntheticBlockEvent = { timeNs: t++, layer: 'dom0', action: 'D', rwbs, sector: b.sector, nSectors: b.nSectors, opId: req.opId };
          const c: SyntheticBlockEvent = { timeNs: 0, layer: 'dom0', action: 'C', rwbs, sector: b.sector, nSectors: b.nSectors, opId: req.opId };
          events.push(d, c);
          last = { io: b, end: b.sector + b.nSectors, events: [d, c] };
        }
        replies.push({ request: r, id: req.id, status: 'okay', timeNs: 0 });
      }
      /* Completions after every dispatch of the batch (the guest waits for them all). */
      if (events.length > 0) {
        const cs = events.filter((e) => e.action === 'C');
        const rest = events.filter((e) => e.action !== 'C');
        events.length = 0;
        for (const e of rest) events.push(e);
        for (const c of cs) {
          c.timeNs = t++;
          events.push(c);
        }
      }
      for (const rep of replies) if (rep.timeNs === 0) rep.timeNs = t++;
      return { transfers, ios, replies, events, hazards: [] };
    },
  };
}

export const blkback: BackendModel = makeBlkback();
