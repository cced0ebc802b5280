/**
 * Text rendering of an AnalysisResult for `sectorscope analyze`: dense,
 * one fact per line, in the spirit of blkparse's event lines and btt's
 * latency tables, so that a terminal (or grep) shows where the bytes of a
 * read came from.
 */
import type { AnalysisResult, IoSummary } from '../engine/forensics/analyze';
import { LATENCIES, type LatencyStats } from '../engine/forensics/correlate';
import type { Finding, ContentRef } from '../engine/forensics/findings';
import type { SectorSource } from '../engine/forensics/image';
import { VARIANT_NAMES } from '../engine/forensics/hypotheses';
import type { ChunkRun, ReadMap } from '../engine/forensics/sectorMap';
import type { ParsedSource } from '../parsers/model/source';
import { summarize } from '../parsers/summary';
import { basename } from 'node:path';

export interface TextOptions {
  /** Every read's sector map, not only those with a chunk that is not 'correct'. */
  all: boolean;
  image: SectorSource | null;
}

function lbaSpan(first: number, last: number): string {
  return first === last ? `LBA ${first}` : `LBA ${first}-${last}`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** `[1024,1536) LBA 4 misplaced ← LBA 1 (+3)`: buffer range, device sectors, verdict, origin. */
export function formatRun(run: ChunkRun): string {
  let s = `[${run.bufStart},${run.bufEnd}) ${lbaSpan(run.lbaFirst, run.lbaLast)} ${run.verdict}`;
  if (run.sourceLba !== null && run.sourceLba !== run.lbaFirst) {
    s += ` ← ${run.lbaFirst === run.lbaLast ? 'LBA' : 'from LBA'} ${run.sourceLba}`;
    if (run.sourceByte !== null && run.sourceByte !== run.sourceLba * 512) s += ` (byte ${run.sourceByte})`;
    if (run.displacement !== null) s += ` (${signed(run.displacement)})`;
  }
  // Only verdicts that accuse the data carry a strength worth showing.
  if (run.strength === 'weak' && (run.verdict === 'misplaced' || run.verdict === 'stale-or-unknown' || run.verdict === 'duplicate')) s += ' weak';
  const kinds = [...new Set(run.evidence.map((e) => e.kind))];
  if (kinds.length) s += `  [${kinds.join(' ')}]`;
  return s;
}

/** `#6 read fd=3 off=1024 len=16384 ret=16384 /dev/xvdb blog.strace.txt:10`. */
export function formatReadHead(rec: IoSummary | undefined, map: ReadMap): string {
  if (!rec) return `#${map.io} off=${map.offset} ret=${map.returned} ${map.device || '(device unknown)'}`;
  const direct = rec.direct ? ' O_DIRECT' : '';
  const trunc = rec.truncated ? ' (data truncated in the trace)' : '';
  return `#${rec.id} ${rec.name} fd=${rec.fd} off=${rec.offset} len=${rec.length} ret=${rec.result} ${rec.device || '(device unknown)'}${direct} ${basename(rec.source)}:${rec.line}${trunc}`;
}

function isClean(map: ReadMap): boolean {
  return map.runs.every((r) => r.verdict === 'correct');
}

function contentRef(c: ContentRef | undefined): string {
  if (!c) return '-';
  return c.description;
}

export function formatFinding(f: Finding, records: IoSummary[]): string[] {
  const where: string[] = [];
  if (f.read) {
    const rec = records[f.read.io];
    where.push(`#${f.read.io} ${f.read.name} ${basename(f.read.source)}:${f.read.line}${rec ? ` off=${rec.offset}` : ''}`);
  }
  if (f.bufRange) where.push(`buf [${f.bufRange[0]},${f.bufRange[1]})`);
  if (f.lbaRange) where.push(lbaSpan(f.lbaRange[0], f.lbaRange[1]));
  const lines = [`${f.severity.padEnd(7)} ${f.kind}  ${where.join('  ')}`, `        ${f.summary}`];
  if (f.expected || f.actual) lines.push(`        expected: ${contentRef(f.expected)}   actual: ${contentRef(f.actual)}`);
  for (const e of f.evidence) {
    const ref = e.ref ? ` (${basename(e.ref.source)}${e.ref.line !== undefined ? `:${e.ref.line}` : ''})` : '';
    lines.push(`        evidence ${e.kind}: ${e.text}${ref}`);
  }
  return lines;
}

function sec(ns: number): string {
  return Number.isFinite(ns) ? (ns / 1e9).toFixed(9) : '-';
}

/** btt's table layout: ALL MIN AVG MAX N, seconds with 9 decimals. */
export function latencyTable(rows: Array<[string, LatencyStats]>): string[] {
  const out = [`${'ALL'.padStart(15)} ${'MIN'.padStart(13)} ${'AVG'.padStart(13)} ${'MAX'.padStart(13)} ${'N'.padStart(11)}`];
  out.push(`${'-'.repeat(15)} ${'-'.repeat(13)} ${'-'.repeat(13)} ${'-'.repeat(13)} ${'-'.repeat(11)}`);
  for (const [name, s] of rows) {
    out.push(`${name.padEnd(15)} ${sec(s.min).padStart(13)} ${sec(s.avg).padStart(13)} ${sec(s.max).padStart(13)} ${String(s.n).padStart(11)}`);
  }
  return out;
}

function sourcesSection(result: AnalysisResult, sources: ParsedSource[], image: SectorSource | null): string[] {
  const out = ['sources'];
  sources.forEach((src, i) => {
    const s = summarize(src);
    const parts: string[] = [];
    if (s.syscalls) parts.push(`${s.syscalls.total} syscalls`);
    if (s.blockEvents) parts.push(`${s.blockEvents.total} block events`);
    if (s.xenstore) parts.push(`${s.xenstore.nodes} xenstore nodes`);
    let reads = 0;
    let writes = 0;
    for (const r of result.records) {
      if (r.sourceIndex !== i) continue;
      if (r.op === 'read') reads++;
      else writes++;
    }
    if (reads + writes > 0) parts.push(`${reads} device reads, ${writes} device writes`);
    const d = s.diagnostics;
    parts.push(`diagnostics ${d.error} error, ${d.warning} warning`);
    out.push(`  ${s.name}  ${s.format}  ${parts.join(', ')}`);
  });
  if (image) out.push(`  image ${image.label}: ${image.sectorCount} sectors, reference for ${result.imageDevice ?? '(no device read)'}`);
  for (const [dev, l] of Object.entries(result.layouts)) {
    if (l) out.push(`  ${dev || '(device unknown)'}: learned sector-number layout ${l.kind} at byte ${l.offset}, value = LBA ${signed(l.delta)} (${l.support}/${l.examined} chunks)`);
  }
  return out;
}

function mapsSection(result: AnalysisResult, all: boolean): string[] {
  const clean = result.reads.filter(isClean).length;
  const shown = all ? result.reads : result.reads.filter((m) => !isClean(m));
  const out = [
    `sector maps: ${result.reads.length} reads with data, ${result.stats.bytesClassified} bytes; ${clean} clean (every chunk correct)${!all && clean > 0 ? ', not listed (--all lists them)' : ''}`,
  ];
  const v = Object.entries(result.stats.verdicts).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`);
  out.push(`  chunks: ${v.join(' ') || 'none'}`);
  for (const m of shown) {
    out.push(formatReadHead(result.records[m.io], m));
    for (const r of m.runs) out.push(`  ${formatRun(r)}`);
  }
  return out;
}

function findingsSection(result: AnalysisResult): string[] {
  const f = result.stats.findings;
  const out = [`findings: ${f.error} error, ${f.warning} warning, ${f.note} note, ${f.chat} chat`];
  for (const x of result.findings) out.push(...formatFinding(x, result.records));
  return out;
}

function correlationSection(result: AnalysisResult): string[] {
  const c = result.correlation;
  if (!c.blockSource) return ['correlation: no block trace loaded'];
  const out = [`correlation with ${c.blockSource}; clock ${c.clock.method}: ${c.clock.detail}`];
  const byOp = new Map<string, number>();
  let back = 0;
  let front = 0;
  let multi = 0;
  for (const q of c.requests) {
    byOp.set(q.op, (byOp.get(q.op) ?? 0) + 1);
    back += q.backMerges;
    front += q.frontMerges;
    if (q.bios.length > 1) multi++;
  }
  let splits = 0;
  for (const b of c.bios) if (b.parent >= 0) splits++;
  const ops = [...byOp].map(([k, n]) => `${k} ${n}`).join(', ');
  out.push(`  requests ${c.requests.length}${ops ? ` (${ops})` : ''}, bios ${c.bios.length}, splits ${splits}, merges ${back + front} (back ${back}, front ${front}) into ${multi} requests`);
  const status = new Map<string, number>();
  for (const l of c.links) if (l) status.set(l.status, (status.get(l.status) ?? 0) + 1);
  out.push(`  syscalls: ${[...status].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  const maps = Object.entries(c.deviceMap).map(([p, d]) => `${p} → ${d}`);
  if (maps.length) out.push(`  devices: ${maps.join(', ')}`);
  out.push('');
  out.push(...latencyTable([...LATENCIES.map((l) => [l, c.latencySummary[l]] as [string, LatencyStats]), ['Q2C (per bio)', c.bioQ2C]]).map((l) => `  ${l}`));
  for (const q of c.queueDepth) out.push(`  queue depth ${q.device}: max ${q.max}, mean ${q.mean.toFixed(2)}`);
  return out;
}

/** The ranking of engine/forensics/hypotheses.ts: variants best first, then the explanation in words. */
function hypothesesSection(result: AnalysisResult): string[] {
  const h = result.hypotheses;
  if (!h || h.variants.length === 0) return [];
  const out = [`hypotheses: xen-blkfront variants, best first (grant pool history before the trace ${h.poolHistory})`];
  for (const v of h.variants) {
    out.push(
      `  ${v.rank}. ${v.variant} ${VARIANT_NAMES[v.variant] ?? ''}  ${v.possible ? 'possible' : 'impossible'}: ${v.matched}/${v.compared} shown bytes matched` +
        ` (as on disk ${v.reproduced}, stale from traced I/O ${v.explainedByTrace}, stale from before the trace ${v.explainedByHistory}, contradicted ${v.contradicted})`,
    );
    for (const n of v.notes) out.push(`       ${n}`);
  }
  for (const t of h.text) out.push(`  ${t}`);
  out.push(`  cost: ${h.cost.replays} replays of ${h.cost.replayedOps} operations, ${h.cost.searchedReads} reads searched, ${h.cost.prunedOffsets} page offsets pruned`);
  return out;
}

export function formatAnalysis(result: AnalysisResult, sources: ParsedSource[], opts: TextOptions): string {
  const blocks = [
    sourcesSection(result, sources, opts.image),
    mapsSection(result, opts.all),
    findingsSection(result),
    correlationSection(result),
    hypothesesSection(result),
  ].filter((b) => b.length > 0);
  return blocks.map((b) => b.join('\n')).join('\n\n') + '\n';
}
