import { grow, trim } from './columns';
import { StringTable } from './strings';
import { rwbsFlags } from './rwbs';

/** Kinds of per-action extras, kept in a sparse side table (most events have none). */
export const enum ExtraKind {
  Error = 1, // a = signed errno (negative), as blkparse's [65514] decodes to -22
  UnplugDepth = 2, // a = number of requests released by U / UT
  SplitTo = 3, // a = new sector of X (`SECTOR / NEW`)
  RemapFrom = 4, // a = source device (major<<20|minor), b = source sector (A `<- (M,m) S`)
  Bytes = 5, // a = exact byte count when it is not nSectors*512 (passthrough, odd sizes)
  Message = 6, // a = index into store.strings of the notify / message text
  Cgroup = 7, // a = cgroup ino, b = gen
  Pdu = 8, // a = index into store.strings of a hex rendering of an unparsed PDU
  Elapsed = 9, // a = ns blkparse -t printed in parentheses (I: getrq→insert, D: insert→issue, C: issue→complete)
}

/** dev_t as the kernel packs it for blktrace: major << 20 | minor. */
export function devKey(major: number, minor: number): number {
  return major * 1048576 + minor;
}
export function devMajor(key: number): number {
  return Math.floor(key / 1048576);
}
export function devMinor(key: number): number {
  return key % 1048576;
}
export function devName(key: number): string {
  return `${devMajor(key)},${devMinor(key)}`;
}

/**
 * Columnar block-event store: 37 bytes per event in its dense columns
 * (time 8, sector 8, nSectors 4, pid 4, seq 4, comm 4, rwbs 2, device 1,
 * cpu 1, action 1); errors, unplug depths, split points and remap sources
 * live in a sparse side table, source line numbers in a run-length table.
 * `device` and `cpu` start as bytes and widen to u16 the moment a trace has a
 * 257th device or a CPU above 255, so the common case pays one byte each.
 */
export class BlockEventStore {
  length = 0;
  /** Event time in ns on the trace's own clock (binary: raw clock; blkparse text: relative to its genesis). */
  timeNs = new Float64Array(0);
  sector = new Float64Array(0);
  nSectors = new Uint32Array(0);
  pid = new Uint32Array(0);
  seq = new Uint32Array(0);
  /** Index into `strings` (0 = unknown, printed by blkparse as `(null)`). */
  comm = new Uint32Array(0);
  /** Index into `devices` (u8 until a 257th device appears, then u16). */
  device: Uint8Array | Uint16Array = new Uint8Array(0);
  /** u8 until a CPU number above 255 appears, then u16. */
  cpu: Uint8Array | Uint16Array = new Uint8Array(0);
  /** Index into `rwbsTable`. */
  rwbs = new Uint16Array(0);
  action = new Uint8Array(0);

  /** dev_t keys (devKey) by device index. */
  readonly devices: number[] = [];
  private readonly deviceIndex = new Map<number, number>();
  readonly strings = new StringTable();
  readonly rwbsTable = new StringTable();
  /** rwbsFlags() of each rwbsTable entry. */
  readonly rwbsBits: number[] = [0];

  // Sparse extras, sorted by event index.
  extraCount = 0;
  extraEvent = new Uint32Array(0);
  extraKind = new Uint8Array(0);
  extraA = new Float64Array(0);
  extraB = new Float64Array(0);

  // Source line (or record index) of events: run-length encoded.
  originRuns = 0;
  originEvent = new Uint32Array(0);
  originValue = new Float64Array(0);

  deviceIdx(key: number): number {
    let i = this.deviceIndex.get(key);
    if (i === undefined) {
      i = this.devices.length;
      this.devices.push(key);
      this.deviceIndex.set(key, i);
      if (i === 256 && this.device instanceof Uint8Array) this.device = widen(this.device);
    }
    return i;
  }

  rwbsIdx(s: string): number {
    const i = this.rwbsTable.intern(s);
    if (i >= this.rwbsBits.length) this.rwbsBits[i] = rwbsFlags(s);
    return i;
  }

  /** Capacity hint: room for `n` events at once, for a parser that can estimate its count (no repeated growth). */
  reserve(n: number): void {
    this.ensure(n);
  }

  private ensure(n: number): void {
    if (n <= this.timeNs.length) return;
    this.timeNs = grow(Float64Array, this.timeNs, n);
    this.sector = grow(Float64Array, this.sector, n);
    this.nSectors = grow(Uint32Array, this.nSectors, n);
    this.pid = grow(Uint32Array, this.pid, n);
    this.seq = grow(Uint32Array, this.seq, n);
    this.comm = grow(Uint32Array, this.comm, n);
    this.device = this.device instanceof Uint8Array ? grow(Uint8Array, this.device, n) : grow(Uint16Array, this.device, n);
    this.cpu = this.cpu instanceof Uint8Array ? grow(Uint8Array, this.cpu, n) : grow(Uint16Array, this.cpu, n);
    this.rwbs = grow(Uint16Array, this.rwbs, n);
    this.action = grow(Uint8Array, this.action, n);
  }

  /** Appends one event; returns its index. `deviceIndex`/`rwbsIndex`/`commIndex` come from deviceIdx/rwbsIdx/strings.intern. */
  push(
    timeNs: number,
    deviceIndex: number,
    cpu: number,
    seq: number,
    pid: number,
    commIndex: number,
    action: number,
    rwbsIndex: number,
    sector: number,
    nSectors: number,
  ): number {
    const i = this.length;
    if (i >= this.timeNs.length) this.ensure(i + 1);
    if (cpu > 255 && this.cpu instanceof Uint8Array) this.cpu = widen(this.cpu);
    this.timeNs[i] = timeNs;
    this.device[i] = deviceIndex;
    this.cpu[i] = cpu;
    this.seq[i] = seq;
    this.pid[i] = pid;
    this.comm[i] = commIndex;
    this.action[i] = action;
    this.rwbs[i] = rwbsIndex;
    this.sector[i] = sector;
    this.nSectors[i] = nSectors;
    this.length = i + 1;
    return i;
  }

  /** Attaches an extra to event `event` (must be called in nondecreasing event order). */
  addExtra(event: number, kind: ExtraKind, a: number, b = 0): void {
    const j = this.extraCount;
    if (j >= this.extraEvent.length) {
      this.extraEvent = grow(Uint32Array, this.extraEvent, j + 1);
      this.extraKind = grow(Uint8Array, this.extraKind, j + 1);
      this.extraA = grow(Float64Array, this.extraA, j + 1);
      this.extraB = grow(Float64Array, this.extraB, j + 1);
    }
    this.extraEvent[j] = event;
    this.extraKind[j] = kind;
    this.extraA[j] = a;
    this.extraB[j] = b;
    this.extraCount = j + 1;
  }

  /** Records that event `event` came from source line (or record) `origin`. Cheap when origins run consecutively. */
  setOrigin(event: number, origin: number): void {
    const r = this.originRuns;
    if (r > 0) {
      const e0 = this.originEvent[r - 1];
      if (this.originValue[r - 1] + (event - e0) === origin) return;
    }
    if (r >= this.originEvent.length) {
      this.originEvent = grow(Uint32Array, this.originEvent, r + 1);
      this.originValue = grow(Float64Array, this.originValue, r + 1);
    }
    this.originEvent[r] = event;
    this.originValue[r] = origin;
    this.originRuns = r + 1;
  }

  /** Source line / record of an event, or -1 when none was recorded. */
  originOf(event: number): number {
    let lo = 0;
    let hi = this.originRuns - 1;
    if (hi < 0 || this.originEvent[0] > event) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.originEvent[mid] <= event) lo = mid;
      else hi = mid - 1;
    }
    return this.originValue[lo] + (event - this.originEvent[lo]);
  }

  /** First extra of `kind` for `event`, or undefined. */
  extra(event: number, kind: ExtraKind): { a: number; b: number } | undefined {
    let lo = 0;
    let hi = this.extraCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.extraEvent[mid] < event) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < this.extraCount && this.extraEvent[j] === event; j++) {
      if (this.extraKind[j] === kind) return { a: this.extraA[j], b: this.extraB[j] };
    }
    return undefined;
  }

  /** Byte count of an event (nSectors * 512 unless an exact Bytes extra says otherwise). */
  bytes(event: number): number {
    const x = this.extra(event, ExtraKind.Bytes);
    return x ? x.a : this.nSectors[event] * 512;
  }

  /** Signed errno of a completion (0 when none). */
  error(event: number): number {
    const x = this.extra(event, ExtraKind.Error);
    return x ? x.a : 0;
  }

  /** Shrinks every column to its length. */
  compact(): this {
    const n = this.length;
    this.timeNs = trim(this.timeNs, n);
    this.sector = trim(this.sector, n);
    this.nSectors = trim(this.nSectors, n);
    this.pid = trim(this.pid, n);
    this.seq = trim(this.seq, n);
    this.comm = trim(this.comm, n);
    this.device = this.device instanceof Uint8Array ? trim(this.device, n) : trim(this.device, n);
    this.cpu = this.cpu instanceof Uint8Array ? trim(this.cpu, n) : trim(this.cpu, n);
    this.rwbs = trim(this.rwbs, n);
    this.action = trim(this.action, n);
    this.extraEvent = trim(this.extraEvent, this.extraCount);
    this.extraKind = trim(this.extraKind, this.extraCount);
    this.extraA = trim(this.extraA, this.extraCount);
    this.extraB = trim(this.extraB, this.extraCount);
    this.originEvent = trim(this.originEvent, this.originRuns);
    this.originValue = trim(this.originValue, this.originRuns);
    return this;
  }

  /** Bytes held by the columns and side tables (what a resident-memory figure should count). */
  byteSize(): number {
    const cols = [
      this.timeNs, this.sector, this.nSectors, this.pid, this.seq, this.comm, this.device, this.cpu,
      this.rwbs, this.action, this.extraEvent, this.extraKind, this.extraA, this.extraB,
      this.originEvent, this.originValue,
    ];
    let n = 0;
    for (const c of cols) n += c.byteLength;
    return n + this.strings.byteSize() + this.rwbsTable.byteSize();
  }
}

function widen(a: Uint8Array): Uint16Array {
  const b = new Uint16Array(a.length);
  b.set(a);
  return b;
}
