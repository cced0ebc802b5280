/**
 * What the anatomy view draws, computed from one replay (engine/replay) of
 * the selected read in its workload context: the read's block requests
 * (bio_vecs, scatterlist), ring segments and grant pages, backend I/Os, and
 * the completion copies, each judged by where the bytes it delivered came
 * from (the replay's provenance): a copy is right when every byte it put in
 * the buffer is the device's byte at offset + buffer position.
 */
import { defaultConfig, type Variant } from '../../engine/replay/config';
import { describeSource } from '../../engine/replay/format';
import { replay, type OpReplay } from '../../engine/replay/replay';
import type { ProvenanceRun } from '../../engine/replay/types';
import type { ReportContext } from '../share/report';
import { PAGE, workloadOf } from './AnatomyWorkload';

export const PAGE_OFFSETS: readonly number[] = [0, 512, 1024, 1536, 2048, 2560, 3072, 3584];

export interface JudgedCopy {
  unit: string;
  index: number;
  request: number;
  grantPage: number;
  pageStart: number;
  pageEnd: number;
  bufStart: number;
  bufEnd: number;
  correct: boolean;
  /** Why (the provenance of the delivered bytes). */
  what: string;
}

export interface Anatomy {
  variant: Variant;
  pageOffset: number;
  op: OpReplay;
  copies: JudgedCopy[];
  /** Distinct grant pages the op's ring segments use, in first-use order. */
  grantPages: number[];
  errors: string[];
  /** Operations replayed before the selected one. */
  before: number;
}

function judge(prov: ProvenanceRun[], offset: number, bufStart: number, bufEnd: number): { correct: boolean; what: string } {
  const parts: string[] = [];
  let correct = true;
  for (const p of prov) {
    if (p.bufEnd <= bufStart || p.bufStart >= bufEnd) continue;
    const ok = p.source.kind === 'disk' && p.source.start - p.bufStart === offset;
    if (!ok) correct = false;
    parts.push(describeSource(p.source));
  }
  return { correct, what: [...new Set(parts)].join('; ') };
}

export function buildAnatomy(ctx: ReportContext, variant: Variant, pageOffset: number): Anatomy | null {
  if (ctx.ops.length === 0) return null;
  const result = replay(workloadOf(ctx, pageOffset), defaultConfig(variant));
  const op = result.ops[result.ops.length - 1];
  if (!op) return { variant, pageOffset, op: null as unknown as OpReplay, copies: [], grantPages: [], errors: result.errors, before: 0 };
  const copies = op.copies.map((c) => ({ ...c, ...judge(op.provenance, op.offset, c.bufStart, c.bufEnd) }));
  const grantPages: number[] = [];
  for (const rr of op.ring) for (const s of rr.segments) if (s.grantPage >= 0 && !grantPages.includes(s.grantPage)) grantPages.push(s.grantPage);
  for (const c of op.copies) if (c.grantPage >= 0 && !grantPages.includes(c.grantPage)) grantPages.push(c.grantPage);
  return { variant, pageOffset, op, copies, grantPages, errors: result.errors, before: ctx.ops.length - 1 };
}

/** Virtual page index (0 = the buffer's first page) and in-page offset of a buffer byte. */
export function bufPos(pageOffset: number, bufOffset: number): [number, number] {
  const v = pageOffset + bufOffset;
  return [Math.floor(v / PAGE), v % PAGE];
}

/**
 * Page offset the analysis' hypothesis ranking gives a read (hypotheses.ts
 * ReadExplanation: the traced address when known, else the best candidate's
 * page offset), or null when the ranking does not explain that read.
 */
export function hypothesisPageOffset(analysis: unknown, io: number): number | null {
  const reads = (analysis as { hypotheses?: { reads?: unknown } | null } | null)?.hypotheses?.reads;
  if (!Array.isArray(reads)) return null;
  const ex = reads.find((r: { io?: unknown }) => r?.io === io) as { pageOffset?: unknown; candidates?: { pageOffset?: unknown }[] } | undefined;
  const v = typeof ex?.pageOffset === 'number' ? ex.pageOffset : ex?.candidates?.[0]?.pageOffset;
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < PAGE ? v : null;
}
