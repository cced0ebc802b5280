/**
 * Payload of the ftrace `blk` tracer (trace-formats.md §4.2). After the
 * ftrace prefix, kernel/trace/blktrace.c blk_log_action prints
 * `%3d,%-3d %2s %3s ` (device, action, RWBS), then the action's printer:
 *
 *   Q M F G S D I B  blk_log_generic     SECTOR + NR [COMM] | [COMM] | BYTES (PDU) [COMM]
 *   C R              blk_log_with_error  SECTOR + NR [ERR] | SECTOR [ERR] | (PDU) [ERR]
 *   P                blk_log_plug        [COMM]
 *   U UT             blk_log_unplug      [COMM] DEPTH
 *   X                blk_log_split       SECTOR / NEW_SECTOR [COMM]
 *   A                blk_log_remap       SECTOR + NR <- (MAJ,MIN) FROM
 *   m                blk_log_msg         message text (rwbs `N`)
 *
 * ERR is `t_error()`, the u16 the binary record carries (65514 = -EINVAL),
 * exactly as blkparse prints it. The `verbose` option prints long names
 * (`queue`, `unplug_io`...); `blk_cgroup` inserts `LOW32,HIGH32` (hex) or a
 * cgroup path after the device.
 */
import { Action, actionFromLetterCodes } from './model/actions';
import { ExtraKind } from './model/blockEvents';
import { Cursor, trimEnd, trimStart } from './ftraceScan';
import type { LineSink } from './ftraceSink';
import { intIn, Tail } from './ftraceTail';

const VERBOSE: ReadonlyMap<string, Action> = new Map([
  ['queue', Action.Queue],
  ['backmerge', Action.BackMerge],
  ['frontmerge', Action.FrontMerge],
  ['getrq', Action.GetRq],
  ['sleeprq', Action.SleepRq],
  ['requeue', Action.Requeue],
  ['issue', Action.Issue],
  ['complete', Action.Complete],
  ['plug', Action.Plug],
  ['unplug_io', Action.UnplugIo],
  ['unplug_timer', Action.UnplugTimer],
  ['insert', Action.Insert],
  ['split', Action.Split],
  ['bounce', Action.Bounce],
  ['remap', Action.Remap],
  ['message', Action.Message],
]);

/** Action of the blk tracer's action column [s, e), or -1. */
export function blkAction(t: string, s: number, e: number): number {
  const n = e - s;
  if (n === 1 || n === 2) {
    const a = actionFromLetterCodes(t.charCodeAt(s), n === 2 ? t.charCodeAt(s + 1) : -1);
    return a === Action.Unknown ? -1 : a;
  }
  if (n < 4 || n > 12) return -1;
  return VERBOSE.get(t.slice(s, e)) ?? -1;
}

/** Converts blktrace's u16 error field to a signed errno (65514 → -22). */
export function errnoFromU16(v: number): number {
  return v >= 32768 && v < 65536 ? v - 65536 : v;
}

/**
 * Parses `ACT RWBS TAIL` (the cursor is just after `MAJ,MIN`) and appends the event.
 * Returns false when the line was reported as malformed.
 */
export function parseBlkAfterDevice(sink: LineSink, c: Cursor, tail: Tail, dev: number): boolean {
  const t = c.t;
  c.skipSpaces();
  let a = c.token();
  let action = blkAction(t, a, c.p);
  let cgStart = -1;
  let cgEnd = -1;
  if (action < 0 && looksLikeCgroup(t, a, c.p)) {
    // blk_cgroup / blk_cgname: one extra column before the action.
    cgStart = a;
    cgEnd = c.p;
    c.skipSpaces();
    a = c.token();
    action = blkAction(t, a, c.p);
  }
  if (action < 0) {
    sink.fail('a blk action (Q, M, F, G, S, R, D, C, P, U, UT, I, X, B, A or m) after MAJ,MIN');
    return false;
  }
  c.skipSpaces();
  const r = c.token();
  if (r === c.p) {
    sink.fail('the RWBS column after the action');
    return false;
  }
  const rwbs = sink.rwbs(r, c.p);
  const store = sink.store;

  if (action === Action.Message) {
    const ms = trimStart(t, c.p, c.e);
    const me = trimEnd(t, ms, c.e);
    const i = sink.event(dev, Action.Message, rwbs, 0, 0, -1, -1);
    store.addExtra(i, ExtraKind.Message, store.strings.intern(t.slice(ms, me)));
    addCgroup(sink, i, t, cgStart, cgEnd);
    return true;
  }

  if (!tail.parse(c)) {
    sink.fail(`${tail.expected} (blk tracer payload)`);
    return false;
  }
  if (action === Action.Remap) {
    if (!tail.hasSector || !tail.hasRemap) {
      sink.fail('`SECTOR + NR <- (MAJ,MIN) FROM` (blk tracer remap)');
      return false;
    }
  } else if (tail.bracketStart < 0) {
    sink.fail('a bracketed comm or error code at the end of the blk tracer payload');
    return false;
  }
  const withError = action === Action.Complete || action === Action.Requeue;
  let err = 0;
  if (withError) {
    err = intIn(t, tail.bracketStart, tail.bracketEnd);
    if (Number.isNaN(err)) {
      sink.fail('the error code `[N]` of a C/R line');
      return false;
    }
    err = errnoFromU16(err);
  }
  const unplug = action === Action.UnplugIo || action === Action.UnplugTimer;
  if (unplug && !tail.hasAfter) {
    sink.fail('`[COMM] DEPTH` (blk tracer unplug)');
    return false;
  }
  if (action === Action.Split && (!tail.hasSector || !tail.hasNewSector)) {
    sink.fail('`SECTOR / NEW_SECTOR [COMM]` (blk tracer split)');
    return false;
  }

  const commS = withError || action === Action.Remap ? -1 : tail.bracketStart;
  const commE = withError || action === Action.Remap ? -1 : tail.bracketEnd;
  // A split's count is the piece cut off (NEW - SECTOR), as the binary record carries it.
  const count = tail.hasCount ? tail.count : action === Action.Split && tail.newSector > tail.sector ? tail.newSector - tail.sector : 0;
  const i = sink.event(dev, action, rwbs, tail.hasSector ? tail.sector : 0, count, commS, commE);
  if (err !== 0) store.addExtra(i, ExtraKind.Error, err);
  if (unplug) store.addExtra(i, ExtraKind.UnplugDepth, tail.after);
  if (action === Action.Split) store.addExtra(i, ExtraKind.SplitTo, tail.newSector);
  if (action === Action.Remap) store.addExtra(i, ExtraKind.RemapFrom, tail.remapDev, tail.remapSector);
  if (tail.hasBytes && tail.bytes !== 0) store.addExtra(i, ExtraKind.Bytes, tail.bytes);
  if (tail.parenEnd > tail.parenStart) {
    store.addExtra(i, ExtraKind.Pdu, store.strings.intern(t.slice(tail.parenStart, tail.parenEnd).trim()));
  }
  addCgroup(sink, i, t, cgStart, cgEnd);
  return true;
}

/** The cgroup column: `%llx,%-llx` (blk_cgroup) or a cgroup path / `<...>` (blk_cgname). */
function looksLikeCgroup(t: string, s: number, e: number): boolean {
  const c0 = t.charCodeAt(s);
  return c0 === 47 || c0 === 60 || t.indexOf(',', s) < e - 1 && t.indexOf(',', s) > s;
}

/** `LOW32,HIGH32` in hex (blk_cgroup) → Cgroup extra; a cgroup path (blk_cgname) is not numeric and is dropped. */
function addCgroup(sink: LineSink, i: number, t: string, s: number, e: number): void {
  if (s < 0) return;
  const comma = t.indexOf(',', s);
  if (comma <= s || comma >= e - 1) return;
  const lo = hexIn(t, s, comma);
  const hi = hexIn(t, comma + 1, e);
  if (Number.isNaN(lo) || Number.isNaN(hi)) return;
  sink.store.addExtra(i, ExtraKind.Cgroup, lo, hi);
}

function hexIn(t: string, s: number, e: number): number {
  if (s >= e || e - s > 16) return NaN;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i) | 32;
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else return NaN;
    v = v * 16 + d;
  }
  return v;
}
