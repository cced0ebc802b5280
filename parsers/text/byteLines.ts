/**
 * Splits a byte stream into lines like LineSplitter (same callback, same
 * lines, same U+FFFD replacements, LF or CRLF, BOM dropped at the stream
 * start), but finds the newlines in the bytes and decodes whole runs of
 * complete lines at once.
 *
 * Why a second splitter: a streaming TextDecoder runs at a few hundred MB/s,
 * which alone takes most of the time budget of the fast parsers. A byte 0x0A
 * can never sit inside a UTF-8 sequence, so a run of complete lines decodes
 * on its own exactly as the streaming decoder would decode it, and Node's
 * Buffer#toString (V8's UTF-8 decoder, WHATWG replacement rules like
 * TextDecoder) is several times faster. Elsewhere (browser, worker) a
 * non-streaming TextDecoder does the same job.
 *
 * While a callback runs, `raw`/`rawBase` give the bytes behind the text when
 * they correspond one to one (text index i is raw[rawBase + i]: the run held
 * only ASCII, or invalid bytes that each became one U+FFFD), so a parser can
 * read long stretches straight from the bytes; `raw` is null otherwise.
 *
 * Lines longer than `maxLineBytes` are reported and skipped, never buffered whole.
 */
import { DEFAULT_MAX_LINE_CHARS, type LineCallback } from './lines';

/** Decoded runs are cut near this size: cache-sized strings, newline-aligned. */
const RUN_BYTES = 1 << 16;

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

export class ByteLineSplitter {
  lineNo = 0;
  bytes = 0;
  /** Bytes behind the current callback's text when they map one to one, else null. */
  raw: Uint8Array | null = null;
  /** Offset in `raw` of the text's index 0. */
  rawBase = 0;
  private readonly decode = runDecoder();
  /** Bytes of the line still open at the end of the last chunk. */
  private carry = new Uint8Array(256);
  private carryLen = 0;
  private skipping = false;
  /** Whether the stream start (where a BOM is dropped) is behind us. */
  private started = false;
  /** Bytes seen at the stream start while they may still be a BOM. */
  private head = 0;

  constructor(
    private readonly onLine: LineCallback,
    private readonly onOverlong: (lineNo: number, bytes: number) => void = () => {},
    private readonly maxLineBytes = DEFAULT_MAX_LINE_CHARS,
  ) {}

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    const n = chunk.length;
    if (n === 0) return;
    let from = 0;
    if (!this.started) {
      from = this.skipBom(chunk);
      if (from < 0) return;
    }
    if (this.skipping) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) return;
      this.skipping = false;
      this.lineNo++;
      from = nl + 1;
    }
    if (this.carryLen > 0) {
      const nl = chunk.indexOf(10, from);
      if (nl < 0) {
        this.keep(chunk, from, n);
        return;
      }
      this.keep(chunk, from, nl + 1);
      if (this.carryLen > 0) this.runs(this.carry, 0, this.carryLen);
      else if (this.skipping) {
        // The line grew past the limit in this very chunk and ends here.
        this.skipping = false;
        this.lineNo++;
      }
      this.carryLen = 0;
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= from) {
      this.runs(chunk, from, last + 1);
      from = last + 1;
    }
    if (from < n) this.keep(chunk, from, n);
  }

  finish(): void {
    if (!this.started && this.head > 0) {
      // A stream shorter than a BOM that began like one: its bytes are a line.
      const h = new Uint8Array([0xef, 0xbb, 0xbf]).subarray(0, this.head);
      this.started = true;
      this.keep(h, 0, h.length);
    }
    if (this.skipping) {
      this.skipping = false;
      this.lineNo++;
      return;
    }
    if (this.carryLen === 0) return;
    const n = this.carryLen;
    this.carryLen = 0;
    // The last line has no newline: decode it as one run ending at the stream end.
    const text = this.decode(this.carry, 0, n);
    this.raw = text.length === n ? this.carry : null;
    this.rawBase = 0;
    this.emit(text, 0, text.length);
    this.raw = null;
  }

  /**
   * Drops a UTF-8 BOM (EF BB BF) at the very start of the stream, also when
   * it arrives split over chunks. Returns where the chunk's text starts, or
   * -1 when the whole chunk was (still possibly) BOM.
   */
  private skipBom(chunk: Uint8Array): number {
    const BOM = [0xef, 0xbb, 0xbf];
    let i = 0;
    while (this.head < 3 && i < chunk.length && chunk[i] === BOM[this.head]) {
      this.head++;
      i++;
    }
    if (this.head === 3) {
      this.started = true;
      return i;
    }
    if (i === chunk.length) return -1;
    // Not a BOM after all: what was held back is text.
    this.started = true;
    const held = this.head - i;
    if (held > 0) {
      this.keep(new Uint8Array(BOM.slice(0, held)), 0, held);
    }
    return 0;
  }

  /** Appends bytes [a, b) to the open line; past the limit the line is reported and skipped. */
  private keep(src: Uint8Array, a: number, b: number): void {
    if (this.skipping) return;
    const n = this.carryLen + (b - a);
    const ends = b > a && src[b - 1] === 10;
    if (n - (ends ? 1 : 0) > this.maxLineBytes) {
      this.onOverlong(this.lineNo + 1, n);
      this.carryLen = 0;
      this.skipping = true;
      return;
    }
    if (n > this.carry.length) {
      let cap = this.carry.length;
      while (cap < n) cap *= 2;
      const c = new Uint8Array(cap);
      c.set(this.carry.subarray(0, this.carryLen));
      this.carry = c;
    }
    this.carry.set(src.subarray(a, b), this.carryLen);
    this.carryLen = n;
  }

  /** Emits the complete lines in [a, b) (b - 1 is a newline), decoding them in cache-sized runs. */
  private runs(bytes: Uint8Array, a: number, b: number): void {
    while (a < b) {
      let cut = b;
      if (b - a > RUN_BYTES) {
        const nl = bytes.lastIndexOf(10, a + RUN_BYTES - 1);
        cut = nl >= a ? nl + 1 : bytes.indexOf(10, a + RUN_BYTES) + 1;
      }
      const text = this.decode(bytes, a, cut);
      this.raw = text.length === cut - a ? bytes : null;
      this.rawBase = a;
      this.lines(text);
      a = cut;
    }
    this.raw = null;
  }

  private lines(text: string): void {
    let start = 0;
    const n = text.length;
    while (start < n) {
      const nl = text.indexOf('\n', start);
      this.emit(text, start, nl);
      start = nl + 1;
    }
  }

  private emit(s: string, start: number, end: number): void {
    this.lineNo++;
    if (end > start && s.charCodeAt(end - 1) === 13) end--;
    this.onLine(s, start, end, this.lineNo);
  }
}
