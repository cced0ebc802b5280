/**
 * The hot path of the blkparse text parser, on bytes: the header
 * `%3d,%-3d %2d %8d %5d.%09lu %5u %2s %3s ` (blkparse_fmt.c) and the tails
 * that make up nearly every real trace, `SECTOR + NSECT [COMM]`,
 * `SECTOR + NSECT [ERR]` (C/R), `[COMM]` (P, zero-size bios) and
 * `[COMM] DEPTH` (U/UT), scanned straight from the Uint8Array of a line so
 * that no TextDecoder runs for them.
 *
 * It is a twin of LineScanner.header + BlkparseTextParser.common in
 * ./blkparse and accepts exactly the lines those accept with exactly the same
 * values, but only when every byte it reads as text is ASCII: anything else
 * (non-ASCII bytes anywhere, another action, a malformed field) returns -1
 * and the caller decodes the line and runs the string path, which also words
 * the diagnostics. Test: test/parsers/blkparseBytes.test.ts compares both paths.
 */
import { Action, actionFromLetterCodes } from './model/actions';

const SPACE = 32;
const TAB = 9;
const ZERO = 48;
const COMMA = 44;
const DOT = 46;
const MINUS = 45;
const LF = 10;
const CR = 13;
const PLUS = 43;
const LBRACKET = 91;
const RBRACKET = 93;
const LPAREN = 40;
const RPAREN = 41;
/** Longest digit run accepted for one number (a u64 sector has 20 digits). */
const MAX_DIGITS = 20;

/** Scanned fields of one event line, left in properties so the hot loop never allocates. */
export class ByteEventScanner {
  major = 0;
  minor = 0;
  cpu = 0;
  seq = 0;
  secs = 0;
  frac = 0;
  pid = 0;
  action = 0;
  rwbsStart = 0;
  rwbsEnd = 0;
  /** rwbs letters keyed base 32 (-1 above 10 letters), the parser's intern cache key. */
  rwbsKey = 0;
  sector = 0;
  nsect = 0;
  /** Kernel error of C/R (already sign-decoded), 0 otherwise. */
  err = 0;
  /** Unplug depth of U/UT, -1 otherwise. */
  depth = -1;
  /** `[COMM]` name at bytes[commStart, commEnd), commHash its FNV-1a; commNull for `(null)`; commStart -1 for C/R. */
  commStart = -1;
  commEnd = 0;
  commHash = 0;
  commNull = false;

  /**
   * When the line starting at bytes[a] is an event line of a common shape,
   * sets every field and returns the index of the LF that ends the line; else
   * returns -1 (fields undefined) for the string path to look at. The line
   * ends at its first LF, or at a CR right before it (the CR is not part of
   * the line, as for ByteLineSplitter); that LF must exist, which
   * ByteLineSplitter guarantees. Blank, digit and letter loops stop at the
   * line end by themselves; only the places where the string path tests the
   * line end test for CR LF / LF here. Locals and inline digit loops only:
   * this runs once per event.
   */
  event(b: Uint8Array, a: number): number {
    let i = a;
    let c: number;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    // device MAJ,MIN
    let st = i;
    let major = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      major = major * 10 + c;
      i++;
    }
    if (i === st || major > 0xfff || b[i] !== COMMA) return -1;
    st = ++i;
    let minor = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      minor = minor * 10 + c;
      i++;
    }
    if (i === st || minor > 0xfffff) return -1;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return -1;
    // cpu
    st = i;
    let cpu = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      cpu = cpu * 10 + c;
      i++;
    }
    if (i === st || cpu > 0xffff) return -1;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return -1;
    // sequence: `%8d` of the u32 sequence, so values above 2^31 print negative
    let neg = false;
    if (b[i] === MINUS) {
      neg = true;
      i++;
    }
    st = i;
    let seq = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      seq = seq * 10 + c;
      i++;
    }
    if (i === st || i - st > 10 || seq > 0xffffffff) return -1;
    if (neg) seq = -seq >>> 0;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return -1;
    // time SECS.NSECS
    st = i;
    let secs = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      secs = secs * 10 + c;
      i++;
    }
    if (i === st || i - st > MAX_DIGITS || b[i] !== DOT) return -1;
    st = ++i;
    let frac = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      frac = frac * 10 + c;
      i++;
    }
    const digits = i - st;
    if (digits === 0 || digits > 9) return -1;
    for (let k = digits; k < 9; k++) frac *= 10;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return -1;
    // pid
    st = i;
    let pid = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      pid = pid * 10 + c;
      i++;
    }
    if (i === st || i - st > 10 || pid > 0xffffffff) return -1;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return -1;
    // action: one of the common letters (a cgroup prefix means a message: string path)
    let action = commonAction(b[i]);
    if (action === Action.Unknown) return -1;
    if ((c = b[i + 1]) === SPACE || c === TAB) {
      i += 1;
    } else if (action === Action.UnplugIo && c === 84 && ((c = b[i + 2]) === SPACE || c === TAB)) {
      action = Action.UnplugTimer; // UT
      i += 2;
    } else return -1;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return -1;
    // rwbs [A-Z]+
    const rs = i;
    let key = 0;
    while ((c = b[i]) >= 65 && c <= 90) {
      key = key * 32 + (c - 64);
      i++;
    }
    if (i === rs || (c !== SPACE && c !== TAB && c !== LF && (c !== CR || b[i + 1] !== LF))) return -1;
    this.rwbsStart = rs;
    this.rwbsEnd = i;
    this.rwbsKey = i - rs <= 10 ? key : -1;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    // tail
    let sector = 0;
    let nsect = 0;
    let err = 0;
    let depth = -1;
    this.commStart = -1;
    if (action === Action.Plug || action === Action.UnplugIo || action === Action.UnplugTimer) {
      if (b[i] !== LBRACKET) return -1;
      i = this.comm(b, i + 1);
      if (i < 0) return -1;
      if (action !== Action.Plug) {
        st = i;
        while ((c = b[i]) === SPACE || c === TAB) i++;
        if (i === st) return -1;
        st = i;
        depth = 0;
        while ((c = b[i] - ZERO) >= 0 && c <= 9) {
          depth = depth * 10 + c;
          i++;
        }
        if (i === st || i - st > 10) return -1;
      }
    } else {
      const completion = action === Action.Complete || action === Action.Requeue;
      if (b[i] === LBRACKET) {
        if (completion) return -1;
      } else {
        st = i;
        while ((c = b[i] - ZERO) >= 0 && c <= 9) {
          sector = sector * 10 + c;
          i++;
        }
        if (i === st || i - st > MAX_DIGITS) return -1;
        st = i;
        while ((c = b[i]) === SPACE || c === TAB) i++;
        /* (the string path also wants a character after the `+`: the blanks required next are that) */
        if (i === st || b[i] !== PLUS) return -1;
        i++;
        st = i;
        while ((c = b[i]) === SPACE || c === TAB) i++;
        if (i === st) return -1;
        st = i;
        while ((c = b[i] - ZERO) >= 0 && c <= 9) {
          nsect = nsect * 10 + c;
          i++;
        }
        if (i === st || i - st > 10 || nsect > 0xffffffff) return -1;
        st = i;
        while ((c = b[i]) === SPACE || c === TAB) i++;
        if (i === st || b[i] !== LBRACKET) return -1;
      }
      if (completion) {
        st = ++i;
        while ((c = b[i] - ZERO) >= 0 && c <= 9) {
          err = err * 10 + c;
          i++;
        }
        if (i === st || i - st > 10 || b[i] !== RBRACKET) return -1;
        i++;
        /* blkparse prints the kernel's u16 `error` with %d: negative errnos show as 65536 - errno. */
        if (err > 32767 && err < 65536) err -= 65536;
      } else {
        i = this.comm(b, i + 1);
        if (i < 0) return -1;
      }
    }
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (c === CR) c = b[++i];
    if (c !== LF) return -1;
    this.major = major;
    this.minor = minor;
    this.cpu = cpu;
    this.seq = seq;
    this.secs = secs;
    this.frac = frac;
    this.pid = pid;
    this.action = action;
    this.sector = sector;
    this.nsect = nsect;
    this.err = err;
    this.depth = depth;
    return i;
  }

  /**
   * The name of `[COMM]` starting at `a` (after the `[`): it runs to the first
   * `]` followed by a blank or the line end (names may contain blanks).
   * Returns the index after the `]`, or -1 (the line ends first, or a
   * non-ASCII byte: decoded names are the string path's business).
   */
  private comm(b: Uint8Array, a: number): number {
    /* `(null)]` + blank/end: blkparse's name when it saw no process note for the pid. */
    let c: number;
    if (
      b[a] === LPAREN && b[a + 1] === 110 && b[a + 2] === 117 && b[a + 3] === 108 && b[a + 4] === 108 &&
      b[a + 5] === RPAREN && b[a + 6] === RBRACKET &&
      ((c = b[a + 7]) === SPACE || c === TAB || c === LF || (c === CR && b[a + 8] === LF))
    ) {
      this.commNull = true;
      this.commStart = a;
      this.commEnd = a + 6;
      return a + 7;
    }
    let h = 0x811c9dc5;
    for (let j = a; ; j++) {
      c = b[j];
      if (c === RBRACKET) {
        const d = b[j + 1];
        if (d === SPACE || d === TAB || d === LF || (d === CR && b[j + 2] === LF)) {
          this.commNull = false;
          this.commStart = a;
          this.commEnd = j;
          this.commHash = h;
          return j + 1;
        }
      } else if (c === LF || c > 127 || (c === CR && b[j + 1] === LF)) {
        return -1;
      }
      h = Math.imul(h ^ c, 16777619);
    }
  }
}

/** blkparse.c dump_trace_fs letters of the actions whose tails the fast path reads; Unknown for others. */
function commonAction(c: number): number {
  const a = actionFromLetterCodes(c, -1);
  // Splits, remaps and messages have tails the fast path leaves to the string path.
  return a === Action.Split || a === Action.Remap || a === Action.Message ? Action.Unknown : a;
}
