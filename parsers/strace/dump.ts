/**
 * Full-data dumps of `-e read=SET` / `-e write=SET` (strace src/util.c
 * dumpstr, dumpiov_upto). After the syscall line every byte of the buffer is
 * printed, 16 per line:
 *
 *   ` | 00000  4c 42 41 3d 30 30 30 30  30 30 30 30 3a 30 30 0a  LBA=00000000:00. |`
 *
 * (offset in lowercase hex, at least 5 digits; one extra space after the 8th
 * byte; an ASCII column). Vectored calls precede each buffer with
 * ` * N bytes in buffer I`. Unreadable memory: ` | <Cannot fetch N bytes from pid P @0xADDR>`.
 */
import type { BytePool } from '../model/columns';

export const dumpLine = {
  /** Offset printed at the start of the line. */
  offset: 0,
  /** Bytes appended to the pool by the last parseDumpLine. */
  count: 0,
  /** The line was a `<Cannot fetch ...>` notice. */
  unreadable: false,
};

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 32;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * Parses one ` | OFFSET  hh hh ...` line of [start, end) and appends its bytes
 * to `pool`. Returns false (appending nothing) when the line is not a dump line.
 */
export function parseDumpLine(s: string, start: number, end: number, pool: BytePool): boolean {
  dumpLine.count = 0;
  dumpLine.unreadable = false;
  let i = start + 3; // " | "
  if (s.startsWith('<Cannot fetch', i)) {
    dumpLine.unreadable = true;
    return true;
  }
  let off = 0;
  const o0 = i;
  for (; i < end; i++) {
    const v = hexVal(s.charCodeAt(i));
    if (v < 0) break;
    off = off * 16 + v;
  }
  if (i - o0 < 5 || !s.startsWith('  ', i)) return false;
  i += 2;
  const at = pool.length;
  pool.ensure(at + 16);
  let n = 0;
  while (n < 16 && i + 1 < end) {
    const h = hexVal(s.charCodeAt(i));
    const l = hexVal(s.charCodeAt(i + 1));
    if (h < 0 || l < 0) break;
    pool.bytes[at + n] = (h << 4) | l;
    n++;
    i += 2;
    if (s.charCodeAt(i) !== 32) break;
    i += n === 8 ? 2 : 1;
  }
  if (n === 0 || s.charCodeAt(end - 1) !== 124) return false;
  pool.length = at + n;
  dumpLine.offset = off;
  dumpLine.count = n;
  return true;
}

export const bufferHeader = { bytes: 0, index: 0 };

/** Parses ` * N bytes in buffer I`; false when the line is something else. */
export function parseBufferHeader(s: string, start: number, end: number): boolean {
  const m = /^ \* (\d+) bytes in buffer (\d+)\s*$/.exec(s.slice(start, Math.min(end, start + 64)));
  if (!m || end - start > 64) return false;
  bufferHeader.bytes = Number(m[1]);
  bufferHeader.index = Number(m[2]);
  return true;
}
