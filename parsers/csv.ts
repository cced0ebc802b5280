/**
 * Event tables as CSV/TSV: exports of sectorscope itself or of users' scripts.
 * A header row names the columns; names and common synonyms are recognised
 * (or given explicitly with `createCsvParser(name, { mapping })`), and rows
 * fill a BlockEventStore (block events) or a SyscallStore (a `syscall` column).
 *
 * Streaming: LineSplitter gives lines with their numbers; lines are grouped
 * into records by quote parity (a quoted field may hold a newline, RFC 4180),
 * and whole records are handed to papaparse in batches with a `step`
 * callback, so a row's result never depends on how the input was chunked.
 * papaparse runs synchronously on strings, in Node and in a Worker alike.
 *
 * Optional metadata before the header, written by sectorscope's exporter:
 * `# clock=KIND baseNs=DIGITS` (ClockInfo of the times in the table).
 */
import Papa from 'papaparse';
import type { FormatSpec, Sniff } from './format';
import { Action, ALL_ACTIONS, actionFromLetter, actionName } from './model/actions';
import { BlockEventStore, devKey, ExtraKind } from './model/blockEvents';
import type { ChunkParser, ClockInfo, ParsedSource } from './model/source';
import { DiagnosticSink } from './model/source';
import { SyscallStore } from './model/syscalls';
import { LineSplitter } from './text/lines';

export type CsvField =
  | 'time' | 'dev' | 'major' | 'minor' | 'cpu' | 'seq' | 'pid' | 'comm' | 'action' | 'rwbs' | 'sector' | 'nsect'
  | 'bytes' | 'error' | 'syscall' | 'fd' | 'offset' | 'length' | 'result' | 'buf' | 'path' | 'duration';

export type TimeUnit = 's' | 'ms' | 'us' | 'ns';

export interface CsvOptions {
  /** Field → header name (case-insensitive) or 0-based column index; overrides recognition for those fields. */
  mapping?: Partial<Record<CsvField, string | number>>;
  /** Table kind; by default `syscall` when a syscall column exists, else `block`. */
  kind?: 'block' | 'syscall';
  /** Unit of the time column when its header does not say (`time_ns`, `time (us)`); default seconds. */
  timeUnit?: TimeUnit;
  /** Field delimiter; by default the most frequent of , TAB ; | in the header row. */
  delimiter?: string;
}

/* Normalised header name (lowercase, letters and digits only) → field. */
const SYNONYMS: Record<string, CsvField> = {
  time: 'time', timestamp: 'time', ts: 'time', tstamp: 'time',
  dev: 'dev', device: 'dev', devno: 'dev', majmin: 'dev', majorminor: 'dev',
  major: 'major', maj: 'major', minor: 'minor', min: 'minor',
  cpu: 'cpu', cpuid: 'cpu',
  seq: 'seq', sequence: 'seq', seqno: 'seq',
  pid: 'pid', tid: 'pid',
  comm: 'comm', process: 'comm', proc: 'comm', command: 'comm', task: 'comm',
  action: 'action', act: 'action', event: 'action',
  rwbs: 'rwbs', op: 'rwbs', rw: 'rwbs', operation: 'rwbs',
  sector: 'sector', lba: 'sector', startsector: 'sector',
  nsect: 'nsect', nsectors: 'nsect', sectors: 'nsect', nrsector: 'nsect', nrsectors: 'nsect', count: 'nsect',
  bytes: 'bytes', size: 'bytes', nbytes: 'bytes',
  error: 'error', err: 'error', errno: 'error',
  syscall: 'syscall', call: 'syscall', sysname: 'syscall',
  fd: 'fd',
  offset: 'offset', off: 'offset', pos: 'offset', position: 'offset',
  length: 'length', len: 'length',
  result: 'result', ret: 'result', retval: 'result', return: 'result', res: 'result',
  buf: 'buf', buffer: 'buf', bufaddr: 'buf', addr: 'buf',
  path: 'path', file: 'path', filename: 'path',
  duration: 'duration', dur: 'duration', elapsed: 'duration',
};
/* In a syscall table `count` is the byte count of read(fd, buf, count). */
const SYSCALL_SYNONYMS: Record<string, CsvField> = { count: 'length', size: 'length', bytes: 'length' };

const UNIT_NS: Record<TimeUnit, number> = { s: 1e9, ms: 1e6, us: 1e3, ns: 1 };
/* Fractional digits of a time in that unit that are still whole ns. */
const UNIT_DIGITS: Record<TimeUnit, number> = { s: 9, ms: 6, us: 3, ns: 0 };
const DELIMITERS = [',', '\t', ';', '|'];
/* A record still open (odd quotes) after this many lines is an unterminated quote, not a multi-line field. */
const MAX_RECORD_LINES = 64;
const BATCH_CHARS = 256 * 1024;
const MAX_LINE_CHARS = 16 << 20;
/* Times at or above this many ns (1e9 s) are dates (2001+), not trace-relative offsets. */
const EPOCH_MIN_NS = 1_000_000_000n * 1_000_000_000n;

interface HeaderName {
  field: CsvField | null;
  unit: TimeUnit | null;
}

/** Splits a header cell like `time (us)`, `Time_ns`, `nr_sectors` into a field and a time unit. */
export function recogniseHeader(cell: string, kind: 'block' | 'syscall' = 'block'): HeaderName {
  let s = cell.trim().toLowerCase();
  let unit: TimeUnit | null = null;
  const u = /^(.*?)[\s_-]*(?:\((ns|us|µs|ms|s|sec|secs|seconds)\)|\[(ns|us|µs|ms|s|sec|secs|seconds)\]|[_-](ns|us|µs|ms|s|sec|secs))$/.exec(s);
  if (u) {
    s = u[1];
    const raw = u[2] ?? u[3] ?? u[4];
    unit = raw === 'µs' ? 'us' : raw.startsWith('s') ? 's' : (raw as TimeUnit);
  }
  const norm = s.replace(/[^a-z0-9]/g, '');
  const field = (kind === 'syscall' ? SYSCALL_SYNONYMS[norm] : undefined) ?? SYNONYMS[norm] ?? null;
  return { field, unit };
}

/* Count of `delim` outside double quotes. */
function countOutsideQuotes(line: string, delim: string): number {
  let n = 0;
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQ = !inQ;
    else if (!inQ && c === delim) n++;
  }
  return n;
}

function guessDelimiter(header: string): string {
  let best = ',';
  let bestN = 0;
  for (const d of DELIMITERS) {
    const n = countOutsideQuotes(header, d);
    if (n > bestN) {
      best = d;
      bestN = n;
    }
  }
  return best;
}

function quoteCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/* Action spellings: letters (Q, C, UT), our names (issue), tracepoint names (block_rq_issue). */
const ACTION_NAMES = new Map<string, number>(ALL_ACTIONS.map((a) => [actionName(a), a]));
const TRACEPOINTS: Record<string, number> = {
  bio_queue: Action.Queue, bio_backmerge: Action.BackMerge, bio_frontmerge: Action.FrontMerge, getrq: Action.GetRq,
  sleeprq: Action.SleepRq, rq_requeue: Action.Requeue, rq_issue: Action.Issue, rq_complete: Action.Complete,
  rq_insert: Action.Insert, split: Action.Split, bio_bounce: Action.Bounce, bio_remap: Action.Remap,
  rq_remap: Action.Remap, bio_complete: Action.BioComplete, rq_merge: Action.RqMerge, io_start: Action.IoStart,
  io_done: Action.IoDone, plug: Action.Plug, unplug: Action.UnplugIo, touch_buffer: Action.Touch, dirty_buffer: Action.Dirty,
};

function parseAction(s: string): number {
  const t = s.trim();
  const letter = actionFromLetter(t);
  if (letter !== Action.Unknown) return letter;
  const low = t.toLowerCase().replace(/^block[:_]/, '');
  return ACTION_NAMES.get(low) ?? TRACEPOINTS[low] ?? -1;
}

/** Decimal or 0x-hex number; NaN when not a finite number. */
function num(s: string): number {
  const t = s.trim();
  if (t === '') return NaN;
  // Number() reads decimals, exponents and 0x hex natively; only a negative hex needs help.
  const v = t.charCodeAt(0) === 45 && (t[2] === 'x' || t[2] === 'X') ? -Number(t.slice(1)) : Number(t);
  return Number.isFinite(v) ? v : NaN;
}

const TIME_SYNTAX = /^([+-]?)(\d*)(?:\.(\d*))?$/;

/**
 * Exact ns of a decimal time string in `unit`: a number while it fits a
 * float64 integer, a BigInt beyond (epoch times), null when malformed.
 * Integer and fraction are converted separately so that no decimal rounding occurs.
 */
function timeNs(s: string, unit: TimeUnit): number | bigint | null {
  const m = TIME_SYNTAX.exec(s.trim());
  if (!m || (m[2] === '' && !m[3])) return null;
  const scale = UNIT_NS[unit];
  const digits = UNIT_DIGITS[unit];
  const fracStr = m[3] ?? '';
  const frac = fracStr.length >= digits ? fracStr.slice(0, digits) : fracStr.padEnd(digits, '0');
  const whole = Number(m[2] || '0') * scale;
  if (whole <= Number.MAX_SAFE_INTEGER - scale) {
    const v = whole + (digits > 0 ? Number(frac) : 0);
    return m[1] === '-' ? -v : v;
  }
  const big = BigInt(m[2]) * BigInt(scale) + BigInt(frac || '0');
  return m[1] === '-' ? -big : big;
}

function parseDev(s: string): number {
  const m = /^\s*(\d+)\s*[,:]\s*(\d+)\s*$/.exec(s);
  if (m) return devKey(Number(m[1]), Number(m[2]));
  const n = num(s);
  return Number.isInteger(n) && n >= 0 ? n : NaN;
}

/* A numeric cell that was present but not a number (already reported). */
function malformed(v: number | undefined): boolean {
  return v !== undefined && Number.isNaN(v);
}

/* blkparse prints a completion error as an unsigned 16-bit value ([65531] = -EIO). */
function signedErrno(n: number): number {
  if (n >= 32768 && n <= 65535) return n - 65536;
  return n > 0 ? -n : n;
}

interface Rec {
  text: string;
  line: number;
  lines: number;
}

type Columns = Partial<Record<CsvField, number>>;

class CsvParser implements ChunkParser {
  private readonly diags: DiagnosticSink;
  private readonly splitter: LineSplitter;
  private open: Rec | null = null;
  private openQuotes = 0;
  private batch: Rec[] = [];
  private batchChars = 0;
  private header: string[] | null = null;
  private delimiter = ',';
  private cols: Columns = {};
  private kind: 'block' | 'syscall' = 'block';
  private unit: TimeUnit = 's';
  private clock: ClockInfo | null = null;
  private baseNs: bigint | null = null;
  private block: BlockEventStore | null = null;
  private syscalls: SyscallStore | null = null;
  private usable = false;
  private warnedDevName = false;
  private comments = 0;

  constructor(private readonly name: string, private readonly opts: CsvOptions = {}) {
    this.diags = new DiagnosticSink(name);
    this.splitter = new LineSplitter(
      (t, s, e, n) => this.onLine(t.slice(s, e), n),
      (n, chars) => this.diags.add('error', `line of ${chars} characters skipped (too long for a table row)`, { line: n }),
      MAX_LINE_CHARS,
    );
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  finish(): ParsedSource {
    this.splitter.finish();
    this.runBatch();
    if (this.open) {
      this.diags.add('error', `quoted field opened on line ${this.open.line} never closes (expected a closing ")`, { line: this.open.line });
      this.open = null;
    }
    if (!this.header) this.diags.add('error', 'no header row found (expected column names such as time,dev,action,sector,nsect)');
    const src: ParsedSource = {
      name: this.name,
      format: 'csv',
      evidence: '',
      bytes: this.splitter.bytes,
      clock: this.clock ?? (this.baseNs !== null ? { kind: 'epoch', baseNs: this.baseNs.toString() } : { kind: this.cols.time !== undefined ? 'trace-relative' : 'none', baseNs: '0' }),
      diagnostics: this.diags.list,
      diagnosticsOmitted: this.diags.omitted,
    };
    if (this.syscalls) src.syscalls = this.syscalls.compact();
    else src.block = (this.block ?? new BlockEventStore()).compact();
    return src;
  }

  private onLine(line: string, lineNo: number): void {
    if (this.open) {
      const r = this.open;
      r.text += `\n${line}`;
      r.lines++;
      this.openQuotes += quoteCount(line);
      if (this.openQuotes % 2 === 0) {
        this.open = null;
        this.record(r);
      } else if (r.lines >= MAX_RECORD_LINES) {
        this.diags.add('error', `quoted field opened on line ${r.line} is still open after ${r.lines} lines; those lines were skipped`, { line: r.line });
        this.open = null;
      }
      return;
    }
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      this.comment(line, lineNo);
      return;
    }
    const q = quoteCount(line);
    const r: Rec = { text: line, line: lineNo, lines: 1 };
    if (q % 2 === 1) {
      this.open = r;
      this.openQuotes = q;
      return;
    }
    this.record(r);
  }

  private comment(line: string, lineNo: number): void {
    this.comments++;
    const m = /^#\s*clock=([a-z-]+)\s+baseNs=(\d+)\s*$/.exec(line);
    if (!m) return;
    const kinds = ['trace-raw', 'trace-relative', 'wall-tod', 'epoch', 'relative', 'none'];
    if (kinds.includes(m[1])) this.clock = { kind: m[1] as ClockInfo['kind'], baseNs: m[2] };
    else this.diags.add('warning', `unknown clock kind ${m[1]} (expected one of ${kinds.join(', ')})`, { line: lineNo });
  }

  private record(r: Rec): void {
    if (!this.header) {
      this.setHeader(r);
      return;
    }
    this.batch.push(r);
    this.batchChars += r.text.length + 1;
    if (this.batchChars >= BATCH_CHARS) this.runBatch();
  }

  private setHeader(r: Rec): void {
    this.delimiter = this.opts.delimiter ?? guessDelimiter(r.text);
    let cells: string[] = [];
    Papa.parse<string[]>(r.text, { delimiter: this.delimiter, newline: '\n', step: (res) => { cells = res.data; } });
    this.header = cells.map((c) => c.trim());
    const kindGuess = this.opts.kind ?? (this.header.some((h) => recogniseHeader(h).field === 'syscall') ? 'syscall' : 'block');
    this.kind = kindGuess;
    const cols: Columns = {};
    let unit: TimeUnit | null = null;
    this.header.forEach((h, i) => {
      const { field, unit: u } = recogniseHeader(h, kindGuess);
      if (field && cols[field] === undefined) {
        cols[field] = i;
        if (field === 'time') unit = u;
      }
    });
    for (const [field, target] of Object.entries(this.opts.mapping ?? {}) as [CsvField, string | number][]) {
      const idx = typeof target === 'number' ? target : this.header.findIndex((h) => h.toLowerCase() === target.toLowerCase());
      if (idx < 0 || idx >= this.header.length) {
        this.diags.add('error', `mapping ${field} → ${JSON.stringify(target)}: no such column in the header (${this.header.join(this.delimiter)})`, { line: r.line });
        continue;
      }
      cols[field] = idx;
      if (field === 'time') unit = recogniseHeader(this.header[idx]).unit;
    }
    this.cols = cols;
    this.unit = this.opts.timeUnit ?? unit ?? 's';
    const names = (Object.keys(cols) as CsvField[]).map((f) => `${f}=${this.header![cols[f]!]}`).join(', ');
    if (this.kind === 'syscall') {
      this.usable = cols.syscall !== undefined;
      if (!this.usable) this.diags.add('error', 'syscall table without a syscall column (expected syscall/call)', { line: r.line });
      else this.syscalls = new SyscallStore();
    } else {
      this.usable = cols.action !== undefined || cols.sector !== undefined;
      if (!this.usable) {
        this.diags.add('error', `header has no action or sector column (expected e.g. time,dev,action,rwbs,sector,nsect); recognised: ${names || 'nothing'}`, { line: r.line });
      } else this.block = new BlockEventStore();
    }
    if (this.usable) this.diags.add('info', `${this.kind} table, columns ${names}; time unit ${this.unit}`, { line: r.line });
  }

  private runBatch(): void {
    const recs = this.batch;
    if (recs.length === 0) return;
    this.batch = [];
    this.batchChars = 0;
    if (!this.usable) return;
    const parsed = this.papa(recs.map((r) => r.text).join('\n'));
    if (parsed.rows.length === recs.length) {
      for (let i = 0; i < recs.length; i++) this.parsedRow(parsed.rows[i], parsed.errors[i], recs[i].line);
      return;
    }
    /*
     * A quote in the middle of an unquoted field (`5" disk`) is literal for
     * papaparse but counts for our line grouping, so rows and records no
     * longer line up: redo this batch one record at a time to keep each
     * row on its own line number.
     */
    for (const r of recs) {
      const one = this.papa(r.text);
      if (one.rows.length === 1) this.parsedRow(one.rows[0], one.errors[0], r.line);
      else this.diags.add('error', `quotes make this record ${one.rows.length} rows (expected one row; a quote inside an unquoted field?)`, { line: r.line });
    }
  }

  private papa(text: string): { rows: string[][]; errors: (string | null)[] } {
    const rows: string[][] = [];
    const errors: (string | null)[] = [];
    Papa.parse<string[]>(text, {
      delimiter: this.delimiter,
      newline: '\n',
      step: (res) => {
        rows.push(res.data);
        errors.push(res.errors.length > 0 ? res.errors.map((e) => e.message).join('; ') : null);
      },
    });
    return { rows, errors };
  }

  private parsedRow(row: string[], error: string | null, line: number): void {
    if (error !== null) this.diags.add('error', `row not parsed: ${error}`, { line });
    else this.row(row, line);
  }

  private cell(row: string[], f: CsvField): string | undefined {
    const i = this.cols[f];
    return i === undefined ? undefined : row[i];
  }

  /** Parses a numeric cell; undefined when the column is absent or empty, NaN (with a diagnostic) when malformed. */
  private numCell(row: string[], f: CsvField, line: number): number | undefined {
    const s = this.cell(row, f);
    if (s === undefined || s.trim() === '') return undefined;
    const n = num(s);
    if (Number.isNaN(n)) this.diags.add('error', `column ${this.header![this.cols[f]!]}: expected a number, got ${JSON.stringify(s)}`, { line });
    return n;
  }

  private timeOf(row: string[], line: number): number | null {
    const s = this.cell(row, 'time');
    if (s === undefined || s.trim() === '') return NaN;
    const v = timeNs(s, this.unit);
    if (v === null) {
      this.diags.add('error', `column ${this.header![this.cols.time!]}: expected a decimal time in ${this.unit}, got ${JSON.stringify(s)}`, { line });
      return null;
    }
    if (this.clock) return Number(v);
    // Times below 2^53 ns (104 days) cannot be dates: no BigInt work for trace-relative tables.
    if (typeof v === 'number' && this.baseNs === null) return v;
    const big = typeof v === 'bigint' ? v : BigInt(v);
    if (this.baseNs === null && big >= EPOCH_MIN_NS) {
      this.baseNs = (big / 1000000000n) * 1000000000n; // whole second of the first date: offsets stay exact in float64
    }
    return Number(this.baseNs === null ? big : big - this.baseNs);
  }

  private row(row: string[], line: number): void {
    if (row.length !== this.header!.length) {
      this.diags.add('warning', `row has ${row.length} fields, the header has ${this.header!.length}`, { line });
    }
    if (this.kind === 'syscall') this.syscallRow(row, line);
    else this.blockRow(row, line);
  }

  private blockRow(row: string[], line: number): void {
    const store = this.block!;
    const t = this.timeOf(row, line);
    if (t === null) return;
    let dev = 0;
    const devCell = this.cell(row, 'dev');
    if (devCell !== undefined && devCell.trim() !== '') {
      dev = parseDev(devCell);
      if (Number.isNaN(dev)) {
        if (!this.warnedDevName) {
          this.warnedDevName = true;
          this.diags.add('warning', `device ${JSON.stringify(devCell)} is not MAJ,MIN or a dev_t number; such devices are recorded as 0,0`, { line });
        }
        dev = 0;
      }
    } else if (this.cols.major !== undefined) {
      const ma = this.numCell(row, 'major', line);
      const mi = this.numCell(row, 'minor', line) ?? 0;
      if (ma === undefined || Number.isNaN(ma) || Number.isNaN(mi)) return;
      dev = devKey(ma, mi);
    }
    let action: number = Action.Unknown;
    const actCell = this.cell(row, 'action');
    if (actCell !== undefined && actCell.trim() !== '') {
      action = parseAction(actCell);
      if (action < 0) {
        this.diags.add('error', `column ${this.header![this.cols.action!]}: unknown action ${JSON.stringify(actCell)} (expected a blkparse letter such as Q/D/C or a name such as issue)`, { line });
        return;
      }
    }
    const cpu = this.numCell(row, 'cpu', line);
    const seq = this.numCell(row, 'seq', line);
    const pid = this.numCell(row, 'pid', line);
    const sector = this.numCell(row, 'sector', line);
    let nsect = this.numCell(row, 'nsect', line);
    const bytes = this.numCell(row, 'bytes', line);
    const error = this.numCell(row, 'error', line);
    if (malformed(cpu) || malformed(seq) || malformed(pid) || malformed(sector) || malformed(nsect) || malformed(bytes) || malformed(error)) return;
    if (nsect === undefined && bytes !== undefined) nsect = Math.ceil(bytes / 512);
    const ev = store.push(
      t,
      store.deviceIdx(dev),
      cpu ?? 0,
      seq ?? 0,
      pid ?? 0,
      store.strings.intern(this.cell(row, 'comm')?.trim() ?? ''),
      action,
      store.rwbsIdx(this.cell(row, 'rwbs')?.trim() ?? ''),
      sector ?? 0,
      nsect ?? 0,
    );
    store.setOrigin(ev, line);
    if (error !== undefined && error !== 0) store.addExtra(ev, ExtraKind.Error, signedErrno(error));
    if (bytes !== undefined && bytes !== (nsect ?? 0) * 512) store.addExtra(ev, ExtraKind.Bytes, bytes);
  }

  private syscallRow(row: string[], line: number): void {
    const store = this.syscalls!;
    const t = this.timeOf(row, line);
    if (t === null) return;
    const name = this.cell(row, 'syscall')?.trim() ?? '';
    if (name === '') {
      this.diags.add('error', 'empty syscall name', { line });
      return;
    }
    const pid = this.numCell(row, 'pid', line);
    const fd = this.numCell(row, 'fd', line);
    const offset = this.numCell(row, 'offset', line);
    const length = this.numCell(row, 'length', line);
    const result = this.numCell(row, 'result', line);
    const buf = this.numCell(row, 'buf', line);
    if (malformed(pid) || malformed(fd) || malformed(offset) || malformed(length) || malformed(result) || malformed(buf)) return;
    const i = store.pushRow(t, pid ?? 0, store.strings.intern(name), line);
    if (fd !== undefined) store.fd[i] = fd;
    if (offset !== undefined) store.offset[i] = offset;
    if (length !== undefined) store.length_[i] = length;
    if (result !== undefined) store.result[i] = result;
    if (buf !== undefined) store.bufAddr[i] = buf;
    const path = this.cell(row, 'path')?.trim();
    if (path) store.path[i] = store.strings.intern(path);
    const dur = this.cell(row, 'duration');
    if (dur !== undefined && dur.trim() !== '') {
      const d = timeNs(dur, recogniseHeader(this.header![this.cols.duration!]).unit ?? 's');
      if (d === null) this.diags.add('error', `duration ${JSON.stringify(dur)} is not a decimal number`, { line });
      else store.durationNs[i] = Number(d);
    }
    const err = this.cell(row, 'error')?.trim();
    if (err) {
      const n = num(err);
      if (Number.isInteger(n)) store.errno[i] = Math.abs(n) & 0xffff;
      else store.errName[i] = store.strings.intern(err);
    }
  }
}

/** A CSV parser with an explicit column mapping or other options. */
export function createCsvParser(name: string, opts: CsvOptions = {}): ChunkParser {
  return new CsvParser(name, opts);
}

/*
 * Never above 0.6: a header of known column names is good evidence, but not
 * as good as the line shapes of the trace formats, which must win their files.
 */
function sniffCsv(text: string): Sniff | null {
  const all = text.split('\n');
  if (all.length > 1 && !text.endsWith('\n')) all.pop();
  const lines = all.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length === 0) return null;
  const header = lines[0];
  const delim = guessDelimiter(header);
  const n = countOutsideQuotes(header, delim);
  if (n === 0) return null;
  const cells = header.split(delim).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const known = new Set(cells.map((c) => recogniseHeader(c).field).filter((f) => f !== null));
  if (known.size < 2 || known.size < cells.length / 2) return null;
  const data = lines.slice(1, 41);
  const consistent = data.length === 0 ? 0.5 : data.filter((l) => countOutsideQuotes(l, delim) === n).length / data.length;
  if (consistent < 0.5) return null;
  const score = 0.3 + 0.3 * Math.min(1, known.size / 4) * consistent;
  const shown = delim === '\t' ? 'TAB' : delim;
  return {
    score,
    evidence: `header with ${known.size} known columns (${[...known].join(', ')}), ${Math.round(consistent * 100)}% of ${data.length} rows have ${n} "${shown}" delimiters`,
  };
}

export const csvFormat: FormatSpec = {
  id: 'csv',
  label: 'CSV event table',
  sniff: (_head, text) => sniffCsv(text),
  create: (name) => new CsvParser(name),
};
