/**
 * What every backend model does the same way: number its I/Os, start them on the event loop, apply
 * the fault plan at completion, move bytes between frames and files (only when the caller gave
 * GrantPageMemory / disks), put responses on the ring, and turn the transfers into per-segment
 * provenance. Data moves at completion time: a READ samples its file when it completes, a WRITE
 * lands when it completes, so orderings chosen by the scheduler are visible in the data.
 */
import type { BackendTransfer, Hazard, HazardKind, ProvenanceSource, RingRequest, SyntheticBlockEvent } from '../replay/types';
import { DEFAULT_DISPATCH_NS, EventLoop } from './events';
import type {
  BackendDisk,
  BackendOptions,
  BackendRunResult,
  FrameRef,
  GrantPageMemory,
  IoPiece,
  IoTarget,
  ModelIo,
  ModelReply,
  SegmentProvenance,
} from './types';
import { FRAME, SECTOR } from './types';

export const EIO = -5;

export interface IoSpec {
  label: string;
  kind: 'data' | 'bitmap';
  op: 'read' | 'write';
  target: IoTarget;
  fileStart: number;
  fileEnd: number;
  pieces: IoPiece[];
  /** Batch indices of the ring requests served. */
  requests: number[];
}

export class BackendRun {
  readonly loop: EventLoop;
  readonly dispatchNs: number;
  readonly ios: ModelIo[] = [];
  readonly transfers: (BackendTransfer & { seq: number })[] = [];
  readonly replies: ModelReply[] = [];
  readonly hazards: Hazard[] = [];
  readonly events: SyntheticBlockEvent[] = [];
  readonly notes = new Set<string>();
  /** I/O ids per request (batch index). */
  readonly requestIos: number[][];
  readonly files: Record<IoTarget, BackendDisk | null>;
  /** ubd: decides whether a READ piece of the COW file reads a data area its write has not filled. */
  readStale: ((io: ModelIo, piece: IoPiece) => boolean) | null = null;
  private readonly failIos: Set<number>;
  private readonly shortIos: Map<number, number>;

  constructor(
    readonly model: string,
    readonly requests: RingRequest[],
    readonly pages: GrantPageMemory | null,
    disk: BackendDisk | null,
    readonly options: BackendOptions,
  ) {
    this.loop = new EventLoop(options.completion ?? { kind: 'in-order' }, options.startNs ?? 0);
    this.dispatchNs = options.dispatchNs ?? DEFAULT_DISPATCH_NS;
    this.requestIos = requests.map(() => []);
    this.files = { disk, backing: disk, cow: null };
    this.failIos = new Set(options.faults?.failIos ?? []);
    this.shortIos = new Map((options.faults?.shortIos ?? []).map((s) => [s.io, s.bytes]));
  }

  arrival(r: number): number {
    return this.options.arrivalNs?.[r] ?? this.options.startNs ?? 0;
  }

  frame(request: number, segment: number): FrameRef {
    const s = this.requests[request].segments[segment];
    const zeroCopy = s.grantPage < 0 && s.userPage !== undefined;
    return { request, segment, page: zeroCopy ? (s.userPage as number) : s.grantPage, zeroCopy };
  }

  ringRef(r: number): string {
    return `req#${this.requests[r].id}`;
  }

  /** Creates (does not start) a backend I/O. */
  addIo(spec: IoSpec): ModelIo {
    const id = this.ios.length;
    const rq = [...new Set(spec.requests)];
    const len = spec.fileEnd - spec.fileStart;
    const logical = spec.pieces.length > 0 ? spec.pieces[0].diskStart : spec.fileStart;
    const io: ModelIo = {
      id,
      label: spec.label,
      kind: spec.kind,
      op: spec.op,
      target: spec.target,
      sector: Math.floor(logical / SECTOR),
      nSectors: Math.ceil(len / SECTOR),
      requests: rq,
      fileStart: spec.fileStart,
      fileEnd: spec.fileEnd,
      pieces: spec.pieces,
      ringIds: rq.map((r) => this.requests[r].id),
      opIds: [...new Set(rq.map((r) => this.requests[r].opId))],
      submitNs: -1,
      completeNs: -1,
      status: 0,
      transferred: 0,
    };
    this.ios.push(io);
    for (const r of rq) this.requestIos[r].push(id);
    return io;
  }

  /** Starts `io` now; `done` runs when it completes (after faults and data movement). */
  submit(io: ModelIo, done: (io: ModelIo) => void): void {
    io.submitNs = this.loop.now;
    this.loop.log('issue', `io#${io.id}`, describe(io));
    this.block(io, 'Q');
    this.block(io, 'D');
    this.loop.startIo(io.id, () => this.complete(io, done));
  }

  private complete(io: ModelIo, done: (io: ModelIo) => void): void {
    const len = io.fileEnd - io.fileStart;
    let status = 0;
    let moved = len;
    if (this.failIos.has(io.id) || (io.kind === 'data' && this.touchesBadSector(io))) {
      status = EIO;
      moved = 0;
    } else if (this.shortIos.has(io.id)) {
      moved = Math.max(0, Math.min(len, this.shortIos.get(io.id) as number));
    }
    io.status = status;
    io.transferred = moved;
    io.completeNs = this.loop.now;
    if (io.kind === 'data' && moved > 0) this.move(io, moved);
    this.loop.log('complete', `io#${io.id}`, status !== 0 ? `error ${status}` : moved < len ? `short ${moved} of ${len}` : 'ok');
    this.block(io, 'C');
    done(io);
  }

  private touchesBadSector(io: ModelIo): boolean {
    const bad = this.options.faults?.badSectors;
    if (!bad || bad.length === 0) return false;
    for (const p of io.pieces) {
      const s = Math.floor(p.diskStart / SECTOR);
      const e = Math.ceil((p.diskStart + p.frameEnd - p.frameStart) / SECTOR);
      if (bad.some((b) => b.start < e && s < b.end)) return true;
    }
    return false;
  }

  /** Moves the first `moved` bytes of a data I/O, piece by piece, in transfer order. */
  private move(io: ModelIo, moved: number): void {
    const file = this.files[io.target];
    let left = moved;
    io.pieces.forEach((p, i) => {
      if (left <= 0) return;
      const n = Math.min(left, p.frameEnd - p.frameStart);
      left -= n;
      if (p.frameStart < 0 || p.frameStart + n > FRAME) {
        /* a segment outside its 4 KiB frame: a real backend would touch neighbouring memory */
        this.hazard('bug-on', p.request, `io#${io.id} would move bytes [${p.frameStart},${p.frameStart + n}) outside segment ${p.segment}'s frame`, [`io#${io.id}`]);
        return;
      }
      const frame = this.frame(p.request, p.segment);
      const t: BackendTransfer & { seq: number } = {
        request: p.request,
        segment: p.segment,
        frameStart: p.frameStart,
        frameEnd: p.frameStart + n,
        diskStart: p.diskStart,
        io: io.id,
        seq: this.transfers.length,
      };
      if (io.op === 'read') {
        const stale = this.readStale?.(io, p) ?? false;
        if (stale) t.staleFrom = 'cow-unwritten';
        const bytes = file && this.pages ? readBytes(file, p.fileOffset, n) : null;
        const source: ProvenanceSource = { kind: 'disk', start: p.diskStart, end: p.diskStart + n };
        this.pages?.write(frame, p.frameStart, n, bytes, source);
      } else {
        const got = this.pages?.read(frame, p.frameStart, p.frameStart + n);
        if (got) {
          (io.sent ??= []).push({ piece: i, runs: got.runs });
          if (got.bytes && file?.write) writeBytes(file, p.fileOffset, got.bytes);
        }
      }
      this.transfers.push(t);
    });
  }

  /** Puts a response for request `r` on the ring now. */
  reply(r: number, status: 'okay' | 'error'): ModelReply {
    const req = this.requests[r];
    const rep: ModelReply = {
      request: r,
      id: req.id,
      status,
      timeNs: this.loop.now,
      opId: req.opId,
      seq: this.replies.length,
      incompleteIos: this.requestIos[r].filter((i) => this.ios[i].completeNs < 0),
    };
    this.replies.push(rep);
    this.loop.log('reply', this.ringRef(r), status);
    return rep;
  }

  hazard(kind: HazardKind, r: number, message: string, refs: string[]): Hazard {
    const h: Hazard = { kind, opId: this.requests[r]?.opId ?? -1, message, timeNs: this.loop.now, refs };
    this.hazards.push(h);
    return h;
  }

  private block(io: ModelIo, action: 'Q' | 'D' | 'C'): void {
    this.events.push({
      timeNs: this.loop.now,
      layer: 'dom0',
      action,
      rwbs: io.op === 'read' ? 'R' : 'W',
      sector: Math.floor(io.fileStart / SECTOR),
      nSectors: Math.ceil((io.fileEnd - io.fileStart) / SECTOR),
      opId: io.opIds[0] ?? -1,
    });
  }

  finish(extra: Partial<BackendRunResult> = {}): BackendRunResult {
    if (this.loop.truncated) this.notes.add('event cap reached: the run was cut short');
    return {
      model: this.model,
      transfers: this.transfers.map(({ seq: _seq, ...t }) => t),
      ios: this.ios,
      replies: this.replies,
      events: this.events,
      hazards: this.hazards,
      provenance: this.provenance(),
      timeline: this.loop.timeline,
      notes: [...this.notes],
      ...extra,
    };
  }

  /** Per READ segment: what its frame received, painted in completion order, plus untouched window gaps. */
  private provenance(): SegmentProvenance[] {
    const out: SegmentProvenance[] = [];
    const byFrame = new Map<string, (BackendTransfer & { seq: number })[]>();
    for (const t of this.transfers) {
      if (this.requests[t.request].op !== 'read') continue;
      const k = `${t.request}:${t.segment}`;
      const list = byFrame.get(k);
      if (list) list.push(t);
      else byFrame.set(k, [t]);
    }
    this.requests.forEach((req, r) => {
      if (req.op !== 'read') return;
      req.segments.forEach((s, k) => {
        const window = { start: s.firstSect * SECTOR, end: (s.lastSect + 1) * SECTOR };
        let runs: Painted[] = [];
        for (const t of byFrame.get(`${r}:${k}`) ?? []) {
          const source: ProvenanceSource = { kind: 'disk', start: t.diskStart, end: t.diskStart + t.frameEnd - t.frameStart };
          runs = paint(runs, { start: t.frameStart, end: t.frameEnd, source, io: t.io, staleFrom: t.staleFrom });
        }
        for (const gap of gaps(runs, window.start, window.end)) {
          runs = paint(runs, { start: gap.start, end: gap.end, source: { kind: 'untouched' }, io: -1 });
        }
        const cut = splitAt(splitAt(runs, window.start), window.end).map((p) => {
          const run: SegmentProvenance['runs'][number] = {
            start: p.start,
            end: p.end,
            source: p.source,
            io: p.io,
            inWindow: p.start >= window.start && p.end <= window.end,
          };
          if (p.staleFrom) run.staleFrom = p.staleFrom;
          return run;
        });
        out.push({ request: r, id: req.id, opId: req.opId, segment: k, page: this.frame(r, k).page, window, runs: cut });
      });
    });
    return out;
  }
}

function describe(io: ModelIo): string {
  return `${io.label} ${io.op} ${io.target} [${io.fileStart},${io.fileEnd})`;
}

interface Painted {
  start: number;
  end: number;
  source: ProvenanceSource;
  io: number;
  staleFrom?: 'cow-unwritten';
}

/** Paints [p.start, p.end) over a sorted disjoint run list (the new run wins). */
function paint(runs: Painted[], p: Painted): Painted[] {
  const out: Painted[] = [];
  for (const r of runs) {
    if (r.end <= p.start || r.start >= p.end) {
      out.push(r);
      continue;
    }
    if (r.start < p.start) out.push(clip(r, r.start, p.start));
    if (r.end > p.end) out.push(clip(r, p.end, r.end));
  }
  out.push(p);
  return out.sort((a, b) => a.start - b.start);
}

/** Restricts a run to [s, e); a disk source moves with it. */
function clip(r: Painted, s: number, e: number): Painted {
  const source: ProvenanceSource =
    r.source.kind === 'disk' ? { ...r.source, start: r.source.start + (s - r.start), end: r.source.start + (e - r.start) } : r.source;
  return { ...r, start: s, end: e, source };
}

function splitAt(runs: Painted[], at: number): Painted[] {
  const out: Painted[] = [];
  for (const r of runs) {
    if (r.start < at && at < r.end) out.push(clip(r, r.start, at), clip(r, at, r.end));
    else out.push(r);
  }
  return out;
}

function gaps(runs: Painted[], start: number, end: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let at = start;
  for (const r of runs) {
    if (r.end <= at) continue;
    if (r.start >= end) break;
    if (r.start > at) out.push({ start: at, end: Math.min(r.start, end) });
    at = Math.max(at, r.end);
  }
  if (at < end) out.push({ start: at, end });
  return out;
}

/** Bytes [off, off + n) of a sector-addressed disk. */
export function readBytes(file: BackendDisk, off: number, n: number): Uint8Array {
  const first = Math.floor(off / SECTOR);
  const last = Math.ceil((off + n) / SECTOR);
  const raw = file.readSectors(first, last - first);
  return raw.subarray(off - first * SECTOR, off - first * SECTOR + n);
}

/** Writes bytes at any offset, read-modify-writing partial sectors so neighbours survive. */
export function writeBytes(file: BackendDisk, off: number, bytes: Uint8Array): void {
  if (!file.write) return;
  const first = Math.floor(off / SECTOR);
  const last = Math.ceil((off + bytes.length) / SECTOR);
  const buf = file.readSectors(first, last - first).slice();
  buf.set(bytes, off - first * SECTOR);
  file.write(first * SECTOR, buf);
}

