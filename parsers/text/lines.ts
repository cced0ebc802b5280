/**
 * Splits a byte stream into lines, whatever the chunking: UTF-8 decoded in
 * streaming mode (invalid sequences become U+FFFD, never an exception), LF or
 * CRLF endings, a final line without newline, and lines of any length up to
 * `maxLineChars` (longer ones are reported and skipped, never buffered whole).
 *
 * The callback gets (text, start, end, lineNo): the line is text.slice(start, end).
 * Passing positions instead of a substring lets hot parsers scan with
 * charCodeAt and never allocate per line.
 */
export type LineCallback = (text: string, start: number, end: number, lineNo: number) => void;

export const DEFAULT_MAX_LINE_CHARS = 64 * 1024 * 1024;

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  private carry: string[] = [];
  private carryLen = 0;
  private skipping = false;
  lineNo = 0;
  bytes = 0;

  constructor(
    private readonly onLine: LineCallback,
    private readonly onOverlong: (lineNo: number, chars: number) => void = () => {},
    private readonly maxLineChars = DEFAULT_MAX_LINE_CHARS,
  ) {}

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (chunk.length === 0) return;
    this.feed(this.decoder.decode(chunk, { stream: true }));
  }

  finish(): void {
    this.feed(this.decoder.decode());
    if (this.carryLen > 0 || this.skipping) {
      const s = this.takeCarry();
      this.emit(s, 0, s.length);
    }
  }

  private takeCarry(): string {
    const s = this.carry.length === 1 ? this.carry[0] : this.carry.join('');
    this.carry = [];
    this.carryLen = 0;
    return s;
  }

  private emit(s: string, start: number, end: number): void {
    this.lineNo++;
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    if (end > start && s.charCodeAt(end - 1) === 13) end--;
    this.onLine(s, start, end, this.lineNo);
  }

  private feed(s: string): void {
    let start = 0;
    const n = s.length;
    while (start <= n) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      if (this.carryLen > 0) {
        this.carry.push(s.slice(start, nl));
        const line = this.takeCarry();
        this.emit(line, 0, line.length);
      } else if (this.skipping) {
        this.emit(s, start, nl);
      } else {
        this.emit(s, start, nl);
      }
      start = nl + 1;
    }
    if (start < n) {
      if (this.skipping) return;
      const rest = n - start;
      if (this.carryLen + rest > this.maxLineChars) {
        this.onOverlong(this.lineNo + 1, this.carryLen + rest);
        this.carry = [];
        this.carryLen = 0;
        this.skipping = true;
        return;
      }
      this.carry.push(start === 0 ? s : s.slice(start));
      this.carryLen += rest;
    }
  }
}
