/**
 * Streaming parser for ftrace-family text with block events: the `blk`
 * tracer (with or without `blk_classic`), the `block:*` tracepoints as
 * printed by /sys/kernel/tracing/trace{,_pipe}, `trace-cmd report`,
 * `perf script` and `perf trace` (trace-formats.md §4).
 *
 * Lines go through ByteLineSplitter (chunk-independent); each line is scanned
 * in place with charCodeAt, and one event becomes one row of the columnar
 * BlockEventStore. Nothing throws on bad input: malformed lines become
 * diagnostics and parsing continues with the next line.
 */
import { Action } from './model/actions';
import { BlockEventStore, ExtraKind } from './model/blockEvents';
import { DiagnosticSink, type FormatId, type ParsedSource } from './model/source';
import { ByteLineSplitter } from './text/byteLines';
import { Cursor, excerpt, isDigit, isSpace, lastIndexIn, readDevice, trimEnd, trimStart } from './ftraceScan';
import { Layout, LinePrefix, parseClassic } from './ftracePrefix';
import { fastBlkLine, FastLine } from './ftraceFast';
import { blkAction, parseBlkAfterDevice } from './ftraceBlk';
import { NO_DEVICE, parseTracepoint, TRACEPOINTS } from './ftraceTracepoints';
import type { LineSink } from './ftraceSink';
import { Tail } from './ftraceTail';

const HASH = 35;
const LT = 60;
const LPAREN = 40;

/**
 * Clock values from 2^52 ns (~52 days of uptime) on would lose ns precision
 * in a double, so the source then gets a baseNs of its first whole second and
 * times are stored relative to it (the same rule as ./blktraceBin, so text
 * and binary renderings of one buffer share their base).
 */
const BASE_THRESHOLD_NS = 2 ** 52;

/** Fast-path comm cache: slots (a power of two) and the longest comm it keeps (TASK_COMM_LEN). */
const COMM_SLOTS = 1024;
const COMM_MAX = 16;

/** Distinct non-block event names remembered for the summary diagnostic. */
const MAX_OTHER_NAMES = 256;

export interface FtraceStats {
  /** Events with a blk tracer payload (incl. blk_classic and trace-cmd's blk pseudo-event). */
  blkLines: number;
  classicLines: number;
  /** Lines naming a known block tracepoint. */
  tracepointLines: number;
  /** Lines with an ftrace / perf prefix (any event). */
  prefixLines: number;
  /** Non-empty, non-comment lines. */
  contentLines: number;
  markLines: number;
  otherEventLines: number;
  stackLines: number;
  tracer: string;
  firstBlkExample: string;
  firstTracepointExample: string;
}

export class FtraceParser implements LineSink {
  readonly store = new BlockEventStore();
  private readonly diag: DiagnosticSink;
  private readonly splitter: ByteLineSplitter;
  private readonly pre = new LinePrefix();
  private readonly c = new Cursor();
  private readonly tail = new Tail();
  private readonly fast = new FastLine();
  /*
   * Byte-keyed caches of the fast path, direct-mapped by pid: a hit means the
   * same bytes, hence the same decoded comm (the fast path only runs where
   * text and bytes map one to one), hence the same interned index.
   */
  private readonly commPid = new Int32Array(COMM_SLOTS).fill(-1);
  private readonly commIdx = new Uint32Array(COMM_SLOTS);
  private readonly commLen = new Uint8Array(COMM_SLOTS);
  private readonly commBytes = new Uint8Array(COMM_SLOTS * COMM_MAX);
  /** Comm index the fast path found for the event it is about to push, or -1. */
  private fastComm = -1;
  private readonly commByPid = new Map<number, number>();
  private readonly rwbsByKey = new Map<number, number>();
  private readonly otherNames = new Map<string, number>();
  private otherNamesDropped = 0;

  private t = '';
  private lineNo = 0;
  private baseSecs = -1;
  private clockKind: 'trace-raw' | 'relative' = 'trace-raw';
  private dropped = 0;
  private droppedSeen = false;
  readonly stats: FtraceStats = {
    blkLines: 0,
    classicLines: 0,
    tracepointLines: 0,
    prefixLines: 0,
    contentLines: 0,
    markLines: 0,
    otherEventLines: 0,
    stackLines: 0,
    tracer: '',
    firstBlkExample: '',
    firstTracepointExample: '',
  };

  constructor(readonly name: string) {
    this.diag = new DiagnosticSink(name);
    this.splitter = new ByteLineSplitter(
      { text: (text, start, end, lineNo) => this.line(text, start, end, lineNo) },
      (lineNo, bytes) => this.diag.add('error', `line longer than ${bytes} bytes skipped (expected ftrace lines)`, { line: lineNo }),
    );
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  /** Feeds already-decoded text lines (the sniffer's path); same handling as push(). */
  pushLine(text: string, start: number, end: number, lineNo: number): void {
    this.line(text, start, end, lineNo);
  }

  finish(): ParsedSource {
    this.splitter.finish();
    this.reportOtherEvents();
    const st = this.stats;
    const format: FormatId =
      st.tracepointLines > st.blkLines || (st.blkLines === 0 && st.tracer !== '' && st.tracer !== 'blk')
        ? 'ftrace-tracepoints'
        : 'ftrace-blk';
    const src: ParsedSource = {
      name: this.name,
      format,
      evidence: this.evidence(),
      bytes: this.splitter.bytes,
      clock: { kind: this.clockKind, baseNs: this.baseSecs > 0 ? (BigInt(this.baseSecs) * 1000000000n).toString() : '0' },
      block: this.store.compact(),
      diagnostics: this.diag.list,
      diagnosticsOmitted: this.diag.omitted,
    };
    if (this.droppedSeen) src.dropped = this.dropped;
    return src;
  }

  evidence(): string {
    const st = this.stats;
    const parts: string[] = [];
    if (st.blkLines > 0) parts.push(`${st.blkLines} ftrace lines with \`blk\` tracer payload (e.g. \`${st.firstBlkExample}\`)`);
    if (st.classicLines > 0) parts.push(`${st.classicLines} of them in blk_classic layout`);
    if (st.tracepointLines > 0) parts.push(`${st.tracepointLines} block tracepoint lines (e.g. \`${st.firstTracepointExample}\`)`);
    if (parts.length === 0) parts.push(`${st.prefixLines} ftrace lines, none with block events${st.tracer ? ` (# tracer: ${st.tracer})` : ''}`);
    return parts.join('; ');
  }

  // ---- LineSink -------------------------------------------------------------------------

  event(devKey: number, action: number, rwbsIndex: number, sector: number, nSectors: number, commStart: number, commEnd: number): number {
    const pre = this.pre;
    const store = this.store;
    if (this.baseSecs < 0) this.startClock();
    const time = (pre.secs - this.baseSecs) * 1e9 + pre.fracNs;
    let comm = 0;
    if (this.fastComm >= 0) {
      comm = this.fastComm;
      this.fastComm = -1;
    } else if (!pre.commUnknown && pre.commEnd > pre.commStart) comm = this.commIndex(pre.commStart, pre.commEnd, pre.pid);
    else if (commEnd > commStart && !(commEnd - commStart === 5 && this.t.startsWith('<...>', commStart))) {
      comm = store.strings.intern(this.t.slice(commStart, commEnd));
    }
    const dev = devKey === NO_DEVICE ? this.noDevice() : this.deviceIndex(devKey);
    const i = store.push(time, dev, pre.cpu, 0, pre.pid, comm, action, rwbsIndex, sector, nSectors);
    store.setOrigin(i, this.lineNo);
    return i;
  }

  rwbs(s: number, e: number): number {
    const t = this.t;
    const n = e - s;
    if (n <= 6) {
      // Pack short ASCII spellings into a number so the common case needs no substring.
      let key = n;
      for (let i = s; i < e; i++) {
        const ch = t.charCodeAt(i);
        if (ch >= 128) return this.store.rwbsIdx(t.slice(s, e));
        key = key * 128 + ch;
      }
      let idx = this.rwbsByKey.get(key);
      if (idx === undefined) {
        idx = this.store.rwbsIdx(t.slice(s, e));
        this.rwbsByKey.set(key, idx);
      }
      return idx;
    }
    return this.store.rwbsIdx(t.slice(s, e));
  }

  fail(expected: string): void {
    this.diag.add('error', `expected ${expected}: "${this.lineExcerpt}"`, { line: this.lineNo });
  }

  // ---- lines ----------------------------------------------------------------------------

  private lineStart = 0;
  private lineEnd = 0;

  private get lineExcerpt(): string {
    return excerpt(this.t, this.lineStart, this.lineEnd);
  }

  private line(t: string, start: number, end: number, lineNo: number): void {
    const raw = this.splitter.raw;
    if (raw !== null && this.stats.firstBlkExample !== '' && this.fastLine(raw, this.splitter.rawBase, t, start, end, lineNo)) return;
    const s = trimStart(t, start, end);
    const e = trimEnd(t, s, end);
    if (s >= e) return;
    this.t = t;
    this.lineNo = lineNo;
    this.lineStart = s;
    this.lineEnd = e;
    if (t.charCodeAt(s) === HASH) {
      this.header(t, s, e);
      return;
    }
    this.stats.contentLines++;
    if (this.pre.parse(t, s, e)) {
      this.stats.prefixLines++;
      this.body(t, this.pre.body, e);
      return;
    }
    this.noPrefix(t, s, e);
  }

  /**
   * The common blk tracer line read from the bytes behind the text (see
   * ./ftraceFast); false, with nothing changed, when the general path must
   * read it. Same columns, extras and counters as line() → body() → blk().
   */
  private fastLine(raw: Uint8Array, base: number, t: string, start: number, end: number, lineNo: number): boolean {
    let a = base + start;
    let z = base + end;
    while (a < z && (raw[a] === 32 || raw[a] === 9)) a++;
    while (z > a && (raw[z - 1] === 32 || raw[z - 1] === 9)) z--;
    if (a >= z || raw[a] === HASH) return false;
    const f = this.fast;
    if (!fastBlkLine(raw, a, z, f)) return false;
    const s = a - base;
    this.t = t;
    this.lineNo = lineNo;
    this.lineStart = s;
    this.lineEnd = z - base;
    const st = this.stats;
    st.contentLines++;
    st.prefixLines++;
    st.blkLines++;
    const pre = this.pre;
    pre.layout = Layout.Ftrace;
    pre.cpu = f.cpu;
    pre.secs = f.secs;
    pre.fracNs = f.fracNs;
    pre.fracDigits = f.fracDigits;
    pre.body = f.body - base;
    pre.pid = f.pid;
    pre.commStart = s;
    pre.commEnd = f.commEnd - base;
    pre.commUnknown = f.commEnd - a === 5 && t.startsWith('<...>', s);
    const action = f.action;
    const rwbs = this.rwbsOf(raw, f.rwbsStart, f.rwbsEnd, base);
    if (!pre.commUnknown && f.commEnd > a) this.fastComm = this.commOf(raw, a, f.commEnd, f.pid, base);
    const withError = action === Action.Complete || action === Action.Requeue;
    const i = this.event(f.dev, action, rwbs, f.sector, f.count, withError ? -1 : f.bracketStart - base, withError ? -1 : f.bracketEnd - base);
    const store = this.store;
    if (f.err !== 0) store.addExtra(i, ExtraKind.Error, f.err);
    if (action === Action.UnplugIo || action === Action.UnplugTimer) store.addExtra(i, ExtraKind.UnplugDepth, f.after);
    return true;
  }

  /** rwbs() keyed from the bytes: the same packed key, so the same cache entries. */
  private rwbsOf(raw: Uint8Array, s: number, e: number, base: number): number {
    const n = e - s;
    if (n > 6) return this.rwbs(s - base, e - base);
    let key = n;
    for (let i = s; i < e; i++) {
      const ch = raw[i];
      if (ch >= 128) return this.rwbs(s - base, e - base);
      key = key * 128 + ch;
    }
    const idx = this.rwbsByKey.get(key);
    return idx !== undefined ? idx : this.rwbs(s - base, e - base);
  }

  /** commIndex() behind a byte-compared cache slot per pid. */
  private commOf(raw: Uint8Array, s: number, e: number, pid: number, base: number): number {
    const n = e - s;
    const slot = pid & (COMM_SLOTS - 1);
    if (n <= COMM_MAX && this.commPid[slot] === pid && this.commLen[slot] === n) {
      const cb = this.commBytes;
      let k = slot * COMM_MAX;
      let i = s;
      while (i < e && cb[k] === raw[i]) {
        k++;
        i++;
      }
      if (i === e) return this.commIdx[slot];
    }
    const idx = this.commIndex(s - base, e - base, pid);
    if (n <= COMM_MAX) {
      this.commPid[slot] = pid;
      this.commIdx[slot] = idx;
      this.commLen[slot] = n;
      this.commBytes.set(raw.subarray(s, e), slot * COMM_MAX);
    }
    return idx;
  }

  /** Everything after `TIMESTAMP: `: a blk payload, an event, or a perf sample period then an event. */
  private body(t: string, p: number, e: number): void {
    const c = this.c;
    c.reset(t, p, e);
    if (c.atEnd()) {
      this.fail('an event name or a blk tracer payload after the timestamp');
      return;
    }
    const ch = t.charCodeAt(p);
    if (isDigit(ch)) {
      const dev = readDevice(c);
      if (dev >= 0) {
        this.blk(c, dev, p);
        return;
      }
      // perf script may print the sample period before the event name.
      c.uint();
      if (c.atEnd() || !isSpace(c.peek())) {
        this.fail('`MAJ,MIN ACT RWBS ...` (blk tracer) or `EVENT:` after the timestamp');
        return;
      }
      c.skipSpaces();
      p = c.p;
    }
    if (t.charCodeAt(p) === LT) {
      // `<stack trace>` / `<user stack trace>` events: their frames follow on ` => ` lines.
      this.stats.stackLines++;
      return;
    }
    if (t.startsWith('Unknown action', p)) {
      this.diag.add('warning', `blk tracer record with an action code it could not print: "${this.lineExcerpt}"`, { line: this.lineNo });
      return;
    }
    let colon = -1;
    for (let i = p; i < e; i++) {
      const k = t.charCodeAt(i);
      if (k === 58) {
        colon = i;
        break;
      }
      if (isSpace(k)) break;
    }
    if (colon <= p) {
      if (t.indexOf(' <-', p) > p) {
        // function tracer: `func <-caller`
        this.other('function tracer');
        return;
      }
      this.fail('`EVENT:` or a blk tracer payload `MAJ,MIN ACT RWBS ...` after the timestamp');
      return;
    }
    let ns = p;
    let ne = colon;
    let q = colon + 1;
    if (q < e && !isSpace(t.charCodeAt(q))) {
      // perf prints `SUBSYS:EVENT:` (`block:block_rq_issue:`); perf trace omits the space after it.
      const c2 = t.indexOf(':', q);
      if (c2 > q && c2 < e && lastIndexIn(t, 32, q, c2) < 0) {
        ns = q;
        ne = c2;
        q = c2 + 1;
      }
    }
    const fields = trimStart(t, q, e);
    const name = t.slice(ns, ne);
    const ev = TRACEPOINTS.get(name);
    if (ev !== undefined) {
      const st = this.stats;
      st.tracepointLines++;
      if (st.firstTracepointExample === '') st.firstTracepointExample = excerpt(t, ns, Math.min(e, ns + 70));
      c.reset(t, fields, e);
      parseTracepoint(this, c, this.tail, ev, name);
      return;
    }
    if (name === 'tracing_mark_write' || name === 'print') {
      this.mark(t, fields, e);
      return;
    }
    if (!name.startsWith('block_')) {
      // trace-cmd report shows blk tracer records after a pseudo-event name.
      c.reset(t, fields, e);
      const dev = readDevice(c);
      if (dev >= 0 && this.looksLikeBlkAction(c)) {
        c.reset(t, fields, e);
        readDevice(c);
        this.blk(c, dev, fields);
        return;
      }
    }
    this.other(name);
  }

  private looksLikeBlkAction(c: Cursor): boolean {
    if (c.atEnd() || !isSpace(c.peek())) return false;
    c.skipSpaces();
    const a = c.token();
    return blkAction(c.t, a, c.p) >= 0;
  }

  private blk(c: Cursor, dev: number, payloadStart: number): void {
    const st = this.stats;
    st.blkLines++;
    if (st.firstBlkExample === '') st.firstBlkExample = excerpt(c.t, payloadStart, Math.min(c.e, payloadStart + 60)).replace(/ +/g, ' ');
    parseBlkAfterDevice(this, c, this.tail, dev);
  }

  /** trace_marker writes: kept as Message events so that anchor lines can align clocks later. */
  private mark(t: string, s: number, e: number): void {
    this.stats.markLines++;
    const i = this.event(NO_DEVICE, Action.Message, 0, 0, 0, -1, -1);
    this.store.addExtra(i, ExtraKind.Message, this.store.strings.intern(t.slice(s, trimEnd(t, s, e))));
  }

  private other(name: string): void {
    this.stats.otherEventLines++;
    const n = this.otherNames.get(name);
    if (n !== undefined) this.otherNames.set(name, n + 1);
    else if (this.otherNames.size < MAX_OTHER_NAMES) this.otherNames.set(name, 1);
    else this.otherNamesDropped++;
  }

  /** Lines without the ftrace prefix: stack frames, lost-event notes, trace-cmd headers, blk_classic, perf trace. */
  private noPrefix(t: string, s: number, e: number): void {
    const ch = t.charCodeAt(s);
    if (ch === 61 && t.startsWith('=> ', s)) {
      this.stats.stackLines++;
      return;
    }
    if (t.startsWith('CPU', s)) {
      if (this.lost(t, s, e)) return;
      // trace-cmd report: `CPU 0 is empty`, `CPU 1 data recorded at offset=...`
      if (/^CPU ?\d+ (is empty|data recorded)/.test(t.slice(s, Math.min(e, s + 40)))) return;
    }
    if (t.startsWith('cpus=', s) || t.startsWith('version =', s) || t.startsWith('version=', s)) return;
    if (isDigit(ch)) {
      const pre = this.pre;
      const dev = parseClassic(pre, this.c, t, s, e);
      if (dev >= 0) {
        this.stats.classicLines++;
        this.stats.prefixLines++;
        const c = this.c;
        c.reset(t, pre.body, e);
        this.blk(c, dev, s);
        return;
      }
      if (pre.parsePerfTrace(t, s, e)) {
        this.stats.prefixLines++;
        if (this.baseSecs < 0) this.clockKind = 'relative';
        if (t.charCodeAt(pre.body) === LPAREN) this.other('perf trace syscall');
        else this.body(t, pre.body, e);
        return;
      }
    }
    this.diag.add(
      'warning',
      `not an ftrace event line (expected \`TASK-PID [CPU] FLAGS SECS.USECS: EVENT: ...\`): "${this.lineExcerpt}"`,
      { line: this.lineNo },
    );
  }

  /**
   * `CPU:3 [LOST 120 EVENTS]` (kernel/trace/trace.c print_trace_line), trace-cmd's
   * `CPU:3 [120 EVENTS DROPPED]` and `CPU:3 [EVENTS DROPPED]` (count unknown).
   */
  private lost(t: string, s: number, e: number): boolean {
    const m = /^CPU: ?(\d+) \[(?:LOST (\d+) EVENTS|(\d+) EVENTS DROPPED|(EVENTS DROPPED))\]/.exec(t.slice(s, Math.min(e, s + 80)));
    if (!m) return false;
    this.droppedSeen = true;
    const n = Number(m[2] ?? m[3] ?? 0);
    this.dropped += n;
    const what = m[4] ? 'an unknown number of events' : `${n} events`;
    this.diag.add('warning', `trace lost ${what} on CPU ${m[1]} (ring buffer overrun): request chains around here may be incomplete`, {
      line: this.lineNo,
    });
    return true;
  }

  /** `# tracer: blk`, `# entries-in-buffer/entries-written: 33/40   #P:4`; other comments are column legends. */
  private header(t: string, s: number, e: number): void {
    const text = t.slice(s, Math.min(e, s + 120));
    const tracer = /^#\s*tracer:\s*(\S+)/.exec(text);
    if (tracer) {
      this.stats.tracer = tracer[1];
      return;
    }
    const entries = /^#\s*entries-in-buffer\/entries-written:\s*(\d+)\/(\d+)/.exec(text);
    if (entries) {
      this.droppedSeen = true;
      const inBuffer = Number(entries[1]);
      const written = Number(entries[2]);
      if (written > inBuffer) {
        this.dropped += written - inBuffer;
        this.diag.add('warning', `ring buffer overwritten: ${written} events written, ${inBuffer} still in the buffer (${written - inBuffer} lost)`, {
          line: this.lineNo,
        });
      }
    }
  }

  private reportOtherEvents(): void {
    if (this.stats.otherEventLines === 0) return;
    const top = [...this.otherNames.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 8);
    const list = top.map(([n, k]) => `${n} ×${k}`).join(', ');
    const more = this.otherNames.size > top.length || this.otherNamesDropped > 0 ? ', …' : '';
    this.diag.add('info', `${this.stats.otherEventLines} lines of non-block events ignored: ${list}${more}`);
  }

  // ---- helpers --------------------------------------------------------------------------

  private startClock(): void {
    const secs = this.pre.secs;
    this.baseSecs = this.pre.layout !== Layout.PerfTrace && secs * 1e9 + this.pre.fracNs >= BASE_THRESHOLD_NS ? secs : 0;
  }

  private commIndex(s: number, e: number, pid: number): number {
    const strings = this.store.strings;
    const cached = this.commByPid.get(pid);
    if (cached !== undefined) {
      const v = strings.values[cached];
      if (v.length === e - s && this.t.startsWith(v, s)) return cached;
    }
    const idx = strings.intern(this.t.slice(s, e));
    this.commByPid.set(pid, idx);
    return idx;
  }

  private lastDevKey = -1;
  private lastDevIdx = 0;
  private noDeviceIdx = -1;

  private deviceIndex(key: number): number {
    if (key === this.lastDevKey) return this.lastDevIdx;
    this.lastDevKey = key;
    this.lastDevIdx = this.store.deviceIdx(key);
    return this.lastDevIdx;
  }

  private noDevice(): number {
    if (this.noDeviceIdx < 0) this.noDeviceIdx = this.store.deviceIdx(NO_DEVICE);
    return this.noDeviceIdx;
  }
}
