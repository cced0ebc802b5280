/**
 * Header load controls (open files, image slot, paste), the progress bar
 * with cancel, and the list of load errors.
 */
import { useRef, useState } from 'react';
import { useAppStore } from '../state/appStore';
import { fileFromText, reportText } from './collect';
import { cancelLoad, loadFiles } from './loader';
import { loadReportFile } from '../export/reportFile';

/** The traces of the last load: an image put in its slot afterwards is analysed with them. */
let lastTraces: File[] = [];

export async function openFiles(files: File[], images: File[] = []): Promise<void> {
  lastTraces = files;
  if (!images.length) {
    const report = await reportText(files);
    if (report !== null) {
      loadReportFile(report);
      return;
    }
  }
  loadFiles([...files, ...images], [...files.map(() => 'auto' as const), ...images.map(() => 'image' as const)]);
}

let pickerInput: HTMLInputElement | null = null;
/** Opens the file picker (shortcut `o`, empty page button). */
export function pickFiles(): void {
  pickerInput?.click();
}

function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}

export function LoadProgressBar() {
  const p = useAppStore((s) => s.progress);
  const state = useAppStore((s) => s.loadState);
  if (!p && state !== 'analyzing') return null;
  const frac = p && p.bytesTotal > 0 ? Math.min(1, p.bytesRead / p.bytesTotal) : null;
  const phase = p?.phase ?? 'analyzing';
  return (
    <div className="progress" role="progressbar" aria-label="load progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={frac === null ? undefined : Math.round(frac * 100)}>
      <div className="bar">
        <div style={{ width: frac === null || phase === 'analyzing' ? '100%' : `${(frac * 100).toFixed(1)}%`, opacity: phase === 'analyzing' ? 0.45 : 1 }} />
      </div>
      <span data-testid="progress-text">
        {phase}
        {p && p.file ? ` ${p.file}` : ''}
        {p && p.bytesTotal > 0 && phase !== 'analyzing' ? ` · ${bytes(p.bytesRead)} of ${bytes(p.bytesTotal)}` : ''}
        {p && p.events > 0 ? ` · ${p.events.toLocaleString('en-US')} events` : ''}
      </span>
      <button type="button" onClick={cancelLoad}>
        Cancel
      </button>
    </div>
  );
}

export function LoadControls() {
  const files = useRef<HTMLInputElement>(null);
  const image = useRef<HTMLInputElement>(null);
  const [paste, setPaste] = useState(false);
  const [text, setText] = useState('');
  return (
    <>
      <input
        ref={(el) => {
          files.current = el;
          pickerInput = el;
        }}
        type="file"
        multiple
        hidden
        aria-label="trace files"
        data-testid="file-input"
        onChange={(e) => {
          void openFiles([...(e.target.files ?? [])]);
          e.target.value = '';
        }}
      />
      <input
        ref={image}
        type="file"
        hidden
        aria-label="reference image"
        data-testid="image-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void openFiles(lastTraces, [f]);
          e.target.value = '';
        }}
      />
      <button type="button" className="primary" onClick={() => files.current?.click()} title="Open trace files (o)">
        Open traces…
      </button>
      <button type="button" onClick={() => image.current?.click()} title="A raw or gzip disk image: what the reads should have returned">
        Reference image…
      </button>
      <button type="button" onClick={() => setPaste((v) => !v)} aria-expanded={paste}>
        Paste
      </button>
      {paste && (
        <div className="dialog-backdrop" onClick={() => setPaste(false)}>
          <div className="dialog" role="dialog" aria-label="paste a trace" onClick={(e) => e.stopPropagation()}>
            <h2>Paste a trace</h2>
            <textarea
              aria-label="trace text"
              style={{ width: '100%', height: 240 }}
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder="strace, blkparse or ftrace text, a xenstore-ls dump…"
            />
            <p style={{ textAlign: 'right', margin: '8px 0 0', display: 'flex', gap: 8, justifyContent: 'flex-end' }}>
              <button type="button" onClick={() => setPaste(false)}>
                Close
              </button>
              <button
                type="button"
                className="primary"
                disabled={!text.trim()}
                onClick={() => {
                  loadFiles([fileFromText(text)]);
                  setPaste(false);
                }}
              >
                Analyse
              </button>
            </p>
          </div>
        </div>
      )}
    </>
  );
}

export function LoadErrors() {
  const errs = useAppStore((s) => s.loadErrors);
  if (!errs.length) return null;
  return (
    <ul className="errors" role="alert" aria-label="load errors">
      {errs.map((e, i) => (
        <li key={i} data-kind={e.kind}>
          <b>{e.kind === 'unrecognized' ? 'Unrecognized' : e.kind === 'corrupt' ? 'Corrupt' : e.kind === 'too-large' ? 'Too large' : e.kind === 'dropped' ? 'Dropped events' : 'Failed'}:</b>{' '}
          {e.message}
        </li>
      ))}
    </ul>
  );
}
