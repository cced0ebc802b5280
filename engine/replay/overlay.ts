/**
 * What the workload's writes leave on the device: sectors labelled like grant-page slots (content
 * tracked by label, never by bytes), and the write payloads those labels name.
 */
import type { WorkloadOp } from './types';
import { SlotStore } from './slots';

/** Sectors the workload wrote, labelled like grant-page slots. */
export class DiskOverlay {
  readonly store = new SlotStore();
  private readonly index = new Map<number, number>();

  /** Slot index holding sector `s`, or -1 when the disk still has the image's bytes. */
  slotOf(s: number): number {
    return this.index.size === 0 ? -1 : (this.index.get(s) ?? -1);
  }

  /** Whether any of sectors [s, s + n) was written. */
  anyIn(s: number, n: number): boolean {
    if (this.index.size === 0) return false;
    for (let k = 0; k < n; k++) if (this.index.has(s + k)) return true;
    return false;
  }

  write(s: number, src: SlotStore, si: number, writerOp: number): void {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.store.length;
      this.store.resize(i + 1);
      this.index.set(s, i);
    }
    this.store.copyFrom(src, si, i, 1);
    this.store.wOp[i] = writerOp;
  }
}

/** 16-byte units `W%05u:%08u\n` (op id, LBA written) like the fixtures' stamps: data names its origin. */
export function syntheticWriteData(op: WorkloadOp): Uint8Array {
  const out = new Uint8Array(op.length);
  const enc = new TextEncoder();
  for (let at = 0; at < op.length; at += 16) {
    const lba = Math.floor((op.offset + at) / 512);
    const unit = enc.encode(`W${String(op.id % 100000).padStart(5, '0')}:${String(lba % 1e8).padStart(8, '0')}\n`);
    out.set(unit.subarray(0, Math.min(16, op.length - at)), at);
  }
  return out;
}

/** Write payloads by op id, built on first use (the op's `data`, else the synthetic stamps). */
export function writePayloads(ops: WorkloadOp[]): (id: number) => Uint8Array {
  let opsById: Map<number, WorkloadOp> | null = null;
  const writeData = new Map<number, Uint8Array>();
  return (id: number): Uint8Array => {
    let d = writeData.get(id);
    if (!d) {
      if (!opsById) opsById = new Map(ops.map((o) => [o.id, o]));
      const op = opsById.get(id);
      d = new Uint8Array(op ? op.length : 0);
      if (op) d.set(op.data ? op.data.subarray(0, op.length) : syntheticWriteData(op));
      writeData.set(id, d);
    }
    return d;
  };
}
