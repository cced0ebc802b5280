/**
 * Hypothesis ranking: which xen-blkfront generation (variants a–e,
 * design/xen-block-models.md §1.2–1.6) and which user-buffer page offset
 * explain the bytes the trace shows. Each hypothesis is a replay of the
 * device's I/O sequence (engine/replay, public API only) in trace order, so
 * the grant pool carries what earlier reads left in it; it is scored by how
 * many shown bytes it reproduces.
 *
 * Ground truth for the replay's disk: the reference image when loaded, else
 * what the trace itself proves (chunks the sector maps judged correct or
 * consistent, chunks a stamp or structure names the source of). Bytes whose
 * content nothing proves never count as reproduced.
 *
 * Search cost is bounded: clean reads are not searched (page offset 0 when
 * unknown, the most favourable for every variant), only reads with
 * corrupted chunks try the 8 page offsets of a 4 KiB page, each over a
 * window of the preceding operations, and an offset whose first ring
 * request already contradicts the trace is dropped after a short probe.
 */
import type { ParsedSource } from '../../parsers/model/source';
import { DATA_PRESENT, SegKind, type SyscallStore } from '../../parsers/model/syscalls';
import { defaultConfig, VARIANTS, XEN_PAGE_SIZE, type ReplayConfig, type Variant } from '../replay/config';
import type { Disk } from '../replay/disk';
import { replay, type OpReplay } from '../replay/replay';
import type { ProvenanceSource, WorkloadOp } from '../replay/types';
import type { Finding } from './findings';
import type { ReplayHazard } from './hazards';
import { hashSectors, keyOf, type HashKey } from './hash';
import type { SectorSource } from './image';
import type { IoRecord } from './io';
import type { ReadMap, Verdict } from './sectorMap';
import { readStamp, UNIT } from './stamps';

export type VariantId = Variant;

export const VARIANT_NAMES: Record<Variant, string> = {
  a: 'zero-copy (≤ v3.7)',
  b: '0a8704a51 (persistent grants, i = offset >> PAGE_SHIFT)',
  c: 'd62f69185 (if bv_offset < offset: i++)',
  d: 'b7649158a0d2 (per-request scatterlist)',
  e: 'modern (indirect descriptors, bounce)',
};

/** Byte counts of one hypothesis over the bytes the trace shows. */
export interface ByteScore {
  /** Shown bytes compared (the trace shows them and the replay returned them). */
  shown: number;
  /** Known content, equal to the trace. */
  reproduced: number;
  /** Stale grant-page bytes whose content an earlier read (or write) of the trace had. */
  explainedByTrace: number;
  /** Stale grant-page bytes of unknown history where the trace shows corrupted data. */
  explainedByHistory: number;
  /** Known content (or a proven corruption) that the replay does not produce. */
  contradicted: number;
}

export interface ReadCandidate extends ByteScore {
  variant: Variant;
  pageOffset: number;
  /** Dropped after the probe of its first ring request. */
  pruned?: boolean;
}

export type AddressSource = 'raw' | 'iovec' | 'iocb' | 'log';

export interface ReadExplanation {
  io: number;
  source: string;
  line: number;
  device: string;
  /** 1-based position among the device's reads. */
  readNo: number;
  offset: number;
  length: number;
  /** How the buffer address is known; null: every page offset was tried. */
  address: AddressSource | null;
  pageOffset: number | null;
  /** Best first; one per (variant, page offset) tried. */
  candidates: ReadCandidate[];
  /** Variants that cannot produce this read at any page offset tried. */
  impossible: Variant[];
  text: string;
}

export interface HypothesisScore extends ByteScore {
  variant: VariantId;
  /** Seam fields: shown bytes matched (reproduced + explained) and compared. */
  matched: number;
  compared: number;
  /** No shown byte contradicts it. */
  possible: boolean;
  /** 1 = best; equal scores share a rank. */
  rank: number;
  notes: string[];
}

export interface HypothesisReport {
  /** Ranked, best first. */
  variants: HypothesisScore[];
  /** Reads with corrupted chunks, each with its ranked candidates. */
  reads: ReadExplanation[];
  /** The grant pool's content before the trace is not known (no vbd connect in the trace). */
  poolHistory: 'unknown' | 'known';
  /** The best explanation in words, then one sentence per finding. */
  text: string[];
  cost: { replays: number; replayedOps: number; searchedReads: number; prunedOffsets: number };
}

export interface HypothesisRanker {
  rank(input: HypothesisInput): HypothesisReport;
}

export interface HypothesisInput {
  sources: ParsedSource[];
  records: IoRecord[];
  reads: ReadMap[];
  findings: Finding[];
  image?: SectorSource | null;
  imageDevice?: string | null;
  variants?: readonly Variant[];
  /** Replay configuration per variant (default: defaultConfig(variant)). */
  config?: (variant: Variant) => ReplayConfig;
}

/* ---------------------------------------------------------------- buffer addresses */

export interface BufferAddress {
  bufAddr: number;
  iovecs?: { base: number; len: number }[];
  how: AddressSource;
  /** Syscall row of the program's log line that gave it (how = 'log'). */
  logRow?: number;
}

const LOG_OFF = /\boff(?:set)?=(\d+)/;
const LOG_LEN = /\blen(?:gth)?=(\d+)/;
const LOG_BUF = /\bbuf=(0x[0-9a-fA-F]+)/;
const LOG_IOV = /\biov=\[([^\]]*)\]/;
const LOG_IOV_ITEM = /\{(0x[0-9a-fA-F]+),(\d+)/g;

interface LogLine {
  row: number;
  pid: number;
  offset: number;
  length: number;
  addr: BufferAddress;
}

/** Program log lines (`off=… len=… buf=0x…` or `iov=[{0x…,len,…}]`) the traced program wrote before each read. */
function logLines(st: SyscallStore, isDevice: (row: number) => boolean): LogLine[] {
  const out: LogLine[] = [];
  const dec = new TextDecoder('latin1');
  for (let row = 0; row < st.length; row++) {
    const name = st.nameOf(row);
    if (name !== 'write' && name !== 'pwrite64' && name !== 'writev') continue;
    if (!(st.dataFlags[row] & DATA_PRESENT) || isDevice(row)) continue;
    const text = dec.decode(st.bytesOf(row));
    if (!text.includes('off')) continue;
    for (const line of text.split('\n')) {
      const off = LOG_OFF.exec(line);
      const len = LOG_LEN.exec(line);
      if (!off || !len) continue;
      const buf = LOG_BUF.exec(line);
      const iov = LOG_IOV.exec(line);
      let addr: BufferAddress | null = null;
      if (iov) {
        const iovecs: { base: number; len: number }[] = [];
        for (const m of iov[1].matchAll(LOG_IOV_ITEM)) iovecs.push({ base: Number(m[1]), len: Number(m[2]) });
        if (iovecs.length > 0) addr = { bufAddr: iovecs[0].base, iovecs, how: 'log' };
      } else if (buf) addr = { bufAddr: Number(buf[1]), how: 'log' };
      if (addr) out.push({ row, pid: st.pid[row], offset: Number(off[1]), length: Number(len[1]), addr });
    }
  }
  return out;
}

/**
 * User-buffer address of each I/O record when the trace shows it: `-e raw=`
 * arguments, iovec bases, iocb buffers, or the program's own log line
 * (matched to the next read of the same offset and length, same thread first).
 */
export function bufferAddresses(sources: ParsedSource[], records: IoRecord[]): Map<number, BufferAddress> {
  const out = new Map<number, BufferAddress>();
  const bySource = new Map<number, IoRecord[]>();
  for (const r of records) {
    const l = bySource.get(r.sourceIndex);
    if (l) l.push(r);
    else bySource.set(r.sourceIndex, [r]);
  }
  for (const [si, recs] of bySource) {
    const st = sources[si]?.syscalls;
    if (!st) continue;
    const deviceRows = new Set(recs.map((r) => r.row));
    for (const r of recs) {
      if (r.seg >= 0) {
        const b = st.segBuf[r.seg];
        if (Number.isFinite(b)) out.set(r.id, { bufAddr: b, how: 'iocb' });
        continue;
      }
      if (Number.isFinite(st.bufAddr[r.row])) {
        out.set(r.id, { bufAddr: st.bufAddr[r.row], how: 'raw' });
        continue;
      }
      const [s0, s1] = st.segmentsOf(r.row);
      const iovecs: { base: number; len: number }[] = [];
      for (let s = s0; s < s1; s++) if (st.segKind[s] === SegKind.Iovec) iovecs.push({ base: st.segBuf[s], len: st.segLen[s] });
      if (iovecs.length > 0 && iovecs.every((v) => Number.isFinite(v.base) && Number.isFinite(v.len))) {
        out.set(r.id, { bufAddr: iovecs[0].base, iovecs, how: 'iovec' });
      }
    }
    const logs = logLines(st, (row) => deviceRows.has(row));
    if (logs.length === 0) continue;
    const pending = recs.filter((r) => r.seg < 0 && !out.has(r.id)).sort((a, b) => a.row - b.row);
    const taken = new Set<number>();
    for (const lg of logs) {
      let pick: IoRecord | null = null;
      for (const r of pending) {
        if (r.row <= lg.row || taken.has(r.id) || r.offset !== lg.offset || r.length !== lg.length) continue;
        if (r.pid === lg.pid) {
          pick = r;
          break;
        }
        pick ??= r;
      }
      if (!pick) continue;
      taken.add(pick.id);
      const total = lg.addr.iovecs ? lg.addr.iovecs.reduce((s, v) => s + v.len, 0) : pick.length;
      if (total === pick.length) out.set(pick.id, { ...lg.addr, logRow: lg.row });
    }
  }
  return out;
}

/* ---------------------------------------------------------------- device sequences */

/** Base of the arena for buffers known only by a page offset (page aligned, like dio.c's). */
export const GUESS_BASE = 0x10000000;

export interface DeviceSequence {
  device: string;
  /** Records replayed, in trace order (op id = index). */
  records: IoRecord[];
  /** Address per op when the trace shows it. */
  known: (BufferAddress | null)[];
}

/**
 * The I/O a replay of one device runs: O_DIRECT records of the device when
 * the trace shows the open flags, else all of them; sector-aligned offset
 * and length; failed calls left out (they never reached the driver).
 */
export function deviceSequences(records: IoRecord[], addresses: Map<number, BufferAddress>, requireData = true): DeviceSequence[] {
  const byDev = new Map<string, IoRecord[]>();
  for (const r of records) {
    if (!Number.isFinite(r.offset) || !(r.length > 0) || r.offset % 512 !== 0 || r.length % 512 !== 0) continue;
    if (r.errno !== 0 || r.result < 0) continue;
    const l = byDev.get(r.device);
    if (l) l.push(r);
    else byDev.set(r.device, [r]);
  }
  const out: DeviceSequence[] = [];
  for (const [device, all] of byDev) {
    const direct = all.some((r) => r.direct) ? all.filter((r) => r.direct) : all;
    const recs = direct.map((r, i) => ({ r, i })).sort((x, y) => x.r.order - y.r.order || x.i - y.i).map((x) => x.r);
    if (requireData && !recs.some((r) => r.op === 'read' && r.data)) continue;
    out.push({ device, records: recs, known: recs.map((r) => addresses.get(r.id) ?? null) });
  }
  return out;
}

/** Workload op of a record with the buffer at `addr` (or the guessed page offset). */
export function opOf(r: IoRecord, k: number, addr: BufferAddress | null, pageOffset: number, length = r.length): WorkloadOp {
  const op: WorkloadOp = {
    id: k,
    op: r.op,
    offset: r.offset,
    length,
    bufAddr: addr ? addr.bufAddr : GUESS_BASE + pageOffset,
    timeNs: Number.isFinite(r.order) ? r.order : k,
    source: { file: r.source, line: r.line, row: r.row },
  };
  if (addr?.iovecs && length === r.length) op.iovecs = addr.iovecs;
  if (r.op === 'write' && r.data && !r.truncated && r.data.length >= r.length) op.data = r.data.subarray(0, r.length);
  return op;
}

/* ---------------------------------------------------------------- what the trace proves */

/** Device content known before the trace: the image, or bytes the trace proves (per-byte mask, null = whole sector). */
class KnownDisk implements Disk {
  readonly sectors: number;
  private readonly bytes = new Map<number, Uint8Array>();
  private readonly mask = new Map<number, Uint8Array | null>();

  constructor(
    sectors: number,
    private readonly image: SectorSource | null,
  ) {
    this.sectors = image ? image.sectorCount : sectors;
  }

  learn(devByte: number, src: Uint8Array, at: number, n: number): void {
    if (n === 512 && devByte % 512 === 0) {
      // Whole sector: one copy, no mask.
      // Whole sector: a view of the trace's bytes (read-only here), no mask.
      const lba = devByte / 512;
      this.bytes.set(lba, src.subarray(at, at + 512));
      this.mask.set(lba, null);
      return;
    }
    for (let i = 0; i < n; i++) {
      const b = devByte + i;
      const lba = Math.floor(b / 512);
      let m = this.mask.get(lba);
      if (m === null) continue; // whole sector known already
      let s = this.bytes.get(lba);
      if (!s) this.bytes.set(lba, (s = new Uint8Array(512)));
      if (!m) this.mask.set(lba, (m = new Uint8Array(512)));
      s[b - lba * 512] = src[at + i];
      m[b - lba * 512] = 1;
    }
  }

  /** Known bytes of [devByte, devByte+n): 'all', 'none' or 'some'. */
  known(devByte: number, n: number): 'all' | 'none' | 'some' {
    if (this.image) return devByte + n <= this.image.sectorCount * 512 ? 'all' : 'none';
    if (devByte % 512 === 0 && n <= 512 && this.mask.get(devByte / 512) === null) return 'all';
    let k = 0;
    for (let i = 0; i < n; i++) if (this.isKnown(devByte + i)) k++;
    return k === n ? 'all' : k === 0 ? 'none' : 'some';
  }

  isKnown(devByte: number): boolean {
    if (this.image) return devByte < this.image.sectorCount * 512;
    const lba = Math.floor(devByte / 512);
    const m = this.mask.get(lba);
    return m === null || m?.[devByte - lba * 512] === 1;
  }

  readSectors(lba: number, count: number): Uint8Array {
    const out = new Uint8Array(count * 512);
    if (this.image) {
      const n = Math.max(0, Math.min(count, this.image.sectorCount - lba));
      const b = n > 0 ? this.image.readSectors(lba, n) : null;
      if (b) out.set(b.subarray(0, n * 512));
      return out;
    }
    for (let i = 0; i < count; i++) {
      const s = this.bytes.get(lba + i);
      if (s) out.set(s, i * 512);
    }
    return out;
  }
}

const CORRUPT = new Set<Verdict>(['misplaced', 'stale', 'stale-or-unknown', 'duplicate']);

/** Per 512-byte buffer unit of a read: the sector map's verdict and identified source sector. */
interface UnitInfo {
  verdict: Verdict[];
  source: number[]; // NaN = none
  corrupt: boolean[];
}

function unitInfo(map: ReadMap, rereads: Finding[]): UnitInfo {
  const n = Math.ceil(map.returned / 512);
  const info: UnitInfo = { verdict: new Array<Verdict>(n).fill('unverifiable'), source: new Array<number>(n).fill(NaN), corrupt: new Array<boolean>(n).fill(false) };
  for (const run of map.runs) {
    for (let b = run.bufStart; b < run.bufEnd; b += 512) {
      const u = Math.floor(b / 512);
      if (u >= n) break;
      info.verdict[u] = run.verdict;
      info.corrupt[u] = CORRUPT.has(run.verdict) && (run.strength === 'strong' || run.verdict === 'duplicate');
      if (run.sourceLba !== null && (run.verdict === 'misplaced' || run.verdict === 'stale')) info.source[u] = run.sourceLba + (u - Math.floor(run.bufStart / 512));
    }
  }
  for (const f of rereads) {
    if (!f.bufRange) continue;
    for (let b = f.bufRange[0]; b < f.bufRange[1]; b += 512) if (b / 512 < n) info.corrupt[Math.floor(b / 512)] = true;
  }
  return info;
}

/** Learns what the trace proves about the device before any write: correct/consistent chunks and named sources. */
function learnFromTrace(disk: KnownDisk, seq: DeviceSequence, maps: Map<number, ReadMap>): void {
  const firstWrite = new Map<number, number>();
  for (const r of seq.records) {
    if (r.op !== 'write') continue;
    for (let lba = r.offset / 512; lba < (r.offset + r.length) / 512; lba++) if (!firstWrite.has(lba)) firstWrite.set(lba, r.order);
  }
  const before = (lba: number, order: number) => !firstWrite.has(lba) || order < firstWrite.get(lba)!;
  for (const r of seq.records) {
    const map = maps.get(r.id);
    if (!map || !r.data) continue;
    for (const run of map.runs) {
      if (run.verdict !== 'correct' && run.verdict !== 'consistent') {
        // A stamped chunk names the device bytes it holds, whatever its verdict (also when -s cut it).
        for (let b = run.bufStart; b < run.bufEnd; b += 512) {
          const vis = visible(r, b, Math.min(512, run.bufEnd - b));
          const st = vis >= UNIT ? readStamp(r.data, b, vis) : null;
          if (st && st.contiguous && before(Math.floor(st.srcByte / 512), r.order)) disk.learn(st.srcByte, r.data, b, vis);
        }
      }
      const named = run.verdict === 'misplaced' && run.sourceLba !== null && run.evidence.some((e) => e.kind === 'stamp' || e.kind === 'structure' || e.kind === 'layout');
      if (run.verdict !== 'correct' && run.verdict !== 'consistent' && !named) continue;
      for (let b = run.bufStart; b < run.bufEnd; b += 512) {
        const vis = visible(r, b, Math.min(512, run.bufEnd - b));
        if (vis === 0) continue;
        const k = (b - run.bufStart) / 512;
        const dev = named ? (run.sourceByte ?? run.sourceLba! * 512) + k * 512 : r.offset + b;
        if (before(Math.floor(dev / 512), r.order)) disk.learn(dev, r.data, b, vis);
      }
    }
  }
}

/** Bytes of [b, b+len) the trace shows (from the start of the unit). */
function visible(r: IoRecord, b: number, len: number): number {
  const limit = Number.isFinite(r.result) ? Math.min(r.result, r.data ? r.data.length : 0) : 0;
  for (const [s, e] of r.shown) if (b >= s && b < e) return Math.max(0, Math.min(len, e - b, limit - b));
  return 0;
}

/* ---------------------------------------------------------------- scoring */

interface ScoreContext {
  disk: KnownDisk;
  /** Content hash → first op index (in the sequence) whose shown bytes had it. */
  seen: Map<HashKey, number>;
  /** Every op's buffer address is known: stale positions in grant pages are exact. */
  exactPool: boolean;
  writeKnown: (opId: number) => boolean;
}

const h2 = new Uint32Array(2);

function unitHash(b: Uint8Array, at: number): HashKey {
  hashSectors(b, at, 1, h2);
  return keyOf(h2[0], h2[1]);
}

function emptyScore(): ByteScore {
  return { shown: 0, reproduced: 0, explainedByTrace: 0, explainedByHistory: 0, contradicted: 0 };
}

/** Device byte the unit's predicted content comes from, and whether its bytes are exact (position known). */
function predictedOrigin(src: ProvenanceSource, rel: number, ctx: ScoreContext): { dev: number; exact: boolean; zero?: boolean; writer?: number } | null {
  switch (src.kind) {
    case 'disk':
      return { dev: src.start + rel, exact: true, writer: src.writtenBy };
    case 'stale':
      if (src.content?.kind === 'disk') return { dev: src.content.start + rel, exact: ctx.exactPool, writer: src.content.writtenBy };
      if (src.content?.kind === 'user' && ctx.exactPool && ctx.writeKnown(src.content.opId)) return { dev: NaN, exact: true, writer: src.content.opId };
      return null;
    case 'zero':
      return { dev: NaN, exact: true, zero: true };
    default:
      return null;
  }
}

/** Scores one replayed read against the trace, unit by unit. */
function scoreRead(r: IoRecord, opIndex: number, out: OpReplay, info: UnitInfo, ctx: ScoreContext): ByteScore {
  const s = emptyScore();
  const got = out.bytes;
  const obs = r.data;
  if (!got || !obs) return s;
  for (const run of out.provenance) {
    for (let b = run.bufStart; b < run.bufEnd; b += 512) {
      const vis = visible(r, b, 512);
      if (vis === 0 || b + vis > got.length) continue;
      const u = b / 512;
      s.shown += vis;
      const origin = predictedOrigin(run.source, b - run.bufStart, ctx);
      const own = Math.floor((r.offset + b) / 512);
      const corrupt = info.corrupt[u] ?? false;
      const verdict = info.verdict[u] ?? 'unverifiable';
      const same = () => {
        for (let i = 0; i < vis; i++) if (got[b + i] !== obs[b + i]) return false;
        return true;
      };
      if (origin && origin.exact) {
        const known = origin.zero || (origin.writer !== undefined ? ctx.writeKnown(origin.writer) : ctx.disk.known(origin.dev, vis) === 'all');
        if (known) {
          if (same()) s.reproduced += vis;
          else s.contradicted += vis;
          continue;
        }
        if (!Number.isNaN(origin.dev) && origin.writer === undefined) {
          // Partly known content: any known byte that differs contradicts.
          let differs = false;
          for (let i = 0; i < vis && !differs; i++) if (ctx.disk.isKnown(origin.dev + i) && got[b + i] !== obs[b + i]) differs = true;
          if (differs) {
            s.contradicted += vis;
            continue;
          }
          const src = Math.floor(origin.dev / 512);
          if (src === own) {
            if (corrupt) s.contradicted += vis;
          } else if (verdict === 'misplaced' && info.source[u] === src) s.reproduced += vis;
          else if (verdict === 'correct' || corrupt) s.contradicted += vis;
          continue;
        }
      }
      // Stale grant-page bytes whose content or position is not known.
      if (vis === 512 && (ctx.seen.get(unitHash(obs, b)) ?? Infinity) < opIndex) s.explainedByTrace += vis;
      else if (corrupt) s.explainedByHistory += vis;
      else if (verdict === 'correct') s.contradicted += vis;
    }
  }
  return s;
}

function add(a: ByteScore, b: ByteScore): void {
  a.shown += b.shown;
  a.reproduced += b.reproduced;
  a.explainedByTrace += b.explainedByTrace;
  a.explainedByHistory += b.explainedByHistory;
  a.contradicted += b.contradicted;
}

const matchedOf = (s: ByteScore) => s.reproduced + s.explainedByTrace + s.explainedByHistory;

/** Best first: nothing contradicted, most bytes matched, most reproduced exactly, fewest assumed from unknown history. */
function better(a: ByteScore, b: ByteScore): number {
  return (
    (a.contradicted === 0 ? 0 : 1) - (b.contradicted === 0 ? 0 : 1) ||
    matchedOf(b) - a.contradicted - (matchedOf(a) - b.contradicted) ||
    b.reproduced - a.reproduced ||
    a.explainedByHistory - b.explainedByHistory
  );
}

/* ---------------------------------------------------------------- search */

/** Ops replayed before a searched read (older pool history is treated as unknown). */
export const SEARCH_WINDOW = 24;
/** Reads searched per device; the rest keep page offset 0. */
export const MAX_SEARCHED_READS = 64;
export const PAGE_OFFSETS = [0, 512, 1024, 1536, 2048, 2560, 3072, 3584];
/** Shown read bytes per device replayed and scored under every variant (the rest: only reads with corrupted chunks). */
export const CLEAN_BYTE_BUDGET = 1 << 20;

interface Runner {
  replays: number;
  replayedOps: number;
}

function replayOne(ops: WorkloadOp[], cfg: ReplayConfig, disk: Disk, wanted: number, runner: Runner): OpReplay | null {
  let hit: OpReplay | null = null;
  runner.replays++;
  runner.replayedOps += ops.length;
  replay(ops, cfg, disk, { detail: false, keepOps: false, onOp: (o) => (o.opId === wanted ? (hit = o) : undefined) });
  return hit;
}

/** `hazardsOut` receives the hazards the replays of the first-ranked variant(s) raised (hazards.ts makes findings of them). */
export function rankHypotheses(input: HypothesisInput, hazardsOut?: ReplayHazard[]): HypothesisReport {
  const variants = input.variants ?? VARIANTS;
  const configOf = input.config ?? ((v: Variant) => defaultConfig(v));
  const addresses = bufferAddresses(input.sources, input.records);
  const sequences = deviceSequences(input.records, addresses);
  const maps = new Map(input.reads.map((m) => [m.io, m]));
  const rereads = new Map<number, Finding[]>();
  for (const f of input.findings) {
    if (f.kind !== 'inconsistent-reread' || !f.read) continue;
    const l = rereads.get(f.read.io);
    if (l) l.push(f);
    else rereads.set(f.read.io, [f]);
  }
  const runner: Runner = { replays: 0, replayedOps: 0 };
  const totals = new Map<Variant, ByteScore>(variants.map((v) => [v, emptyScore()]));
  const hazardsOf = new Map<Variant, ReplayHazard[]>(variants.map((v) => [v, []]));
  const explanations: ReadExplanation[] = [];
  let searchedReads = 0;
  let prunedOffsets = 0;
  let cleanCut = false;

  for (const seq of sequences) {
    const n = seq.records.length;
    let maxByte = 0;
    for (const r of seq.records) maxByte = Math.max(maxByte, r.offset + (r.op === 'read' && r.result >= 0 ? r.result : r.length));
    const image = input.image && input.imageDevice === seq.device ? input.image : null;
    const disk = new KnownDisk(Math.ceil(maxByte / 512), image);
    if (!image) learnFromTrace(disk, seq, maps);
    // Clean reads are scored up to a byte budget (the first ops of the sequence); the rest only feed the pool.
    let scoredPrefix = n;
    let shownSoFar = 0;
    for (let k = 0; k < n; k++) {
      const r = seq.records[k];
      if (r.op === 'read' && r.data) shownSoFar += r.data.length;
      if (shownSoFar > CLEAN_BYTE_BUDGET) {
        scoredPrefix = k + 1;
        break;
      }
    }
    if (scoredPrefix < n) cleanCut = true;
    let needed = scoredPrefix;
    seq.records.forEach((r, k) => {
      if (k >= needed && r.op === 'read' && maps.get(r.id)?.runs.some((x) => CORRUPT.has(x.verdict))) needed = k + 1;
    });
    const seen = new Map<HashKey, number>();
    seq.records.forEach((r, k) => {
      if (!r.data || k >= needed) return;
      const len = r.op === 'read' ? Math.max(0, r.result) : r.length;
      for (let b = 0; b + 512 <= len; b += 512) {
        if (visible(r, b, 512) !== 512) continue;
        const h = unitHash(r.data, b);
        if (!seen.has(h)) seen.set(h, k);
      }
    });
    const ctx: ScoreContext = {
      disk,
      seen,
      exactPool: seq.known.every((a) => a !== null),
      writeKnown: (id) => {
        const r = seq.records[id];
        return !!r && r.op === 'write' && !!r.data && !r.truncated && r.data.length >= r.length;
      },
    };
    const infos = seq.records.map((r) => {
      const m = maps.get(r.id);
      return m && r.op === 'read' && r.data ? unitInfo(m, rereads.get(r.id) ?? []) : null;
    });
    const targets: number[] = [];
    infos.forEach((inf, k) => {
      if (inf && inf.corrupt.some(Boolean)) targets.push(k);
    });
    const readNo: number[] = [];
    let nr = 0;
    for (const r of seq.records) readNo.push(r.op === 'read' ? ++nr : 0);
    const candidates = new Map<number, ReadCandidate[]>(targets.map((k) => [k, []]));
    const searchedScore = new Map<string, ByteScore>();

    for (const v of variants) {
      const cfg = configOf(v);
      const offsets = new Array<number>(n).fill(0);
      const opsWith = (from: number, to: number, k: number, p: number, len?: number) => {
        const ops: WorkloadOp[] = [];
        for (let i = from; i <= to; i++) ops.push(opOf(seq.records[i], i, seq.known[i], i === k ? p : offsets[i], i === k ? len : undefined));
        return ops;
      };
      let searched = 0;
      for (const k of targets) {
        if (seq.known[k] || searched >= MAX_SEARCHED_READS) continue;
        searched++;
        const r = seq.records[k];
        const from = Math.max(0, k - SEARCH_WINDOW);
        let best: ReadCandidate | null = null;
        for (const p of PAGE_OFFSETS) {
          // Probe: the first ring request at most (11 segments of 4 KiB, or the queue's max sectors).
          const probeLen = Math.floor(Math.min(r.length, cfg.limits.maxSectors * 512, cfg.limits.maxSegments * XEN_PAGE_SIZE - p) / 512) * 512;
          if (probeLen > 0 && probeLen < r.length) {
            const o = replayOne(opsWith(from, k, k, p, probeLen), cfg, disk, k, runner);
            const s = o ? scoreRead(r, k, o, infos[k]!, ctx) : null;
            if (s && s.contradicted > 0) {
              prunedOffsets++;
              candidates.get(k)!.push({ variant: v, pageOffset: p, ...s, pruned: true });
              continue;
            }
          }
          const o = replayOne(opsWith(from, k, k, p), cfg, disk, k, runner);
          if (!o) continue;
          const s = scoreRead(r, k, o, infos[k]!, ctx);
          const c: ReadCandidate = { variant: v, pageOffset: p, ...s };
          candidates.get(k)!.push(c);
          if (!best || better(c, best) < 0) best = c;
        }
        if (best) {
          offsets[k] = best.pageOffset;
          searchedScore.set(`${v}:${k}`, best);
        } else {
          const pr = candidates.get(k)!.filter((c) => c.variant === v).sort(better)[0];
          if (pr) searchedScore.set(`${v}:${k}`, pr);
        }
      }
      if (searched > searchedReads) searchedReads = searched;
      // The sequence with the chosen offsets, up to the clean-read byte budget: scores of every read with data.
      const tot = totals.get(v)!;
      const take = (o: OpReplay) => {
        const k = o.opId;
        for (const hz of o.hazards) hazardsOf.get(v)!.push({ variant: v, hazard: hz, io: seq.records[hz.opId]?.id ?? null });
        const inf = infos[k];
        if (!inf) return;
        const prior = searchedScore.get(`${v}:${k}`);
        if (prior) {
          add(tot, prior);
          return;
        }
        const s = scoreRead(seq.records[k], k, o, inf, ctx);
        add(tot, s);
        if (candidates.has(k)) {
          const known = seq.known[k];
          candidates.get(k)!.push({ variant: v, pageOffset: known ? known.bufAddr % XEN_PAGE_SIZE : offsets[k], ...s });
        }
      };
      const m = scoredPrefix;
      runner.replays++;
      runner.replayedOps += m;
      replay(opsWith(0, m - 1, -1, 0), cfg, disk, { detail: false, keepOps: false, onOp: take });
      // Reads with corrupted chunks past the budget: each over its own window.
      for (const k of targets) {
        if (k < m || searchedScore.has(`${v}:${k}`)) continue;
        const o = replayOne(opsWith(Math.max(0, k - SEARCH_WINDOW), k, -1, 0), cfg, disk, k, runner);
        if (o) take(o);
      }
    }
    for (const k of targets) {
      const r = seq.records[k];
      const list = candidates.get(k)!.sort(better);
      const bestOf = new Map<Variant, ReadCandidate>();
      for (const c of list) if (!bestOf.has(c.variant)) bestOf.set(c.variant, c);
      const impossible = variants.filter((v) => (bestOf.get(v)?.contradicted ?? 1) > 0).sort();
      const known = seq.known[k];
      const ex: ReadExplanation = {
        io: r.id,
        source: r.source,
        line: r.line,
        device: seq.device,
        readNo: readNo[k],
        offset: r.offset,
        length: r.length,
        address: known ? known.how : null,
        pageOffset: known ? known.bufAddr % XEN_PAGE_SIZE : null,
        candidates: list,
        impossible,
        text: '',
      };
      ex.text = describeRead(ex, bestOf, variants);
      explanations.push(ex);
    }
  }

  const scores: HypothesisScore[] = variants.map((v) => {
    const t = totals.get(v)!;
    const notes: string[] = [];
    for (const ex of explanations) {
      const c = ex.candidates.find((x) => x.variant === v && !x.pruned);
      if (!c) continue;
      notes.push(
        c.contradicted > 0
          ? `read #${ex.readNo} (line ${ex.line}): contradicted on ${c.contradicted} shown bytes at best (page offset ${c.pageOffset})`
          : `read #${ex.readNo} (line ${ex.line}): explained with the buffer at page offset ${c.pageOffset}`,
      );
    }
    return { variant: v, ...t, matched: matchedOf(t), compared: t.shown, possible: t.contradicted === 0, rank: 0, notes };
  });
  scores.sort((a, b) => better(a, b) || VARIANTS.indexOf(a.variant) - VARIANTS.indexOf(b.variant));
  scores.forEach((s, i) => (s.rank = i > 0 && better(s, scores[i - 1]) === 0 ? scores[i - 1].rank : i + 1));

  if (hazardsOut) for (const s of scores) if (s.rank === 1) hazardsOut.push(...hazardsOf.get(s.variant)!);
  const poolHistory = 'unknown';
  const text = summaryText(scores, explanations, sequences.length > 0);
  if (cleanCut) text.push(`Reads without corrupted chunks were scored over the first ${CLEAN_BYTE_BUDGET >> 20} MiB of shown data per device only.`);
  return {
    variants: scores,
    reads: explanations,
    poolHistory,
    text,
    cost: { replays: runner.replays, replayedOps: runner.replayedOps, searchedReads, prunedOffsets },
  };
}

/* ---------------------------------------------------------------- words */

function bytesPhrase(c: ByteScore): string {
  const parts: string[] = [];
  if (c.reproduced > 0) parts.push(`${c.reproduced} as the disk holds them`);
  if (c.explainedByTrace > 0) parts.push(`${c.explainedByTrace} as stale grant-page bytes earlier I/O of the trace carried`);
  if (c.explainedByHistory > 0) parts.push(`${c.explainedByHistory} as stale grant-page bytes from before the trace (pool history unknown)`);
  return parts.join(', ');
}

function variantLabel(v: Variant): string {
  return `variant ${v} ${VARIANT_NAMES[v]}`;
}

function describeRead(ex: ReadExplanation, bestOf: Map<Variant, ReadCandidate>, variants: readonly Variant[]): string {
  const best = ex.candidates[0];
  const what = `read #${ex.readNo} (line ${ex.line}, ${ex.length} bytes at offset ${ex.offset})`;
  if (!best) return `${what}: no hypothesis could be replayed`;
  const where = ex.address ? `with the buffer at page offset ${best.pageOffset} (address from ${ex.address})` : `with the buffer at page offset ${best.pageOffset}`;
  let s = `${variantLabel(best.variant)} ${where} reproduces ${matchedOf(best)} of ${best.shown} shown bytes of ${what}`;
  const detail = bytesPhrase(best);
  if (detail) s += ` (${detail})`;
  if (best.contradicted > 0) s += `; ${best.contradicted} shown bytes contradict it`;
  const others = variants.filter((v) => v !== best.variant && bestOf.has(v)).map((v) => `${v}: ${matchedOf(bestOf.get(v)!)}${bestOf.get(v)!.contradicted > 0 ? ` (${bestOf.get(v)!.contradicted} contradicted)` : ''}`);
  if (others.length > 0) s += `; the other variants reproduce ${others.join(', ')}`;
  const imp = ex.impossible;
  if (imp.length > 0) s += `. Variant${imp.length > 1 ? 's' : ''} ${imp.join(', ')} cannot produce this observation${ex.address ? '' : ' at any page offset'}`;
  return s + '.';
}

function summaryText(scores: HypothesisScore[], reads: ReadExplanation[], any: boolean): string[] {
  if (!any) return ['No read of a replayable device shows its data: no hypothesis to rank.'];
  const out: string[] = [];
  const top = scores.filter((s) => s.rank === 1);
  const best = top[0];
  if (reads.length === 0) {
    out.push(`No read shows corrupted data; ${top.map((s) => s.variant).join(', ')} explain every shown byte equally well.`);
  } else if (top.length > 1) {
    out.push(`Variants ${top.map((s) => s.variant).join(', ')} explain the trace equally well (${matchedOf(best)} of ${best.shown} shown bytes).`);
  } else {
    out.push(`Best explanation: ${variantLabel(best.variant)} reproduces ${matchedOf(best)} of ${best.shown} shown bytes (${bytesPhrase(best) || 'none'}).`);
  }
  for (const ex of reads) out.push(ex.text);
  const impossible = scores.filter((s) => !s.possible).map((s) => s.variant).sort();
  if (impossible.length > 0) out.push(`Variant${impossible.length > 1 ? 's' : ''} ${impossible.join(', ')} cannot produce the observation.`);
  if (scores.some((s) => s.explainedByHistory > 0)) {
    out.push('The grant pool history before the trace is unknown (the trace does not start with the device connecting): stale bytes no traced I/O explains are attributed to earlier, untraced I/O.');
  }
  return out;
}
