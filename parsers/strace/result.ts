/**
 * The part of a syscall line after the argument list (strace src/syscall.c
 * syscall_exiting_trace): padding to column 40, `= `, then
 *   `4096` | `0x55885c8e2000` | `3</dev/loop0>` (-y) | `-1 EINVAL (Invalid argument)`
 *   | `?` | `? ERESTARTSYS (To be restarted if SA_RESTART is set)` | `-1 (errno 531)`
 *   | `0x8002 (flags O_RDWR|O_LARGEFILE)` (decoded return)
 * The errno text is strerror() in the tracer's locale, so only the E-name counts.
 */
import { findLastIn } from './scan';
import { num, parseNumber, skipDecoration } from './args';
import { errnoOf } from './flags';

export const ret = {
  value: NaN,
  errno: 0,
  errName: '',
  /** `<...>` decoration of a returned fd: [decoFrom, decoTo) is the text inside the brackets; -1 when none. */
  decoFrom: -1,
  decoTo: -1,
};

/** Parses the return value starting at s[i] (just after `= `). */
export function parseReturn(s: string, i: number, end: number): void {
  ret.value = NaN;
  ret.errno = 0;
  ret.errName = '';
  ret.decoFrom = -1;
  ret.decoTo = -1;
  let j: number;
  if (s.charCodeAt(i) === 63) {
    j = i + 1; // `?`: the call did not return (exit, execve lost, killed)
  } else {
    const v = parseNumber(s, i, end);
    if (Number.isNaN(v)) return;
    ret.value = v;
    j = num.end;
    if (s.charCodeAt(j) === 60) {
      const k = skipDecoration(s, j, end);
      if (k > 0) {
        ret.decoFrom = j + 1;
        ret.decoTo = k - 1;
        j = k;
      }
    }
  }
  if (s.charCodeAt(j) !== 32) return;
  const e = j + 1;
  if (s.charCodeAt(e) === 69) {
    let k = e + 1;
    while (k < end) {
      const c = s.charCodeAt(k);
      if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) break;
      k++;
    }
    if (k > e + 1 && (k === end || s.charCodeAt(k) === 32)) {
      ret.errName = s.slice(e, k);
      ret.errno = errnoOf(ret.errName);
    }
  } else if (s.startsWith('(errno ', e)) {
    const v = parseNumber(s, e + 7, end);
    if (Number.isFinite(v)) ret.errno = v;
  }
}

/**
 * Finds `)  = ` from the right when the left-to-right scan of the arguments
 * could not (the traced program's own output was printed inside the line).
 * Returns the index of that `)` or -1.
 */
export function findCloseFromRight(s: string, from: number, end: number): number {
  let k = findLastIn(s, ' = ', from, end);
  while (k >= from) {
    let m = k;
    while (m > from && s.charCodeAt(m - 1) === 32) m--;
    if (m > from && s.charCodeAt(m - 1) === 41) return m - 1;
    k = findLastIn(s, ' = ', from, k + 2);
  }
  return -1;
}
