/**
 * Worker-side answers for the hex comparison (engineer VIEWS' handler, wired
 * by engineer CORE's analysisWorker.ts):
 *
 *   after analyze():  setChunkContext({ sources, image, analysis })
 *   in onmessage:     case 'chunk': answerChunk(m).then((r) => post(r)); return;
 *
 * The page never holds trace bytes (the analysis it gets is plain JSON
 * without data); it asks for one 512-byte chunk of one read at a time and
 * gets the bytes the read returned there, the bytes expected there (the
 * latest earlier write that shows them, else the reference image, else the
 * latest earlier read that shows them) and, when the sector map names the
 * LBA the returned bytes belong to, that LBA's bytes.
 */
import type { AnalysisResult } from '../../engine/forensics/analyze';
import type { SectorSource } from '../../engine/forensics/image';
import { extractIo, type IoRecord } from '../../engine/forensics/io';
import type { ParsedSource } from '../../parsers/model/source';

export const SECTOR = 512;

export interface ChunkRequest {
  type: 'chunk';
  reqId: number;
  /** IoRecord id of the read. */
  io: number;
  /** Buffer offset of the chunk (a chunk ends at the next device sector boundary). */
  bufOffset: number;
  /** LBA whose content the sector map says was returned (misplaced/stale), to show next to it. */
  sourceLba?: number | null;
}

export interface ChunkBytes {
  bytes: Uint8Array;
  /** Where they come from, for the reader ("write at line 12", "reference image disk.img"). */
  from: string;
}

export interface ChunkReply {
  type: 'chunk';
  reqId: number;
  io: number;
  bufOffset: number;
  /** Device byte offset of the chunk's first byte. */
  deviceOffset: number;
  /** Chunk length (512 except a partial first/last chunk). */
  length: number;
  /** Returned bytes the trace shows (may be shorter than `length` when strace cut the string). */
  returned: Uint8Array | null;
  expected: ChunkBytes | null;
  source: ChunkBytes | null;
  error?: string;
}

export interface ChunkContextInput {
  sources: ParsedSource[];
  image: SectorSource | null;
  analysis: AnalysisResult;
}

interface ChunkContext extends ChunkContextInput {
  records: IoRecord[] | null;
}

let context: ChunkContext | null = null;

/** Called by the worker after each analysis (the sources must be those analysed, in the same order). */
export function setChunkContext(input: ChunkContextInput | null): void {
  context = input ? { ...input, records: null } : null;
}

function records(ctx: ChunkContext): IoRecord[] {
  if (!ctx.records) {
    const out: IoRecord[] = [];
    ctx.sources.forEach((s, i) => extractIo(s, i, out));
    ctx.records = out;
  }
  return ctx.records;
}

/** Bytes [from, from+len) of a record's data when the trace shows all of them. */
function shownBytes(r: IoRecord, from: number, len: number): Uint8Array | null {
  if (!r.data || from < 0) return null;
  for (const [s, e] of r.shown) if (from >= s && from + len <= e) return r.data.slice(from, from + len);
  return null;
}

function transferred(r: IoRecord): number {
  if (r.op === 'read') return Number.isFinite(r.result) && r.result > 0 ? r.result : 0;
  return Number.isFinite(r.result) && r.result >= 0 ? r.result : r.length;
}

/** The device bytes [dev, dev+len) as the trace last showed them before `before` (an order key), or as the image holds them. */
function knownContent(ctx: ChunkContext, device: string, dev: number, len: number, before: number, skip: number): ChunkBytes | null {
  const list = records(ctx);
  let best: { r: IoRecord; bytes: Uint8Array } | null = null;
  let bestWrite: { r: IoRecord; bytes: Uint8Array } | null = null;
  for (const r of list) {
    if (r.id === skip || r.device !== device || !(r.order < before) || !Number.isFinite(r.offset)) continue;
    const n = transferred(r);
    if (dev < r.offset || dev + len > r.offset + n) continue;
    const b = shownBytes(r, dev - r.offset, len);
    if (!b) continue;
    if (r.op === 'write') {
      if (!bestWrite || r.order >= bestWrite.r.order) bestWrite = { r, bytes: b };
    } else if (!best || r.order >= best.r.order) best = { r, bytes: b };
  }
  const say = (x: { r: IoRecord; bytes: Uint8Array }) => ({ bytes: x.bytes, from: `${x.r.op === 'write' ? 'written by' : 'returned by'} ${x.r.name} at line ${x.r.line}` });
  if (bestWrite && (!best || bestWrite.r.order >= best.r.order)) return say(bestWrite);
  if (ctx.image && ctx.analysis.imageDevice === device && !bestWrite) {
    const lba = Math.floor(dev / SECTOR);
    const sectors = Math.ceil((dev + len) / SECTOR) - lba;
    const raw = ctx.image.readSectors(lba, sectors);
    if (raw) return { bytes: raw.slice(dev - lba * SECTOR, dev - lba * SECTOR + len), from: `reference image ${ctx.image.label}` };
  }
  return best ? say(best) : null;
}

export function answerChunk(m: ChunkRequest): ChunkReply {
  const reply: ChunkReply = {
    type: 'chunk',
    reqId: m.reqId,
    io: m.io,
    bufOffset: m.bufOffset,
    deviceOffset: NaN,
    length: 0,
    returned: null,
    expected: null,
    source: null,
  };
  if (!context) return { ...reply, error: 'no trace is loaded' };
  const r = records(context)[m.io];
  if (!r || r.id !== m.io || r.op !== 'read') return { ...reply, error: `no read with id ${m.io}` };
  const returned = transferred(r);
  if (!Number.isInteger(m.bufOffset) || m.bufOffset < 0 || m.bufOffset >= returned) return { ...reply, error: `buffer offset ${m.bufOffset} is outside the ${returned} returned bytes` };
  const dev = r.offset + m.bufOffset;
  const end = Math.min(r.offset + returned, (Math.floor(dev / SECTOR) + 1) * SECTOR);
  reply.deviceOffset = dev;
  reply.length = end - dev;
  if (r.data) {
    let shown = 0;
    for (const [s, e] of r.shown) if (m.bufOffset >= s && m.bufOffset < e) shown = Math.min(reply.length, e - m.bufOffset);
    if (shown > 0) reply.returned = r.data.slice(m.bufOffset, m.bufOffset + shown);
  }
  reply.expected = knownContent(context, r.device, dev, reply.length, r.order, r.id);
  if (typeof m.sourceLba === 'number' && Number.isInteger(m.sourceLba) && m.sourceLba >= 0) {
    const srcDev = m.sourceLba * SECTOR + (dev % SECTOR);
    reply.source = knownContent(context, r.device, srcDev, reply.length, Infinity, r.id);
  }
  return reply;
}

/** Transferable buffers of a reply (copies made above, so they can move). */
export function chunkTransferables(r: ChunkReply): Transferable[] {
  const out: Transferable[] = [];
  for (const b of [r.returned, r.expected?.bytes, r.source?.bytes]) if (b) out.push(b.buffer as ArrayBuffer);
  return out;
}
