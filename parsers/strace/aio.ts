/**
 * Pairs libaio completions with their submissions.
 *
 * io_getevents reports `{data=…, obj=0x…, res=…, res2=…}` where obj is the
 * iocb's address (linux fs/aio.c aio_complete: ev.obj = iocb user pointer),
 * but strace's io_submit decoder (src/aio.c) prints each iocb's CONTENTS,
 * not its address. So the pairing is, in order of strength:
 *   1. an obj already known for an in-flight iocb (iocb pointers shown raw);
 *   2. the obj → aio_buf association learned from earlier pairs (fio and most
 *      engines keep one iocb and one buffer per slot for the whole run);
 *   3. aio_data equal to the event's data, when the program sets it;
 *   4. the oldest in-flight iocb of that context whose size equals res;
 *   5. the oldest in-flight iocb of that context.
 */

interface Queue {
  seg: number[];
  buf: number[];
  len: number[];
  data: number[];
  key: number[];
}

export class AioTracker {
  private readonly queues = new Map<string, Queue>();
  private readonly bufOfObj = new Map<number, number>();

  private queue(ctx: string): Queue {
    let q = this.queues.get(ctx);
    if (!q) {
      q = { seg: [], buf: [], len: [], data: [], key: [] };
      this.queues.set(ctx, q);
    }
    return q;
  }

  /** An iocb accepted by the kernel (one of the first `result` of an io_submit). */
  submit(ctx: string, seg: number, buf: number, len: number, data: number, key: number): void {
    const q = this.queue(ctx);
    q.seg.push(seg);
    q.buf.push(buf);
    q.len.push(len);
    q.data.push(data);
    q.key.push(key);
  }

  /** Segment index of the iocb an event completes, or -1 when none is in flight. */
  complete(ctx: string, data: number, obj: number, res: number): number {
    const q = this.queues.get(ctx);
    if (!q || q.seg.length === 0) return -1;
    let pick = -1;
    if (Number.isFinite(obj)) pick = q.key.indexOf(obj);
    if (pick < 0 && Number.isFinite(obj)) {
      const b = this.bufOfObj.get(obj);
      if (b !== undefined) pick = q.buf.indexOf(b);
    }
    if (pick < 0) {
      const n = q.seg.length;
      const dataKnown = Number.isFinite(data) && data !== 0 && q.data.includes(data);
      for (let k = 0; k < n && pick < 0; k++) {
        if (dataKnown && q.data[k] !== data) continue;
        if (q.len[k] === res) pick = k;
      }
      for (let k = 0; k < n && pick < 0; k++) {
        if (dataKnown && q.data[k] !== data) continue;
        pick = k;
      }
    }
    if (pick < 0) return -1;
    const seg = q.seg[pick];
    if (Number.isFinite(obj) && Number.isFinite(q.buf[pick])) this.bufOfObj.set(obj, q.buf[pick]);
    q.seg.splice(pick, 1);
    q.buf.splice(pick, 1);
    q.len.splice(pick, 1);
    q.data.splice(pick, 1);
    q.key.splice(pick, 1);
    return seg;
  }

  /** io_destroy: whatever was in flight will never be reported. */
  destroy(ctx: string): number {
    const q = this.queues.get(ctx);
    this.queues.delete(ctx);
    return q ? q.seg.length : 0;
  }

  /** iocbs still in flight over all contexts. */
  outstanding(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.seg.length;
    return n;
  }
}
