import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { stampedImage } from '../../engine/forensics/bench';
import { MemoryImage } from '../../engine/forensics/image';
import { loadGzipImage, openImage, RawFileImage } from '../../engine/forensics/imageNode';

describe('reference images', () => {
  const bytes = stampedImage(300);
  bytes.fill(0, 100 * 512, 200 * 512); // a zero hole for the sparse loader
  const dir = mkdtempSync(join(tmpdir(), 'forensics-img-'));
  const raw = join(dir, 'disk.img');
  const gz = join(dir, 'disk.img.gz');
  writeFileSync(raw, bytes);
  writeFileSync(gz, gzipSync(bytes));

  it('raw files are read lazily and agree with memory', () => {
    const f = new RawFileImage(raw);
    const m = new MemoryImage(bytes);
    expect(f.sectorCount).toBe(300);
    for (const [lba, n] of [[0, 1], [127, 3], [250, 50], [299, 1]]) expect(f.readSectors(lba, n)).toEqual(m.readSectors(lba, n));
    expect(f.readSectors(299, 2)).toBeNull();
    f.close();
  });

  it('gzip images stream into a sparse map: all non-zero blocks, or only the kept ranges', async () => {
    const all = await loadGzipImage(gz);
    expect(all.sectorCount).toBe(300);
    expect(all.blockCount).toBe(38 - 12); // 4 KiB blocks 13..24 are all zero
    expect(all.readSectors(150, 2)).toEqual(new Uint8Array(1024));
    expect(all.readSectors(7, 2)).toEqual(bytes.subarray(7 * 512, 9 * 512));
    const some = await loadGzipImage(gz, { keep: [[40, 4]] });
    expect(some.readSectors(40, 4)).toEqual(bytes.subarray(40 * 512, 44 * 512));
    expect(some.readSectors(120, 1)).toBeNull();
    const opened = await openImage(gz);
    expect(opened.readSectors(299, 1)).toEqual(bytes.subarray(299 * 512));
  });

  it('cleans up', () => {
    rmSync(dir, { recursive: true });
  });
});
