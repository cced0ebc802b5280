/**
 * Anatomy of one read through the Xen PV block path, replayed with
 * engine/replay in its workload context (earlier reads of the same trace
 * feed the grant pool): backend I/Os, ring segments {gref, first_sect,
 * last_sect} on their grant pages, the completion's copies (green: the
 * right device bytes, red: anything else), the user buffer's pages, its
 * bio_vecs and scatterlist. A variant switch a–e replays the same I/O.
 * SVG: one I/O has few elements.
 */
import { useMemo } from 'react';
import type { Variant } from '../../engine/replay/config';
import { useAppStore } from '../state/appStore';
import { useViewData } from '../share/viewData';
import { buildAnatomy, bufPos, hypothesisPageOffset, PAGE_OFFSETS, type Anatomy } from './AnatomyModel';
import { knownPageOffset, PAGE } from './AnatomyWorkload';
import './AnatomyView.css';

const VARIANTS: { id: Variant; label: string }[] = [
  { id: 'a', label: '(a) zero-copy ≤ v3.7' },
  { id: 'b', label: '(b) 0a8704a51 v3.8' },
  { id: 'c', label: '(c) d62f69185' },
  { id: 'd', label: '(d) b7649158a0d2 v3.11+' },
  { id: 'e', label: '(e) modern' },
];

const W = 960;
const LEFT = 96;
const GOOD = '#2e9e4f';
const BAD = '#d92d20';

interface Geometry {
  pw: number;
  scale: number;
  /** x of buffer page column k. */
  col: (k: number) => number;
}

function geometry(columns: number): Geometry {
  const pw = Math.max(40, Math.min(170, Math.floor((W - LEFT - 10) / Math.max(1, columns)) - 8));
  const scale = pw / PAGE;
  return { pw, scale, col: (k) => LEFT + k * (pw + 8) };
}

function AnatomySvg({ a }: { a: Anatomy }) {
  const op = a.op;
  const po = a.pageOffset;
  const bufPages = Math.max(1, Math.ceil((po + op.length) / PAGE));
  /* Each grant page sits in the column of the buffer page its segment serves (sg entry k ↔ segment k). */
  const sgs = op.requests.flatMap((r) => r.sg.map((s) => ({ s, bufOffset: r.bvecs[s.bvecs[0]]?.bufOffset ?? r.bufStart })));
  const segs = op.ring.flatMap((rr) => rr.segments.map((s) => ({ rr, s })));
  const gpCol = new Map<number, number>();
  const used = new Set<number>();
  segs.forEach(({ s }, k) => {
    if (s.grantPage < 0 || gpCol.has(s.grantPage)) return;
    let c = sgs[k] ? bufPos(po, sgs[k].bufOffset)[0] : k;
    while (used.has(c)) c++;
    used.add(c);
    gpCol.set(s.grantPage, c);
  });
  for (const g of a.grantPages) {
    if (gpCol.has(g)) continue;
    let c = 0;
    while (used.has(c)) c++;
    used.add(c);
    gpCol.set(g, c);
  }
  const columns = Math.max(bufPages, ...[...used].map((c) => c + 1));
  const geo = geometry(columns);
  const bx = (b: number) => {
    const [k, off] = bufPos(po, b);
    return geo.col(k) + off * geo.scale;
  };
  const gx = (g: number, off: number) => geo.col(gpCol.get(g) ?? 0) + off * geo.scale;
  const Y = { backend: 14, ring: 52, grant: 70, grantH: 30, copyTop: 118, buf: 196, bufH: 30, bvec: 236, sg: 262, end: 292 };
  const height = Y.end;
  const width = Math.max(W, geo.col(columns) + 10);

  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={`anatomy of the read under variant ${a.variant}`} data-export="anatomy" className="anatomy-svg">
      <defs>
        <marker id="arrow-good" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill={GOOD} />
        </marker>
        <marker id="arrow-bad" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M0,0 L10,5 L0,10 z" fill={BAD} />
        </marker>
      </defs>
      <g className="row-labels">
        <text x={4} y={Y.backend + 14}>backend I/O</text>
        <text x={4} y={Y.ring + 10}>ring</text>
        <text x={4} y={Y.grant + 19}>grant pages</text>
        <text x={4} y={Y.copyTop + 40}>copies</text>
        <text x={4} y={Y.buf + 19}>user buffer</text>
        <text x={4} y={Y.bvec + 12}>bio_vecs</text>
        <text x={4} y={Y.sg + 12}>sg</text>
      </g>
      {op.backendIos.map((io, i) => (
        <g key={`io${i}`}>
          <rect x={LEFT + i * 190} y={Y.backend} width={180} height={20} className="box backend" />
          <text x={LEFT + i * 190 + 6} y={Y.backend + 14}>
            {io.op} sector {io.sector} + {io.nSectors}
          </text>
        </g>
      ))}
      <text x={LEFT} y={Y.ring + 10} className="small">
        {op.ring.map((rr) => `id ${rr.id} ${rr.op.toUpperCase()}${rr.indirect ? ' indirect' : ''} sector ${rr.sector}, ${rr.segments.length} seg`).join(' · ')}
      </text>
      {a.grantPages.map((g) => (
        <g key={`gp${g}`}>
          <rect x={gx(g, 0)} y={Y.grant} width={geo.pw} height={Y.grantH} className="box grant" />
          <text x={gx(g, 0) + 3} y={Y.grant + Y.grantH + 11} className="small">
            grant page {g}
          </text>
        </g>
      ))}
      {segs.map(({ s }, k) =>
        s.grantPage >= 0 ? (
          <g key={`seg${k}`}>
            <rect x={gx(s.grantPage, s.firstSect * 512)} y={Y.grant + 3} width={(s.lastSect - s.firstSect + 1) * 512 * geo.scale} height={Y.grantH - 6} className="seg" />
            <text x={gx(s.grantPage, s.firstSect * 512) + 2} y={Y.grant + 19} className="tiny">
              seg {k}: {s.firstSect}–{s.lastSect} g{s.gref}
            </text>
          </g>
        ) : null,
      )}
      {a.copies.map((c, i) => {
        const x0 = gx(c.grantPage, (c.pageStart + c.pageEnd) / 2);
        const x1 = bx((c.bufStart + c.bufEnd) / 2);
        const y0 = Y.grant + Y.grantH;
        const y1 = Y.buf - 2;
        return (
          <g key={`cp${i}`} className={c.correct ? 'copy good' : 'copy bad'}>
            <rect x={gx(c.grantPage, c.pageStart)} y={y0 - 4} width={(c.pageEnd - c.pageStart) * geo.scale} height={4} fill={c.correct ? GOOD : BAD} />
            <path
              d={`M${x0},${y0} C${x0},${(y0 + y1) / 2} ${x1},${(y0 + y1) / 2} ${x1},${y1}`}
              stroke={c.correct ? GOOD : BAD}
              strokeWidth={c.correct ? 1.6 : 2.4}
              fill="none"
              markerEnd={`url(#${c.correct ? 'arrow-good' : 'arrow-bad'})`}
            >
              <title>{`${c.unit} ${c.index}: grant page ${c.grantPage} [${c.pageStart},${c.pageEnd}) → buffer [${c.bufStart},${c.bufEnd}) — ${c.what}`}</title>
            </path>
          </g>
        );
      })}
      {segs.some(({ s }) => s.grantPage < 0) && (
        <text x={LEFT} y={Y.copyTop + 40} className="small">
          zero-copy: the backend writes straight into the granted user pages; the completion copies nothing
        </text>
      )}
      {Array.from({ length: bufPages }, (_, k) => (
        <g key={`bp${k}`}>
          <rect x={geo.col(k)} y={Y.buf} width={geo.pw} height={Y.bufH} className="box page" />
          <rect
            x={geo.col(k) + Math.max(0, (k === 0 ? po : 0)) * geo.scale}
            y={Y.buf + 4}
            width={(Math.min(PAGE, po + op.length - k * PAGE) - (k === 0 ? po : 0)) * geo.scale}
            height={Y.bufH - 8}
            className="buf"
          />
          <text x={geo.col(k) + 3} y={Y.buf + Y.bufH - 8} className="tiny">
            page {k}
          </text>
        </g>
      ))}
      {op.requests.flatMap((r) =>
        r.bvecs.map((b, i) => (
          <g key={`bv${r.index}.${i}`}>
            <rect x={bx(b.bufOffset)} y={Y.bvec} width={Math.max(2, b.len * geo.scale - 1)} height={18} className="box bvec" />
            <text x={bx(b.bufOffset) + 2} y={Y.bvec + 13} className="tiny">
              bvec {i} +{b.offset}
            </text>
          </g>
        )),
      )}
      {sgs.map(({ s, bufOffset }, i) => (
        <g key={`sg${i}`}>
          <rect x={bx(bufOffset)} y={Y.sg} width={Math.max(2, s.len * geo.scale - 1)} height={18} className="box sgbox" />
          <text x={bx(bufOffset) + 2} y={Y.sg + 13} className="tiny">
            sg {i} +{s.offset} {s.len}
          </text>
        </g>
      ))}
    </svg>
  );
}

export function AnatomyView() {
  const data = useViewData();
  const analysis = useAppStore((s) => s.analysis);
  const readId = useAppStore((s) => s.selection.readId);
  const variant = useAppStore((s) => s.variant);
  const chosen = useAppStore((s) => s.pageOffset);

  const rec = useMemo(() => (readId !== null && data ? data.record(readId) : null), [data, readId]);
  const ctx = useMemo(() => (readId !== null && data ? data.context(readId) : null), [data, readId]);
  const known = rec ? knownPageOffset(rec) : -1;
  const ctxPo = ctx && ctx.ops.length > 0 ? ctx.ops[ctx.ops.length - 1][3] : -1;
  /* Live: the analysis' hypothesis; shared: the offset the report's context recorded for the read. */
  const hyp = readId !== null && analysis ? hypothesisPageOffset(analysis, readId) : ctxPo >= 0 ? ctxPo : null;
  const pageOffset = known >= 0 ? known : hyp !== null ? hyp : (chosen ?? 0);
  const origin = known >= 0 ? 'from the traced buffer address' : hyp !== null ? 'from the best hypothesis' : 'assumed (the trace does not show the address)';

  const anatomy = useMemo(() => (ctx && rec?.op === 'read' ? buildAnatomy(ctx, variant, pageOffset) : null), [ctx, rec, variant, pageOffset]);
  const wrong = anatomy ? anatomy.copies.filter((c) => !c.correct).length : 0;

  return (
    <section className="anatomy-view" aria-labelledby="anatomy-heading">
      <header className="an-head">
        <h2 id="anatomy-heading">Anatomy</h2>
        <div role="radiogroup" aria-label="blkfront variant" className="an-variants">
          {VARIANTS.map((v) => (
            <label key={v.id} title={v.label}>
              <input type="radio" name="anatomy-variant" value={v.id} checked={variant === v.id} onChange={() => useAppStore.getState().setVariant(v.id)} aria-label={`variant ${v.id}`} />
              {v.label}
            </label>
          ))}
        </div>
        <label className="an-offset">
          buffer page offset{' '}
          <select
            aria-label="buffer page offset"
            value={pageOffset}
            disabled={known >= 0 || hyp !== null}
            onChange={(e) => useAppStore.getState().setPageOffset(Number(e.target.value))}
          >
            {[...new Set([...PAGE_OFFSETS, pageOffset])].sort((x, y) => x - y).map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>{' '}
          <span className="an-origin">{origin}</span>
        </label>
      </header>
      {!rec ? (
        <p className="empty">Select a finding or a read to replay it.</p>
      ) : rec.op !== 'read' || !ctx ? (
        <p className="empty">Only reads with a known offset are replayed.</p>
      ) : !anatomy || anatomy.errors.length > 0 ? (
        <p className="empty">The replay could not run: {anatomy?.errors.join('; ') ?? 'no operations'}</p>
      ) : (
        <>
          <p className="an-caption" role="status">
            Variant ({variant}): {anatomy.copies.length === 0 ? 'no completion copies (zero-copy)' : wrong === 0 ? `all ${anatomy.copies.length} copies correct` : `${wrong} wrong cop${wrong === 1 ? 'y' : 'ies'} of ${anatomy.copies.length}`}
            {' — '}
            {rec.name} of {rec.length} bytes at offset {rec.offset}, replayed after {anatomy.before} earlier operation{anatomy.before === 1 ? '' : 's'} of {rec.source}
            {ctx.omitted > 0 ? ` (${ctx.omitted} older ones left out)` : ''}.
          </p>
          <div className="an-svg-box">
            <AnatomySvg a={anatomy} />
          </div>
          <ol className="an-copies" aria-label="completion copies">
            {anatomy.copies.map((c, i) => (
              <li key={i} className={c.correct ? 'good' : 'bad'}>
                {c.correct ? 'correct' : 'wrong'}: {c.unit} {c.index} copies grant page {c.grantPage} [{c.pageStart},{c.pageEnd}) to buffer [{c.bufStart},{c.bufEnd}) — {c.what}
              </li>
            ))}
          </ol>
          {anatomy.op.hazards.length > 0 && (
            <ul className="an-hazards" aria-label="hazards">
              {anatomy.op.hazards.map((h, i) => (
                <li key={i}>
                  {h.kind}: {h.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
