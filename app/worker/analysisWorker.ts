/// <reference lib="webworker" />
/**
 * Parsing and analysis run here, off the page's main thread. Every file is
 * read through File slices (gzip inflated as a stream), detected by content,
 * parsed chunk by chunk; per-CPU blktrace sets are merged as blkparse -i
 * does; a raw or gzip disk image becomes the reference image, read lazily.
 * Then analyze() classifies every read, and the canvas columns go back to
 * the page as transferable buffers.
 */
import { analyze, type AnalysisResult } from '../../engine/forensics/analyze';
import type { SectorSource } from '../../engine/forensics/image';
import { groupBlktraceFiles, mergeBlktraceSources } from '../../parsers/blktraceSet';
import { detect } from '../../parsers/detect';
import { HEAD_BYTES } from '../../parsers/format';
import type { ParsedSource } from '../../parsers/model/source';
import { SourceParser } from '../../parsers/parse';
import { summarize } from '../../parsers/summary';
import { answerChunk, chunkTransferables, setChunkContext } from './chunkOps';
import { buildBlockTimeline, buildRequests, buildSyscallLanes, transferables } from './columns';
import { EventCounter } from './eventCounter';
import { openImage } from './imageSource';
import { classifyErrors, describeFailure, TOO_LARGE_BYTES, tooLarge } from './loadErrors';
import type { FileRole, FromWorker, LoadError, LoadPhase, ToWorker } from './protocol';
import { fileChunks, gzipSize, headBytes, isGzip } from './readFile';
import { trimForPage } from './trim';

const cancelled = new Set<number>();
const PROGRESS_MS = 50;

function post(m: FromWorker, transfer: Transferable[] = []): void {
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(m, transfer);
}

class Progress {
  private last = 0;
  events = 0;
  constructor(readonly jobId: number) {}

  report(file: string, bytesRead: number, bytesTotal: number, phase: LoadPhase, force = false): void {
    const now = performance.now();
    if (!force && now - this.last < PROGRESS_MS) return;
    this.last = now;
    post({ type: 'progress', jobId: this.jobId, file, bytesRead, bytesTotal, events: this.events, phase });
  }
}

class Cancelled extends Error {}

interface Classified {
  traces: { file: File; binary: boolean }[];
  image: File | null;
  errors: LoadError[];
}

/** A disk image: no trace format recognised and a whole number of sectors (or put in the image slot). */
async function classify(files: File[], roles: FileRole[]): Promise<Classified> {
  const out: Classified = { traces: [], image: null, errors: [] };
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    if (roles[i] === 'image') {
      out.image = file;
      continue;
    }
    if (file.size > TOO_LARGE_BYTES) {
      out.errors.push(tooLarge(file));
      continue;
    }
    const head = await headBytes(file, HEAD_BYTES);
    const d = detect(head);
    if (d.spec) {
      out.traces.push({ file, binary: d.format === 'blktrace-bin' });
      continue;
    }
    const size = (await isGzip(file)) ? await gzipSize(file) : file.size;
    if (size > 0 && size % 512 === 0 && !out.image) {
      out.image = file;
      continue;
    }
    out.errors.push({ kind: 'unrecognized', file: file.name, message: `${file.name}: unrecognized. ${d.evidence}` });
  }
  return out;
}

async function parseFile(jobId: number, file: File, binary: boolean, progress: Progress): Promise<ParsedSource> {
  const p = new SourceParser(file.name);
  const counter = new EventCounter(binary);
  const base = progress.events;
  let read = 0;
  for await (const chunk of fileChunks(file, () => cancelled.has(jobId))) {
    p.push(chunk);
    counter.push(chunk);
    read += chunk.length;
    progress.events = base + counter.count;
    progress.report(file.name, read, file.size, 'parsing');
  }
  if (cancelled.has(jobId)) throw new Cancelled();
  const src = p.finish();
  progress.events = base + (src.block?.length ?? 0) + (src.syscalls?.length ?? 0);
  return src;
}

async function load(jobId: number, files: File[], roles: FileRole[]): Promise<void> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    t = now;
  };
  const progress = new Progress(jobId);
  setChunkContext(null);
  const { traces, image: imageFile, errors } = await classify(files, roles);
  lap('classify');

  const parsed = new Map<string, ParsedSource>();
  for (const { file, binary } of traces) {
    try {
      parsed.set(file.name, await parseFile(jobId, file, binary, progress));
    } catch (e) {
      if (e instanceof Cancelled) throw e;
      errors.push(describeFailure(file, e));
    }
  }
  lap('parse');

  // Per-CPU files of one capture become one source, as blkparse -i reads them.
  progress.report('', 0, 0, 'merging', true);
  const binNames = traces.filter((x) => x.binary && parsed.has(x.file.name)).map((x) => x.file.name);
  const sources: ParsedSource[] = [];
  const merged = new Set<string>();
  for (const g of groupBlktraceFiles(binNames)) {
    if (g.files.length < 2) continue;
    sources.push(mergeBlktraceSources(g.files.map((n) => parsed.get(n)!)));
    for (const n of g.files) merged.add(n);
  }
  for (const [name, src] of parsed) if (!merged.has(name)) sources.push(src);
  lap('merge');

  let image: SectorSource | null = null;
  if (imageFile) {
    image = await openImage(imageFile, () => cancelled.has(jobId), (n) => progress.report(imageFile.name, n, imageFile.size, 'image'));
    if (cancelled.has(jobId)) throw new Cancelled();
  }
  lap('image');

  const timeline = buildBlockTimeline(sources.filter((s) => s.format !== 'unknown'));
  const loadErrors = [...errors, ...classifyErrors(sources)];
  post(
    {
      type: 'parsed',
      jobId,
      sources: sources.map((s) => ({ summary: summarize(s), diagnostics: s.diagnostics.slice(0, 200) })),
      timeline,
      xenstore: sources.filter((s) => s.xenstore && s.xenstore.vbds.length).map((s) => ({ source: s.name, vbds: s.xenstore!.vbds })),
      errors: loadErrors,
    },
    transferables(timeline, null),
  );
  lap('columns');

  progress.report('', 0, 0, 'analyzing', true);
  const traced = sources.filter((s) => s.format !== 'unknown');
  const full: AnalysisResult = analyze({ sources: traced, image });
  lap('analyze');
  setChunkContext({ sources: traced, image, analysis: full });
  if (cancelled.has(jobId)) throw new Cancelled();

  const syscalls = buildSyscallLanes(full, timeline.originNs);
  const requests = buildRequests(full, timeline.originNs);
  const analysis = trimForPage(full);
  lap('results');

  post(
    {
      type: 'loaded',
      jobId,
      analysis,
      syscalls,
      requests,
      image: image ? { name: image.label, sectors: image.sectorCount } : null,
      errors: loadErrors,
      timings,
    },
    transferables({ block: [], syscalls }, requests),
  );
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'chunk') {
    const r = answerChunk(m);
    post(r, chunkTransferables(r));
    return;
  }
  if (m.type === 'cancel') {
    cancelled.add(m.jobId);
    return;
  }
  load(m.jobId, m.files, m.roles ?? m.files.map(() => 'auto')).catch((err: unknown) => {
    if (err instanceof Cancelled) post({ type: 'cancelled', jobId: m.jobId });
    else post({ type: 'failed', jobId: m.jobId, message: String((err as Error)?.message ?? err), errors: [] });
  });
};
