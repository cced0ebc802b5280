/**
 * ftrace text with block events: the `blk` tracer and the `block:*`
 * tracepoints, raw or through trace-cmd report / perf script / perf trace
 * (trace-formats.md §4). One FormatSpec for both; the parsed source reports
 * 'ftrace-blk' or 'ftrace-tracepoints' according to what the lines hold.
 */
import type { FormatSpec, Sniff } from './format';
import type { ParsedSource } from './model/source';
import { FtraceParser } from './ftraceParser';

/** Lines of the head the sniffer looks at. */
const SNIFF_LINES = 2000;

export const ftraceFormat: FormatSpec = {
  id: 'ftrace-blk',
  label: 'ftrace text (blk tracer / block tracepoints)',
  sniff: sniffFtrace,
  create: (name: string) => new FtraceParser(name),
};

/**
 * Runs the real line parser over the complete lines of the head and scores
 * by what it recognized: blkparse text has no `TASK-PID [CPU] TIMESTAMP:`
 * prefix, strace lines have no `[CPU]` column followed by `SECS.USECS:`.
 */
export function sniffFtrace(_head: Uint8Array, text: string): Sniff | null {
  const p = new FtraceParser('(sniff)');
  let start = 0;
  let lineNo = 0;
  while (lineNo < SNIFF_LINES) {
    const nl = text.indexOf('\n', start);
    // The head may end mid-line: only complete lines count, unless the text has a single line.
    if (nl < 0) {
      if (lineNo === 0 && text.length > 0) p.pushLine(text, 0, text.length, 1);
      break;
    }
    p.pushLine(text, start, nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl, ++lineNo);
    start = nl + 1;
  }
  const st = p.stats;
  const block = st.blkLines + st.tracepointLines;
  if (block > 0) {
    const share = st.contentLines > 0 ? st.prefixLines / st.contentLines : 0;
    return { score: share >= 0.5 ? 0.95 : 0.7, evidence: `${p.evidence()}; ${st.prefixLines} of ${st.contentLines} lines have the ftrace prefix` };
  }
  if (st.tracer !== '' || st.prefixLines > 0) {
    const share = st.contentLines > 0 ? st.prefixLines / st.contentLines : 1;
    if (share < 0.5) return { score: 0.2, evidence: p.evidence() };
    return { score: 0.5, evidence: p.evidence() };
  }
  return null;
}

/** Parses a whole ftrace text in memory (bench, CLI). */
export function parseFtraceText(bytes: Uint8Array, name: string): ParsedSource {
  const p = new FtraceParser(name);
  // Streaming TextDecoder output stays in cache-sized strings when fed 64 KiB at a time.
  const step = 1 << 16;
  for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, Math.min(bytes.length, i + step)));
  const src = p.finish();
  src.evidence = p.evidence();
  return src;
}
