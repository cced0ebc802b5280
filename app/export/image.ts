/**
 * PNG and SVG of the timeline and the sector diff. PNG: the view's own
 * canvas (`toBlob`). SVG: rebuilt from the same data (sector-map cells;
 * timeline columns binned per pixel column, so the file stays small however
 * many events there are), or serialized from the anatomy view's SVG.
 */
import type { TimelineColumns } from '../worker/protocol';
import type { ReportReadMap } from '../share/report';
import { cellsOf, layoutGrid, VERDICT_COLOR } from '../views/SectorDiffModel';
import { download } from './download';

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

/** The first canvas matching the selectors (the views mark theirs with data-export). */
export function findCanvas(selectors: string[]): HTMLCanvasElement | null {
  for (const s of selectors) {
    const el = document.querySelector(s);
    if (el instanceof HTMLCanvasElement) return el;
  }
  return null;
}

export const TIMELINE_CANVAS = ['canvas[data-export="timeline"]', '[aria-label*="timeline" i] canvas', '[aria-labelledby*="timeline" i] canvas'];
export const SECTOR_DIFF_CANVAS = ['canvas[data-export="sector-diff"]'];

export function savePng(canvas: HTMLCanvasElement, name: string): Promise<boolean> {
  return new Promise((resolve) =>
    canvas.toBlob((b) => {
      if (b) download(b, name);
      resolve(b !== null);
    }, 'image/png'),
  );
}

export function sectorDiffSvg(m: ReportReadMap, width = 800): string {
  const cells = cellsOf(m).slice(0, 65_536);
  const g = layoutGrid(cells.length, width);
  const parts: string[] = [];
  const label = g.cell >= 26;
  cells.forEach((c, i) => {
    const x = (i % g.cols) * g.cell;
    const y = Math.floor(i / g.cols) * g.cell + 20;
    parts.push(`<rect x="${x + 1}" y="${y + 1}" width="${g.cell - 2}" height="${g.cell - 2}" fill="${VERDICT_COLOR[c.verdict]}"><title>${esc(`LBA ${c.lba}: ${c.verdict}${c.sourceLba !== null && c.sourceLba !== c.lba ? `, holds LBA ${c.sourceLba}` : ''}`)}</title></rect>`);
    if (label) {
      parts.push(`<text x="${x + 3}" y="${y + 13}" font-size="11">${c.lba}</text>`);
      if (c.sourceLba !== null && c.sourceLba !== c.lba) parts.push(`<text x="${x + 3}" y="${y + g.cell / 2 + 12}" font-size="11" font-weight="bold">←${c.sourceLba}</text>`);
    }
  });
  const title = `read ${m.io}: ${m.returned} bytes at offset ${m.offset}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${g.height + 20}" font-family="monospace"><text x="0" y="14" font-size="12">${esc(title)}</text>${parts.join('')}</svg>\n`;
}

/** Timeline as SVG: one lane per block device (Q/D/C events binned into 1-px columns) and per syscall source. */
export function timelineSvg(t: TimelineColumns, width = 1200): string {
  const span = Math.max(1, t.endNs);
  const laneH = 14;
  const left = 160;
  const plot = width - left - 10;
  const rows: { label: string; bins: Uint32Array }[] = [];
  const binOf = (ns: number) => Math.min(plot - 1, Math.max(0, Math.floor((ns / span) * plot)));
  for (const b of t.block) {
    b.devices.forEach((dev, d) => {
      const bins = new Uint32Array(plot);
      for (let i = 0; i < b.timeNs.length; i++) if (b.device[i] === d) bins[binOf(b.timeNs[i])]++;
      rows.push({ label: `${b.source} ${dev}`, bins });
    });
  }
  for (const s of t.syscalls) {
    const bins = new Uint32Array(plot);
    for (let i = 0; i < s.timeNs.length; i++) bins[binOf(s.timeNs[i])]++;
    rows.push({ label: `${s.source} syscalls`, bins });
  }
  const parts: string[] = [];
  rows.forEach((r, k) => {
    const y = 24 + k * (laneH + 6);
    parts.push(`<text x="0" y="${y + 11}" font-size="11">${esc(r.label.slice(0, 28))}</text>`);
    let max = 1;
    for (const v of r.bins) if (v > max) max = v;
    for (let x = 0; x < plot; x++) {
      if (r.bins[x] === 0) continue;
      const h = Math.max(1, Math.round((r.bins[x] / max) * laneH));
      parts.push(`<rect x="${left + x}" y="${y + laneH - h}" width="1" height="${h}" fill="#4a7bd0"/>`);
    }
  });
  const height = 30 + rows.length * (laneH + 6);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><text x="0" y="14" font-size="12">${esc(`timeline: ${(span / 1e6).toFixed(3)} ms, events per pixel column`)}</text>${parts.join('')}</svg>\n`;
}

/** The anatomy view's own SVG, serialized (its styles inlined as a <style> block). */
export function anatomySvg(): string | null {
  const svg = document.querySelector('svg[data-export="anatomy"]');
  if (!svg) return null;
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = 'text{font:10px sans-serif}.box{fill:none;stroke:#555}.seg{fill:#f7d15488;stroke:#b08900}.buf{fill:#7fd3e855}';
  copy.insertBefore(style, copy.firstChild);
  return `${new XMLSerializer().serializeToString(copy)}\n`;
}

export function saveSvg(text: string, name: string): void {
  download(new Blob([text], { type: 'image/svg+xml' }), name);
}
