/**
 * Reads (syscalls with their verdict) and block requests (Q2C, D2C, size,
 * merges) in virtualized tables; a latency histogram and the queue depth
 * over time below. Selecting a read selects it in every view.
 */
import { useMemo, useState } from 'react';
import { useAppStore } from '../state/appStore';
import { LatencyHistogram, QueueDepthChart } from './RequestsCharts';
import { countVerified, latencies, log2Histogram, readRows, type ReadRow } from './requestsModel';
import { formatNs } from './timelineDraw';
import { VirtualTable, type Column } from './VirtualTable';

const READ_COLS: Column[] = [
  { key: 'line', label: 'line', num: true },
  { key: 'name', label: 'syscall' },
  { key: 'offset', label: 'offset', num: true },
  { key: 'length', label: 'bytes', num: true },
  { key: 'result', label: 'ret', num: true },
  { key: 'verdict', label: 'verdict' },
];

const REQ_COLS: Column[] = [
  { key: 'id', label: '#', num: true },
  { key: 'dev', label: 'dev' },
  { key: 'op', label: 'op' },
  { key: 'sector', label: 'sector', num: true },
  { key: 'n', label: 'sectors', num: true },
  { key: 'q2c', label: 'Q2C', num: true },
  { key: 'd2c', label: 'D2C', num: true },
  { key: 'merges', label: 'merges', num: true },
];

const OPS = ['', 'R', 'W', 'F'];

function verdictClass(v: ReadRow['verdict']): string {
  return v === 'verified' ? 'verdict-ok' : v === 'wrong' || v === 'failed' ? 'verdict-bad' : 'verdict-warn';
}

export function RequestsView() {
  const analysis = useAppStore((s) => s.analysis);
  const req = useAppStore((s) => s.requests);
  const originNs = useAppStore((s) => s.timeline?.originNs ?? 0);
  const readId = useAppStore((s) => s.selection.readId);
  const select = useAppStore((s) => s.select);
  const [chosen, setTab] = useState<'reads' | 'requests' | null>(null);
  const rows = useMemo(() => (analysis ? readRows(analysis) : []), [analysis]);
  const lat = useMemo(() => (req ? latencies(req) : null), [req]);
  const hists = useMemo(() => (lat ? { q2c: log2Histogram(lat.q2c), d2c: log2Histogram(lat.d2c) } : null), [lat]);
  const verified = useMemo(() => countVerified(rows), [rows]);
  const selectedRow = readId === null ? null : rows.findIndex((x) => x.r.id === readId);
  const nReq = req?.tQ.length ?? 0;
  // A block-only capture has no reads to list: its requests are what there is to see.
  const tab = chosen ?? (rows.length === 0 && nReq > 0 ? 'requests' : 'reads');

  return (
    <div className="split">
      <div style={{ display: 'flex', flexDirection: 'column', minHeight: 0 }}>
        <div className="panel-head" style={{ textTransform: 'none', letterSpacing: 0, fontWeight: 400 }}>
          <span role="radiogroup" aria-label="table" className="tabs">
            <button type="button" role="radio" aria-checked={tab === 'reads'} onClick={() => setTab('reads')}>
              Reads ({rows.length})
            </button>
            <button type="button" role="radio" aria-checked={tab === 'requests'} onClick={() => setTab('requests')}>
              Block requests ({nReq.toLocaleString('en-US')})
            </button>
          </span>
          <span data-testid="reads-summary" className="muted">
            {analysis ? `${verified} verified reads of ${rows.length}` : ''}
          </span>
        </div>
        {!analysis ? (
          <p className="placeholder">Reads and block requests appear here after the analysis.</p>
        ) : tab === 'reads' ? (
          <VirtualTable
            label="reads"
            columns={READ_COLS}
            rowCount={rows.length}
            selected={selectedRow}
            onSelect={(i) => select({ readId: rows[i].r.id, chunk: null })}
            cell={(i, k) => {
              const { r, verdict, detail } = rows[i];
              switch (k) {
                case 'line':
                  return r.line;
                case 'name':
                  return r.name;
                case 'offset':
                  return r.offset;
                case 'length':
                  return r.length;
                case 'result':
                  return r.result;
                default:
                  return (
                    <span className={verdictClass(verdict)} title={detail}>
                      {verdict}
                    </span>
                  );
              }
            }}
          />
        ) : (
          <VirtualTable
            label="block requests"
            columns={REQ_COLS}
            rowCount={nReq}
            cell={(i, k) => {
              const q = req!;
              switch (k) {
                case 'id':
                  return i;
                case 'dev':
                  return q.devices[q.device[i]];
                case 'op':
                  return OPS[q.op[i]];
                case 'sector':
                  return q.sector[i];
                case 'n':
                  return q.nSectors[i];
                case 'q2c':
                  return Number.isFinite(lat!.q2c[i]) ? formatNs(lat!.q2c[i], lat!.q2c[i]) : '–';
                case 'd2c':
                  return Number.isFinite(lat!.d2c[i]) ? formatNs(lat!.d2c[i], lat!.d2c[i]) : '–';
                default:
                  return q.merges[i];
              }
            }}
          />
        )}
      </div>
      <div className="charts">
        <figure>
          <figcaption>
            Latency: <span style={{ color: 'var(--lane-c)' }}>Q2C</span> · <span style={{ color: 'var(--lane-d)' }}>D2C</span> (log₂ buckets)
          </figcaption>
          {hists && <LatencyHistogram q2c={hists.q2c} d2c={hists.d2c} />}
        </figure>
        <figure>
          <figcaption>Queue depth (issued, not completed)</figcaption>
          {analysis && <QueueDepthChart depth={analysis.correlation.queueDepth} originNs={originNs} />}
        </figure>
      </div>
    </div>
  );
}
