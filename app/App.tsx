import { useEffect, useRef, useState } from 'react';
import type { FromWorker, LoadedSource } from './worker/protocol';

/** First screen: load trace files; parsing happens in the worker. */
export function App() {
  const worker = useRef<Worker | null>(null);
  const [sources, setSources] = useState<LoadedSource[]>([]);
  const [progress, setProgress] = useState<string>('');
  const job = useRef(0);

  useEffect(() => {
    const w = new Worker(new URL('./worker/analysisWorker.ts', import.meta.url), { type: 'module' });
    w.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === 'progress') setProgress(`${m.phase} ${m.file}: ${m.bytesRead} bytes`);
      else if (m.type === 'loaded') {
        setSources((s) => [...s, ...m.sources]);
        setProgress('');
      } else if (m.type === 'failed') setProgress(`failed: ${m.message}`);
    };
    worker.current = w;
    return () => w.terminate();
  }, []);

  const onFiles = (files: FileList | null) => {
    if (!files || !worker.current) return;
    job.current++;
    worker.current.postMessage({ type: 'load', jobId: job.current, files: [...files] });
  };

  return (
    <main>
      <h1>sectorscope</h1>
      <input type="file" multiple aria-label="trace files" onChange={(e) => onFiles(e.target.files)} />
      {progress && <p role="status">{progress}</p>}
      <table>
        <thead>
          <tr><th>file</th><th>format</th><th>events</th><th>diagnostics</th></tr>
        </thead>
        <tbody>
          {sources.map((s, i) => (
            <tr key={i}>
              <td>{s.summary.name}</td>
              <td title={s.summary.evidence}>{s.summary.format}</td>
              <td>{s.summary.blockEvents?.total ?? s.summary.syscalls?.total ?? s.summary.xenstore?.nodes ?? 0}</td>
              <td>{s.summary.diagnostics.error} errors, {s.summary.diagnostics.warning} warnings</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
