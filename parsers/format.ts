import type { ChunkParser, FormatId } from './model/source';

/** What a format's sniffer says about the head of a file. */
export interface Sniff {
  /** 0..1; the router picks the highest. 0.9+ = a magic number or an unmistakable line shape. */
  score: number;
  /** Human-readable reason, shown by `sectorscope parse` and the UI ("12 of 12 lines match `MAJ,MIN CPU SEQ TIME PID ACT`"). */
  evidence: string;
}

export interface FormatSpec {
  id: FormatId;
  label: string;
  /**
   * Looks at the first bytes of a source (up to HEAD_BYTES; less for short
   * files) and its lenient UTF-8 decoding. Must never throw, must not depend on the file name.
   */
  sniff(head: Uint8Array, text: string): Sniff | null;
  create(name: string): ChunkParser;
}

export const HEAD_BYTES = 64 * 1024;
