/**
 * Device I/O records extracted from a syscall store: one per read/write
 * syscall (vectored calls keep their iovecs as one buffer) and one per iocb
 * of io_submit. This is the unit that sector maps and correlation work on.
 */
import { DATA_PRESENT, DATA_TRUNCATED, SegKind, SyscallStore } from '../../parsers/model/syscalls';
import type { ParsedSource } from '../../parsers/model/source';

export type IoOp = 'read' | 'write';

export interface IoRecord {
  /** Index in the analysis' record list. */
  id: number;
  /** Source file name and index in the analysed sources. */
  source: string;
  sourceIndex: number;
  row: number;
  /** Iocb segment index, -1 for a plain syscall. */
  seg: number;
  op: IoOp;
  name: string;
  /** Device namespace: the fd's path, '' when the trace does not say. */
  device: string;
  /** Start time on the strace clock (ns relative to its base), NaN when untimed. */
  timeNs: number;
  durationNs: number;
  /** Ordering key within the analysis (time when timed, else row). */
  order: number;
  pid: number;
  fd: number;
  offset: number;
  length: number;
  /** Bytes transferred (-1 on error, NaN unknown). */
  result: number;
  errno: number;
  errName: string;
  line: number;
  direct: boolean;
  /** Returned (read) or written bytes, buffer-relative; null when the trace shows none. */
  data: Uint8Array | null;
  /** Buffer ranges [start, end) whose bytes the trace shows completely. */
  shown: Array<[number, number]>;
  /** The trace cut the data (strace -s). */
  truncated: boolean;
}

const READS = new Set(['read', 'pread64', 'pread', 'readv', 'preadv', 'preadv2', 'preadv64', 'preadv64v2']);
const WRITES = new Set(['write', 'pwrite64', 'pwrite', 'writev', 'pwritev', 'pwritev2', 'pwritev64', 'pwritev64v2']);
const O_DIRECT = 0o40000;

/* Character devices and pseudo files under /dev that are never disks. */
const NOT_DISKS = /^\/dev\/(null|zero|full|u?random|tty|pts\/|ptmx|console|kmsg|stdin|stdout|stderr|fd\/|shm\/|mqueue\/|net\/|snd\/|input\/|dri\/|cpu|mem$|port$)/;

/** True when a path can be a block device (or is unknown: the blog excerpt has no open()). */
export function isDiskPath(path: string): boolean {
  if (path === '') return true;
  return path.startsWith('/dev/') && !NOT_DISKS.test(path);
}

export function opOfName(name: string): IoOp | null {
  if (READS.has(name)) return 'read';
  if (WRITES.has(name)) return 'write';
  return null;
}

/** Extracts device I/O records of one strace source (appending to `out`). */
export function extractIo(src: ParsedSource, sourceIndex: number, out: IoRecord[]): void {
  const st = src.syscalls;
  if (!st) return;
  const timed = timedStore(st);
  // iocbs name their fd but the store keeps paths per row: remember each fd's last known path.
  const fdPath = new Map<number, string>();
  for (let row = 0; row < st.length; row++) {
    const name = st.nameOf(row);
    if (st.fd[row] >= 0 && st.path[row] !== 0) fdPath.set(st.fd[row], st.pathOf(row));
    if (name === 'io_submit') {
      extractIocbs(src, sourceIndex, st, row, timed, fdPath, out);
      continue;
    }
    const op = opOfName(name);
    if (!op) continue;
    const path = st.pathOf(row);
    if (!isDiskPath(path) || !Number.isFinite(st.offset[row])) continue;
    const rec = base(src, sourceIndex, st, row, -1, op, name, path, timed);
    rec.offset = st.offset[row];
    rec.length = st.length_[row];
    rec.result = st.result[row];
    fillData(st, row, rec);
    rec.id = out.length;
    out.push(rec);
  }
}

function timedStore(st: SyscallStore): boolean {
  for (let i = 0; i < st.length; i++) if (!Number.isFinite(st.timeNs[i])) return false;
  return st.length > 0;
}

function base(
  src: ParsedSource,
  sourceIndex: number,
  st: SyscallStore,
  row: number,
  seg: number,
  op: IoOp,
  name: string,
  path: string,
  timed: boolean,
): IoRecord {
  return {
    id: -1,
    source: src.name,
    sourceIndex,
    row,
    seg,
    op,
    name,
    device: path,
    timeNs: st.timeNs[row],
    durationNs: st.durationNs[row],
    order: timed ? st.timeNs[row] : row,
    pid: st.pid[row],
    fd: st.fd[row],
    offset: NaN,
    length: NaN,
    result: NaN,
    errno: st.errno[row],
    errName: st.strings.get(st.errName[row]),
    line: st.line[row],
    direct: (st.openFlags[row] & O_DIRECT) !== 0,
    data: null,
    shown: [],
    truncated: false,
  };
}

/** Row data, or the iovec segments' data laid end to end in one buffer. */
function fillData(st: SyscallStore, row: number, rec: IoRecord): void {
  const want = rec.op === 'read' ? Math.max(0, rec.result) : rec.length;
  if (st.dataFlags[row] & DATA_PRESENT) {
    const d = st.bytesOf(row);
    rec.data = d;
    rec.truncated = (st.dataFlags[row] & DATA_TRUNCATED) !== 0 || d.length < want;
    rec.shown = d.length > 0 ? [[0, Math.min(d.length, Number.isFinite(want) ? want : d.length)]] : [];
    return;
  }
  const [from, to] = st.segmentsOf(row);
  let any = false;
  for (let j = from; j < to; j++) if (st.segKind[j] === SegKind.Iovec && st.segDataFlags[j] & DATA_PRESENT) any = true;
  if (!any || !Number.isFinite(want)) return;
  const buf = new Uint8Array(want);
  let at = 0;
  let truncated = false;
  for (let j = from; j < to && at < want; j++) {
    if (st.segKind[j] !== SegKind.Iovec) continue;
    const len = Math.min(st.segLen[j], want - at);
    if (st.segDataFlags[j] & DATA_PRESENT) {
      const n = Math.min(st.segDataLen[j], len);
      buf.set(st.data.view(st.segDataStart[j], n), at);
      if (n > 0) rec.shown.push([at, at + n]);
      if (n < len || st.segDataFlags[j] & DATA_TRUNCATED) truncated = true;
    } else truncated = true;
    at += len;
  }
  rec.data = buf;
  rec.truncated = truncated || at < want;
}

/** IOCB_CMD_PREAD=0, PWRITE=1, PREADV=7, PWRITEV=8 (include/uapi/linux/aio_abi.h). */
function iocbOp(code: number): IoOp | null {
  if (code === 0 || code === 7) return 'read';
  if (code === 1 || code === 8) return 'write';
  return null;
}

function extractIocbs(
  src: ParsedSource,
  sourceIndex: number,
  st: SyscallStore,
  row: number,
  timed: boolean,
  fdPath: Map<number, string>,
  out: IoRecord[],
): void {
  const [from, to] = st.segmentsOf(row);
  for (let j = from; j < to; j++) {
    if (st.segKind[j] !== SegKind.Iocb) continue;
    const op = iocbOp(st.segOp[j]);
    if (!op || !Number.isFinite(st.segOffset[j])) continue;
    const path = fdPath.get(st.segFd[j]) ?? '';
    if (!isDiskPath(path)) continue;
    const rec = base(src, sourceIndex, st, row, j, op, op === 'read' ? 'io_submit(PREAD)' : 'io_submit(PWRITE)', path, timed);
    rec.fd = st.segFd[j];
    rec.offset = st.segOffset[j];
    rec.length = st.segLen[j];
    rec.result = Number.isFinite(st.segResult[j]) ? st.segResult[j] : NaN;
    rec.direct = true; // Linux native AIO only runs asynchronously with O_DIRECT.
    if (op === 'write' && st.segDataFlags[j] & DATA_PRESENT) {
      const n = st.segDataLen[j];
      rec.data = st.data.view(st.segDataStart[j], n);
      rec.shown = n > 0 ? [[0, Math.min(n, rec.length)]] : [];
      rec.truncated = (st.segDataFlags[j] & DATA_TRUNCATED) !== 0 || n < rec.length;
    }
    rec.id = out.length;
    out.push(rec);
  }
}

/**
 * One compacted store that lives as long as the module, for the reason given
 * at contentIndex.ts CLASS_ANCHOR_INDEX: extractIo's code stays optimised when
 * an analysis' stores die.
 */
export const CLASS_ANCHOR_STORE = new SyscallStore().compact();
