/**
 * blkparse text (default layout) → BlockEventStore.
 *
 * Every event line starts with the header blkparse_fmt.c prints as
 * `%3d,%-3d %2d %8d %5d.%09lu %5u %2s %3s ` (device, cpu, sequence,
 * seconds.nanoseconds since the first event, pid, action, rwbs) followed by an
 * action-specific tail (process_default). printf widths overflow, so fields
 * are found by whitespace, never by column. Lines arrive as bytes
 * (ByteLineSplitter): the common event lines are scanned straight from the
 * bytes (./blkparseBytes), every other line is decoded and scanned with
 * charCodeAt. No regular expression and no substring on the hot path, strings
 * are interned through small caches keyed by the characters themselves.
 *
 * Everything that is not an event goes to the summary parser
 * (./blkparseSummary) or, failing that, becomes a diagnostic.
 */
import type { FormatSpec, Sniff } from './format';
import { HEAD_BYTES } from './format';
import { Action, actionFromLetterCodes } from './model/actions';
import { BlockEventStore, ExtraKind, devKey } from './model/blockEvents';
import type { ChunkParser, ParsedSource } from './model/source';
import { DiagnosticSink } from './model/source';
import { ByteLineSplitter, decodeLine } from './text/byteLines';
import { BlkparseSummaryParser } from './blkparseSummary';
import { ByteEventScanner } from './blkparseBytes';

const SPACE = 32;
const TAB = 9;
const ZERO = 48;
const COMMA = 44;
const DOT = 46;
const MINUS = 45;
const PLUS = 43;
const SLASH = 47;
const LBRACKET = 91;
const RBRACKET = 93;
const LPAREN = 40;
const RPAREN = 41;
const LESS = 60;

/** Size - 1 of the direct-mapped rwbs / comm intern caches. */
const CACHE_MASK = 1023;
/** Longest digit run accepted for one number (a u64 sector has 20 digits). */
const MAX_DIGITS = 20;
/** Time values above 2^53 ns (~104 days) cannot be held exactly in a float64. */
const EXACT_NS = 2 ** 53;

export const EVENT_SHAPE = '`MAJ,MIN CPU SEQ SECS.NSECS PID ACTION RWBS ...`';

/** Which header field a line failed at (for the diagnostic). */
const FIELD_NAMES = ['', 'device MAJ,MIN', 'cpu', 'sequence', 'time SECS.NSECS', 'pid', 'action', 'rwbs'];

/** Expected tails by action, as process_default prints them. */
const TAILS: Record<number, string> = {
  [Action.Queue]: '`SECTOR + NSECT [COMM]`',
  [Action.BackMerge]: '`SECTOR + NSECT [COMM]`',
  [Action.FrontMerge]: '`SECTOR + NSECT [COMM]`',
  [Action.GetRq]: '`SECTOR + NSECT [COMM]`',
  [Action.SleepRq]: '`SECTOR + NSECT [COMM]`',
  [Action.Insert]: '`SECTOR + NSECT [COMM]`',
  [Action.Issue]: '`SECTOR + NSECT [COMM]`',
  [Action.Bounce]: '`SECTOR + NSECT [COMM]`',
  [Action.Requeue]: '`SECTOR + NSECT [ERROR]`',
  [Action.Complete]: '`SECTOR + NSECT [ERROR]`',
  [Action.Plug]: '`[COMM]`',
  [Action.UnplugIo]: '`[COMM] DEPTH`',
  [Action.UnplugTimer]: '`[COMM] DEPTH`',
  [Action.Split]: '`SECTOR / NEWSECTOR [COMM]`',
  [Action.Remap]: '`SECTOR + NSECT <- (MAJ,MIN) SECTOR`',
  [Action.Message]: 'message text',
};

function isWs(c: number): boolean {
  return c === SPACE || c === TAB;
}

/** blkparse prints the kernel's u16 `error` with %d: negative errnos show as 65536 - errno. */
export function decodeBlkError(v: number): number {
  return v > 32767 && v < 65536 ? v - 65536 : v;
}

/** The header fields pushEvent stores, as both scanners leave them. */
interface HeaderFields {
  major: number;
  minor: number;
  cpu: number;
  seq: number;
  secs: number;
  frac: number;
  pid: number;
  action: number;
}

/**
 * Scans one line. Fields are left in public properties so that the hot loop
 * never allocates; `header()` is shared with the sniffer.
 */
class LineScanner {
  s = '';
  i = 0;
  e = 0;
  major = 0;
  minor = 0;
  cpu = 0;
  seq = 0;
  secs = 0;
  frac = 0;
  pid = 0;
  action = 0;
  /** Cgroup `ino,gen` printed before `m` (blkparse handle_notify with __BLK_TN_CGROUP), -1 when absent. */
  cgIno = -1;
  cgGen = 0;
  rwbsStart = 0;
  rwbsEnd = 0;
  rwbsKey = 0;

  /** Skips blanks; returns how many. */
  ws(): number {
    const s = this.s;
    const e = this.e;
    let i = this.i;
    const st = i;
    while (i < e) {
      const c = s.charCodeAt(i);
      if (c !== SPACE && c !== TAB) break;
      i++;
    }
    this.i = i;
    return i - st;
  }

  /** Unsigned decimal at the cursor, or -1 when there is none. */
  uint(): number {
    const s = this.s;
    const e = this.e;
    let i = this.i;
    const st = i;
    let v = 0;
    while (i < e) {
      const d = s.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    if (i === st || i - st > MAX_DIGITS) return -1;
    this.i = i;
    return v;
  }

  /** True when the cursor is at a blank or the end of the line (a field ended properly). */
  boundary(): boolean {
    return this.i >= this.e || isWs(this.s.charCodeAt(this.i));
  }

  /**
   * Parses the header fields; returns 0 or the 1-based index of the failing
   * field. The hot path of the whole parser: locals and inline digit loops
   * only (helper calls here were not inlined by V8 and cost a third of the time).
   */
  header(s: string, a: number, e: number): number {
    this.s = s;
    this.e = e;
    let i = a;
    let c = 0;
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    // device MAJ,MIN
    let st = i;
    let major = 0;
    while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
      major = major * 10 + c;
      i++;
    }
    this.i = i;
    if (i === st || major > 0xfff || i >= e || s.charCodeAt(i) !== COMMA) return 1;
    st = ++i;
    let minor = 0;
    while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
      minor = minor * 10 + c;
      i++;
    }
    if (i === st || minor > 0xfffff) return 1;
    st = i;
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    this.i = i;
    if (i === st) return 1;
    // cpu
    st = i;
    let cpu = 0;
    while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
      cpu = cpu * 10 + c;
      i++;
    }
    if (i === st || cpu > 0xffff) return 2;
    st = i;
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    this.i = i;
    if (i === st) return 2;
    // sequence: `%8d` of the u32 sequence, so values above 2^31 print negative
    let neg = false;
    if (i < e && s.charCodeAt(i) === MINUS) {
      neg = true;
      i++;
    }
    st = i;
    let seq = 0;
    while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
      seq = seq * 10 + c;
      i++;
    }
    if (i === st || i - st > 10 || seq > 0xffffffff) return 3;
    if (neg) seq = -seq >>> 0;
    st = i;
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    this.i = i;
    if (i === st) return 3;
    // time SECS.NSECS
    st = i;
    let secs = 0;
    while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
      secs = secs * 10 + c;
      i++;
    }
    if (i === st || i - st > MAX_DIGITS || i >= e || s.charCodeAt(i) !== DOT) return 4;
    st = ++i;
    let frac = 0;
    while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
      frac = frac * 10 + c;
      i++;
    }
    const digits = i - st;
    if (digits === 0 || digits > 9) return 4;
    for (let k = digits; k < 9; k++) frac *= 10;
    st = i;
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    this.i = i;
    if (i === st) return 4;
    // pid
    st = i;
    let pid = 0;
    while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
      pid = pid * 10 + c;
      i++;
    }
    if (i === st || i - st > 10 || pid > 0xffffffff) return 5;
    st = i;
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    this.i = i;
    if (i === st) return 5;
    // action (optionally preceded by the `ino,gen` cgroup of a message)
    this.cgIno = -1;
    let t0 = i;
    while (i < e && (c = s.charCodeAt(i)) !== SPACE && c !== TAB) i++;
    if (i - t0 > 2) {
      if (!this.cgroup(t0, i)) return 6;
      st = i;
      while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
      this.i = i;
      if (i === st) return 6;
      t0 = i;
      while (i < e && (c = s.charCodeAt(i)) !== SPACE && c !== TAB) i++;
    }
    const len = i - t0;
    if (len < 1 || len > 2) return 6;
    const action = actionFromLetterCodes(s.charCodeAt(t0), len === 2 ? s.charCodeAt(t0 + 1) : -1);
    if (action === Action.Unknown && !isLetter(s.charCodeAt(t0))) return 6;
    if (this.cgIno >= 0 && action !== Action.Message) return 6;
    st = i;
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    this.i = i;
    if (i === st) return 6;
    // rwbs [A-Z]+, keyed base 32 for the intern cache
    const rs = i;
    let key = 0;
    while (i < e && (c = s.charCodeAt(i)) >= 65 && c <= 90) {
      key = key * 32 + (c - 64);
      i++;
    }
    if (i === rs || (i < e && c !== SPACE && c !== TAB)) return 7;
    this.rwbsStart = rs;
    this.rwbsEnd = i;
    this.rwbsKey = i - rs <= 10 ? key : -1;
    // skip the blanks before the tail
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    this.i = i;
    this.major = major;
    this.minor = minor;
    this.cpu = cpu;
    this.seq = seq;
    this.secs = secs;
    this.frac = frac;
    this.pid = pid;
    this.action = action;
    return 0;
  }

  /** `%x,%x` cgroup prefix. */
  private cgroup(a: number, b: number): boolean {
    const s = this.s;
    let ino = 0;
    let gen = 0;
    let k = a;
    let seen = 0;
    for (; k < b; k++) {
      const h = hexVal(s.charCodeAt(k));
      if (h < 0) break;
      ino = ino * 16 + h;
      seen++;
    }
    if (seen === 0 || seen > 16 || k >= b || s.charCodeAt(k) !== COMMA) return false;
    k++;
    seen = 0;
    for (; k < b; k++) {
      const h = hexVal(s.charCodeAt(k));
      if (h < 0) return false;
      gen = gen * 16 + h;
      seen++;
    }
    if (seen === 0 || seen > 16) return false;
    this.cgIno = ino;
    this.cgGen = gen;
    return true;
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** blkparse.c dump_trace_fs action strings; `T` is the man page's name for `UT`. */

/** Quoted, shortened copy of a line for diagnostics. */
function excerpt(s: string, a: number, e: number): string {
  const max = 100;
  const t = s.slice(a, Math.min(e, a + max));
  return JSON.stringify(t) + (e - a > max ? `… (${e - a} chars)` : '');
}

/** A SECS.NNNNNNNNN token anywhere on the line: blkparse's %T.%9t time, the mark of custom -f layouts. */
function hasBlkparseTime(s: string, a: number, e: number): boolean {
  let run = 0;
  let dotAt = -1;
  for (let i = a; i < e; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      run++;
      if (dotAt >= 0 && i - dotAt === 9 && (i + 1 >= e || !isDigit(s.charCodeAt(i + 1)))) return true;
    } else if (c === DOT && run > 0) {
      dotAt = i;
      run = 0;
    } else {
      run = 0;
      dotAt = -1;
    }
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Lines blkparse itself writes besides events and statistics (stdout or stderr merged in). */
const CHATTER = [
  'Input file ', 'Trace started at ', 'Bad fs action', 'Bad pc action', 'Bad magic', 'Unknown device ID',
  'No input files found', 'Invalid ', 'Unknown action',
];

export class BlkparseTextParser implements ChunkParser {
  readonly store = new BlockEventStore();
  private readonly diags: DiagnosticSink;
  private readonly splitter: ByteLineSplitter;
  private readonly scan = new LineScanner();
  private readonly bytesScan = new ByteEventScanner();
  private readonly summary = new BlkparseSummaryParser();
  /* Intern caches probed once per line: direct-mapped typed arrays, no Map lookups on the hot path. */
  private readonly rwbsKeys = new Float64Array(CACHE_MASK + 1).fill(-1);
  private readonly rwbsSlot = new Uint32Array(CACHE_MASK + 1);
  private readonly commHash = new Int32Array(CACHE_MASK + 1);
  private readonly commSlot = new Uint32Array(CACHE_MASK + 1);
  private readonly pcEvents = new Set<number>();
  private lastDevKey = -1;
  private lastDevIdx = 0;
  private nullComms = 0;
  private unparsed = 0;
  private customLike = 0;
  private nonEmpty = 0;
  private warnedPrecision = false;
  private firstCustomLine = 0;

  /** `fastPath` false sends every line through the string path (tests compare both paths). */
  constructor(
    readonly name: string,
    private readonly fastPath = true,
  ) {
    this.diags = new DiagnosticSink(name);
    this.splitter = new ByteLineSplitter(
      { bytes: (b, a, e, n) => this.rawLine(b, a, e, n), takeLine: (b, a, maxLF, n) => this.take(b, a, maxLF, n) },
      (n, bytes) => {
        this.unparsed++;
        this.diags.add('warning', `line longer than the line limit (${bytes} bytes) skipped`, { line: n });
      },
    );
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  /** ByteLineSplitter's takeLine: a common event line read straight from the bytes, its LF found on the way. */
  private take(b: Uint8Array, a: number, maxLF: number, lineNo: number): number {
    const nl = this.fastPath ? this.bytesScan.event(b, a) : -1;
    if (nl < 0 || nl > maxLF) return -1;
    this.storeScanned(b, lineNo);
    return nl;
  }

  /** A line as bytes: a common event straight from the bytes, anything else decoded and scanned as text. */
  private rawLine(b: Uint8Array, a: number, e: number, lineNo: number): void {
    if (this.fastPath && this.bytesScan.event(b, a) >= 0) {
      this.storeScanned(b, lineNo);
      return;
    }
    const s = decodeLine(b, a, e);
    this.line(s, 0, s.length, lineNo);
  }

  /** Stores the event the byte scanner has just accepted. */
  private storeScanned(b: Uint8Array, lineNo: number): void {
    const f = this.bytesScan;
    this.nonEmpty++;
    let comm = 0;
    if (f.commStart >= 0) {
      if (f.commNull) this.nullComms++;
      else comm = this.commBytes(b, f.commStart, f.commEnd, f.commHash);
    }
    const rk = f.rwbsKey;
    const rslot = rk & CACHE_MASK;
    const rwbs = rk >= 0 && this.rwbsKeys[rslot] === rk ? this.rwbsSlot[rslot] : this.rwbsMiss(rk, decodeLine(b, f.rwbsStart, f.rwbsEnd));
    const ev = this.pushEvent(f, rwbs, lineNo, f.sector, f.nsect, comm);
    const st = this.store;
    if (f.err !== 0) st.addExtra(ev, ExtraKind.Error, f.err);
    if (f.depth >= 0) st.addExtra(ev, ExtraKind.UnplugDepth, f.depth);
  }

  private line(s: string, a: number, e: number, lineNo: number): void {
    const sc = this.scan;
    const fail = sc.header(s, a, e);
    if (fail !== 0) {
      if (countWs(s, a, e) === e - a) return; // blank line
      this.other(s, a, e, lineNo, fail);
      return;
    }
    this.nonEmpty++;
    const tail = sc.i;
    const nulls = this.nullComms;
    if (this.common(s, e, lineNo)) return;
    /* Not one of the common shapes: the general tail parser reports precisely. */
    sc.i = tail;
    this.nullComms = nulls;
    this.rareTail(s, a, e, lineNo);
  }

  /**
   * Every tail process_default can print (PC requests, -t elapsed times,
   * X, A, m, zero-size bios) plus reporting of malformed ones; the header is
   * already scanned and `scan.i` is at the tail.
   */
  private rareTail(s: string, a: number, e: number, lineNo: number): void {
    const sc = this.scan;
    const st = this.store;
    const tail = sc.i;
    const action = sc.action;
    let sector = 0;
    let nsect = 0;
    let comm = 0;
    // extras, written after push (they need the event index)
    let err = 0;
    let hasErr = false;
    let depth = -1;
    let splitTo = -1;
    let remapDev = -1;
    let remapSector = 0;
    let bytes = -1;
    let pdu = -1;
    let elapsed = -1;
    let message = -1;
    let ok = true;
    switch (action) {
      case Action.Queue:
      case Action.Insert:
      case Action.Issue:
      case Action.Bounce:
      case Action.BackMerge:
      case Action.FrontMerge:
      case Action.GetRq:
      case Action.SleepRq:
      case Action.Requeue:
      case Action.Complete: {
        const completion = action === Action.Complete || action === Action.Requeue;
        let c = sc.i < e ? s.charCodeAt(sc.i) : -1;
        if (c >= ZERO && c <= ZERO + 9) {
          const v = sc.uint();
          if (v < 0 || !sc.boundary()) {
            ok = false;
            break;
          }
          sc.ws();
          c = sc.i < e ? s.charCodeAt(sc.i) : -1;
          if (c === PLUS) {
            sc.i++;
            if (sc.ws() === 0) {
              ok = false;
              break;
            }
            const n = sc.uint();
            if (n < 0 || n > 0xffffffff || !sc.boundary()) {
              ok = false;
              break;
            }
            sector = v;
            nsect = n;
            sc.ws();
          } else if (completion) {
            sector = v; // zero-size completion (flush): `SECTOR [ERR]`
          } else {
            bytes = v; // passthrough: `BYTES [(PDU)] [COMM]`
            nsect = Math.floor(v / 512);
          }
          c = sc.i < e ? s.charCodeAt(sc.i) : -1;
        } else if (completion && (c === LPAREN || c === LBRACKET)) {
          bytes = -2; // passthrough completion: `[(PDU)] [ERR]`, no sector
        }
        if (c === LPAREN) {
          /* Bounded to the line: indexOf would run on through the rest of the chunk. */
          let close = sc.i + 1;
          while (close < e && s.charCodeAt(close) !== RPAREN) close++;
          if (close >= e) {
            ok = false;
            break;
          }
          if (bytes === -1) {
            /* fs requests only ever print `(%8llu)`, the -t elapsed time */
            elapsed = parseElapsed(s, sc.i + 1, close);
            if (elapsed < 0) {
              ok = false;
              break;
            }
          } else {
            pdu = st.strings.intern(s.slice(sc.i + 1, close).trim());
          }
          sc.i = close + 1;
          sc.ws();
          c = sc.i < e ? s.charCodeAt(sc.i) : -1;
        }
        if (c !== LBRACKET) {
          ok = false;
          break;
        }
        if (completion) {
          sc.i++;
          let neg = false;
          if (sc.i < e && s.charCodeAt(sc.i) === MINUS) {
            neg = true;
            sc.i++;
          }
          const v = sc.uint();
          if (v < 0 || sc.i >= e || s.charCodeAt(sc.i) !== RBRACKET) {
            ok = false;
            break;
          }
          sc.i++;
          err = neg ? -v : decodeBlkError(v);
          hasErr = true;
        } else {
          comm = this.comm(s, e);
          if (comm < 0) {
            ok = false;
            break;
          }
        }
        break;
      }
      case Action.Plug:
      case Action.UnplugIo:
      case Action.UnplugTimer: {
        if (sc.i >= e || s.charCodeAt(sc.i) !== LBRACKET) {
          ok = false;
          break;
        }
        comm = this.comm(s, e);
        if (comm < 0) {
          ok = false;
          break;
        }
        if (action !== Action.Plug) {
          if (sc.ws() === 0) {
            ok = false;
            break;
          }
          depth = sc.uint();
          if (depth < 0 || !sc.boundary()) ok = false;
        }
        break;
      }
      case Action.Split: {
        sector = sc.uint();
        if (sector < 0 || sc.ws() === 0 || sc.i >= e || s.charCodeAt(sc.i) !== SLASH) {
          ok = false;
          break;
        }
        sc.i++;
        sc.ws();
        splitTo = sc.uint();
        if (splitTo < 0 || sc.ws() === 0 || sc.i >= e || s.charCodeAt(sc.i) !== LBRACKET) {
          ok = false;
          break;
        }
        comm = this.comm(s, e);
        if (comm < 0) ok = false;
        break;
      }
      case Action.Remap: {
        sector = sc.uint();
        if (sector < 0 || sc.ws() === 0 || sc.i >= e || s.charCodeAt(sc.i) !== PLUS) {
          ok = false;
          break;
        }
        sc.i++;
        sc.ws();
        nsect = sc.uint();
        if (nsect < 0 || nsect > 0xffffffff || sc.ws() === 0) {
          ok = false;
          break;
        }
        if (sc.i + 1 >= e || s.charCodeAt(sc.i) !== LESS || s.charCodeAt(sc.i + 1) !== MINUS) {
          ok = false;
          break;
        }
        sc.i += 2;
        sc.ws();
        if (sc.i >= e || s.charCodeAt(sc.i) !== LPAREN) {
          ok = false;
          break;
        }
        sc.i++;
        const maj = sc.uint();
        if (maj < 0 || maj > 0xfff || sc.i >= e || s.charCodeAt(sc.i) !== COMMA) {
          ok = false;
          break;
        }
        sc.i++;
        const min = sc.uint();
        if (min < 0 || min > 0xfffff || sc.i >= e || s.charCodeAt(sc.i) !== RPAREN) {
          ok = false;
          break;
        }
        sc.i++;
        sc.ws();
        remapSector = sc.uint();
        if (remapSector < 0 || !sc.boundary()) {
          ok = false;
          break;
        }
        remapDev = devKey(maj, min);
        break;
      }
      case Action.Message: {
        /* handle_notify prints the payload with `%*s` (pdu_len wide), so any padding is leading. */
        message = st.strings.intern(s.slice(sc.i, e));
        sc.i = e;
        break;
      }
      default:
        /* A letter blkparse does not print by default: keep the header, report the tail. */
        this.diags.add('warning', `unknown action letter in an event line, kept as action 0: ${excerpt(s, a, e)}`, { line: lineNo });
        sc.i = e;
        break;
    }
    if (!ok) {
      this.unparsed++;
      this.diags.add(
        'warning',
        `event line with a malformed ${String.fromCharCode(...actionChars(action))} tail: expected ${TAILS[action] ?? 'a tail'} after the rwbs, got ${excerpt(s, tail, e)}`,
        { line: lineNo },
      );
      return;
    }
    sc.ws();
    if (sc.i < e) {
      this.diags.add('warning', `unexpected text after the event (annotation?), event kept: ${excerpt(s, sc.i, e)}`, { line: lineNo });
    }
    /* The kernel logs a split with the bytes of the piece cut off (bio_split →
     * trace_block_split(split, bio->bi_iter.bi_sector)), which blkparse does not
     * print; it is exactly NEW - SECTOR, so every format carries the same count. */
    if (splitTo > sector && nsect === 0) nsect = splitTo - sector;
    const ev = this.pushEvent(this.scan, this.rwbsOf(s), lineNo, sector, nsect, comm);
    if (hasErr && err !== 0) st.addExtra(ev, ExtraKind.Error, err);
    if (depth >= 0) st.addExtra(ev, ExtraKind.UnplugDepth, depth);
    if (splitTo >= 0) st.addExtra(ev, ExtraKind.SplitTo, splitTo);
    if (remapDev >= 0) st.addExtra(ev, ExtraKind.RemapFrom, remapDev, remapSector);
    if (bytes >= 0) st.addExtra(ev, ExtraKind.Bytes, bytes);
    if (pdu >= 0) st.addExtra(ev, ExtraKind.Pdu, pdu);
    if (elapsed >= 0) st.addExtra(ev, ExtraKind.Elapsed, elapsed);
    if (message >= 0) st.addExtra(ev, ExtraKind.Message, message);
    if (sc.cgIno >= 0) st.addExtra(ev, ExtraKind.Cgroup, sc.cgIno, sc.cgGen);
    if (bytes !== -1) this.pcEvents.add(ev);
  }

  /**
   * The shapes that make up nearly every real trace, scanned with locals only:
   * `SECTOR + NSECT [COMM]`, `SECTOR + NSECT [ERR]` (C/R), `[COMM]` (P and
   * zero-size bios), `[COMM] DEPTH` (U/UT). Returns false, having stored
   * nothing, for anything else.
   */
  private common(s: string, e: number, lineNo: number): boolean {
    const sc = this.scan;
    const action = sc.action;
    let i = sc.i;
    let c: number;
    let st: number;
    let sector = 0;
    let nsect = 0;
    let comm = 0;
    let err = 0;
    let depth = -1;
    switch (action) {
      case Action.Queue:
      case Action.Insert:
      case Action.Issue:
      case Action.Bounce:
      case Action.BackMerge:
      case Action.FrontMerge:
      case Action.GetRq:
      case Action.SleepRq:
      case Action.Requeue:
      case Action.Complete: {
        const completion = action === Action.Complete || action === Action.Requeue;
        if (i < e && s.charCodeAt(i) === LBRACKET) {
          if (completion) return false;
        } else {
          st = i;
          while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
            sector = sector * 10 + c;
            i++;
          }
          if (i === st || i - st > MAX_DIGITS) return false;
          st = i;
          while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
          if (i === st || i + 1 >= e || s.charCodeAt(i) !== PLUS) return false;
          i++;
          st = i;
          while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
          if (i === st) return false;
          st = i;
          while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
            nsect = nsect * 10 + c;
            i++;
          }
          if (i === st || i - st > 10 || nsect > 0xffffffff) return false;
          st = i;
          while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
          if (i === st || i >= e || s.charCodeAt(i) !== LBRACKET) return false;
        }
        if (completion) {
          st = ++i;
          while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
            err = err * 10 + c;
            i++;
          }
          if (i === st || i - st > 10 || i >= e || s.charCodeAt(i) !== RBRACKET) return false;
          sc.i = i + 1;
          err = decodeBlkError(err);
        } else {
          sc.i = i;
          comm = this.comm(s, e);
          if (comm < 0) return false;
        }
        break;
      }
      case Action.Plug:
      case Action.UnplugIo:
      case Action.UnplugTimer: {
        if (i >= e || s.charCodeAt(i) !== LBRACKET) return false;
        comm = this.comm(s, e);
        if (comm < 0) return false;
        if (action !== Action.Plug) {
          i = sc.i;
          st = i;
          while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
          if (i === st) return false;
          st = i;
          depth = 0;
          while (i < e && (c = s.charCodeAt(i) - ZERO) >= 0 && c <= 9) {
            depth = depth * 10 + c;
            i++;
          }
          if (i === st || i - st > 10) return false;
          sc.i = i;
        }
        break;
      }
      default:
        return false;
    }
    i = sc.i;
    while (i < e && ((c = s.charCodeAt(i)) === SPACE || c === TAB)) i++;
    if (i < e) return false;
    const ev = this.pushEvent(this.scan, this.rwbsOf(s), lineNo, sector, nsect, comm);
    const st2 = this.store;
    if (err !== 0) st2.addExtra(ev, ExtraKind.Error, err);
    if (depth >= 0) st2.addExtra(ev, ExtraKind.UnplugDepth, depth);
    return true;
  }

  /** The rwbs index of the string scanner's line `s`, through the intern cache. */
  private rwbsOf(s: string): number {
    const sc = this.scan;
    const rk = sc.rwbsKey;
    const rslot = rk & CACHE_MASK;
    if (rk >= 0 && this.rwbsKeys[rslot] === rk) return this.rwbsSlot[rslot];
    return this.rwbsMiss(rk, s.slice(sc.rwbsStart, sc.rwbsEnd));
  }

  /** Interns an rwbs string not in the cache and caches it under its key (-1: too long to key). */
  private rwbsMiss(rk: number, text: string): number {
    const rwbs = this.store.rwbsIdx(text);
    if (rk >= 0) {
      const rslot = rk & CACHE_MASK;
      this.rwbsKeys[rslot] = rk;
      this.rwbsSlot[rslot] = rwbs;
    }
    return rwbs;
  }

  /** Appends a scanned header with its rwbs index and tail values; returns the event index. */
  private pushEvent(sc: HeaderFields, rwbs: number, lineNo: number, sector: number, nsect: number, comm: number): number {
    const st = this.store;
    const key = devKey(sc.major, sc.minor);
    if (key !== this.lastDevKey) {
      this.lastDevKey = key;
      this.lastDevIdx = st.deviceIdx(key);
    }
    /* Integer and fraction parsed apart: exact up to 2^53 ns. */
    const timeNs = sc.secs * 1e9 + sc.frac;
    if (timeNs > EXACT_NS && !this.warnedPrecision) {
      this.warnedPrecision = true;
      this.diags.add('warning', `time ${sc.secs}.${String(sc.frac).padStart(9, '0')} s exceeds 2^53 ns: nanosecond precision is lost from here on`, { line: lineNo });
    }
    const ev = st.push(timeNs, this.lastDevIdx, sc.cpu, sc.seq, sc.pid, comm, sc.action, rwbs, sector, nsect);
    st.setOrigin(ev, lineNo);
    return ev;
  }

  /**
   * `[COMM]` at the cursor: the name runs to the first `]` followed by a
   * blank or the end of the line (names may contain blanks). `(null)` is what
   * blkparse prints when it saw no process note for the pid → index 0.
   */
  private comm(s: string, e: number): number {
    const sc = this.scan;
    const a = sc.i + 1;
    /* `(null)]` + end/blank: the commonest comm of traces without process notes, checked before hashing. */
    if (
      a + 6 < e && s.charCodeAt(a) === LPAREN && s.charCodeAt(a + 1) === 110 && s.charCodeAt(a + 2) === 117 &&
      s.charCodeAt(a + 3) === 108 && s.charCodeAt(a + 4) === 108 && s.charCodeAt(a + 5) === RPAREN &&
      s.charCodeAt(a + 6) === RBRACKET && (a + 7 === e || isWs(s.charCodeAt(a + 7)))
    ) {
      sc.i = a + 7;
      this.nullComms++;
      return 0;
    }
    let j = a;
    let h = 0x811c9dc5;
    for (; j < e; j++) {
      const c = s.charCodeAt(j);
      if (c === RBRACKET && (j + 1 === e || isWs(s.charCodeAt(j + 1)))) break;
      h = Math.imul(h ^ c, 16777619);
    }
    if (j >= e) return -1;
    sc.i = j + 1;
    const len = j - a;
    /* Direct-mapped cache: slot by hash, verified against the interned characters. */
    const slot = (h ^ (h >>> 15)) & CACHE_MASK;
    const strings = this.store.strings;
    const hit = this.commSlot[slot];
    if (hit > 0 && this.commHash[slot] === h) {
      const v = strings.values[hit];
      if (v.length === len) {
        let k = 0;
        while (k < len && v.charCodeAt(k) === s.charCodeAt(a + k)) k++;
        if (k === len) return hit;
      }
    }
    const idx = strings.intern(s.slice(a, j));
    this.commSlot[slot] = idx;
    this.commHash[slot] = h;
    return idx;
  }

  /** commBytes: comm()'s cache for an ASCII name at bytes[a, j) with FNV-1a hash h (the same hash as comm's). */
  private commBytes(b: Uint8Array, a: number, j: number, h: number): number {
    const len = j - a;
    const slot = (h ^ (h >>> 15)) & CACHE_MASK;
    const strings = this.store.strings;
    const hit = this.commSlot[slot];
    if (hit > 0 && this.commHash[slot] === h) {
      const v = strings.values[hit];
      if (v.length === len) {
        let k = 0;
        while (k < len && v.charCodeAt(k) === b[a + k]) k++;
        if (k === len) return hit;
      }
    }
    const idx = strings.intern(decodeLine(b, a, j));
    this.commSlot[slot] = idx;
    this.commHash[slot] = h;
    return idx;
  }

  /** A line that is not an event: summary, blkparse chatter, or something else (reported). */
  private other(s: string, a: number, e: number, lineNo: number, fail: number): void {
    this.nonEmpty++;
    const text = s.slice(a, e);
    if (this.summary.line(text, lineNo)) return;
    const t = text.trim();
    for (const c of CHATTER) {
      if (t.startsWith(c)) {
        this.diags.add('info', `blkparse message, not an event: ${excerpt(t, 0, t.length)}`, { line: lineNo });
        return;
      }
    }
    if (/^cpu \d+ trace info has error cpu \d+$/.test(t) || /^\(\d+,\d+\): skipping /.test(t) || / not found for \(\d+,\d+\)/.test(t)) {
      this.diags.add('info', `blkparse message, not an event: ${excerpt(t, 0, t.length)}`, { line: lineNo });
      return;
    }
    this.unparsed++;
    if (hasBlkparseTime(s, a, e)) {
      this.customLike++;
      if (this.firstCustomLine === 0) this.firstCustomLine = lineNo;
    }
    /* A line that starts like an event says which field broke; others are just "not an event". */
    const startsLikeEvent = isDigit(s.charCodeAt(a + countWs(s, a, e)));
    const at = startsLikeEvent && fail < FIELD_NAMES.length ? ` (no valid ${FIELD_NAMES[fail]} field)` : '';
    this.diags.add('warning', `not a blkparse event or summary line${at}: expected ${EVENT_SHAPE}, got ${excerpt(s, a, e)}`, { line: lineNo });
  }

  finish(): ParsedSource {
    this.splitter.finish();
    const st = this.store;
    for (const ln of this.summary.emptyBlocks()) {
      this.unparsed++;
      this.diags.add('warning', `a summary block header with no statistics rows after it`, { line: ln });
    }
    if (this.customLike >= 3 && this.customLike * 2 >= this.nonEmpty) {
      this.diags.add(
        'error',
        `${this.customLike} of ${this.nonEmpty} lines carry blkparse's SECS.NANOSECONDS time but not its default layout ${EVENT_SHAPE}: ` +
          `this looks like output of blkparse -f/-F with a custom format, which is not supported (re-run blkparse without -f/-F)`,
        { line: this.firstCustomLine },
      );
    } else if (this.customLike > 0) {
      this.diags.add('info', `${this.customLike} unparsed line(s) carry a SECS.NANOSECONDS time (lines printed with a custom -F format?)`, { line: this.firstCustomLine });
    }
    if (this.nullComms > 0) {
      this.diags.add(
        'info',
        `${this.nullComms} event(s) print the process as (null): blkparse saw no process notes for their pids (e.g. ftrace binary mode); their comm is unknown`,
      );
    }
    const pc = this.pcEvents;
    const summary = this.summary.build(st, (ev) => pc.has(ev), pc.size > 0, this.unparsed);
    if (summary && summary.crossCheck.length > 0) {
      this.diags.add('warning', `blkparse's own summary disagrees with the events: ${summary.crossCheck.join('; ')}`);
    }
    st.compact();
    const src: ParsedSource = {
      name: this.name,
      format: 'blkparse',
      evidence: '',
      bytes: this.splitter.bytes,
      clock: { kind: 'trace-relative', baseNs: '0' },
      block: st,
      diagnostics: this.diags.list,
      diagnosticsOmitted: this.diags.omitted,
    };
    if (summary) src.summary = summary;
    return src;
  }
}

function countWs(s: string, a: number, e: number): number {
  let i = a;
  while (i < e && isWs(s.charCodeAt(i))) i++;
  return i - a;
}

function actionChars(a: number): number[] {
  switch (a) {
    case Action.UnplugTimer: return [85, 84];
    case Action.Message: return [109];
    case Action.Unknown: return [63];
    default: return [[0, 81, 77, 70, 71, 83, 82, 68, 67, 80, 85, 0, 73, 88, 66, 65][a] ?? 63];
  }
}

/** `(%8llu)` elapsed ns of blkparse -t: blanks then digits only; -1 when the parenthesis holds something else (a PDU). */
function parseElapsed(s: string, a: number, b: number): number {
  let i = a;
  while (i < b && s.charCodeAt(i) === SPACE) i++;
  if (i === b || b - a < 8) return -1;
  let v = 0;
  for (; i < b; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Typical bytes per event line, for the capacity hint of a whole-buffer parse (an estimate: columns still grow past it). */
const EVENT_BYTES_HINT = 56;

/** Parses a whole in-memory blkparse text (used by the bench and tools). */
export function parseBlkparseText(bytes: Uint8Array, name: string): ParsedSource {
  const p = new BlkparseTextParser(name);
  /* Event lines are 45 to 70 bytes: room for one event per EVENT_BYTES_HINT bytes spares the columns most regrowth. */
  p.store.reserve(Math.ceil(bytes.length / EVENT_BYTES_HINT));
  /* One push: lines are read in place from the bytes, nothing is decoded or copied per chunk. */
  p.push(bytes);
  const src = p.finish();
  src.evidence = 'parsed as blkparse text';
  return src;
}

/** How many lines the sniffer looks at. */
const SNIFF_LINES = 40;

function sniff(head: Uint8Array, text: string): Sniff | null {
  const sc = new LineScanner();
  const complete = head.length < HEAD_BYTES;
  let n = 0;
  let m = 0;
  let custom = 0;
  let summaryLike = 0;
  const summary = new BlkparseSummaryParser();
  let a = 0;
  while (a < text.length && n < SNIFF_LINES) {
    let nl = text.indexOf('\n', a);
    if (nl < 0) {
      if (!complete) break;
      nl = text.length;
    }
    let e = nl;
    if (e > a && text.charCodeAt(e - 1) === 13) e--;
    const line = a;
    a = nl + 1;
    if (countWs(text, line, e) === e - line) continue;
    n++;
    if (sc.header(text, line, e) === 0) m++;
    else if (hasBlkparseTime(text, line, e)) custom++;
    else if (summary.line(text.slice(line, e), n)) summaryLike++;
  }
  if (n === 0) return null;
  const layout = "blkparse's `MAJ,MIN CPU SEQ SECS.NSECS PID ACT RWBS` layout";
  if (m > 0) {
    /* Summary lines are blkparse output too (excerpts often show a few events and the statistics). */
    const ratio = (m + summaryLike) / n;
    const score = m >= 3 || ratio >= 0.5 ? 0.55 + 0.4 * ratio : 0.2 + 0.3 * ratio;
    const also = summaryLike > 0 ? ` (and ${summaryLike} are its summary lines)` : '';
    return { score, evidence: `${m} of ${n} lines match ${layout}${also}` };
  }
  if (summaryLike >= 2) {
    return { score: 0.5, evidence: `${summaryLike} of ${n} lines are blkparse summary lines (no event lines)` };
  }
  if (custom * 2 >= n && custom >= 3) {
    return {
      score: 0.25,
      evidence: `${custom} of ${n} lines carry blkparse's SECS.NANOSECONDS time but none match ${layout}: custom blkparse -f layout? (not supported)`,
    };
  }
  return null;
}

export const blkparseFormat: FormatSpec = {
  id: 'blkparse',
  label: 'blkparse text',
  sniff,
  create: (name: string) => new BlkparseTextParser(name),
};
