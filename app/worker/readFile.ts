/**
 * Reads a File in slices (never whole), gunzipping transparently when the
 * content starts with the gzip magic. Used inside the worker.
 */
export const SLICE_BYTES = 4 << 20;

export async function* fileChunks(file: File, isCancelled: () => boolean): AsyncGenerator<Uint8Array> {
  const head = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (head.length === 2 && head[0] === 0x1f && head[1] === 0x8b) {
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
