/**
 * Expert-info list (as Wireshark's Expert Information): severity, kind, read,
 * LBAs, expected vs actual source; filter and sort; selecting a finding
 * selects its read and chunk in every view. A DOM table, virtualized: only
 * the rows in view (plus a margin) exist, with spacer rows for the rest.
 * (Share and export controls live in the page header: ShareControls, ExportMenu.)
 */
import { useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Finding, FindingSeverity } from '../../engine/forensics/findings';
import { useAppStore } from '../state/appStore';
import { useViewData } from '../share/viewData';
import {
  ALL_SEVERITIES,
  countBySeverity,
  filterFindings,
  lbaText,
  readText,
  SEVERITIES,
  sortFindings,
  type SortKey,
} from './FindingsModel';
import './FindingsView.css';

const ROW = 26;
const MARGIN = 10;

function selectFinding(f: Finding): void {
  useAppStore.getState().select({ findingId: f.id, readId: f.read?.io ?? null, chunk: f.bufRange ? f.bufRange[0] : null });
}

function SeverityBadge({ s }: { s: FindingSeverity }) {
  return <span className={`sev sev-${s}`}>{s}</span>;
}

function FindingDetail({ f }: { f: Finding }) {
  return (
    <section className="finding-detail" aria-label="finding detail">
      <p className="finding-summary">
        <SeverityBadge s={f.severity} /> {f.summary}
      </p>
      <dl>
        {f.read && (
          <>
            <dt>read</dt>
            <dd>
              {f.read.source} line {f.read.line}: {f.read.name}(fd {f.read.fd}) of {f.read.length} bytes at offset {f.read.offset}
            </dd>
          </>
        )}
        {f.bufRange && (
          <>
            <dt>buffer</dt>
            <dd>
              bytes {f.bufRange[0]}–{f.bufRange[1] - 1}
            </dd>
          </>
        )}
        {f.expected && (
          <>
            <dt>expected</dt>
            <dd>{f.expected.description}</dd>
          </>
        )}
        {f.actual && (
          <>
            <dt>actual</dt>
            <dd>{f.actual.description}</dd>
          </>
        )}
      </dl>
      {f.evidence.length > 0 && (
        <ul className="evidence" aria-label="evidence">
          {f.evidence.map((e, i) => (
            <li key={i}>
              <span className="evidence-kind">{e.kind}</span> {e.text}
              {e.ref?.line !== undefined && <span className="evidence-ref"> ({e.ref.source} line {e.ref.line})</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function FindingsView() {
  const data = useViewData();
  const shared = useAppStore((s) => s.sharedReport);
  const reportError = useAppStore((s) => s.reportError);
  const selected = useAppStore((s) => s.selection.findingId);
  const [severities, setSeverities] = useState(ALL_SEVERITIES);
  const [kind, setKind] = useState('');
  const [text, setText] = useState('');
  const [sortKey, setSortKey] = useState<SortKey>('severity');
  const [descending, setDescending] = useState(false);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const scroller = useRef<HTMLDivElement>(null);

  const all = data?.findings;
  const rows = useMemo(
    () => (all ? sortFindings(filterFindings(all, { severities, kind, text }), sortKey, descending) : []),
    [all, severities, kind, text, sortKey, descending],
  );
  const counts = useMemo(() => countBySeverity(all ?? []), [all]);
  const kinds = useMemo(() => [...new Set((all ?? []).map((f) => f.kind))].sort(), [all]);
  const selectedFinding = useMemo(() => all?.find((f) => f.id === selected) ?? null, [all, selected]);

  const first = Math.max(0, Math.floor(scrollTop / ROW) - MARGIN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW) + MARGIN);

  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const at = rows.findIndex((f) => f.id === selected);
    const next = Math.max(0, Math.min(rows.length - 1, at + (e.key === 'ArrowDown' ? 1 : -1)));
    if (rows[next]) {
      selectFinding(rows[next]);
      const el = scroller.current;
      if (el && (next * ROW < el.scrollTop || (next + 1) * ROW > el.scrollTop + el.clientHeight - ROW)) el.scrollTop = Math.max(0, next * ROW - el.clientHeight / 2);
    }
  };

  const sortBy = (k: SortKey) => {
    if (k === sortKey) setDescending(!descending);
    else {
      setSortKey(k);
      setDescending(false);
    }
  };
  const header = (k: SortKey, label: string) => (
    <th scope="col" aria-sort={sortKey === k ? (descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="sort" onClick={() => sortBy(k)}>
        {label}
        {sortKey === k ? (descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );

  return (
    <section className="findings-view" aria-labelledby="findings-heading">
      <header className="findings-head">
        <h2 id="findings-heading">Findings</h2>
      </header>
      {reportError && (
        <p role="alert" className="report-error">
          {reportError}
        </p>
      )}
      {shared && data && (
        <p className="shared-banner" role="note">
          Shared report, read-only: {data.findings.length} of {data.totalFindings} findings. The traces are not included.
        </p>
      )}
      {!data ? (
        !reportError && <p className="empty">Load a trace to see findings.</p>
      ) : (
        <>
          <div className="findings-filters" role="group" aria-label="filter findings">
            {SEVERITIES.map((s) => (
              <label key={s} className={`sev-filter sev-${s}`}>
                <input type="checkbox" checked={severities[s]} onChange={(e) => setSeverities({ ...severities, [s]: e.target.checked })} />
                {s} ({counts[s]})
              </label>
            ))}
            <select aria-label="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
              <option value="">all kinds</option>
              {kinds.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
            <input type="search" aria-label="search findings" placeholder="search" value={text} onChange={(e) => setText(e.target.value)} />
            <span className="findings-count" aria-live="polite">
              {rows.length} shown
            </span>
          </div>
          <div
            className="findings-scroll"
            ref={(el) => {
              scroller.current = el;
              if (el && el.clientHeight > 0 && el.clientHeight !== height) setHeight(el.clientHeight);
            }}
            onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
          >
            <table className="findings-table" aria-label="findings" aria-rowcount={rows.length + 1} tabIndex={0} onKeyDown={onKey}>
              <thead>
                <tr>
                  {header('severity', 'Severity')}
                  {header('kind', 'Kind')}
                  <th scope="col">Summary</th>
                  {header('line', 'Read')}
                  {header('lba', 'LBAs')}
                  <th scope="col">Expected</th>
                  <th scope="col">Actual source</th>
                </tr>
              </thead>
              <tbody>
                {first > 0 && <tr aria-hidden="true" style={{ height: first * ROW }} />}
                {rows.slice(first, last).map((f, i) => (
                  <tr
                    key={f.id}
                    aria-rowindex={first + i + 2}
                    aria-selected={f.id === selected}
                    className={f.id === selected ? 'selected' : undefined}
                    onClick={() => selectFinding(f)}
                    style={{ height: ROW }}
                  >
                    <td>
                      <SeverityBadge s={f.severity} />
                    </td>
                    <td>{f.kind}</td>
                    <td className="summary-cell">{f.summary}</td>
                    <td title={readText(f)}>{f.read ? `line ${f.read.line}` : ''}</td>
                    <td>{lbaText(f)}</td>
                    <td>{f.expected?.description ?? ''}</td>
                    <td>{f.actual?.description ?? ''}</td>
                  </tr>
                ))}
                {last < rows.length && <tr aria-hidden="true" style={{ height: (rows.length - last) * ROW }} />}
              </tbody>
            </table>
          </div>
          {selectedFinding && <FindingDetail f={selectedFinding} />}
        </>
      )}
    </section>
  );
}
