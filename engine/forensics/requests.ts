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

/**
 * (device, sector) → ids, keyed by one number: a per-map device slot
 * (a handful of devices per trace) times 2^40 plus the sector (2^40 sectors
 * = 512 TiB), so lookups build no strings. Most keys hold one id: it is
 * stored as the number itself, an array only when a second id arrives.
 */
const SECTOR_SPAN = 2 ** 40;
const NONE: readonly number[] = [];

export class SectorMap {
  private readonly m = new Map<number, number | number[]>();
  private readonly slots = new Map<number, number>();
  private one = [0];

  private k(dev: number, sector: number): number {
    let slot = this.slots.get(dev);
    if (slot === undefined) this.slots.set(dev, (slot = this.slots.size));
    return slot * SECTOR_SPAN + sector;
  }
  add(dev: number, sector: number, v: number): void {
    const key = this.k(dev, sector);
    const l = this.m.get(key);
    if (l === undefined) this.m.set(key, v);
    else if (typeof l === 'number') this.m.set(key, [l, v]);
    else l.push(v);
  }
  /** The ids at (dev, sector), oldest first; the returned array is only valid until the next call. */
  list(dev: number, sector: number): readonly number[] {
    const l = this.m.get(this.k(dev, sector));
    if (l === undefined) return NONE;
    if (typeof l !== 'number') return l;
    this.one[0] = l;
    return this.one;
  }
  remove(dev: number, sector: number, v: number): void {
    const key = this.k(dev, sector);
    const l = this.m.get(key);
    if (l === undefined) return;
    if (typeof l === 'number') {
      if (l === v) this.m.delete(key);
      return;
    }
    const i = l.indexOf(v);
    if (i >= 0) l.splice(i, 1);
    if (l.length === 1) this.m.set(key, l[0]);
    else if (l.length === 0) this.m.delete(key);
  }
}

/**
 * Event indices in time order, ties by index. Traces are mostly in time
 * order already (one CPU's records are; merged per-CPU streams interleave in
 * runs), which a merge of sorted runs handles in near-linear time without a
 * comparator callback per pair.
 */
export function timeOrder(t: Float64Array, n: number): Uint32Array {
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Run boundaries: positions where time goes backwards.
  const starts: number[] = [0];
  for (let i = 1; i < n; i++) if (t[i] < t[i - 1]) starts.push(i);
  if (starts.length === 1) return order;
  starts.push(n);
  let runs = starts;
  let tmp = new Uint32Array(n);
  while (runs.length > 2) {
    const next: number[] = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const a0 = runs[r];
      const a1 = runs[r + 1];
      const b1 = r + 2 < runs.length ? runs[r + 2] : a1;
      let i = a0;
      let j = a1;
      let o = a0;
      while (i < a1 && j < b1) {
        const x = order[i];
        const y = order[j];
        // Stable: an equal time keeps the earlier run's (lower index) event first.
        if (t[y] < t[x] || (t[y] === t[x] && y < x)) {
          tmp[o++] = y;
          j++;
        } else {
          tmp[o++] = x;
          i++;
        }
      }
      while (i < a1) tmp[o++] = order[i++];
      while (j < b1) tmp[o++] = order[j++];
      next.push(b1);
    }
    if (next[next.length - 1] !== n) next.push(n);
    runs = next;
    const sw = order;
    order = tmp;
    tmp = sw;
  }
  return order;
}

/*
 * A request's event list starts with its Q and G and usually gains I, D
 * and C: an array literal of 5 cut to 2 keeps its room (V8 does not trim a
 * backing store that small), so the three pushes do not reallocate it once
 * per request (each regrowth would reserve 19 slots).
 */
function withRoom(q: number, g: number): number[] {
  const a = [q, g, 0, 0, 0];
  a.length = 2;
  return a;
}

/** Bios that were never split share one empty list (a million empty arrays otherwise); a split gives its bio its own. */
const NO_CHILDREN: number[] = [];

/** Rebuilds bios and requests of one block source. */
export function buildRequests(store: BlockEventStore, source: string): RequestModel {
  const n = store.length;
  const t = store.timeNs;
  const order = timeOrder(t, n);

  const bios: Bio[] = [];
  const requests: BlockRequest[] = [];
  const remaps: RequestModel['remaps'] = [];
  const pending = new SectorMap(); // bio ids not yet in a request, by start
  const openByStart = new SectorMap(); // requests not yet issued
  const openByEnd = new SectorMap();
  const issued = new SectorMap(); // issued, not completed, by start

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
      events: withRoom(b.qEvent, ev),
    };
    b.request = r.id;
    b.via = via;
    requests.push(r);
    return r;
  };
  const takePending = (dev: number, sector: number, nSect: number): Bio | null => {
    const l = pending.list(dev, sector);
    if (l.length === 0) return null;
    let pick = l[0];
    for (let i = 0; i < l.length; i++) {
      if (bios[l[i]].nSectors === nSect) {
        pick = l[i];
        break;
      }
    }
    pending.remove(dev, sector, pick);
    return bios[pick];
  };
  const firstOpen = (m: SectorMap, dev: number, sector: number): BlockRequest | null => {
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
          parent: -1, children: NO_CHILDREN, request: -1, via: '', op: opOf(bits, ns),
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
        const piece: Bio = { ...b, id: bios.length, sector: to.a, nSectors: end - to.a, parent: b.id, children: NO_CHILDREN };
        b.nSectors = to.a - b.sector;
        if (b.children === NO_CHILDREN) b.children = [];
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
