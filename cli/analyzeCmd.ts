/**
 * sectorscope analyze: sector forensics of traced reads. Loads the traces
 * (strace, block traces, anchors) and optionally a reference image, runs
 * engine/forensics analyze() and prints the sector maps, findings,
 * correlation and hypothesis ranking as text, or the AnalysisResult as JSON
 * (schema: docs/analysis-schema.md).
 *
 * Exit codes: 0 no finding at or above --fail-on, 1 at least one, 2 usage
 * (including a FILE or IMG that cannot be opened).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { analyze, type AnalysisResult } from '../engine/forensics/analyze';
import { SEVERITY_RANK, type FindingSeverity } from '../engine/forensics/findings';
import type { SectorSource } from '../engine/forensics/image';
import { openImage } from '../engine/forensics/imageNode';
import { formatDiagnostic } from '../parsers/model/source';
import { formatAnalysis } from './analyzeText';
import { loadAll } from './load';

export interface AnalyzeIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export class AnalyzeUsage extends Error {}

/** `never` turns findings into information only (exit 0 whatever is found). */
export type FailOn = FindingSeverity | 'never';
const FAIL_ON: readonly FailOn[] = ['error', 'warning', 'note', 'chat', 'never'];
/* Default `error`: a warning (a short read mid-device, an unexpected split) is worth reading but
   is not proof of wrong data; errors are (misplaced or stale content, inconsistent re-reads). */
export const DEFAULT_FAIL_ON: FailOn = 'error';

/** True when some finding is at least as severe as `failOn`. */
export function reachesFailOn(result: AnalysisResult, failOn: FailOn): boolean {
  if (failOn === 'never') return false;
  const min = SEVERITY_RANK[failOn];
  return result.findings.some((f) => SEVERITY_RANK[f.severity] >= min);
}

export async function cmdAnalyze(args: string[], io: AnalyzeIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      image: { type: 'string' },
      'image-device': { type: 'string' },
      json: { type: 'boolean' },
      all: { type: 'boolean' },
      'fail-on': { type: 'string', default: DEFAULT_FAIL_ON },
    },
  });
  const failOn = values['fail-on'] as FailOn;
  if (!FAIL_ON.includes(failOn)) throw new AnalyzeUsage(`--fail-on must be one of ${FAIL_ON.join('|')}`);
  if (!positionals.length) throw new AnalyzeUsage('analyze: no FILE given');
  for (const p of [...positionals, ...(values.image ? [values.image] : [])]) {
    if (!existsSync(p)) throw new AnalyzeUsage(`analyze: ${p}: no such file`);
  }

  const sources = await loadAll(positionals);
  for (const s of sources) for (const d of s.diagnostics) if (d.severity === 'error') io.err(formatDiagnostic(d));
  let image: (SectorSource & { close?: () => void }) | null = null;
  try {
    image = values.image ? await openImage(values.image) : null;
    const result = analyze({ sources, image, imageDevice: values['image-device'] });
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else io.out(formatAnalysis(result, sources, { all: values.all === true, image }).trimEnd());
    return reachesFailOn(result, failOn) ? 1 : 0;
  } finally {
    image?.close?.();
  }
}
