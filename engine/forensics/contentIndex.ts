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
  private readonly byHash = new Map<HashKey, number[]>();
  private readonly unknownTime = new Set<number>();
  private finished = false;

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
    this.n = i + 1;
    this.finished = false;
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

  get size(): number {
    return this.n;
  }

  finish(): void {
    const idx = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) idx[i] = i;
    const { lba, order, ref } = this;
    idx.sort((a, b) => lba[a] - lba[b] || order[a] - order[b] || ref[a] - ref[b] || a - b);
    this.sorted = idx;
    this.byHash.clear();
    for (let k = 0; k < this.n; k++) {
      const i = idx[k];
      if (this.kind[i] === ObsKind.WriteUnknown || this.hash[i] === ZERO_SECTOR_KEY) continue;
      const h = this.hash[i];
      let list = this.byHash.get(h);
      if (!list) this.byHash.set(h, (list = []));
      if (list.length < 64) list.push(i);
    }
    this.finished = true;
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
    this.ensure();
    let best = -1;
    for (let k = this.lowerBound(lba); k < this.n; k++) {
      const i = this.sorted[k];
      if (this.lba[i] !== lba) break;
      if (this.order[i] < order || (this.order[i] === order && this.ref[i] < ref)) best = i;
      else break;
    }
    return best < 0 ? null : this.obs(best);
  }

  /** The latest write (known or unknown content) of `lba` strictly before (order, ref), or null. */
  lastWriteBefore(lba: number, order: number, ref: number): Observation | null {
    this.ensure();
    let best = -1;
    for (let k = this.lowerBound(lba); k < this.n; k++) {
      const i = this.sorted[k];
      if (this.lba[i] !== lba) break;
      if (!(this.order[i] < order || (this.order[i] === order && this.ref[i] < ref))) break;
      if (this.kind[i] !== ObsKind.Read) best = i;
    }
    return best < 0 ? null : this.obs(best);
  }

  /** LBAs other than `exclude` known (read or written) to hold content `hash`; zero sectors never match. */
  lbasWith(hash: HashKey, exclude: number): number[] {
    this.ensure();
    const list = this.byHash.get(hash);
    if (!list) return [];
    const out: number[] = [];
    for (const i of list) {
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
