/**
 * Per-CPU blktrace files (`DEV.blktrace.0` … `DEV.blktrace.N`) merged into one
 * time-ordered source, in the order blkparse prints them, plus the ordering
 * blkparse applies to a single interleaved stream (`blkparse -i -`).
 */
import { BlockEventStore, ExtraKind } from './model/blockEvents';
import { MAX_DIAGNOSTICS } from './model/source';
import type { Diagnostic, ParsedSource } from './model/source';

/** blkparse.c RB_BATCH_DEFAULT: input is read (pipe) or primed (per-CPU file) in batches of this many records. */
export const BLKPARSE_BATCH = 512;
const PIPE_BATCH = BLKPARSE_BATCH;

/** A BLK_TN_PROCESS note: `event` = number of events of its file decoded before it; `comm` indexes the store's strings. */
export interface ProcessNote {
  event: number;
  pid: number;
  comm: number;
}

/** Notes of decoded stores, kept beside the store so that a merge can replay blkparse's name table. */
const NOTES = new WeakMap<BlockEventStore, ProcessNote[]>();

export function attachProcessNotes(store: BlockEventStore, notes: ProcessNote[]): void {
  NOTES.set(store, notes);
}
const TWO32 = 4294967296;

export interface BlktraceFileGroup {
  /** `DEV` of `DEV.blktrace.N` (with any directory part of the names). */
  stem: string;
  /** File names ordered by CPU number. */
  files: string[];
  cpus: number[];
}

/** Groups names of the form `<dev>.blktrace.<cpu>` by `<dev>`; other names are left out. */
export function groupBlktraceFiles(names: string[]): BlktraceFileGroup[] {
  const groups = new Map<string, { name: string; cpu: number }[]>();
  for (const name of names) {
    const m = /^(.*)\.blktrace\.(\d+)$/.exec(name);
    if (!m) continue;
    let g = groups.get(m[1]);
    if (!g) groups.set(m[1], (g = []));
    g.push({ name, cpu: Number(m[2]) });
  }
  return [...groups].map(([stem, list]) => {
    list.sort((a, b) => a.cpu - b.cpu);
    return { stem, files: list.map((f) => f.name), cpus: list.map((f) => f.cpu) };
  });
}

/** Copies events of one store into another, re-indexing its string, RWBS and device tables. */
class EventCopier {
  private readonly str_: Uint32Array;
  private readonly rwbs: Uint32Array;
  private readonly dev: Uint32Array;
  private readonly xStart: Uint32Array;

  constructor(
    private readonly dst: BlockEventStore,
    private readonly src: BlockEventStore,
  ) {
    this.str_ = Uint32Array.from(src.strings.values, (s) => dst.strings.intern(s));
    this.rwbs = Uint32Array.from(src.rwbsTable.values, (s) => dst.rwbsIdx(s));
    this.dev = Uint32Array.from(src.devices, (d) => dst.deviceIdx(d));
    // Extras are sorted by event: xStart[i]..xStart[i+1] are event i's.
    const x = new Uint32Array(src.length + 1);
    for (let j = 0; j < src.extraCount; j++) x[src.extraEvent[j] + 1]++;
    for (let i = 0; i < src.length; i++) x[i + 1] += x[i];
    this.xStart = x;
  }

  /** A source string index as an index of the destination's strings. */
  str(i: number): number {
    return this.str_[i];
  }

  /** Source comm of event i, as an index of the destination's strings. */
  comm(i: number): number {
    return this.str_[this.src.comm[i]];
  }

  copy(i: number, origin: number, comm: number): number {
    const s = this.src;
    const d = this.dst;
    const j = d.push(s.timeNs[i], this.dev[s.device[i]], s.cpu[i], s.seq[i], s.pid[i], comm, s.action[i], this.rwbs[s.rwbs[i]], s.sector[i], s.nSectors[i]);
    if (origin >= 0) d.setOrigin(j, origin);
    for (let x = this.xStart[i]; x < this.xStart[i + 1]; x++) {
      const kind = s.extraKind[x];
      const a = kind === ExtraKind.Message || kind === ExtraKind.Pdu ? this.str_[s.extraA[x]] : s.extraA[x];
      d.addExtra(j, kind, a, s.extraB[x]);
    }
    return j;
  }
}

function timeOffset(s: BlockEventStore, i: number, offset: number): number {
  return s.timeNs[i] + offset;
}

/**
 * Puts the events of one decoded stream in the order `blkparse -i -` prints
 * them (blkparse.c trace_rb_insert): by time, then device, then sequence.
 * Equal keys keep the stream's order across read batches of 512 records, but
 * come out reversed within one batch, because each batch is collected by
 * prepending to a list before it is inserted into the sort tree (seen in
 * fixtures/fio-mixed: two completions with the same timestamp). A sorted
 * stream without such ties is returned unchanged. The device compared is the
 * store's (for remaps: the target device), not the record's queue device.
 */
export function applyBlkparseOrder(store: BlockEventStore): BlockEventStore {
  const n = store.length;
  const t = store.timeNs;
  const dev = (i: number): number => store.devices[store.device[i]];
  const cmpKey = (a: number, b: number): number => t[a] - t[b] || dev(a) - dev(b) || store.seq[a] - store.seq[b];
  let decreases = false;
  let ties = false;
  for (let i = 1; i < n && !decreases; i++) {
    if (t[i] > t[i - 1]) continue;
    const c = cmpKey(i - 1, i);
    if (c > 0) decreases = true;
    else if (c === 0 && Math.floor(i / PIPE_BATCH) === Math.floor((i - 1) / PIPE_BATCH)) ties = true;
  }
  if (!decreases && !ties) return store;
  if (!decreases) {
    // Already sorted: only runs of equal keys inside one batch turn around.
    const origins = expandOrigins(store);
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && t[j] === t[i] && Math.floor(j / PIPE_BATCH) === Math.floor(i / PIPE_BATCH) && cmpKey(i, j) === 0) j++;
      if (j - i > 1) reverseEvents(store, origins, i, j);
      i = j;
    }
    setOrigins(store, origins);
    return store;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => {
    const c = cmpKey(a, b);
    if (c) return c;
    const ba = Math.floor(a / PIPE_BATCH);
    const bb = Math.floor(b / PIPE_BATCH);
    return ba !== bb ? ba - bb : b - a;
  });
  permuteStore(store, order);
  return store;
}

/** Origin of every event (-1 = none), from the run-length table. */
function expandOrigins(s: BlockEventStore): Float64Array {
  const out = new Float64Array(s.length).fill(-1);
  for (let r = 0; r < s.originRuns; r++) {
    const end = r + 1 < s.originRuns ? s.originEvent[r + 1] : s.length;
    for (let e = s.originEvent[r]; e < end; e++) out[e] = s.originValue[r] + (e - s.originEvent[r]);
  }
  return out;
}

function setOrigins(s: BlockEventStore, origins: Float64Array): void {
  s.originRuns = 0;
  for (let j = 0; j < origins.length; j++) if (origins[j] >= 0) s.setOrigin(j, origins[j]);
}

/** First extra index whose event is ≥ e. */
function extraLowerBound(s: BlockEventStore, e: number): number {
  let lo = 0;
  let hi = s.extraCount;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.extraEvent[mid] < e) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Reverses events [i, j) in place, with their extras and origins. */
function reverseEvents(s: BlockEventStore, origins: Float64Array, i: number, j: number): void {
  for (const col of [s.timeNs, s.sector, s.nSectors, s.pid, s.seq, s.comm, s.device, s.cpu, s.rwbs, s.action, origins]) {
    col.subarray(i, j).reverse();
  }
  const x0 = extraLowerBound(s, i);
  const x1 = extraLowerBound(s, j);
  if (x1 === x0) return;
  const ev = s.extraEvent.slice(x0, x1);
  const kind = s.extraKind.slice(x0, x1);
  const a = s.extraA.slice(x0, x1);
  const b = s.extraB.slice(x0, x1);
  // Groups of extras per event, last event first, each group in its own order.
  let k = x0;
  for (let end = ev.length; end > 0; ) {
    let start = end - 1;
    while (start > 0 && ev[start - 1] === ev[end - 1]) start--;
    for (let x = start; x < end; x++, k++) {
      s.extraEvent[k] = i + j - 1 - ev[x];
      s.extraKind[k] = kind[x];
      s.extraA[k] = a[x];
      s.extraB[k] = b[x];
    }
    end = start;
  }
}

/** Reorders a store's events in place: new event j is old event order[j]. */
function permuteStore(s: BlockEventStore, order: Uint32Array): void {
  const n = s.length;
  // One gather per element type keeps each loop monomorphic.
  const f64 = (col: Float64Array): Float64Array<ArrayBuffer> => {
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = col[order[j]];
    return out;
  };
  const u32 = (col: Uint32Array): Uint32Array<ArrayBuffer> => {
    const out = new Uint32Array(n);
    for (let j = 0; j < n; j++) out[j] = col[order[j]];
    return out;
  };
  const u16 = (col: Uint16Array): Uint16Array<ArrayBuffer> => {
    const out = new Uint16Array(n);
    for (let j = 0; j < n; j++) out[j] = col[order[j]];
    return out;
  };
  const u8 = (col: Uint8Array): Uint8Array<ArrayBuffer> => {
    const out = new Uint8Array(n);
    for (let j = 0; j < n; j++) out[j] = col[order[j]];
    return out;
  };
  const origins = expandOrigins(s);
  const xStart = new Uint32Array(n + 1);
  for (let x = 0; x < s.extraCount; x++) xStart[s.extraEvent[x] + 1]++;
  for (let i = 0; i < n; i++) xStart[i + 1] += xStart[i];
  const ev = new Uint32Array(s.extraCount);
  const kind = new Uint8Array(s.extraCount);
  const a = new Float64Array(s.extraCount);
  const b = new Float64Array(s.extraCount);
  let k = 0;
  for (let j = 0; j < n; j++) {
    for (let x = xStart[order[j]]; x < xStart[order[j] + 1]; x++, k++) {
      ev[k] = j;
      kind[k] = s.extraKind[x];
      a[k] = s.extraA[x];
      b[k] = s.extraB[x];
    }
  }
  s.timeNs = f64(s.timeNs);
  s.sector = f64(s.sector);
  s.nSectors = u32(s.nSectors);
  s.pid = u32(s.pid);
  s.seq = u32(s.seq);
  s.comm = u32(s.comm);
  s.device = s.device instanceof Uint8Array ? u8(s.device) : u16(s.device);
  s.cpu = s.cpu instanceof Uint8Array ? u8(s.cpu) : u16(s.cpu);
  s.rwbs = u16(s.rwbs);
  s.action = u8(s.action);
  s.extraEvent = ev;
  s.extraKind = kind;
  s.extraA = a;
  s.extraB = b;
  const reordered = new Float64Array(n);
  for (let j = 0; j < n; j++) reordered[j] = origins[order[j]];
  setOrigins(s, reordered);
}

/**
 * blkparse's pid → name table for a merged set (add_ppm_hash: the first note
 * handled wins). Notes are handled while files are primed: each file's first
 * 512 events at start-up in CPU order, then a file's next batch when its
 * previous one has been printed (blkparse.c ms_prime / ms_deq). Stores not
 * decoded here stand in their first named event per pid for the note.
 */
class NameTable {
  private readonly notes: { batch: number; pid: number; comm: number }[][];
  private readonly next: number[];
  private readonly names = new Map<number, number>();

  constructor(stores: BlockEventStore[], copiers: EventCopier[]) {
    this.notes = stores.map((s, k) => {
      const attached = NOTES.get(s);
      if (attached) return attached.map((n) => ({ batch: Math.floor(n.event / PIPE_BATCH), pid: n.pid, comm: copiers[k].str(n.comm) }));
      const out: { batch: number; pid: number; comm: number }[] = [];
      const seen = new Set<number>();
      for (let i = 0; i < s.length; i++) {
        if (s.comm[i] === 0 || seen.has(s.pid[i])) continue;
        seen.add(s.pid[i]);
        out.push({ batch: Math.floor(i / PIPE_BATCH), pid: s.pid[i], comm: copiers[k].comm(i) });
      }
      return out;
    });
    this.next = stores.map(() => 0);
  }

  /** Handles file k's notes up to and including batch b. */
  prime(k: number, b: number): void {
    const list = this.notes[k];
    let j = this.next[k];
    for (; j < list.length && list[j].batch <= b; j++) if (!this.names.has(list[j].pid)) this.names.set(list[j].pid, list[j].comm);
    this.next[k] = j;
  }

  get(pid: number): number {
    return this.names.get(pid) ?? 0;
  }
}

/** Origin of an event of a merged set: file index (position in the merged list) and record index in that file. */
export function decodeMergedOrigin(origin: number): { file: number; record: number } {
  return { file: Math.floor(origin / TWO32), record: origin % TWO32 };
}

function commonName(names: string[]): string {
  const groups = groupBlktraceFiles(names);
  if (groups.length === 1 && groups[0].files.length === names.length) {
    const g = groups[0];
    return `${g.stem}.blktrace.{${g.cpus.join(',')}}`;
  }
  return names.join(' + ');
}

/**
 * Merges binary sources (normally the per-CPU files of one capture, given in
 * CPU order) into one source ordered as blkparse -i prints them
 * (blkparse.c do_file / ms_sort / ms_resort): streams are kept in a list
 * sorted by the time of their next event; the head stream keeps delivering
 * while its next event is not later than the next stream's; a stream that
 * must move is re-inserted after every stream with an earlier next event,
 * and after the head even when the head's time is equal. Empty files are
 * skipped as blkparse skips them.
 *
 * Event origins become `fileIndex * 2^32 + recordIndex` (decodeMergedOrigin).
 * Process names: a task's BLK_TN_PROCESS note is written on the CPU where
 * it first logged, so other files see the pid unnamed; names are replayed
 * as blkparse's table holds them when it prints each event (NameTable).
 */
export function mergeBlktraceSources(sources: ParsedSource[]): ParsedSource {
  const used = sources.filter((s) => s.bytes > 0);
  const names = used.map((s) => s.name);
  const bases = used.map((s) => BigInt(s.clock.kind === 'trace-raw' ? s.clock.baseNs : '0'));
  let minBase = bases.length ? bases[0] : 0n;
  for (const b of bases) if (b < minBase) minBase = b;
  const offsets = bases.map((b) => Number(b - minBase));

  const out = new BlockEventStore();
  const stores = used.map((s) => s.block ?? new BlockEventStore());
  const copiers = stores.map((s) => new EventCopier(out, s));
  const pos = new Array<number>(stores.length).fill(0);
  const peek = (k: number): number => timeOffset(stores[k], pos[k], offsets[k]);

  const list: number[] = [];
  const insert = (k: number): void => {
    const tk = peek(k);
    if (list.length === 0) list.push(k);
    else if (tk < peek(list[0])) list.unshift(k);
    else {
      let j = 0;
      while (j + 1 < list.length && peek(list[j + 1]) < tk) j++;
      list.splice(j + 1, 0, k);
    }
  };
  for (let k = 0; k < stores.length; k++) if (stores[k].length > 0) insert(k);

  const table = new NameTable(stores, copiers);
  for (let k = 0; k < stores.length; k++) table.prime(k, 0);
  while (list.length > 0) {
    const k = list[0];
    const s = stores[k];
    const i = pos[k];
    const comm = table.get(s.pid[i]);
    const j = copiers[k].copy(i, -1, comm);
    const origin = s.originOf(i);
    if (origin >= 0) out.setOrigin(j, k * TWO32 + origin);
    out.timeNs[j] = timeOffset(s, i, offsets[k]);
    pos[k] = i + 1;
    if (pos[k] % PIPE_BATCH === 0) table.prime(k, pos[k] / PIPE_BATCH);
    if (pos[k] >= s.length) list.shift();
    else if (list.length > 1 && peek(k) > peek(list[1])) {
      list.shift();
      insert(k);
    }
  }

  const diagnostics: Diagnostic[] = [];
  let omitted = 0;
  for (const s of used) {
    for (const d of s.diagnostics) {
      if (diagnostics.length < MAX_DIAGNOSTICS) diagnostics.push(d);
      else omitted++;
    }
    omitted += s.diagnosticsOmitted;
  }
  const skipped = sources.length - used.length;
  return {
    name: commonName(names),
    format: 'blktrace-bin',
    evidence:
      `${used.length} blktrace file${used.length === 1 ? '' : 's'} merged by time as blkparse -i does (${names.join(', ')})` +
      (skipped ? `; ${skipped} empty file${skipped === 1 ? '' : 's'} skipped` : ''),
    bytes: used.reduce((n, s) => n + s.bytes, 0),
    clock: { kind: 'trace-raw', baseNs: minBase.toString() },
    block: out.compact(),
    diagnostics,
    diagnosticsOmitted: omitted,
  };
}
