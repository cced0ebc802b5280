/**
 * Block tracepoints (TRACE_SYSTEM `block`, include/trace/events/block.h;
 * trace-formats.md §4.3). Each event name maps to an Action and to the shape
 * of its TP_printk output:
 *
 *   Rq      MAJ,MIN RWBS BYTES (CMD) SECTOR + NR [IOPRIO] [COMM]   rq_issue/insert/merge, io_start/done
 *   RqDone  MAJ,MIN RWBS (CMD) SECTOR + NR [IOPRIO] [ERRNO]         rq_complete/requeue/abort
 *   Bio     MAJ,MIN RWBS SECTOR + NR [COMM]                         bio_queue/backmerge/frontmerge/bounce, getrq, sleeprq
 *   BioDone MAJ,MIN RWBS SECTOR + NR [ERRNO]                        bio_complete
 *   Split   MAJ,MIN RWBS SECTOR / NEW_SECTOR [COMM]
 *   Remap   MAJ,MIN RWBS SECTOR + NR <- (MAJ,MIN) OLD [NR_BIOS]     bio_remap, rq_remap
 *   Plug    [COMM]          Unplug  [COMM] NR_RQ                    (no device field)
 *   Buffer  MAJ,MIN sector=BLOCKNR size=BYTES                       touch/dirty_buffer (no RWBS)
 *
 * Old kernels print BYTES as 0 for filesystem requests (only passthrough
 * requests had it), so BYTES becomes a Bytes extra only when it is non-zero
 * and differs from NR*512. ERRNO is already signed (`[-121]`).
 */
import { Action } from './model/actions';
import { ExtraKind } from './model/blockEvents';
import { Cursor, readDevice } from './ftraceScan';
import type { LineSink } from './ftraceSink';
import { intIn, Tail } from './ftraceTail';

export const enum Shape {
  Rq = 1,
  RqDone = 2,
  Bio = 3,
  BioDone = 4,
  Split = 5,
  Remap = 6,
  Plug = 7,
  Unplug = 8,
  Buffer = 9,
}

export interface Tracepoint {
  action: Action;
  shape: Shape;
}

const tp = (action: Action, shape: Shape): Tracepoint => ({ action, shape });

export const TRACEPOINTS: ReadonlyMap<string, Tracepoint> = new Map([
  ['block_bio_queue', tp(Action.Queue, Shape.Bio)],
  ['block_getrq', tp(Action.GetRq, Shape.Bio)],
  ['block_sleeprq', tp(Action.SleepRq, Shape.Bio)],
  ['block_bio_backmerge', tp(Action.BackMerge, Shape.Bio)],
  ['block_bio_frontmerge', tp(Action.FrontMerge, Shape.Bio)],
  ['block_bio_bounce', tp(Action.Bounce, Shape.Bio)],
  ['block_bio_complete', tp(Action.BioComplete, Shape.BioDone)],
  ['block_rq_insert', tp(Action.Insert, Shape.Rq)],
  ['block_rq_issue', tp(Action.Issue, Shape.Rq)],
  ['block_rq_merge', tp(Action.RqMerge, Shape.Rq)],
  ['block_io_start', tp(Action.IoStart, Shape.Rq)],
  ['block_io_done', tp(Action.IoDone, Shape.Rq)],
  ['block_rq_complete', tp(Action.Complete, Shape.RqDone)],
  ['block_rq_requeue', tp(Action.Requeue, Shape.RqDone)],
  ['block_rq_abort', tp(Action.Abort, Shape.RqDone)],
  ['block_split', tp(Action.Split, Shape.Split)],
  ['block_bio_remap', tp(Action.Remap, Shape.Remap)],
  ['block_rq_remap', tp(Action.Remap, Shape.Remap)],
  ['block_plug', tp(Action.Plug, Shape.Plug)],
  ['block_unplug', tp(Action.UnplugIo, Shape.Unplug)],
  // 2.6.3x split the unplug event by cause.
  ['block_unplug_io', tp(Action.UnplugIo, Shape.Unplug)],
  ['block_unplug_timer', tp(Action.UnplugTimer, Shape.Unplug)],
  ['block_touch_buffer', tp(Action.Touch, Shape.Buffer)],
  ['block_dirty_buffer', tp(Action.Dirty, Shape.Buffer)],
]);

/** Device key used for tracepoints that carry no device (block_plug, block_unplug). */
export const NO_DEVICE = 0;

/** Parses the fields of a known block tracepoint (cursor at the first field) and appends the event. */
export function parseTracepoint(sink: LineSink, c: Cursor, tail: Tail, ev: Tracepoint, name: string): boolean {
  const t = c.t;
  const store = sink.store;
  const shape = ev.shape;
  let dev = NO_DEVICE;
  let rwbs = 0;
  if (shape !== Shape.Plug && shape !== Shape.Unplug) {
    dev = readDevice(c);
    if (dev < 0) {
      sink.fail(`\`MAJ,MIN\` at the start of the ${name} fields`);
      return false;
    }
    if (shape === Shape.Buffer) return buffer(sink, c, ev, dev, name);
    c.skipSpaces();
    const r = c.token();
    if (r === c.p) {
      sink.fail(`the RWBS field of ${name}`);
      return false;
    }
    rwbs = sink.rwbs(r, c.p);
  }
  if (!tail.parse(c)) {
    sink.fail(`${tail.expected} (${name})`);
    return false;
  }
  if (tail.bracketStart < 0 && shape !== Shape.Remap) {
    sink.fail(`a bracketed ${shape === Shape.RqDone || shape === Shape.BioDone ? 'error code' : 'comm'} at the end of ${name}`);
    return false;
  }
  switch (shape) {
    case Shape.Rq:
    case Shape.RqDone:
    case Shape.Bio:
    case Shape.BioDone:
      if (!tail.hasSector || !tail.hasCount) {
        sink.fail(`\`SECTOR + NR\` in ${name}`);
        return false;
      }
      break;
    case Shape.Split:
      if (!tail.hasSector || !tail.hasNewSector) {
        sink.fail(`\`SECTOR / NEW_SECTOR\` in ${name}`);
        return false;
      }
      break;
    case Shape.Remap:
      if (!tail.hasSector || !tail.hasCount || !tail.hasRemap) {
        sink.fail(`\`SECTOR + NR <- (MAJ,MIN) OLD_SECTOR\` in ${name}`);
        return false;
      }
      break;
    case Shape.Unplug:
      if (!tail.hasAfter) {
        sink.fail(`\`[COMM] NR_RQ\` in ${name}`);
        return false;
      }
      break;
    default:
      break;
  }
  const done = shape === Shape.RqDone || shape === Shape.BioDone;
  let err = 0;
  if (done) {
    err = intIn(t, tail.bracketStart, tail.bracketEnd);
    if (Number.isNaN(err)) {
      sink.fail(`the error code \`[ERRNO]\` of ${name}`);
      return false;
    }
  }
  const hasComm = !done && tail.bracketStart >= 0;
  // block_split prints no count: the piece cut off is NEW - SECTOR, as the blk tracer's record carries it.
  const n = tail.hasCount ? tail.count : shape === Shape.Split && tail.newSector > tail.sector ? tail.newSector - tail.sector : 0;
  const i = sink.event(dev, ev.action, rwbs, tail.hasSector ? tail.sector : 0, n, hasComm ? tail.bracketStart : -1, hasComm ? tail.bracketEnd : -1);
  if (err !== 0) store.addExtra(i, ExtraKind.Error, err);
  if (shape === Shape.Unplug) store.addExtra(i, ExtraKind.UnplugDepth, tail.after);
  if (shape === Shape.Split) store.addExtra(i, ExtraKind.SplitTo, tail.newSector);
  if (shape === Shape.Remap) store.addExtra(i, ExtraKind.RemapFrom, tail.remapDev, tail.remapSector);
  if (tail.hasBytes && tail.bytes !== 0 && tail.bytes !== n * 512) store.addExtra(i, ExtraKind.Bytes, tail.bytes);
  if (tail.parenEnd > tail.parenStart) {
    const cmd = t.slice(tail.parenStart, tail.parenEnd).trim();
    if (cmd.length > 0) store.addExtra(i, ExtraKind.Pdu, store.strings.intern(cmd));
  }
  return true;
}

/**
 * `sector=BLOCKNR size=BYTES`: the buffer_head's block number counts in units of its own
 * size (b_blocknr, b_size), so it is converted to 512-byte sectors when the size allows.
 */
function buffer(sink: LineSink, c: Cursor, ev: Tracepoint, dev: number, name: string): boolean {
  c.skipSpaces();
  if (!c.t.startsWith('sector=', c.p)) {
    sink.fail(`\`sector=N size=N\` in ${name}`);
    return false;
  }
  c.p += 7;
  if (!c.uint()) {
    sink.fail(`a block number after \`sector=\` in ${name}`);
    return false;
  }
  const block = c.v;
  c.skipSpaces();
  if (!c.t.startsWith('size=', c.p)) {
    sink.fail(`\`size=N\` in ${name}`);
    return false;
  }
  c.p += 5;
  if (!c.uint()) {
    sink.fail(`a byte count after \`size=\` in ${name}`);
    return false;
  }
  const size = c.v;
  const perBlock = size >= 512 && size % 512 === 0 ? size / 512 : 0;
  const i = sink.event(dev, ev.action, 0, perBlock ? block * perBlock : block, Math.floor(size / 512), -1, -1);
  if (size % 512 !== 0) sink.store.addExtra(i, ExtraKind.Bytes, size);
  return true;
}
