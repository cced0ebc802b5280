/**
 * Reference images: the device content a trace's reads should have returned
 * (before any write in the trace). Synchronous on purpose: classification is
 * a tight loop over chunks; loaders that need I/O (imageNode.ts) do it before
 * analysis and hand over a source that answers from memory or a file handle.
 */
export const SECTOR_BYTES = 512;

export interface SectorSource {
  /** Sectors on the device (reads past it are short on a real kernel). */
  readonly sectorCount: number;
  /** A human label (file name) for evidence. */
  readonly label: string;
  /**
   * `count` sectors from `lba` (count*512 bytes), or null when the source
   * does not hold them (past the end, or not retained by a sparse loader).
   * The returned view may be reused by the next call: copy to keep it.
   */
  readSectors(lba: number, count: number): Uint8Array | null;
}

/** An image held in memory (tests, the page's File API after a full read). */
export class MemoryImage implements SectorSource {
  readonly sectorCount: number;
  constructor(readonly bytes: Uint8Array, readonly label = 'memory image') {
    this.sectorCount = Math.floor(bytes.length / SECTOR_BYTES);
  }

  readSectors(lba: number, count: number): Uint8Array | null {
    if (lba < 0 || count < 0 || lba + count > this.sectorCount) return null;
    return this.bytes.subarray(lba * SECTOR_BYTES, (lba + count) * SECTOR_BYTES);
  }
}

/**
 * Sparse image: only some 4 KiB blocks are present; absent blocks read as
 * zero when `absentIsZero` (a fully decompressed sparse image), else as
 * "not held" (a loader that kept only the ranges the trace reads).
 */
export class SparseImage implements SectorSource {
  static readonly BLOCK = 4096;
  private readonly blocks = new Map<number, Uint8Array>();
  private buf = new Uint8Array(0);

  constructor(
    readonly sectorCount: number,
    readonly label: string,
    private readonly absentIsZero: boolean,
  ) {}

  /** Stores a 4 KiB block (copied). */
  setBlock(index: number, data: Uint8Array): void {
    this.blocks.set(index, data.slice(0, SparseImage.BLOCK));
  }

  hasBlock(index: number): boolean {
    return this.blocks.has(index);
  }

  get blockCount(): number {
    return this.blocks.size;
  }

  readSectors(lba: number, count: number): Uint8Array | null {
    if (lba < 0 || count < 0 || lba + count > this.sectorCount) return null;
    const n = count * SECTOR_BYTES;
    if (this.buf.length < n) this.buf = new Uint8Array(n);
    const out = this.buf.subarray(0, n);
    const per = SparseImage.BLOCK / SECTOR_BYTES;
    for (let s = lba; s < lba + count; ) {
      const bi = Math.floor(s / per);
      const inBlock = s - bi * per;
      const take = Math.min(per - inBlock, lba + count - s);
      const blk = this.blocks.get(bi);
      const dst = (s - lba) * SECTOR_BYTES;
      if (blk) out.set(blk.subarray(inBlock * SECTOR_BYTES, (inBlock + take) * SECTOR_BYTES), dst);
      else if (this.absentIsZero) out.fill(0, dst, dst + take * SECTOR_BYTES);
      else return null;
      s += take;
    }
    return out;
  }
}

/** One image that lives as long as the module, for the reason given at contentIndex.ts CLASS_ANCHOR_INDEX. */
export const CLASS_ANCHOR_IMAGE = new MemoryImage(new Uint8Array(0), 'class anchor');
