/**
 * The one router: picks a parser by sniffing content, never the file name.
 * Every format's sniffer scores the head of the file; the best score wins.
 */
import type { FormatSpec, Sniff } from './format';
import { HEAD_BYTES } from './format';
import type { FormatId } from './model/source';
import { blktraceBinFormat } from './blktraceBin';
import { blkparseFormat } from './blkparse';
import { straceFormat } from './strace';
import { ftraceFormat } from './ftrace';
import { xenstoreLsFormat, xenstoreLogFormat } from './xenstore';
import { csvFormat } from './csv';

/** In priority order for ties: binary magic first, CSV (the most permissive) last. */
export const FORMATS: readonly FormatSpec[] = [
  blktraceBinFormat,
  blkparseFormat,
  ftraceFormat,
  straceFormat,
  xenstoreLsFormat,
  xenstoreLogFormat,
  csvFormat,
];

export interface Detection {
  format: FormatId;
  spec: FormatSpec | null;
  evidence: string;
  score: number;
  /** Every format that scored above 0, best first (for "unrecognized: tried ..." messages). */
  candidates: { format: FormatId; score: number; evidence: string }[];
}

export const MIN_SCORE = 0.3;

export function detect(head: Uint8Array): Detection {
  const h = head.length > HEAD_BYTES ? head.subarray(0, HEAD_BYTES) : head;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(h);
  const candidates: Detection['candidates'] = [];
  let best: { spec: FormatSpec; s: Sniff } | null = null;
  for (const spec of FORMATS) {
    let s: Sniff | null;
    try {
      s = spec.sniff(h, text);
    } catch {
      // A sniffer must never throw; if one does, it simply does not claim the file.
      s = null;
    }
    if (!s || s.score <= 0) continue;
    candidates.push({ format: spec.id, score: s.score, evidence: s.evidence });
    if (!best || s.score > best.s.score) best = { spec, s };
  }
  candidates.sort((a, b) => b.score - a.score);
  if (!best || best.s.score < MIN_SCORE) {
    const tried = FORMATS.map((f) => f.label).join(', ');
    return {
      format: 'unknown',
      spec: null,
      evidence: `no format recognised (tried ${tried})${candidates.length ? `; closest: ${candidates[0].format} (${candidates[0].evidence})` : ''}`,
      score: 0,
      candidates,
    };
  }
  return { format: best.spec.id, spec: best.spec, evidence: best.s.evidence, score: best.s.score, candidates };
}

export function formatById(id: FormatId): FormatSpec | undefined {
  return FORMATS.find((f) => f.id === id);
}
