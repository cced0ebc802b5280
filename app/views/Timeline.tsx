/**
 * The timeline: syscalls, block events per device and class (Q, G/I/M/X,
 * D, C), and sector-vs-time, on one canvas. d3-zoom for wheel and drag,
 * W/A/S/D or the arrow keys, Shift+drag brushes a time range into the app
 * selection. View state (visible range) lives in this instance's store.
 * Each draw is measured (`performance.measure('timeline-draw')`).
 */
import { select } from 'd3';
import { zoom as d3zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from 'd3';
import { useEffect, useMemo, useRef, useState } from 'react';
import { createStore } from 'zustand';
import { useAppStore } from '../state/appStore';
import { cssColor } from '../theme/theme';
import { LANE_CLASS_LABELS, type TimelineColumns } from '../worker/protocol';
import { drawTimeline, formatNs, lowerBound, type Palette, type View } from './timelineDraw';
import { busiestDevice, LABEL_W, layoutRows, type Row } from './timelineLayout';
import { replayLanes } from './timelineReplay';

interface TimelineViewState {
  t0: number;
  t1: number;
  set: (t0: number, t1: number) => void;
}

function createViewStore() {
  return createStore<TimelineViewState>((set) => ({ t0: 0, t1: 1, set: (t0, t1) => set({ t0, t1 }) }));
}

function palette(): Palette {
  return {
    bg: cssColor('--bg'),
    panel: cssColor('--panel'),
    text: cssColor('--text'),
    muted: cssColor('--muted'),
    grid: cssColor('--grid'),
    border: cssColor('--border'),
    accent: cssColor('--accent'),
    sel: cssColor('--sel'),
    lanes: [cssColor('--lane-q'), cssColor('--lane-g'), cssColor('--lane-d'), cssColor('--lane-c')],
    read: cssColor('--lane-read'),
    write: cssColor('--lane-write'),
  };
}

function sectorDomain(cols: TimelineColumns): [number, number] {
  const b = cols.block[0];
  if (!b) return [0, 1];
  const dev = busiestDevice(cols);
  let lo = Infinity;
  let hi = -Infinity;
  for (const l of b.lanes) {
    if (l.device !== dev) continue;
    for (let k = 0; k < l.event.length; k++) {
      const e = l.event[k];
      const s = b.sector[e];
      if (s < lo) lo = s;
      const end = s + b.nSectors[e];
      if (end > hi) hi = end;
    }
  }
  return Number.isFinite(lo) ? [lo, hi] : [0, 1];
}

const MEASURES_KEPT = 2000;
let measures = 0;

export function Timeline() {
  const cols = useAppStore((s) => s.timeline);
  const readId = useAppStore((s) => s.selection.readId);
  const timeRange = useAppStore((s) => s.selection.timeRange);
  const records = useAppStore((s) => s.analysis?.records);
  const viewStore = useRef(createViewStore()).current;
  const spanRef = useRef<HTMLSpanElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const zoomRef = useRef<ZoomBehavior<HTMLCanvasElement, unknown> | null>(null);
  const [size, setSize] = useState({ w: 800, h: 240 });
  const [tip, setTip] = useState<{ x: number; y: number; text: string } | null>(null);
  const brushRef = useRef<[number, number] | null>(null);
  const frame = useRef(0);
  const paletteRef = useRef<Palette | null>(null);

  const variant = useAppStore((s) => s.variant);
  const pageOffset = useAppStore((s) => s.pageOffset);
  const analysis = useAppStore((s) => s.analysis);
  const values = useMemo(() => (cols && analysis ? replayLanes(analysis, cols, variant, pageOffset) : []), [cols, analysis, variant, pageOffset]);
  const rows: Row[] = useMemo(() => (cols ? layoutRows(cols, size.h, values) : []), [cols, size.h, values]);
  const domain = useMemo(() => (cols ? sectorDomain(cols) : ([0, 1] as [number, number])), [cols]);
  const end = cols ? Math.max(cols.endNs, 1) : 1;

  // Size follows the panel.
  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const ro = new ResizeObserver(() => setSize({ w: Math.max(200, box.clientWidth), h: Math.max(80, box.clientHeight) }));
    ro.observe(box);
    return () => ro.disconnect();
  }, []);

  // The selected read, on the block clock.
  const marks = useMemo(() => {
    if (!cols || readId === null) return [] as [number, number][];
    for (const s of cols.syscalls) {
      for (let i = 0; i < s.io.length; i++) if (s.io[i] === readId) return [[s.timeNs[i], s.timeNs[i] + s.durationNs[i]]] as [number, number][];
    }
    return [];
  }, [cols, readId, records]);

  const draw = () => {
    frame.current = 0;
    const c = canvasRef.current;
    if (!c || !cols) return;
    const dpr = window.devicePixelRatio || 1;
    const ctx = c.getContext('2d', { alpha: false });
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const s = viewStore.getState();
    const view: View = {
      t0: s.t0,
      t1: s.t1,
      brush: brushRef.current ?? (timeRange ? [timeRange[0] - cols.originNs, timeRange[1] - cols.originNs] : null),
      marks,
    };
    paletteRef.current ??= palette();
    const m0 = performance.now();
    const st = drawTimeline(ctx, size.w, size.h, cols, rows, view, paletteRef.current, domain, values);
    performance.measure('timeline-draw', { start: m0, end: m0 + st.ms });
    if (++measures > MEASURES_KEPT) {
      performance.clearMeasures('timeline-draw');
      measures = 0;
    }
    c.dataset.drawMs = st.ms.toFixed(2);
    c.dataset.marks = String(marks.length);
    c.dataset.brush = timeRange ? `${timeRange[0] - cols.originNs}-${timeRange[1] - cols.originNs}` : '';
    // The visible span is written here, not rendered by React: zooming re-renders nothing.
    if (spanRef.current) spanRef.current.textContent = formatNs(s.t1 - s.t0, s.t1 - s.t0);
    c.dataset.drawnEvents = String(st.drawnEvents);
  };
  // Handlers bound once (d3-zoom, the view store) always reach this render's draw.
  const drawRef = useRef(draw);
  drawRef.current = draw;
  const schedule = () => {
    if (!frame.current) frame.current = requestAnimationFrame(() => drawRef.current());
  };

  // Canvas backing size (assigning width clears and reallocates: only on a real change).
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(size.w * dpr);
    const hh = Math.round(size.h * dpr);
    if (c.width !== w || c.height !== hh) {
      c.width = w;
      c.height = hh;
    }
    schedule();
  }, [size, cols]);

  useEffect(() => {
    const onTheme = () => {
      paletteRef.current = null;
      schedule();
    };
    window.addEventListener('sectorscope-theme', onTheme);
    return () => window.removeEventListener('sectorscope-theme', onTheme);
  });

  // d3-zoom on the time axis only: the transform rescales [0, end] onto the plot width.
  useEffect(() => {
    const c = canvasRef.current;
    if (!c || !cols) return;
    const plotW = Math.max(1, size.w - LABEL_W);
    const apply = (t: ZoomTransform) => {
      const a = (0 - t.x) / t.k;
      const b = (plotW - t.x) / t.k;
      viewStore.getState().set((a / plotW) * end, (b / plotW) * end);
      schedule();
    };
    const z = d3zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([1, Math.max(1, end / 200)])
      .translateExtent([
        [0, 0],
        [plotW, size.h],
      ])
      .extent([
        [0, 0],
        [plotW, size.h],
      ])
      .filter((e: Event) => {
        const me = e as MouseEvent;
        if (me.shiftKey && e.type === 'mousedown') return false;
        return (!me.ctrlKey || e.type === 'wheel') && !me.button;
      })
      .on('zoom', (e: { transform: ZoomTransform }) => apply(e.transform));
    zoomRef.current = z;
    const sel = select(c);
    sel.call(z);
    // Keep the current range across a resize.
    const s = viewStore.getState();
    const k = s.t1 > s.t0 && s.t1 - s.t0 < end ? end / (s.t1 - s.t0) : 1;
    const x = -(s.t0 / end) * plotW * k;
    sel.call(z.transform, zoomIdentity.translate(k > 1 ? x : 0, 0).scale(k));
    return () => {
      sel.on('.zoom', null);
    };
  }, [cols, size.w, size.h, end]);

  // New data: show everything.
  useEffect(() => {
    viewStore.getState().set(0, end);
    const c = canvasRef.current;
    if (c && zoomRef.current) select(c).call(zoomRef.current.transform, zoomIdentity);
  }, [cols]);

  useEffect(schedule, [rows, marks, timeRange, domain]);
  // Zoom and pan change the view store only; redraw without a React render.
  useEffect(() => viewStore.subscribe(schedule), [viewStore]);

  const zoomBy = (k: number) => {
    const c = canvasRef.current;
    if (c && zoomRef.current) select(c).call(zoomRef.current.scaleBy, k, [(size.w - LABEL_W) / 2, size.h / 2]);
  };
  const panBy = (fraction: number) => {
    const c = canvasRef.current;
    if (!c || !zoomRef.current) return;
    const k = end / Math.max(1e-9, viewStore.getState().t1 - viewStore.getState().t0);
    select(c).call(zoomRef.current.translateBy, (-fraction * (size.w - LABEL_W)) / k, 0);
  };

  const onKeyDown = (e: React.KeyboardEvent) => {
    const k = e.key.toLowerCase();
    if (k === 'w' || k === 'arrowup' || k === '+' || k === '=') zoomBy(1.5);
    else if (k === 's' || k === 'arrowdown' || k === '-') zoomBy(1 / 1.5);
    else if (k === 'a' || k === 'arrowleft') panBy(-0.2);
    else if (k === 'd' || k === 'arrowright') panBy(0.2);
    else if (k === '0') {
      const c = canvasRef.current;
      if (c && zoomRef.current) select(c).call(zoomRef.current.transform, zoomIdentity);
    } else return;
    e.preventDefault();
  };

  const tAt = (clientX: number): number => {
    const r = canvasRef.current!.getBoundingClientRect();
    const s = viewStore.getState();
    return s.t0 + ((clientX - r.left - LABEL_W) / Math.max(1, size.w - LABEL_W)) * (s.t1 - s.t0);
  };

  const onPointerDown = (e: React.PointerEvent) => {
    if (!e.shiftKey || !cols) return;
    const a = tAt(e.clientX);
    brushRef.current = [a, a];
    (e.target as Element).setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: React.PointerEvent) => {
    if (!cols) return;
    if (brushRef.current) {
      brushRef.current = [brushRef.current[0], tAt(e.clientX)];
      schedule();
      return;
    }
    const r = canvasRef.current!.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const row = rows.find((rw) => y >= rw.y && y < rw.y + rw.h);
    if (!row || x < LABEL_W) {
      setTip(null);
      return;
    }
    const t = tAt(e.clientX);
    const span = viewStore.getState().t1 - viewStore.getState().t0;
    let text = `${formatNs(t, span)}`;
    if (row.kind === 'block') {
      const lane = cols.block[row.set].lanes[row.lane];
      const px = span / Math.max(1, size.w - LABEL_W);
      const a = lowerBound(lane.timeNs, t - px / 2);
      const b = lowerBound(lane.timeNs, t + px / 2, a);
      text += `\n${lane.device} ${LANE_CLASS_LABELS[lane.cls]}: ${b - a} event${b - a === 1 ? '' : 's'}`;
      if (b - a === 1) {
        const ev = lane.event[a];
        const bl = cols.block[row.set];
        text += `\nsector ${bl.sector[ev]} + ${bl.nSectors[ev]}`;
      }
    } else if (row.kind === 'value') {
      const lane = values[row.set];
      const px = span / Math.max(1, size.w - LABEL_W);
      const a = lowerBound(lane.timeNs, t - px * 2);
      const b = lowerBound(lane.timeNs, t + px * 2, a);
      text += `\n${row.label}: ${b > a ? lane.value.subarray(a, b).join(', ') : '–'}`;
    } else text += `\n${row.label}`;
    setTip({ x: Math.min(x + 12, size.w - 200), y: y + 12, text });
  };
  const onPointerUp = () => {
    const b = brushRef.current;
    brushRef.current = null;
    if (!b || !cols) return;
    const lo = Math.min(b[0], b[1]);
    const hi = Math.max(b[0], b[1]);
    useAppStore.getState().select({ timeRange: hi > lo ? [lo + cols.originNs, hi + cols.originNs] : null });
    schedule();
  };

  return (
    <section className="panel timeline area-timeline" aria-labelledby="timeline-title">
      <div className="panel-head timeline-toolbar">
        <h2 id="timeline-title">Timeline</h2>
        {cols && (
          <span role="status" aria-label="timeline status" data-testid="timeline-status">
            {cols.blockEvents.toLocaleString('en-US')} block events · {cols.syscalls.reduce((n, s) => n + s.timeNs.length, 0).toLocaleString('en-US')} syscalls · view <span ref={spanRef} />
          </span>
        )}
        <span className="legend">
          {LANE_CLASS_LABELS.map((l, i) => (
            <span key={l}>
              <i style={{ background: `var(${['--lane-q', '--lane-g', '--lane-d', '--lane-c'][i]})` }} />
              {l}
            </span>
          ))}
          <span>
            <i style={{ background: 'var(--lane-read)' }} />
            read
          </span>
          <span>
            <i style={{ background: 'var(--lane-write)' }} />
            write
          </span>
        </span>
        <span style={{ flex: 1 }} />
        <button type="button" onClick={() => zoomBy(1.5)} aria-label="zoom in">
          +
        </button>
        <button type="button" onClick={() => zoomBy(1 / 1.5)} aria-label="zoom out">
          −
        </button>
        <button type="button" onClick={() => onKeyDown({ key: '0', preventDefault() {} } as React.KeyboardEvent)} aria-label="show everything">
          Fit
        </button>
      </div>
      <div className="timeline-canvas" ref={boxRef}>
        {cols ? (
          <canvas
            ref={canvasRef}
            tabIndex={0}
            role="img"
            aria-label="timeline canvas"
            data-testid="timeline-canvas"
            data-export="timeline"
            onKeyDown={onKeyDown}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerLeave={() => setTip(null)}
          />
        ) : (
          <p className="placeholder">Block events, syscalls and the sector map over time appear here once traces are loaded.</p>
        )}
        {tip && (
          <div className="timeline-tip" style={{ left: tip.x, top: tip.y }}>
            {tip.text}
          </div>
        )}
      </div>
    </section>
  );
}
