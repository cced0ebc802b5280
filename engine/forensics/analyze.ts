/**
 * Sector forensics entry point: from parsed sources (and optionally a
 * reference image) to sector maps of every read with data, the cross-layer
 * correlation and an expert-info list of findings. The result is plain JSON.
 */
import type { ParsedSource } from '../../parsers/model/source';
import { ContentIndex } from './contentIndex';
import { correlate, type Correlation } from './correlate';
import { FindingList, readRef, type Evidence, type Finding, type FindingSeverity } from './findings';
import { equalSectorsFingerprinted, hashSectors, hashSectorsComparing, hashSectorsStampShaped, keyOf } from './hash';
import { MemoryImage, type SectorSource } from './image';
import { extractIo, type IoRecord } from './io';
import { mapRead, VERDICTS, type ChunkRun, type ReadHashes, type ReadMap, type Verdict } from './sectorMap';
import { learnLayout, STAMP_SLOT_WORDS, stampShapedNames, stampShapedSectors, type LayoutSample, type StampLayout } from './stamps';
import { doublesOf, wordsOf } from './words';
import { rankHypotheses, type HypothesisReport } from './hypotheses';
import { disconnectFindings, replayHazardFindings, type ReplayHazard } from './hazards';

export const ANALYSIS_VERSION = 1;

export interface AnalyzeInput {
  sources: ParsedSource[];
  /** Reference image: the device content before the traced run. */
  image?: SectorSource | null;
  /** Device path the image belongs to (default: the disk namespace with the most read bytes). */
  imageDevice?: string;
  /** RUN.anchors.txt text when not loaded as a source. */
  anchorsText?: string;
  /** false: skip the replay-based hypothesis ranking (hypotheses.ts). */
  hypotheses?: boolean;
}

/** An I/O record without its bytes. */
export type IoSummary = Omit<IoRecord, 'data'> & { dataLen: number };

export interface AnalysisResult {
  version: typeof ANALYSIS_VERSION;
  records: IoSummary[];
  reads: ReadMap[];
  findings: Finding[];
  correlation: Correlation;
  layouts: Record<string, StampLayout | null>;
  imageDevice: string | null;
  /** Which blkfront variant and buffer page offsets explain the shown bytes (null when not run). */
  hypotheses: HypothesisReport | null;
  stats: {
    records: number;
    readsWithData: number;
    bytesClassified: number;
    verdicts: Record<Verdict, number>;
    findings: Record<FindingSeverity, number>;
  };
}

const out2 = new Uint32Array(2);


/** The record without its bytes, keys in IoRecord's order (an explicit literal: object rest/spread per record costs more than the rest of a stamp-proven read's classification). */
function summaryOf(r: IoRecord): IoSummary {
  return {
    id: r.id,
    source: r.source,
    sourceIndex: r.sourceIndex,
    row: r.row,
    seg: r.seg,
    op: r.op,
    name: r.name,
    device: r.device,
    timeNs: r.timeNs,
    durationNs: r.durationNs,
    order: r.order,
    pid: r.pid,
    fd: r.fd,
    offset: r.offset,
    length: r.length,
    result: r.result,
    errno: r.errno,
    errName: r.errName,
    line: r.line,
    direct: r.direct,
    shown: r.shown,
    truncated: r.truncated,
    dataLen: r.data ? r.data.length : 0,
  };
}

function visibleFull(r: IoRecord, bufOff: number): boolean {
  const shown = r.shown;
  for (let i = 0; i < shown.length; i++) if (bufOff >= shown[i][0] && bufOff + 512 <= shown[i][1]) return true;
  return false;
}

/* Hash halves of one read's sectors: scratch reused across reads. */
let sectorWords = new Uint32Array(256);

/** Full device sectors of a record: [bufOffset, lba] pairs (chunk boundaries at device sector boundaries). */
function* fullSectors(r: IoRecord, bytes: number): Generator<[number, number]> {
  const first = Math.ceil(r.offset / 512) * 512;
  for (let dev = first; dev + 512 <= r.offset + bytes; dev += 512) yield [dev - r.offset, dev / 512];
}

/** Full device sectors a read returned with data (the chunks hashed for the index). */
function fullSectorCount(r: IoRecord): number {
  const head = (512 - (r.offset % 512)) % 512;
  return Math.max(0, Math.floor((Math.min(r.result, r.data ? r.data.length : 0) - head) / 512));
}

/**
 * Hashes a read's full sectors and, in the same pass over its words, checks
 * what mapRead's fast path would: equality with the in-memory image, or (no
 * image for this device) the stamp of the sector's own LBA.
 */
function hashRead(r: IoRecord, head: number, nFull: number, words: Uint32Array, proven: Uint8Array, img: MemoryImage | null, stampsPossible: boolean): void {
  const d = r.data!;
  const abs = d.byteOffset + head;
  const lba0 = (r.offset + head) / 512;
  if ((abs & 3) !== 0) {
    hashSectors(d, head, nFull, words);
    return;
  }
  const w = wordsOf(d.buffer);
  if (img) {
    const pb = img.bytes.byteOffset + lba0 * 512;
    const inImage = Math.max(0, Math.min(nFull, img.sectorCount - lba0));
    if ((pb & 3) !== 0 || inImage === 0) {
      hashSectors(d, head, nFull, words);
      return;
    }
    hashSectorsComparing(w, abs >>> 2, inImage, words, wordsOf(img.bytes.buffer), pb >>> 2, proven);
    if (inImage < nFull) hashSectors(d, head + inImage * 512, nFull - inImage, words, 2 * inImage);
    return;
  }
  if (!stampsPossible) {
    hashSectors(d, head, nFull, words);
    return;
  }
  hashSectorsStampShaped(w, abs >>> 2, nFull, words, STAMP_SLOT_WORDS, proven);
  for (let k = 0; k < nFull; k++) if (proven[k] === 1 && !stampShapedNames(d, head + k * 512, lba0 + k)) proven[k] = 0;
}

/**
 * True when every full sector of the read is the stamp of its own LBA
 * (`proven` filled), checked word-wise without hashing.
 */
function stampsProveAll(r: IoRecord, head: number, nFull: number, proven: Uint8Array): boolean {
  const d = r.data!;
  const abs = d.byteOffset + head;
  if ((abs & 3) !== 0 || STAMP_SLOT_WORDS.length === 0) return false;
  stampShapedSectors(wordsOf(d.buffer), abs >>> 2, nFull, proven);
  const lba0 = (r.offset + head) / 512;
  for (let k = 0; k < nFull; k++) if (proven[k] !== 1 || !stampShapedNames(d, head + k * 512, lba0 + k)) return false;
  return true;
}

/* Per-read fingerprints and a small open-addressing table of them (imageProvesAll), reused across reads. */
let fingerprints = new Uint32Array(256);
let fpSlots = new Int32Array(512);
let fpNeed = new Uint8Array(256);

/**
 * True when every full sector of the read equals the in-memory image at its
 * own LBA (`proven` filled), checked word-wise without hashing. `keys` then
 * holds NaN for every sector whose content no other sector of the read can
 * share (a fingerprint unique within the read) and the full hash of the
 * others: what mapRead needs to find duplicate chunks of the read.
 */
function imageProvesAll(r: IoRecord, head: number, nFull: number, image: Uint8Array, proven: Uint8Array, keys: Float64Array, at: number): boolean {
  const d = r.data!;
  const abs = d.byteOffset + head;
  const lba0 = (r.offset + head) / 512;
  const pb = image.byteOffset + lba0 * 512;
  if (((abs | pb) & 7) !== 0 || (lba0 + nFull) * 512 > image.length) return false;
  if (fingerprints.length < nFull) {
    fingerprints = new Uint32Array(2 * nFull);
    fpNeed = new Uint8Array(2 * nFull);
  }
  const equal = equalSectorsFingerprinted(doublesOf(d.buffer), wordsOf(d.buffer), abs >>> 3, nFull, doublesOf(image.buffer), wordsOf(image.buffer), pb >>> 3, fingerprints);
  if (equal < nFull) return false;
  proven.fill(1, 0, nFull);
  let size = 512;
  while (size < 2 * nFull) size *= 2;
  if (fpSlots.length < size) fpSlots = new Int32Array(size);
  fpSlots.fill(-1, 0, size);
  fpNeed.fill(0, 0, nFull);
  const mask = size - 1;
  let any = false;
  for (let k = 0; k < nFull; k++) {
    const f = fingerprints[k];
    let i = f & mask;
    for (;;) {
      const first = fpSlots[i];
      if (first < 0) {
        fpSlots[i] = k;
        break;
      }
      if (fingerprints[first] === f) {
        fpNeed[first] = 1;
        fpNeed[k] = 1;
        any = true;
        break;
      }
      i = (i + 1) & mask;
    }
  }
  keys.fill(NaN, at, at + nFull);
  if (any) {
    for (let k = 0; k < nFull; k++) {
      if (fpNeed[k] !== 1) continue;
      hashSectors(d, head + k * 512, 1, out2);
      keys[at + k] = keyOf(out2[0], out2[1]);
    }
  }
  return true;
}

function anyNaN(keys: Float64Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (Number.isNaN(keys[i])) return true;
  return false;
}

function allSet(flags: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (flags[i] !== 1) return false;
  return true;
}

/** True when no two reads of the list touch a common LBA (edge sectors included). */
function disjointReads(reads: IoRecord[]): boolean {
  const spans = reads.map((r) => [Math.floor(r.offset / 512), Math.ceil((r.offset + r.result) / 512)]).sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) if (spans[i][0] < spans[i - 1][1]) return false;
  return true;
}

function buildIndexes(records: IoRecord[], corr: Correlation, image: SectorSource | null, imageDevice: string | null): { idx: Map<string, ContentIndex>; hashes: ReadHashes } {
  const idx = new Map<string, ContentIndex>();
  const get = (dev: string) => {
    let c = idx.get(dev);
    if (!c) idx.set(dev, (c = new ContentIndex()));
    return c;
  };
  // Full read chunks per device, for ContentIndex.reserve.
  const readChunks = new Map<string, number>();
  let allChunks = 0;
  for (const r of records) {
    if (r.op !== 'read' || !Number.isFinite(r.offset) || !r.data || !(r.result > 0)) continue;
    const n = fullSectorCount(r);
    readChunks.set(r.device, (readChunks.get(r.device) ?? 0) + n);
    allChunks += n;
  }

  // Every read's hashes and proofs in two flat columns (no per-read arrays for the collector).
  const hashes: ReadHashes = { keys: new Float64Array(allChunks), proven: new Uint8Array(allChunks), at: new Int32Array(records.length).fill(-1) };
  let slot = 0;
  const memImage = image instanceof MemoryImage ? image : null;
  const joinedWrites = new Set<number>();
  /** Hashes a read's full sectors into hashes.keys (fused with the fast-path proof unless `proved`). */
  const hashInto = (r: IoRecord, at: number, proved: boolean) => {
    const head = (512 - (r.offset % 512)) % 512;
    const nFull = fullSectorCount(r);
    if (sectorWords.length < 2 * nFull) sectorWords = new Uint32Array(4 * nFull);
    const words = sectorWords;
    const forImage = r.device === imageDevice && image !== null;
    if (nFull > 0 && proved) hashSectors(r.data!, head, nFull, words);
    else if (nFull > 0) hashRead(r, head, nFull, words, hashes.proven.subarray(at, at + nFull), forImage ? memImage : null, !forImage);
    const keys = hashes.keys;
    for (let k = 0; k < nFull; k++) keys[at + k] = keyOf(words[2 * k], words[2 * k + 1]);
  };
  /** Indexes the shown full sectors of a hashed read. */
  const addRead = (r: IoRecord, at: number) => {
    const head = (512 - (r.offset % 512)) % 512;
    const nFull = fullSectorCount(r);
    const keys = hashes.keys;
    const c = get(r.device);
    // Room for all of the device's read chunks once it indexes one (a device whose reads are all deferred needs none): no growth mid-run.
    c.reserve(readChunks.get(r.device) ?? 0);
    const single = r.shown.length === 1 ? r.shown[0] : null;
    for (let k = 0; k < nFull; k++) {
      const b = head + k * 512;
      if (single ? b >= single[0] && b + 512 <= single[1] : visibleFull(r, b)) c.addRead((r.offset + b) / 512, r.order, keys[at + k], r.id, b);
    }
  };
  /*
   * Reads whose every sector the fast path proves, kept out of the content
   * index unless something could ask it about them. Nothing can when their
   * device ends up read-only, all its reads are such reads and no two of them
   * touch one LBA: mapRead's fast path proves every sector without the index,
   * and no re-read exists. Image-proven reads are hashed only where a
   * sector's fingerprint repeats within the read (mapRead looks for
   * duplicate chunks by hash; a unique fingerprint means no equal chunk);
   * stamp-proven ones (no image for the device) are not hashed: stamps of
   * distinct LBAs are never duplicates of each other. The first chunk's
   * classifyChunk hashes that chunk itself.
   */
  const deferred: IoRecord[] = [];
  const indexedNow = new Set<string>();
  for (const r of records) {
    if (!Number.isFinite(r.offset)) continue;
    if (r.op === 'read') {
      if (!r.data || !(r.result > 0)) continue;
      get(r.device);
      const head = (512 - (r.offset % 512)) % 512;
      const nFull = fullSectorCount(r);
      const at = slot;
      hashes.at[r.id] = at;
      slot += nFull;
      const single = r.shown.length === 1 ? r.shown[0] : null;
      const whole = nFull > 0 && single !== null && single[0] <= head && head + nFull * 512 <= single[1];
      const stampOnly = r.device !== imageDevice || image === null;
      if (whole && stampOnly && stampsProveAll(r, head, nFull, hashes.proven.subarray(at, at + nFull))) {
        hashes.keys.fill(NaN, at, at + nFull);
        deferred.push(r);
        continue;
      }
      if (whole && !stampOnly && memImage !== null && imageProvesAll(r, head, nFull, memImage.bytes, hashes.proven.subarray(at, at + nFull), hashes.keys, at)) {
        deferred.push(r);
        continue;
      }
      hashInto(r, at, false);
      if (whole && !stampOnly && allSet(hashes.proven, at, at + nFull)) {
        deferred.push(r);
        continue;
      }
      indexedNow.add(r.device);
      addRead(r, at);
      continue;
    }
    const bytes = Number.isFinite(r.result) && r.result >= 0 ? r.result : r.length;
    if (!(bytes > 0)) continue;
    const c = get(r.device);
    for (const q of corr.links[r.id]?.requests ?? []) joinedWrites.add(q);
    const firstLba = Math.floor(r.offset / 512);
    const lastLba = Math.ceil((r.offset + bytes) / 512) - 1;
    const known = new Set<number>();
    if (r.data) {
      for (const [b, lba] of fullSectors(r, bytes)) {
        if (!visibleFull(r, b)) continue;
        hashSectors(r.data, b, 1, out2);
        c.addWrite(lba, r.order, keyOf(out2[0], out2[1]), r.id, b);
        known.add(lba);
      }
    }
    for (let lba = firstLba; lba <= lastLba; lba++) if (!known.has(lba)) c.addUnknownWrite(lba, r.order, r.id);
  }
  // Block-layer writes no traced write syscall accounts for: content unknown from then on.
  const anyReads = records.some((r) => r.op === 'read' && r.data);
  if (anyReads) {
    const nsOfDev = new Map<string, string[]>();
    for (const [p, d] of Object.entries(corr.deviceMap)) {
      const l = nsOfDev.get(d);
      if (l) l.push(p);
      else nsOfDev.set(d, [p]);
    }
    for (const q of corr.requests) {
      if (q.op !== 'write' || joinedWrites.has(q.id)) continue;
      const order = Number.isFinite(corr.clock.offsetNs) ? q.tQ - corr.clock.offsetNs : NaN;
      for (const ns of nsOfDev.get(q.device) ?? []) {
        const c = get(ns);
        for (let k = 0; k < q.nSectors; k++) c.addUnknownWrite(q.sector + k, order, q.id);
      }
    }
  }
  const byDevice = new Map<string, IoRecord[]>();
  for (const r of deferred) {
    const l = byDevice.get(r.device);
    if (l) l.push(r);
    else byDevice.set(r.device, [r]);
  }
  for (const [dev, list] of byDevice) {
    if (!indexedNow.has(dev) && get(dev).readOnly && disjointReads(list)) continue;
    for (const r of list) {
      const at = hashes.at[r.id];
      if (anyNaN(hashes.keys, at, at + fullSectorCount(r))) hashInto(r, at, true);
      addRead(r, at);
    }
  }
  for (const c of idx.values()) c.finish();
  return { idx, hashes };
}

function learnLayouts(records: IoRecord[]): Map<string, StampLayout | null> {
  const samples = new Map<string, LayoutSample[]>();
  for (const r of records) {
    if (r.op !== 'read' || !r.data || !(r.result > 0) || !Number.isFinite(r.offset)) continue;
    let l = samples.get(r.device);
    if (!l) samples.set(r.device, (l = []));
    if (l.length >= 4096) continue;
    for (const [b, lba] of fullSectors(r, r.result)) if (visibleFull(r, b)) l.push({ bytes: r.data, start: b, lba });
  }
  const out = new Map<string, StampLayout | null>();
  for (const [dev, l] of samples) out.set(dev, learnLayout(l));
  return out;
}

function pickImageDevice(records: IoRecord[], wanted?: string): string | null {
  if (wanted !== undefined) return wanted;
  const bytes = new Map<string, number>();
  for (const r of records) if (r.op === 'read' && r.result > 0) bytes.set(r.device, (bytes.get(r.device) ?? 0) + r.result);
  let best: string | null = null;
  let n = -1;
  for (const [d, b] of bytes) if (b > n) [best, n] = [d, b];
  return best;
}

function severityOfRun(run: ChunkRun): FindingSeverity | null {
  switch (run.verdict) {
    case 'misplaced':
    case 'stale-or-unknown':
      return run.strength === 'strong' ? 'error' : 'warning';
    case 'stale':
      return 'error';
    case 'duplicate':
      return 'warning';
    case 'changed-by-write':
      return 'note';
    default:
      return null;
  }
}

function describeRun(run: ChunkRun): string {
  const where = run.lbaFirst === run.lbaLast ? `LBA ${run.lbaFirst}` : `LBAs ${run.lbaFirst}..${run.lbaLast}`;
  switch (run.verdict) {
    case 'misplaced':
      return `${where} returned the content of LBA ${run.sourceLba}${run.lbaFirst === run.lbaLast ? '' : ' onwards'} (displacement ${run.displacement! > 0 ? '+' : ''}${run.displacement} sectors)`;
    case 'stale':
      return `${where} returned the content it had before a write the trace shows`;
    case 'stale-or-unknown':
      return `${where} returned content that contradicts the reference; origin not found`;
    case 'duplicate':
      return `${where} repeats the bytes of LBA ${run.sourceLba} of the same read`;
    case 'changed-by-write':
      return `${where} was written earlier with data the trace does not show`;
    default:
      return where;
  }
}

function kindOfRun(run: ChunkRun): Finding['kind'] {
  switch (run.verdict) {
    case 'stale':
    case 'stale-or-unknown':
    case 'changed-by-write':
      return 'stale-data';
    case 'duplicate':
      return 'duplicated-chunk';
    default:
      return 'misplaced-data';
  }
}

export function analyze(input: AnalyzeInput): AnalysisResult {
  const records: IoRecord[] = [];
  input.sources.forEach((s, i) => extractIo(s, i, records));
  const corr = correlate({ sources: input.sources, records, anchorsText: input.anchorsText });
  const imageDevice = input.image ? pickImageDevice(records, input.imageDevice) : null;
  const { idx: indexes, hashes } = buildIndexes(records, corr, input.image ?? null, imageDevice);
  const layouts = learnLayouts(records);
  const findings = new FindingList();
  const reads: ReadMap[] = [];
  const verdicts = {} as Record<Verdict, number>;
  for (const v of VERDICTS) verdicts[v] = 0;
  let bytesClassified = 0;

  // Device end as far as the trace shows (a short read before it is not at the end).
  const maxEnd = new Map<string, number>();
  for (const r of records) {
    if (r.op === 'read' && r.result > 0) maxEnd.set(r.device, Math.max(maxEnd.get(r.device) ?? 0, r.offset + r.result));
  }

  for (const r of records) {
    if (r.op !== 'read') continue;
    if (r.result < 0 || r.errno !== 0) {
      findings.add({
        severity: 'warning',
        kind: 'read-failed',
        summary: `${r.name} of ${r.length} bytes at offset ${r.offset} failed${r.errName ? ` with ${r.errName}` : ''}`,
        read: readRef(r),
        evidence: [{ kind: 'truncation', text: `return value ${r.result}`, ref: { source: r.source, line: r.line, io: r.id } }],
      });
      continue;
    }
    if (Number.isFinite(r.result) && r.result < r.length) {
      const imgEnd = input.image && r.device === imageDevice ? input.image.sectorCount * 512 : NaN;
      const atEnd = r.offset + r.result === imgEnd || (Number.isNaN(imgEnd) && r.offset + r.result >= (maxEnd.get(r.device) ?? 0));
      findings.add({
        severity: atEnd ? 'note' : 'warning',
        kind: 'short-read',
        summary: `${r.name} returned ${r.result} of ${r.length} bytes at offset ${r.offset}${atEnd ? ' (end of device)' : ''}`,
        read: readRef(r),
        bufRange: [r.result, r.length],
        evidence: [],
      });
    }
    if (!r.data || !(r.result > 0) || !Number.isFinite(r.offset)) continue;
    const index = indexes.get(r.device) ?? new ContentIndex();
    const map = mapRead({ index, image: r.device === imageDevice ? input.image : null, layout: layouts.get(r.device) ?? null, records }, r, hashes);
    reads.push(map);
    bytesClassified += map.returned;
    for (const v of VERDICTS) verdicts[v] += map.counts[v];
    emitRunFindings(findings, r, map);
  }
  for (const [, index] of indexes) emitRereads(findings, blameUnproven(index.inconsistentRereads(), reads), records);
  emitCorrelationFindings(findings, records, corr);
  const replayHazards: ReplayHazard[] = [];
  const hypotheses =
    input.hypotheses === false
      ? null
      : rankHypotheses({ sources: input.sources, records, reads, findings: findings.list, image: input.image ?? null, imageDevice }, replayHazards);
  for (const f of replayHazardFindings(replayHazards, records)) findings.add(f);
  for (const f of disconnectFindings(input.sources, records, corr)) findings.add(f);

  const sorted = findings.sorted();
  const bySeverity: Record<FindingSeverity, number> = { error: 0, warning: 0, note: 0, chat: 0 };
  for (const f of sorted) bySeverity[f.severity]++;
  return {
    version: ANALYSIS_VERSION,
    records: records.map(summaryOf),
    reads,
    findings: sorted,
    correlation: corr,
    layouts: Object.fromEntries(layouts),
    imageDevice,
    hypotheses,
    stats: { records: records.length, readsWithData: reads.length, bytesClassified, verdicts, findings: bySeverity },
  };
}

function emitRunFindings(findings: FindingList, r: IoRecord, map: ReadMap): void {
  let truncFrom = -1;
  for (const run of map.runs) {
    const sev = severityOfRun(run);
    if (sev) {
      findings.add({
        severity: sev,
        kind: kindOfRun(run),
        summary: describeRun(run),
        read: readRef(r),
        bufRange: [run.bufStart, run.bufEnd],
        lbaRange: [run.lbaFirst, run.lbaLast],
        expected: { lba: run.lbaFirst, byteOffset: r.offset + run.bufStart, description: `LBA ${run.lbaFirst}` },
        actual: {
          lba: run.sourceLba,
          byteOffset: run.sourceByte,
          description: run.sourceLba === null ? 'unknown origin' : `content of LBA ${run.sourceLba}`,
        },
        displacement: run.displacement ?? undefined,
        evidence: run.evidence,
      });
    }
    if (run.verdict === 'unverifiable' && run.evidence.some((e) => e.kind === 'truncation') && truncFrom < 0) truncFrom = run.bufStart;
  }
  if (truncFrom >= 0) {
    findings.add({
      severity: 'chat',
      kind: 'unverifiable-data',
      summary: `bytes ${truncFrom}..${map.returned - 1} of this read are not (fully) in the trace: unverifiable`,
      read: readRef(r),
      bufRange: [truncFrom, map.returned],
      evidence: [{ kind: 'truncation', text: 'strace cut the string (-s)', ref: { source: r.source, line: r.line, io: r.id } }],
    });
  }
}

/**
 * A re-read whose later chunk the image or a stamp proves correct: the
 * earlier read returned the wrong bytes, so the finding goes to it.
 */
function blameUnproven(list: ReturnType<ContentIndex['inconsistentRereads']>, reads: ReadMap[]): ReturnType<ContentIndex['inconsistentRereads']> {
  const byIo = new Map(reads.map((m) => [m.io, m]));
  const proven = (io: number, buf: number) =>
    byIo.get(io)?.runs.some((r) => r.verdict === 'correct' && r.strength === 'strong' && buf >= r.bufStart && buf < r.bufEnd) ?? false;
  return list.map((x) => (proven(x.second.ref, x.second.bufOffset) && !proven(x.first.ref, x.first.bufOffset) ? { ...x, first: x.second, second: x.first } : x));
}

function emitRereads(findings: FindingList, list: ReturnType<ContentIndex['inconsistentRereads']>, records: IoRecord[]): void {
  for (const x of list) {
    const second = records[x.second.ref];
    const first = records[x.first.ref];
    if (!second) continue;
    const ev: Evidence[] = [
      { kind: 'reread', text: `read at line ${first?.line ?? '?'} returned other content for LBA ${x.lba}`, ref: first ? { source: first.source, line: first.line, io: first.id } : undefined },
      { kind: 'reread', text: `read at line ${second.line} returned this content`, ref: { source: second.source, line: second.line, io: second.id } },
    ];
    findings.add({
      severity: 'error',
      kind: 'inconsistent-reread',
      summary: `LBA ${x.lba} read twice with different content and no write in between (lines ${first?.line ?? '?'} and ${second.line})`,
      read: readRef(second),
      bufRange: [x.second.bufOffset, x.second.bufOffset + 512],
      lbaRange: [x.lba, x.lba],
      expected: { lba: x.lba, byteOffset: x.lba * 512, description: `what line ${first?.line ?? '?'} returned` },
      actual: { lba: null, byteOffset: null, description: `what line ${second.line} returned` },
      evidence: ev,
    });
  }
}

function emitCorrelationFindings(findings: FindingList, records: IoRecord[], corr: Correlation): void {
  if (!corr.blockSource) return;
  for (const r of records) {
    const link = corr.links[r.id];
    if (!link || link.devKey === null || link.sectors === 0) continue;
    if (r.direct && link.coveredSectors > link.sectors) {
      findings.add({
        severity: 'warning',
        kind: 'unexpected-split-or-merge',
        summary: `${r.name} addressed ${link.sectors} sectors but its bios cover ${link.coveredSectors}`,
        read: readRef(r),
        evidence: [{ kind: 'block-trace', text: `requests ${link.requests.join(', ')}` }],
      });
    } else if (r.direct && link.status === 'partial') {
      findings.add({
        severity: 'warning',
        kind: 'uncorrelated-io',
        summary: `${r.name}: only ${link.coveredSectors} of ${link.sectors} sectors found in the block trace`,
        read: readRef(r),
        evidence: [{ kind: 'block-trace', text: `bios ${link.bios.join(', ')}` }],
      });
    }
  }
}
