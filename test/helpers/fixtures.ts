/** Reads the shared fixtures and corpus where they lie (../shared), never copies. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { ChunkParser, ParsedSource } from '../../parsers/model/source';

const here = dirname(fileURLToPath(import.meta.url));
export const PROJECT = resolve(here, '..', '..');
export const SHARED = resolve(PROJECT, '..', 'shared');
export const FIXTURES = join(SHARED, 'fixtures');
export const CORPUS = join(SHARED, 'corpus');

export function fixturePath(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function corpusPath(...parts: string[]): string {
  return join(CORPUS, ...parts);
}

/** Reads a file; `.gz` and `.xz` are decompressed (xz through the system `xz`). */
export function readInput(path: string): Uint8Array {
  const raw = readFileSync(path);
  if (path.endsWith('.gz')) return new Uint8Array(gunzipSync(raw));
  if (path.endsWith('.xz')) return new Uint8Array(execFileSync('xz', ['-dc', path], { maxBuffer: 1 << 30 }));
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

export function readText(path: string): string {
  return new TextDecoder().decode(readInput(path));
}

/** Every file under a directory, recursively, sorted. */
export function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

export function exists(p: string): boolean {
  return existsSync(p);
}

/** Feeds `bytes` to a fresh parser in chunks of `size`. */
export function feed(parser: ChunkParser, bytes: Uint8Array, size: number): ParsedSource {
  for (let i = 0; i < bytes.length; i += size) parser.push(bytes.slice(i, Math.min(bytes.length, i + size)));
  return parser.finish();
}

/** The chunk sizes every parser test runs with, plus one large chunk. */
export const CHUNK_SIZES = [1, 7, 4093, 1 << 20] as const;
