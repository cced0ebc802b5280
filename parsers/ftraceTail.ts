/**
 * The part of a block event line after `MAJ,MIN RWBS`, shared by the blk
 * tracer printers (kernel/trace/blktrace.c blk_log_generic/with_error/split/
 * remap/unplug) and the block tracepoint print formats
 * (include/trace/events/block.h). Both are built from the same pieces:
 *
 *   BYTES (CMD)             passthrough / request byte count + CDB dump
 *   SECTOR [+ NR]           data range (no `+ NR` for zero-length blk C/R)
 *   SECTOR / NEW_SECTOR     split
 *   <- (MAJ,MIN) FROM [N]   remap source (rq_remap appends nr_bios)
 *   [TEXT] [N]              comm or error code; unplug depth after it
 *
 * Tokens the grammar does not know (the 6.10+ `be,0,4` ioprio triple,
 * proposed `req=` / `|ALIGN|` extensions) are counted and skipped, as
 * trace-formats.md §4.3 asks.
 */
import { Cursor, isSpace, lastIndexIn } from './ftraceScan';

const LBRACKET = 91;
const LPAREN = 40;
const RPAREN = 41;
const PLUS = 43;
const SLASH = 47;
const LT = 60;
const MINUS = 45;
const COMMA = 44;

export class Tail {
  bytes = 0;
  hasBytes = false;
  parenStart = -1;
  parenEnd = -1;
  sector = 0;
  hasSector = false;
  count = 0;
  hasCount = false;
  newSector = 0;
  hasNewSector = false;
  remapDev = 0;
  remapSector = 0;
  hasRemap = false;
  bracketStart = -1;
  bracketEnd = -1;
  after = 0;
  hasAfter = false;
  unknownTokens = 0;
  /** What was expected where parsing stopped ('' when the tail parsed). */
  expected = '';

  private reset(): void {
    this.hasBytes = this.hasSector = this.hasCount = this.hasNewSector = false;
    this.hasRemap = this.hasAfter = false;
    this.bytes = this.sector = this.count = this.newSector = this.after = 0;
    this.remapDev = this.remapSector = 0;
    this.parenStart = this.parenEnd = this.bracketStart = this.bracketEnd = -1;
    this.unknownTokens = 0;
    this.expected = '';
  }

  /** Parses from the cursor to the end of the line; false (with `expected` set) on malformed input. */
  parse(c: Cursor): boolean {
    this.reset();
    const t = c.t;
    for (;;) {
      c.skipSpaces();
      if (c.atEnd()) return true;
      const ch = c.peek();
      if (ch === LBRACKET) return this.bracket(c);
      if (ch === LPAREN) {
        const close = t.indexOf(')', c.p + 1);
        if (close < 0 || close >= c.e) return this.fail('`)` closing the command/PDU dump');
        this.parenStart = c.p + 1;
        this.parenEnd = close;
        c.p = close + 1;
      } else if (ch === PLUS) {
        c.p++;
        c.skipSpaces();
        if (!c.uint()) return this.fail('sector count after `+`');
        this.count = c.v;
        this.hasCount = true;
      } else if (ch === SLASH) {
        c.p++;
        c.skipSpaces();
        if (!c.uint()) return this.fail('new sector after `/`');
        this.newSector = c.v;
        this.hasNewSector = true;
      } else if (ch === LT && c.p + 1 < c.e && t.charCodeAt(c.p + 1) === MINUS) {
        c.p += 2;
        if (!this.remap(c)) return this.fail('`(MAJ,MIN) SECTOR` after `<-`');
      } else if (c.uint()) {
        if (!c.atEnd() && !isSpace(c.peek())) {
          // A token that merely starts with digits (`0x0,0,0` ioprio printed raw).
          c.token();
          this.unknownTokens++;
          continue;
        }
        const v = c.v;
        const save = c.p;
        c.skipSpaces();
        const next = c.peek();
        c.p = save;
        if (next === LPAREN && this.parenStart < 0 && !this.hasSector && !this.hasBytes) {
          this.bytes = v;
          this.hasBytes = true;
        } else if (!this.hasSector) {
          this.sector = v;
          this.hasSector = true;
        } else {
          this.unknownTokens++;
        }
      } else {
        c.token();
        this.unknownTokens++;
      }
    }
  }

  /** `(MAJ,MIN) SECTOR [NR_BIOS]` after `<-`. */
  private remap(c: Cursor): boolean {
    c.skipSpaces();
    if (!c.lit(LPAREN) || !c.uint()) return false;
    const major = c.v;
    if (!c.lit(COMMA) || !c.uint()) return false;
    const minor = c.v;
    if (!c.lit(RPAREN)) return false;
    c.skipSpaces();
    if (!c.uint()) return false;
    this.remapDev = major * 1048576 + minor;
    this.remapSector = c.v;
    this.hasRemap = true;
    return true;
  }

  /** `[TEXT]` up to the last `]` of the line (comms may contain `]`), then an optional number. */
  private bracket(c: Cursor): boolean {
    const t = c.t;
    const close = lastIndexIn(t, 93, c.p, c.e);
    if (close <= c.p) return this.fail('`]` closing the bracketed comm/error');
    this.bracketStart = c.p + 1;
    this.bracketEnd = close;
    c.p = close + 1;
    c.skipSpaces();
    if (c.atEnd()) return true;
    if (!c.uint()) return this.fail('a number or the end of the line after `]`');
    this.after = c.v;
    this.hasAfter = true;
    c.skipSpaces();
    if (!c.atEnd()) return this.fail('the end of the line after the unplug depth');
    return true;
  }

  private fail(expected: string): false {
    this.expected = expected;
    return false;
  }
}

/** Signed integer in [s, e) (`-121`, `65514`, `0`); NaN when it is not one. */
export function intIn(t: string, s: number, e: number): number {
  let i = s;
  let neg = false;
  if (i < e && t.charCodeAt(i) === MINUS) {
    neg = true;
    i++;
  }
  if (i >= e) return NaN;
  let v = 0;
  for (; i < e; i++) {
    const d = t.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}
