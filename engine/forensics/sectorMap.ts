/**
 * Per-read sector map: the returned bytes cut at device sector boundaries
 * (a read at a byte offset that is not a multiple of 512 starts with a
 * partial chunk), each chunk judged against every available source of truth:
 * a reference image, data written earlier in the trace, self-describing
 * stamps, learned sector-number layouts, on-disk structures that record their
 * own LBA, and what earlier reads returned for the same LBA.
 *
 * Truncated data (strace -s) is never counted correct: a chunk is correct
 * only when all of its bytes were seen and matched.
 */
import type { ContentIndex, Observation } from './contentIndex';
import { ObsKind } from './contentIndex';
import type { Evidence } from './findings';
import { hashPiece, hashSectors, keyOf, ZERO_SECTOR_KEY, type HashKey } from './hash';
import { MemoryImage, type SectorSource } from './image';
import type { IoRecord } from './io';
import { layoutLba, newStampReading, readStampInto, type StampLayout } from './stamps';
import { recognize, type StructureEvidence } from './structures';
import { bytesEqual, wordsEqual, wordsOf } from './words';

export type Verdict =
  | 'correct' // every byte seen and matched a source of truth
  | 'consistent' // agrees with earlier observations / structure, no reference to prove it
  | 'misplaced' // content of another LBA (source known)
  | 'stale' // content the LBA had before a write the trace shows
  | 'stale-or-unknown' // contradicts the reference, origin not found
  | 'duplicate' // same bytes as another chunk of the same read, nothing else known
  | 'unverifiable' // not (fully) shown, or nothing to compare with
  | 'changed-by-write'; // a write of unknown content preceded: no expectation

export const VERDICTS: readonly Verdict[] = [
  'correct', 'consistent', 'misplaced', 'stale', 'stale-or-unknown', 'duplicate', 'unverifiable', 'changed-by-write',
];

/** Consecutive chunks of a read with one verdict (and one displacement). */
export interface ChunkRun {
  bufStart: number;
  bufEnd: number;
  lbaFirst: number;
  lbaLast: number;
  verdict: Verdict;
  /** Source LBA of the first chunk (misplaced/stale) and its exact byte offset when a stamp says it. */
  sourceLba: number | null;
  sourceByte: number | null;
  /** Sectors the data moved: expected LBA - source LBA (blog case: LBA 1 seen at LBA 4 = +3). */
  displacement: number | null;
  /** How strongly the verdict is supported (drives finding severity). */
  strength: 'strong' | 'weak';
  evidence: Evidence[];
}

export interface ReadMap {
  io: number;
  device: string;
  offset: number;
  /** Bytes returned. */
  returned: number;
  runs: ChunkRun[];
  counts: Record<Verdict, number>;
  /** Duplicate groups: buffer offsets of chunks with identical non-zero content at different LBAs. */
  duplicates: number[][];
}

/** What the indexing pass learnt of every read's full sectors, in flat columns. */
export interface ReadHashes {
  /** Hash key of each full sector, read after read. */
  keys: Float64Array;
  /** 1 = the whole sector equals the in-memory image / is the stamp of its own LBA (what fastCorrect checks); 0 = not checked or not equal. */
  proven: Uint8Array;
  /** Per record id: index of its first full sector in keys/proven, -1 when not hashed. */
  at: Int32Array;
}

export interface SectorMapContext {
  index: ContentIndex;
  /** Reference image for this device namespace (content before the trace). */
  image?: SectorSource | null;
  layout?: StampLayout | null;
  /** All I/O records by id (to fetch a write's bytes). */
  records: IoRecord[];
}

const hashOut = new Uint32Array(2);

function fullHash(b: Uint8Array, at: number): HashKey {
  hashSectors(b, at, 1, hashOut);
  return keyOf(hashOut[0], hashOut[1]);
}

/** Length of the shown prefix of [from, from+len) in `shown`. */
function visibleLen(shown: Array<[number, number]>, from: number, len: number): number {
  for (let i = 0; i < shown.length; i++) if (from >= shown[i][0] && from < shown[i][1]) return Math.min(len, shown[i][1] - from);
  return 0;
}

function ref(rec: IoRecord): Evidence['ref'] {
  return { source: rec.source, line: rec.line, io: rec.id };
}

/*
 * The expected content of the chunk being classified, as (bytes, offset of
 * the sector): a write's buffer or the image's own bytes compared in place,
 * so that no view is created per chunk.
 */
let expBytes: Uint8Array | null = null;
let expAt = 0;
/* Word views of the read being mapped and of an in-memory image, fetched once per read by mapRead. */
let expWords: Uint32Array | null = null;
let readWords: Uint32Array | null = null;
let imageWords: Uint32Array | null = null;

/** Points exp* at the bytes a known-content write put at its LBA (full sector); false when not shown. */
function expectWritten(ctx: SectorMapContext, w: Observation): boolean {
  const rec = ctx.records[w.ref];
  if (!rec || !rec.data || w.bufOffset + 512 > rec.data.length) return false;
  expBytes = rec.data;
  expAt = w.bufOffset;
  expWords = null;
  return true;
}

/** Points exp* at sector `lba` of the image; false when the image does not hold it. */
function expectImage(img: SectorSource, lba: number): boolean {
  if (img instanceof MemoryImage) {
    if (lba < 0 || lba >= img.sectorCount) return false;
    expBytes = img.bytes;
    expAt = lba * 512;
    expWords = imageWords;
    return true;
  }
  const b = img.readSectors(lba, 1);
  if (!b || b.length < 512) return false;
  expBytes = b;
  expAt = 0;
  expWords = null;
  return true;
}

/**
 * One chunk's verdict. Runs twice for the first chunk of a run: once without
 * evidence (`ev` null: the hot path, no allocation) and, when the verdict
 * starts a new run, again with `ev` to record why.
 */
interface Verdict1 {
  verdict: Verdict;
  sourceLba: number; // NaN = none
  sourceByte: number; // NaN = none
  strong: boolean;
}

const stamp = newStampReading();

function set(out: Verdict1, verdict: Verdict, strong: boolean, srcLba = NaN, srcByte = NaN): void {
  out.verdict = verdict;
  out.strong = strong;
  out.sourceLba = srcLba;
  out.sourceByte = srcByte;
}

/** The chunk equals the expected bytes: whole aligned sectors word by word. */
function sameAsExpected(d: Uint8Array, bufOff: number, at: number, n: number): boolean {
  const e = expBytes!;
  const pa = d.byteOffset + bufOff;
  const pb = e.byteOffset + at;
  if (n === 512 && readWords && expWords && ((pa | pb) & 3) === 0) return wordsEqual(readWords, pa >>> 2, expWords, pb >>> 2, 128);
  return bytesEqual(d, bufOff, e, at, n);
}

/** Where else could these bytes have come from? Strongest evidence first. Sets out.sourceLba/Byte/strong; false when unknown. */
function identifySource(
  ctx: SectorMapContext,
  d: Uint8Array,
  at: number,
  vis: number,
  full: boolean,
  hash: HashKey,
  lba: number,
  ev: Evidence[] | null,
  out: Verdict1,
): boolean {
  if (readStampInto(d, at, vis, stamp, readWords)) {
    if (stamp.contiguous) {
      if (ev) ev.push({ kind: 'stamp', text: `stamp units ${stamp.prefix}= name device byte ${stamp.srcByte} (LBA ${Math.floor(stamp.srcByte / 512)} + ${stamp.srcByte % 512})` });
      out.sourceLba = Math.floor(stamp.srcByte / 512);
      out.sourceByte = stamp.srcByte;
      out.strong = true;
      return true;
    }
    if (ev) ev.push({ kind: 'stamp', text: `stamp units from more than one source (first names byte ${stamp.srcByte}, breaks at chunk byte ${stamp.breakAt})` });
  }
  if (full && ctx.layout) {
    const v = layoutLba(ctx.layout, d, at);
    if (Number.isFinite(v)) {
      if (ev) ev.push({ kind: 'layout', text: `${ctx.layout.kind} sector number at offset ${ctx.layout.offset} says LBA ${v}` });
      out.sourceLba = v;
      out.strong = true;
      return true;
    }
  }
  if (!full) return false;
  const s = recognize(d, at);
  if (s && Number.isFinite(s.impliedLba) && s.strength !== 'weak') {
    if (ev) ev.push({ kind: 'structure', text: s.detail });
    out.sourceLba = s.impliedLba;
    out.strong = s.strength === 'strong';
    return true;
  }
  if (hash === ZERO_SECTOR_KEY) return false;
  const others = ctx.index.lbasWith(hash, lba);
  if (others.length > 0) {
    if (ev) ev.push({ kind: 'trace-content', text: `identical to the content the trace shows for LBA ${others.slice(0, 4).join(', ')}` });
    out.sourceLba = others[0];
    out.strong = false;
    return true;
  }
  const img = ctx.image;
  if (img) {
    // Bounded neighbourhood search in the image (displacements of up to 64 sectors, and the label area).
    for (let k = -64; k <= 64 + 34; k++) {
      const c = k <= 64 ? lba + k : k - 65;
      if (c < 0 || c === lba || c >= img.sectorCount) continue;
      const b = img.readSectors(c, 1);
      if (b && fullHash(b, 0) === hash) {
        if (ev) ev.push({ kind: 'image', text: `identical to LBA ${c} of the reference image` });
        out.sourceLba = c;
        out.strong = true;
        return true;
      }
    }
  }
  return false;
}

/** Records a verdict; a chunk not fully shown is never 'correct'. */
function finish(
  out: Verdict1,
  complete: boolean,
  ev: Evidence[] | null,
  rec: IoRecord,
  vis: number,
  len: number,
  verdict: Verdict,
  strong: boolean,
  srcLba = NaN,
  srcByte = NaN,
): void {
  if (!complete) {
    if (verdict === 'correct') {
      verdict = 'unverifiable';
      strong = false;
    }
    if (ev) ev.push({ kind: 'truncation', text: `the trace shows ${vis} of these ${len} bytes`, ref: ref(rec) });
  }
  set(out, verdict, strong, srcLba, srcByte);
}

function classifyChunk(
  ctx: SectorMapContext,
  rec: IoRecord,
  d: Uint8Array,
  lba: number,
  inSector: number,
  len: number,
  bufOff: number,
  precomputed: HashKey,
  ev: Evidence[] | null,
  out: Verdict1,
): void {
  const vis = rec.data ? visibleLen(rec.shown, bufOff, len) : 0;
  const complete = vis === len;
  if (!rec.data || vis === 0) return finish(out, false, ev, rec, vis, len, 'unverifiable', false);
  const full = complete && len === 512;
  const hash = full ? (Number.isNaN(precomputed) ? fullHash(d, bufOff) : precomputed) : hashPiece(d, bufOff, vis);

  // 1. What should be there: a write shown earlier in the trace, else the reference image.
  const lwi = ctx.index.lastWriteIdx(lba, rec.order, rec.id);
  const lastWrite = lwi < 0 ? null : ctx.index.obs(lwi);
  let expected = false;
  let expectedWhat = '';
  if (lastWrite && lastWrite.kind === ObsKind.WriteKnown) {
    expected = expectWritten(ctx, lastWrite);
    if (ev) expectedWhat = `data written by ${ctx.records[lastWrite.ref]?.name ?? 'a write'} (line ${ctx.records[lastWrite.ref]?.line ?? '?'})`;
  } else if (lastWrite && lastWrite.kind === ObsKind.WriteUnknown) {
    if (ev) ev.push({ kind: 'block-trace', text: `a write (ref ${lastWrite.ref}) changed LBA ${lba} earlier; its data is not in the trace` });
  } else if (ctx.image && !ctx.index.changedAtUnknownTime(lba)) {
    expected = expectImage(ctx.image, lba);
    if (ev) expectedWhat = `reference image ${ctx.image.label}`;
  }
  if (expected) {
    const kind = lastWrite ? 'write' : 'image';
    if (sameAsExpected(d, bufOff, expAt + inSector, vis)) {
      if (ev) ev.push({ kind, text: `matches ${expectedWhat}` });
      return finish(out, complete, ev, rec, vis, len, 'correct', true);
    }
    if (ev) ev.push({ kind, text: `differs from ${expectedWhat}` });
    // Stale: the bytes the LBA held before the write.
    if (lastWrite && full) {
      const preRead = ctx.index.before(lba, lastWrite.order, lastWrite.ref);
      const pre = !preRead && ctx.image && !ctx.index.changedAtUnknownTime(lba) ? ctx.image.readSectors(lba, 1) : null;
      const preHash = preRead && preRead.kind !== ObsKind.WriteUnknown ? preRead.hash : pre ? fullHash(pre, 0) : NaN;
      if (preHash === hash) {
        if (ev) ev.push({ kind: 'write', text: 'equals what the LBA held before that write' });
        return finish(out, complete, ev, rec, vis, len, 'stale', true, lba, lba * 512);
      }
    }
    if (identifySource(ctx, d, bufOff, vis, full, hash, lba, ev, out) && out.sourceLba !== lba) {
      return finish(out, complete, ev, rec, vis, len, 'misplaced', true, out.sourceLba, out.sourceByte);
    }
    return finish(out, complete, ev, rec, vis, len, 'stale-or-unknown', true);
  }

  // 2. No reference: self-describing content.
  const want = lba * 512 + inSector;
  if (readStampInto(d, bufOff, vis, stamp, readWords)) {
    const src = Math.floor(stamp.srcByte / 512);
    if (stamp.contiguous) {
      if (stamp.srcByte === want) {
        if (ev) ev.push({ kind: 'stamp', text: `stamp ${stamp.prefix}= units name this very position (LBA ${lba})` });
        if (lastWrite && stamp.prefix === 'LBA') return finish(out, complete, ev, rec, vis, len, 'changed-by-write', false);
        return finish(out, complete, ev, rec, vis, len, 'correct', true);
      }
      if (ev) ev.push({ kind: 'stamp', text: `stamp ${stamp.prefix}= units name device byte ${stamp.srcByte} (LBA ${src}), expected ${want}` });
      return finish(out, complete, ev, rec, vis, len, 'misplaced', true, src, stamp.srcByte);
    }
    if (ev) ev.push({ kind: 'stamp', text: `stamp units from more than one source (first names byte ${stamp.srcByte}, breaks at chunk byte ${stamp.breakAt})` });
    if (stamp.srcByte === want) return finish(out, complete, ev, rec, vis, len, 'stale-or-unknown', true);
    return finish(out, complete, ev, rec, vis, len, 'misplaced', true, src, stamp.srcByte);
  }
  if (full && ctx.layout) {
    const v = layoutLba(ctx.layout, d, bufOff);
    if (v === lba) {
      if (ev) ev.push({ kind: 'layout', text: `${ctx.layout.kind} sector number at offset ${ctx.layout.offset} matches` });
      return finish(out, complete, ev, rec, vis, len, 'correct', true);
    }
    if (Number.isFinite(v)) {
      if (ev) ev.push({ kind: 'layout', text: `${ctx.layout.kind} sector number at offset ${ctx.layout.offset} says LBA ${v}` });
      return finish(out, complete, ev, rec, vis, len, 'misplaced', true, v);
    }
  }

  // 3. Structures and what the trace saw before.
  const structure: StructureEvidence | null = full ? recognize(d, bufOff) : null;
  const pi = lastWrite ? -1 : ctx.index.beforeIdx(lba, rec.order, rec.id);
  const prev = pi < 0 ? null : ctx.index.obs(pi);
  const others = full && hash !== ZERO_SECTOR_KEY ? ctx.index.lbasWith(hash, lba) : [];
  if (structure && Number.isFinite(structure.impliedLba) && structure.impliedLba !== lba && structure.strength !== 'weak') {
    if (ev) {
      ev.push({ kind: 'structure', text: structure.detail });
      if (prev && prev.hash !== hash) ev.push(rereadEvidence(ctx, prev, lba));
      if (others.includes(structure.impliedLba)) ev.push({ kind: 'trace-content', text: `identical to the content the trace shows for LBA ${structure.impliedLba}` });
    }
    return finish(out, complete, ev, rec, vis, len, 'misplaced', structure.strength === 'strong', structure.impliedLba);
  }
  if (lastWrite) return finish(out, complete, ev, rec, vis, len, 'changed-by-write', false);
  if (prev && prev.kind === ObsKind.Read && full && !ctx.index.changedAtUnknownTime(lba)) {
    if (prev.hash === hash) {
      if (ev) {
        ev.push({ kind: 'reread', text: `same content as the earlier read of LBA ${lba} (line ${ctx.records[prev.ref]?.line ?? '?'})`, ref: refOf(ctx, prev.ref) });
        if (structure) ev.push({ kind: 'structure', text: structure.detail });
      }
      return finish(out, complete, ev, rec, vis, len, 'consistent', false);
    }
    if (ev) ev.push(rereadEvidence(ctx, prev, lba));
    if (others.length > 0) {
      if (ev) ev.push({ kind: 'trace-content', text: `identical to the content the trace shows for LBA ${others.slice(0, 4).join(', ')}` });
      return finish(out, complete, ev, rec, vis, len, 'misplaced', true, others[0]);
    }
    return finish(out, complete, ev, rec, vis, len, 'stale-or-unknown', true);
  }
  if (structure && structure.impliedLba === lba) {
    if (ev) ev.push({ kind: 'structure', text: structure.detail });
    return finish(out, complete, ev, rec, vis, len, 'consistent', false);
  }
  if (others.length > 0 && ev) {
    ev.push({ kind: 'trace-content', text: `identical to the content the trace shows for LBA ${others.slice(0, 4).join(', ')} (no other evidence)` });
  }
  return finish(out, complete, ev, rec, vis, len, 'unverifiable', false);
}

function refOf(ctx: SectorMapContext, io: number): Evidence['ref'] {
  const r = ctx.records[io];
  return r ? ref(r) : undefined;
}

function rereadEvidence(ctx: SectorMapContext, prev: Observation, lba: number): Evidence {
  const r = ctx.records[prev.ref];
  const what = prev.hash === ZERO_SECTOR_KEY ? 'zeros' : 'other content';
  return {
    kind: 'reread',
    text: `an earlier read of LBA ${lba}${r ? ` (line ${r.line})` : ''} returned ${what}, with no write in between`,
    ref: refOf(ctx, prev.ref),
  };
}

function emptyCounts(): Record<Verdict, number> {
  const c = {} as Record<Verdict, number>;
  for (const v of VERDICTS) c[v] = 0;
  return c;
}

const v1: Verdict1 = { verdict: 'unverifiable', sourceLba: NaN, sourceByte: NaN, strong: false };
let hashBuf = new Uint32Array(256);

/*
 * A read's data copied to a 4-byte aligned scratch when its chunks are not
 * aligned in the trace's byte pool (strace strings follow each other at any
 * byte offset): one memcpy per read lets every chunk use word compares.
 */
let aligned = new Uint8Array(1 << 16);

function alignedData(d: Uint8Array, head: number): Uint8Array {
  if (((d.byteOffset + head) & 3) === 0 || (head & 3) !== 0) return d;
  if (aligned.length < d.length) aligned = new Uint8Array(Math.max(d.length, aligned.length * 2));
  aligned.set(d);
  return aligned.subarray(0, d.length);
}

/*
 * Duplicate detection within one read: an open-addressing table of full
 * chunk hashes → first buffer offset, reused across reads (a JS Map per read
 * costs more than the classification of its chunks).
 */
let dupKeys = new Float64Array(1024);
let dupFirst = new Int32Array(1024);
let dupMask = 1023;

function dupReset(chunks: number): void {
  let size = 1024;
  while (size < 2 * chunks) size *= 2;
  if (dupKeys.length < size) {
    dupKeys = new Float64Array(size);
    dupFirst = new Int32Array(size);
  }
  dupMask = size - 1;
  dupFirst.fill(-1, 0, size);
}

/** Buffer offset of the first chunk with hash `key`, recording `bufOff` when it is the first; -1 then. */
function dupFirstOf(key: HashKey, bufOff: number): number {
  // The key's low 32 bits are its first hash half (keyOf); `>>> 0` takes them without a division.
  let i = (key >>> 0) & dupMask;
  for (;;) {
    const f = dupFirst[i];
    if (f < 0) {
      dupKeys[i] = key;
      dupFirst[i] = bufOff;
      return -1;
    }
    if (dupKeys[i] === key) return f;
    i = (i + 1) & dupMask;
  }
}

/**
 * The whole shown sector at `bufOff` is correct: equal to image sector `lba`
 * (word compare) or, without an image, a contiguous stamp naming `lba`.
 */
function fastCorrect(d: Uint8Array, bufOff: number, lba: number, img: MemoryImage | null): boolean {
  const pa = d.byteOffset + bufOff;
  if ((pa & 3) !== 0) return false;
  if (img) {
    if (lba >= img.sectorCount) return false;
    const pb = img.bytes.byteOffset + lba * 512;
    return (pb & 3) === 0 && wordsEqual(readWords!, pa >>> 2, imageWords!, pb >>> 2, 128);
  }
  return readStampInto(d, bufOff, 512, stamp, readWords) && stamp.contiguous && stamp.srcByte === lba * 512;
}

/** Builds the sector map of one read with data (offset known, result > 0). */
export function mapRead(ctx: SectorMapContext, rec: IoRecord, hashes?: ReadHashes): ReadMap {
  const returned = Math.max(0, Number.isFinite(rec.result) ? rec.result : 0);
  const runs: ChunkRun[] = [];
  const counts = emptyCounts();
  // Hash every full, fully shown device sector once (chunk boundaries at device sector boundaries).
  const head = (512 - (rec.offset % 512)) % 512;
  const d = rec.data ? alignedData(rec.data, head) : null;
  const nFull = Math.max(0, Math.floor((Math.min(returned, d ? d.length : 0) - head) / 512));
  const at = hashes && rec.id < hashes.at.length ? hashes.at[rec.id] : -1;
  const reuse = hashes !== undefined && at >= 0 && at + nFull <= hashes.keys.length;
  const sectorKeys = reuse ? hashes.keys : null;
  // Sectors the hashing pass already proved as fastCorrect would (same data, word aligned); 0 = not known.
  const proven = reuse ? hashes.proven : null;
  if (!reuse) {
    if (hashBuf.length < 2 * nFull) hashBuf = new Uint32Array(2 * nFull);
    if (d && nFull > 0) hashSectors(d, head, nFull, hashBuf);
  }
  dupReset(nFull);
  readWords = d ? wordsOf(d.buffer) : null;
  imageWords = ctx.image instanceof MemoryImage ? wordsOf(ctx.image.bytes.buffer) : null;
  const duplicates: number[][] = [];
  const empty = new Uint8Array(0);
  // Fast path for the common case, same verdict as classifyChunk: no write anywhere on the
  // device, a whole shown sector equal to the in-memory image, or (no image) a stamp naming it.
  const fast = ctx.index.readOnly && d !== null && readWords !== null && (ctx.image ? imageWords !== null : true);
  const img = ctx.image instanceof MemoryImage ? ctx.image : null;
  const shownEnd = rec.shown.length === 1 && rec.shown[0][0] === 0 ? rec.shown[0][1] : 0;
  let bufOff = 0;
  let last: ChunkRun | null = null;
  let correct = 0;
  const noteDuplicate = (key: HashKey, at: number) => {
    const f = dupFirstOf(key, at);
    if (f >= 0) {
      const g = duplicates.find((x) => x[0] === f);
      if (g) g.push(at);
      else duplicates.push([f, at]);
    }
  };
  const zeroKey = ZERO_SECTOR_KEY;
  while (bufOff < returned) {
    // A strong 'correct' run followed by proven sectors: extend it in place (what the general step below would do, per sector).
    if (proven !== null && fast && last !== null && last.verdict === 'correct' && last.strength === 'strong' && last.displacement === null && bufOff >= head) {
      const k0 = at + (bufOff - head) / 512;
      const limit = k0 + Math.min(nFull - (k0 - at), Math.floor((shownEnd - bufOff) / 512));
      let k = k0;
      if (last.lbaLast + 1 === (rec.offset + bufOff) / 512) while (k < limit && proven[k] === 1) k++;
      for (let j = k0; j < k; j++) {
        const key = sectorKeys![j];
        // NaN: a deferred read (analyze.ts), a sector no other chunk of the read can equal (distinct stamps, a unique fingerprint).
        if (key !== zeroKey && !Number.isNaN(key)) noteDuplicate(key, bufOff + (j - k0) * 512);
      }
      correct += k - k0;
      bufOff += (k - k0) * 512;
      last.bufEnd = bufOff;
      last.lbaLast += k - k0;
      if (bufOff >= returned) break;
    }
    const dev = rec.offset + bufOff;
    const lba = Math.floor(dev / 512);
    const inSector = dev - lba * 512;
    const len = Math.min(512 - inSector, returned - bufOff);
    const k = (bufOff - head) / 512;
    const key = len === 512 && k >= 0 && k < nFull ? (reuse ? sectorKeys![at + k] : keyOf(hashBuf[2 * k], hashBuf[2 * k + 1])) : NaN;
    // False only for a read's first chunk off the fast path: it always starts a run, so it is classified once, with its evidence, below.
    let classified = true;
    if (fast && !Number.isNaN(key) && bufOff + 512 <= shownEnd && ((proven !== null && proven[at + k] === 1) || fastCorrect(d, bufOff, lba, img))) {
      correct++;
      v1.verdict = 'correct';
      v1.strong = true;
      v1.sourceLba = NaN;
      v1.sourceByte = NaN;
    } else if (last !== null) {
      classifyChunk(ctx, rec, d ?? empty, lba, inSector, len, bufOff, key, null, v1);
      counts[v1.verdict]++;
    } else {
      classified = false;
    }
    let disp = Number.isNaN(v1.sourceLba) ? null : lba - v1.sourceLba;
    let strength: ChunkRun['strength'] = v1.strong ? 'strong' : 'weak';
    if (classified && last && last.verdict === v1.verdict && last.lbaLast + 1 === lba && last.displacement === disp && last.strength === strength) {
      last.bufEnd = bufOff + len;
      last.lbaLast = lba;
    } else {
      const ev: Evidence[] = [];
      classifyChunk(ctx, rec, d ?? empty, lba, inSector, len, bufOff, key, ev, v1);
      if (!classified) {
        counts[v1.verdict]++;
        disp = Number.isNaN(v1.sourceLba) ? null : lba - v1.sourceLba;
        strength = v1.strong ? 'strong' : 'weak';
      }
      last = {
        bufStart: bufOff,
        bufEnd: bufOff + len,
        lbaFirst: lba,
        lbaLast: lba,
        verdict: v1.verdict,
        sourceLba: Number.isNaN(v1.sourceLba) ? null : v1.sourceLba,
        sourceByte: Number.isNaN(v1.sourceByte) ? null : v1.sourceByte,
        displacement: disp,
        strength,
        evidence: ev,
      };
      runs.push(last);
    }
    if (!Number.isNaN(key) && key !== zeroKey) noteDuplicate(key, bufOff);
    bufOff += len;
  }
  counts.correct += correct;
  // Views are per read: nothing of this read or image stays reachable from module state.
  readWords = imageWords = expWords = null;
  expBytes = null;
  if (duplicates.length > 0) markDuplicates(runs, counts, duplicates, rec.offset);
  return { io: rec.id, device: rec.device, offset: rec.offset, returned, runs, counts, duplicates };
}

/** Chunks equal to an earlier chunk of the same read with nothing better known become 'duplicate'. */
function markDuplicates(runs: ChunkRun[], counts: Record<Verdict, number>, groups: number[][], offset: number): void {
  const weak = new Set<Verdict>(['unverifiable', 'stale-or-unknown']);
  for (const g of groups) {
    for (const b of g.slice(1)) {
      const idx = runs.findIndex((r) => b >= r.bufStart && b < r.bufEnd);
      const r = runs[idx];
      if (!r || !weak.has(r.verdict)) continue;
      const lba = Math.floor((offset + b) / 512);
      const firstLba = Math.floor((offset + g[0]) / 512);
      const piece: ChunkRun = {
        ...r,
        bufStart: b,
        bufEnd: b + 512,
        lbaFirst: lba,
        lbaLast: lba,
        verdict: 'duplicate',
        sourceLba: firstLba,
        sourceByte: null,
        displacement: lba - firstLba,
        evidence: [...r.evidence, { kind: 'trace-content', text: `same bytes as buffer offset ${g[0]} (LBA ${firstLba}) of this read` }],
      };
      counts[r.verdict]--;
      counts.duplicate++;
      const parts: ChunkRun[] = [];
      if (b > r.bufStart) parts.push({ ...r, bufEnd: b, lbaLast: lba - 1 });
      parts.push(piece);
      if (b + 512 < r.bufEnd) parts.push({ ...r, bufStart: b + 512, lbaFirst: lba + 1 });
      runs.splice(idx, 1, ...parts);
    }
  }
}
