/**
 * Side-by-side hex/ASCII of the bytes expected at a chunk and the bytes the
 * read returned there, differing bytes highlighted. Bytes come from the
 * worker on demand (the page holds no trace data) or, in a shared report,
 * from its small excerpts. Rendered as text spans (runs of equal/different
 * bytes per 16-byte row), never as markup from the data.
 */
import { useEffect, useState } from 'react';
import { useAppStore } from '../state/appStore';
import { fromBase64Url } from '../share/codec';
import type { ReportExcerpt } from '../share/report';
import type { ChunkReply } from '../worker/chunkOps';
import { requestChunk } from './HexCompareClient';
import './HexCompare.css';

export interface HexCompareProps {
  io: number;
  bufOffset: number;
  lba: number;
  sourceLba: number | null;
  excerpt: ReportExcerpt | null;
}

interface Loaded {
  returned: Uint8Array | null;
  expected: Uint8Array | null;
  expectedFrom: string;
  source: Uint8Array | null;
  sourceFrom: string;
  deviceOffset: number;
}

const hex2 = (b: number) => b.toString(16).padStart(2, '0');
const ascii = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');

/** One pane: rows of 16 bytes; bytes that differ from `other` are marked. */
function Pane({ title, bytes, other, base }: { title: string; bytes: Uint8Array | null; other: Uint8Array | null; base: number }) {
  if (!bytes) {
    return (
      <div className="hex-pane">
        <h4>{title}</h4>
        <p className="hex-none">not known</p>
      </div>
    );
  }
  const rows: React.ReactNode[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const end = Math.min(bytes.length, at + 16);
    const hexParts: React.ReactNode[] = [];
    const asciiParts: React.ReactNode[] = [];
    let runStart = at;
    const differs = (i: number) => other !== null && (i >= other.length || other[i] !== bytes[i]);
    for (let i = at + 1; i <= end; i++) {
      if (i < end && differs(i) === differs(runStart)) continue;
      let h = '';
      let a = '';
      for (let k = runStart; k < i; k++) {
        h += `${hex2(bytes[k])} `;
        a += ascii(bytes[k]);
      }
      const cls = differs(runStart) ? 'hex-diff' : undefined;
      hexParts.push(<span key={runStart} className={cls}>{h}</span>);
      asciiParts.push(<span key={runStart} className={cls}>{a}</span>);
      runStart = i;
    }
    rows.push(
      <div className="hex-row" key={at}>
        <span className="hex-off">{(base + at).toString(16).padStart(8, '0')}</span> <span className="hex-bytes">{hexParts}</span>
        <span className="hex-ascii">{asciiParts}</span>
      </div>,
    );
  }
  return (
    <div className="hex-pane">
      <h4>{title}</h4>
      <div className="hex-body">{rows}</div>
    </div>
  );
}

function countDiff(a: Uint8Array | null, b: Uint8Array | null): number {
  if (!a || !b) return 0;
  let n = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) n++;
  return n;
}

export function HexCompare({ io, bufOffset, lba, sourceLba, excerpt }: HexCompareProps) {
  const worker = useAppStore((s) => s.worker);
  const shared = useAppStore((s) => s.sharedReport);
  const [state, setState] = useState<{ key: string; data: Loaded | null; error: string | null } | null>(null);
  const key = `${io}:${bufOffset}:${sourceLba}`;

  useEffect(() => {
    let live = true;
    if (excerpt) {
      setState({
        key,
        data: {
          returned: fromBase64Url(excerpt.returned),
          expected: excerpt.expected === null ? null : fromBase64Url(excerpt.expected),
          expectedFrom: excerpt.expectedFrom,
          source: null,
          sourceFrom: '',
          deviceOffset: lba * 512,
        },
        error: null,
      });
      return;
    }
    if (shared || !worker) {
      setState({ key, data: null, error: shared ? 'The bytes are not part of a shared report (it never carries whole traces).' : 'The bytes are held by the analysis worker, which is not available.' });
      return;
    }
    requestChunk(worker, io, bufOffset, sourceLba).then(
      (r: ChunkReply) => {
        if (!live) return;
        if (r.error) setState({ key, data: null, error: r.error });
        else
          setState({
            key,
            data: {
              returned: r.returned,
              expected: r.expected?.bytes ?? null,
              expectedFrom: r.expected?.from ?? 'nothing in the trace or image shows this LBA',
              source: r.source?.bytes ?? null,
              sourceFrom: r.source?.from ?? '',
              deviceOffset: r.deviceOffset,
            },
            error: null,
          });
      },
      (e: Error) => live && setState({ key, data: null, error: e.message }),
    );
    return () => {
      live = false;
    };
  }, [key, worker, shared, excerpt, io, bufOffset, sourceLba, lba]);

  const d = state?.key === key ? state.data : null;
  const diff = d ? countDiff(d.expected, d.returned) : 0;
  return (
    <section className="hex-compare" aria-label="hex comparison">
      <h3>
        Bytes of LBA {lba} (buffer offset {bufOffset})
      </h3>
      {state?.key === key && state.error && <p className="hex-note">{state.error}</p>}
      {!state || state.key !== key ? <p className="hex-note">loading…</p> : null}
      {d && (
        <>
          <p className="hex-note" role="status">
            {d.expected && d.returned ? `${diff} of ${Math.min(d.expected.length, d.returned.length)} bytes differ` : 'no expectation to compare with'}
            {d.expected ? ` — expected: ${d.expectedFrom}` : ` — ${d.expectedFrom}`}
            {d.source && d.returned && countDiff(d.source, d.returned) === 0 && sourceLba !== null ? ` — the returned bytes equal LBA ${sourceLba} (${d.sourceFrom})` : ''}
          </p>
          <div className="hex-panes">
            <Pane title="expected" bytes={d.expected} other={d.returned} base={d.deviceOffset} />
            <Pane title="returned" bytes={d.returned} other={d.expected} base={d.deviceOffset} />
          </div>
        </>
      )}
    </section>
  );
}
