/**
 * Drives one source through detection and its parser, chunk by chunk.
 * The head is buffered only until HEAD_BYTES are seen (or the input ends),
 * then every chunk goes straight to the parser.
 */
import { detect, formatById } from './detect';
import { HEAD_BYTES } from './format';
import { concatBytes } from './model/columns';
import type { ChunkParser, FormatId, ParsedSource } from './model/source';

export interface ParseOptions {
  /** Skip detection and use this format. */
  format?: FormatId;
}

export class SourceParser {
  private head: Uint8Array[] = [];
  private headLen = 0;
  private parser: ChunkParser | null = null;
  private evidence = '';
  private format: FormatId = 'unknown';
  private bytes = 0;
  private failed: ParsedSource | null = null;

  constructor(readonly name: string, private readonly opts: ParseOptions = {}) {}

  push(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    if (this.failed) return;
    if (this.parser) {
      this.parser.push(chunk);
      return;
    }
    this.head.push(chunk);
    this.headLen += chunk.length;
    if (this.headLen >= HEAD_BYTES) this.start();
  }

  private start(): void {
    const head = concatBytes(this.head, this.headLen);
    this.head = [];
    this.headLen = 0;
    let spec = this.opts.format ? formatById(this.opts.format) : undefined;
    if (spec) {
      this.evidence = `format given by the user (${spec.label})`;
    } else {
      const d = detect(head);
      spec = d.spec ?? undefined;
      this.evidence = d.evidence;
    }
    if (!spec) {
      this.failed = emptySource(this.name, this.evidence, {
        severity: 'error',
        file: this.name,
        offset: 0,
        message: `unrecognized format: ${this.evidence}`,
      });
      return;
    }
    this.format = spec.id;
    this.parser = spec.create(this.name);
    this.parser.push(head);
  }

  finish(): ParsedSource {
    if (!this.parser && !this.failed) this.start();
    if (this.failed) {
      this.failed.bytes = this.bytes;
      return this.failed;
    }
    const src = this.parser!.finish();
    // One spec reads both ftrace flavours; its parser knows from the content which one it saw.
    const finer = this.format === 'ftrace-blk' && src.format === 'ftrace-tracepoints';
    if (!finer) src.format = this.format;
    src.evidence = this.evidence;
    src.bytes = this.bytes;
    return src;
  }
}

export function emptySource(name: string, evidence: string, diag?: ParsedSource['diagnostics'][number]): ParsedSource {
  return {
    name,
    format: 'unknown',
    evidence,
    bytes: 0,
    clock: { kind: 'none', baseNs: '0' },
    diagnostics: diag ? [diag] : [],
    diagnosticsOmitted: 0,
  };
}


/** Parses a whole in-memory input, fed in chunks of `chunkSize` (for tests and small inputs). */
export function parseBytes(name: string, bytes: Uint8Array, opts: ParseOptions & { chunkSize?: number } = {}): ParsedSource {
  const p = new SourceParser(name, opts);
  const step = opts.chunkSize ?? 1 << 20;
  for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, Math.min(bytes.length, i + step)));
  return p.finish();
}
