/**
 * strace text output (trace-formats.md §1): the format spec for the router,
 * and parseStraceText for whole in-memory inputs (benchmarks, CLI).
 */
import type { FormatSpec, Sniff } from './format';
import type { ParsedSource } from './model/source';
import { StraceParser } from './strace/parser';

/** Leader (pid, timestamps, -n/-i) then a syscall, resumption, signal or exit line. */
const LINE =
  /^(?:\[pid +\d+(?:<[^>]*>)?\] |\d{1,8}(?:<[^>]*>)? +)?(?:(?:\d\d:\d\d:\d\d(?:\.\d+)?|\d{9,}(?:\.\d+)?| *\d+\.\d+) (?:\(\+ *\d+\.\d+\) )?)?(?:\[ *[0-9a-f]+\] )*(?:[a-z_][a-z0-9_]*\(|<\.\.\. [a-z_0-9]+ resumed>|--- |\+\+\+ )/;

function sniff(_head: Uint8Array, text: string): Sniff | null {
  const lines = text.split('\n');
  // The last line of the head may be cut anywhere; judge it only when it is the only one.
  if (lines.length > 1) lines.pop();
  let seen = 0;
  let hits = 0;
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '' || line.startsWith('strace: ') || line.startsWith(' | ') || line.startsWith(' * ')) continue;
    seen++;
    if (LINE.test(line)) hits++;
    if (seen >= 200) break;
  }
  if (hits === 0) return null;
  const frac = hits / seen;
  const score = frac >= 0.6 ? (hits >= 3 || hits === seen ? 0.9 : 0.6) * frac + 0.05 : 0.2 * frac;
  return { score, evidence: `${hits} of ${seen} lines look like strace \`NAME(ARGS) = RESULT\` lines` };
}

export const straceFormat: FormatSpec = {
  id: 'strace',
  label: 'strace text',
  sniff,
  create: (name: string) => new StraceParser(name),
};

/** Pushed 1 MiB at a time: the splitter decodes newline-aligned runs of up to 64 KiB of each. */
const CHUNK = 1 << 20;

/** Parses a whole in-memory strace text (results do not depend on the chunking). */
export function parseStraceText(bytes: Uint8Array, name: string): ParsedSource {
  const p = new StraceParser(name);
  for (let i = 0; i < bytes.length; i += CHUNK) p.push(bytes.subarray(i, Math.min(bytes.length, i + CHUNK)));
  const src = p.finish();
  src.evidence = 'parsed as strace text';
  return src;
}
