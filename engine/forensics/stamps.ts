/**
 * Self-describing sector contents ("stamps"): data that names the device
 * position it was written for, so a returned chunk tells where it came from
 * without any reference image.
 *
 * Two families:
 * 1. The fixtures' text units (tools/fixture-programs/mkstamp.c): every
 *    512-byte sector N is 32 copies of the 16-byte unit `PPP=%08u:%02u\n`
 *    (N, slot 0..31) with PPP = `LBA` for the pristine image or `WR<tag>` for
 *    data a workload wrote. Byte-exact: a chunk names its source byte offset.
 * 2. Learned layouts: a sector number stored at a fixed offset of every
 *    sector, as decimal or hex text or as a little-endian u32/u64 (databases,
 *    test tools such as fio's verify headers). A layout is only accepted when
 *    it holds for most of many chunks whose device LBA is known, so random
 *    data cannot fake one.
 */
import { wordsOf } from './words';

export const UNIT = 16;

/** What the fixture-style stamp units of a piece of returned data say. */
export interface StampReading {
  /** `LBA` (pristine image) or `WRA`, `WRB`, ... (workload writes). */
  prefix: string;
  /** The three prefix bytes packed (to reuse `prefix` without re-decoding). */
  prefixCodes: number;
  /** Device byte offset the first byte of the piece was stamped for. */
  srcByte: number;
  /** True when every byte of the piece is the stamp rendering of one contiguous source range. */
  contiguous: boolean;
  /** Piece offset of the first byte that breaks the contiguous rendering (when not contiguous). */
  breakAt: number;
}

const C_EQ = 0x3d;
const C_COLON = 0x3a;
const C_NL = 0x0a;
const C_0 = 0x30;

function isDigit(b: number): boolean {
  return b >= C_0 && b <= C_0 + 9;
}

function isPrefixByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || isDigit(b);
}

/** Parses a full unit at `p`; returns sector*32+slot or -1. */
function unitAt(b: Uint8Array, p: number): number {
  if (b[p + 3] !== C_EQ || b[p + 12] !== C_COLON || b[p + 15] !== C_NL) return -1;
  if (!isPrefixByte(b[p]) || !isPrefixByte(b[p + 1]) || !isPrefixByte(b[p + 2])) return -1;
  let n = 0;
  for (let i = p + 4; i < p + 12; i++) {
    const c = b[i];
    if (!isDigit(c)) return -1;
    n = n * 10 + (c - C_0);
  }
  const s0 = b[p + 13];
  const s1 = b[p + 14];
  if (!isDigit(s0) || !isDigit(s1)) return -1;
  const slot = (s0 - C_0) * 10 + (s1 - C_0);
  if (slot >= 32) return -1;
  return n * 32 + slot;
}

/** Renders the unit for (sector, slot) with a 3-byte prefix into `out` at 0. */
function renderUnit(prefix: Uint8Array, sector: number, slot: number, out: Uint8Array): void {
  out[0] = prefix[0];
  out[1] = prefix[1];
  out[2] = prefix[2];
  out[3] = C_EQ;
  let n = sector;
  for (let i = 11; i >= 4; i--) {
    out[i] = C_0 + (n % 10);
    n = Math.floor(n / 10);
  }
  out[12] = C_COLON;
  out[13] = C_0 + Math.floor(slot / 10);
  out[14] = C_0 + (slot % 10);
  out[15] = C_NL;
}

const unitBuf = new Uint8Array(UNIT);

/* Word 3 of unit `slot` (bytes ':', tens, units, '\n'), little-endian as Uint32Array reads it. */
const SLOT_WORD = new Uint32Array(32);
for (let k = 0; k < 32; k++) SLOT_WORD[k] = (C_COLON | ((C_0 + Math.floor(k / 10)) << 8) | ((C_0 + (k % 10)) << 16) | (C_NL << 24)) >>> 0;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** SLOT_WORD for word-wise shape checks elsewhere (hash.ts hashSectorsStampShaped); empty on a big-endian host. */
export const STAMP_SLOT_WORDS: Uint32Array = LITTLE_ENDIAN ? SLOT_WORD : new Uint32Array(0);

/**
 * `same[k]` = 1 when sector k of the word view (from word `at`) is
 * stamp-shaped: every unit repeats the first one's words 0..2 and ends with
 * its slot word. hashSectorsStampShaped without the hash.
 */
export function stampShapedSectors(w: Uint32Array, at: number, count: number, same: Uint8Array): void {
  if (!LITTLE_ENDIAN) {
    same.fill(0, 0, count);
    return;
  }
  for (let k = 0; k < count; k++) {
    const base = at + k * 128;
    const u0 = w[base];
    const u1 = w[base + 1];
    const u2 = w[base + 2];
    let diff = 0;
    for (let q = 0; q < 32; q++) {
      const i = base + 4 * q;
      diff |= (w[i] ^ u0) | (w[i + 1] ^ u1) | (w[i + 2] ^ u2) | (w[i + 3] ^ SLOT_WORD[q]);
    }
    same[k] = diff === 0 ? 1 : 0;
  }
}

/**
 * True when the sector at `start`, already known to be stamp-shaped (units
 * repeating the first one's words 0..2, slots 0..31 in order), is the stamp of
 * `lba` itself: what fastSector and readStampInto then report as a contiguous
 * stamp of device byte lba*512.
 */
export function stampShapedNames(b: Uint8Array, start: number, lba: number): boolean {
  return LITTLE_ENDIAN && unitAt(b, start) === lba * 32;
}
const alignedSector = new Uint32Array(128);
const alignedBytes = new Uint8Array(alignedSector.buffer);

/**
 * The common case, word-wise: a whole sector that is exactly one pristine
 * stamped sector (unit 0 at byte 0, slots 0..31 of one LBA). 4 word compares
 * per unit instead of 16 byte compares.
 */
function fastSector(b: Uint8Array, start: number, out: StampReading, words: Uint32Array | null): boolean {
  if (!LITTLE_ENDIAN) return false;
  const code = unitAt(b, start);
  if (code < 0 || code % 32 !== 0) return false;
  let w: Uint32Array;
  let o = 0;
  const abs = b.byteOffset + start;
  if ((abs & 3) === 0) {
    w = words ?? wordsOf(b.buffer);
    o = abs >>> 2;
  } else {
    alignedBytes.set(b.subarray(start, start + 512));
    w = alignedSector;
  }
  const w0 = w[o];
  const w1 = w[o + 1];
  const w2 = w[o + 2];
  for (let q = 1; q < 32; q++) {
    o += 4;
    if (w[o] !== w0 || w[o + 1] !== w1 || w[o + 2] !== w2 || w[o + 3] !== SLOT_WORD[q]) return false;
  }
  const codes = (b[start] << 16) + (b[start + 1] << 8) + b[start + 2];
  if (out.prefixCodes !== codes) {
    out.prefixCodes = codes;
    out.prefix = String.fromCharCode(b[start], b[start + 1], b[start + 2]);
  }
  out.srcByte = code * UNIT;
  out.contiguous = true;
  out.breakAt = 512;
  return true;
}

/**
 * Reads the fixture-style stamp of `len` bytes at `start` into `out` (no
 * allocation: this runs once per chunk). Returns false when the piece holds
 * no complete unit (too short, or not stamp data). `words`, when given, is
 * wordsOf(b.buffer) fetched once by a caller that loops over chunks.
 */
export function readStampInto(b: Uint8Array, start: number, len: number, out: StampReading, words: Uint32Array | null = null): boolean {
  if (len === 512 && fastSector(b, start, out, words)) return true;
  let p = -1;
  let code = -1;
  const last = Math.min(UNIT - 1, len - UNIT);
  for (let q = 0; q <= last; q++) {
    code = unitAt(b, start + q);
    if (code >= 0) {
      p = q;
      break;
    }
  }
  if (p < 0) return false;
  const c0 = b[start + p];
  const c1 = b[start + p + 1];
  const c2 = b[start + p + 2];
  // Walk the piece unit by unit; full units are parsed, edge pieces compared to a rendering.
  let breakAt = -1;
  let expectCode = code;
  for (let q = p; q + UNIT <= len; q += UNIT) {
    const at = start + q;
    const slot = expectCode % 32;
    if (slot !== 0 && q !== p) {
      // Same sector as the previous unit: only the slot digits differ (cheap compare, no parse).
      const pr = at - UNIT;
      let same = b[at + 13] === C_0 + Math.floor(slot / 10) && b[at + 14] === C_0 + (slot % 10) && b[at + 15] === C_NL;
      for (let i = 0; same && i < 13; i++) same = b[at + i] === b[pr + i];
      if (!same) {
        breakAt = q;
        break;
      }
    } else if (unitAt(b, at) !== expectCode || b[at] !== c0 || b[at + 1] !== c1 || b[at + 2] !== c2) {
      breakAt = q;
      break;
    }
    expectCode++;
  }
  if (breakAt < 0) {
    const prefixBytes = b.subarray(start + p, start + p + 3);
    if (p > 0) {
      const prev = code - 1;
      if (prev < 0) breakAt = 0;
      else {
        renderUnit(prefixBytes, Math.floor(prev / 32), prev % 32, unitBuf);
        for (let i = 0; i < p; i++) {
          if (b[start + i] !== unitBuf[UNIT - p + i]) {
            breakAt = i;
            break;
          }
        }
      }
    }
    const tailAt = p + Math.floor((len - p) / UNIT) * UNIT;
    if (breakAt < 0 && tailAt < len) {
      renderUnit(prefixBytes, Math.floor(expectCode / 32), expectCode % 32, unitBuf);
      for (let i = tailAt; i < len; i++) {
        if (b[start + i] !== unitBuf[i - tailAt]) {
          breakAt = i;
          break;
        }
      }
    }
  }
  if (out.prefixCodes !== (c0 << 16) + (c1 << 8) + c2) {
    out.prefixCodes = (c0 << 16) + (c1 << 8) + c2;
    out.prefix = String.fromCharCode(c0, c1, c2);
  }
  out.srcByte = code * UNIT - p;
  out.contiguous = breakAt < 0;
  out.breakAt = breakAt < 0 ? len : breakAt;
  return true;
}

export function newStampReading(): StampReading {
  return { prefix: '', prefixCodes: -1, srcByte: 0, contiguous: false, breakAt: 0 };
}

/** Allocating convenience form of readStampInto. */
export function readStamp(b: Uint8Array, start: number, len: number): StampReading | null {
  const out = newStampReading();
  return readStampInto(b, start, len, out) ? out : null;
}

/** Learned sector-number layouts. */
export type LayoutKind = 'u32le' | 'u64le' | 'dec' | 'hex';

export interface StampLayout {
  kind: LayoutKind;
  /** Byte offset inside each 512-byte sector. */
  offset: number;
  /** value = LBA + delta (a constant base such as a partition start). */
  delta: number;
  /** Chunks that agreed when the layout was learned, and chunks examined. */
  support: number;
  examined: number;
}

/** Reads the number a layout would hold at sector start `s`; NaN when absent. */
export function layoutValue(kind: LayoutKind, b: Uint8Array, s: number, off: number): number {
  const at = s + off;
  switch (kind) {
    case 'u32le':
      return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
    case 'u64le': {
      const lo = (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
      const hi = (b[at + 4] | (b[at + 5] << 8) | (b[at + 6] << 16) | (b[at + 7] << 24)) >>> 0;
      return hi < 0x200000 ? hi * 4294967296 + lo : NaN;
    }
    case 'dec':
    case 'hex':
      return textNumber(b, at, s + 512, kind === 'hex' ? 16 : 10, off > 0 ? b[at - 1] : -1);
  }
}

function digitValue(c: number, radix: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (radix === 16) {
    if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
    if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  }
  return -1;
}

/** A maximal digit run starting exactly at `at` (the byte before must not be a digit). */
function textNumber(b: Uint8Array, at: number, end: number, radix: number, before: number): number {
  if (before >= 0 && digitValue(before, radix) >= 0) return NaN;
  let n = 0;
  let digits = 0;
  for (let i = at; i < end && digits < 15; i++) {
    const d = digitValue(b[i], radix);
    if (d < 0) break;
    n = n * radix + d;
    digits++;
  }
  return digits > 0 ? n : NaN;
}

/** One chunk offered to the learner: a full sector at `start` of `bytes`, read from device LBA `lba`. */
export interface LayoutSample {
  bytes: Uint8Array;
  start: number;
  lba: number;
}

export const MIN_LAYOUT_SUPPORT = 8;
const MAX_LAYOUT_SAMPLES = 128;
const KINDS: LayoutKind[] = ['u32le', 'u64le', 'dec', 'hex'];

/**
 * Learns at most one sector-number layout from samples. Accepted only when
 * at least MIN_LAYOUT_SUPPORT chunks of distinct LBAs and 90% of the examined
 * chunks agree on (kind, offset, delta): a layout that explains only some
 * chunks would turn coincidences into "misplaced" verdicts.
 */
export function learnLayout(all: LayoutSample[]): StampLayout | null {
  // An evenly spread subset bounds the cost (4 kinds x 512 offsets x samples).
  const step = Math.max(1, Math.floor(all.length / MAX_LAYOUT_SAMPLES));
  const samples = step === 1 ? all : all.filter((_, i) => i % step === 0).slice(0, MAX_LAYOUT_SAMPLES);
  const n = samples.length;
  if (n < MIN_LAYOUT_SUPPORT) return null;
  const lbas = new Set(samples.map((s) => s.lba));
  if (lbas.size < MIN_LAYOUT_SUPPORT) return null;
  let best: StampLayout | null = null;
  for (const kind of KINDS) {
    const width = kind === 'u64le' ? 8 : kind === 'u32le' ? 4 : 1;
    for (let off = 0; off + width <= 512; off++) {
      // Cheap pre-filter on the first 10 samples: a layout that 90% of all chunks follow
      // has a delta shared by at least half of them (samples are spread evenly).
      const first = Math.min(10, n);
      let bestShare = 0;
      const early: number[] = [];
      for (let k = 0; k < first; k++) {
        const s = samples[k];
        const v = layoutValue(kind, s.bytes, s.start, off);
        if (Number.isNaN(v)) continue;
        const d = v - s.lba;
        let c = 1;
        for (const e of early) if (e === d) c++;
        early.push(d);
        if (c > bestShare) bestShare = c;
      }
      if (bestShare * 2 < first) continue;
      const deltas = new Map<number, number>();
      for (let k = 0; k < n; k++) {
        const s = samples[k];
        const v = layoutValue(kind, s.bytes, s.start, off);
        if (Number.isNaN(v)) continue;
        const d = v - s.lba;
        deltas.set(d, (deltas.get(d) ?? 0) + 1);
      }
      for (const [delta, support] of deltas) {
        if (support < MIN_LAYOUT_SUPPORT || support < 0.9 * n) continue;
        if (!best || support > best.support) best = { kind, offset: off, delta, support, examined: n };
      }
    }
  }
  return best;
}

/** Source LBA a learned layout assigns to the sector at `start`, or NaN. */
export function layoutLba(layout: StampLayout, b: Uint8Array, start: number): number {
  const v = layoutValue(layout.kind, b, start, layout.offset);
  return Number.isNaN(v) ? NaN : v - layout.delta;
}
