/**
 * Per vbd: what the frontend and the backend offered, what they negotiated
 * and, when a xenstored log was loaded, the state changes over time.
 */
import { useAppStore } from '../state/appStore';
import { XENBUS_STATES, type VbdRecord, type VbdSide } from '../../parsers/model/xenstore';

const FEATURES: [keyof VbdSide, string][] = [
  ['state', 'state'],
  ['featurePersistent', 'feature-persistent'],
  ['maxIndirectSegments', 'feature-max-indirect-segments'],
  ['maxRingPageOrder', 'max-ring-page-order'],
  ['ringPageOrder', 'ring-page-order'],
  ['multiQueueMaxQueues', 'multi-queue-max-queues'],
  ['multiQueueNumQueues', 'multi-queue-num-queues'],
  ['featureFlushCache', 'feature-flush-cache'],
  ['featureBarrier', 'feature-barrier'],
  ['featureDiscard', 'feature-discard'],
  ['sectorSize', 'sector-size'],
  ['sectors', 'sectors'],
  ['mode', 'mode'],
  ['params', 'params'],
];

function show(side: VbdSide | null, key: keyof VbdSide): string {
  if (!side) return '–';
  const v = side[key];
  if (v === null || v === undefined) return '–';
  if (key === 'state' && typeof v === 'number') return `${v} ${XENBUS_STATES[v] ?? ''}`;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

function Vbd({ v }: { v: VbdRecord }) {
  const n = v.negotiated;
  return (
    <section aria-label={`vbd ${v.deviceName}`} style={{ borderBottom: '1px solid var(--border)', paddingBottom: 6 }}>
      <h3 style={{ margin: '8px 10px 4px', fontSize: 13 }}>
        {v.deviceName} <span className="muted">(devid {v.devid}, front dom{v.frontDomid}, back dom{v.backDomid})</span>
      </h3>
      <dl className="kv">
        <dt>negotiated</dt>
        <dd>
          persistent grants {n.persistentGrants === null ? '?' : n.persistentGrants ? 'yes' : 'no'} · indirect segments {n.indirectSegments ?? '?'} · ring
          pages {n.ringPages ?? '?'} · queues {n.queues ?? '?'} · {n.connected ? 'connected' : 'not connected'}
        </dd>
      </dl>
      <table className="grid" aria-label={`offers of ${v.deviceName}`}>
        <thead>
          <tr>
            <th>key</th>
            <th>frontend</th>
            <th>backend</th>
          </tr>
        </thead>
        <tbody>
          {FEATURES.map(([k, label]) => (
            <tr key={label}>
              <td className="mono">{label}</td>
              <td className="mono">{show(v.front, k)}</td>
              <td className="mono">{show(v.back, k)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {v.stateTimeline && v.stateTimeline.length > 0 && (
        <table className="grid" aria-label={`state changes of ${v.deviceName}`}>
          <thead>
            <tr>
              <th>log line</th>
              <th>side</th>
              <th>state</th>
            </tr>
          </thead>
          <tbody>
            {v.stateTimeline.map((s, i) => (
              <tr key={i}>
                <td className="num">{s.line}</td>
                <td>{s.side}</td>
                <td>
                  {s.state} {XENBUS_STATES[s.state] ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {v.notes.length > 0 && (
        <ul className="muted" style={{ margin: '4px 10px' }}>
          {v.notes.map((x, i) => (
            <li key={i}>{x}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function XenstoreView() {
  const xs = useAppStore((s) => s.xenstore);
  if (!xs.length) return <p className="placeholder">Load a xenstore-ls dump or a xenstored access log to see each vbd's negotiation.</p>;
  return (
    <div className="panel-body">
      {xs.map((x) => (
        <div key={x.source}>
          <p className="muted" style={{ margin: '6px 10px 0' }}>
            {x.source}
          </p>
          {x.vbds.map((v) => (
            <Vbd key={`${v.frontDomid}/${v.devid}`} v={v} />
          ))}
        </div>
      ))}
    </div>
  );
}
