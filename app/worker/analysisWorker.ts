/// <reference lib="webworker" />
/** Parsing runs here, off the page's main thread, fed by File slices. */
import { SourceParser } from '../../parsers/parse';
import { summarize } from '../../parsers/summary';
import type { FromWorker, LoadedSource, ToWorker } from './protocol';
import { fileChunks } from './readFile';

const cancelled = new Set<number>();

function post(m: FromWorker): void {
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);
}

async function load(jobId: number, files: File[]): Promise<void> {
  const out: LoadedSource[] = [];
  for (const file of files) {
    const p = new SourceParser(file.name);
    let read = 0;
    for await (const chunk of fileChunks(file, () => cancelled.has(jobId))) {
      p.push(chunk);
      read += chunk.length;
      post({ type: 'progress', jobId, file: file.name, bytesRead: read, bytesTotal: file.size, phase: 'parsing' });
    }
    if (cancelled.has(jobId)) {
      post({ type: 'cancelled', jobId });
      return;
    }
    const src = p.finish();
    out.push({ summary: summarize(src), diagnostics: src.diagnostics.slice(0, 200) });
  }
  post({ type: 'loaded', jobId, sources: out });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'cancel') {
    cancelled.add(m.jobId);
    return;
  }
  load(m.jobId, m.files).catch((err: unknown) => post({ type: 'failed', jobId: m.jobId, message: String((err as Error)?.message ?? err) }));
};
