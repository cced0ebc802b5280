/**
 * The single entry for report data from outside (a link fragment, a dropped
 * file): checks every field of every object and returns a fresh, fully typed
 * Report, or throws ReportError naming the first offending path. Nothing of
 * the input is kept by reference, unknown fields are dropped, and strings are
 * only ever rendered as text (React text nodes), so a crafted report can at
 * worst show odd words.
 *
 * Versions: 1 is the only one so far; a later version is refused with a
 * message saying so rather than guessed at.
 */
import type { ContentRef, Evidence, Finding, FindingKind, FindingSeverity, ReadRef } from '../../engine/forensics/findings';
import { VERDICTS, type Verdict } from '../../engine/forensics/sectorMap';
import type { Variant } from '../state/appStore';
import {
  REPORT_SCHEMA,
  REPORT_VERSION,
  type ContextOp,
  type Report,
  type ReportContext,
  type ReportExcerpt,
  type ReportReadMap,
  type ReportRecord,
  type ReportRun,
} from './report';

export class ReportError extends Error {
  override readonly name = 'ReportError';
}

const SEVERITIES: readonly FindingSeverity[] = ['error', 'warning', 'note', 'chat'];
const KINDS: readonly string[] = [
  'misplaced-data',
  'stale-data',
  'inconsistent-reread',
  'duplicated-chunk',
  'read-failed',
  'short-read',
  'unexpected-split-or-merge',
  'unverifiable-data',
  'uncorrelated-io',
];
const HAZARD_KIND = /^hazard:[a-z][a-z0-9-]{0,47}$/;
const EVIDENCE_KINDS: readonly Evidence['kind'][] = [
  'image', 'stamp', 'layout', 'structure', 'trace-content', 'reread', 'write', 'block-trace', 'truncation',
];
const VARIANTS: readonly Variant[] = ['a', 'b', 'c', 'd', 'e'];
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/* Bounds keep a hostile report from exhausting the page. */
const MAX_TEXT = 4096;
const MAX_ITEMS = 200_000;
const MAX_RUNS = 1_000_000;
const MAX_EVIDENCE = 64;
const MAX_CONTEXT = 4096;
const MAX_EXCERPTS = 16;

type Obj = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new ReportError(`${path}: ${what}`);
}

function obj(v: unknown, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'expected an object');
  return v as Obj;
}

function arr(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, 'expected an array');
  if (v.length > max) fail(path, `more than ${max} entries`);
  return v;
}

function str(v: unknown, path: string, max = MAX_TEXT): string {
  if (typeof v !== 'string') fail(path, 'expected a string');
  if (v.length > max) fail(path, `longer than ${max} characters`);
  return v;
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'expected a finite number');
  return v;
}

function int(v: unknown, path: string, min = -Number.MAX_SAFE_INTEGER): number {
  const n = num(v, path);
  if (!Number.isSafeInteger(n) || n < min) fail(path, min === 0 ? 'expected a non-negative integer' : 'expected an integer');
  return n;
}

function intOrNull(v: unknown, path: string, min?: number): number | null {
  return v === null || v === undefined ? null : int(v, path, min);
}

function numOrNull(v: unknown, path: string): number | null {
  return v === null || v === undefined ? null : num(v, path);
}

function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(path, `expected one of ${allowed.join(', ')}`);
  return v as T;
}

function range(v: unknown, path: string): [number, number] {
  const a = arr(v, path, 2);
  if (a.length !== 2) fail(path, 'expected [start, end]');
  return [int(a[0], `${path}[0]`), int(a[1], `${path}[1]`)];
}

function readRef(v: unknown, path: string): ReadRef {
  const o = obj(v, path);
  return {
    io: int(o.io, `${path}.io`, 0),
    source: str(o.source, `${path}.source`),
    line: int(o.line, `${path}.line`),
    timeNs: numOrNull(o.timeNs, `${path}.timeNs`),
    pid: int(o.pid, `${path}.pid`),
    fd: int(o.fd, `${path}.fd`),
    name: str(o.name, `${path}.name`, 64),
    offset: num(o.offset, `${path}.offset`),
    length: num(o.length, `${path}.length`),
  };
}

function contentRef(v: unknown, path: string): ContentRef {
  const o = obj(v, path);
  return {
    lba: intOrNull(o.lba, `${path}.lba`),
    byteOffset: numOrNull(o.byteOffset, `${path}.byteOffset`),
    description: str(o.description, `${path}.description`),
  };
}

function evidence(v: unknown, path: string): Evidence {
  const o = obj(v, path);
  const e: Evidence = { kind: oneOf(o.kind, `${path}.kind`, EVIDENCE_KINDS), text: str(o.text, `${path}.text`) };
  if (o.ref !== undefined && o.ref !== null) {
    const r = obj(o.ref, `${path}.ref`);
    e.ref = { source: str(r.source, `${path}.ref.source`) };
    if (r.line !== undefined && r.line !== null) e.ref.line = int(r.line, `${path}.ref.line`);
    if (r.io !== undefined && r.io !== null) e.ref.io = int(r.io, `${path}.ref.io`, 0);
  }
  return e;
}

function finding(v: unknown, path: string): Finding {
  const o = obj(v, path);
  const kind = str(o.kind, `${path}.kind`, 64);
  if (!KINDS.includes(kind) && !HAZARD_KIND.test(kind)) fail(`${path}.kind`, `unknown finding kind "${kind}"`);
  const f: Finding = {
    id: int(o.id, `${path}.id`, 0),
    severity: oneOf(o.severity, `${path}.severity`, SEVERITIES),
    kind: kind as FindingKind,
    summary: str(o.summary, `${path}.summary`),
    evidence: arr(o.evidence ?? [], `${path}.evidence`, MAX_EVIDENCE).map((e, i) => evidence(e, `${path}.evidence[${i}]`)),
  };
  if (o.read !== undefined && o.read !== null) f.read = readRef(o.read, `${path}.read`);
  if (o.bufRange !== undefined && o.bufRange !== null) f.bufRange = range(o.bufRange, `${path}.bufRange`);
  if (o.lbaRange !== undefined && o.lbaRange !== null) f.lbaRange = range(o.lbaRange, `${path}.lbaRange`);
  if (o.expected !== undefined && o.expected !== null) f.expected = contentRef(o.expected, `${path}.expected`);
  if (o.actual !== undefined && o.actual !== null) f.actual = contentRef(o.actual, `${path}.actual`);
  if (o.displacement !== undefined && o.displacement !== null) f.displacement = int(o.displacement, `${path}.displacement`);
  return f;
}

function record(v: unknown, path: string): ReportRecord {
  const o = obj(v, path);
  return {
    id: int(o.id, `${path}.id`, 0),
    source: str(o.source, `${path}.source`),
    line: int(o.line, `${path}.line`),
    op: oneOf(o.op, `${path}.op`, ['read', 'write'] as const),
    name: str(o.name, `${path}.name`, 64),
    device: str(o.device, `${path}.device`),
    offset: num(o.offset, `${path}.offset`),
    length: num(o.length, `${path}.length`),
    result: numOrNull(o.result, `${path}.result`),
    timeNs: numOrNull(o.timeNs, `${path}.timeNs`),
    pid: int(o.pid, `${path}.pid`),
    fd: int(o.fd, `${path}.fd`),
    bufAddr: numOrNull(o.bufAddr, `${path}.bufAddr`),
  };
}

function run(v: unknown, path: string): ReportRun {
  const o = obj(v, path);
  const r: ReportRun = {
    bufStart: int(o.bufStart, `${path}.bufStart`, 0),
    bufEnd: int(o.bufEnd, `${path}.bufEnd`, 0),
    lbaFirst: int(o.lbaFirst, `${path}.lbaFirst`),
    lbaLast: int(o.lbaLast, `${path}.lbaLast`),
    verdict: oneOf<Verdict>(o.verdict, `${path}.verdict`, VERDICTS),
    sourceLba: intOrNull(o.sourceLba, `${path}.sourceLba`),
    sourceByte: numOrNull(o.sourceByte, `${path}.sourceByte`),
    displacement: intOrNull(o.displacement, `${path}.displacement`),
    strength: oneOf(o.strength, `${path}.strength`, ['strong', 'weak'] as const),
  };
  if (r.bufEnd < r.bufStart) fail(path, 'bufEnd before bufStart');
  if (r.lbaLast < r.lbaFirst) fail(path, 'lbaLast before lbaFirst');
  return r;
}

function readMap(v: unknown, path: string, budget: { runs: number }): ReportReadMap {
  const o = obj(v, path);
  const runs = arr(o.runs, `${path}.runs`, MAX_RUNS);
  budget.runs -= runs.length;
  if (budget.runs < 0) fail(path, `more than ${MAX_RUNS} runs in all`);
  return {
    io: int(o.io, `${path}.io`, 0),
    device: str(o.device, `${path}.device`),
    offset: num(o.offset, `${path}.offset`),
    returned: int(o.returned, `${path}.returned`, 0),
    runs: runs.map((r, i) => run(r, `${path}.runs[${i}]`)),
  };
}

function contextOp(v: unknown, path: string): ContextOp {
  const a = arr(v, path, 4);
  if (a.length !== 4) fail(path, 'expected [kind, offset, length, pageOffset]');
  const kind = int(a[0], `${path}[0]`, 0);
  if (kind > 1) fail(`${path}[0]`, 'expected 0 (read) or 1 (write)');
  const pageOffset = int(a[3], `${path}[3]`, -1);
  if (pageOffset > 4095) fail(`${path}[3]`, 'page offset above 4095');
  return [kind, int(a[1], `${path}[1]`, 0), int(a[2], `${path}[2]`, 0), pageOffset];
}

function context(v: unknown, path: string): ReportContext {
  const o = obj(v, path);
  return {
    io: int(o.io, `${path}.io`, 0),
    ops: arr(o.ops, `${path}.ops`, MAX_CONTEXT).map((x, i) => contextOp(x, `${path}.ops[${i}]`)),
    omitted: int(o.omitted ?? 0, `${path}.omitted`, 0),
  };
}

function b64(v: unknown, path: string): string {
  const s = str(v, path, 2048);
  if (!BASE64URL.test(s)) fail(path, 'expected base64url bytes');
  return s;
}

function excerpt(v: unknown, path: string): ReportExcerpt {
  const o = obj(v, path);
  return {
    io: int(o.io, `${path}.io`, 0),
    bufOffset: int(o.bufOffset, `${path}.bufOffset`, 0),
    returned: b64(o.returned, `${path}.returned`),
    expected: o.expected === null || o.expected === undefined ? null : b64(o.expected, `${path}.expected`),
    expectedFrom: str(o.expectedFrom ?? '', `${path}.expectedFrom`, 256),
  };
}

/** Validates any parsed JSON value as a report (migrating older versions); throws ReportError. */
export function migrate(input: unknown): Report {
  const o = obj(input, 'report');
  if (o.schema !== REPORT_SCHEMA) fail('report.schema', `expected "${REPORT_SCHEMA}" (this is not a sectorscope report)`);
  const version = int(o.version, 'report.version', 0);
  if (version > REPORT_VERSION) {
    fail('report.version', `version ${version} was written by a newer sectorscope; this one reads up to version ${REPORT_VERSION}`);
  }
  if (version < 1) fail('report.version', `version ${version} never existed`);
  const budget = { runs: MAX_RUNS };
  const sel = obj(o.selection ?? {}, 'report.selection');
  const settings = obj(o.settings ?? {}, 'report.settings');
  const pageOffset = intOrNull(settings.pageOffset, 'report.settings.pageOffset', 0);
  if (pageOffset !== null && pageOffset > 4095) fail('report.settings.pageOffset', 'page offset above 4095');
  const findings = arr(o.findings, 'report.findings', MAX_ITEMS).map((f, i) => finding(f, `report.findings[${i}]`));
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    sources: arr(o.sources ?? [], 'report.sources', 1024).map((s, i) => {
      const so = obj(s, `report.sources[${i}]`);
      return { name: str(so.name, `report.sources[${i}].name`, 1024), format: str(so.format, `report.sources[${i}].format`, 64) };
    }),
    totalFindings: int(o.totalFindings ?? findings.length, 'report.totalFindings', 0),
    findings,
    records: arr(o.records ?? [], 'report.records', MAX_ITEMS).map((r, i) => record(r, `report.records[${i}]`)),
    reads: arr(o.reads ?? [], 'report.reads', MAX_ITEMS).map((r, i) => readMap(r, `report.reads[${i}]`, budget)),
    contexts: arr(o.contexts ?? [], 'report.contexts', MAX_ITEMS).map((c, i) => context(c, `report.contexts[${i}]`)),
    excerpts: arr(o.excerpts ?? [], 'report.excerpts', MAX_EXCERPTS).map((e, i) => excerpt(e, `report.excerpts[${i}]`)),
    selection: {
      readId: intOrNull(sel.readId, 'report.selection.readId', 0),
      findingId: intOrNull(sel.findingId, 'report.selection.findingId', 0),
      chunk: intOrNull(sel.chunk, 'report.selection.chunk', 0),
    },
    settings: {
      variant: settings.variant === undefined ? 'b' : oneOf(settings.variant, 'report.settings.variant', VARIANTS),
      pageOffset,
    },
  };
}
