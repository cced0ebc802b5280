/**
 * Node-side input: streams a file in chunks into a consumer, decompressing
 * gzip (zlib) and xz (the system `xz`, when installed) recognised by their
 * magic bytes, not by the file name.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { concatBytes } from '../parsers/model/columns';

export type Compression = 'gzip' | 'xz' | 'none';

export async function sniffCompression(path: string): Promise<Compression> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(6);
    const { bytesRead } = await fh.read(b, 0, 6, 0);
    if (bytesRead >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (bytesRead >= 6 && b[0] === 0xfd && b.subarray(1, 6).toString('latin1') === '7zXZ\u0000') return 'xz';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** Opens `path` as a stream of decompressed bytes. */
export async function openInput(path: string, highWaterMark = 1 << 20): Promise<Readable> {
  const c = await sniffCompression(path);
  const raw = createReadStream(path, { highWaterMark });
  if (c === 'gzip') return raw.pipe(createGunzip({ chunkSize: 1 << 20 }));
  if (c === 'xz') {
    const child = spawn('xz', ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.on('error', (e) => child.stdout.destroy(new Error(`${path}: xz-compressed, but the xz program could not run (${e.message}); decompress it first`)));
    raw.pipe(child.stdin);
    return child.stdout;
  }
  return raw;
}

/** Streams a file's (decompressed) bytes into `onChunk`. */
export async function streamFile(path: string, onChunk: (chunk: Uint8Array) => void): Promise<number> {
  const s = await openInput(path);
  let n = 0;
  for await (const chunk of s) {
    const b = chunk as Buffer;
    n += b.length;
    onChunk(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  }
  return n;
}

/** Reads a whole (decompressed) file; for small inputs such as workloads and reference sectors. */
export async function readWhole(path: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await streamFile(path, (c) => {
    parts.push(c.slice());
  });
  return parts.length === 1 ? parts[0] : concatBytes(parts);
}
