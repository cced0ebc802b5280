/**
 * Loads the files named on the command line into parsed sources: content
 * detection per file, and per-CPU blktrace sets (`dev.blktrace.N`) merged into
 * one source the way blkparse reads them.
 */
import { basename } from 'node:path';
import { SourceParser } from '../parsers/parse';
import type { FormatId, ParsedSource } from '../parsers/model/source';
import { groupBlktraceFiles, mergeBlktraceSources } from '../parsers/blktraceSet';
import { streamFile } from './input';

export interface LoadOptions {
  format?: FormatId;
}

export async function loadFile(path: string, opts: LoadOptions = {}): Promise<ParsedSource> {
  const p = new SourceParser(path, opts);
  try {
    await streamFile(path, (c) => p.push(c));
  } catch (e) {
    const src = p.finish();
    src.diagnostics.push({ severity: 'error', file: path, offset: src.bytes, message: `read failed: ${(e as Error).message}` });
    return src;
  }
  return p.finish();
}

/** Loads every path; binary per-CPU files of one capture become a single merged source. */
export async function loadAll(paths: string[], opts: LoadOptions = {}): Promise<ParsedSource[]> {
  const sets = groupBlktraceFiles(paths.map((p) => basename(p)));
  const byBase = new Map(paths.map((p) => [basename(p), p]));
  const out: ParsedSource[] = [];
  const grouped = new Set<string>();
  for (const set of sets) {
    if (set.files.length < 2) continue;
    const parsed: ParsedSource[] = [];
    for (const f of set.files) {
      const full = byBase.get(f) ?? f;
      grouped.add(full);
      parsed.push(await loadFile(full, opts));
    }
    // An idle CPU leaves an empty per-CPU file: it belongs to the set, adds nothing.
    const nonEmpty = parsed.filter((s) => s.bytes > 0);
    if (nonEmpty.length > 0 && nonEmpty.every((s) => s.format === 'blktrace-bin')) {
      out.push(mergeBlktraceSources(nonEmpty));
    } else {
      out.push(...parsed);
    }
  }
  for (const p of paths) if (!grouped.has(p)) out.push(await loadFile(p, opts));
  return out;
}
