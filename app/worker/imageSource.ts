/// <reference lib="webworker" />
/**
 * Reference images as SectorSources inside the worker. A raw image is read
 * lazily: each readSectors() is one synchronous `file.slice()` read
 * (FileReaderSync exists in workers only), so a multi-GiB image costs
 * nothing until a read needs its sectors. A gzip image cannot be seeked:
 * it is inflated once as a stream into a sparse map of 4 KiB blocks where
 * all-zero blocks are not stored (stamped test images are mostly zeros).
 */
import { SECTOR_BYTES, SparseImage, type SectorSource } from '../../engine/forensics/image';
import { fileChunks, isGzip } from './readFile';

export class FileImage implements SectorSource {
  readonly sectorCount: number;
  readonly label: string;
  private readonly reader = new FileReaderSync();

  constructor(private readonly file: File) {
    this.sectorCount = Math.floor(file.size / SECTOR_BYTES);
    this.label = file.name;
  }

  readSectors(lba: number, count: number): Uint8Array | null {
    if (lba < 0 || count < 0 || lba + count > this.sectorCount) return null;
    const buf = this.reader.readAsArrayBuffer(this.file.slice(lba * SECTOR_BYTES, (lba + count) * SECTOR_BYTES));
    return new Uint8Array(buf);
  }
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Inflates a gzip image into a SparseImage; `onBytes` reports progress in uncompressed bytes. */
export async function inflateImage(file: File, isCancelled: () => boolean, onBytes: (n: number) => void): Promise<SparseImage> {
  const block = SparseImage.BLOCK;
  const pending = new Uint8Array(block);
  let fill = 0;
  let index = 0;
  let total = 0;
  const blocks: [number, Uint8Array][] = [];
  for await (const chunk of fileChunks(file, isCancelled)) {
    total += chunk.length;
    let o = 0;
    while (o < chunk.length) {
      const take = Math.min(block - fill, chunk.length - o);
      pending.set(chunk.subarray(o, o + take), fill);
      fill += take;
      o += take;
      if (fill === block) {
        if (!allZero(pending)) blocks.push([index, pending.slice()]);
        index++;
        fill = 0;
      }
    }
    onBytes(total);
  }
  if (fill > 0) {
    pending.fill(0, fill);
    if (!allZero(pending)) blocks.push([index, pending.slice()]);
  }
  const sectors = Math.floor(total / SECTOR_BYTES);
  const img = new SparseImage(sectors, file.name, true);
  for (const [i, b] of blocks) img.setBlock(i, b);
  return img;
}

export async function openImage(file: File, isCancelled: () => boolean, onBytes: (n: number) => void): Promise<SectorSource> {
  if (await isGzip(file)) return inflateImage(file, isCancelled, onBytes);
  return new FileImage(file);
}
