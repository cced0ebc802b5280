/**
 * Block requests rebuilt from a block-event store, the way btt follows an
 * I/O: a bio is queued (Q), may be split (X `SECTOR / NEW`), gets a request
 * (G) or is merged into a plugged one (M back, F front), the request may be
 * inserted into the scheduler (I), is issued to the driver (D) and completed
 * (C). A completion without G/D completes the bio itself (a bio failed at
 * submission, e.g. -EINVAL for a misaligned user buffer).
 */
import { Action } from '../../parsers/model/actions';
import { ExtraKind, devName, type BlockEventStore } from '../../parsers/model/blockEvents';
import { RW_DISCARD, RW_FLUSH, RW_READ, RW_WRITE } from '../../parsers/model/rwbs';

export type RequestOp = 'read' | 'write' | 'flush' | 'discard' | 'other';

export interface Bio {
  id: number;
  devKey: number;
  sector: number;
  nSectors: number;
  /** Sectors of the original Q (before any split). */
  qSectors: number;
  pid: number;
  tQ: number;
  /** Event index of the Q (shared by split pieces). */
  qEvent: number;
  /** Bio this piece was split from, -1 for a queued bio. */
  parent: number;
  /** Split pieces cut from this bio. */
  children: number[];
  request: number;
  /** How the bio joined its request: 'G' (started it), 'M' back merge, 'F' front merge, 'C' completed alone. */
  via: 'G' | 'M' | 'F' | 'C' | '';
  op: RequestOp;
}

export interface BlockRequest {
  id: number;
  device: string;
  devKey: number;
  sector: number;
  nSectors: number;
  rwbs: string;
  op: RequestOp;
  /** pid of the G (or D) event. */
  pid: number;
  tQ: number;
  tG: number;
  tI: number;
  tD: number;
  tC: number;
  /** Signed errno of the completion (0 = ok). */
  error: number;
  bios: number[];
  backMerges: number;
  frontMerges: number;
  /** Event indices (Q of each bio, G, I, D, C) for evidence links. */
  events: number[];
}

export interface RequestModel {
  source: string;
  bios: Bio[];
  requests: BlockRequest[];
  /** A events: (devKey, sector) came from (fromDev, fromSector). */
  remaps: { devKey: number; sector: number; nSectors: number; fromDev: number; fromSector: number }[];
}

function opOf(bits: number, n: number): RequestOp {
  if (bits & RW_DISCARD) return 'discard';
  if (bits & RW_WRITE && n > 0) return 'write';
  if (bits & RW_READ) return 'read';
  if (bits & RW_FLUSH || (bits & RW_WRITE && n === 0)) return 'flush';
  return 'other';
}

class SectorMap<T> {
  private readonly m = new Map<string, T[]>();
  private k(dev: number, sector: number): string {
    return `${dev}:${sector}`;
  }
  add(dev: number, sector: number, v: T): void {
    const key = this.k(dev, sector);
    const l = this.m.get(key);
    if (l) l.push(v);
    else this.m.set(key, [v]);
  }
  list(dev: number, sector: number): T[] {
    return this.m.get(this.k(dev, sector)) ?? [];
  }
  remove(dev: number, sector: number, v: T): void {
    const key = this.k(dev, sector);
    const l = this.m.get(key);
    if (!l) return;
    const i = l.indexOf(v);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 0) this.m.delete(key);
  }
}

/** Rebuilds bios and requests of one block source. */
export function buildRequests(store: BlockEventStore, source: string): RequestModel {
  const n = store.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const t = store.timeNs;
  order.sort((a, b) => t[a] - t[b] || a - b);

  const bios: Bio[] = [];
  const requests: BlockRequest[] = [];
  const remaps: RequestModel['remaps'] = [];
  const pending = new SectorMap<number>(); // bio ids not yet in a request, by start
  const openByStart = new SectorMap<number>(); // requests not yet issued
  const openByEnd = new SectorMap<number>();
  const issued = new SectorMap<number>(); // issued, not completed, by start

  const newRequest = (dev: number, b: Bio, ev: number, via: Bio['via']): BlockRequest => {
    const r: BlockRequest = {
      id: requests.length,
      device: devName(dev),
      devKey: dev,
      sector: b.sector,
      nSectors: b.nSectors,
      rwbs: store.rwbsTable.get(store.rwbs[ev]),
      op: b.op,
      pid: store.pid[ev],
      tQ: b.tQ,
      tG: NaN,
      tI: NaN,
      tD: NaN,
      tC: NaN,
      error: 0,
      bios: [b.id],
      backMerges: 0,
      frontMerges: 0,
      events: [b.qEvent, ev],
    };
    b.request = r.id;
    b.via = via;
    requests.push(r);
    return r;
  };
  const takePending = (dev: number, sector: number, nSect: number): Bio | null => {
    const l = pending.list(dev, sector);
    if (l.length === 0) return null;
    let pick = l.find((id) => bios[id].nSectors === nSect);
    if (pick === undefined) pick = l[0];
    pending.remove(dev, sector, pick);
    return bios[pick];
  };
  const firstOpen = (m: SectorMap<number>, dev: number, sector: number): BlockRequest | null => {
    const l = m.list(dev, sector);
    return l.length > 0 ? requests[l[l.length - 1]] : null;
  };

  for (let k = 0; k < n; k++) {
    const ev = order[k];
    const a = store.action[ev];
    const dev = store.devices[store.device[ev]];
    const sector = store.sector[ev];
    const ns = store.nSectors[ev];
    const bits = store.rwbsBits[store.rwbs[ev]] ?? 0;
    switch (a) {
      case Action.Queue: {
        const b: Bio = {
          id: bios.length, devKey: dev, sector, nSectors: ns, qSectors: ns, pid: store.pid[ev], tQ: t[ev], qEvent: ev,
          parent: -1, children: [], request: -1, via: '', op: opOf(bits, ns),
        };
        bios.push(b);
        pending.add(dev, sector, b.id);
        break;
      }
      case Action.Split: {
        const to = store.extra(ev, ExtraKind.SplitTo);
        const l = pending.list(dev, sector);
        if (!to || l.length === 0) break;
        const b = bios[l[l.length - 1]];
        const end = b.sector + b.nSectors;
        if (to.a <= b.sector || to.a >= end) break;
        const piece: Bio = { ...b, id: bios.length, sector: to.a, nSectors: end - to.a, parent: b.id, children: [] };
        b.nSectors = to.a - b.sector;
        b.children.push(piece.id);
        bios.push(piece);
        pending.add(dev, piece.sector, piece.id);
        break;
      }
      case Action.GetRq: {
        const b = takePending(dev, sector, ns);
        if (!b) break;
        const r = newRequest(dev, b, ev, 'G');
        r.tG = t[ev];
        openByStart.add(dev, r.sector, r.id);
        openByEnd.add(dev, r.sector + r.nSectors, r.id);
        break;
      }
      case Action.BackMerge:
      case Action.FrontMerge: {
        const b = takePending(dev, sector, ns);
        if (!b) break;
        const back = a === Action.BackMerge;
        const r = back ? firstOpen(openByEnd, dev, sector) : firstOpen(openByStart, dev, sector + ns);
        if (!r) {
          pending.add(dev, b.sector, b.id);
          break;
        }
        openByStart.remove(dev, r.sector, r.id);
        openByEnd.remove(dev, r.sector + r.nSectors, r.id);
        if (back) {
          r.nSectors += b.nSectors;
          r.backMerges++;
        } else {
          r.sector = b.sector;
          r.nSectors += b.nSectors;
          r.frontMerges++;
        }
        r.bios.push(b.id);
        r.events.push(b.qEvent, ev);
        r.tQ = Math.min(r.tQ, b.tQ);
        b.request = r.id;
        b.via = back ? 'M' : 'F';
        openByStart.add(dev, r.sector, r.id);
        openByEnd.add(dev, r.sector + r.nSectors, r.id);
        break;
      }
      case Action.Insert: {
        const r = firstOpen(openByStart, dev, sector);
        if (r && Number.isNaN(r.tI)) {
          r.tI = t[ev];
          r.events.push(ev);
        }
        break;
      }
      case Action.Issue: {
        let r = firstOpen(openByStart, dev, sector);
        if (!r) {
          // Issue without G (partial traces): start a request from a pending bio.
          const b = takePending(dev, sector, ns);
          if (!b) break;
          r = newRequest(dev, b, ev, 'G');
        } else {
          openByStart.remove(dev, r.sector, r.id);
          openByEnd.remove(dev, r.sector + r.nSectors, r.id);
          r.events.push(ev);
        }
        r.tD = t[ev];
        if (ns > 0 || r.nSectors === 0) r.nSectors = Math.max(r.nSectors, ns);
        issued.add(dev, r.sector, r.id);
        break;
      }
      case Action.Requeue: {
        const r = firstOpen(issued, dev, sector);
        if (!r) break;
        issued.remove(dev, r.sector, r.id);
        openByStart.add(dev, r.sector, r.id);
        openByEnd.add(dev, r.sector + r.nSectors, r.id);
        r.events.push(ev);
        break;
      }
      case Action.Complete: {
        const l = issued.list(dev, sector);
        const err = store.error(ev);
        if (l.length > 0) {
          const r = requests[l[0]];
          issued.remove(dev, r.sector, r.id);
          r.tC = t[ev];
          r.error = err;
          r.events.push(ev);
          break;
        }
        // A bio completed without ever getting a request (failed at submission).
        const b = takePending(dev, sector, ns);
        if (!b) break;
        const r = newRequest(dev, b, ev, 'C');
        r.tC = t[ev];
        r.error = err;
        break;
      }
      case Action.Remap: {
        const from = store.extra(ev, ExtraKind.RemapFrom);
        if (from) remaps.push({ devKey: dev, sector, nSectors: ns, fromDev: from.a, fromSector: from.b });
        break;
      }
      default:
        break;
    }
  }
  return { source, bios, requests, remaps };
}
