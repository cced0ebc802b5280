/**
 * Page side of the 'chunk' worker request (app/worker/chunkOps.ts): one
 * listener per worker, replies matched by request id.
 */
import type { ChunkReply, ChunkRequest } from '../worker/chunkOps';

const pending = new Map<number, (r: ChunkReply) => void>();
const listening = new WeakSet<Worker>();
let nextId = 1;

export function requestChunk(worker: Worker, io: number, bufOffset: number, sourceLba: number | null): Promise<ChunkReply> {
  if (!listening.has(worker)) {
    listening.add(worker);
    worker.addEventListener('message', (e: MessageEvent) => {
      const m = e.data as { type?: string; reqId?: number };
      if (m?.type !== 'chunk' || typeof m.reqId !== 'number') return;
      const done = pending.get(m.reqId);
      pending.delete(m.reqId);
      done?.(e.data as ChunkReply);
    });
  }
  const reqId = nextId++;
  const msg: ChunkRequest = { type: 'chunk', reqId, io, bufOffset, sourceLba };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(reqId);
      reject(new Error('the analysis worker did not answer'));
    }, 10_000);
    pending.set(reqId, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
    worker.postMessage(msg);
  });
}
