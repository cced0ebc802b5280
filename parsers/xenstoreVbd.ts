/**
 * Interprets the xenstore key layout of Xen virtual block devices (vbd):
 * what the frontend and the backend each published, and what they
 * negotiated from it. Keys and their meanings: xen/include/public/io/blkif.h,
 * docs/misc/xenstore-paths.pandoc; the negotiation rules are those of Linux
 * xen-blkfront / xen-blkback (trace-formats.md §5.4, xen-block-models.md §1.6-1.7).
 *
 * Input is a stream of (absolute path, value) pairs: the nodes of a
 * `xenstore-ls` dump, or the writes of a xenstored log in log order (later
 * values replace earlier ones; `state` writes also build a timeline).
 */
import type { VbdRecord, VbdSide, VbdStateChange } from './model/xenstore';
import { XENBUS_STATES } from './model/xenstore';

/* Backend directories: kernel blkback (`vbd`), QEMU (`qdisk`), blktap3 (`vbd3`), blktap1/2 (`tap`, `tap2`). */
const BACK_PATH = /^\/local\/domain\/(\d+)\/backend\/(vbd|vbd3|qdisk|tap|tap2)\/(\d+)\/(\d+)(?:\/(.+))?$/;
const FRONT_PATH = /^\/local\/domain\/(\d+)\/device\/vbd\/(\d+)(?:\/(.+))?$/;

/* blkif.h: BLKIF_MAX_SEGMENTS_PER_REQUEST; blkfront disables indirect descriptors at or below it. */
const DIRECT_SEGMENTS = 11;
/* xen-blkfront module parameter max_indirect_segments (default since v3.11). */
const BLKFRONT_DEFAULT_INDIRECT = 32;

const XENBUS_CONNECTED = 4;
const XENBUS_INITIALISED = 3;

interface SideAcc {
  path: string;
  domid: number;
  /** Front domid and devid: the record key. */
  frontDomid: number;
  devid: number;
  backendKind: string;
  keys: Map<string, string>;
  firstLine: number;
  removedAt: number;
  timeline: VbdStateChange[];
}

/**
 * Name of a virtual-device number (docs/man/xen-vbd-interface.7.pandoc, "Concrete
 * encoding"). Empty when the number uses a deprecated or reserved encoding.
 */
export function vbdDeviceName(devid: number): string {
  if (!Number.isInteger(devid) || devid < 0) return '';
  if (devid >= 2 ** 29) return ''; // 2 << 28 onwards: reserved
  if (devid >= 2 ** 28) return `xvd${diskLetters(Math.floor(devid / 256) % 2 ** 20)}${partSuffix(devid & 255)}`;
  const major = devid >> 8;
  const minor = devid & 255;
  switch (major) {
    case 202: return `xvd${diskLetters(minor >> 4)}${partSuffix(minor & 15)}`;
    case 8: return `sd${diskLetters(minor >> 4)}${partSuffix(minor & 15)}`;
    case 3: return `hd${diskLetters(minor >> 6)}${partSuffix(minor & 63)}`;
    case 22: return `hd${diskLetters(2 + (minor >> 6))}${partSuffix(minor & 63)}`;
    default: return '';
  }
}

/* Linux disk naming: a..z, then aa..zz, ... (disk 26 = "aa", 536 = "tq" as in the man page's d536p37). */
function diskLetters(n: number): string {
  let s = '';
  let k = n;
  for (;;) {
    s = String.fromCharCode(97 + (k % 26)) + s;
    k = Math.floor(k / 26) - 1;
    if (k < 0) return s;
  }
}

function partSuffix(p: number): string {
  return p === 0 ? '' : String(p);
}

function intOf(v: string | undefined): number | null {
  if (v === undefined) return null;
  const t = v.trim();
  if (!/^-?\d+$/.test(t)) return null;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : null;
}

function boolOf(v: string | undefined): boolean | null {
  const n = intOf(v);
  return n === null ? null : n !== 0;
}

function stateName(s: number | null): string {
  return s === null ? 'absent' : `${s} (${XENBUS_STATES[s] ?? 'invalid'})`;
}

export class VbdCollector {
  private readonly backs = new Map<string, SideAcc>();
  private readonly fronts = new Map<string, SideAcc>();

  /**
   * Records `path` = `value`. Paths outside vbd directories are ignored.
   * With `timed`, a write of `state` is appended to the side's timeline.
   */
  set(path: string, value: string, line: number, timeNs = NaN, timed = false): void {
    const hit = this.side(path, line);
    if (!hit) return;
    const { acc, key } = hit;
    if (key === '') return; // the directory node itself
    acc.keys.set(key, value);
    if (timed && key === 'state') {
      const state = intOf(value);
      if (state !== null) acc.timeline.push({ side: acc.backendKind ? 'back' : 'front', state, timeNs, line });
    }
  }

  /** Notes that `path` (a vbd directory or one of its ancestors) was removed. */
  removed(path: string, line: number): void {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    for (const acc of [...this.fronts.values(), ...this.backs.values()]) {
      if (acc.removedAt < 0 && (acc.path === path || acc.path.startsWith(prefix))) acc.removedAt = line;
    }
  }

  private side(path: string, line: number): { acc: SideAcc; key: string } | null {
    let m = BACK_PATH.exec(path);
    if (m) {
      const dir = `/local/domain/${m[1]}/backend/${m[2]}/${m[3]}/${m[4]}`;
      let acc = this.backs.get(dir);
      if (!acc) {
        acc = newAcc(dir, Number(m[1]), Number(m[3]), Number(m[4]), m[2], line);
        this.backs.set(dir, acc);
      }
      return { acc, key: m[5] ?? '' };
    }
    m = FRONT_PATH.exec(path);
    if (m) {
      const dir = `/local/domain/${m[1]}/device/vbd/${m[2]}`;
      let acc = this.fronts.get(dir);
      if (!acc) {
        acc = newAcc(dir, Number(m[1]), Number(m[1]), Number(m[2]), '', line);
        this.fronts.set(dir, acc);
      }
      return { acc, key: m[3] ?? '' };
    }
    return null;
  }

  /** Pairs fronts with backs and interprets both; sorted by front domid, devid, back domid. */
  build(): VbdRecord[] {
    const records: VbdRecord[] = [];
    const unpairedBacks = new Set(this.backs.values());
    for (const front of this.fronts.values()) {
      const back = this.pairFor(front, unpairedBacks);
      if (back) unpairedBacks.delete(back);
      records.push(interpret(front, back));
    }
    for (const back of unpairedBacks) records.push(interpret(null, back));
    records.sort((a, b) => a.frontDomid - b.frontDomid || a.devid - b.devid || a.backDomid - b.backDomid);
    return records;
  }

  private pairFor(front: SideAcc, backs: Set<SideAcc>): SideAcc | null {
    const candidates = [...backs].filter((b) => b.frontDomid === front.frontDomid && b.devid === front.devid);
    if (candidates.length === 0) return null;
    const backendPath = front.keys.get('backend');
    const byPath = candidates.find((b) => b.path === backendPath);
    if (byPath) return byPath;
    const backendId = intOf(front.keys.get('backend-id'));
    const byId = candidates.filter((b) => b.domid === backendId);
    if (byId.length >= 1) return byId[0];
    return candidates.length === 1 ? candidates[0] : null;
  }
}

function newAcc(path: string, domid: number, frontDomid: number, devid: number, kind: string, line: number): SideAcc {
  return { path, domid, frontDomid, devid, backendKind: kind, keys: new Map(), firstLine: line, removedAt: -1, timeline: [] };
}

/** Sorted numeric suffixes: `queue-0`, `queue-1`... or `ring-ref0`, `ring-ref1`... */
function numbered(keys: Iterable<string>, re: RegExp): number[] {
  const out: number[] = [];
  for (const k of keys) {
    const m = re.exec(k);
    if (m) out.push(Number(m[1]));
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/* Ring refs of one ring directory (top level or `queue-N/`): `ring-ref` for one page, `ring-ref0..` for several. */
function ringRefsIn(keys: Map<string, string>, dir: string): number[] {
  const single = intOf(keys.get(`${dir}ring-ref`));
  const refs: number[] = single === null ? [] : [single];
  const names = [...keys.keys()].filter((k) => k.startsWith(dir)).map((k) => k.slice(dir.length));
  for (const i of numbered(names, /^ring-ref(\d+)$/)) {
    const r = intOf(keys.get(`${dir}ring-ref${i}`));
    if (r !== null) refs.push(r);
  }
  return refs;
}

function buildSide(acc: SideAcc): VbdSide {
  const k = acc.keys;
  const queues = numbered(new Set([...k.keys()].map((x) => x.split('/')[0])), /^queue-(\d+)$/);
  const ringRefs = ringRefsIn(k, '');
  let eventChannel = intOf(k.get('event-channel'));
  for (const q of queues) {
    ringRefs.push(...ringRefsIn(k, `queue-${q}/`));
    if (eventChannel === null) eventChannel = intOf(k.get(`queue-${q}/event-channel`));
  }
  const keys: Record<string, string> = {};
  for (const [name, v] of k) keys[name] = v;
  return {
    path: acc.path,
    domid: acc.domid,
    state: intOf(k.get('state')),
    featurePersistent: boolOf(k.get('feature-persistent')),
    maxIndirectSegments: intOf(k.get('feature-max-indirect-segments')),
    maxRingPageOrder: intOf(k.get('max-ring-page-order')) ?? log2Of(intOf(k.get('max-ring-pages'))),
    ringPageOrder: intOf(k.get('ring-page-order')) ?? log2Of(intOf(k.get('num-ring-pages'))),
    ringRefs,
    eventChannel,
    multiQueueMaxQueues: intOf(k.get('multi-queue-max-queues')),
    multiQueueNumQueues: intOf(k.get('multi-queue-num-queues')),
    featureFlushCache: boolOf(k.get('feature-flush-cache')),
    featureBarrier: boolOf(k.get('feature-barrier')),
    featureDiscard: boolOf(k.get('feature-discard')),
    sectorSize: intOf(k.get('sector-size')),
    physicalSectorSize: intOf(k.get('physical-sector-size')),
    sectors: intOf(k.get('sectors')),
    info: intOf(k.get('info')),
    mode: k.get('mode') ?? null,
    params: k.get('params') ?? null,
    protocol: k.get('protocol') ?? null,
    keys,
  };
}

/* Deprecated `max-ring-pages` / `num-ring-pages` give a page count; the order is its log2. */
function log2Of(pages: number | null): number | null {
  if (pages === null || pages < 1) return null;
  const o = Math.log2(pages);
  return Number.isInteger(o) ? o : null;
}

/** A side's silence about a feature means "not offered" only once it has published its state. */
function published(s: VbdSide): boolean {
  return s.state !== null;
}

function interpret(frontAcc: SideAcc | null, backAcc: SideAcc | null): VbdRecord {
  const front = frontAcc ? buildSide(frontAcc) : null;
  const back = backAcc ? buildSide(backAcc) : null;
  const any = (frontAcc ?? backAcc)!;
  const frontDomid = any.frontDomid;
  const devid = any.devid;
  const notes: string[] = [];
  const deviceName = vbdDeviceName(intOf(front?.keys['virtual-device']) ?? devid);
  if (!deviceName) notes.push(`virtual-device ${devid} uses a deprecated or reserved encoding (xen-vbd-interface): no name`);
  if (!front) notes.push(`frontend directory /local/domain/${frontDomid}/device/vbd/${devid} is not in the input`);
  if (!back) notes.push(`backend directory ${front?.keys['backend'] ?? '(backend-id ' + (front?.keys['backend-id'] ?? '?') + ')'} is not in the input`);
  if (backAcc && backAcc.backendKind !== 'vbd') {
    notes.push(`backend type ${backAcc.backendKind} (${backAcc.backendKind === 'qdisk' ? 'QEMU' : 'blktap'}, not kernel blkback)`);
  }
  if (front && back && front.keys['virtual-device'] !== undefined && intOf(front.keys['virtual-device']) !== devid) {
    notes.push(`frontend virtual-device ${front.keys['virtual-device']} differs from its directory name ${devid}`);
  }

  const record: VbdRecord = {
    frontDomid,
    backDomid: back ? back.domid : intOf(front?.keys['backend-id']) ?? -1,
    devid,
    deviceName,
    front,
    back,
    negotiated: {
      persistentGrants: negotiatePersistent(front, back, notes),
      indirectSegments: negotiateIndirect(back, notes),
      ringPages: negotiateRing(front, back, notes),
      queues: negotiateQueues(front, back, notes),
      connected: negotiateConnected(front, back, notes),
    },
    notes,
  };
  if (front?.protocol) notes.push(`ring ABI (protocol) ${front.protocol}`);
  for (const acc of [frontAcc, backAcc]) {
    if (acc && acc.removedAt >= 0) notes.push(`${acc === frontAcc ? 'frontend' : 'backend'} directory removed at line ${acc.removedAt}`);
  }
  const timeline = [...(frontAcc?.timeline ?? []), ...(backAcc?.timeline ?? [])].sort((a, b) => a.line - b.line);
  if (timeline.length > 0) record.stateTimeline = timeline;
  return record;
}

/* blkfront/blkback: persistent grants are used only when both write feature-persistent = 1. */
function negotiatePersistent(front: VbdSide | null, back: VbdSide | null, notes: string[]): boolean | null {
  const f = front ? front.featurePersistent ?? (published(front) ? false : null) : null;
  const b = back ? back.featurePersistent ?? (published(back) ? false : null) : null;
  let result: boolean | null;
  if (f === false || b === false) result = false;
  else if (f === true && b === true) result = true;
  else result = null;
  const show = (s: VbdSide | null, v: boolean | null): string =>
    !s ? 'side missing' : s.featurePersistent !== null ? s.keys['feature-persistent'] : v === false ? 'absent (= 0)' : 'unknown';
  notes.push(
    `persistent grants: frontend ${show(front, f)}, backend ${show(back, b)} → ${result === null ? 'unknown' : result ? 'used' : 'not used'} (both sides must write 1)`,
  );
  return result;
}

/*
 * Only the backend writes feature-max-indirect-segments; Linux blkfront then
 * uses min(that value, its max_indirect_segments parameter) and no indirect
 * descriptors at all when the result is <= 11. The frontend's choice is not
 * written anywhere, so the backend's offer is reported.
 */
function negotiateIndirect(back: VbdSide | null, notes: string[]): number | null {
  if (!back) return null;
  const max = back.maxIndirectSegments;
  if (max === null) {
    if (!published(back)) return null;
    notes.push('indirect descriptors: backend offers none (no feature-max-indirect-segments) → at most 11 segments per request');
    return 0;
  }
  if (max <= DIRECT_SEGMENTS) {
    notes.push(`indirect descriptors: backend offers ${max} ≤ ${DIRECT_SEGMENTS} → blkfront does not use them`);
    return 0;
  }
  notes.push(
    `indirect descriptors: backend offers up to ${max} segments; Linux blkfront uses min(${max}, max_indirect_segments ` +
      `module parameter, default ${BLKFRONT_DEFAULT_INDIRECT}) = ${Math.min(max, BLKFRONT_DEFAULT_INDIRECT)} with the default; ` +
      'the frontend writes no key for its choice',
  );
  return max;
}

/* ring pages = 2^ring-page-order (frontend); absent order = one page (`ring-ref`). */
function negotiateRing(front: VbdSide | null, back: VbdSide | null, notes: string[]): number | null {
  if (!front) return null;
  let order = front.ringPageOrder;
  if (order === null) {
    if (front.state === null || front.state < XENBUS_INITIALISED) return null;
    order = 0;
  }
  const pages = 2 ** order;
  const maxOrder = back?.maxRingPageOrder ?? null;
  notes.push(
    `ring: ${pages} page${pages === 1 ? '' : 's'} per queue (ring-page-order ${front.ringPageOrder ?? 'absent'}; ` +
      `backend max-ring-page-order ${maxOrder ?? 'absent'})`,
  );
  if (maxOrder !== null && order > maxOrder) notes.push(`ring-page-order ${order} exceeds the backend's max-ring-page-order ${maxOrder}`);
  if (maxOrder === null && order > 0 && back && published(back)) notes.push('frontend uses a multi-page ring the backend did not offer');
  const queues = front.multiQueueNumQueues ?? 1;
  if (front.ringRefs.length > 0 && front.ringRefs.length !== pages * queues) {
    notes.push(`frontend published ${front.ringRefs.length} ring refs, expected ${pages * queues} (${queues} × ${pages})`);
  }
  return pages;
}

/* rings = multi-queue-num-queues (frontend, ≤ backend multi-queue-max-queues); absent = 1. */
function negotiateQueues(front: VbdSide | null, back: VbdSide | null, notes: string[]): number | null {
  if (!front) return null;
  let n = front.multiQueueNumQueues;
  if (n === null) {
    if (front.state === null || front.state < XENBUS_INITIALISED) return null;
    n = 1;
  }
  const max = back?.multiQueueMaxQueues ?? null;
  notes.push(`queues: ${n} (multi-queue-num-queues ${front.multiQueueNumQueues ?? 'absent'}; backend multi-queue-max-queues ${max ?? 'absent'})`);
  if (max !== null && n > max) notes.push(`multi-queue-num-queues ${n} exceeds the backend's multi-queue-max-queues ${max}`);
  return n;
}

function negotiateConnected(front: VbdSide | null, back: VbdSide | null, notes: string[]): boolean | null {
  const f = front?.state ?? null;
  const b = back?.state ?? null;
  notes.push(`state: frontend ${front ? stateName(f) : 'side missing'}, backend ${back ? stateName(b) : 'side missing'}`);
  if (f !== null && b !== null) return f === XENBUS_CONNECTED && b === XENBUS_CONNECTED;
  if ((f !== null && f !== XENBUS_CONNECTED) || (b !== null && b !== XENBUS_CONNECTED)) return false;
  return null;
}

/** The vbd records described by a set of xenstore nodes (a `xenstore-ls` dump). */
export function vbdsFromNodes(nodes: readonly { path: string; value: string; line: number }[]): VbdRecord[] {
  const c = new VbdCollector();
  for (const n of nodes) c.set(n.path, n.value, n.line);
  return c.build();
}
