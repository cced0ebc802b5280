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
import { hashPiece, hashSectors, isZero, keyOf, ZERO_SECTOR_KEY, type HashKey } from './hash';
import type { SectorSource } from './image';
import type { IoRecord } from './io';
import { layoutLba, readStamp, type StampLayout } from './stamps';
import { recognize, type StructureEvidence } from './structures';

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

export interface SectorMapContext {
  index: ContentIndex;
  /** Reference image for this device namespace (content before the trace). */
  image?: SectorSource | null;
  layout?: StampLayout | null;
  /** All I/O records by id (to fetch a write's bytes). */
  records: IoRecord[];
}

interface ChunkVerdict {
  verdict: Verdict;
  sourceLba: number | null;
  sourceByte: number | null;
  strength: 'strong' | 'weak';
  evidence: Evidence[];
}

const hashOut = new Uint32Array(2);

function fullHash(b: Uint8Array, at: number): HashKey {
  hashSectors(b, at, 1, hashOut);
  return keyOf(hashOut[0], hashOut[1]);
}

/** Length of the shown prefix of [from, from+len) in `shown`. */
function visibleLen(shown: Array<[number, number]>, from: number, len: number): number {
  for (const [s, e] of shown) if (from >= s && from < e) return Math.min(len, e - from);
  return 0;
}

function bytesEqual(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}

function ref(rec: IoRecord): Evidence['ref'] {
  return { source: rec.source, line: rec.line, io: rec.id };
}

/** Bytes a known-content write put at `lba` (full sector), or null. */
function writtenBytes(ctx: SectorMapContext, w: Observation): Uint8Array | null {
  const rec = ctx.records[w.ref];
  if (!rec || !rec.data) return null;
  return rec.data.subarray(w.bufOffset, w.bufOffset + 512);
}

/** Where else could these bytes have come from? Strongest evidence first. */
function identifySource(
  ctx: SectorMapContext,
  d: Uint8Array,
  at: number,
  vis: number,
  full: boolean,
  hash: HashKey,
  lba: number,
  ev: Evidence[],
): { lba: number; byte: number | null; strong: boolean } | null {
  const st = readStamp(d, at, vis);
  if (st && st.contiguous) {
    ev.push({ kind: 'stamp', text: `stamp units ${st.prefix}= name device byte ${st.srcByte} (LBA ${Math.floor(st.srcByte / 512)} + ${st.srcByte % 512})` });
    return { lba: Math.floor(st.srcByte / 512), byte: st.srcByte, strong: true };
  }
  if (st) ev.push({ kind: 'stamp', text: `stamp units from more than one source (first names byte ${st.srcByte}, breaks at chunk byte ${st.breakAt})` });
  if (full && ctx.layout) {
    const v = layoutLba(ctx.layout, d, at);
    if (Number.isFinite(v)) {
      ev.push({ kind: 'layout', text: `${ctx.layout.kind} sector number at offset ${ctx.layout.offset} says LBA ${v}` });
      return { lba: v, byte: null, strong: true };
    }
  }
  if (full) {
    const s = recognize(d, at);
    if (s && Number.isFinite(s.impliedLba) && s.strength !== 'weak') {
      ev.push({ kind: 'structure', text: s.detail });
      return { lba: s.impliedLba, byte: null, strong: s.strength === 'strong' };
    }
    if (hash !== ZERO_SECTOR_KEY) {
      const others = ctx.index.lbasWith(hash, lba);
      if (others.length > 0) {
        ev.push({ kind: 'trace-content', text: `identical to the content the trace shows for LBA ${others.slice(0, 4).join(', ')}` });
        return { lba: others[0], byte: null, strong: false };
      }
      const img = ctx.image;
      if (img) {
        // Bounded neighbourhood search in the image (displacements of up to 64 sectors, and the label area).
        const cands: number[] = [];
        for (let k = 1; k <= 64; k++) cands.push(lba - k, lba + k);
        for (let k = 0; k < 34; k++) cands.push(k);
        for (const c of cands) {
          if (c < 0 || c === lba || c >= img.sectorCount) continue;
          const b = img.readSectors(c, 1);
          if (b && fullHash(b, 0) === hash) {
            ev.push({ kind: 'image', text: `identical to LBA ${c} of the reference image` });
            return { lba: c, byte: null, strong: true };
          }
        }
      }
    }
  }
  return null;
}

function classifyChunk(
  ctx: SectorMapContext,
  rec: IoRecord,
  lba: number,
  inSector: number,
  len: number,
  bufOff: number,
): ChunkVerdict {
  const d = rec.data;
  const vis = d ? visibleLen(rec.shown, bufOff, len) : 0;
  const trunc: Evidence = { kind: 'truncation', text: `the trace shows ${vis} of these ${len} bytes`, ref: ref(rec) };
  if (!d || vis === 0) return { verdict: 'unverifiable', sourceLba: null, sourceByte: null, strength: 'weak', evidence: [trunc] };
  const complete = vis === len;
  const full = complete && len === 512;
  const hash = full ? fullHash(d, bufOff) : hashPiece(d, bufOff, vis);
  const ev: Evidence[] = [];
  const done = (verdict: Verdict, strength: 'strong' | 'weak', src: { lba: number; byte: number | null } | null = null): ChunkVerdict => {
    if (!complete && verdict === 'correct') verdict = 'unverifiable';
    if (!complete) ev.push(trunc);
    return { verdict, sourceLba: src ? src.lba : null, sourceByte: src ? src.byte : null, strength, evidence: ev };
  };

  // 1. What should be there: a write shown earlier in the trace, else the reference image.
  const lastWrite = ctx.index.lastWriteBefore(lba, rec.order, rec.id);
  let expected: Uint8Array | null = null;
  let expectedWhat = '';
  if (lastWrite && lastWrite.kind === ObsKind.WriteKnown) {
    expected = writtenBytes(ctx, lastWrite);
    expectedWhat = `data written by ${ctx.records[lastWrite.ref]?.name ?? 'a write'} (io ${lastWrite.ref})`;
  } else if (lastWrite && lastWrite.kind === ObsKind.WriteUnknown) {
    ev.push({ kind: 'block-trace', text: `block request ${lastWrite.ref} wrote LBA ${lba} earlier; its data is not in the trace` });
  } else if (ctx.image && !ctx.index.changedAtUnknownTime(lba)) {
    expected = ctx.image.readSectors(lba, 1);
    expectedWhat = `reference image ${ctx.image.label}`;
  }
  if (expected && expected.length >= 512) {
    if (bytesEqual(d, bufOff, expected, inSector, vis)) {
      ev.push({ kind: lastWrite ? 'write' : 'image', text: `matches ${expectedWhat}` });
      return done('correct', 'strong');
    }
    ev.push({ kind: lastWrite ? 'write' : 'image', text: `differs from ${expectedWhat}` });
    // Stale: the bytes the LBA held before the write.
    if (lastWrite) {
      const pre = ctx.image && !ctx.index.changedAtUnknownTime(lba) ? ctx.image.readSectors(lba, 1) : null;
      const preRead = ctx.index.before(lba, lastWrite.order, lastWrite.ref);
      const preHash = preRead && preRead.kind !== ObsKind.WriteUnknown ? preRead.hash : pre ? fullHash(pre, 0) : NaN;
      if (full && preHash === hash) {
        ev.push({ kind: 'write', text: 'equals what the LBA held before that write' });
        return done('stale', 'strong', { lba, byte: lba * 512 });
      }
    }
    const src = identifySource(ctx, d, bufOff, vis, full, hash, lba, ev);
    if (src && src.lba !== lba) return done('misplaced', 'strong', src);
    return done('stale-or-unknown', 'strong');
  }

  // 2. No reference: self-describing content.
  const st = readStamp(d, bufOff, vis);
  const want = lba * 512 + inSector;
  if (st && st.contiguous) {
    if (st.srcByte === want) {
      ev.push({ kind: 'stamp', text: `stamp ${st.prefix}= units name this very position (LBA ${lba})` });
      if (lastWrite && st.prefix === 'LBA') return done('changed-by-write', 'weak');
      return done('correct', 'strong');
    }
    ev.push({ kind: 'stamp', text: `stamp ${st.prefix}= units name device byte ${st.srcByte} (LBA ${Math.floor(st.srcByte / 512)}), expected ${want}` });
    return done('misplaced', 'strong', { lba: Math.floor(st.srcByte / 512), byte: st.srcByte });
  }
  if (st) {
    ev.push({ kind: 'stamp', text: `stamp units from more than one source (first names byte ${st.srcByte}, breaks at chunk byte ${st.breakAt})` });
    return done(st.srcByte === want ? 'stale-or-unknown' : 'misplaced', 'strong', st.srcByte === want ? null : { lba: Math.floor(st.srcByte / 512), byte: st.srcByte });
  }
  if (full && ctx.layout) {
    const v = layoutLba(ctx.layout, d, bufOff);
    if (v === lba) {
      ev.push({ kind: 'layout', text: `${ctx.layout.kind} sector number at offset ${ctx.layout.offset} matches` });
      return done('correct', 'strong');
    }
    if (Number.isFinite(v)) {
      ev.push({ kind: 'layout', text: `${ctx.layout.kind} sector number at offset ${ctx.layout.offset} says LBA ${v}` });
      return done('misplaced', 'strong', { lba: v, byte: null });
    }
  }

  // 3. Structures and what the trace saw before.
  let structure: StructureEvidence | null = null;
  if (full) structure = recognize(d, bufOff);
  const prev = lastWrite ? null : ctx.index.before(lba, rec.order, rec.id);
  const others = full && hash !== ZERO_SECTOR_KEY ? ctx.index.lbasWith(hash, lba) : [];
  if (structure && Number.isFinite(structure.impliedLba) && structure.impliedLba !== lba && structure.strength !== 'weak') {
    ev.push({ kind: 'structure', text: structure.detail });
    if (prev && prev.hash !== hash) ev.push(rereadEvidence(ctx, prev, lba));
    if (others.includes(structure.impliedLba)) ev.push({ kind: 'trace-content', text: `identical to the content the trace shows for LBA ${structure.impliedLba}` });
    return done('misplaced', structure.strength === 'strong' ? 'strong' : 'weak', { lba: structure.impliedLba, byte: null });
  }
  if (lastWrite) return done('changed-by-write', 'weak');
  if (prev && prev.kind === ObsKind.Read && full && !ctx.index.changedAtUnknownTime(lba)) {
    if (prev.hash === hash) {
      ev.push({ kind: 'reread', text: `same content as the earlier read of LBA ${lba} (io ${prev.ref})`, ref: refOf(ctx, prev.ref) });
      if (structure) ev.push({ kind: 'structure', text: structure.detail });
      return done('consistent', 'weak');
    }
    ev.push(rereadEvidence(ctx, prev, lba));
    if (others.length > 0) {
      ev.push({ kind: 'trace-content', text: `identical to the content the trace shows for LBA ${others.slice(0, 4).join(', ')}` });
      return done('misplaced', 'strong', { lba: others[0], byte: null });
    }
    return done('stale-or-unknown', 'strong');
  }
  if (structure && Number.isFinite(structure.impliedLba) && structure.impliedLba === lba) {
    ev.push({ kind: 'structure', text: structure.detail });
    return done('consistent', 'weak');
  }
  if (others.length > 0) {
    ev.push({ kind: 'trace-content', text: `identical to the content the trace shows for LBA ${others.slice(0, 4).join(', ')} (no other evidence)` });
  }
  return done('unverifiable', 'weak');
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

function sameRun(a: ChunkRun, v: ChunkVerdict, lba: number): boolean {
  if (a.verdict !== v.verdict || a.lbaLast + 1 !== lba) return false;
  const disp = v.sourceLba === null ? null : lba - v.sourceLba;
  if (disp !== a.displacement || a.strength !== v.strength) return false;
  // Same kinds of evidence (the texts differ per chunk).
  const k1 = a.evidence.map((e) => e.kind).join();
  const k2 = v.evidence.map((e) => e.kind).join();
  return k1 === k2;
}

function emptyCounts(): Record<Verdict, number> {
  const c = {} as Record<Verdict, number>;
  for (const v of VERDICTS) c[v] = 0;
  return c;
}

/** Builds the sector map of one read with data (offset known, result > 0). */
export function mapRead(ctx: SectorMapContext, rec: IoRecord): ReadMap {
  const returned = Math.max(0, Number.isFinite(rec.result) ? rec.result : 0);
  const runs: ChunkRun[] = [];
  const counts = emptyCounts();
  const fullChunks = new Map<HashKey, number[]>();
  let bufOff = 0;
  while (bufOff < returned) {
    const dev = rec.offset + bufOff;
    const lba = Math.floor(dev / 512);
    const inSector = dev - lba * 512;
    const len = Math.min(512 - inSector, returned - bufOff);
    const v = classifyChunk(ctx, rec, lba, inSector, len, bufOff);
    counts[v.verdict]++;
    if (len === 512 && rec.data && visibleLen(rec.shown, bufOff, 512) === 512 && !isZero(rec.data, bufOff, 512)) {
      const h = fullHash(rec.data, bufOff);
      let g = fullChunks.get(h);
      if (!g) fullChunks.set(h, (g = []));
      g.push(bufOff);
    }
    const last = runs[runs.length - 1];
    if (last && sameRun(last, v, lba)) {
      last.bufEnd = bufOff + len;
      last.lbaLast = lba;
    } else {
      runs.push({
        bufStart: bufOff,
        bufEnd: bufOff + len,
        lbaFirst: lba,
        lbaLast: lba,
        verdict: v.verdict,
        sourceLba: v.sourceLba,
        sourceByte: v.sourceByte,
        displacement: v.sourceLba === null ? null : lba - v.sourceLba,
        strength: v.strength,
        evidence: v.evidence,
      });
    }
    bufOff += len;
  }
  const duplicates: number[][] = [];
  for (const g of fullChunks.values()) if (g.length > 1) duplicates.push(g);
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
