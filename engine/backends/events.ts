/**
 * A small discrete-event scheduler for the backend models, plus the serial "backend thread" they
 * share. Time is ns on the replay clock. Events at one instant run in priority order:
 *   0  arrivals and backend-thread work (issuing I/O),
 *   1  I/O completions (iodone / io_getevents / ubd_intr),
 *   2  work that runs after every completion of that instant (tapdisk's reap of one event batch).
 * So an I/O that completes exactly when the next one is issued is treated as completing after it:
 * only a strictly earlier completion can overtake the issuing loop (the race the seed 000 author flagged in his own comment).
 */

/**
 * Completion order of backend I/Os.
 * - in-order: every I/O takes `latencyNs` (default 100 µs), so they complete in issue order.
 * - latencies: per-I/O latency by I/O id (ModelIo.id), `defaultNs` for the others.
 * - reverse / permutation: the device holds every started I/O until nothing else can happen
 *   (no arrival, no thread work, no completion pending), then completes the held batch `stepNs`
 *   apart — reverse: last started first; permutation: in the order of the listed I/O ids (ids not
 *   listed follow, by id). Completions may start more I/O; those form the next held batch.
 */
export type CompletionOrder =
  | { kind: 'in-order'; latencyNs?: number }
  | { kind: 'latencies'; latencyNs: number[]; defaultNs?: number }
  | { kind: 'reverse'; stepNs?: number }
  | { kind: 'permutation'; order: number[]; stepNs?: number };

export const DEFAULT_LATENCY_NS = 100_000;
export const DEFAULT_DISPATCH_NS = 1_000;

export type TimelineKind =
  | 'arrive'
  | 'issue'
  | 'complete'
  | 'reply'
  | 'drop'
  | 'stall'
  | 'resume'
  | 'defer'
  | 'merge'
  | 'submit-failed'
  | 'retry'
  | 'bitmap-set'
  | 'bitmap-wait'
  | 'disconnect'
  | 'disconnect-done'
  | 'refcnt'
  | 'release';

export interface TimelineEvent {
  seq: number;
  timeNs: number;
  kind: TimelineKind;
  /** What it is about: "io#3", "req#5" (ring id), "bitmap#2"… */
  ref: string;
  detail?: string;
}

interface Scheduled {
  t: number;
  prio: number;
  seq: number;
  fn: () => void;
}

export const PRIO_WORK = 0;
export const PRIO_COMPLETE = 1;
export const PRIO_AFTER = 2;

export class EventLoop {
  now: number;
  readonly timeline: TimelineEvent[] = [];
  /** Set when the step cap stopped the run (a model that would never settle). */
  truncated = false;
  private readonly heap: Scheduled[] = [];
  private seq = 0;
  private held: { io: number; started: number; done: () => void }[] = [];
  private startedCount = 0;

  constructor(
    private readonly order: CompletionOrder = { kind: 'in-order' },
    startNs = 0,
    private readonly maxSteps = 2_000_000,
  ) {
    this.now = startNs;
  }

  at(t: number, fn: () => void, prio = PRIO_WORK): void {
    push(this.heap, { t: Math.max(t, this.now), prio, seq: this.seq++, fn });
  }

  /** Starts backend I/O `io`; `done` runs at its completion (priority 1). */
  startIo(io: number, done: () => void): void {
    const o = this.order;
    const started = this.startedCount++;
    switch (o.kind) {
      case 'in-order':
        this.at(this.now + (o.latencyNs ?? DEFAULT_LATENCY_NS), done, PRIO_COMPLETE);
        return;
      case 'latencies':
        this.at(this.now + (o.latencyNs[io] ?? o.defaultNs ?? DEFAULT_LATENCY_NS), done, PRIO_COMPLETE);
        return;
      default:
        this.held.push({ io, started, done });
    }
  }

  /** Appends to the timeline; returns the reference string hazards cite ("io#0 complete@500"). */
  log(kind: TimelineKind, ref: string, detail?: string): string {
    const e: TimelineEvent = { seq: this.timeline.length, timeNs: this.now, kind, ref };
    if (detail !== undefined) e.detail = detail;
    this.timeline.push(e);
    return `${ref} ${kind}@${this.now}`;
  }

  /** Runs to quiescence. Returns false if the step cap was hit. */
  run(): boolean {
    let steps = 0;
    for (;;) {
      while (this.heap.length > 0) {
        if (++steps > this.maxSteps) {
          this.truncated = true;
          return false;
        }
        const ev = pop(this.heap);
        this.now = ev.t;
        ev.fn();
      }
      if (this.held.length === 0) return true;
      this.releaseHeld();
    }
  }

  private releaseHeld(): void {
    const o = this.order;
    const batch = this.held;
    this.held = [];
    let step = 1;
    if (o.kind === 'reverse') {
      batch.sort((a, b) => b.started - a.started);
      step = o.stepNs ?? 1;
    } else if (o.kind === 'permutation') {
      const rank = new Map<number, number>();
      o.order.forEach((id, i) => {
        if (!rank.has(id)) rank.set(id, i);
      });
      const r = (io: number) => rank.get(io) ?? o.order.length + io;
      batch.sort((a, b) => r(a.io) - r(b.io) || a.started - b.started);
      step = o.stepNs ?? 1;
    }
    this.log('release', `batch of ${batch.length}`, batch.map((h) => `io#${h.io}`).join(' '));
    batch.forEach((h, i) => this.at(this.now + step * (i + 1), h.done, PRIO_COMPLETE));
  }
}

/**
 * The backend's single issuing context (xbdback's continuation trampoline, tapdisk's event loop,
 * ubd's request function): work items run one after another; an item returns the ns it occupied
 * the thread (one dispatch per I/O issued, 0 for bookkeeping). `onIdle` runs when the queue drains
 * (xbdback_co_main_done: flush the open I/O) and may push more work.
 */
export class BackendThread {
  /** Work as a stack of frames: pushNext opens a frame above the current one (O(1), no array shifting). */
  private readonly frames: { items: (() => number)[]; at: number }[] = [{ items: [], at: 0 }];
  private scheduled = false;
  private freeAt: number;

  constructor(
    private readonly loop: EventLoop,
    private readonly onIdle: () => void = () => undefined,
  ) {
    this.freeAt = loop.now;
  }

  push(item: () => number): void {
    this.frames[0].items.push(item);
    this.wake();
  }

  /** Runs `items` before anything already queued (the sub-steps of the item being executed). */
  pushNext(items: (() => number)[]): void {
    if (items.length === 0) return;
    this.frames.push({ items, at: 0 });
    this.wake();
  }

  get busy(): boolean {
    return this.scheduled;
  }

  private next(): (() => number) | undefined {
    for (;;) {
      const top = this.frames[this.frames.length - 1];
      if (top.at < top.items.length) return top.items[top.at++];
      if (this.frames.length === 1) {
        top.items = [];
        top.at = 0;
        return undefined;
      }
      this.frames.pop();
    }
  }

  private wake(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.loop.at(Math.max(this.loop.now, this.freeAt), this.tick);
  }

  private readonly tick = (): void => {
    for (;;) {
      const item = this.next();
      if (item === undefined) {
        this.onIdle();
        const f = this.frames;
        if (f.length === 1 && f[0].at >= f[0].items.length) {
          this.scheduled = false;
          return;
        }
        continue;
      }
      const cost = item();
      if (cost > 0) {
        this.freeAt = this.loop.now + cost;
        this.loop.at(this.freeAt, this.tick);
        return;
      }
    }
  };
}

function less(a: Scheduled, b: Scheduled): boolean {
  return a.t < b.t || (a.t === b.t && (a.prio < b.prio || (a.prio === b.prio && a.seq < b.seq)));
}

function push(h: Scheduled[], x: Scheduled): void {
  h.push(x);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i], h[p])) break;
    [h[i], h[p]] = [h[p], h[i]];
    i = p;
  }
}

function pop(h: Scheduled[]): Scheduled {
  const top = h[0];
  const last = h.pop() as Scheduled;
  if (h.length > 0) {
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && less(h[l], h[m])) m = l;
      if (r < h.length && less(h[r], h[m])) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
  return top;
}
