/**
 * The per-event prefix of ftrace-family text (trace-formats.md §4.1, §4.4):
 *
 *   raw ftrace / trace-cmd:  TASK-PID [(TGID)] [CPU] [FLAGS] SECS.FRAC: BODY
 *   perf script:             COMM PID[/TID] [CPU] SECS.FRAC: BODY
 *   perf trace:              MSECS.FRAC COMM/TID BODY          (no CPU column)
 *
 * kernel/trace/trace_output.c (trace_print_context) prints the comm
 * right-justified in 16 columns, `-`, the pid, an optional `(TGID)` column,
 * `[%03d]`, the irq-flags column when `irq-info` is on, then the timestamp.
 * Column widths are minimums, so everything is tokenized on spaces, and the
 * pid is the last `-DIGITS` of the task field because comms may contain
 * dashes and spaces (`jbd2/sda6-8-234`, `Web Content-77`).
 */
import { Cursor, isDigit, isSpace, lastIndexIn, readDevice, trimEnd } from './ftraceScan';

export const enum Layout {
  Ftrace = 1,
  PerfScript = 2,
  PerfTrace = 3,
  /** blk tracer `blk_classic` option: `MAJ,MIN CPU SECS.NSECS PID ACT RWBS ...`, no task name. */
  Classic = 4,
}

/** CPU value stored when a layout has no CPU column (perf trace). */
export const NO_CPU = 0xffff;

const RBRACKET = 93; // ']'
const RPAREN = 41; // ')'
const DOT = 46;
const COLON = 58;
const SLASH = 47;
const LT = 60; // '<'

/** How far into a line the CPU column is searched for (comm ≤ 16 chars, pid, tgid, padding). */
const PREFIX_WINDOW = 160;

export class LinePrefix {
  layout: Layout = Layout.Ftrace;
  commStart = 0;
  commEnd = 0;
  /** True for `<...>` (pid not in the saved-cmdlines cache). */
  commUnknown = false;
  pid = 0;
  cpu = 0;
  /** Whole seconds and the nanoseconds within them. */
  secs = 0;
  fracNs = 0;
  /** Digits after the decimal point as printed (6 = µs, 9 = ns, 0 = integer counter). */
  fracDigits = 0;
  /** First character of the body (event name or blk payload). */
  body = 0;
  private readonly c = new Cursor();

  /** Parses the prefix of a trimmed, non-empty line; false when the line has none. */
  parse(t: string, s: number, e: number): boolean {
    const limit = Math.min(e, s + PREFIX_WINDOW);
    let b = indexIn(t, 91, s + 1, limit);
    let tries = 0;
    while (b > 0 && tries < 4) {
      tries++;
      if (isSpace(t.charCodeAt(b - 1)) && this.cpuColumn(t, b, e) && this.task(t, s, b)) return true;
      b = indexIn(t, 91, b + 1, limit);
    }
    return false;
  }

  /**
   * `[CPU]`, optional flags token, timestamp. Sets cpu, time and body. Scans with locals
   * only: this runs once per line and dominates the prefix cost.
   */
  private cpuColumn(t: string, b: number, e: number): boolean {
    let p = b + 1;
    let cpu = 0;
    const d0 = p;
    for (; p < e; p++) {
      const d = t.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      cpu = cpu * 10 + d;
    }
    if (p === d0 || p - d0 > 5 || p >= e || t.charCodeAt(p) !== RBRACKET) return false;
    p++;
    if (p >= e || !isSpace(t.charCodeAt(p))) return false;
    this.cpu = cpu;
    while (p < e && isSpace(t.charCodeAt(p))) p++;
    let q = this.timestamp(t, p, e);
    if (q < 0) {
      // irq-info flags column: `d..1.`, `....`, `dNh2`; never contains ':'.
      const f = p;
      while (p < e) {
        const ch = t.charCodeAt(p);
        if (isSpace(ch)) break;
        if (ch === COLON || p - f >= 8) return false;
        p++;
      }
      while (p < e && isSpace(t.charCodeAt(p))) p++;
      q = this.timestamp(t, p, e);
      if (q < 0) return false;
    }
    while (q < e && isSpace(t.charCodeAt(q))) q++;
    this.layout = Layout.Ftrace;
    this.body = q;
    return true;
  }

  /**
   * `SECS.FRAC:` (trace clocks local/global/mono/boot print `%5llu.%06lu`, `--ns` nine decimals)
   * or `COUNTER:` (counter / x86-tsc clocks, old perf samples: integer ns); followed by a space
   * or the end. Returns the position after the ':' or -1.
   */
  private timestamp(t: string, s: number, e: number): number {
    let p = s;
    let secs = 0;
    for (; p < e; p++) {
      const d = t.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      secs = secs * 10 + d;
    }
    const intEnd = p;
    if (intEnd === s || p >= e) return -1;
    let ch = t.charCodeAt(p);
    if (ch === DOT) {
      p++;
      const f = p;
      let frac = 0;
      for (; p < e; p++) {
        const d = t.charCodeAt(p) - 48;
        if (d < 0 || d > 9) break;
        if (p - f < 9) frac = frac * 10 + d;
      }
      const n = p - f;
      if (n === 0 || p >= e) return -1;
      for (let k = n; k < 9; k++) frac *= 10;
      ch = t.charCodeAt(p);
      this.secs = secs;
      this.fracNs = frac;
      this.fracDigits = n;
    } else {
      // An integer clock value: split off the last nine digits so that values above 2^53 stay exact.
      const split = Math.max(s, intEnd - 9);
      this.secs = parseDigits(t, s, split);
      this.fracNs = parseDigits(t, split, intEnd);
      this.fracDigits = 0;
    }
    if (ch !== COLON) return -1;
    p++;
    if (p < e && !isSpace(t.charCodeAt(p))) return -1;
    return p;
  }

  /** The task field [s, end): `COMM-PID` (ftrace) or `COMM PID[/TID]` (perf script), optional `(TGID)`. */
  private task(t: string, s: number, end: number): boolean {
    end = trimEnd(t, s, end);
    if (end > s && t.charCodeAt(end - 1) === RPAREN) {
      const open = lastIndexIn(t, 40, s, end - 1);
      if (open < 0) return false;
      end = trimEnd(t, s, open);
    }
    if (end <= s) return false;
    const lastSpace = lastIndexIn(t, 32, s, end);
    if (lastSpace >= 0) {
      const tid = tidOf(t, lastSpace + 1, end);
      if (tid >= 0) {
        this.layout = Layout.PerfScript;
        this.pid = tid;
        this.setComm(t, s, trimEnd(t, s, lastSpace));
        return true;
      }
    }
    const dash = lastIndexIn(t, 45, s, end);
    if (dash < 0 || dash + 1 >= end) return false;
    let pid = 0;
    for (let i = dash + 1; i < end; i++) {
      const d = t.charCodeAt(i);
      if (!isDigit(d)) return false;
      pid = pid * 10 + (d - 48);
    }
    this.pid = pid;
    this.setComm(t, s, dash);
    return true;
  }

  private setComm(t: string, s: number, e: number): void {
    this.commStart = s;
    this.commEnd = e;
    this.commUnknown = e - s === 5 && t.charCodeAt(s) === LT && t.startsWith('<...>', s);
  }

  /**
   * perf trace (tools/perf/builtin-trace.c): `MSECS.FRAC COMM/TID block:EVENT:FIELDS`,
   * a relative clock in milliseconds; body = the `SUBSYS:EVENT:` token. Lines with a
   * `( DUR ms):` column are syscalls: accepted with the body at the '(' so the caller can skip them.
   */
  parsePerfTrace(t: string, s: number, e: number): boolean {
    const c = this.c;
    c.reset(t, s, e);
    if (!c.uint()) return false;
    const intEnd = c.p;
    if (!c.lit(DOT)) return false;
    const f = c.p;
    if (!c.uint() || c.atEnd() || !isSpace(c.peek())) return false;
    const ms = parseDigits(t, s, intEnd);
    this.secs = Math.floor(ms / 1000);
    this.fracNs = (ms % 1000) * 1e6 + scaleFraction(t, f, c.p, 6);
    this.fracDigits = c.digits + 3;
    c.skipSpaces();
    this.layout = Layout.PerfTrace;
    this.cpu = NO_CPU;
    this.pid = 0;
    this.commStart = this.commEnd = c.p;
    this.commUnknown = false;
    if (c.peek() === 40) {
      this.body = c.p;
      return true;
    }
    // COMM/TID then one space then SUBSYS:EVENT: — the comm may hold spaces and ':' (kworker/0:1H).
    const sp = findEventToken(t, c.p, e);
    if (sp < 0) return false;
    const taskEnd = trimEnd(t, c.p, sp);
    const slash = lastIndexIn(t, SLASH, c.p, taskEnd);
    if (slash < 0) return false;
    const tid = tidOf(t, slash + 1, taskEnd);
    if (tid < 0) return false;
    this.pid = tid;
    this.setComm(t, c.p, slash);
    this.body = sp;
    return true;
  }
}

/**
 * blk tracer with the `blk_classic` option (blktrace.c blk_log_action_classic):
 * `%3d,%-3d %2d %5d.%09lu %5u ` = MAJ,MIN CPU SECS.NSECS PID, then ACT RWBS TAIL.
 * Unlike blkparse there is no sequence column and no task name. Returns the devKey
 * (cursor-independent: prefix.body is left after the pid) or -1.
 */
export function parseClassic(pre: LinePrefix, c: Cursor, t: string, s: number, e: number): number {
  c.reset(t, s, e);
  const dev = readDevice(c);
  if (dev < 0 || c.atEnd() || !isSpace(c.peek())) return -1;
  c.skipSpaces();
  if (!c.uint() || c.digits > 5) return -1;
  const cpu = c.v;
  c.skipSpaces();
  const secStart = c.p;
  if (!c.uint()) return -1;
  const secEnd = c.p;
  if (!c.lit(DOT)) return -1;
  const f = c.p;
  if (!c.uint() || c.atEnd() || !isSpace(c.peek())) return -1;
  const fracEnd = c.p;
  c.skipSpaces();
  if (!c.uint() || c.atEnd() || !isSpace(c.peek())) return -1;
  pre.layout = Layout.Classic;
  pre.cpu = cpu;
  pre.pid = c.v;
  pre.secs = parseDigits(t, secStart, secEnd);
  pre.fracNs = scaleFraction(t, f, fracEnd, 9);
  pre.fracDigits = fracEnd - f;
  pre.commStart = pre.commEnd = s;
  pre.commUnknown = true;
  pre.body = c.p;
  return dev;
}

/**
 * Start of the first token after the one at `s` that holds two ':' with no '/' before the
 * first (`block:block_rq_complete:259,0`); the comm/tid token (`kworker/0:1H-k/123`) does not.
 * One pass over the characters.
 */
function findEventToken(t: string, s: number, e: number): number {
  let p = s;
  while (p < e && !isSpace(t.charCodeAt(p))) p++;
  while (p < e) {
    while (p < e && isSpace(t.charCodeAt(p))) p++;
    const q = p;
    let colons = 0;
    let slashFirst = false;
    while (p < e) {
      const ch = t.charCodeAt(p);
      if (isSpace(ch)) break;
      if (ch === COLON) colons++;
      else if (ch === SLASH && colons === 0) slashFirst = true;
      p++;
    }
    if (colons >= 2 && !slashFirst && t.charCodeAt(q) !== COLON) return q;
  }
  return -1;
}

/** `DIGITS` or `PID/TID` → the thread id; -1 otherwise. */
function tidOf(t: string, s: number, e: number): number {
  if (s >= e) return -1;
  let v = 0;
  let seen = false;
  for (let i = s; i < e; i++) {
    const d = t.charCodeAt(i);
    if (d === SLASH && seen) {
      v = 0;
      seen = false;
      continue;
    }
    if (!isDigit(d)) return -1;
    v = v * 10 + (d - 48);
    seen = true;
  }
  return seen ? v : -1;
}

/** First index of `code` in [s, e), or -1 (a loop: no String#indexOf call per line). */
function indexIn(t: string, code: number, s: number, e: number): number {
  for (let i = s; i < e; i++) if (t.charCodeAt(i) === code) return i;
  return -1;
}

export function parseDigits(t: string, s: number, e: number): number {
  let v = 0;
  for (let i = s; i < e; i++) v = v * 10 + (t.charCodeAt(i) - 48);
  return v;
}

/** Digits [s, e) read as a fraction with `places` places (extra digits truncated). */
function scaleFraction(t: string, s: number, e: number, places: number): number {
  let v = 0;
  let n = 0;
  for (let i = s; i < e && n < places; i++, n++) v = v * 10 + (t.charCodeAt(i) - 48);
  for (; n < places; n++) v *= 10;
  return v;
}
