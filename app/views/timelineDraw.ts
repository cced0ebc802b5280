/**
 * Draws the timeline on a 2D canvas with per-pixel-column level of detail:
 * every lane's events are sorted by time, so the number of events under a
 * pixel column is two binary searches away, whatever the event count. A
 * frame costs O(width × lanes × log n), not O(n). The LBA scatter draws
 * every visible event while a pixel column holds few, an even sample beyond.
 */
import { ticks } from 'd3';
import type { TimelineColumns } from '../worker/protocol';
import { AXIS_H, LABEL_W, type Row } from './timelineLayout';
import type { ValueLane } from './timelineReplay';

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

/** Scatter: at most this many events per pixel column. */
const PER_COLUMN = 4;

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
  values: ValueLane[] = [],
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
    } else if (row.kind === 'value') {
      drawn += valueRow(ctx, values[row.set], view, xOf, row, pal.accent, plotW);
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
    if (row.kind !== 'scatter') {
      ctx.fillStyle = row.kind === 'block' ? pal.lanes[row.cls] : row.kind === 'value' ? pal.accent : pal.read;
      ctx.fillRect(6, row.y + row.h / 2 - 3, 6, 6);
    }
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

const colCounts = { buf: new Uint32Array(0) };

/**
 * One lane: per pixel column the number of events under it (two binary
 * searches). Sparse columns show full-height ticks; where columns hold
 * many events the bar height follows log(count) relative to the busiest
 * visible column, so bursts stay visible when everything is dense.
 */
function densityRow(ctx: CanvasRenderingContext2D, times: Float64Array, bounds: Float64Array, y: number, h: number, color: string): number {
  const plotW = bounds.length - 1;
  if (colCounts.buf.length < plotW) colCounts.buf = new Uint32Array(plotW);
  const counts = colCounts.buf;
  const first = lowerBound(times, bounds[0]);
  const end = lowerBound(times, bounds[plotW], first);
  if (first >= end) return 0;
  let i = first;
  let max = 0;
  for (let x = 0; x < plotW; x++) {
    const j = i < end ? lowerBound(times, bounds[x + 1], i, end) : end;
    counts[x] = j - i;
    if (j - i > max) max = j - i;
    i = j;
  }
  const path = new Path2D();
  const scale = max > 3 ? 1 / Math.log1p(max) : 0;
  for (let x = 0; x < plotW; x++) {
    const c = counts[x];
    if (!c) continue;
    const bh = scale ? Math.max(2, h * (0.2 + (0.8 * Math.log1p(c)) * scale)) : h;
    path.rect(LABEL_W + x, y + h - bh, 1, bh);
  }
  ctx.fillStyle = color;
  ctx.fill(path);
  return end - first;
}

/** A replayed lane: one bar per syscall, its height the count relative to the lane's maximum. */
function valueRow(ctx: CanvasRenderingContext2D, lane: ValueLane, view: View, xOf: (t: number) => number, row: Row, color: string, plotW: number): number {
  const lo = lowerBound(lane.timeNs, view.t0);
  const hi = lowerBound(lane.timeNs, view.t1, lo);
  ctx.fillStyle = color;
  let lastX = -1;
  let drawn = 0;
  for (let i = lo; i < hi; i++) {
    const x = Math.floor(xOf(lane.timeNs[i]));
    if (x === lastX || x > LABEL_W + plotW) continue;
    lastX = x;
    const v = lane.value[i];
    if (!(v > 0)) continue;
    const bh = Math.max(2, (v / lane.max) * row.h);
    ctx.fillRect(x, row.y + row.h - bh, 2, bh);
    drawn++;
  }
  return drawn;
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
  const span = view.t1 - view.t0 || 1;
  const pxPerSector = (row.h - 4) / (dom[1] - dom[0] || 1);
  const base = row.y + row.h - 2;
  let drawn = 0;
  let sampled = false;
  // Per pixel column: every event when few, else PER_COLUMN evenly spaced ones (bounded work per frame).
  let i = lowerBound(lane.timeNs, view.t0);
  const end = lowerBound(lane.timeNs, view.t1, i);
  const reads: number[] = [];
  const writes: number[] = [];
  for (let x = 0; x < plotW && i < end; x++) {
    const tEnd = view.t0 + ((x + 1) / plotW) * span;
    const j = lowerBound(lane.timeNs, tEnd, i, end);
    const n = j - i;
    const step = n > PER_COLUMN ? n / PER_COLUMN : 1;
    if (step > 1) sampled = true;
    for (let f = i; f < j; f += step) {
      const k = Math.floor(f);
      const e = lane.event[k];
      const len = Math.max(3, b.nSectors[e] * pxPerSector);
      const y = base - (b.sector[e] - dom[0]) * pxPerSector - len;
      const px = Math.floor(xOf(lane.timeNs[k]));
      (b.rwbsBits[e] & 2 ? writes : reads).push(px, y, len);
      drawn++;
    }
    i = j;
  }
  ctx.globalAlpha = sampled ? 0.65 : 0.9;
  ctx.fillStyle = pal.read;
  const pw = sampled ? 2 : 3;
  for (let k = 0; k < reads.length; k += 3) ctx.fillRect(reads[k], reads[k + 1], pw, reads[k + 2]);
  ctx.fillStyle = pal.write;
  for (let k = 0; k < writes.length; k += 3) ctx.fillRect(writes[k], writes[k + 1], pw, writes[k + 2]);
  ctx.globalAlpha = 1;
  if (sampled) {
    ctx.fillStyle = pal.muted;
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillText(`sampled: up to ${PER_COLUMN} of the issues per pixel column`, LABEL_W + plotW - 260, row.y + 10);
  }
  return drawn;
}
