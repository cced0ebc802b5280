/**
 * Node-only disk readers for reference images (the rest of engine/replay stays browser-safe).
 * Raw images are read by 4 KiB page on demand; gzip images are decompressed once: fully when
 * small, else streamed into a sparse page store that keeps only non-zero pages.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, createReadStream } from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { BufferDisk, DISK_SECTOR, PagedDisk, type Disk } from './disk';

/** Compressed images below this size are inflated into one buffer. */
const SMALL_GZIP = 64 << 20;

/** A raw image file read page by page (file descriptor kept open; call close() when done). */
export class RawFileDisk extends PagedDisk {
  private fd: number;
  constructor(path: string, maxPages = 4096) {
    const fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    super(Math.ceil(size / DISK_SECTOR), (p) => {
      const b = new Uint8Array(PagedDisk.PAGE);
      readSync(this.fd, b, 0, b.length, p * PagedDisk.PAGE);
      return b;
    }, maxPages);
    this.fd = fd;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** Non-zero 4 KiB pages of an image; absent pages read as zeros. */
export class SparsePageDisk implements Disk {
  constructor(
    readonly sectors: number,
    private readonly pages: Map<number, Uint8Array>,
  ) {}

  readSectors(lba: number, count: number): Uint8Array {
    const out = new Uint8Array(count * DISK_SECTOR);
    let at = lba * DISK_SECTOR;
    const end = Math.min(this.sectors * DISK_SECTOR, at + out.length);
    let o = 0;
    while (at < end) {
      const p = Math.floor(at / PagedDisk.PAGE);
      const inPage = at - p * PagedDisk.PAGE;
      const n = Math.min(PagedDisk.PAGE - inPage, end - at);
      const src = this.pages.get(p);
      if (src) out.set(src.subarray(inPage, inPage + n), o);
      at += n;
      o += n;
    }
    return out;
  }
}

function isZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Streams a gzip image into a SparsePageDisk (memory = non-zero content only). */
export async function openGzipImageStreaming(path: string): Promise<Disk> {
  const pages = new Map<number, Uint8Array>();
  let page = new Uint8Array(PagedDisk.PAGE);
  let fill = 0;
  let index = 0;
  const flush = () => {
    if (!isZero(page.subarray(0, fill))) pages.set(index, page);
    page = new Uint8Array(PagedDisk.PAGE);
    fill = 0;
    index++;
  };
  const stream = createReadStream(path).pipe(createGunzip());
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let at = 0;
    while (at < chunk.length) {
      const n = Math.min(PagedDisk.PAGE - fill, chunk.length - at);
      page.set(chunk.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === PagedDisk.PAGE) flush();
    }
  }
  const total = index * PagedDisk.PAGE + fill;
  if (fill > 0) flush();
  return new SparsePageDisk(Math.ceil(total / DISK_SECTOR), pages);
}

/** Opens an image synchronously: raw by page on demand, gzip fully inflated (small images only). */
export function openImageSync(path: string): Disk {
  if (path.endsWith('.gz')) {
    if (statSync(path).size > SMALL_GZIP) throw new Error(`${path}: large gzip image, use openImage()`);
    return new BufferDisk(new Uint8Array(gunzipSync(readFileSync(path))));
  }
  return new RawFileDisk(path);
}

/** Opens any image: raw lazily, small gzip inflated, large gzip streamed into a sparse page store. */
export async function openImage(path: string): Promise<Disk> {
  if (path.endsWith('.gz') && statSync(path).size > SMALL_GZIP) return openGzipImageStreaming(path);
  return openImageSync(path);
}
