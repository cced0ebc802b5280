/**
 * Draws the timeline on a 2D canvas with per-pixel-column level of detail:
 * every lane's events are sorted by time, so the number of events under a
 * pixel column is two binary searches away, whatever the event count. A
 * frame costs O(width × lanes × log n), not O(n). The LBA scatter draws
 * every visible event up to a budget and a uniform stride sample beyond it.
 */
import { ticks } from 'd3';
import type { TimelineColumns } from '../worker/protocol';
import { AXIS_H, LABEL_W, type Row } from './timelineLayout';

export interface Palette {
  bg: string;
  panel: string;
  text: string;
  muted: string;
  grid: string;
  border: string;
  accent: string;
  sel: string;
  lanes: string[];
  read: string;
  write: string;
}

export interface View {
  /** Visible time range, ns relative to the columns' origin. */
  t0: number;
  t1: number;
  /** Brushed range in relative ns, or null. */
  brush: [number, number] | null;
  /** Relative times to mark (the selected read). */
  marks: [number, number][];
}

const SCATTER_BUDGET = 120_000;

/** First index with a[i] >= v in a sorted array, searching [lo, hi). */
export function lowerBound(a: Float64Array, v: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (a[m] < v) lo = m + 1;
    else hi = m;
  }
  return lo;
}

export function formatNs(ns: number, span: number): string {
  const a = Math.abs(span);
  if (a >= 2e9) return `${(ns / 1e9).toFixed(a >= 2e10 ? 1 : 2)} s`;
  if (a >= 2e6) return `${(ns / 1e6).toFixed(a >= 2e7 ? 1 : 2)} ms`;
  if (a >= 2e3) return `${(ns / 1e3).toFixed(a >= 2e4 ? 1 : 2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

/** Density classes per column: 1, 2–9, 10–99, ≥ 100 events. */
const ALPHA = [0.55, 0.75, 0.9, 1];
function level(c: number): number {
  return c < 2 ? 0 : c < 10 ? 1 : c < 100 ? 2 : 3;
}

export interface DrawStats {
  ms: number;
  drawnEvents: number;
}

export function drawTimeline(
  ctx: CanvasRenderingContext2D,
  w: number,
  h: number,
  cols: TimelineColumns,
  rows: Row[],
  view: View,
  pal: Palette,
  scatterDomain: [number, number],
): DrawStats {
  const start = performance.now();
  const plotW = Math.max(1, w - LABEL_W);
  const span = view.t1 - view.t0 || 1;
  const xOf = (t: number) => LABEL_W + ((t - view.t0) / span) * plotW;
  let drawn = 0;

  ctx.fillStyle = pal.panel;
  ctx.fillRect(0, 0, w, h);

  // Time grid and axis.
  const tks = ticks(view.t0, view.t1, Math.max(2, Math.floor(plotW / 110)));
  ctx.fillStyle = pal.grid;
  for (const t of tks) ctx.fillRect(Math.round(xOf(t)), AXIS_H, 1, h - AXIS_H);
  ctx.fillStyle = pal.muted;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (const t of tks) ctx.fillText(formatNs(t, span), Math.round(xOf(t)) + 3, AXIS_H / 2);
  ctx.fillStyle = pal.border;
  ctx.fillRect(0, AXIS_H, w, 1);

  // Brush and marks under the events.
  if (view.brush) {
    const a = Math.max(LABEL_W, xOf(view.brush[0]));
    const b = Math.min(w, xOf(view.brush[1]));
    if (b > a) {
      ctx.fillStyle = pal.sel;
      ctx.globalAlpha = 0.55;
      ctx.fillRect(a, AXIS_H + 1, Math.max(1, b - a), h - AXIS_H);
      ctx.globalAlpha = 1;
    }
  }

  const bounds = new Float64Array(plotW + 1);
  for (let x = 0; x <= plotW; x++) bounds[x] = view.t0 + (x / plotW) * span;

  for (const row of rows) {
    if (row.kind === 'block') {
      const lane = cols.block[row.set].lanes[row.lane];
      drawn += densityRow(ctx, lane.timeNs, bounds, row.y, row.h, pal.lanes[row.cls]);
    } else if (row.kind === 'syscalls') {
      drawn += syscallRow(ctx, cols.syscalls[row.set], view, xOf, row, pal, plotW);
    } else {
      drawn += scatter(ctx, cols, row, view, xOf, pal, scatterDomain, plotW);
    }
  }

  for (const [a, b] of view.marks) {
    const xa = xOf(a);
    const xb = Math.max(xa + 2, xOf(b));
    if (xb < LABEL_W || xa > w) continue;
    ctx.strokeStyle = pal.accent;
    ctx.lineWidth = 2;
    ctx.strokeRect(Math.max(LABEL_W, xa) - 1, AXIS_H + 2, Math.min(w, xb) - Math.max(LABEL_W, xa) + 2, h - AXIS_H - 4);
    ctx.lineWidth = 1;
  }

  // Labels last, over a solid gutter.
  ctx.fillStyle = pal.panel;
  ctx.fillRect(0, AXIS_H + 1, LABEL_W - 1, h - AXIS_H);
  ctx.fillStyle = pal.border;
  ctx.fillRect(LABEL_W - 1, 0, 1, h);
  ctx.font = '11px ui-monospace, monospace';
  for (const row of rows) {
    ctx.fillStyle = row.kind === 'block' ? pal.lanes[row.cls] : pal.text;
    ctx.fillRect(6, row.y + row.h / 2 - 3, 6, 6);
    ctx.fillStyle = pal.text;
    ctx.fillText(row.label, 16, row.kind === 'scatter' ? row.y + 8 : row.y + row.h / 2);
    if (row.kind === 'scatter') {
      ctx.fillStyle = pal.muted;
      ctx.fillText(`LBA ${Math.round(scatterDomain[1])}`, 16, row.y + 24);
      ctx.fillText(`LBA ${Math.round(scatterDomain[0])}`, 16, row.y + row.h - 6);
    }
  }
  return { ms: performance.now() - start, drawnEvents: drawn };
}

function densityRow(ctx: CanvasRenderingContext2D, times: Float64Array, bounds: Float64Array, y: number, h: number, color: string): number {
  const plotW = bounds.length - 1;
  const paths = [new Path2D(), new Path2D(), new Path2D(), new Path2D()];
  const used = [false, false, false, false];
  let i = lowerBound(times, bounds[0]);
  const end = lowerBound(times, bounds[plotW], i);
  if (i >= end) return 0;
  for (let x = 0; x < plotW && i < end; x++) {
    const j = lowerBound(times, bounds[x + 1], i, end);
    const c = j - i;
    if (c > 0) {
      const l = level(c);
      paths[l].rect(LABEL_W + x, y, 1, h);
      used[l] = true;
    }
    i = j;
  }
  ctx.fillStyle = color;
  for (let l = 0; l < 4; l++) {
    if (!used[l]) continue;
    ctx.globalAlpha = ALPHA[l];
    ctx.fill(paths[l]);
  }
  ctx.globalAlpha = 1;
  return end - lowerBound(times, bounds[0]);
}

function syscallRow(
  ctx: CanvasRenderingContext2D,
  s: TimelineColumns['syscalls'][number],
  view: View,
  xOf: (t: number) => number,
  row: Row,
  pal: Palette,
  plotW: number,
): number {
  // Few rows (hundreds to thousands): bars with their duration; one px minimum.
  const hi = lowerBound(s.timeNs, view.t1);
  let drawn = 0;
  const lastX = new Float64Array(2).fill(-1);
  for (let i = 0; i < hi; i++) {
    const t = s.timeNs[i];
    const e = t + s.durationNs[i];
    if (e < view.t0) continue;
    const xa = Math.max(LABEL_W, xOf(t));
    const xb = Math.min(LABEL_W + plotW, Math.max(xa + 1, xOf(e)));
    const k = s.kind[i] === 2 ? 1 : 0;
    if (xb - xa <= 1 && Math.floor(xa) === lastX[k]) continue;
    lastX[k] = Math.floor(xa);
    ctx.fillStyle = k ? pal.write : pal.read;
    ctx.fillRect(xa, row.y + (k ? row.h / 2 : 0), xb - xa, row.h / 2 - 1);
    drawn++;
  }
  return drawn;
}

function scatter(
  ctx: CanvasRenderingContext2D,
  cols: TimelineColumns,
  row: Extract<Row, { kind: 'scatter' }>,
  view: View,
  xOf: (t: number) => number,
  pal: Palette,
  dom: [number, number],
  plotW: number,
): number {
  ctx.fillStyle = pal.grid;
  ctx.fillRect(LABEL_W, row.y, plotW, 1);
  ctx.fillRect(LABEL_W, row.y + row.h, plotW, 1);
  const b = cols.block[row.set];
  const lane = b.lanes.find((l) => l.device === row.device && l.cls === 2) ?? b.lanes.find((l) => l.device === row.device);
  if (!lane) return 0;
  const lo = lowerBound(lane.timeNs, view.t0);
  const hi = lowerBound(lane.timeNs, view.t1, lo);
  const n = hi - lo;
  if (n <= 0) return 0;
  const stride = Math.max(1, Math.ceil(n / SCATTER_BUDGET));
  const yOf = (sector: number) => row.y + row.h - 2 - ((sector - dom[0]) / (dom[1] - dom[0] || 1)) * (row.h - 4);
  const reads = new Path2D();
  const writes = new Path2D();
  const pxPerSector = (row.h - 4) / (dom[1] - dom[0] || 1);
  let drawn = 0;
  for (let k = lo; k < hi; k += stride) {
    const e = lane.event[k];
    const x = xOf(lane.timeNs[k]);
    const sec = b.sector[e];
    const y1 = yOf(sec);
    const len = Math.max(2, b.nSectors[e] * pxPerSector);
    const p = b.rwbsBits[e] & 2 ? writes : reads;
    p.rect(Math.floor(x), y1 - len, 2, len);
    drawn++;
  }
  ctx.globalAlpha = stride > 1 ? 0.6 : 0.9;
  ctx.fillStyle = pal.read;
  ctx.fill(reads);
  ctx.fillStyle = pal.write;
  ctx.fill(writes);
  ctx.globalAlpha = 1;
  if (stride > 1) {
    ctx.fillStyle = pal.muted;
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillText(`1 in ${stride} of ${n.toLocaleString('en-US')} shown`, LABEL_W + plotW - 170, row.y + 10);
  }
  return drawn;
}
