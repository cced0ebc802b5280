/**
 * Binary blktrace records (`struct blk_io_trace`, include/uapi/linux/blktrace_api.h):
 * version 7 (48-byte header) and version 8 (`blk_io_trace2`, 64 bytes), in
 * either byte order, as written by blktrace per CPU, by `blktrace -o -`, by
 * `blkparse -d`, or by the ftrace blk tracer in `bin` mode.
 *
 * The decoder reads fields straight from the chunk buffers through a DataView
 * and appends to the columnar BlockEventStore; no object is made per record.
 * A record that straddles two chunks is completed in a small carry buffer
 * that only ever receives the bytes that record still needs.
 *
 * Unlike blkparse, which stops at the first bad magic, a damaged region is
 * skipped by scanning for the next plausible header and reported once with
 * its byte range.
 */
import type { FormatSpec, Sniff } from './format';
import { Action } from './model/actions';
import { BlockEventStore, ExtraKind } from './model/blockEvents';
import { DiagnosticSink } from './model/source';
import type { ChunkParser, ParsedSource } from './model/source';
import { applyBlkparseOrder, BLKPARSE_BATCH, attachProcessNotes } from './blktraceSet';
import type { ProcessNote } from './blktraceSet';

/* blktrace_api.h: BLK_IO_TRACE_MAGIC 0x65617400, low byte = version. */
const MAGIC_B1 = 0x61;
const MAGIC_B2 = 0x74;
const MAGIC_B3 = 0x65;

/* BLK_TC_* category bits, i.e. action >> BLK_TC_SHIFT (16). */
const TC_WRITE = 1 << 1;
const TC_FLUSH = 1 << 2;
const TC_SYNC = 1 << 3;
const TC_PC = 1 << 9;
const TC_NOTIFY = 1 << 10;
const TC_AHEAD = 1 << 11;
const TC_META = 1 << 12;
const TC_DISCARD = 1 << 13;
const TC_FUA = 1 << 15;

/* v8 categories above bit 15 (action bits 32..38 of the u64 action). */
const TC2_ZONE_APPEND = 1 << 0;
const TC2_ZONE_RESET = 1 << 1;
const TC2_ZONE_RESET_ALL = 1 << 2;
const TC2_ZONE_FINISH = 1 << 3;
const TC2_ZONE_OPEN = 1 << 4;
const TC2_ZONE_CLOSE = 1 << 5;

/* __BLK_TA_CGROUP: the pdu starts with an 8-byte cgroup id. */
const TA_CGROUP = 0x100;

/* enum blktrace_notify */
const TN_PROCESS = 0;
const TN_TIMESTAMP = 1;
const TN_MESSAGE = 2;

/* kernel/trace/blktrace.c: BLK_TN_MAX_MSG; task comm is TASK_COMM_LEN (16). */
const MAX_MESSAGE = 128;
const COMM_LEN = 16;

/** Decoded header sizes by version. */
const HDR_V7 = 48;
const HDR_V8 = 64;

const TWO32 = 4294967296;
/** Above this first timestamp the clock gets a nonzero base so that relative times stay exact in a double. */
const BASE_THRESHOLD = 2 ** 52;

/**
 * blkparse_fmt.c fill_rwbs: `F` if flush (preflush), then one of D (discard),
 * W (write), R (bytes > 0), N (no data), then F (fua), A (readahead), S (sync),
 * M (meta). For v8 the zone categories take the place of N as the
 * zoned-blktrace prototype prints them (ZA, ZR, ZF; ZRA, ZO, ZC by analogy).
 */
export function blkparseRwbs(categories: number, bytes: number, zoneCategories = 0): string {
  let s = '';
  if (categories & TC_FLUSH) s += 'F';
  if (categories & TC_DISCARD) s += 'D';
  else if (categories & TC_WRITE) s += 'W';
  else if (bytes) s += 'R';
  else if (zoneCategories & TC2_ZONE_APPEND) s += 'ZA';
  else if (zoneCategories & TC2_ZONE_RESET_ALL) s += 'ZRA';
  else if (zoneCategories & TC2_ZONE_RESET) s += 'ZR';
  else if (zoneCategories & TC2_ZONE_FINISH) s += 'ZF';
  else if (zoneCategories & TC2_ZONE_OPEN) s += 'ZO';
  else if (zoneCategories & TC2_ZONE_CLOSE) s += 'ZC';
  else s += 'N';
  if (categories & TC_FUA) s += 'F';
  if (categories & TC_AHEAD) s += 'A';
  if (categories & TC_SYNC) s += 'S';
  if (categories & TC_META) s += 'M';
  return s;
}

/** blkparse_fmt.c dump_pdu: hex bytes separated by spaces; a run of zeros to the end is shown as ` ..`. */
export function blkparsePduHex(buf: Uint8Array, start: number, end: number): string {
  let lastNonZero = start - 1;
  for (let i = end - 1; i >= start; i--) {
    if (buf[i] !== 0) {
      lastNonZero = i;
      break;
    }
  }
  const parts: string[] = [];
  for (let i = start; i < end; i++) {
    parts.push(buf[i].toString(16).padStart(2, '0'));
    if (i > lastNonZero) {
      parts.push('..');
      break;
    }
  }
  return parts.join(' ');
}

function hex32(v: number): string {
  return `0x${(v >>> 0).toString(16).padStart(8, '0')}`;
}

/** Byte order and version of a magic number at `p`, or null. Bit 8 set = big-endian. */
function magicAt(b: Uint8Array, p: number): number {
  if (b[p + 1] === MAGIC_B2 && b[p + 2] === MAGIC_B1 && b[p + 3] === MAGIC_B3) return b[p];
  if (b[p] === MAGIC_B3 && b[p + 1] === MAGIC_B1 && b[p + 2] === MAGIC_B2) return 0x100 | b[p + 3];
  return -1;
}

/**
 * Why a header cannot be a real record, or '' when it is plausible. The
 * expected payload sizes come from kernel/trace/blktrace.c: unplug and split
 * carry a u64, remap a `blk_io_trace_remap`, notes a comm / timespec / message,
 * other filesystem actions nothing; PC and driver-data payloads are free-form.
 */
function implausible(action: number, pduLen: number, cpu: number): string {
  const categories = action >>> 16;
  let code = action & 0xffff;
  const cg = code & TA_CGROUP ? 8 : 0;
  code &= ~TA_CGROUP;
  if (cpu > 0xffff) return `cpu ${cpu} is not a CPU number`;
  const pdu = pduLen - cg;
  if (pdu < 0) return `pdu_len ${pduLen} is shorter than the cgroup id the action announces`;
  if (categories & TC_NOTIFY) {
    if (code === TN_PROCESS && pdu > COMM_LEN) return `process note with a ${pdu}-byte name (expected at most ${COMM_LEN})`;
    if (code === TN_TIMESTAMP && pdu !== 8 && pdu !== 16) return `timestamp note with a ${pdu}-byte payload (expected 8)`;
    if (code === TN_MESSAGE && (pdu < 1 || pdu > MAX_MESSAGE)) return `message note with a ${pdu}-byte payload (expected 1..${MAX_MESSAGE})`;
    return '';
  }
  if (categories & TC_PC || code === Action.DrvData) return '';
  const expect = code === Action.UnplugIo || code === Action.UnplugTimer || code === Action.Split ? 8 : code === Action.Remap ? 16 : 0;
  if (code >= 1 && code <= Action.Abort && pdu !== expect) {
    return `pdu_len ${pduLen} for action code ${code} (expected ${expect + cg})`;
  }
  if (code === 0 || code > 19) return `unknown action code ${code}`;
  return '';
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });

/** Bytes up to the first NUL (C string semantics, as blkparse prints them). */
function cString(b: Uint8Array, start: number, end: number): string {
  let e = start;
  while (e < end && b[e] !== 0) e++;
  return textDecoder.decode(b.subarray(start, e));
}

export class BlktraceBinParser implements ChunkParser {
  readonly store = new BlockEventStore();
  private readonly sink: DiagnosticSink;
  private carry = new Uint8Array(256);
  private carryLen = 0;
  /** Absolute offset of carry[0] (or of the next chunk when the carry is empty). */
  private carryAt = 0;
  private total = 0;
  private records = 0;

  private baseSet = false;
  private baseHi = 0;
  private baseLo = 0;
  private baseNs = '0';

  /** pid → comm string index, first name wins (blkparse.c add_ppm_hash keeps the first). */
  private readonly names = new Map<number, number>();
  /** Every BLK_TN_PROCESS note with the number of events decoded before it. */
  private readonly notes: ProcessNote[] = [];
  private lastPid = -1;
  private lastComm = 0;
  private lastDevKey = -1;
  private lastDevIdx = 0;
  /** RWBS index by (16 category bits << 1 | bytes != 0); -1 = not computed yet. */
  private readonly rwbsCache = new Int32Array(1 << 17).fill(-1);
  private readonly rwbsCacheV8 = new Map<number, number>();

  private garbageAt = -1;
  private garbageWhy = '';
  private firstMagic = '';
  private readonly unknownCodes = new Set<number>();
  private readonly fileCpu: number;
  private cpuMismatches = 0;
  private cpuMismatchAt = 0;
  private cpuMismatchValue = 0;
  private timestampNoted = false;

  constructor(readonly name: string) {
    this.sink = new DiagnosticSink(name);
    const m = /\.blktrace\.(\d+)$/.exec(name);
    this.fileCpu = m ? Number(m[1]) : -1;
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    let pos = 0;
    while (this.carryLen > 0 && pos < chunk.length) {
      const old = this.carryLen;
      const want = Math.max(64, this.carryNeeds());
      const n = Math.min(want, chunk.length - pos);
      this.appendCarry(chunk, pos, n);
      pos += n;
      const c = this.decode(this.carry, 0, this.carryLen, this.carryAt, false);
      if (c >= old) {
        // Every byte that was carried is consumed: continue in the chunk itself.
        pos -= this.carryLen - c;
        this.carryAt += c;
        this.carryLen = 0;
      } else if (c > 0) {
        this.carry.copyWithin(0, c, this.carryLen);
        this.carryLen -= c;
        this.carryAt += c;
      }
    }
    if (this.carryLen === 0 && pos < chunk.length) {
      const at = this.carryAt - pos;
      const c = this.decode(chunk, pos, chunk.length, at, false);
      this.carryAt = at + c;
      this.appendCarry(chunk, c, chunk.length - c);
    }
  }

  /** Bytes the carried partial record still needs (0 when unknown). */
  private carryNeeds(): number {
    const b = this.carry;
    const len = this.carryLen;
    if (len < 4) return 4 - len;
    const m = magicAt(b, 0);
    if (m < 0) return 0;
    const hdr = (m & 0xff) === 8 ? HDR_V8 : HDR_V7;
    if (len < hdr) return hdr - len;
    const le = m < 0x100;
    const pduLen = new DataView(b.buffer, b.byteOffset, len).getUint16(hdr === HDR_V7 ? 46 : 50, le);
    return Math.max(0, hdr + pduLen - len);
  }

  private appendCarry(src: Uint8Array, start: number, n: number): void {
    if (n <= 0) return;
    if (this.carryLen + n > this.carry.length) {
      let cap = this.carry.length;
      while (cap < this.carryLen + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.carry.subarray(0, this.carryLen));
      this.carry = next;
    }
    this.carry.set(src.subarray(start, start + n), this.carryLen);
    this.carryLen += n;
  }

  private startGarbage(at: number, why: string): void {
    if (this.garbageAt >= 0) return;
    this.garbageAt = at;
    this.garbageWhy = why;
  }

  private endGarbage(at: number): void {
    const n = at - this.garbageAt;
    const toEnd = at >= this.total;
    const where = toEnd ? 'to the end of the input' : `resynchronised on a blk_io_trace header at byte ${at}`;
    const truncated = toEnd && this.garbageWhy.startsWith('truncated');
    this.sink.add(truncated ? 'warning' : 'error', `${this.garbageWhy}; skipped ${n} byte${n === 1 ? '' : 's'} ${where}`, {
      offset: this.garbageAt,
    });
    this.garbageAt = -1;
    this.garbageWhy = '';
  }

  /**
   * Decodes the records in b[start, end) (absolute offset of b[0] is `abs`).
   * Returns where decoding stopped: the start of an incomplete record, or of
   * the last three unscanned bytes of a damaged region. With `final`,
   * everything is consumed.
   */
  private decode(b: Uint8Array, start: number, end: number, abs: number, final: boolean): number {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let p = start;
    for (;;) {
      if (this.garbageAt >= 0) {
        const q = this.scan(b, dv, p, end, final);
        if (q < 0) return final ? end : Math.max(p, end - 3);
        if (q + HDR_V8 > end && !final && !this.headerComplete(b, q, end)) return q;
        this.endGarbage(abs + q);
        p = q;
      }
      const rem = end - p;
      if (rem === 0) return p;
      if (rem < 4) {
        if (!final) return p;
        this.startGarbage(abs + p, `truncated record: ${rem} trailing byte${rem === 1 ? '' : 's'}, too short for a blk_io_trace header`);
        continue;
      }
      const m = magicAt(b, p);
      if (m < 0) {
        this.startGarbage(abs + p, `expected blk_io_trace magic 0x656174NN, found ${hex32(dv.getUint32(p, true))} (as little-endian)`);
        p++;
        continue;
      }
      const version = m & 0xff;
      if (version !== 7 && version !== 8) {
        this.startGarbage(abs + p, `unsupported blk_io_trace version ${version} (expected 7 or 8)`);
        p++;
        continue;
      }
      const le = m < 0x100;
      const hdr = version === 7 ? HDR_V7 : HDR_V8;
      if (rem < hdr) {
        if (!final) return p;
        this.startGarbage(abs + p, `truncated record: only ${rem} of the ${hdr}-byte header present`);
        p++;
        continue;
      }
      const pduLen = dv.getUint16(p + (version === 7 ? 46 : 50), le);
      const action = version === 7 ? dv.getUint32(p + 28, le) : dv.getUint32(p + (le ? 32 : 36), le);
      const cpu = dv.getUint32(p + (version === 7 ? 40 : 44), le);
      const why = implausible(action, pduLen, cpu);
      if (why) {
        this.startGarbage(abs + p, `implausible record header: ${why}`);
        p++;
        continue;
      }
      if (rem < hdr + pduLen) {
        if (!final) return p;
        this.startGarbage(abs + p, `truncated record: the header declares a ${pduLen}-byte payload but only ${rem - hdr} bytes follow`);
        p++;
        continue;
      }
      if (!this.firstMagic) {
        this.firstMagic = `blk_io_trace magic ${hex32(0x65617400 | version)} (${le ? 'little' : 'big'}-endian, version ${version}) at byte ${abs + p}`;
      }
      this.record(b, dv, p, le, version, action, cpu, pduLen, abs);
      p += hdr + pduLen;
    }
  }

  private headerComplete(b: Uint8Array, q: number, end: number): boolean {
    const m = magicAt(b, q);
    return q + ((m & 0xff) === 8 ? HDR_V8 : HDR_V7) <= end;
  }

  /**
   * Next offset ≥ p holding a magic with a supported version and a plausible
   * header (or a magic whose header is not complete yet), or -1.
   */
  private scan(b: Uint8Array, dv: DataView, p: number, end: number, final: boolean): number {
    for (let q = p; q + 4 <= end; q++) {
      if (b[q + 1] !== MAGIC_B2 && b[q + 1] !== MAGIC_B1) continue;
      const m = magicAt(b, q);
      if (m < 0) continue;
      const version = m & 0xff;
      if (version !== 7 && version !== 8) continue;
      const le = m < 0x100;
      const hdr = version === 7 ? HDR_V7 : HDR_V8;
      if (q + hdr > end) {
        if (final) continue;
        return q;
      }
      const pduLen = dv.getUint16(q + (version === 7 ? 46 : 50), le);
      const action = version === 7 ? dv.getUint32(q + 28, le) : dv.getUint32(q + (le ? 32 : 36), le);
      const cpu = dv.getUint32(q + (version === 7 ? 40 : 44), le);
      if (implausible(action, pduLen, cpu)) continue;
      if (final && q + hdr + pduLen > end) continue;
      return q;
    }
    return -1;
  }

  private commOf(pid: number): number {
    if (pid === this.lastPid) return this.lastComm;
    const c = this.names.get(pid) ?? 0;
    this.lastPid = pid;
    this.lastComm = c;
    return c;
  }

  private deviceOf(key: number): number {
    if (key === this.lastDevKey) return this.lastDevIdx;
    this.lastDevKey = key;
    this.lastDevIdx = this.store.deviceIdx(key);
    return this.lastDevIdx;
  }

  /** Time relative to the clock base; exact while the span stays below 2^53 ns. */
  private relTime(hi: number, lo: number): number {
    if (!this.baseSet) {
      this.baseSet = true;
      const t = hi * TWO32 + lo;
      if (t >= BASE_THRESHOLD) {
        const raw = (BigInt(hi) << 32n) | BigInt(lo);
        const base = (raw / 1000000000n) * 1000000000n;
        this.baseHi = Number(base >> 32n);
        this.baseLo = Number(base & 0xffffffffn);
        this.baseNs = base.toString();
      }
    }
    return (hi - this.baseHi) * TWO32 + (lo - this.baseLo);
  }

  private record(b: Uint8Array, dv: DataView, p: number, le: boolean, version: number, action: number, cpu: number, pduLen: number, abs: number): void {
    const v7 = version === 7;
    const hdr = v7 ? HDR_V7 : HDR_V8;
    const recordIndex = this.records++;
    const seq = dv.getUint32(p + 4, le);
    const tHi = dv.getUint32(p + (le ? 12 : 8), le);
    const tLo = dv.getUint32(p + (le ? 8 : 12), le);
    const time = this.relTime(tHi, tLo);
    const sector = dv.getUint32(p + (le ? 20 : 16), le) * TWO32 + dv.getUint32(p + (le ? 16 : 20), le);
    const bytes = dv.getUint32(p + 24, le);
    const pid = dv.getUint32(p + (v7 ? 32 : 28), le);
    let devKey = dv.getUint32(p + (v7 ? 36 : 40), le);
    const error = dv.getUint16(p + (v7 ? 44 : 48), le);
    const categories = action >>> 16;
    let code = action & 0xffff;
    const cg = (code & TA_CGROUP) !== 0;
    code &= ~TA_CGROUP;
    const pdu = p + hdr + (cg ? 8 : 0);
    const pduEnd = p + hdr + pduLen;
    const store = this.store;

    if (categories & TC_NOTIFY) {
      if (code === TN_PROCESS) {
        const comm = store.strings.intern(cString(b, pdu, Math.min(pduEnd, pdu + COMM_LEN - 1)));
        this.notes.push({ event: store.length, pid, comm });
        if (!this.names.has(pid)) {
          this.names.set(pid, comm);
          if (pid === this.lastPid) this.lastPid = -1;
        }
      } else if (code === TN_TIMESTAMP) {
        this.noteTimestamp(dv, pdu, le, time, abs + p);
      } else if (code === TN_MESSAGE) {
        const i = store.push(time, this.deviceOf(devKey), cpu, seq, pid, this.commOf(pid), Action.Message, store.rwbsIdx('N'), 0, 0);
        store.setOrigin(i, recordIndex);
        if (cg) store.addExtra(i, ExtraKind.Cgroup, dv.getUint32(p + hdr, le), dv.getUint32(p + hdr + 4, le));
        store.addExtra(i, ExtraKind.Message, store.strings.intern(cString(b, pdu, pduEnd)));
      }
      return;
    }

    let rwbs: number;
    if (v7) {
      const key = (categories << 1) | (bytes ? 1 : 0);
      rwbs = this.rwbsCache[key];
      if (rwbs < 0) rwbs = this.rwbsCache[key] = store.rwbsIdx(blkparseRwbs(categories, bytes));
    } else {
      const zone = dv.getUint32(p + (le ? 36 : 32), le) & 0x7f;
      const key = (zone * 65536 + categories) * 2 + (bytes ? 1 : 0);
      let r = this.rwbsCacheV8.get(key);
      if (r === undefined) this.rwbsCacheV8.set(key, (r = store.rwbsIdx(blkparseRwbs(categories, bytes, zone))));
      rwbs = r;
    }

    let act: number = code;
    if (code === 0 || code > Action.DrvData) {
      act = Action.Unknown;
      if (!this.unknownCodes.has(code)) {
        this.unknownCodes.add(code);
        this.sink.add('warning', `action code ${code} (action ${hex32(action)}) is not a blktrace action blkparse knows; kept as unknown`, { offset: abs + p });
      }
    }
    if (code === Action.Remap && pduEnd - pdu >= 16) {
      // blkparse_fmt.c process_default: a remap's header shows device_to.
      devKey = dv.getUint32(pdu + 4, false);
    }
    if (this.fileCpu >= 0 && cpu !== this.fileCpu) {
      if (this.cpuMismatches++ === 0) {
        this.cpuMismatchAt = abs + p;
        this.cpuMismatchValue = cpu;
      }
    }
    const i = store.push(time, this.deviceOf(devKey), cpu, seq, pid, this.commOf(pid), act, rwbs, sector, bytes >>> 9);
    store.setOrigin(i, recordIndex);
    if (error) store.addExtra(i, ExtraKind.Error, error > 32767 ? error - 65536 : error);
    if (categories & TC_PC) {
      store.addExtra(i, ExtraKind.Bytes, bytes);
      store.addExtra(i, ExtraKind.Pdu, pduEnd > pdu ? store.strings.intern(blkparsePduHex(b, pdu, pduEnd)) : 0);
    } else {
      if (bytes & 511) store.addExtra(i, ExtraKind.Bytes, bytes);
      if (pduEnd - pdu >= 8 && (code === Action.UnplugIo || code === Action.UnplugTimer || code === Action.Split)) {
        // u64 big-endian regardless of host (kernel: cpu_to_be64).
        const v = dv.getUint32(pdu, false) * TWO32 + dv.getUint32(pdu + 4, false);
        store.addExtra(i, code === Action.Split ? ExtraKind.SplitTo : ExtraKind.UnplugDepth, v);
      } else if (code === Action.Remap && pduEnd - pdu >= 16) {
        const from = dv.getUint32(pdu, false);
        const fromSector = dv.getUint32(pdu + 8, false) * TWO32 + dv.getUint32(pdu + 12, false);
        store.addExtra(i, ExtraKind.RemapFrom, from, fromSector);
      } else if (code === Action.DrvData && pduEnd > pdu) {
        store.addExtra(i, ExtraKind.Pdu, store.strings.intern(blkparsePduHex(b, pdu, pduEnd)));
      }
    }
    if (cg) store.addExtra(i, ExtraKind.Cgroup, dv.getUint32(p + hdr, le), dv.getUint32(p + hdr + 4, le));
  }

  /** BLK_TN_TIMESTAMP: CLOCK_REALTIME (sec, nsec; host byte order) at the record's trace time. */
  private noteTimestamp(dv: DataView, pdu: number, le: boolean, time: number, at: number): void {
    if (this.timestampNoted) return;
    this.timestampNoted = true;
    const sec = dv.getUint32(pdu, le);
    const nsec = dv.getUint32(pdu + 4, le);
    const iso = new Date(sec * 1000 + Math.floor(nsec / 1e6)).toISOString();
    const traceNs = BigInt(this.baseNs) + BigInt(time);
    const traceS = `${traceNs / 1000000000n}.${(traceNs % 1000000000n).toString().padStart(9, '0')}`;
    this.sink.add('info', `BLK_TN_TIMESTAMP: trace clock ${traceS} s = ${iso} (CLOCK_REALTIME ${sec}.${String(nsec).padStart(9, '0')})`, {
      offset: at,
    });
  }

  /**
   * blkparse -i - prints a batch of 512 records only after reading the next
   * one, and handles process notes as it reads, so an event also gets a name
   * from a note that follows it within that window (the kernel writes the note
   * first, so this only matters for hand-made or reordered streams).
   */
  private nameEarlyEvents(): void {
    const firstBatch = new Map<number, number>();
    for (const n of this.notes) if (!firstBatch.has(n.pid)) firstBatch.set(n.pid, Math.floor(n.event / BLKPARSE_BATCH));
    if (firstBatch.size === 0) return;
    const s = this.store;
    for (let i = 0; i < s.length; i++) {
      if (s.comm[i] !== 0) continue;
      const b = firstBatch.get(s.pid[i]);
      if (b !== undefined && b <= Math.floor(i / BLKPARSE_BATCH) + 1) s.comm[i] = this.names.get(s.pid[i]) ?? 0;
    }
  }

  finish(): ParsedSource {
    if (this.carryLen > 0 || this.garbageAt >= 0) {
      this.decode(this.carry, 0, this.carryLen, this.carryAt, true);
      this.carryAt += this.carryLen;
      this.carryLen = 0;
    }
    if (this.garbageAt >= 0) this.endGarbage(this.total);
    if (this.cpuMismatches > 0) {
      this.sink.add(
        'warning',
        `${this.cpuMismatches} record${this.cpuMismatches === 1 ? '' : 's'} carry cpu ${this.cpuMismatchValue} although the file name says CPU ${this.fileCpu}; ` +
          `blkparse -i would drop them ("cpu ${this.fileCpu} trace info has error cpu ${this.cpuMismatchValue}"), they are kept with the record's cpu`,
        { offset: this.cpuMismatchAt },
      );
    }
    if (this.total > 0 && this.records === 0 && this.sink.list.length === 0) {
      this.sink.add('error', 'no blk_io_trace record found', { offset: 0 });
    }
    this.nameEarlyEvents();
    attachProcessNotes(this.store, this.notes);
    const block = applyBlkparseOrder(this.store).compact();
    return {
      name: this.name,
      format: 'blktrace-bin',
      evidence: this.firstMagic || 'no blk_io_trace record',
      bytes: this.total,
      clock: { kind: 'trace-raw', baseNs: this.baseNs },
      block,
      // Drop counts are not in the record stream: blktrace reads them from
      // debugfs (block/DEV/dropped) and only prints them ("You have N dropped
      // events"); the network protocol sends them in the close header. A binary
      // file alone cannot carry them, so `dropped` stays undefined.
      diagnostics: this.sink.list,
      diagnosticsOmitted: this.sink.omitted,
    };
  }
}

/** Parses a whole binary in one shot (the entry point the bench calls). */
export function parseBlktraceBinary(bytes: Uint8Array, name: string): ParsedSource {
  const p = new BlktraceBinParser(name);
  p.push(bytes);
  return p.finish();
}

/** Finds the first magic in the head: offset 0, or the start of a run of two consecutive headers. */
function sniffMagic(head: Uint8Array): Sniff | null {
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const describe = (p: number, m: number): string =>
    `blk_io_trace magic ${hex32(0x65617400 | (m & 0xff))} (${m < 0x100 ? 'little' : 'big'}-endian, version ${m & 0xff}) at byte ${p}`;
  if (head.length >= 4) {
    const m = magicAt(head, 0);
    if (m >= 0) {
      const v = m & 0xff;
      if (v === 7 || v === 8) return { score: 0.99, evidence: describe(0, m) };
      return { score: 0.5, evidence: `${describe(0, m)}, a version this parser does not decode (7 and 8 are known)` };
    }
  }
  for (let p = 1; p + HDR_V7 <= head.length; p++) {
    const m = magicAt(head, p);
    if (m < 0) continue;
    const v = m & 0xff;
    if (v !== 7 && v !== 8) continue;
    const hdr = v === 7 ? HDR_V7 : HDR_V8;
    if (p + hdr > head.length) break;
    const pduLen = dv.getUint16(p + (v === 7 ? 46 : 50), m < 0x100);
    const next = p + hdr + pduLen;
    if (next + 4 <= head.length && magicAt(head, next) === m) {
      return { score: 0.9, evidence: `${describe(p, m)}, followed by another record at byte ${next}` };
    }
  }
  return null;
}

export const blktraceBinFormat: FormatSpec = {
  id: 'blktrace-bin',
  label: 'blktrace binary',
  sniff(head: Uint8Array): Sniff | null {
    return sniffMagic(head);
  },
  create(name: string): ChunkParser {
    return new BlktraceBinParser(name);
  },
};
