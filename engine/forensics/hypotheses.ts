/**
 * Seam for the hypothesis ranking (replaying xen-blkfront variants a–e, see
 * design/xen-block-models.md): a ranker receives the analysis (sector maps
 * and findings) and scores each candidate model by how well its replay of the
 * same workload reproduces the observed chunk provenance. The replay engine
 * (engine/replay) provides the replays; nothing here depends on it yet.
 */
import type { AnalysisResult } from './analyze';

export type VariantId = 'a' | 'b' | 'c' | 'd' | 'e';

export interface HypothesisScore {
  variant: VariantId;
  /** Chunks whose observed verdict/source the replay reproduces, and chunks compared. */
  matched: number;
  compared: number;
  /** Free text: which findings the variant explains or contradicts. */
  notes: string[];
}

export interface HypothesisRanker {
  rank(analysis: AnalysisResult): HypothesisScore[];
}
