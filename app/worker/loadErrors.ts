/**
 * The load-error taxonomy the page shows: unrecognized (with what was
 * tried), corrupt at line/byte N (with the events kept), too large for this
 * browser (with the limit and the CLI command), capture dropped N events.
 */
import type { ParsedSource } from '../../parsers/model/source';
import type { LoadError } from './protocol';

/**
 * Above this a trace is refused before reading: the page holds ~75 bytes
 * per block event (store + canvas columns), and a tab's heap is a few GiB.
 */
export const TOO_LARGE_BYTES = 2 * 1024 ** 3;

function gib(n: number): string {
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

export function tooLarge(file: File): LoadError {
  return {
    kind: 'too-large',
    file: file.name,
    message:
      `${file.name}: too large for this browser (${gib(file.size)}; the limit here is ${gib(TOO_LARGE_BYTES)}). ` +
      `Use the command line instead: npx sectorscope parse --json ${file.name}`,
  };
}

export function describeFailure(file: File, e: unknown): LoadError {
  if (e instanceof RangeError) {
    return {
      kind: 'too-large',
      file: file.name,
      message: `${file.name}: too large for this browser (ran out of memory after reading part of its ${gib(file.size)}). Use: npx sectorscope parse --json ${file.name}`,
    };
  }
  return { kind: 'failed', file: file.name, message: `${file.name}: ${String((e as Error)?.message ?? e)}` };
}

function events(s: ParsedSource): number {
  return (s.block?.length ?? 0) + (s.syscalls?.length ?? 0) + (s.xenstore ? s.xenstore.nodes.length : 0);
}

export function classifyErrors(sources: ParsedSource[]): LoadError[] {
  const out: LoadError[] = [];
  for (const s of sources) {
    if (s.format === 'unknown') continue;
    const errs = s.diagnostics.filter((d) => d.severity === 'error');
    if (errs.length) {
      const d = errs[0];
      const where = d.line !== undefined ? `line ${d.line}` : d.offset !== undefined ? `byte ${d.offset}` : 'an unknown place';
      const more = errs.length - 1 + s.diagnosticsOmitted;
      out.push({
        kind: 'corrupt',
        file: s.name,
        message: `${s.name}: corrupt at ${where}: ${d.message}${more > 0 ? ` (and ${more} more)` : ''}; ${events(s)} events kept`,
      });
    }
    if (s.dropped) {
      out.push({ kind: 'dropped', file: s.name, message: `${s.name}: the capture dropped ${s.dropped} events; counts and latencies near the gaps are incomplete` });
    }
  }
  return out;
}
