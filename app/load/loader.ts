/**
 * The page side of loading: one analysis worker, jobs with ids, progress
 * into the store. Cancel terminates the worker (analyze() is one
 * synchronous run that no message can interrupt) and starts a fresh one.
 */
import { useAppStore } from '../state/appStore';
import type { FileRole, FromWorker, TimelineColumns } from '../worker/protocol';

let worker: Worker | null = null;
let jobId = 0;
let started = 0;

function createWorker(): Worker {
  const w = new Worker(new URL('../worker/analysisWorker.ts', import.meta.url), { type: 'module' });
  w.addEventListener('message', (e: MessageEvent<FromWorker>) => onMessage(e.data));
  worker = w;
  useAppStore.getState().setWorker(w);
  return w;
}

export function getWorker(): Worker {
  return worker ?? createWorker();
}

function onMessage(m: FromWorker): void {
  if (m.type === 'chunk' || m.jobId !== jobId) return;
  const set = useAppStore.setState;
  switch (m.type) {
    case 'progress':
      set({ progress: { jobId: m.jobId, file: m.file, bytesRead: m.bytesRead, bytesTotal: m.bytesTotal, events: m.events, phase: m.phase } });
      return;
    case 'parsed':
      set({
        sources: m.sources,
        timeline: m.timeline,
        xenstore: m.xenstore,
        loadErrors: m.errors,
        errors: m.errors.map((e) => e.message),
        loadState: 'analyzing',
      });
      return;
    case 'loaded': {
      const tl = useAppStore.getState().timeline;
      let timeline: TimelineColumns | null = tl;
      if (tl) {
        let endNs = tl.endNs;
        for (const s of m.syscalls) for (let i = 0; i < s.timeNs.length; i++) endNs = Math.max(endNs, s.timeNs[i] + s.durationNs[i]);
        timeline = { ...tl, syscalls: m.syscalls, endNs };
      }
      set({
        analysis: m.analysis,
        timeline,
        requests: m.requests,
        image: m.image,
        loadErrors: m.errors,
        errors: m.errors.map((e) => e.message),
        timings: { ...m.timings, total: Math.round(performance.now() - started) },
        progress: null,
        loadState: 'ready',
      });
      // Open on the most severe finding, so the first thing a user sees is the evidence.
      {
        const st = useAppStore.getState();
        const first = m.analysis.findings.find((f) => f.severity === 'error' && f.read) ?? null;
        if (first && st.selection.findingId === null && st.selection.readId === null) {
          st.select({ findingId: first.id, readId: first.read!.io, chunk: first.bufRange ? first.bufRange[0] : null });
        }
      }
      return;
    }
    case 'cancelled':
      set({ progress: null, loadState: 'empty' });
      return;
    case 'failed':
      set({
        progress: null,
        loadState: 'failed',
        loadErrors: [...m.errors, { kind: 'failed', file: '', message: m.message }],
        errors: [...m.errors.map((e) => e.message), m.message],
      });
      return;
  }
}

/** Starts analysing `files` (replacing what is loaded). */
export function loadFiles(files: File[], roles?: FileRole[]): void {
  if (!files.length) return;
  jobId++;
  started = performance.now();
  useAppStore.setState({
    sources: [],
    analysis: null,
    timeline: null,
    requests: null,
    xenstore: [],
    image: null,
    report: null,
    reportError: null,
    sharedReport: false,
    loadErrors: [],
    errors: [],
    loadState: 'parsing',
    selection: { readId: null, findingId: null, chunk: null, timeRange: null },
    progress: { jobId, file: files[0].name, bytesRead: 0, bytesTotal: files.reduce((n, f) => n + f.size, 0), events: 0, phase: 'reading' },
  });
  getWorker().postMessage({ type: 'load', jobId, files, roles: roles ?? files.map(() => 'auto') });
}

export function cancelLoad(): void {
  const w = worker;
  if (!w) return;
  w.postMessage({ type: 'cancel', jobId });
  w.terminate();
  worker = null;
  jobId++;
  createWorker();
  useAppStore.setState({ progress: null, loadState: useAppStore.getState().timeline ? 'ready' : 'empty' });
}
