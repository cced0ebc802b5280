/** Latency histogram (log2 buckets of Q2C and D2C) and queue depth over time, drawn on small canvases. */
import { useEffect, useRef } from 'react';
import type { QueueDepth } from '../../engine/forensics/correlate';
import { cssColor } from '../theme/theme';
import { formatNs } from './timelineDraw';

function useCanvas(draw: (ctx: CanvasRenderingContext2D, w: number, h: number) => void, deps: unknown[]) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const paint = () => {
      const w = c.clientWidth;
      const h = c.clientHeight;
      const dpr = window.devicePixelRatio || 1;
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, w, h);
      draw(ctx, w, h);
    };
    paint();
    const ro = new ResizeObserver(paint);
    ro.observe(c);
    window.addEventListener('sectorscope-theme', paint);
    return () => {
      ro.disconnect();
      window.removeEventListener('sectorscope-theme', paint);
    };
  }, deps);
  return ref;
}

export function LatencyHistogram({ q2c, d2c }: { q2c: { lo: number; counts: number[] }; d2c: { lo: number; counts: number[] } }) {
  const ref = useCanvas(
    (ctx, w, h) => {
      const lo = Math.min(q2c.counts.length ? q2c.lo : 99, d2c.counts.length ? d2c.lo : 99);
      const hi = Math.max(q2c.lo + q2c.counts.length, d2c.lo + d2c.counts.length);
      if (!(hi > lo)) return;
      const n = hi - lo;
      let max = 1;
      for (const c of [...q2c.counts, ...d2c.counts]) max = Math.max(max, c);
      const bw = (w - 4) / n;
      const plotH = h - 14;
      const series: [typeof q2c, string, number][] = [
        [q2c, cssColor('--lane-c'), 0],
        [d2c, cssColor('--lane-d'), 0.5],
      ];
      for (const [s, color, off] of series) {
        ctx.fillStyle = color;
        s.counts.forEach((c, i) => {
          const bh = (Math.log1p(c) / Math.log1p(max)) * plotH;
          ctx.fillRect(2 + (s.lo - lo + i + off) * bw, plotH - bh, Math.max(1, bw / 2 - 1), bh);
        });
      }
      ctx.fillStyle = cssColor('--muted');
      ctx.font = '10px system-ui, sans-serif';
      let nextX = 0;
      for (let b = lo; b < hi; b++) {
        const x = 2 + (b - lo) * bw;
        if (x < nextX) continue;
        const label = formatNs(2 ** b, 2 ** b);
        ctx.fillText(label, x, h - 2);
        nextX = x + ctx.measureText(label).width + 8;
      }
    },
    [q2c, d2c],
  );
  return <canvas ref={ref} role="img" aria-label="latency histogram" />;
}

export function QueueDepthChart({ depth, originNs }: { depth: QueueDepth[]; originNs: number }) {
  const ref = useCanvas(
    (ctx, w, h) => {
      const q = depth[0];
      if (!q || q.timeNs.length < 2) return;
      const t0 = q.timeNs[0];
      const t1 = q.timeNs[q.timeNs.length - 1];
      const plotH = h - 14;
      const top = 14;
      const max = Math.max(1, q.max);
      ctx.strokeStyle = cssColor('--accent');
      ctx.beginPath();
      let lastY = plotH;
      ctx.moveTo(0, plotH);
      for (let i = 0; i < q.timeNs.length; i++) {
        const x = ((q.timeNs[i] - t0) / (t1 - t0 || 1)) * w;
        const y = plotH - (q.depth[i] / max) * (plotH - top);
        ctx.lineTo(x, lastY);
        ctx.lineTo(x, y);
        lastY = y;
      }
      ctx.stroke();
      ctx.fillStyle = cssColor('--muted');
      ctx.font = '10px system-ui, sans-serif';
      ctx.fillText(`max ${q.max}, mean ${q.mean.toFixed(2)} (${q.device})`, 2, 10);
      ctx.fillText(formatNs(t0 - originNs, t1 - t0), 2, h - 2);
      ctx.fillText(formatNs(t1 - originNs, t1 - t0), w - 60, h - 2);
    },
    [depth, originNs],
  );
  return <canvas ref={ref} role="img" aria-label="queue depth over time" />;
}
