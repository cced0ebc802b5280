/**
 * The leader strace prints before each line (src/strace.c printleader), in
 * this order: process id, absolute timestamp, relative timestamp, syscall
 * number (-n), instruction pointer (-i).
 *
 *   `3650  `            -f with -o: pid left-justified in 5 columns
 *   `[pid  6936] `      -f to stderr: pid right-justified in 5 columns
 *   `1234<cat> `, `[pid  1234<cat>] `   -Y / --decode-pids=comm
 *   `12:08:39 `, `12:08:39.033336 `, `1634121765.422781 `   -t, -tt, -ttt
 *   `     0.000465 `     -r;  `TIMESTAMP (+     0.000123) ` -r with -t (4.22+)
 *   `[  17] `, `[00007f8e60ef4d5b] `   -n, -i
 */
import { findIn } from './scan';
import { fracToNs, TsKind } from './time';

export const leader = {
  hasPid: false,
  pid: 0,
  ts: TsKind.None as TsKind,
  sec: 0,
  fracNs: 0,
  /** Index of the body (first character after the leader). */
  body: 0,
};

function digitsEnd(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  return i;
}

function readInt(s: string, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
}

function skipSpaces(s: string, i: number, end: number): number {
  while (i < end && s.charCodeAt(i) === 32) i++;
  return i;
}

/** Skips `<comm>` after a pid (-Y). */
function skipComm(s: string, i: number, end: number): number {
  if (i < end && s.charCodeAt(i) === 60) {
    const gt = findIn(s, '>', i, Math.min(end, i + 64));
    if (gt > 0) return gt + 1;
  }
  return i;
}

/** Parses the leader of the line [start, end) into `leader`. Never fails: unknown text is left as body. */
export function parseLeader(s: string, start: number, end: number): void {
  leader.hasPid = false;
  leader.pid = 0;
  leader.ts = TsKind.None;
  leader.sec = 0;
  leader.fracNs = 0;
  let i = start;

  // Process id.
  if (s.startsWith('[pid', i)) {
    const a = skipSpaces(s, i + 4, end);
    const b = digitsEnd(s, a, end);
    const c = skipComm(s, b, end);
    if (b > a && s.charCodeAt(c) === 93) {
      leader.hasPid = true;
      leader.pid = readInt(s, a, b);
      i = skipSpaces(s, c + 1, end);
    }
  } else {
    const b = digitsEnd(s, i, end);
    // Pids have at most 7 digits (pid_max <= 2^22); 9+ digits are epoch seconds.
    if (b > i && b - i < 9) {
      const c = skipComm(s, b, end);
      if (c < end && s.charCodeAt(c) === 32) {
        leader.hasPid = true;
        leader.pid = readInt(s, i, b);
        i = skipSpaces(s, c, end);
      }
    }
  }

  // Absolute or relative timestamp.
  const t0 = skipSpaces(s, i, end);
  const a = digitsEnd(s, t0, end);
  if (a > t0) {
    const c = s.charCodeAt(a);
    if (c === 58 && a - t0 === 2) {
      // HH:MM:SS[.frac]
      const m = a + 1;
      const sEnd = m + 5;
      if (
        sEnd <= end &&
        s.charCodeAt(m + 2) === 58 &&
        digitsEnd(s, m, m + 2) === m + 2 &&
        digitsEnd(s, m + 3, m + 5) === m + 5
      ) {
        leader.sec = readInt(s, t0, a) * 3600 + readInt(s, m, m + 2) * 60 + readInt(s, m + 3, m + 5);
        let j = sEnd;
        if (s.charCodeAt(j) === 46) {
          const f = digitsEnd(s, j + 1, end);
          leader.fracNs = fracToNs(s, j + 1, f);
          j = f;
        }
        if (j < end && s.charCodeAt(j) === 32) {
          leader.ts = TsKind.Tod;
          i = j + 1;
        }
      }
    } else if (c === 46) {
      const f = digitsEnd(s, a + 1, end);
      if (f > a + 1 && f < end && s.charCodeAt(f) === 32) {
        leader.sec = readInt(s, t0, a);
        leader.fracNs = fracToNs(s, a + 1, f);
        // -ttt prints 10 digits of epoch seconds; -r pads small values with spaces.
        leader.ts = a - t0 >= 9 ? TsKind.Epoch : TsKind.Relative;
        i = f + 1;
      }
    } else if (c === 32 && a - t0 >= 9) {
      // --absolute-timestamps=format:unix,precision:s
      leader.sec = readInt(s, t0, a);
      leader.ts = TsKind.Epoch;
      i = a + 1;
    }
  }

  // `(+ 0.000123) ` after an absolute stamp (-r with -t, strace >= 4.22): the absolute one wins.
  if (leader.ts !== TsKind.None && s.startsWith('(+', i)) {
    const close = findIn(s, ') ', i, Math.min(end, i + 40));
    if (close > 0) i = close + 2;
  }

  // -n `[  17] ` and -i `[00007f8e60ef4d5b] ` (no spaces inside except -n padding).
  while (i < end && s.charCodeAt(i) === 91 && !s.startsWith('[pid', i)) {
    let j = skipSpaces(s, i + 1, end);
    const h = j;
    while (j < end) {
      const c = s.charCodeAt(j) | 32;
      if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) break;
      j++;
    }
    if (j === h || s.charCodeAt(j) !== 93 || s.charCodeAt(j + 1) !== 32) break;
    i = j + 2;
  }
  leader.body = i;
}
