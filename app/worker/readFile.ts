/**
 * Reads a File in slices (never whole), gunzipping transparently when the
 * content starts with the gzip magic (RFC 1952: 1f 8b). Used inside the worker.
 */
export const SLICE_BYTES = 4 << 20;

export async function isGzip(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/**
 * Uncompressed size of a single-member gzip file from its ISIZE trailer
 * (RFC 1952 §2.3.1: the input size modulo 2^32). Exact below 4 GiB.
 */
export async function gzipSize(file: Blob): Promise<number> {
  if (file.size < 18) return 0;
  const t = new DataView(await file.slice(file.size - 4).arrayBuffer());
  return t.getUint32(0, true);
}

export async function* fileChunks(file: Blob, isCancelled: () => boolean): AsyncGenerator<Uint8Array> {
  if (await isGzip(file)) {
    const reader = file.stream().pipeThrough(new DecompressionStream('gzip')).getReader();
    for (;;) {
      if (isCancelled()) {
        await reader.cancel();
        return;
      }
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  }
  for (let off = 0; off < file.size; off += SLICE_BYTES) {
    if (isCancelled()) return;
    yield new Uint8Array(await file.slice(off, off + SLICE_BYTES).arrayBuffer());
  }
}

/** The first `n` content bytes (decompressed when gzip), for format sniffing. */
export async function headBytes(file: Blob, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let len = 0;
  const it = fileChunks(file, () => len >= n);
  for await (const c of it) {
    const take = Math.min(c.length, n - len);
    out.set(c.subarray(0, take), len);
    len += take;
    if (len >= n) break;
  }
  return out.subarray(0, len);
}
