/**
 * Every fixture and corpus file, presented under the name "unknown", is
 * routed to the right parser by content alone (speedscope-style proof that
 * detection never leans on file names).
 */
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { parseBytes } from '../../parsers/parse';
import { CORPUS, FIXTURES, readInput, walk } from '../helpers/fixtures';
import type { FormatId } from '../../parsers/model/source';

function expected(path: string): FormatId | FormatId[] {
  const name = basename(path);
  if (/\.strace\.(txt|log|out)$|\.strace\.excerpt\.log$/.test(name)) return 'strace';
  if (/\.blkparse(\.annotated)?\.txt(\.xz)?$/.test(name)) return 'blkparse';
  if (/\.bin(\.xz)?$|\.blktrace\.\d+$/.test(name)) return 'blktrace-bin';
  if (/\.tracepoints\.txt$/.test(name)) return 'ftrace-tracepoints';
  if (/\.ftrace\.txt(\.xz)?$/.test(name) || /blk-tracer/.test(name)) return 'ftrace-blk';
  // Trace-marker lines only: ftrace text with no block payload.
  if (/\.anchors\.txt$/.test(name)) return ['ftrace-blk', 'ftrace-tracepoints'];
  if (path.includes('/corpus/ftrace/')) return 'ftrace-tracepoints';
  if (/xenstore-ls/.test(name)) return 'xenstore-ls';
  if (path.includes('/corpus/xenstore/')) return 'xenstore-log';
  if (/expected-reads\.tsv$/.test(name)) return 'csv';
  // Provenance notes, checksums, images, program output, scripts, btt/fio reports, change lists.
  return 'unknown';
}

const files = [...walk(FIXTURES), ...walk(CORPUS)];

describe('content detection under the name "unknown"', () => {
  it('sees the whole fixture set and corpus', () => {
    expect(files.length).toBeGreaterThan(150);
  });
  for (const path of files) {
    const want = expected(path);
    const rel = path.slice(path.indexOf('shared/') + 7);
    it(`${rel} → ${String(want)}`, () => {
      const src = parseBytes('unknown', readInput(path));
      if (Array.isArray(want)) expect(want).toContain(src.format);
      else expect(src.format).toBe(want);
      if (want === 'unknown') {
        expect(src.diagnostics[0].message).toMatch(/unrecognized format: no format recognised \(tried /);
      } else {
        expect(src.evidence.length).toBeGreaterThan(10);
      }
    });
  }
});
