/** Hand-filled stores for unit tests of engine/forensics (no parser involved). */
import { DATA_PRESENT, DATA_TRUNCATED, SyscallStore } from '../../parsers/model/syscalls';
import { BlockEventStore, ExtraKind, devKey } from '../../parsers/model/blockEvents';
import { Action } from '../../parsers/model/actions';
import type { ParsedSource } from '../../parsers/model/source';

export interface Call {
  name: string;
  offset: number;
  length: number;
  result?: number;
  data?: Uint8Array;
  /** Bytes shown when strace cut the string. */
  shown?: number;
  timeNs?: number;
  durationNs?: number;
  pid?: number;
  path?: string;
  direct?: boolean;
}

export function straceSource(calls: Call[], name = 'hand.strace'): ParsedSource {
  const st = new SyscallStore();
  calls.forEach((c, k) => {
    const row = st.pushRow(c.timeNs ?? NaN, c.pid ?? 100, st.strings.intern(c.name), k + 1);
    st.fd[row] = 3;
    st.path[row] = st.strings.intern(c.path ?? '/dev/loop0');
    st.offset[row] = c.offset;
    st.length_[row] = c.length;
    st.result[row] = c.result ?? c.length;
    st.durationNs[row] = c.durationNs ?? NaN;
    st.openFlags[row] = c.direct === false ? 0 : 0o40000;
    if (c.data) {
      const n = c.shown ?? c.data.length;
      st.dataStart[row] = st.data.append(c.data, 0, n);
      st.dataLen[row] = n;
      st.dataFlags[row] = DATA_PRESENT | (n < c.data.length ? DATA_TRUNCATED : 0);
    }
  });
  const timed = calls.every((c) => c.timeNs !== undefined);
  return {
    name, format: 'strace', evidence: 'hand', bytes: 0,
    clock: { kind: timed ? 'relative' : 'none', baseNs: '0' },
    syscalls: st, diagnostics: [], diagnosticsOmitted: 0,
  };
}

/** Block events as blkparse lines: [time, action letter, rwbs, sector, n, pid, extra?]. */
export type Ev = [number, string, string, number, number, number, number?];

const ACTIONS: Record<string, Action> = {
  Q: Action.Queue, M: Action.BackMerge, F: Action.FrontMerge, G: Action.GetRq, I: Action.Insert,
  D: Action.Issue, C: Action.Complete, X: Action.Split, R: Action.Requeue,
};

export function blockSource(events: Ev[], name = 'hand.blkparse'): ParsedSource {
  const b = new BlockEventStore();
  const dev = b.deviceIdx(devKey(7, 0));
  for (const [t, a, rwbs, sector, n, pid, extra] of events) {
    const i = b.push(t, dev, 0, 0, pid, 0, ACTIONS[a], b.rwbsIdx(rwbs), sector, n);
    if (a === 'X') b.addExtra(i, ExtraKind.SplitTo, extra!);
    if (a === 'C' && extra) b.addExtra(i, ExtraKind.Error, extra);
  }
  return {
    name, format: 'blkparse', evidence: 'hand', bytes: 0, clock: { kind: 'trace-raw', baseNs: '0' },
    block: b, diagnostics: [], diagnosticsOmitted: 0,
  };
}
