/** The empty page: what the tool does, how to feed it, and the bundled demo one click away. */
import { useState } from 'react';
import { useAppStore } from '../state/appStore';
import { pickFiles } from './LoadControls';
import { BLOG_DEMO, DEMO_FILES, loadFromUrls } from './srcFragment';

export function EmptyState() {
  const [err, setErr] = useState<string | null>(null);
  const demo = (urls: string[]) => loadFromUrls(urls).catch((e: unknown) => setErr(String((e as Error).message ?? e)));
  const reportError = useAppStore((s) => s.reportError);
  return (
    <div className="empty-page">
      <div className="empty-card">
        <h2>Which sectors came back wrong?</h2>
        <p>
          Drop the traces of an incident anywhere on this page: strace (with <code>-xx</code> data), blktrace binary files (per-CPU sets are merged),
          blkparse or ftrace text, xenstore dumps or logs, and optionally a reference disk image (raw or .gz). Everything is analysed in this browser
          tab; nothing is uploaded.
        </p>
        {reportError && (
          <p role="alert" style={{ color: 'var(--error)' }}>
            {reportError}
          </p>
        )}
        <div className="actions">
          <button type="button" className="primary" onClick={pickFiles}>
            Open traces…
          </button>
          <button type="button" onClick={() => void demo(DEMO_FILES)}>
            Load demo: O_DIRECT reads + blktrace + image
          </button>
          <button type="button" onClick={() => void demo(BLOG_DEMO)}>
            Load demo: parted on xvdb (misplaced sectors)
          </button>
        </div>
        {err && <p role="alert">{err}</p>}
        <ul>
          <li>Folders can be dropped too; .gz files are read transparently.</li>
          <li>
            <code>#src=URL</code> in the address loads a trace from a server that allows it (CORS).
          </li>
          <li>
            Press <kbd>?</kbd> for keyboard shortcuts.
          </li>
        </ul>
      </div>
    </div>
  );
}
