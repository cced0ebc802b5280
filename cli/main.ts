/**
 * sectorscope command line.
 *   sectorscope parse FILE... [--json] [--format F]
 *   sectorscope convert --to blkparse FILE...
 *   sectorscope analyze FILE... [--image IMG] [--json] [--all] [--fail-on SEVERITY]
 * Exit codes: 0 ok, 1 diagnostics of error severity (or findings at --fail-on), 2 usage.
 */
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../parsers/model/source';
import type { FormatId, ParsedSource } from '../parsers/model/source';
import { summarize } from '../parsers/summary';
import { writeBlkparseEvents } from '../parsers/writeBlkparse';
import { loadAll } from './load';
import { cmdReplay, ReplayUsage } from './replayCmd';
import { AnalyzeUsage, cmdAnalyze } from './analyzeCmd';

export class UsageError extends Error {}

const USAGE = `usage:
  sectorscope parse FILE... [--json] [--format FORMAT]
      per source: detected format and why, counts per action/syscall, time span, devices, diagnostics
  sectorscope convert --to blkparse FILE...
      print block events in blkparse's default line format
  sectorscope replay --variant a|b|c|d|e (--workload FILE.json | --from-strace FILE [--page-offset N[,N...]])
                     [--image IMG] [--backend NAME] [--xenstore FILE] [--bytes-out DIR] [--json]
      re-execute the Xen block path; per operation the requests, ring segments, grant pages and the
      provenance of every returned byte; with --image the returned bytes and where they differ from the trace
      variants: a zero-copy (pre-3.8)  b 0a8704a51  c d62f69185  d b7649158a0d2 scatterlist  e modern (indirect, 64K pages)
      backends: blkback xbdback-orig xbdback-split xbdback-coalesce tapdisk ubd
  sectorscope analyze FILE... [--image IMG] [--image-device PATH] [--json] [--all] [--fail-on error|warning|note|chat|never]
      sector forensics: per read with data a map of where each chunk's bytes came from (reads with a chunk
      that is not verified correct; --all every read), findings, block-layer correlation with btt latencies,
      hypothesis ranking; --json prints the AnalysisResult (docs/analysis-schema.md)
      exit 1 when a finding is at least as severe as --fail-on (default error)
formats: strace blkparse blktrace-bin ftrace-blk ftrace-tracepoints xenstore-ls xenstore-log csv
exit codes: 0 ok, 1 error diagnostics, 2 usage`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const FORMATS: FormatId[] = ['strace', 'blkparse', 'blktrace-bin', 'ftrace-blk', 'ftrace-tracepoints', 'xenstore-ls', 'xenstore-log', 'csv'];

function fmtNs(ns: number): string {
  return (ns / 1e9).toFixed(9);
}

function printSource(src: ParsedSource, io: Io): void {
  const s = summarize(src);
  io.out(`${s.name}`);
  io.out(`  format:   ${s.format} (${s.evidence})`);
  io.out(`  bytes:    ${s.bytes}`);
  io.out(`  clock:    ${s.clock}`);
  if (s.blockEvents) {
    const b = s.blockEvents;
    const acts = Object.entries(b.byAction).map(([k, v]) => `${k}=${v}`).join(' ');
    io.out(`  block events: ${b.total} (${acts})`);
    io.out(`  devices:  ${b.devices.join(' ') || '-'}   cpus: ${b.cpus.join(',') || '-'}`);
    if (b.span) io.out(`  time span: ${fmtNs(b.span[0])} .. ${fmtNs(b.span[1])} (${fmtNs(b.span[1] - b.span[0])} s)`);
    io.out(`  sectors completed: read ${b.sectorsRead}, written ${b.sectorsWritten}`);
  }
  if (s.syscalls) {
    const c = s.syscalls;
    const names = Object.entries(c.byName).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k}=${v}`).join(' ');
    io.out(`  syscalls: ${c.total} (${names})`);
    io.out(`  pids:     ${c.pids.join(',') || '-'}`);
    if (c.paths.length) io.out(`  paths:    ${c.paths.join(' ')}`);
    if (c.span) io.out(`  time span: ${fmtNs(c.span[0])} .. ${fmtNs(c.span[1])} (${fmtNs(c.span[1] - c.span[0])} s)`);
    io.out(`  failed: ${c.failed}   with data: ${c.withData}   truncated by -s: ${c.truncated}`);
  }
  if (s.xenstore) io.out(`  xenstore: ${s.xenstore.nodes} nodes, ${s.xenstore.logEntries} log entries, ${s.xenstore.vbds} vbds`);
  if (src.xenstore) {
    for (const v of src.xenstore.vbds) {
      const n = v.negotiated;
      io.out(
        `    vbd ${v.deviceName || v.devid} front dom${v.frontDomid} back dom${v.backDomid}: persistent=${n.persistentGrants} indirect=${n.indirectSegments} ring-pages=${n.ringPages} queues=${n.queues} connected=${n.connected}`,
      );
    }
  }
  if (s.dropped !== undefined) io.out(`  dropped:  ${s.dropped}`);
  const d = s.diagnostics;
  io.out(`  diagnostics: ${d.error} error, ${d.warning} warning, ${d.info} info${d.omitted ? `, ${d.omitted} more not kept` : ''}`);
  for (const diag of src.diagnostics.slice(0, 50)) io.out(`    ${formatDiagnostic(diag)}`);
  if (src.diagnostics.length > 50) io.out(`    ... ${src.diagnostics.length - 50} more`);
}

function hasErrors(sources: ParsedSource[]): boolean {
  return sources.some((s) => s.diagnostics.some((d) => d.severity === 'error'));
}

async function cmdParse(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' }, format: { type: 'string' } },
  });
  if (!positionals.length) throw new UsageError('parse: no FILE given');
  const format = values.format as FormatId | undefined;
  if (format && !FORMATS.includes(format)) throw new UsageError(`parse: unknown --format ${format}`);
  const sources = await loadAll(positionals, { format });
  if (values.json) {
    io.out(JSON.stringify({ version: 1, sources: sources.map((s) => ({ ...summarize(s), diagnosticsList: s.diagnostics, summary: s.summary, xenstore: s.xenstore })) }, null, 2));
  } else {
    for (const s of sources) printSource(s, io);
  }
  return hasErrors(sources) ? 1 : 0;
}

async function cmdConvert(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { to: { type: 'string' }, format: { type: 'string' } },
  });
  if (values.to !== 'blkparse') throw new UsageError(`convert: --to blkparse is required (got ${values.to ?? 'nothing'})`);
  if (!positionals.length) throw new UsageError('convert: no FILE given');
  const sources = await loadAll(positionals, { format: values.format as FormatId | undefined });
  let status = 0;
  for (const s of sources) {
    for (const d of s.diagnostics) if (d.severity !== 'info') io.err(formatDiagnostic(d));
    if (!s.block) {
      io.err(`${s.name}: ${s.format} has no block events to convert`);
      status = 1;
      continue;
    }
    const lines = writeBlkparseEvents(s.block);
    const CHUNK = 4096;
    for (let i = 0; i < lines.length; i += CHUNK) io.out(lines.slice(i, i + CHUNK).join('\n'));
  }
  return hasErrors(sources) ? 1 : status;
}

export async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'parse':
        return await cmdParse(rest, io);
      case 'convert':
        return await cmdConvert(rest, io);
      case 'replay':
        return await cmdReplay(rest, io);
      case 'analyze':
        return await cmdAnalyze(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${cmd}`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ReplayUsage || e instanceof AnalyzeUsage || (e as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      io.err(`sectorscope: ${(e as Error).message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
}
