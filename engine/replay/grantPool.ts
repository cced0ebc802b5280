/**
 * blkfront's persistent-grant pool as the kernel kept it (xen-block-models.md §1.3, §1.5, §1.6):
 * a stack of `struct grant {gref, page}`; get_grant() takes the head; completion puts grants back
 * at the head in segment order (so the next request reuses them in reverse); modern kernels put
 * revoked grants at the tail. Each page's 4 KiB content is tracked as eight 512-byte labels.
 */
import type { PoolConfig } from './config';
import { SRC_UNKNOWN, SRC_ZERO, SlotStore } from './slots';

export const SLOTS_PER_FRAME = 8;
/** Grant references 0..7 are reserved (GNTTAB_NR_RESERVED_ENTRIES); blkfront's first claim gets 8. */
const FIRST_GREF = 8;

/** A double-ended free list over an Int32Array: the list head is the high end, the tail the low end. */
class Deque {
  private buf = new Int32Array(64);
  private start = 32;
  private end = 32;

  get size(): number {
    return this.end - this.start;
  }

  private regrow(): void {
    const n = this.size;
    const cap = Math.max(64, n * 4);
    const b = new Int32Array(cap);
    const s = (cap - n) >> 1;
    b.set(this.buf.subarray(this.start, this.end), s);
    this.buf = b;
    this.start = s;
    this.end = s + n;
  }

  /** list_add: insert at the head. */
  pushHead(x: number): void {
    if (this.end >= this.buf.length) this.regrow();
    this.buf[this.end++] = x;
  }

  /** list_add_tail. */
  pushTail(x: number): void {
    if (this.start <= 0) this.regrow();
    this.buf[--this.start] = x;
  }

  /** list_first_entry / llist_del_first: take the head; -1 when empty. */
  popHead(): number {
    return this.end > this.start ? this.buf[--this.end] : -1;
  }

  /** Head-first listing (for display). */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = this.end - 1; i >= this.start; i--) out.push(this.buf[i]);
    return out;
  }
}

export class GrantPool {
  /** Content of every pooled page: slot `page * 8 + k` is bytes [512k, 512k+512). */
  readonly content = new SlotStore();
  /** gref of each grant (index = page id); -1 = GRANT_INVALID_REF (pre-allocated, not yet granted). */
  readonly gref: number[] = [];
  /** persistent_gnts_c: free entries holding a valid gref. */
  persistentCount = 0;
  private readonly free = new Deque();
  private nextGref = FIRST_GREF;

  constructor(readonly config: PoolConfig) {
    /* fill_grant_buffer (9c1e050caeb4): alloc_page + list_add, so the last page allocated is the head. */
    if (config.model === 'prealloc') for (let i = 0; i < config.preallocCount; i++) this.free.pushHead(this.newPage());
  }

  get pages(): number {
    return this.gref.length;
  }

  get freeCount(): number {
    return this.free.size;
  }

  /** Head-first list of free grant pages. */
  freeList(): number[] {
    return this.free.toArray();
  }

  private newPage(): number {
    const page = this.gref.length;
    this.gref.push(-1);
    const base = page * SLOTS_PER_FRAME;
    this.content.resize(base + SLOTS_PER_FRAME);
    const zero = this.config.initial === 'zero';
    for (let k = 0; k < SLOTS_PER_FRAME; k++) {
      this.content.set(base + k, zero ? SRC_ZERO : SRC_UNKNOWN, page, k, -1, -1, -1);
    }
    return page;
  }

  /**
   * get_grant(): pop the head; if the pool is empty allocate a page (3.8: alloc_page(GFP_ATOMIC),
   * not zeroed). A page without a valid gref claims one now and is granted read-write.
   */
  get(): number {
    let page = this.free.popHead();
    if (page < 0) page = this.newPage();
    else if (this.gref[page] >= 0) this.persistentCount--;
    if (this.gref[page] < 0) this.gref[page] = this.nextGref++;
    return page;
  }

  /** Completion: back at the head (list_add / llist_add), still granted. */
  putHead(page: number): void {
    this.free.pushHead(page);
    if (this.gref[page] >= 0) this.persistentCount++;
  }

  /** Modern completion when the backend no longer maps it: gref revoked, list_add_tail. */
  putTailRevoked(page: number): void {
    this.gref[page] = -1;
    this.free.pushTail(page);
  }
}

/** Grant references for zero-copy frames: gnttab's free list is a stack too (put_free_entry at the head). */
export class GrefStack {
  private readonly free: number[] = [];
  private next = FIRST_GREF;

  claim(): number {
    return this.free.length > 0 ? (this.free.pop() as number) : this.next++;
  }

  release(gref: number): void {
    this.free.push(gref);
  }
}
