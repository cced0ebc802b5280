/**
 * Line-level strace parser: classifies each line (syscall, `<unfinished ...>`,
 * `<... NAME resumed>`, signal, exit, `-e read=` dump, -c/-C summary table,
 * strace's own messages), pairs unfinished calls with their resumption by
 * pid, re-joins lines broken by the traced program's own output, and hands
 * complete syscall texts to the CallDecoder.
 */
import { findIn, findLastIn } from './scan';
import { ByteLineSplitter } from '../text/byteLines';
import { DiagnosticSink, type ChunkParser, type ParsedSource, type Severity } from '../model/source';
import { own } from './own';
import { DATA_FROM_DUMP, DATA_PRESENT, SegKind, SyscallStore } from '../model/syscalls';
import { CallDecoder, Decode } from './calls';
import { bufferHeader, dumpLine, parseBufferHeader, parseDumpLine } from './dump';
import { leader, parseLeader } from './prefix';
import { parseDuration, StraceClock, TsKind } from './time';

interface Unfinished {
  /** `NAME(args so far` without the ` <unfinished ...>` marker. */
  text: string;
  name: string;
  timeNs: number;
  line: number;
}

interface Broken {
  text: string;
  pid: number;
  timeNs: number;
  line: number;
  lines: number;
}

/** Lines re-joined at most into one call (tracee output with many newlines is rare and short). */
const MAX_JOIN_LINES = 32;
const MAX_JOIN_CHARS = 1 << 20;

const UNFINISHED = ' <unfinished ...>';
/** ANSI SGR and other CSI sequences (strace 7 colour output). */
const CSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*[A-Za-z]', 'g');
const RESUMED_TAIL = ' resumed>';

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export class StraceParser implements ChunkParser {
  readonly store = new SyscallStore();
  private readonly diag: DiagnosticSink;
  private readonly clock = new StraceClock();
  private readonly calls: CallDecoder;
  private readonly splitter: ByteLineSplitter;
  private readonly unfinished = new Map<number, Unfinished>();
  private broken: Broken | null = null;
  private summary = false;
  private sawPid = false;
  private attachedPid = -1;
  private mixedWarned = false;
  // -e read=/write= dump in progress.
  private dumpRow = -1;
  private dumpSeg = -1;
  private dumpStart = 0;
  private dumpFirst = 0;
  private dumpNext = 0;
  private dumpBad = false;
  // Next ESC character in the current chunk text (amortised search).
  private escText = '';
  private escAt = -1;
  // Bytes behind the current line's text when they map one to one (see ByteLineSplitter.raw).
  private raw: Uint8Array | null = null;
  private rawBase = 0;

  constructor(readonly name: string) {
    this.diag = new DiagnosticSink(name);
    this.calls = new CallDecoder(this.store, {
      warn: (line, message) => this.report('warning', message, { line }),
      error: (line, message) => this.report('error', message, { line }),
    });
    this.splitter = new ByteLineSplitter(
      { text: (text, start, end, lineNo) => this.onLine(text, start, end, lineNo) },
      (lineNo, bytes) => this.report('error', `line longer than the limit (${bytes} bytes); skipped`, { line: lineNo }),
    );
  }

  /** Diagnostics outlive the chunk their text was sliced from: keep a copy. */
  private report(severity: Severity, message: string, where: { line?: number } = {}): void {
    this.diag.add(severity, own(message), where);
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  finish(): ParsedSource {
    this.splitter.finish();
    this.endDump();
    if (this.broken) {
      const b = this.broken;
      this.broken = null;
      this.report('warning', 'the trace ends inside this syscall (no `) = RESULT`): capture cut short; kept with an unknown result', { line: b.line });
      this.completeWithoutResult(b.text, b.pid, b.timeNs, b.line);
    }
    for (const [pid, u] of [...this.unfinished].sort((a, b) => a[1].line - b[1].line)) {
      this.report('warning', `${u.name} of pid ${pid} never resumed (\`<unfinished ...>\` without \`<... ${u.name} resumed>\`); kept with an unknown result`, { line: u.line });
      this.completeWithoutResult(u.text, pid, u.timeNs, u.line);
    }
    this.unfinished.clear();
    const inflight = this.calls.aio.outstanding();
    if (inflight > 0) this.report('info', `${inflight} io_submit iocb(s) have no io_getevents completion in the trace`);
    this.backfillPid();
    if (this.clock.mixed) this.report('warning', 'timestamps change style within the file; lines in the other style have no time');
    const st = this.store.compact();
    return {
      name: this.name,
      format: 'strace',
      evidence: '',
      bytes: this.splitter.bytes,
      clock: this.clock.info(),
      syscalls: st,
      diagnostics: this.diag.list,
      diagnosticsOmitted: this.diag.omitted,
    };
  }

  /** Without pid prefixes the whole trace is one process: use its pid when the trace reveals it. */
  private backfillPid(): void {
    if (this.sawPid) return;
    const st = this.store;
    let pid = this.attachedPid;
    if (pid < 0) {
      const tid = st.strings.intern('set_tid_address');
      const gp = st.strings.intern('getpid');
      for (let i = 0; i < st.length && pid < 0; i++) {
        if ((st.name[i] === tid || st.name[i] === gp) && st.result[i] > 0) pid = st.result[i];
      }
    }
    if (pid > 0) st.pid.fill(pid, 0, st.length);
  }

  private completeWithoutResult(text: string, pid: number, timeNs: number, line: number): void {
    const t = `${text}) = ?`;
    this.calls.decode(t, 0, t.length, pid, timeNs, NaN, line);
  }

  private onLine(text: string, start: number, end: number, lineNo: number): void {
    // Positions index the splitter's whole decoded chunk (no per-line string):
    // every search below is bounded by the line (see scan.ts).
    if (text !== this.escText) {
      this.escText = text;
      this.escAt = text.indexOf('\x1b');
    }
    if (this.escAt >= 0 && this.escAt < start) this.escAt = text.indexOf('\x1b', start);
    this.raw = this.splitter.raw;
    this.rawBase = this.splitter.rawBase;
    if (this.escAt >= 0 && this.escAt < end) {
      text = text.slice(start, end).replace(CSI, ''); // strace 7 colour output
      start = 0;
      end = text.length;
      this.raw = null;
    }
    const c0 = text.charCodeAt(start);
    if (c0 === 32 && end - start > 2 && text.charCodeAt(start + 2) === 32) {
      const c1 = text.charCodeAt(start + 1);
      if (c1 === 124 || c1 === 42) {
        this.onDump(text, start, end, lineNo, c1 === 42);
        return;
      }
      if (c1 === 62) return; // -k stack frame ` > /lib/libc.so.6(read+0x1e) [0x...]`
    }
    if (this.dumpRow >= 0) this.endDump();
    if (this.broken && this.continueBroken(text, start, end, lineNo)) return;
    this.onBody(text, start, end, lineNo);
  }

  private onBody(text: string, start: number, end: number, lineNo: number): void {
    while (end > start && text.charCodeAt(end - 1) === 32) end--;
    if (end === start) return;
    if (text.startsWith('strace: ', start)) {
      this.onMessage(text, start, end);
      return;
    }
    if (this.isSummaryLine(text, start, end)) return;
    parseLeader(text, start, end);
    const b = leader.body;
    const pid = leader.pid;
    if (leader.hasPid) this.sawPid = true;
    let timeNs = NaN;
    if (leader.ts !== TsKind.None) timeNs = this.clock.toNs(leader.ts, leader.sec, leader.fracNs);
    if (b >= end) {
      this.garbage(text, start, end, lineNo);
      return;
    }
    const c = text.charCodeAt(b);
    if (c === 60 && text.startsWith('<... ', b)) {
      this.onResumed(text, b, end, pid, lineNo);
      return;
    }
    if (c === 45 && text.startsWith('--- ', b)) return; // signal delivery / group stop
    if (c === 43 && text.startsWith('+++ ', b)) {
      this.onExit(pid, lineNo);
      return;
    }
    if (c === 35 || (c === 91 && text.startsWith('[...', b))) {
      this.report('info', `not strace output, ignored: \`${text.slice(b, Math.min(end, b + 60))}\``, { line: lineNo });
      return;
    }
    this.onCall(text, b, end, pid, timeNs, lineNo);
  }

  private onCall(text: string, b: number, end: number, pid: number, timeNs: number, lineNo: number): void {
    const mark = this.unfinishedMark(text, b, end);
    if (mark >= 0) {
      let p = b;
      while (p < mark && isWordChar(text.charCodeAt(p))) p++;
      if (p === b || text.charCodeAt(p) !== 40) {
        this.garbage(text, b, end, lineNo);
        return;
      }
      const prev = this.unfinished.get(pid);
      if (prev) {
        this.report('warning', `${prev.name} of pid ${pid} was never resumed before its next syscall; kept with an unknown result`, { line: prev.line });
        this.completeWithoutResult(prev.text, pid, prev.timeNs, prev.line);
      }
      this.unfinished.set(pid, { text: text.slice(b, mark), name: text.slice(b, p), timeNs, line: lineNo });
      return;
    }
    const [callEnd, dur] = this.splitDuration(text, b, end);
    // Huge -xx strings are decoded straight from the bytes when the text maps onto them.
    this.calls.mapBytes(this.raw, this.rawBase);
    const r = this.calls.decode(text, b, callEnd, pid, timeNs, dur, lineNo);
    if (r === Decode.Row) {
      this.summary = false;
      return;
    }
    if (r === Decode.Incomplete) {
      this.broken = { text: text.slice(b, end), pid, timeNs, line: lineNo, lines: 1 };
      return;
    }
    this.garbage(text, b, end, lineNo);
  }

  /** Index of ` <unfinished ...>` (or `<detached ...>`) ending the line, or -1. */
  private unfinishedMark(text: string, b: number, end: number): number {
    if (text.charCodeAt(end - 1) !== 62) return -1;
    if (text.endsWith(UNFINISHED, end)) return end - UNFINISHED.length;
    // `<unfinished ... exit status 1>` (strace < 4.7), `<detached ...>` (-f to stderr).
    const lt = findLastIn(text, ' <', Math.max(b, end - 48), end);
    if (lt > b && (text.startsWith(' <unfinished ...', lt) || text.startsWith(' <detached ...>', lt))) return lt;
    return -1;
  }

  /** Splits a trailing -T duration ` <0.000123>` off; also drops ` <unavailable>`. */
  private splitDuration(text: string, b: number, end: number): [number, number] {
    if (text.charCodeAt(end - 1) !== 62) return [end, NaN];
    const lt = findLastIn(text, '<', Math.max(b, end - 40), end - 1);
    if (lt <= b || text.charCodeAt(lt - 1) !== 32) return [end, NaN];
    const c = text.charCodeAt(lt + 1);
    if (c >= 48 && c <= 57) {
      const d = parseDuration(text, lt, end - 1);
      if (Number.isFinite(d)) return [lt - 1, d];
      return [end, NaN];
    }
    if (text.startsWith('<unavailable>', lt)) return [lt - 1, NaN];
    return [end, NaN];
  }

  private onResumed(text: string, b: number, end: number, pid: number, lineNo: number): void {
    const tail = findIn(text, RESUMED_TAIL, b + 5, Math.min(end, b + 5 + 64 + RESUMED_TAIL.length));
    if (tail < 0) {
      this.garbage(text, b, end, lineNo);
      return;
    }
    const name = text.slice(b + 5, tail);
    let rest = text.slice(tail + RESUMED_TAIL.length, end);
    // `<... nanosleep resumed> <unfinished ...>) = ?`: the thread died inside the call.
    const u = rest.indexOf(UNFINISHED);
    if (u >= 0 && u + UNFINISHED.length < rest.length) rest = rest.slice(0, u) + rest.slice(u + UNFINISHED.length);
    const prev = this.unfinished.get(pid);
    if (!prev || prev.name !== name) {
      this.report('warning', `\`<... ${name} resumed>\` of pid ${pid} without a matching \`<unfinished ...>\` line; arguments before it are unknown`, { line: lineNo });
      const t = `${name}(${rest}`;
      const [callEnd, dur] = this.splitDuration(t, 0, t.length);
      if (this.calls.decode(t, 0, callEnd, pid, NaN, dur, lineNo, false) !== Decode.Row) this.garbage(text, b, end, lineNo);
      return;
    }
    this.unfinished.delete(pid);
    const t = prev.text + rest;
    const mark = this.unfinishedMark(t, 0, t.length);
    if (mark >= 0) {
      this.unfinished.set(pid, { text: t.slice(0, mark), name, timeNs: prev.timeNs, line: prev.line });
      return;
    }
    const [callEnd, dur] = this.splitDuration(t, 0, t.length);
    const r = this.calls.decode(t, 0, callEnd, pid, prev.timeNs, dur, prev.line);
    if (r !== Decode.Row) {
      this.report('error', `resumed ${name} has no \`) = RESULT\` (expected \`<... ${name} resumed>REST) = RESULT\`)`, { line: lineNo });
      this.completeWithoutResult(prev.text, pid, prev.timeNs, prev.line);
    }
  }

  private onExit(pid: number, lineNo: number): void {
    const u = this.unfinished.get(pid);
    if (!u) return;
    this.unfinished.delete(pid);
    this.report('warning', `${u.name} of pid ${pid} never resumed: the process ended (line ${lineNo}); kept with an unknown result`, { line: u.line });
    this.completeWithoutResult(u.text, pid, u.timeNs, u.line);
  }

  private onMessage(text: string, start: number, end: number): void {
    const m = /^strace: Process (\d+) attached/.exec(text.slice(start, Math.min(end, start + 64)));
    if (m && this.attachedPid < 0) this.attachedPid = Number(m[1]);
  }

  /** `% time  seconds  usecs/call  calls  errors syscall` table of -c/-C, its rules and rows. */
  private isSummaryLine(text: string, start: number, end: number): boolean {
    if (text.startsWith('% time', start) || text.startsWith('System call usage summary', start)) {
      this.summary = true;
      return true;
    }
    if (!this.summary) return false;
    const c = text.charCodeAt(start);
    if (c === 45) return /^-+( +-+)*$/.test(text.slice(start, end));
    if (c === 32 || (c >= 48 && c <= 57)) return /^ *\d+\.\d+ +\d/.test(text.slice(start, Math.min(end, start + 40)));
    return false;
  }

  /**
   * A line following a syscall line that had no `) = RESULT`: the traced
   * program's output went to the same terminal (`write(2, "hi\n", 3hi` /
   * `)   = 3`). Returns true when the line was consumed as a continuation.
   */
  private continueBroken(text: string, start: number, end: number, lineNo: number): boolean {
    const br = this.broken!;
    if (this.looksLikeLineStart(text, start, end)) {
      this.broken = null;
      this.report('error', 'syscall line has no `) = RESULT` (expected it on this line or after tracee output on the next); kept with an unknown result', { line: br.line });
      this.completeWithoutResult(br.text, br.pid, br.timeNs, br.line);
      return false;
    }
    const joined = `${br.text}\n${text.slice(start, end)}`;
    const [callEnd, dur] = this.splitDuration(joined, 0, joined.length);
    const r = this.calls.decode(joined, 0, callEnd, br.pid, br.timeNs, dur, br.line);
    if (r === Decode.Row) {
      this.broken = null;
      this.report('warning', `syscall line continues on line ${lineNo} (the traced program wrote to strace's terminal); joined`, { line: br.line });
      return true;
    }
    br.text = joined;
    br.lines++;
    if (br.lines > MAX_JOIN_LINES || joined.length > MAX_JOIN_CHARS) {
      this.broken = null;
      this.report('error', `syscall line has no \`) = RESULT\` within ${br.lines} lines; kept with an unknown result`, { line: br.line });
      this.completeWithoutResult(br.text.slice(0, br.text.indexOf('\n')), br.pid, br.timeNs, br.line);
    }
    return true;
  }

  /** Whether a line starts like strace output (leader then a syscall, resumed, signal or exit). */
  private looksLikeLineStart(text: string, start: number, end: number): boolean {
    if (text.startsWith('strace: ', start) || text.startsWith('% time', start)) return true;
    parseLeader(text, start, end);
    const b = leader.body;
    if (b >= end) return false;
    if (text.startsWith('<... ', b) || text.startsWith('--- ', b) || text.startsWith('+++ ', b)) return true;
    let p = b;
    while (p < end && isWordChar(text.charCodeAt(p))) p++;
    const c = text.charCodeAt(b);
    return p > b && !(c >= 48 && c <= 57) && text.charCodeAt(p) === 40;
  }

  private garbage(text: string, start: number, end: number, lineNo: number): void {
    this.report(
      'error',
      `not a strace line: \`${text.slice(start, Math.min(end, start + 60))}\` (expected \`[PID] [TIME] NAME(ARGS) = RESULT\`, \`<... NAME resumed>\`, \`--- SIGNAL ---\` or \`+++ exited with N +++\`)`,
      { line: lineNo },
    );
  }

  // ---- -e read=SET / -e write=SET dumps ---------------------------------------

  private onDump(text: string, start: number, end: number, lineNo: number, header: boolean): void {
    const st = this.store;
    const row = this.calls.lastRow;
    if (row < 0) {
      this.report('error', 'hex dump line before any syscall', { line: lineNo });
      return;
    }
    if (header) {
      if (!parseBufferHeader(text, start, end)) {
        this.report('error', 'expected ` * N bytes in buffer I`', { line: lineNo });
        return;
      }
      if (this.dumpRow !== row) this.beginDump(row);
      else this.commitSegment();
      const [from, to] = st.segmentsOf(row);
      let seg = -1;
      for (let k = from, i = 0; k < to; k++) {
        if (st.segKind[k] !== SegKind.Iovec) continue;
        if (i++ === bufferHeader.index) {
          seg = k;
          break;
        }
      }
      this.dumpSeg = seg;
      this.dumpStart = st.data.length;
      this.dumpNext = 0;
      return;
    }
    if (this.dumpRow !== row) this.beginDump(row);
    if (!parseDumpLine(text, start, end, st.data)) {
      this.report('error', 'expected a dump line ` | OFFSET  hh hh ... |` (strace -e read=/write=)', { line: lineNo });
      this.dumpBad = true;
      return;
    }
    if (dumpLine.unreadable) {
      this.dumpBad = true;
      this.report('warning', 'strace could not fetch part of the buffer for the dump', { line: lineNo });
      return;
    }
    if (dumpLine.offset !== this.dumpNext) {
      this.report('error', `dump offset 0x${dumpLine.offset.toString(16)} where 0x${this.dumpNext.toString(16)} was expected`, { line: lineNo });
      this.dumpBad = true;
    }
    this.dumpNext += dumpLine.count;
  }

  private beginDump(row: number): void {
    this.endDump();
    this.dumpRow = row;
    this.dumpSeg = -1;
    this.dumpBad = false;
    this.dumpStart = this.store.data.length;
    this.dumpFirst = this.dumpStart;
    this.dumpNext = 0;
  }

  private commitSegment(): void {
    const st = this.store;
    const seg = this.dumpSeg;
    if (seg < 0) return;
    st.segDataStart[seg] = this.dumpStart;
    st.segDataLen[seg] = st.data.length - this.dumpStart;
    st.segDataFlags[seg] = DATA_PRESENT | DATA_FROM_DUMP;
  }

  private endDump(): void {
    const row = this.dumpRow;
    if (row < 0) return;
    this.dumpRow = -1;
    const st = this.store;
    this.commitSegment();
    this.dumpSeg = -1;
    if (this.dumpBad) return;
    st.dataStart[row] = this.dumpFirst;
    st.dataLen[row] = st.data.length - this.dumpFirst;
    st.dataFlags[row] = DATA_PRESENT | DATA_FROM_DUMP;
  }
}
