/**
 * Entry point of the backend models: `runBackend(model, requests, grantPages, disk, options)`.
 *
 * Models: 'xbdback-orig' | 'xbdback-split' | 'xbdback-coalesce' (NetBSD, xbdback.ts), 'tapdisk'
 * (blktap2, tapdisk.ts), 'ubd' (UML COW, ubd.ts). Linux blkback lives with the replay engine; a
 * caller can pass any function with the BackendRunner signature instead of a model id.
 * `createBackendModel(id, options)` adapts a model to the replay's BackendModel hand-off
 * (engine/replay/types.ts), which applies transfers itself (ranges only, no bytes).
 */
import type { BackendContext, BackendModel, ProvenanceSource, RingRequest } from '../replay/types';
import { BackendRun } from './record';
import { runTapdisk } from './tapdisk';
import type {
  BackendDisk,
  BackendModelId,
  BackendOptions,
  BackendRunResult,
  FrameRef,
  GrantPageMemory,
  PageRun,
} from './types';
import { BACKEND_MODEL_IDS, FRAME, SECTOR } from './types';
import { runUbd } from './ubd';
import { runXbdback } from './xbdback';

export type BackendRunner = (
  requests: RingRequest[],
  grantPages: GrantPageMemory | null,
  disk: BackendDisk | null,
  options?: BackendOptions,
) => BackendRunResult;

export function isBackendModelId(s: string): s is BackendModelId {
  return (BACKEND_MODEL_IDS as readonly string[]).includes(s);
}

/** One-line description per model (CLI help, UI picker). */
export const BACKEND_MODEL_INFO: Record<BackendModelId, string> = {
  'xbdback-orig': 'NetBSD xbdback rev 1.4.2.6: one buf over one contiguous VA mapping (data slides for non-tiling segments)',
  'xbdback-split': 'NetBSD xbdback + seed 000: one buf per segment, shared counter (early reply, last status wins)',
  'xbdback-coalesce': 'NetBSD xbdback_xenbus.c: page-tiling segments glued across requests, ≤ 12 or 16 pages per buf',
  tapdisk: 'blktap2 tapdisk: td_requests per tiling run, io_merge head-only merge, io_split -EIO on short merged iocbs',
  ubd: 'UML ubd COW: bitmap runs between COW and backing file, 2007 AIO bitmap ordering (literal/intended read_overlaps)',
};

export function runBackend(
  model: BackendModelId | BackendRunner,
  requests: RingRequest[],
  grantPages: GrantPageMemory | null,
  disk: BackendDisk | null,
  options: BackendOptions = {},
): BackendRunResult {
  if (typeof model === 'function') return model(requests, grantPages, disk, options);
  const run = new BackendRun(model, requests, grantPages, disk, options);
  switch (model) {
    case 'xbdback-orig':
      return run.finish(runXbdback(run, 'orig'));
    case 'xbdback-split':
      return run.finish(runXbdback(run, 'split'));
    case 'xbdback-coalesce':
      return run.finish(runXbdback(run, 'coalesce'));
    case 'tapdisk':
      return run.finish(runTapdisk(run));
    case 'ubd':
      return run.finish(runUbd(run));
  }
}

/** The replay hand-off for one model (ranges only; the frontend engine applies the transfers). */
export function createBackendModel(id: BackendModelId, options: BackendOptions = {}): BackendModel {
  return {
    name: id,
    run(requests: RingRequest[], ctx: BackendContext) {
      return runBackend(id, requests, null, null, { ...options, startNs: ctx.timeNs + (options.startNs ?? 0) });
    },
  };
}

/** A writable in-memory disk (a copy of `image`, zero-extended to `sectors`). */
export class MemoryDisk implements BackendDisk {
  readonly sectors: number;
  readonly bytes: Uint8Array;
  constructor(image: Uint8Array | number) {
    const len = typeof image === 'number' ? image * SECTOR : Math.ceil(image.length / SECTOR) * SECTOR;
    this.bytes = new Uint8Array(len);
    if (typeof image !== 'number') this.bytes.set(image);
    this.sectors = len / SECTOR;
  }

  readSectors(lba: number, count: number): Uint8Array {
    const out = new Uint8Array(count * SECTOR);
    const start = lba * SECTOR;
    const end = Math.min(this.bytes.length, start + out.length);
    if (start < end) out.set(this.bytes.subarray(start, end));
    return out;
  }

  write(byteOffset: number, data: Uint8Array): void {
    const end = Math.min(this.bytes.length, byteOffset + data.length);
    if (byteOffset < end) this.bytes.set(data.subarray(0, end - byteOffset), byteOffset);
  }
}

/**
 * Reference GrantPageMemory: 4 KiB frames created on first touch, content `initial` (zeros by
 * default) labelled 'never-written'; each write relabels its range.
 */
export class MemoryGrantPages implements GrantPageMemory {
  private readonly frames = new Map<string, { bytes: Uint8Array; runs: PageRun[] }>();

  constructor(private readonly initial: (page: number) => Uint8Array = () => new Uint8Array(FRAME)) {}

  private get(f: FrameRef): { bytes: Uint8Array; runs: PageRun[] } {
    const key = `${f.zeroCopy ? 'u' : 'g'}${f.page}`;
    let e = this.frames.get(key);
    if (!e) {
      e = {
        bytes: this.initial(f.page).slice(0, FRAME),
        runs: [{ start: 0, end: FRAME, source: { kind: 'never-written', grantPage: f.page, pageStart: 0, pageEnd: FRAME } }],
      };
      this.frames.set(key, e);
    }
    return e;
  }

  /** The whole frame (tests, UI). */
  bytesOf(page: number, zeroCopy = false): Uint8Array {
    return this.get({ request: -1, segment: -1, page, zeroCopy }).bytes;
  }

  runsOf(page: number, zeroCopy = false): PageRun[] {
    return this.get({ request: -1, segment: -1, page, zeroCopy }).runs;
  }

  read(frame: FrameRef, start: number, end: number): { bytes: Uint8Array; runs: PageRun[] } {
    const e = this.get(frame);
    const runs = e.runs
      .filter((r) => r.end > start && r.start < end)
      .map((r) => clipRun(r, Math.max(r.start, start), Math.min(r.end, end)));
    return { bytes: e.bytes.slice(start, end), runs };
  }

  write(frame: FrameRef, start: number, length: number, bytes: Uint8Array | null, source: ProvenanceSource): void {
    const e = this.get(frame);
    const end = Math.min(FRAME, start + length);
    if (bytes) e.bytes.set(bytes.subarray(0, end - start), start);
    const out: PageRun[] = [];
    for (const r of e.runs) {
      if (r.end <= start || r.start >= end) out.push(r);
      else {
        if (r.start < start) out.push(clipRun(r, r.start, start));
        if (r.end > end) out.push(clipRun(r, end, r.end));
      }
    }
    out.push({ start, end, source });
    e.runs = out.sort((a, b) => a.start - b.start);
  }
}

/** Restricts a run to [s, e), shifting range-carrying sources along. */
function clipRun(r: PageRun, s: number, e: number): PageRun {
  const src = r.source;
  const d = s - r.start;
  let source: ProvenanceSource = src;
  if (src.kind === 'disk') source = { ...src, start: src.start + d, end: src.start + d + (e - s) };
  else if (src.kind === 'never-written' || src.kind === 'stale') source = { ...src, pageStart: s, pageEnd: e };
  return { start: s, end: e, source };
}

export type { BackendModelId, BackendOptions, BackendRunResult, GrantPageMemory, BackendDisk } from './types';
export { BACKEND_MODEL_IDS } from './types';
