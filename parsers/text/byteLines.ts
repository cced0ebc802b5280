/**
 * ByteLineSplitter: splits a byte stream into lines by finding the newlines in
 * the bytes, with the lines, numbers, U+FFFD replacements, LF/CRLF and BOM
 * handling of LineSplitter (./lines) for any chunking. Two ways to receive them:
 *
 *   new ByteLineSplitter({ bytes: onLine, takeLine? }, onOverlong?, maxLineBytes?)
 *     onLine(bytes, start, end, lineNo): the line is bytes[start, end), nothing
 *     is decoded; decodeLine(bytes, start, end) gives the text LineSplitter
 *     would give, for the rare lines a byte scanner cannot handle.
 *   new ByteLineSplitter({ text: onLine }, onOverlong?, maxLineBytes?)
 *     onLine(text, start, end, lineNo) as LineSplitter's callback: runs of
 *     whole lines are decoded at once, and while the callback runs `raw` /
 *     `rawBase` give the bytes behind the text when they map one to one
 *     (text index i is raw[rawBase + i]: the run held only ASCII, or invalid
 *     bytes that each became one U+FFFD), else `raw` is null.
 *
 * In both, the newline and one carriage return before it are excluded, a
 * UTF-8 BOM at the stream start is dropped, and the buffer handed out is the
 * pushed chunk itself (lines inside it) or the splitter's carry (lines cut by
 * chunk boundaries): read it during the callback only. The line is always
 * followed by a CR or LF in that buffer (bytes[end], or text[end]), so a
 * scanner whose loops stop at CR and LF needs no `i < end` test in them.
 *
 * takeLine(bytes, start, maxLF, lineNo), bytes mode only, lets a scanner skip
 * even the newline search for the lines it recognises: for each line that
 * starts in a chunk and ends in it (never line 1, which may carry the BOM), it
 * is asked first. It returns -1 having done nothing, or it has handled the
 * line exactly as onLine would have handled bytes[start, end) and returns the
 * index of the line's LF, the first LF at or after `start`, which must be
 * <= maxLF (longer lines are the overlong ones). The LF is known to exist.
 *
 * Why bytes: a streaming TextDecoder costs about as much as a whole fast
 * parse. A byte 0x0A never sits inside a UTF-8 sequence, so a line, or a run
 * of whole lines, decodes on its own exactly as the streaming decoder decodes
 * it (WHATWG: an incomplete sequence before the newline or the stream end is
 * one U+FFFD either way); block trace event lines are ASCII, so a parser can
 * even read the bytes as the characters. Node's Buffer#toString (V8's UTF-8
 * decoder, WHATWG replacement rules) decodes runs several times faster than
 * TextDecoder; elsewhere (browser, worker) a non-streaming TextDecoder does it.
 *
 * A line longer than `maxLineBytes` (bytes before its LF, CR and BOM
 * included) is skipped, never buffered whole, and reported once it ends, with
 * its full length, so the report is the same whatever the chunk sizes.
 * (LineSplitter counts UTF-16 units and only for lines cut by chunk
 * boundaries; all keep the line numbering.)
 */
import { DEFAULT_MAX_LINE_CHARS, type LineCallback } from './lines';

/** (bytes, start, end, lineNo): the line is bytes[start, end); bytes is valid during the call only. */
export type ByteLineCallback = (bytes: Uint8Array, start: number, end: number, lineNo: number) => void;

/** (bytes, start, maxLF, lineNo): the index of the LF of the line it handled, or -1 (see the top of this file). */
export type ByteLineTaker = (bytes: Uint8Array, start: number, maxLF: number, lineNo: number) => number;

/** Where the lines go: as bytes (optionally claimed first by a scanner), or decoded in runs. */
export type LineSink = { bytes: ByteLineCallback; takeLine?: ByteLineTaker } | { text: LineCallback };

const LF = 10;
const CR = 13;

/** Decoded runs are cut near this size: cache-sized strings, newline-aligned. */
const RUN_BYTES = 1 << 16;

/*
 * One decoder for single lines. ignoreBOM keeps a U+FEFF that starts a later
 * line, as the streaming decoder does; the stream's own BOM is dropped by the
 * splitter.
 */
const lineDecoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** The text of bytes[start, end) as LineSplitter would have delivered that line. */
export function decodeLine(bytes: Uint8Array, start: number, end: number): string {
  return lineDecoder.decode(bytes.subarray(start, end));
}

interface NodeBufferView {
  toString(encoding: 'utf8', start: number, end: number): string;
}
interface NodeBufferClass {
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): NodeBufferView;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferClass }).Buffer;

/** Decodes bytes [a, b) of `bytes`, which end at a line boundary (no partial sequence is cut). */
export type RunDecoder = (bytes: Uint8Array, a: number, b: number) => string;

/**
 * The fastest decoder this platform offers; BOMs are kept (the splitter drops
 * the stream's own). `preferNode` false forces the portable TextDecoder path.
 */
export function runDecoder(preferNode = true): RunDecoder {
  if (NodeBuffer && preferNode) {
    let last: Uint8Array | null = null;
    let view: NodeBufferView | null = null;
    return (bytes, a, b) => {
      if (bytes !== last) {
        last = bytes;
        view = NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      }
      return view!.toString('utf8', a, b);
    };
  }
  const td = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  return (bytes, a, b) => td.decode(bytes.subarray(a, b));
}

/** TextDecoder (ignoreBOM: false) drops EF BB BF at the stream start; no BOM byte is a newline, so it lies in line 1. */
function startsWithBom(bytes: Uint8Array, a: number, e: number): boolean {
  return e - a >= 3 && bytes[a] === 0xef && bytes[a + 1] === 0xbb && bytes[a + 2] === 0xbf;
}

export class ByteLineSplitter {
  lineNo = 0;
  bytes = 0;
  /** Text mode: bytes behind the current callback's text when they map one to one, else null. */
  raw: Uint8Array | null = null;
  /** Text mode: offset in `raw` of the text's index 0. */
  rawBase = 0;
  private readonly onBytes: ByteLineCallback | null;
  private readonly takeLine: ByteLineTaker | null;
  private readonly onText: LineCallback | null;
  private readonly decode: RunDecoder | null;
  /** The part of the current line held over from earlier chunks. */
  private carry = new Uint8Array(256);
  private carryLen = 0;
  /** Bytes of an overlong line seen so far, or -1 when not skipping one. */
  private skipped = -1;

  constructor(
    sink: LineSink,
    private readonly onOverlong: (lineNo: number, bytes: number) => void = () => {},
    private readonly maxLineBytes = DEFAULT_MAX_LINE_CHARS,
  ) {
    if ('text' in sink) {
      this.onBytes = null;
      this.takeLine = null;
      this.onText = sink.text;
      this.decode = runDecoder();
    } else {
      this.onBytes = sink.bytes;
      this.takeLine = sink.takeLine ?? null;
      this.onText = null;
      this.decode = null;
    }
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    this.bytes += n;
    let from = 0;
    if (this.skipped >= 0 || this.carryLen > 0) {
      // Finish the line begun in earlier chunks.
      const nl = chunk.indexOf(LF);
      this.hold(chunk, 0, nl < 0 ? n : nl);
      if (nl < 0) return;
      this.endHeld();
      from = nl + 1;
    }
    if (this.onText !== null) this.runs(chunk, from);
    else this.scan(chunk, from);
  }

  finish(): void {
    // A stream that is only a BOM has no text, hence no line (LineSplitter emits a final line only when text follows the last newline).
    if (this.lineNo === 0 && this.carryLen === 3 && startsWithBom(this.carry, 0, 3)) this.carryLen = 0;
    if (this.skipped >= 0 || this.carryLen > 0) this.endHeld();
  }

  /** Bytes mode: the lines from `from` on, each found by its own newline search unless takeLine claims it. */
  private scan(chunk: Uint8Array, from: number): void {
    const n = chunk.length;
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
      else this.emitBytes(chunk, from, nl);
      from = nl + 1;
    }
  }

  /**
   * Text mode: the whole lines from `from` on, decoded in runs of at most
   * `window` bytes; the newlines are then found in the text. A run that
   * short holds no overlong line; a line with no LF within the window is
   * measured alone, then skipped or decoded as a run of its own.
   */
  private runs(chunk: Uint8Array, from: number): void {
    const n = chunk.length;
    const b = chunk.lastIndexOf(LF) + 1;
    const max = this.maxLineBytes;
    const window = Math.min(RUN_BYTES, max + 1);
    let a = from;
    while (a < b) {
      let cut = b;
      if (b - a > window) {
        const nl = chunk.lastIndexOf(LF, a + window - 1);
        if (nl >= a) cut = nl + 1;
        else {
          const end = chunk.indexOf(LF, a + window);
          if (end - a > max) {
            this.overlong(end - a);
            a = end + 1;
            continue;
          }
          cut = end + 1;
        }
      }
      this.decodeRun(chunk, a, cut);
      a = cut;
    }
    this.raw = null;
    if (a < n) this.hold(chunk, a, n);
  }

  /** Text mode: decodes bytes[a, b) (b - 1 is an LF) and emits its lines. */
  private decodeRun(bytes: Uint8Array, a: number, b: number): void {
    if (this.lineNo === 0 && startsWithBom(bytes, a, b)) a += 3;
    const text = this.decode!(bytes, a, b);
    this.raw = text.length === b - a ? bytes : null;
    this.rawBase = a;
    let start = 0;
    const n = text.length;
    while (start < n) {
      const nl = text.indexOf('\n', start);
      this.emitText(text, start, nl);
      start = nl + 1;
    }
  }

  private emitText(s: string, start: number, end: number): void {
    this.lineNo++;
    if (end > start && s.charCodeAt(end - 1) === CR) end--;
    this.onText!(s, start, end, this.lineNo);
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
    if (this.onText !== null) {
      this.decodeRun(this.carry, 0, len + 1);
      this.raw = null;
    } else this.emitBytes(this.carry, 0, len);
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
    // One byte more than the line for the LF endHeld puts after it.
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

  private emitBytes(bytes: Uint8Array, a: number, e: number): void {
    const lineNo = ++this.lineNo;
    if (lineNo === 1 && startsWithBom(bytes, a, e)) a += 3;
    if (e > a && bytes[e - 1] === CR) e--;
    this.onBytes!(bytes, a, e, lineNo);
  }
}
