/**
 * Xenstore text: `xenstore-ls` dumps (tree and `-f` flat forms, `-p`
 * permissions) and xenstored logs (C xenstored `--trace-file`, oxenstored
 * `xenstored-access.log`). Grammars: trace-formats.md §5.1-5.6.
 *
 * Both parsers are line state machines over LineSplitter, so results do not
 * depend on chunking. Lines wrapped by mail archives are rejoined where the
 * shape allows it (a record that did not end, a line that starts nothing),
 * always with a diagnostic naming the lines joined.
 */
import type { FormatSpec, Sniff } from './format';
import type { ChunkParser, ParsedSource } from './model/source';
import { DiagnosticSink } from './model/source';
import type { XenstoreLogEntry, XenstoreNode, XenstoreOp } from './model/xenstore';
import { LineSplitter } from './text/lines';
import { VbdCollector, vbdsFromNodes } from './xenstoreVbd';

/* Xenstore lines are short; a longer "line" is garbage and must not be buffered whole. */
const MAX_LINE_CHARS = 1 << 20;
/* A record (or tree node) rejoined from more physical lines than this is taken to be garbage. */
const MAX_JOINED_LINES = 64;
/*
 * Mail clients hard-wrap at 72-80 columns, cutting mid-word (`disc` / `ard`);
 * a shorter broken line was wrapped at a space that the wrapper ate.
 */
const HARD_WRAP_MIN = 72;
/* Rejoined records are reported one by one up to this count, then only counted. */
const REJOIN_REPORTS = 20;

function joinWrapped(first: string, lastPhysical: string, next: string): string {
  return lastPhysical.length >= HARD_WRAP_MIN ? first + next : `${first} ${next}`;
}

// ---------------------------------------------------------------------------
// Value escapes

const utf8 = new TextDecoder('utf-8', { fatal: false });
const utf8enc = new TextEncoder();

function isOctal(c: number): boolean {
  return c >= 48 && c <= 55;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export interface Unescaped {
  value: string;
  /** The value ended in xenstore-ls's `\...` width-truncation marker. */
  truncated: boolean;
  /** First invalid escape seen, if any (kept literally). */
  bad: string | null;
}

/**
 * Undoes xenstore_client.c `sanitise_value`: `\\`, `\t`, `\n`, `\r`, `\ooo`
 * (octal, bytes < 8) and `\xNN` (other control and non-ASCII bytes); bytes
 * are reassembled and decoded as UTF-8. A trailing `\...` is the truncation
 * marker that `xenstore-ls` prints when the line exceeds its width.
 */
export function unescapeXenstoreValue(raw: string): Unescaped {
  let s = raw;
  let truncated = false;
  if (s.endsWith('\\...')) {
    let k = s.length - 4;
    let n = 0;
    while (k >= 0 && s.charCodeAt(k) === 92) {
      n++;
      k--;
    }
    if (n % 2 === 1) {
      truncated = true;
      s = s.slice(0, s.length - 4);
    }
  }
  if (s.indexOf('\\') < 0) return { value: s, truncated, bad: null };
  const bytes: number[] = [];
  let bad: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 92) {
      if (c < 0x80) bytes.push(c);
      else {
        const cp = s.codePointAt(i)!;
        if (cp > 0xffff) i++;
        for (const b of utf8enc.encode(String.fromCodePoint(cp))) bytes.push(b);
      }
      continue;
    }
    const d = s.charCodeAt(i + 1);
    if (d === 92) { bytes.push(92); i++; continue; }
    if (d === 116) { bytes.push(9); i++; continue; }
    if (d === 110) { bytes.push(10); i++; continue; }
    if (d === 114) { bytes.push(13); i++; continue; }
    if (isOctal(d) && isOctal(s.charCodeAt(i + 2)) && isOctal(s.charCodeAt(i + 3))) {
      bytes.push(((d - 48) * 64 + (s.charCodeAt(i + 2) - 48) * 8 + (s.charCodeAt(i + 3) - 48)) & 255);
      i += 3;
      continue;
    }
    if (d === 120) {
      const h = hexVal(s.charCodeAt(i + 2));
      const l = hexVal(s.charCodeAt(i + 3));
      if (h >= 0 && l >= 0) {
        bytes.push(h * 16 + l);
        i += 3;
        continue;
      }
    }
    if (bad === null) bad = s.slice(i, i + 2);
    bytes.push(92);
  }
  return { value: utf8.decode(new Uint8Array(bytes)), truncated, bad };
}

const OCAML_SIMPLE_ESCAPES: Record<string, number> = { '\\': 92, '"': 34, "'": 39, n: 10, t: 9, b: 8, r: 13, ' ': 32 };

/**
 * Undoes OCaml `String.escaped` as oxenstored's access log applies it:
 * `\\`, `\"`, `\'`, `\n`, `\t`, `\b`, `\r`, `\ddd` (decimal byte).
 */
export function unescapeOcaml(raw: string): string {
  if (raw.indexOf('\\') < 0) return raw;
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 92 || i + 1 >= raw.length) {
      if (c < 0x80) bytes.push(c);
      else {
        const cp = raw.codePointAt(i)!;
        if (cp > 0xffff) i++;
        for (const b of utf8enc.encode(String.fromCodePoint(cp))) bytes.push(b);
      }
      continue;
    }
    const d = raw[i + 1];
    const simple = OCAML_SIMPLE_ESCAPES[d];
    if (simple !== undefined) {
      bytes.push(simple);
      i++;
      continue;
    }
    const ddd = raw.slice(i + 1, i + 4);
    if (/^\d{3}$/.test(ddd) && Number(ddd) < 256) {
      bytes.push(Number(ddd));
      i += 3;
      continue;
    }
    bytes.push(92);
  }
  return utf8.decode(new Uint8Array(bytes));
}

// ---------------------------------------------------------------------------
// xenstore-ls (tree and flat)

/* Names xenstore-ls prints at indent 0 when it walks from `/` (xenstore-paths.pandoc). */
const ROOT_CHILDREN = new Set(['tool', 'local', 'vm', 'libxl', 'vss', 'xapi', 'xenserver', 'mh', 'cpu']);
/* `-p` tail: optional ` . . .` padding, then `(PERMS)` (xenstore_client.c, do_ls). */
const PERMS_TAIL = /^[ .]*\(([nrwb]\d+(?:,[nrwb]\d+)*)\)\s*$/;
const NAME_RE = /^[^\s"]+$/;

interface PendingNode {
  text: string;
  lastPhysical: string;
  line: number;
  lines: number;
}

export interface XenstoreLsOptions {
  /** Path the dump was taken from (`xenstore-ls PATH`); tree names are joined below it. Default `/`. */
  root?: string;
}

class XenstoreLsParser implements ChunkParser {
  private readonly diags: DiagnosticSink;
  private readonly splitter: LineSplitter;
  private readonly nodes: XenstoreNode[] = [];
  private readonly stack: string[] = [];
  private readonly root: string;
  private pending: PendingNode | null = null;
  private sawTree = false;
  private skipped = 0;
  private rejoined = 0;

  constructor(private readonly name: string, opts: XenstoreLsOptions = {}) {
    this.diags = new DiagnosticSink(name);
    const r = opts.root ?? '/';
    this.root = r.endsWith('/') ? r : `${r}/`;
    this.splitter = new LineSplitter(
      (t, s, e, n) => this.onLine(t.slice(s, e), n),
      (n, chars) => this.diags.add('error', `line of ${chars} characters skipped (not xenstore-ls output)`, { line: n }),
      MAX_LINE_CHARS,
    );
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  finish(): ParsedSource {
    this.splitter.finish();
    this.flushPending();
    if (this.skipped > 0) this.diags.add('info', `${this.skipped} line(s) were not xenstore-ls node lines and were skipped`);
    if (this.rejoined > REJOIN_REPORTS) this.diags.add('info', `${this.rejoined} nodes in all were rejoined from wrapped lines (the first ${REJOIN_REPORTS} are listed)`);
    return {
      name: this.name,
      format: 'xenstore-ls',
      evidence: '',
      bytes: this.splitter.bytes,
      clock: { kind: 'none', baseNs: '0' },
      xenstore: { nodes: this.nodes, log: [], vbds: vbdsFromNodes(this.nodes) },
      diagnostics: this.diags.list,
      diagnosticsOmitted: this.diags.omitted,
    };
  }

  private onLine(line: string, lineNo: number): void {
    if (this.pending) {
      if (line.trim() === '' || looksLikeNode(line)) {
        this.flushPending();
      } else if (this.pending.lines < MAX_JOINED_LINES) {
        const p = this.pending;
        p.text = joinWrapped(p.text, p.lastPhysical, line.trimStart());
        p.lastPhysical = line;
        p.lines++;
        if (closingQuoteAfterEq(p.text)) this.flushPending();
        return;
      } else {
        this.flushPending();
      }
    }
    if (line.trim() === '') return;
    this.parseNodeLine(line, lineNo, 1);
  }

  private flushPending(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (closingQuoteAfterEq(p.text)) {
      if (++this.rejoined <= REJOIN_REPORTS) this.diags.add('warning', `node spans lines ${p.line}-${p.line + p.lines - 1} (wrapped line rejoined)`, { line: p.line });
      this.parseNodeLine(p.text, p.line, p.lines);
      return;
    }
    this.diags.add('error', `value has no closing quote (expected name = "value"); kept what was printed, marked truncated`, { line: p.line });
    const eq = p.text.indexOf(' = "');
    this.addNode(p.text, p.text.slice(eq + 4), '', p.line, true);
  }

  private parseNodeLine(line: string, lineNo: number, physicalLines: number): void {
    const eq = line.indexOf(' = "');
    if (eq < 0) {
      const t = line.trimEnd();
      if (t.endsWith(':') && NAME_RE.test(t.trim().slice(0, -1)) && t.trim().length > 1) {
        this.addNode(t.slice(0, -1), '', '', lineNo, false, true);
        return;
      }
      this.skipped++;
      this.diags.add('warning', `not a xenstore-ls node line (expected name = "value" or name:): ${preview(line)}`, { line: lineNo });
      return;
    }
    const rest = line.slice(eq + 4);
    const q = rest.lastIndexOf('"');
    if (q < 0) {
      if (physicalLines === 1) {
        this.pending = { text: line, lastPhysical: line, line: lineNo, lines: 1 };
        return;
      }
    }
    const raw = q < 0 ? rest : rest.slice(0, q);
    const tail = q < 0 ? '' : rest.slice(q + 1);
    let perms = '';
    if (tail.trim() !== '') {
      const m = PERMS_TAIL.exec(tail);
      if (m) perms = m[1];
      else this.diags.add('warning', `unexpected text after the value (expected -p permissions like (n0,r1)): ${preview(tail)}`, { line: lineNo });
    }
    this.addNode(line.slice(0, eq), raw, perms, lineNo, q < 0);
  }

  private addNode(head: string, raw: string, perms: string, lineNo: number, cut: boolean, unreadable = false): void {
    let indent = 0;
    while (indent < head.length && head.charCodeAt(indent) === 32) indent++;
    const name = head.slice(indent);
    if (!NAME_RE.test(name)) {
      this.skipped++;
      this.diags.add('warning', `node name contains spaces or quotes (expected a xenstore key): ${preview(head)}`, { line: lineNo });
      return;
    }
    let path: string;
    if (name.startsWith('/')) {
      path = name; // -f flat form: the full path
    } else {
      if (!this.sawTree) {
        this.sawTree = true;
        if (indent === 0 && this.root === '/' && !ROOT_CHILDREN.has(name)) {
          this.diags.add('info', `tree starts with "${name}", not a child of / ; paths are shown below / (pass the dump's start path as root)`, { line: lineNo });
        }
      }
      if (indent > this.stack.length) {
        this.diags.add('warning', `indentation ${indent} is deeper than the previous node allows (at most ${this.stack.length}); taken as a child of it`, { line: lineNo });
        indent = this.stack.length;
      }
      this.stack.length = indent;
      this.stack.push(name);
      path = this.root + this.stack.join('/');
    }
    const u = unescapeXenstoreValue(raw);
    const node: XenstoreNode = { path, value: u.value, perms, line: lineNo };
    if (u.truncated || cut) {
      node.truncated = true;
      if (u.truncated) this.diags.add('warning', `value of ${path} was cut by xenstore-ls to the terminal width (\\...): only its beginning is known`, { line: lineNo });
    }
    if (unreadable) node.unreadable = true;
    if (u.bad) this.diags.add('warning', `unknown escape ${u.bad} in the value of ${path} (kept literally)`, { line: lineNo });
    this.nodes.push(node);
  }
}

function closingQuoteAfterEq(text: string): boolean {
  const eq = text.indexOf(' = "');
  return eq >= 0 && text.indexOf('"', eq + 4) >= 0;
}

const NODE_LINE = /^ *[^\s"=]+ = "/;
function looksLikeNode(line: string): boolean {
  return NODE_LINE.test(line) || /^ *[^\s"=]+:$/.test(line);
}

function preview(s: string): string {
  const t = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return JSON.stringify(t);
}

// ---------------------------------------------------------------------------
// xenstored logs

/* tools/xenstored/core.c trace_io: `[io: ]DIR CONN [dN|(dN)] YYYYMMDD HH:MM:SS TYPE (PAYLOAD)`. */
const C_IO = /^(?:io: )?(IN|OUT(?:\((?:START|END|ERR)\))?) (\S+) (?:\(?d(\d+)\)? )?(\d{4})(\d\d)(\d\d) (\d\d):(\d\d):(\d\d) (\S+)(?: ?(.*))?$/;
/* trace_create / trace_destroy. */
const C_OBJ = /^(?:obj: )?(CREATE|DESTROY) (\S+) (\S+)$/;
const C_CLASS = /^(wrl|acc|tdb): /;
const C_ORPHAN = /^orphaned node (\S+) deleted$/;
const C_MESSAGE = /^(?:\*\*\*|moving orphaned node |watch event path |dropping duplicate watch|Delaying transaction start|Stalling connection|CONN \S+ ignored|Xen Storage Daemon)/;
/* oxenstored logging.ml: `[YYYYMMDDTHH:MM:SS.mmmZ]  CONN[.TID] OP DATA`; xenstored.log: `[DATE|LEVEL|KEY] msg`. */
const OX_DATE = /^\[(\d{4})(\d\d)(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z?(\]|\|)/;
const OX_MULTI_WORD_OPS = ['is introduced', 'reset watches', 'w notfired', 'w event', 't start', 't end'];
/* oxenstored access-log-nb-chars default. */
const OX_LINE_LIMIT = 180;

const C_OPS: Record<string, XenstoreOp> = {
  READ: 'read', WRITE: 'write', MKDIR: 'mkdir', RM: 'rm', DIRECTORY: 'directory', DIRECTORY_PART: 'directory',
  WATCH: 'watch', UNWATCH: 'unwatch', WATCH_EVENT: 'watch_event', TRANSACTION_START: 'transaction_start',
  TRANSACTION_END: 'transaction_end', GET_PERMS: 'get_perms', SET_PERMS: 'set_perms', INTRODUCE: 'introduce',
  RELEASE: 'release', ERROR: 'error',
};
const OX_OPS: Record<string, XenstoreOp> = {
  read: 'read', write: 'write', mkdir: 'mkdir', rm: 'rm', directory: 'directory', watch: 'watch', unwatch: 'unwatch',
  'w event': 'watch_event', 't start': 'transaction_start', 't end': 'transaction_end', getperms: 'get_perms',
  setperms: 'set_perms', introduce: 'introduce', release: 'release', error: 'error', newconn: 'connect', endconn: 'disconnect',
};
/* Requests whose payload is `PATH` alone (NUL-terminated, so NUL → trailing space). */
const PATH_ONLY = new Set<XenstoreOp>(['read', 'mkdir', 'rm', 'directory', 'get_perms']);

type RecordKind = 'c-io' | 'c-obj' | 'c-class' | 'c-orphan' | 'c-message' | 'ox' | 'ox-general';

interface PendingRecord {
  kind: RecordKind;
  text: string;
  lastPhysical: string;
  line: number;
  lines: number;
}

function classify(line: string): RecordKind | null {
  const c0 = line.charCodeAt(0);
  if (c0 === 91 /* [ */) {
    const m = OX_DATE.exec(line);
    if (m) return m[8] === ']' ? 'ox' : 'ox-general';
    return null;
  }
  if (C_IO.test(line) || /^(?:io: )?(?:IN|OUT(?:\((?:START|END|ERR)\))?) \S+ (?:\(?d\d+\)? )?\d{8} \d\d:\d\d:\d\d/.test(line)) return 'c-io';
  if (C_OBJ.test(line)) return 'c-obj';
  if (C_CLASS.test(line)) return 'c-class';
  if (C_ORPHAN.test(line) || line.startsWith('orphaned node ')) return 'c-orphan';
  if (C_MESSAGE.test(line)) return 'c-message';
  return null;
}

/** Seconds since the epoch of a calendar date read as UTC (NaN when out of range). */
function utcSeconds(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return NaN;
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

class XenstoreLogParser implements ChunkParser {
  private readonly diags: DiagnosticSink;
  private readonly splitter: LineSplitter;
  private readonly log: XenstoreLogEntry[] = [];
  private readonly vbds = new VbdCollector();
  /* C trace: the request each connection is waiting on, to give replies their path. */
  private readonly waiting = new Map<string, { op: XenstoreOp; path: string }>();
  private pending: PendingRecord | null = null;
  private baseSec = NaN;
  private localTime = false;
  private readonly skippedClasses = new Map<string, number>();
  private rejoined = 0;

  constructor(private readonly name: string) {
    this.diags = new DiagnosticSink(name);
    this.splitter = new LineSplitter(
      (t, s, e, n) => this.onLine(t.slice(s, e), n),
      (n, chars) => this.diags.add('error', `line of ${chars} characters skipped (not a xenstored log line)`, { line: n }),
      MAX_LINE_CHARS,
    );
  }

  push(chunk: Uint8Array): void {
    this.splitter.push(chunk);
  }

  finish(): ParsedSource {
    this.splitter.finish();
    this.flush();
    for (const [what, n] of this.skippedClasses) this.diags.add('info', `${n} ${what} line(s) not kept as entries`);
    if (this.rejoined > REJOIN_REPORTS) this.diags.add('info', `${this.rejoined} records in all were rejoined from wrapped lines (the first ${REJOIN_REPORTS} are listed)`);
    if (this.localTime) {
      this.diags.add('info', 'C xenstored prints local time without a zone; its dates were read as UTC');
    }
    const dated = Number.isFinite(this.baseSec);
    return {
      name: this.name,
      format: 'xenstore-log',
      evidence: '',
      bytes: this.splitter.bytes,
      clock: dated ? { kind: 'epoch', baseNs: `${this.baseSec}000000000` } : { kind: 'none', baseNs: '0' },
      xenstore: { nodes: [], log: this.log, vbds: this.vbds.build() },
      diagnostics: this.diags.list,
      diagnosticsOmitted: this.diags.omitted,
    };
  }

  private onLine(line: string, lineNo: number): void {
    if (line.trim() === '') {
      this.flush();
      return;
    }
    const kind = classify(line);
    if (kind) {
      this.flush();
      this.pending = { kind, text: line, lastPhysical: line, line: lineNo, lines: 1 };
      return;
    }
    const p = this.pending;
    if (p && p.lines < MAX_JOINED_LINES) {
      p.text = joinWrapped(p.text, p.lastPhysical, line.trim());
      p.lastPhysical = line;
      p.lines++;
      return;
    }
    this.flush();
    this.diags.add('warning', `not a xenstored trace or access-log line: ${preview(line)}`, { line: lineNo });
  }

  private flush(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.lines > 1 && ++this.rejoined <= REJOIN_REPORTS) {
      this.diags.add('warning', `record spans lines ${p.line}-${p.line + p.lines - 1} (wrapped line rejoined)`, { line: p.line });
    }
    switch (p.kind) {
      case 'c-io': this.cIo(p.text, p.line); break;
      case 'c-obj': this.cObj(p.text, p.line); break;
      case 'c-orphan': this.cOrphan(p.text, p.line); break;
      case 'c-class': this.count(`${p.text.slice(0, 4)}`); break;
      case 'c-message': this.count(p.text.startsWith('***') ? '***' : 'xenstored message'); break;
      case 'ox': this.ox(p.text, p.line); break;
      case 'ox-general': this.count('oxenstored xenstored.log'); break;
    }
  }

  private count(what: string): void {
    this.skippedClasses.set(what, (this.skippedClasses.get(what) ?? 0) + 1);
  }

  /** ns on the source clock relative to the first dated record's whole second. */
  private time(sec: number, frac: string | undefined): number {
    if (!Number.isFinite(sec)) return NaN;
    if (!Number.isFinite(this.baseSec)) this.baseSec = sec;
    const fracNs = frac ? Number(frac.padEnd(9, '0').slice(0, 9)) : 0;
    return (sec - this.baseSec) * 1e9 + fracNs;
  }

  private entry(full: XenstoreLogEntry): void {
    const line = full.line;
    this.log.push(full);
    const abs = absolutePath(full.path, full.domid);
    if (full.direction !== 'out' && (full.op === 'write' || full.op === 'mkdir')) {
      this.vbds.set(abs, full.op === 'write' ? full.value : '', line, full.timeNs, true);
    } else if (full.op === 'rm' && abs) {
      this.vbds.removed(abs, line);
    }
  }

  private cIo(text: string, line: number): void {
    const m = C_IO.exec(text);
    if (!m) {
      this.diags.add('error', `trace record not understood (expected DIR CONN YYYYMMDD HH:MM:SS TYPE (PAYLOAD)): ${preview(text)}`, { line });
      return;
    }
    const [, dir, conn, dom, y, mo, d, h, mi, s, type] = m;
    const tail = m[11] ?? '';
    this.localTime = true;
    const timeNs = this.time(utcSeconds(+y, +mo, +d, +h, +mi, +s), undefined);
    const domid = dom === undefined ? -1 : Number(dom);
    const open = tail.indexOf('(');
    const close = tail.lastIndexOf(')');
    let payload = '';
    if (open < 0 || close < open) {
      this.diags.add('warning', `${type} record has no (PAYLOAD)${open >= 0 ? ' end' : ''}; payload taken as empty`, { line });
      if (open >= 0) payload = tail.slice(open + 1);
    } else {
      payload = tail.slice(open + 1, close);
    }
    const direction = dir === 'IN' ? 'in' : 'out';
    const op: XenstoreOp = C_OPS[type] ?? 'other';
    let path: string;
    let value: string;
    if (direction === 'in' || op === 'watch_event') {
      ({ path, value } = splitPayload(op, payload));
      if (direction === 'in' && op !== 'watch_event') this.waiting.set(conn, { op, path });
    } else {
      /* A reply: its path is the one of the request the connection is waiting on. */
      const req = this.waiting.get(conn);
      this.waiting.delete(conn);
      path = req?.path ?? '';
      value = op === 'error' ? payload.trim() : stripNulSpace(payload);
    }
    this.entry({ timeNs, connection: conn, domid, op, opName: type, direction, transaction: 0, path, value, line });
  }

  private cObj(text: string, line: number): void {
    const m = C_OBJ.exec(text);
    if (!m) {
      this.diags.add('error', `object record not understood (expected CREATE|DESTROY TYPE PTR): ${preview(text)}`, { line });
      return;
    }
    const [, verb, what, ptr] = m;
    const op: XenstoreOp = what === 'connection' ? (verb === 'CREATE' ? 'connect' : 'disconnect') : 'other';
    this.entry({ timeNs: NaN, connection: ptr, domid: -1, op, opName: `${verb} ${what}`, direction: '', transaction: 0, path: '', value: '', line });
  }

  private cOrphan(text: string, line: number): void {
    const m = C_ORPHAN.exec(text);
    if (!m) {
      this.diags.add('error', `orphaned-node message not understood (expected "orphaned node PATH deleted"): ${preview(text)}`, { line });
      return;
    }
    this.entry({ timeNs: NaN, connection: '', domid: -1, op: 'rm', opName: 'orphaned node deleted', direction: '', transaction: 0, path: m[1], value: '', line });
  }

  private ox(text: string, line: number): void {
    const m = OX_DATE.exec(text)!;
    const timeNs = this.time(utcSeconds(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]), m[7]);
    let i = m[0].length;
    while (text.charCodeAt(i) === 32) i++;
    let j = i;
    while (j < text.length && text.charCodeAt(j) !== 32) j++;
    const connTid = text.slice(i, j);
    while (text.charCodeAt(j) === 32) j++;
    const cm = /^([AD])(\d+)(?:\.(\d+))?$/.exec(connTid);
    if (!cm) this.diags.add('warning', `connection ${preview(connTid)} is not D<domid> or A<n> (optionally .<transaction>)`, { line });
    const connection = cm ? `${cm[1]}${cm[2]}` : connTid;
    /* Anonymous (A) connections are Unix sockets of the daemon's own domain: dom0. */
    const domid = cm ? (cm[1] === 'D' ? Number(cm[2]) : 0) : -1;
    const transaction = cm?.[3] ? Number(cm[3]) : 0;
    let opName = OX_MULTI_WORD_OPS.find((o) => text.startsWith(o, j) && (j + o.length === text.length || text.charCodeAt(j + o.length) === 32));
    if (!opName) {
      let k = j;
      while (k < text.length && text.charCodeAt(k) !== 32) k++;
      opName = text.slice(j, k);
    }
    if (opName === '') {
      this.diags.add('error', 'access-log record has no operation (expected [DATE]  CONN OP DATA)', { line });
      return;
    }
    const data = unescapeOcaml(text.slice(j + opName.length).replace(/^ +/, ''));
    if (text.length >= OX_LINE_LIMIT && text.endsWith('..')) {
      this.diags.add('warning', `line cut by oxenstored at ${OX_LINE_LIMIT} characters (access-log-nb-chars): data incomplete`, { line });
    }
    const op: XenstoreOp = OX_OPS[opName] ?? 'other';
    if (op === 'other' && !/^(?:getdomain|is introduced|resume|reset watches|settarget|debug|invalid|coalesce|conflict|commit|w notfired)$/.test(opName)) {
      this.diags.add('warning', `unknown access-log operation ${preview(opName)}`, { line });
    }
    const direction = op === 'watch_event' || op === 'error' || opName === 'w notfired' ? 'out' : op === 'connect' || op === 'disconnect' || op === 'other' ? '' : 'in';
    const { path, value } = op === 'error' ? { path: '', value: data.trim() } : splitPayload(op, data);
    this.entry({ timeNs, connection, domid, op, opName, direction, transaction, path, value, line });
  }
}

/** C trace payloads have NUL → space; strings end in NUL, so one trailing space is the terminator. */
function stripNulSpace(s: string): string {
  return s.endsWith(' ') ? s.slice(0, -1) : s;
}

function splitPayload(op: XenstoreOp, payload: string): { path: string; value: string } {
  if (PATH_ONLY.has(op)) return { path: stripNulSpace(payload), value: '' };
  switch (op) {
    case 'write':
    case 'set_perms':
    case 'watch':
    case 'unwatch':
    case 'watch_event': {
      const sp = payload.indexOf(' ');
      if (sp < 0) return { path: payload, value: '' };
      const value = payload.slice(sp + 1);
      /* WRITE's value is not NUL-terminated; the others' last string is. */
      return { path: payload.slice(0, sp), value: op === 'write' ? value : stripNulSpace(value) };
    }
    default:
      return { path: '', value: stripNulSpace(payload) };
  }
}

/* Relative xenstore paths are relative to the connection's domain home, /local/domain/N. */
function absolutePath(path: string, domid: number): string {
  if (path === '' || path.startsWith('/') || path.startsWith('@')) return path;
  return domid >= 0 ? `/local/domain/${domid}/${path}` : '';
}

// ---------------------------------------------------------------------------
// Sniffers

/** Complete lines of the head (the last one is dropped when the head was cut mid-line). */
function headLines(text: string, max = 400): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && !text.endsWith('\n')) lines.pop();
  const out: string[] = [];
  for (const l of lines) {
    const t = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (t.trim() === '') continue;
    out.push(t);
    if (out.length >= max) break;
  }
  return out;
}

const SNIFF_TREE = /^ *[^\s"=/()][^\s"=()]* = ".*"(?:[ .]*\([nrwb]\d+(?:,[nrwb]\d+)*\))?\s*$/;
const SNIFF_FLAT = /^\/[^\s"=()]* = ".*"(?:\s+\([nrwb]\d+(?:,[nrwb]\d+)*\))?\s*$/;

function sniffLs(text: string): Sniff | null {
  const lines = headLines(text);
  if (lines.length === 0) return null;
  let tree = 0;
  let flat = 0;
  for (const l of lines) {
    if (SNIFF_FLAT.test(l)) flat++;
    else if (SNIFF_TREE.test(l)) tree++;
  }
  const hits = tree + flat;
  const frac = hits / lines.length;
  if (hits === 0 || frac < 0.5) return null;
  const score = Math.min(0.95, 0.5 + 0.45 * frac);
  const form = flat >= tree ? 'flat `/path = "value"` (xenstore-ls -f)' : 'tree `name = "value"` (xenstore-ls)';
  return { score, evidence: `${hits} of ${lines.length} lines match the ${form} form` };
}

function sniffLog(text: string): Sniff | null {
  const lines = headLines(text);
  if (lines.length === 0) return null;
  let io = 0;
  let ox = 0;
  let other = 0;
  for (const l of lines) {
    const k = classify(l);
    if (k === 'c-io') io++;
    else if (k === 'ox') ox++;
    else if (k) other++;
  }
  const starts = io + ox + other;
  const frac = starts / lines.length;
  const kind = ox > io ? 'oxenstored access-log `[DATE]  CONN OP DATA`' : 'C xenstored trace `IN|OUT CONN DATE TIME TYPE (...)`';
  if (io + ox > 0 && frac >= 0.3) {
    return { score: Math.min(0.95, 0.6 + 0.35 * frac), evidence: `${io + ox} ${kind} records, ${starts} of ${lines.length} lines start a xenstored record` };
  }
  if (other >= 3 && frac >= 0.5) {
    return { score: 0.5, evidence: `${other} of ${lines.length} lines are xenstored trace messages (obj:/wrl:/orphaned node)` };
  }
  return null;
}

export const xenstoreLsFormat: FormatSpec = {
  id: 'xenstore-ls',
  label: 'xenstore-ls',
  sniff: (_head, text) => sniffLs(text),
  create: (name) => new XenstoreLsParser(name),
};

export const xenstoreLogFormat: FormatSpec = {
  id: 'xenstore-log',
  label: 'xenstored log',
  sniff: (_head, text) => sniffLog(text),
  create: (name) => new XenstoreLogParser(name),
};

/** A xenstore-ls parser for a dump taken below `root` (`xenstore-ls /local/domain/1`). */
export function createXenstoreLsParser(name: string, opts: XenstoreLsOptions = {}): ChunkParser {
  return new XenstoreLsParser(name, opts);
}
