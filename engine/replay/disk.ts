/**
 * Disk contents as the replay sees them: 512-byte sectors read on demand. Browser-safe; the
 * file-backed readers live in diskNode.ts.
 */
export const DISK_SECTOR = 512;

export interface Disk {
  /** Size in 512-byte sectors (reads past the end return zeros). */
  readonly sectors: number;
  /** `count` sectors from `lba` (always count × 512 bytes; past the end: zeros). */
  readSectors(lba: number, count: number): Uint8Array;
}

/** A sparse in-memory disk: unset sectors read as zeros. */
export class SparseDisk implements Disk {
  private readonly map = new Map<number, Uint8Array>();
  constructor(readonly sectors: number) {}

  /** Writes bytes at a byte offset that is a multiple of 512 (partial last sector is zero-padded). */
  write(byteOffset: number, bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; at += DISK_SECTOR) {
      const lba = (byteOffset + at) / DISK_SECTOR;
      if (!Number.isInteger(lba) || lba < 0 || lba >= this.sectors) continue;
      const s = new Uint8Array(DISK_SECTOR);
      s.set(bytes.subarray(at, Math.min(bytes.length, at + DISK_SECTOR)));
      this.map.set(lba, s);
    }
  }

  readSectors(lba: number, count: number): Uint8Array {
    const out = new Uint8Array(count * DISK_SECTOR);
    for (let i = 0; i < count; i++) {
      const s = this.map.get(lba + i);
      if (s) out.set(s, i * DISK_SECTOR);
    }
    return out;
  }
}

/** A disk over one in-memory image (small images, decompressed gzip, tests). */
export class BufferDisk implements Disk {
  readonly sectors: number;
  constructor(private readonly image: Uint8Array) {
    this.sectors = Math.ceil(image.length / DISK_SECTOR);
  }

  readSectors(lba: number, count: number): Uint8Array {
    const out = new Uint8Array(count * DISK_SECTOR);
    const start = lba * DISK_SECTOR;
    const end = Math.min(this.image.length, start + out.length);
    if (start < end) out.set(this.image.subarray(start, end));
    return out;
  }
}

/**
 * A disk whose 4 KiB pages are produced on demand by `loadPage` (raw file reads, a decompression
 * cache) and kept in a bounded LRU, so multi-GB images are never one buffer.
 */
export class PagedDisk implements Disk {
  static readonly PAGE = 4096;
  private readonly cache = new Map<number, Uint8Array>();
  constructor(
    readonly sectors: number,
    private readonly loadPage: (page: number) => Uint8Array,
    private readonly maxPages = 4096,
  ) {}

  private page(p: number): Uint8Array {
    let b = this.cache.get(p);
    if (b) {
      this.cache.delete(p);
      this.cache.set(p, b);
      return b;
    }
    b = this.loadPage(p);
    this.cache.set(p, b);
    if (this.cache.size > this.maxPages) {
      const oldest = this.cache.keys().next().value as number;
      this.cache.delete(oldest);
    }
    return b;
  }

  readSectors(lba: number, count: number): Uint8Array {
    const out = new Uint8Array(count * DISK_SECTOR);
    const limit = this.sectors * DISK_SECTOR;
    let at = lba * DISK_SECTOR;
    const end = Math.min(limit, at + out.length);
    let o = 0;
    while (at < end) {
      const p = Math.floor(at / PagedDisk.PAGE);
      const inPage = at - p * PagedDisk.PAGE;
      const n = Math.min(PagedDisk.PAGE - inPage, end - at);
      const src = this.page(p);
      out.set(src.subarray(inPage, Math.min(src.length, inPage + n)), o);
      at += n;
      o += n;
    }
    return out;
  }
}
