/** Shared by the backend model tests: hand-built ring requests and the real sector-stamped image. */
import { MemoryDisk } from '../../engine/backends';
import type { RingRequest } from '../../engine/replay/types';
import { fixturePath, readInput } from '../helpers/fixtures';

/** [grantPage, first_sect, last_sect] */
export type Seg = [number, number, number];

export function ring(id: number, op: 'read' | 'write', sector: number, segs: Seg[], opId = 0): RingRequest {
  return {
    id,
    op,
    sector,
    segments: segs.map(([grantPage, firstSect, lastSect], i) => ({ gref: 100 * id + i, grantPage, firstSect, lastSect })),
    indirect: false,
    opId,
    requestIndex: id,
  };
}

/** `n` full-page segments on grant pages base, base+1, … (what blkfront sends for page-aligned O_DIRECT I/O). */
export function fullPages(base: number, n: number): Seg[] {
  return Array.from({ length: n }, (_, i) => [base + i, 0, 7] as Seg);
}

let stamped: Uint8Array | null = null;

/**
 * edge-cases/stamped-8MiB.img.gz: every 512-byte sector N is 32 copies of `LBA=%08u:%02u\n` (N, slot),
 * so bytes name the sector they came from (fixtures README).
 */
export function stampedDisk(): MemoryDisk {
  stamped ??= readInput(fixturePath('edge-cases', 'stamped-8MiB.img.gz'));
  return new MemoryDisk(stamped);
}

/** The 16-byte stamp unit at byte `off` of sector `lba`. */
export function stamp(lba: number, off = 0): string {
  return `LBA=${String(lba).padStart(8, '0')}:${String(Math.floor(off / 16)).padStart(2, '0')}\n`;
}

export function text(bytes: Uint8Array, start: number, len = 16): string {
  return new TextDecoder().decode(bytes.subarray(start, start + len));
}
