/**
 * Sector diff of the selected read: one canvas cell per 512-byte chunk, in
 * LBA order, coloured by verdict; a misplaced/stale/duplicate chunk names the
 * LBA whose data it holds (label in the cell, and an arrow from that cell
 * when it is part of the same read). Clicking a cell selects the chunk and
 * opens the hex comparison. Below: the runs as text (for readers and tests).
 */
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import type { Verdict } from '../../engine/forensics/sectorMap';
import { useAppStore } from '../state/appStore';
import { useViewData } from '../share/viewData';
import type { ReportReadMap } from '../share/report';
import { HexCompare } from './HexCompare';
import { cellsOf, describeCell, layoutGrid, VERDICT_COLOR, VERDICT_LABEL, type Cell, type GridLayout } from './SectorDiffModel';
import './SectorDiffView.css';

const MAX_READ_OPTIONS = 5000;

export function drawSectorDiff(ctx: CanvasRenderingContext2D, cells: Cell[], g: GridLayout, selectedChunk: number | null, dark: boolean): void {
  ctx.clearRect(0, 0, g.width, g.height);
  const gap = g.cell >= 8 ? 1 : 0;
  const byLba = new Map<number, number>();
  cells.forEach((c, i) => byLba.set(c.lba, i));
  const xy = (i: number) => [(i % g.cols) * g.cell, Math.floor(i / g.cols) * g.cell] as const;
  cells.forEach((c, i) => {
    const [x, y] = xy(i);
    ctx.fillStyle = VERDICT_COLOR[c.verdict];
    ctx.fillRect(x + gap, y + gap, g.cell - 2 * gap, g.cell - 2 * gap);
    if (c.verdict === 'unverifiable' && g.cell >= 8) {
      /* Hatching: unverifiable is "not seen", never a colour that could pass for a result. */
      ctx.strokeStyle = '#ffffff88';
      ctx.beginPath();
      ctx.moveTo(x + gap, y + g.cell - gap);
      ctx.lineTo(x + g.cell - gap, y + gap);
      ctx.stroke();
    }
    if (g.cell >= 26) {
      ctx.fillStyle = '#000';
      ctx.font = `${Math.min(12, Math.floor(g.cell / 3))}px ui-monospace, monospace`;
      ctx.textBaseline = 'top';
      ctx.fillText(String(c.lba), x + 3, y + 3);
      if (c.sourceLba !== null && c.sourceLba !== c.lba) {
        ctx.font = `bold ${Math.min(12, Math.floor(g.cell / 3))}px ui-monospace, monospace`;
        ctx.fillText(`←${c.sourceLba}`, x + 3, y + g.cell / 2 + 1);
      }
    }
  });
  /* Arrows from the source chunk when it lies inside this read. */
  ctx.strokeStyle = dark ? '#fff' : '#222';
  ctx.fillStyle = ctx.strokeStyle;
  ctx.lineWidth = 1.5;
  cells.forEach((c, i) => {
    if (c.sourceLba === null || c.sourceLba === c.lba) return;
    const j = byLba.get(c.sourceLba);
    if (j === undefined) return;
    const [x0, y0] = xy(j);
    const [x1, y1] = xy(i);
    const h = g.cell / 2;
    const ax = x0 + h;
    const ay = y0 + h;
    const bx = x1 + h;
    const by = y1 + h;
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.quadraticCurveTo((ax + bx) / 2, Math.min(ay, by) - g.cell, bx, by);
    ctx.stroke();
    const ang = Math.atan2(by - (Math.min(ay, by) - g.cell), bx - (ax + bx) / 2);
    ctx.beginPath();
    ctx.moveTo(bx, by);
    ctx.lineTo(bx - 7 * Math.cos(ang - 0.4), by - 7 * Math.sin(ang - 0.4));
    ctx.lineTo(bx - 7 * Math.cos(ang + 0.4), by - 7 * Math.sin(ang + 0.4));
    ctx.fill();
  });
  if (selectedChunk !== null) {
    const i = cells.findIndex((c) => selectedChunk >= c.bufStart && selectedChunk < c.bufEnd);
    if (i >= 0) {
      const [x, y] = xy(i);
      ctx.strokeStyle = dark ? '#fff' : '#000';
      ctx.lineWidth = 2;
      ctx.strokeRect(x + 1, y + 1, g.cell - 2, g.cell - 2);
    }
  }
}

function runsText(m: ReportReadMap): { key: number; text: string; verdict: Verdict }[] {
  return m.runs.slice(0, 200).map((r) => {
    const lbas = r.lbaFirst === r.lbaLast ? `LBA ${r.lbaFirst}` : `LBAs ${r.lbaFirst}–${r.lbaLast}`;
    const n = r.lbaLast - r.lbaFirst;
    const from = r.sourceLba === null ? '' : n === 0 ? `LBA ${r.sourceLba}` : `LBAs ${r.sourceLba}–${r.sourceLba + n}`;
    const src = r.sourceLba !== null && r.sourceLba !== r.lbaFirst ? ` — holds ${from}'s data` : '';
    return { key: r.bufStart, text: `${lbas}: ${r.verdict}${src}`, verdict: r.verdict };
  });
}

function useDark(): boolean {
  const theme = useAppStore((s) => s.theme);
  const [sys, setSys] = useState(() => typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const q = matchMedia('(prefers-color-scheme: dark)');
    const on = () => setSys(q.matches);
    q.addEventListener('change', on);
    return () => q.removeEventListener('change', on);
  }, []);
  return theme === 'dark' || (theme === 'system' && sys);
}

export function SectorDiffView() {
  const data = useViewData();
  const readId = useAppStore((s) => s.selection.readId);
  const chunk = useAppStore((s) => s.selection.chunk);
  const dark = useDark();
  const canvas = useRef<HTMLCanvasElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(480);
  const [hover, setHover] = useState<Cell | null>(null);

  const map = useMemo(() => (readId !== null && data ? data.readMap(readId) : null), [data, readId]);
  const rec = useMemo(() => (readId !== null && data ? data.record(readId) : null), [data, readId]);
  const hasMap = map !== null;
  const cells = useMemo(() => (map ? cellsOf(map) : []), [map]);
  const grid = useMemo(() => layoutGrid(cells.length, width), [cells.length, width]);
  const selectedCell = chunk === null ? null : (cells.find((c) => chunk >= c.bufStart && chunk < c.bufEnd) ?? null);

  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver !== 'function') return;
    const ro = new ResizeObserver(() => setWidth(Math.max(160, Math.floor(el.clientWidth) - 4)));
    ro.observe(el);
    return () => ro.disconnect();
  }, [hasMap]);

  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.max(1, grid.width * dpr);
    c.height = Math.max(1, grid.height * dpr);
    c.style.width = `${grid.width}px`;
    c.style.height = `${grid.height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    drawSectorDiff(ctx, cells, grid, chunk, dark);
  }, [cells, grid, chunk, dark]);

  const cellAt = (e: MouseEvent<HTMLCanvasElement>): Cell | null => {
    const r = e.currentTarget.getBoundingClientRect();
    const col = Math.floor((e.clientX - r.left) / grid.cell);
    const row = Math.floor((e.clientY - r.top) / grid.cell);
    if (col < 0 || col >= grid.cols) return null;
    return cells[row * grid.cols + col] ?? null;
  };

  const reads = data?.mappedReads ?? [];
  return (
    <section className="sector-diff-view" aria-labelledby="sector-diff-heading">
      <header className="sd-head">
        <h2 id="sector-diff-heading">Sector diff</h2>
        {reads.length > 0 && (
          <select
            aria-label="read"
            value={readId ?? ''}
            onChange={(e) => useAppStore.getState().select({ readId: e.target.value === '' ? null : Number(e.target.value), chunk: null, findingId: null })}
          >
            <option value="">choose a read…</option>
            {reads.slice(0, MAX_READ_OPTIONS).map((io) => {
              const r = data!.record(io);
              return (
                <option key={io} value={io}>
                  {r ? `line ${r.line}: ${r.name} @${r.offset} +${r.length}` : `read ${io}`}
                </option>
              );
            })}
            {readId !== null && !reads.slice(0, MAX_READ_OPTIONS).includes(readId) && <option value={readId}>read {readId}</option>}
          </select>
        )}
      </header>
      {!map ? (
        <p className="empty">{readId === null ? 'Select a finding or a read to see its sectors.' : 'This read has no sector map (the trace shows none of its bytes).'}</p>
      ) : (
        <>
          <p className="sd-caption">
            {rec ? `${rec.source} line ${rec.line}: ${rec.name} of ${rec.length} bytes at offset ${rec.offset}` : `read ${map.io}`} — {map.returned} bytes returned,{' '}
            {cells.length} chunks (LBA {cells[0]?.lba}–{cells[cells.length - 1]?.lba}); each cell is the expected LBA, its colour what was returned there.
          </p>
          <div className="sd-canvas-box" ref={box}>
            <canvas
              ref={canvas}
              data-export="sector-diff"
              role="img"
              aria-label={`sector map of read ${map.io}: ${cells.length} chunks`}
              onClick={(e) => {
                const c = cellAt(e);
                if (c) useAppStore.getState().select({ chunk: c.bufStart });
              }}
              onMouseMove={(e) => setHover(cellAt(e))}
              onMouseLeave={() => setHover(null)}
            />
          </div>
          <p className="sd-hover" aria-live="off">
            {hover ? `${describeCell(hover)} (buffer ${hover.bufStart}–${hover.bufEnd - 1})` : '\u00a0'}
          </p>
          <ul className="sd-legend" aria-label="legend">
            {(Object.keys(VERDICT_COLOR) as Verdict[]).map((v) => (
              <li key={v}>
                <span className="sd-swatch" style={{ background: VERDICT_COLOR[v] }} /> {VERDICT_LABEL[v]}
              </li>
            ))}
          </ul>
          <ol className="sd-runs" aria-label="chunk runs">
            {runsText(map).map((r) => (
              <li key={r.key}>
                <button
                  type="button"
                  className={`sd-run sd-${r.verdict}`}
                  aria-pressed={selectedCell !== null && selectedCell.bufStart === r.key}
                  onClick={() => useAppStore.getState().select({ chunk: r.key })}
                >
                  <span className="sd-swatch" style={{ background: VERDICT_COLOR[r.verdict] }} /> {r.text}
                </button>
              </li>
            ))}
          </ol>
          {selectedCell && (
            <HexCompare
              io={map.io}
              bufOffset={selectedCell.bufStart}
              lba={selectedCell.lba}
              sourceLba={selectedCell.sourceLba !== selectedCell.lba ? selectedCell.sourceLba : null}
              excerpt={data!.excerpt(map.io, selectedCell.bufStart)}
            />
          )}
        </>
      )}
    </section>
  );
}
