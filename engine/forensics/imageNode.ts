/**
 * Node-only reference-image loaders (they touch the filesystem; the engine
 * proper only sees the SectorSource interface from image.ts).
 *
 * - raw images are read lazily by sector through a small block cache, so a
 *   multi-GB image costs a file handle, not memory;
 * - `.gz` images cannot be read at random offsets, so they are decompressed
 *   once, streaming, into a SparseImage that keeps either the ranges the
 *   trace reads (`keep`) or every non-zero 4 KiB block.
 */
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { SECTOR_BYTES, SparseImage, type SectorSource } from './image';

const CACHE_BLOCK = 64 * 1024;
const CACHE_BLOCKS = 64;

export class RawFileImage implements SectorSource {
  readonly sectorCount: number;
  private fd: number;
  private readonly cache = new Map<number, Uint8Array>();
  private out = new Uint8Array(0);

  constructor(readonly path: string, readonly label = path) {
    this.fd = openSync(path, 'r');
    this.sectorCount = Math.floor(fstatSync(this.fd).size / SECTOR_BYTES);
  }

  private block(index: number): Uint8Array {
    let b = this.cache.get(index);
    if (b) {
      // Map iteration order is insertion order: re-insert to mark as recently used.
      this.cache.delete(index);
      this.cache.set(index, b);
      return b;
    }
    b = new Uint8Array(CACHE_BLOCK);
    readSync(this.fd, b, 0, CACHE_BLOCK, index * CACHE_BLOCK);
    this.cache.set(index, b);
    if (this.cache.size > CACHE_BLOCKS) this.cache.delete(this.cache.keys().next().value as number);
    return b;
  }

  readSectors(lba: number, count: number): Uint8Array | null {
    if (this.fd < 0 || lba < 0 || count < 0 || lba + count > this.sectorCount) return null;
    const n = count * SECTOR_BYTES;
    if (this.out.length < n) this.out = new Uint8Array(n);
    const out = this.out.subarray(0, n);
    let pos = lba * SECTOR_BYTES;
    const end = pos + n;
    while (pos < end) {
      const bi = Math.floor(pos / CACHE_BLOCK);
      const inBlock = pos - bi * CACHE_BLOCK;
      const take = Math.min(CACHE_BLOCK - inBlock, end - pos);
      out.set(this.block(bi).subarray(inBlock, inBlock + take), pos - lba * SECTOR_BYTES);
      pos += take;
    }
    return out;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export interface GzipLoadOptions {
  /** Sector ranges [lba, count] to retain; absent = retain every non-zero block (zero elsewhere). */
  keep?: Array<[number, number]>;
}

/** Streams a gzip image once and returns the retained blocks as a SparseImage. */
export async function loadGzipImage(path: string, opts: GzipLoadOptions = {}, label = path): Promise<SparseImage> {
  const B = SparseImage.BLOCK;
  const keepBlocks = opts.keep ? blockSet(opts.keep) : null;
  const kept = new Map<number, Uint8Array>();
  const pending = new Uint8Array(B);
  let fill = 0;
  let total = 0;
  const flush = (index: number, block: Uint8Array) => {
    if (keepBlocks ? keepBlocks.has(index) : !allZero(block)) kept.set(index, block.slice());
  };
  const stream = createReadStream(path).pipe(createGunzip());
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let i = 0;
    while (i < chunk.length) {
      const take = Math.min(B - fill, chunk.length - i);
      pending.set(chunk.subarray(i, i + take), fill);
      fill += take;
      i += take;
      if (fill === B) {
        flush(Math.floor(total / B), pending);
        total += B;
        fill = 0;
      }
    }
  }
  if (fill > 0) {
    pending.fill(0, fill);
    flush(Math.floor(total / B), pending);
    total += fill;
  }
  const img = new SparseImage(Math.floor(total / SECTOR_BYTES), label, keepBlocks === null);
  for (const [k, v] of kept) img.setBlock(k, v);
  return img;
}

function blockSet(ranges: Array<[number, number]>): Set<number> {
  const per = SparseImage.BLOCK / SECTOR_BYTES;
  const s = new Set<number>();
  for (const [lba, count] of ranges) {
    for (let b = Math.floor(lba / per); b <= Math.floor((lba + Math.max(count, 1) - 1) / per); b++) s.add(b);
  }
  return s;
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Opens a reference image by file name: `.gz` is decompressed (streaming), anything else read lazily. */
export async function openImage(path: string, opts: GzipLoadOptions = {}): Promise<SectorSource & { close?: () => void }> {
  if (path.endsWith('.gz')) return loadGzipImage(path, opts);
  return new RawFileImage(path);
}
