/**
 * Decoding of strace's C string notation straight into a BytePool.
 *
 * strace (src/util.c string_quote) prints printable ASCII literally, escapes
 * `"` and `\` with a backslash, uses \f \n \r \t \v, and writes every other
 * byte as a minimal octal escape (\0, \12, \377) — or, with -x/-xx, as \xHH.
 * This is the hot loop of the whole product (-xx reads are 4 characters per
 * byte), so it writes bytes into the pool's backing array directly and never
 * builds an intermediate string.
 */
import type { BytePool } from '../model/columns';

/** Byte value of the two hex digits (c1 << 7 | c2) for ASCII c1, c2; -1 when either is no hex digit. */
const HEX_PAIR = new Int16Array(128 * 128).fill(-1);
{
  const digit = (c: number): number =>
    c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : -1;
  for (let a = 0; a < 128; a++) {
    for (let b = 0; b < 128; b++) {
      const h = digit(a);
      const l = digit(b);
      if (h >= 0 && l >= 0) HEX_PAIR[(a << 7) | b] = (h << 4) | l;
    }
  }
}

/**
 * Byte value of `HH` for the two digit bytes read as one little-endian u16
 * (second digit << 8 | first digit); -1 when either is no hex digit.
 */
const HEX_LE = new Int16Array(256 * 256).fill(-1);
for (let a = 0; a < 128; a++) for (let b = 0; b < 128; b++) HEX_LE[(b << 8) | a] = HEX_PAIR[(a << 7) | b];
/** `\x` read as a little-endian u16. */
const BACKSLASH_X = 0x785c;

let viewOf: Uint8Array | null = null;
let view: DataView | null = null;

/** A DataView of `raw` (cached: the splitter hands the same buffer for many lines). */
function dataView(raw: Uint8Array): DataView {
  if (raw !== viewOf) {
    viewOf = raw;
    view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  return view!;
}

/** Byte value of the single-letter escapes strace can print (\a \b kept for hand-made logs). */
const SIMPLE = new Int16Array(128).fill(-1);
SIMPLE[110] = 10; // \n
SIMPLE[116] = 9; // \t
SIMPLE[114] = 13; // \r
SIMPLE[102] = 12; // \f
SIMPLE[118] = 11; // \v
SIMPLE[97] = 7; // \a
SIMPLE[98] = 8; // \b
SIMPLE[92] = 92; // \\
SIMPLE[34] = 34; // \"
SIMPLE[39] = 39; // \'
SIMPLE[63] = 63; // \?

export const enum DecodeStatus {
  Ok = 0,
  /** The text ended before the closing quote. */
  Unterminated = 1,
  /** A backslash followed by something that is no C escape (or a bad \x). */
  BadEscape = 2,
}

/** Result of the last decode call (module-level to avoid one object per string). */
export const decoded = {
  status: DecodeStatus.Ok as DecodeStatus,
  /** Index just past the closing quote (quoted mode) or `end` (range mode). */
  next: 0,
  /** Index of the offending character when status is not Ok. */
  errorAt: 0,
};

/**
 * Decodes the literal whose opening quote is at `s[quote]` (quoted mode,
 * stops at the first unescaped `"`), or the whole range [from, end) when
 * `quoted` is false (fd decorations such as `3<\x2f\x64\x65\x76>`).
 * Appends the bytes to `pool` and returns how many were appended; on a
 * decoding error the bytes decoded so far stay appended and `decoded.status`
 * says what went wrong.
 */
export function decodeInto(s: string, from: number, end: number, pool: BytePool, quoted: boolean): number {
  const start = pool.length;
  decodeRun(s, quoted ? from + 1 : from, end, pool, quoted);
  return pool.length - start;
}

/**
 * decodeInto for a text whose characters are the bytes raw[base + i] (see
 * ByteLineSplitter.raw): the hot `\xHH` runs and plain characters are read
 * from the bytes, which is much faster than charCodeAt; anything else is
 * decoded from the text. Results are identical to decodeInto.
 */
export function decodeMappedInto(raw: Uint8Array, base: number, s: string, from: number, end: number, pool: BytePool, quoted: boolean): number {
  const start = pool.length;
  let i = quoted ? from + 1 : from;
  pool.ensure(start + (end - i));
  const out = pool.bytes;
  let o = start;
  decoded.status = DecodeStatus.Ok;
  let p = base + i;
  const pe = base + end;
  const dv = dataView(raw);
  while (p < pe) {
    const c = raw[p];
    if (c === 92 && raw[p + 1] === 120) {
      // -xx: every byte is `\xHH`; one 4-byte load and one table lookup per byte.
      let q = p;
      while (q + 4 <= pe) {
        const w = dv.getUint32(q, true);
        if ((w & 0xffff) !== BACKSLASH_X) break;
        const v = HEX_LE[w >>> 16];
        if (v < 0) break;
        out[o++] = v;
        q += 4;
      }
      if (q !== p) {
        p = q;
        continue;
      }
    } else if (c !== 92 && c !== 34 && c < 128) {
      out[o++] = c;
      p++;
      continue;
    } else if (c === 34 && quoted) {
      pool.length = o;
      decoded.next = p - base + 1;
      return o - start;
    }
    // Other escapes, a bad \x, non-ASCII (U+FFFD in the text): the text decoder takes over.
    pool.length = o;
    decodeRun(s, p - base, end, pool, quoted);
    return pool.length - start;
  }
  pool.length = o;
  i = p - base;
  if (quoted) {
    decoded.status = DecodeStatus.Unterminated;
    decoded.errorAt = end;
  }
  decoded.next = i;
  return o - start;
}

/** Decodes from s[i] (after the opening quote in quoted mode) into the pool; sets `decoded`. */
function decodeRun(s: string, i: number, end: number, pool: BytePool, quoted: boolean): void {
  const start = pool.length;
  // Every character yields at most one byte except non-ASCII ones (slow path below).
  pool.ensure(start + (end - i));
  let out = pool.bytes;
  let o = start;
  decoded.status = DecodeStatus.Ok;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 92) {
      const e = i + 1 < end ? s.charCodeAt(i + 1) : -1;
      if (e === 120) {
        // \xHH (strace -x/-xx always prints two digits): one table lookup per byte.
        // -xx prints every byte this way: stay in a tight loop for the whole run.
        let j = i;
        while (j + 3 < end) {
          const c2 = s.charCodeAt(j + 2);
          const c3 = s.charCodeAt(j + 3);
          const v = (c2 | c3) < 128 ? HEX_PAIR[(c2 << 7) | c3] : -1;
          if (v < 0) break;
          out[o++] = v;
          j += 4;
          if (s.charCodeAt(j) !== 92 || s.charCodeAt(j + 1) !== 120) break;
        }
        if (j === i) {
          decoded.status = DecodeStatus.BadEscape;
          decoded.errorAt = i;
          break;
        }
        i = j;
        continue;
      }
      if (e >= 48 && e <= 55) {
        // minimal octal escape, up to three digits
        let v = e - 48;
        let j = i + 2;
        const lim = Math.min(end, i + 4);
        while (j < lim) {
          const d = s.charCodeAt(j);
          if (d < 48 || d > 55) break;
          v = (v << 3) | (d - 48);
          j++;
        }
        out[o++] = v & 255;
        i = j;
        continue;
      }
      const b = e >= 0 && e < 128 ? SIMPLE[e] : -1;
      if (b < 0) {
        decoded.status = DecodeStatus.BadEscape;
        decoded.errorAt = i;
        break;
      }
      out[o++] = b;
      i += 2;
      continue;
    }
    if (c === 34 && quoted) {
      pool.length = o;
      decoded.next = i + 1;
      return;
    }
    if (c < 128) {
      out[o++] = c;
      i++;
      continue;
    }
    // Raw non-ASCII text (a hand-edited log or a lenient UTF-8 decoding): keep its UTF-8 bytes.
    pool.length = o;
    i = appendUtf8(s, i, end, pool);
    o = pool.length;
    pool.ensure(o + (end - i));
    out = pool.bytes;
  }
  pool.length = o;
  if (decoded.status === DecodeStatus.Ok && quoted) {
    decoded.status = DecodeStatus.Unterminated;
    decoded.errorAt = end;
  }
  decoded.next = i;
}

/** Appends the UTF-8 encoding of the code point at s[i]; returns the next index. */
function appendUtf8(s: string, i: number, end: number, pool: BytePool): number {
  let cp = s.charCodeAt(i);
  let next = i + 1;
  if (cp >= 0xd800 && cp <= 0xdbff && next < end) {
    const lo = s.charCodeAt(next);
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      next++;
    }
  }
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  pool.ensure(pool.length + 4);
  if (cp < 0x800) {
    pool.pushByte(0xc0 | (cp >> 6));
  } else if (cp < 0x10000) {
    pool.pushByte(0xe0 | (cp >> 12));
    pool.pushByte(0x80 | ((cp >> 6) & 63));
  } else {
    pool.pushByte(0xf0 | (cp >> 18));
    pool.pushByte(0x80 | ((cp >> 12) & 63));
    pool.pushByte(0x80 | ((cp >> 6) & 63));
  }
  pool.pushByte(0x80 | (cp & 63));
  return next;
}

/**
 * Index just past the closing quote of the literal opened at `s[quote]`, or
 * -1 when it is not closed before `end`. Uses indexOf (native speed) and
 * checks the parity of the backslashes in front of each candidate quote.
 */
export function skipString(s: string, quote: number, end: number): number {
  let i = quote + 1;
  for (;;) {
    const q = s.indexOf('"', i);
    if (q < 0 || q >= end) return -1;
    let bs = 0;
    for (let k = q - 1; k > quote && s.charCodeAt(k) === 92; k--) bs++;
    if ((bs & 1) === 0) return q + 1;
    i = q + 1;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes an escaped path (fd decoration, quoted path argument) to a JS string. */
export function decodePath(s: string, from: number, end: number, scratch: BytePool, quoted: boolean): string {
  scratch.length = 0;
  const n = decodeInto(s, from, end, scratch, quoted);
  return utf8.decode(scratch.bytes.subarray(0, n));
}
