/**
 * The common blk tracer line, read straight from the bytes:
 *
 *   TASK-PID [CPU] FLAGS SECS.FRAC: MAJ,MIN ACT RWBS [SECTOR [+ NR]] [TEXT] [DEPTH]
 *
 * with ACT one of the letters of blk_log_generic / blk_log_with_error /
 * blk_log_plug / blk_log_unplug (kernel/trace/blktrace.c). Reading bytes
 * costs about a third of String#charCodeAt, and this shape is nearly every
 * line of a blk trace. The function only recognizes: it returns false, with
 * nothing changed anywhere, for any line it is not certain to read exactly
 * as the general path (LinePrefix, parseBlkAfterDevice, Tail) would — other
 * layouts, verbose action names, splits, remaps, messages, PDUs, cgroups,
 * unknown tokens, integer clocks — and the general path then takes it.
 */
import { Action } from './model/actions';

const SPACE = 32;
const TAB = 9;
const LBRACKET = 91;
const RBRACKET = 93;
const PLUS = 43;
const MINUS = 45;
const COLON = 58;
const DOT = 46;
const COMMA = 44;
const RPAREN = 41;

/** Same window as LinePrefix: comm ≤ 16 chars, pid, padding. */
const PREFIX_WINDOW = 160;

/** Action of a one-letter blk action column (blkAction in ./ftraceBlk), -1 for letters this path leaves alone. */
const LETTER = new Int16Array(128).fill(-1);
LETTER[81] = Action.Queue; // Q
LETTER[77] = Action.BackMerge; // M
LETTER[70] = Action.FrontMerge; // F
LETTER[71] = Action.GetRq; // G
LETTER[83] = Action.SleepRq; // S
LETTER[82] = Action.Requeue; // R
LETTER[68] = Action.Issue; // D
LETTER[67] = Action.Complete; // C
LETTER[80] = Action.Plug; // P
LETTER[85] = Action.UnplugIo; // U
LETTER[73] = Action.Insert; // I
LETTER[66] = Action.Bounce; // B

/** What fastBlkLine read; positions are indexes into the bytes. */
export class FastLine {
  cpu = 0;
  secs = 0;
  fracNs = 0;
  fracDigits = 0;
  body = 0;
  pid = 0;
  commStart = 0;
  commEnd = 0;
  dev = 0;
  action = 0;
  rwbsStart = 0;
  rwbsEnd = 0;
  sector = 0;
  hasSector = false;
  count = 0;
  bracketStart = 0;
  bracketEnd = 0;
  after = 0;
  hasAfter = false;
  /** Signed errno of C/R lines (t_error() as a u16 turned signed), else 0. */
  err = 0;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

/**
 * Reads the trimmed line bytes [s, e) into `out`; false when the line is not
 * of the common shape (the caller then runs the general parser).
 */
export function fastBlkLine(b: Uint8Array, s: number, e: number, out: FastLine): boolean {
  // ---- prefix: the first '[' after the task field must open `[CPU]`.
  const limit = Math.min(e, s + PREFIX_WINDOW);
  let lb = s + 1;
  while (lb < limit && b[lb] !== LBRACKET) lb++;
  if (lb >= limit || !isSpace(b[lb - 1])) return false;
  let p = lb + 1;
  let cpu = 0;
  while (p < e && b[p] >= 48 && b[p] <= 57) cpu = cpu * 10 + (b[p++] - 48);
  if (p === lb + 1 || p - lb - 1 > 5 || p >= e || b[p] !== RBRACKET) return false;
  p++;
  if (p >= e || !isSpace(b[p])) return false;
  while (p < e && isSpace(b[p])) p++;
  let q = timestamp(b, p, e, out);
  if (q < 0) {
    // irq-info flags column (`d..1.`): no ':' and shorter than 8.
    const f = p;
    while (p < e && !isSpace(b[p])) {
      if (b[p] === COLON || p - f >= 8) return false;
      p++;
    }
    while (p < e && isSpace(b[p])) p++;
    q = timestamp(b, p, e, out);
    if (q < 0) return false;
  }
  while (q < e && isSpace(b[q])) q++;
  // Task field `COMM-PID` (no `(TGID)` column, no space: those go the general way).
  let te = lb;
  while (te > s && isSpace(b[te - 1])) te--;
  if (te <= s || b[te - 1] === RPAREN) return false;
  let dash = -1;
  for (let i = s; i < te; i++) {
    const c = b[i];
    if (isSpace(c)) return false;
    if (c === MINUS) dash = i;
  }
  if (dash < 0 || dash + 1 >= te) return false;
  let pid = 0;
  for (let i = dash + 1; i < te; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return false;
    pid = pid * 10 + d;
  }

  // ---- blk payload: MAJ,MIN ACT RWBS.
  p = q;
  if (p >= e) return false;
  let major = 0;
  const m0 = p;
  while (p < e && b[p] >= 48 && b[p] <= 57) major = major * 10 + (b[p++] - 48);
  if (p === m0 || p - m0 > 7 || p >= e || b[p] !== COMMA) return false;
  p++;
  let minor = 0;
  const n0 = p;
  while (p < e && b[p] >= 48 && b[p] <= 57) minor = minor * 10 + (b[p++] - 48);
  if (p === n0 || p - n0 > 8) return false;
  while (p < e && isSpace(b[p])) p++;
  const a0 = p;
  while (p < e && !isSpace(b[p])) p++;
  let action = -1;
  if (p - a0 === 1) action = b[a0] < 128 ? LETTER[b[a0]] : -1;
  else if (p - a0 === 2 && b[a0] === 85 && b[a0 + 1] === 84) action = Action.UnplugTimer; // UT
  if (action < 0) return false;
  while (p < e && isSpace(b[p])) p++;
  const r0 = p;
  while (p < e && !isSpace(b[p])) p++;
  if (p === r0) return false;
  const r1 = p;

  // ---- tail: [SECTOR [+ NR]] [TEXT] [DEPTH].
  while (p < e && isSpace(b[p])) p++;
  let hasSector = false;
  let sector = 0;
  let count = 0;
  if (p < e && b[p] >= 48 && b[p] <= 57) {
    while (p < e && b[p] >= 48 && b[p] <= 57) sector = sector * 10 + (b[p++] - 48);
    if (p >= e || !isSpace(b[p])) return false;
    hasSector = true;
    while (p < e && isSpace(b[p])) p++;
    if (p < e && b[p] === PLUS) {
      p++;
      while (p < e && isSpace(b[p])) p++;
      const c0 = p;
      while (p < e && b[p] >= 48 && b[p] <= 57) count = count * 10 + (b[p++] - 48);
      if (p === c0) return false;
      while (p < e && isSpace(b[p])) p++;
    }
  }
  if (p >= e || b[p] !== LBRACKET) return false;
  // The bracket closes at the last ']' of the line: comms may contain ']'.
  let close = e - 1;
  while (close > p && b[close] !== RBRACKET) close--;
  if (close <= p) return false;
  const bs = p + 1;
  p = close + 1;
  while (p < e && isSpace(b[p])) p++;
  let hasAfter = false;
  let after = 0;
  if (p < e) {
    const d0 = p;
    while (p < e && b[p] >= 48 && b[p] <= 57) after = after * 10 + (b[p++] - 48);
    if (p === d0) return false;
    while (p < e && isSpace(b[p])) p++;
    if (p < e) return false;
    hasAfter = true;
  }
  let err = 0;
  if (action === Action.Complete || action === Action.Requeue) {
    let i = bs;
    const neg = i < close && b[i] === MINUS;
    if (neg) i++;
    if (i >= close) return false;
    for (; i < close; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) return false;
      err = err * 10 + d;
    }
    if (neg) err = -err;
    if (err >= 32768 && err < 65536) err -= 65536; // errnoFromU16
  } else if ((action === Action.UnplugIo || action === Action.UnplugTimer) && !hasAfter) {
    return false;
  }

  out.cpu = cpu;
  out.body = q;
  out.pid = pid;
  out.commStart = s;
  out.commEnd = dash;
  out.dev = major * 1048576 + minor;
  out.action = action;
  out.rwbsStart = r0;
  out.rwbsEnd = r1;
  out.sector = sector;
  out.hasSector = hasSector;
  out.count = count;
  out.bracketStart = bs;
  out.bracketEnd = close;
  out.after = after;
  out.hasAfter = hasAfter;
  out.err = err;
  return true;
}

/**
 * `SECS.FRAC:` then a space or the end (LinePrefix.timestamp; integer clocks are
 * left to it). Sets secs, fracNs, fracDigits; returns the index after ':' or -1.
 */
function timestamp(b: Uint8Array, s: number, e: number, out: FastLine): number {
  let p = s;
  let secs = 0;
  while (p < e && b[p] >= 48 && b[p] <= 57) secs = secs * 10 + (b[p++] - 48);
  if (p === s || p >= e || b[p] !== DOT) return -1;
  p++;
  const f = p;
  let frac = 0;
  while (p < e && b[p] >= 48 && b[p] <= 57) {
    if (p - f < 9) frac = frac * 10 + (b[p] - 48);
    p++;
  }
  const n = p - f;
  if (n === 0 || p >= e || b[p] !== COLON) return -1;
  for (let k = n; k < 9; k++) frac *= 10;
  p++;
  if (p < e && !isSpace(b[p])) return -1;
  out.secs = secs;
  out.fracNs = frac;
  out.fracDigits = n;
  return p;
}
