/**
 * Cells of the sector diff: one per device sector (512-byte chunk) a read
 * returned, with its verdict and, when the data came from another LBA, that
 * LBA. Chunks start at device sector boundaries, so a read at an unaligned
 * offset starts with a partial chunk (sectorMap.ts cuts them the same way).
 */
import type { Verdict } from '../../engine/forensics/sectorMap';
import type { ReportReadMap } from '../share/report';

export const VERDICT_COLOR: Record<Verdict, string> = {
  correct: '#2e9e4f',
  consistent: '#93d19b',
  misplaced: '#e0443e',
  stale: '#f08c2e',
  'stale-or-unknown': '#b8561b',
  duplicate: '#9b59b6',
  unverifiable: '#b9b9b9',
  'changed-by-write': '#4a7bd0',
};

export const VERDICT_LABEL: Record<Verdict, string> = {
  correct: 'correct',
  consistent: 'consistent (no reference)',
  misplaced: 'misplaced (another LBA’s data)',
  stale: 'stale (before a write)',
  'stale-or-unknown': 'wrong, origin unknown',
  duplicate: 'duplicate within the read',
  unverifiable: 'unverifiable',
  'changed-by-write': 'changed by an untraced write',
};

export interface Cell {
  lba: number;
  bufStart: number;
  bufEnd: number;
  verdict: Verdict;
  /** LBA whose data this chunk holds (misplaced, stale, duplicate), else null. */
  sourceLba: number | null;
}

/** Number of cells of a map (without building them). */
export function cellCount(m: ReportReadMap): number {
  let n = 0;
  for (const r of m.runs) n += r.lbaLast - r.lbaFirst + 1;
  return n;
}

export function cellsOf(m: ReportReadMap): Cell[] {
  const out: Cell[] = [];
  for (const r of m.runs) {
    for (let lba = r.lbaFirst; lba <= r.lbaLast; lba++) {
      const start = Math.max(r.bufStart, lba * 512 - m.offset);
      const end = Math.min(r.bufEnd, (lba + 1) * 512 - m.offset);
      const src = r.sourceLba === null ? null : r.sourceLba + (lba - r.lbaFirst);
      out.push({ lba, bufStart: start, bufEnd: end, verdict: r.verdict, sourceLba: src });
    }
  }
  return out;
}

export interface GridLayout {
  cols: number;
  cell: number;
  rows: number;
  width: number;
  height: number;
}

/** Columns and cell size: readable labels for small reads, a bounded canvas for huge ones. */
export function layoutGrid(n: number, width: number): GridLayout {
  const w = Math.max(160, width);
  let cols = n <= 16 ? Math.max(1, n) : n <= 64 ? 16 : 32;
  let cell = Math.min(56, Math.floor(w / cols));
  while (Math.ceil(n / cols) * cell > 12_000 && cols < 4096) {
    cols *= 2;
    cell = Math.max(2, Math.floor(w / cols));
  }
  const rows = Math.ceil(n / cols);
  return { cols, cell, rows, width: cols * cell, height: rows * cell };
}

/** Short reader-facing description of a run of cells. */
export function describeCell(c: Cell): string {
  const src = c.sourceLba !== null && c.sourceLba !== c.lba ? ` — holds LBA ${c.sourceLba}'s data` : '';
  return `LBA ${c.lba} ${c.verdict}${src}`;
}
