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
 * (non-ASCII bytes anywhere, another action, a malformed field) returns false
 * and the caller decodes the line and runs the string path, which also words
 * the diagnostics. Test: test/parsers/blkparseBytes.test.ts compares both paths.
 */
import { Action } from './model/actions';

const SPACE = 32;
const TAB = 9;
const ZERO = 48;
const COMMA = 44;
const DOT = 46;
const MINUS = 45;
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
   * True when bytes[a, e) is an event line of a common shape, all fields set;
   * false (fields undefined) for anything the string path must look at.
   * Locals and inline digit loops only: this runs once per event. bytes[e]
   * must be a CR or LF, as RawLineSplitter guarantees: the blank, digit and
   * letter loops then stop at the line end by themselves, without `i < e`.
   */
  event(b: Uint8Array, a: number, e: number): boolean {
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
    if (i === st || major > 0xfff || b[i] !== COMMA) return false;
    st = ++i;
    let minor = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      minor = minor * 10 + c;
      i++;
    }
    if (i === st || minor > 0xfffff) return false;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return false;
    // cpu
    st = i;
    let cpu = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      cpu = cpu * 10 + c;
      i++;
    }
    if (i === st || cpu > 0xffff) return false;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return false;
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
    if (i === st || i - st > 10 || seq > 0xffffffff) return false;
    if (neg) seq = -seq >>> 0;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return false;
    // time SECS.NSECS
    st = i;
    let secs = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      secs = secs * 10 + c;
      i++;
    }
    if (i === st || i - st > MAX_DIGITS || b[i] !== DOT) return false;
    st = ++i;
    let frac = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      frac = frac * 10 + c;
      i++;
    }
    const digits = i - st;
    if (digits === 0 || digits > 9) return false;
    for (let k = digits; k < 9; k++) frac *= 10;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return false;
    // pid
    st = i;
    let pid = 0;
    while ((c = b[i] - ZERO) >= 0 && c <= 9) {
      pid = pid * 10 + c;
      i++;
    }
    if (i === st || i - st > 10 || pid > 0xffffffff) return false;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return false;
    // action: one of the common letters (a cgroup prefix means a message: string path)
    const t0 = i;
    while (i < e && (c = b[i]) !== SPACE && c !== TAB) i++;
    const len = i - t0;
    let action: number;
    if (len === 1) action = commonAction(b[t0]);
    else if (len === 2 && b[t0] === 85 && b[t0 + 1] === 84) action = Action.UnplugTimer; // UT
    else return false;
    if (action === Action.Unknown) return false;
    st = i;
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i === st) return false;
    // rwbs [A-Z]+
    const rs = i;
    let key = 0;
    while ((c = b[i]) >= 65 && c <= 90) {
      key = key * 32 + (c - 64);
      i++;
    }
    if (i === rs || (i < e && c !== SPACE && c !== TAB)) return false;
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
      if (b[i] !== LBRACKET) return false;
      i = this.comm(b, i + 1, e);
      if (i < 0) return false;
      if (action !== Action.Plug) {
        st = i;
        while ((c = b[i]) === SPACE || c === TAB) i++;
        if (i === st) return false;
        st = i;
        depth = 0;
        while ((c = b[i] - ZERO) >= 0 && c <= 9) {
          depth = depth * 10 + c;
          i++;
        }
        if (i === st || i - st > 10) return false;
      }
    } else {
      const completion = action === Action.Complete || action === Action.Requeue;
      if (b[i] === LBRACKET) {
        if (completion) return false;
      } else {
        st = i;
        while ((c = b[i] - ZERO) >= 0 && c <= 9) {
          sector = sector * 10 + c;
          i++;
        }
        if (i === st || i - st > MAX_DIGITS) return false;
        st = i;
        while ((c = b[i]) === SPACE || c === TAB) i++;
        if (i === st || i + 1 >= e || b[i] !== PLUS) return false;
        i++;
        st = i;
        while ((c = b[i]) === SPACE || c === TAB) i++;
        if (i === st) return false;
        st = i;
        while ((c = b[i] - ZERO) >= 0 && c <= 9) {
          nsect = nsect * 10 + c;
          i++;
        }
        if (i === st || i - st > 10 || nsect > 0xffffffff) return false;
        st = i;
        while ((c = b[i]) === SPACE || c === TAB) i++;
        if (i === st || b[i] !== LBRACKET) return false;
      }
      if (completion) {
        st = ++i;
        while ((c = b[i] - ZERO) >= 0 && c <= 9) {
          err = err * 10 + c;
          i++;
        }
        if (i === st || i - st > 10 || b[i] !== RBRACKET) return false;
        i++;
        /* blkparse prints the kernel's u16 `error` with %d: negative errnos show as 65536 - errno. */
        if (err > 32767 && err < 65536) err -= 65536;
      } else {
        i = this.comm(b, i + 1, e);
        if (i < 0) return false;
      }
    }
    while ((c = b[i]) === SPACE || c === TAB) i++;
    if (i < e) return false;
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
    return true;
  }

  /**
   * The name of `[COMM]` starting at `a` (after the `[`): it runs to the first
   * `]` followed by a blank or the line end (names may contain blanks).
   * Returns the index after the `]`, or -1 (no end, or a non-ASCII byte:
   * decoded names are the string path's business).
   */
  private comm(b: Uint8Array, a: number, e: number): number {
    /* `(null)]` + end/blank: blkparse's name when it saw no process note for the pid. */
    if (
      a + 6 < e && b[a] === LPAREN && b[a + 1] === 110 && b[a + 2] === 117 && b[a + 3] === 108 &&
      b[a + 4] === 108 && b[a + 5] === RPAREN && b[a + 6] === RBRACKET &&
      (a + 7 === e || b[a + 7] === SPACE || b[a + 7] === TAB)
    ) {
      this.commNull = true;
      this.commStart = a;
      this.commEnd = a + 6;
      return a + 7;
    }
    let j = a;
    let h = 0x811c9dc5;
    for (; j < e; j++) {
      const c = b[j];
      if (c === RBRACKET && (j + 1 === e || b[j + 1] === SPACE || b[j + 1] === TAB)) break;
      if (c > 127) return -1;
      h = Math.imul(h ^ c, 16777619);
    }
    if (j >= e) return -1;
    this.commNull = false;
    this.commStart = a;
    this.commEnd = j;
    this.commHash = h;
    return j + 1;
  }
}

/** blkparse.c dump_trace_fs letters of the actions whose tails the fast path reads; Unknown for others. */
function commonAction(c: number): number {
  switch (c) {
    case 81: return Action.Queue; // Q
    case 77: return Action.BackMerge; // M
    case 70: return Action.FrontMerge; // F
    case 71: return Action.GetRq; // G
    case 83: return Action.SleepRq; // S
    case 82: return Action.Requeue; // R
    case 68: return Action.Issue; // D
    case 67: return Action.Complete; // C
    case 80: return Action.Plug; // P
    case 85: return Action.UnplugIo; // U
    case 84: return Action.UnplugTimer; // T
    case 73: return Action.Insert; // I
    case 66: return Action.Bounce; // B
    default: return Action.Unknown;
  }
}
