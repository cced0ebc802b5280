/**
 * What the trace itself says about each LBA's content over time: every full
 * 512-byte chunk returned by a read (hash), every chunk written with visible
 * data (known content from then on), and block-layer writes without data
 * ("changed, content unknown" from then on).
 *
 * Questions it answers (sector-map evidence when there is no image):
 * - what content did this LBA have just before this read?
 * - which other LBAs are known to hold this exact content?
 * - which LBAs returned different content on a re-read with no write between?
 */
import { grow } from '../../parsers/model/columns';
import { ZERO_SECTOR_KEY, type HashKey } from './hash';

export const enum ObsKind {
  Read = 1,
  WriteKnown = 2,
  WriteUnknown = 3,
}

export interface Observation {
  kind: ObsKind;
  lba: number;
  /** Ordering key (strace time or row); NaN = a write at an unknown time. */
  order: number;
  hash: HashKey;
  /** IoRecord id (reads, strace writes) or block request id (unknown writes). */
  ref: number;
  /** Buffer offset of the chunk inside its read/write. */
  bufOffset: number;
}

export interface InconsistentReread {
  lba: number;
  /** The earlier and the later read observation. */
  first: Observation;
  second: Observation;
}

export class ContentIndex {
  private n = 0;
  private kind = new Uint8Array(0);
  private lba = new Float64Array(0);
  private order = new Float64Array(0);
  private hash = new Float64Array(0);
  private ref = new Float64Array(0);
  private bufOff = new Float64Array(0);
  /** Observation indices sorted by (lba, order, ref); built by finish(). */
  private sorted = new Uint32Array(0);
  private heads = new Int32Array(1).fill(-1);
  private mask = 0;
  private nextSame = new Int32Array(0);
  private readonly unknownTime = new Set<number>();
  private finished = false;
  /* Content chains (heads/nextSame) are built on the first lbasWith(): a read-only device whose chunks the image or stamps all prove never asks. */
  private chained = false;
  /** Write observations (known or unknown content) held. */
  private writes = 0;

  private push(kind: ObsKind, lba: number, order: number, hash: HashKey, ref: number, bufOffset: number): void {
    const i = this.n;
    if (i >= this.kind.length) {
      this.kind = grow(Uint8Array, this.kind, i + 1);
      this.lba = grow(Float64Array, this.lba, i + 1);
      this.order = grow(Float64Array, this.order, i + 1);
      this.hash = grow(Float64Array, this.hash, i + 1);
      this.ref = grow(Float64Array, this.ref, i + 1);
      this.bufOff = grow(Float64Array, this.bufOff, i + 1);
    }
    this.kind[i] = kind;
    this.lba[i] = lba;
    this.order[i] = order;
    this.hash[i] = hash;
    this.ref[i] = ref;
    this.bufOff[i] = bufOffset;
    if (kind !== ObsKind.Read) this.writes++;
    this.n = i + 1;
    this.finished = false;
  }

  /**
   * Capacity hint: room for `n` observations in total, so that columns do not
   * grow (copy, fault in fresh pages) while hundreds of MB of reads are indexed.
   */
  reserve(n: number): void {
    if (n <= this.kind.length) return;
    const keep = <T extends Float64Array | Uint8Array>(a: T, b: T): T => {
      b.set(a.subarray(0, this.n) as never);
      return b;
    };
    this.kind = keep(this.kind, new Uint8Array(n));
    this.lba = keep(this.lba, new Float64Array(n));
    this.order = keep(this.order, new Float64Array(n));
    this.hash = keep(this.hash, new Float64Array(n));
    this.ref = keep(this.ref, new Float64Array(n));
    this.bufOff = keep(this.bufOff, new Float64Array(n));
  }

  addRead(lba: number, order: number, hash: HashKey, ioId: number, bufOffset: number): void {
    this.push(ObsKind.Read, lba, order, hash, ioId, bufOffset);
  }

  addWrite(lba: number, order: number, hash: HashKey, ioId: number, bufOffset: number): void {
    this.push(ObsKind.WriteKnown, lba, order, hash, ioId, bufOffset);
  }

  /** A write whose data the trace does not show; `order` NaN when it cannot be placed in time. */
  addUnknownWrite(lba: number, order: number, ref: number): void {
    if (Number.isNaN(order)) this.unknownTime.add(lba);
    else this.push(ObsKind.WriteUnknown, lba, order, 0, ref, 0);
  }

  /** True when no write (known, unknown or untimed) touched any LBA: every chunk's expectation is the image or its stamp. */
  get readOnly(): boolean {
    return this.writes === 0 && this.unknownTime.size === 0;
  }

  get size(): number {
    return this.n;
  }

  finish(): void {
    const n = this.n;
    const { lba, order, ref } = this;
    // Rank by (order, ref) first: observations usually arrive in that order already.
    let byTime = new Uint32Array(n);
    for (let i = 0; i < n; i++) byTime[i] = i;
    let sortedInTime = true;
    for (let i = 1; i < n && sortedInTime; i++) {
      if (order[i] < order[i - 1] || (order[i] === order[i - 1] && ref[i] < ref[i - 1])) sortedInTime = false;
    }
    if (!sortedInTime) byTime = byTime.sort((a, b) => order[a] - order[b] || ref[a] - ref[b] || a - b);
    // Then a numeric (comparator-free) sort on lba * n + time rank keeps time order within an LBA.
    let maxLba = 0;
    for (let i = 0; i < n; i++) if (lba[i] > maxLba) maxLba = lba[i];
    const idx = new Uint32Array(n);
    // Sequential reads (the common capture) arrive already in (lba, time) order: check before sorting.
    let inLbaOrder = true;
    for (let r = 1; r < n && inLbaOrder; r++) if (lba[byTime[r]] < lba[byTime[r - 1]]) inLbaOrder = false;
    if (inLbaOrder) {
      idx.set(byTime);
    } else if ((maxLba + 1) * n < 2 ** 52) {
      const keys = new Float64Array(n);
      for (let r = 0; r < n; r++) keys[r] = lba[byTime[r]] * n + r;
      keys.sort();
      for (let k = 0; k < n; k++) idx[k] = byTime[keys[k] % n];
    } else {
      const rank = new Uint32Array(n);
      for (let r = 0; r < n; r++) rank[byTime[r]] = r;
      for (let i = 0; i < n; i++) idx[i] = i;
      idx.sort((a, b) => lba[a] - lba[b] || rank[a] - rank[b]);
    }
    this.sorted = idx;
    this.chained = false;
    this.finished = true;
  }

  private chain(): void {
    this.ensure();
    if (this.chained) return;
    const n = this.n;
    const idx = this.sorted;
    // Content → observations: bucket heads in a typed table (a JS Map with 10^5..10^7
    // entries dominates the cost otherwise), one chain per bucket in ascending LBA order;
    // lookups compare the full hash.
    let bits = 4;
    while (1 << bits < 2 * n) bits++;
    this.mask = (1 << bits) - 1;
    const heads = new Int32Array(1 << bits).fill(-1);
    const nextSame = new Int32Array(n).fill(-1);
    const { kind, hash, mask } = this;
    for (let k = n - 1; k >= 0; k--) {
      const i = idx[k];
      const h = hash[i];
      if (kind[i] === ObsKind.WriteUnknown || h === ZERO_SECTOR_KEY) continue;
      // The key's low 32 bits are the first hash half (keyOf): `>>> 0` takes them without a division.
      const b = (h >>> 0) & mask;
      nextSame[i] = heads[b];
      heads[b] = i;
    }
    this.heads = heads;
    this.nextSame = nextSame;
    this.chained = true;
  }

  private ensure(): void {
    if (!this.finished) this.finish();
  }

  obs(i: number): Observation {
    return {
      kind: this.kind[i] as ObsKind,
      lba: this.lba[i],
      order: this.order[i],
      hash: this.hash[i],
      ref: this.ref[i],
      bufOffset: this.bufOff[i],
    };
  }

  /** Position in `sorted` of the first observation of `lba`. */
  private lowerBound(lba: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lba[this.sorted[mid]] < lba) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Observations of one LBA in time order. */
  history(lba: number): Observation[] {
    this.ensure();
    const out: Observation[] = [];
    for (let k = this.lowerBound(lba); k < this.n && this.lba[this.sorted[k]] === lba; k++) out.push(this.obs(this.sorted[k]));
    return out;
  }

  /** True when a write of unknown time touched `lba` (any re-read may legitimately differ). */
  changedAtUnknownTime(lba: number): boolean {
    return this.unknownTime.has(lba);
  }

  /**
   * The latest observation of `lba` strictly before (order, ref): what the
   * LBA was known to hold when this I/O started. null when none.
   */
  before(lba: number, order: number, ref: number): Observation | null {
    const i = this.beforeIdx(lba, order, ref);
    return i < 0 ? null : this.obs(i);
  }

  /** Allocation-free form of before(). */
  beforeIdx(lba: number, order: number, ref: number): number {
    this.ensure();
    let best = -1;
    for (let k = this.lowerBound(lba); k < this.n; k++) {
      const i = this.sorted[k];
      if (this.lba[i] !== lba) break;
      if (this.order[i] < order || (this.order[i] === order && this.ref[i] < ref)) best = i;
      else break;
    }
    return best;
  }

  kindAt(i: number): ObsKind {
    return this.kind[i] as ObsKind;
  }
  hashAt(i: number): HashKey {
    return this.hash[i];
  }
  refAt(i: number): number {
    return this.ref[i];
  }

  /** True when no observation of `lba` exists at all (fast exit for the hot path). */
  hasAny(lba: number): boolean {
    this.ensure();
    const k = this.lowerBound(lba);
    return k < this.n && this.lba[this.sorted[k]] === lba;
  }

  /** The latest write (known or unknown content) of `lba` strictly before (order, ref), or null. */
  lastWriteBefore(lba: number, order: number, ref: number): Observation | null {
    const i = this.lastWriteIdx(lba, order, ref);
    return i < 0 ? null : this.obs(i);
  }

  /** Allocation-free form of lastWriteBefore: an observation index or -1 (read it with kindAt/hashAt/...). */
  lastWriteIdx(lba: number, order: number, ref: number): number {
    this.ensure();
    if (this.writes === 0) return -1;
    let best = -1;
    for (let k = this.lowerBound(lba); k < this.n; k++) {
      const i = this.sorted[k];
      if (this.lba[i] !== lba) break;
      if (!(this.order[i] < order || (this.order[i] === order && this.ref[i] < ref))) break;
      if (this.kind[i] !== ObsKind.Read) best = i;
    }
    return best;
  }

  /** LBAs other than `exclude` known (read or written) to hold content `hash`; zero sectors never match. */
  lbasWith(hash: HashKey, exclude: number): number[] {
    this.chain();
    const out: number[] = [];
    let i = this.heads[hash % 4294967296 & this.mask];
    for (let steps = 0; i >= 0 && steps < 256; steps++, i = this.nextSame[i]) {
      if (this.hash[i] !== hash) continue;
      const l = this.lba[i];
      if (l !== exclude && !out.includes(l)) out.push(l);
    }
    return out;
  }

  /** Every pair of consecutive reads of one LBA that differ with no write between them. */
  inconsistentRereads(): InconsistentReread[] {
    this.ensure();
    const out: InconsistentReread[] = [];
    let prevRead = -1;
    for (let k = 0; k < this.n; k++) {
      const i = this.sorted[k];
      if (k > 0 && this.lba[this.sorted[k - 1]] !== this.lba[i]) prevRead = -1;
      if (this.kind[i] !== ObsKind.Read) {
        prevRead = -1; // a write resets what a later read must match
        continue;
      }
      if (prevRead >= 0 && this.hash[prevRead] !== this.hash[i] && !this.unknownTime.has(this.lba[i])) {
        out.push({ lba: this.lba[i], first: this.obs(prevRead), second: this.obs(i) });
      }
      prevRead = i;
    }
    return out;
  }
}

/**
 * One index that lives as long as the module. V8 keeps the hidden class of a
 * fully built instance only through its instances and through weak
 * transitions: when the last index of an analysis dies, code optimised for
 * that class is thrown away and the next analysis (the page's next file, the
 * bench's timed run) starts its hot loops unoptimised. This instance keeps
 * the class alive.
 */
export const CLASS_ANCHOR_INDEX = new ContentIndex();
