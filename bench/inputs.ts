/**
 * Builds the ≥100 MB benchmark inputs from the real fixtures: each fixture is
 * replicated with its timestamps shifted so that the copies follow each other
 * in time (a realistic long capture, not the same events N times at once).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { concatBytes } from '../parsers/model/columns';

export const FIXTURES = resolve(import.meta.dirname ?? '.', '..', '..', 'shared', 'fixtures');
export const TARGET_BYTES = 100 * 1024 * 1024;

function readMaybeXz(path: string): Uint8Array {
  if (path.endsWith('.xz')) return new Uint8Array(execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 30 }));
  return new Uint8Array(readFileSync(path));
}

export function fixture(...parts: string[]): Uint8Array {
  return readMaybeXz(join(FIXTURES, ...parts));
}

/**
 * Binary blk_io_trace records replicated; the 64-bit `time` field (offset 8)
 * of every record of copy k is shifted by k * (span + 1 ms). Little-endian
 * files only (the fixtures are); records are walked by their pdu_len.
 */
export function replicateBinary(src: Uint8Array, target = TARGET_BYTES): Uint8Array {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  // Records are not strictly time-ordered in a file (ftrace writes per-CPU
  // pages), so the span is max - min, not last - first.
  let first = -1n;
  let last = 0n;
  for (let o = 0; o + 48 <= src.length; ) {
    const t = dv.getBigUint64(o + 8, true);
    if (first < 0n || t < first) first = t;
    if (t > last) last = t;
    o += 48 + dv.getUint16(o + 46, true);
  }
  const shift = last - first + 1_000_000n;
  const copies = Math.ceil(target / src.length);
  const out = new Uint8Array(copies * src.length);
  const odv = new DataView(out.buffer);
  for (let k = 0; k < copies; k++) {
    const base = k * src.length;
    out.set(src, base);
    const add = shift * BigInt(k);
    for (let o = 0; o + 48 <= src.length; ) {
      const at = base + o;
      odv.setBigUint64(at + 8, odv.getBigUint64(at + 8, true) + add, true);
      o += 48 + dv.getUint16(o + 46, true);
    }
  }
  return out;
}

/**
 * Text replicated line-preserving, with a per-copy rewrite of each line's
 * timestamp by `shiftLine(line, k)`.
 */
export function replicateText(src: Uint8Array, shiftLine: (line: string, k: number) => string, target = TARGET_BYTES): Uint8Array {
  const text = new TextDecoder().decode(src);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (let k = 0; n < target; k++) {
    const copy = enc.encode(lines.map((l) => shiftLine(l, k)).join('\n') + '\n');
    parts.push(copy);
    n += copy.length;
  }
  return concatBytes(parts, n);
}

/** Shifts a `SECS.FRAC` number found by `re` (group 1 = secs, group 2 = frac) by k * `stepSecs`. */
export function shiftDecimal(re: RegExp, stepSecs: number): (line: string, k: number) => string {
  return (line, k) => {
    if (k === 0) return line;
    return line.replace(re, (m: string, secs: string, frac: string) => {
      return m.replace(`${secs}.${frac}`, `${Number(secs) + k * stepSecs}.${frac}`);
    });
  };
}

/** Shifts strace's `HH:MM:SS.frac` (-t/-tt) at the start of a line (after an optional pid) by k * stepSecs. */
export function shiftTimeOfDay(stepSecs: number): (line: string, k: number) => string {
  const re = /^(\d+ +)?(\d\d):(\d\d):(\d\d)\./;
  return (line, k) => {
    if (k === 0) return line;
    return line.replace(re, (_m: string, pid: string | undefined, h: string, m: string, s: string) => {
      const t = (Number(h) * 3600 + Number(m) * 60 + Number(s) + k * stepSecs) % 86400;
      const hh = String(Math.floor(t / 3600)).padStart(2, '0');
      const mm = String(Math.floor(t / 60) % 60).padStart(2, '0');
      const ss = String(t % 60).padStart(2, '0');
      return `${pid ?? ''}${hh}:${mm}:${ss}.`;
    });
  };
}
