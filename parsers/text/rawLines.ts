/**
 * RawLineSplitter: splits a byte stream into lines WITHOUT decoding anything.
 *
 *   const sp = new RawLineSplitter(onLine, onOverlong?, maxLineBytes?, takeLine?);
 *   sp.push(chunk); ...; sp.finish();        // sp.lineNo: lines seen, sp.bytes: bytes pushed
 *
 * onLine(bytes, start, end, lineNo) gets the line as bytes[start, end): the
 * newline and one carriage return before it are excluded, a UTF-8 BOM at the
 * stream start is dropped. `bytes` is either the pushed chunk itself (lines
 * that lie inside it) or the splitter's own carry buffer (lines cut by chunk
 * boundaries): read it during the callback only, never keep it. bytes[end]
 * always exists and is a CR or LF, and the line is always followed by an LF
 * (its own, or one put after a held line), so a scanner whose loops stop at
 * CR and LF needs no `i < end` test in them. Line numbers are exactly those of
 * LineSplitter (./lines), and decodeLine(bytes, start, end) gives the text
 * LineSplitter would give for the same line (see below), so a parser can scan
 * ASCII bytes on its hot path and decode only the lines it cannot handle there.
 *
 * takeLine(bytes, start, maxLF, lineNo), optional, lets a scanner skip even
 * the newline search for the lines it recognises: for each line that starts
 * in a chunk and ends in it (never line 1, which may carry the BOM), it is
 * asked first. It returns -1 having done nothing, or it has handled the line
 * exactly as onLine would have handled bytes[start, end) and returns the
 * index of the line's LF, the first LF at or after `start`, which must be
 * <= maxLF (longer lines are the overlong ones). The LF is known to exist.
 *
 * Why bytes: a streaming TextDecoder costs about as much as a whole fast
 * parse. Event lines of block traces are ASCII, so the bytes are the
 * characters and decoding them only to read them back with charCodeAt is waste.
 *
 * Results do not depend on the chunking, also for overlong lines: a line longer
 * than `maxLineBytes` (bytes before its newline) is skipped, never buffered
 * whole, and reported once it ends with its full length, so the report is the
 * same whatever the chunk sizes. (LineSplitter counts UTF-16 units and only for
 * lines cut by chunk boundaries; both keep the line numbering.)
 */
import { DEFAULT_MAX_LINE_CHARS } from './lines';

/** (bytes, start, end, lineNo): the line is bytes[start, end); bytes is valid during the call only. */
export type RawLineCallback = (bytes: Uint8Array, start: number, end: number, lineNo: number) => void;

/** (bytes, start, maxLF, lineNo): the index of the LF of the line it handled, or -1 (see the top of this file). */
export type RawLineTaker = (bytes: Uint8Array, start: number, maxLF: number, lineNo: number) => number;

const LF = 10;
const CR = 13;

/*
 * One decoder for whole lines. A newline byte never occurs inside a UTF-8
 * sequence, so a line decoded on its own gets the same U+FFFD replacements as
 * in a streaming decode of the whole stream (WHATWG: an incomplete sequence
 * before the newline, or before the end of the stream, is one U+FFFD either
 * way). ignoreBOM keeps a U+FEFF that starts a later line, as the streaming
 * decoder does; the stream's own BOM is dropped by the splitter.
 */
const lineDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** The text of bytes[start, end) as LineSplitter would have delivered that line. */
export function decodeLine(bytes: Uint8Array, start: number, end: number): string {
  return lineDecoder.decode(bytes.subarray(start, end));
}

export class RawLineSplitter {
  lineNo = 0;
  bytes = 0;
  /** The part of the current line held over from earlier chunks. */
  private carry = new Uint8Array(256);
  private carryLen = 0;
  /** Bytes of an overlong line seen so far, or -1 when not skipping one. */
  private skipped = -1;

  constructor(
    private readonly onLine: RawLineCallback,
    private readonly onOverlong: (lineNo: number, bytes: number) => void = () => {},
    private readonly maxLineBytes = DEFAULT_MAX_LINE_CHARS,
    private readonly takeLine: RawLineTaker | null = null,
  ) {}

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    this.bytes += n;
    let from = 0;
    if (this.skipped >= 0 || this.carryLen > 0) {
      // Finish the line begun in earlier chunks.
      const nl = chunk.indexOf(LF);
      const end = nl < 0 ? n : nl;
      if (this.skipped >= 0) this.skipped += end;
      else this.hold(chunk, 0, end);
      if (nl < 0) return;
      this.endHeld();
      from = nl + 1;
    }
    const max = this.maxLineBytes;
    const take = this.takeLine;
    // Lines starting at or before the chunk's last LF end inside the chunk.
    const last = take ? chunk.lastIndexOf(LF) : -1;
    while (from < n) {
      if (take !== null && from <= last && this.lineNo > 0) {
        const nl = take(chunk, from, from + max, this.lineNo + 1);
        if (nl >= 0) {
          this.lineNo++;
          from = nl + 1;
          continue;
        }
      }
      const nl = chunk.indexOf(LF, from);
      if (nl < 0) {
        this.hold(chunk, from, n);
        return;
      }
      if (nl - from > max) this.overlong(nl - from);
      else this.emit(chunk, from, nl);
      from = nl + 1;
    }
  }

  finish(): void {
    // A stream that is only a BOM has no text, hence no line (LineSplitter emits a final line only when text follows the last newline).
    if (this.lineNo === 0 && this.carryLen === 3 && this.carry[0] === 0xef && this.carry[1] === 0xbb && this.carry[2] === 0xbf) this.carryLen = 0;
    if (this.skipped >= 0 || this.carryLen > 0) this.endHeld();
  }

  /** Ends the line held in `carry` (or being skipped): its newline, or the stream end, was reached. */
  private endHeld(): void {
    if (this.skipped >= 0) {
      const n = this.skipped;
      this.skipped = -1;
      this.overlong(n);
      return;
    }
    const len = this.carryLen;
    this.carryLen = 0;
    this.carry[len] = LF;
    this.emit(this.carry, 0, len);
  }

  private overlong(bytes: number): void {
    this.lineNo++;
    this.onOverlong(this.lineNo, bytes);
  }

  /** Appends bytes [a, b) of an unfinished line; past the limit, drops them and starts skipping. */
  private hold(src: Uint8Array, a: number, b: number): void {
    if (this.skipped >= 0) {
      this.skipped += b - a;
      return;
    }
    const len = this.carryLen + (b - a);
    if (len > this.maxLineBytes) {
      this.skipped = len;
      this.carryLen = 0;
      return;
    }
    // One byte more than the line for the terminator endHeld puts after it.
    if (len + 1 > this.carry.length) {
      let cap = this.carry.length * 2;
      while (cap < len + 1) cap *= 2;
      const c = new Uint8Array(Math.min(cap, this.maxLineBytes + 1));
      c.set(this.carry.subarray(0, this.carryLen));
      this.carry = c;
    }
    this.carry.set(src.subarray(a, b), this.carryLen);
    this.carryLen = len;
  }

  private emit(bytes: Uint8Array, a: number, e: number): void {
    const lineNo = ++this.lineNo;
    // TextDecoder (ignoreBOM: false) drops EF BB BF at the stream start; no BOM byte is a newline, so it lies in line 1.
    if (lineNo === 1 && e - a >= 3 && bytes[a] === 0xef && bytes[a + 1] === 0xbb && bytes[a + 2] === 0xbf) a += 3;
    if (e > a && bytes[e - 1] === CR) e--;
    this.onLine(bytes, a, e, lineNo);
  }
}
