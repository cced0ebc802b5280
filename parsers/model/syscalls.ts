import { BytePool, grow, trim } from './columns';
import { StringTable } from './strings';

/** `dataFlags` bits for a syscall's or segment's bytes. */
export const DATA_PRESENT = 1;
/** strace cut the string at -s N (`"..."...`): bytes past dataLen are unknown. */
export const DATA_TRUNCATED = 2;
/** Bytes came from an `-e read=`/`-e write=` hex dump (complete). */
export const DATA_FROM_DUMP = 4;

/** Side-table segment kinds. */
export const enum SegKind {
  Iovec = 1, // one struct iovec of readv/preadv/writev/pwritev
  Iocb = 2, // one struct iocb of io_submit
  AioEvent = 3, // one struct io_event of io_getevents
}

/**
 * Columnar syscall store: one row per completed (or unfinished-then-resumed)
 * syscall. Device offsets are resolved by the parser's per-fd position
 * tracking (open/lseek/read/pread/dup/close), NaN when not knowable.
 */
export class SyscallStore {
  length = 0;
  /** ns relative to `timeBaseNs` of the source (NaN when the trace has no timestamps). */
  timeNs = new Float64Array(0);
  /** -T duration in ns, NaN when absent. */
  durationNs = new Float64Array(0);
  pid = new Uint32Array(0);
  /** Index into `strings`: syscall name as printed (pread64, _llseek, ...). */
  name = new Uint32Array(0);
  fd = new Int32Array(0);
  /** Index into `strings`: resolved path of fd (from -y/-yy or the tracked open), 0 when unknown. */
  path = new Uint32Array(0);
  /** Absolute offset on the file or device the I/O starts at; NaN when unknown. */
  offset = new Float64Array(0);
  /** Requested byte count (sum of iovecs for vectored I/O); NaN when not an I/O. */
  length_ = new Float64Array(0);
  /** Return value as printed (-1 on error); NaN when unfinished forever or `?`. */
  result = new Float64Array(0);
  /** Positive errno number, 0 when the call succeeded. */
  errno = new Uint16Array(0);
  /** Index into `strings` of the errno name (EINVAL). */
  errName = new Uint32Array(0);
  /** open flags of the fd at the time of the call (O_DIRECT = 0o40000 on x86). */
  openFlags = new Uint32Array(0);
  /** User-buffer address when the trace shows it (-e raw=, iocb, iovec); NaN otherwise. */
  bufAddr = new Float64Array(0);
  /** Start of returned/written bytes in `data`. */
  dataStart = new Float64Array(0);
  dataLen = new Uint32Array(0);
  dataFlags = new Uint8Array(0);
  /** 1-based line of the (first) source line of this syscall. */
  line = new Uint32Array(0);

  readonly strings = new StringTable();
  readonly data = new BytePool();

  // Sparse segments (iovecs, iocbs, aio events), sorted by syscall row.
  segCount = 0;
  segRow = new Uint32Array(0);
  segKind = new Uint8Array(0);
  /** For iocbs: 0 = PREAD, 1 = PWRITE, 7 = PREADV, 8 = PWRITEV (IOCB_CMD_*); -1 otherwise. */
  segOp = new Int8Array(0);
  segFd = new Int32Array(0);
  segBuf = new Float64Array(0);
  segLen = new Float64Array(0);
  segOffset = new Float64Array(0);
  /** For aio events: res; for iocbs: matched completion res; NaN when unknown. */
  segResult = new Float64Array(0);
  /** For iocbs and aio events: the iocb pointer (pairs submit with completion); NaN otherwise. */
  segKey = new Float64Array(0);
  segDataStart = new Float64Array(0);
  segDataLen = new Uint32Array(0);
  segDataFlags = new Uint8Array(0);

  private ensure(n: number): void {
    if (n <= this.timeNs.length) return;
    this.timeNs = grow(Float64Array, this.timeNs, n);
    this.durationNs = grow(Float64Array, this.durationNs, n);
    this.pid = grow(Uint32Array, this.pid, n);
    this.name = grow(Uint32Array, this.name, n);
    this.fd = grow(Int32Array, this.fd, n);
    this.path = grow(Uint32Array, this.path, n);
    this.offset = grow(Float64Array, this.offset, n);
    this.length_ = grow(Float64Array, this.length_, n);
    this.result = grow(Float64Array, this.result, n);
    this.errno = grow(Uint16Array, this.errno, n);
    this.errName = grow(Uint32Array, this.errName, n);
    this.openFlags = grow(Uint32Array, this.openFlags, n);
    this.bufAddr = grow(Float64Array, this.bufAddr, n);
    this.dataStart = grow(Float64Array, this.dataStart, n);
    this.dataLen = grow(Uint32Array, this.dataLen, n);
    this.dataFlags = grow(Uint8Array, this.dataFlags, n);
    this.line = grow(Uint32Array, this.line, n);
  }

  /** Appends a row with everything unknown; the caller fills columns at the returned index. */
  pushRow(timeNs: number, pid: number, nameIndex: number, line: number): number {
    const i = this.length;
    if (i >= this.timeNs.length) this.ensure(i + 1);
    this.timeNs[i] = timeNs;
    this.durationNs[i] = NaN;
    this.pid[i] = pid;
    this.name[i] = nameIndex;
    this.fd[i] = -1;
    this.path[i] = 0;
    this.offset[i] = NaN;
    this.length_[i] = NaN;
    this.result[i] = NaN;
    this.errno[i] = 0;
    this.errName[i] = 0;
    this.openFlags[i] = 0;
    this.bufAddr[i] = NaN;
    this.dataStart[i] = 0;
    this.dataLen[i] = 0;
    this.dataFlags[i] = 0;
    this.line[i] = line;
    this.length = i + 1;
    return i;
  }

  /** Appends a segment of row `row`; returns its index (rows must be nondecreasing). */
  pushSegment(row: number, kind: SegKind, fd: number, op: number, buf: number, len: number, offset: number): number {
    const j = this.segCount;
    if (j >= this.segRow.length) {
      const n = j + 1;
      this.segRow = grow(Uint32Array, this.segRow, n);
      this.segKind = grow(Uint8Array, this.segKind, n);
      this.segOp = grow(Int8Array, this.segOp, n);
      this.segFd = grow(Int32Array, this.segFd, n);
      this.segBuf = grow(Float64Array, this.segBuf, n);
      this.segLen = grow(Float64Array, this.segLen, n);
      this.segOffset = grow(Float64Array, this.segOffset, n);
      this.segResult = grow(Float64Array, this.segResult, n);
      this.segKey = grow(Float64Array, this.segKey, n);
      this.segDataStart = grow(Float64Array, this.segDataStart, n);
      this.segDataLen = grow(Uint32Array, this.segDataLen, n);
      this.segDataFlags = grow(Uint8Array, this.segDataFlags, n);
    }
    this.segRow[j] = row;
    this.segKind[j] = kind;
    this.segOp[j] = op;
    this.segFd[j] = fd;
    this.segBuf[j] = buf;
    this.segLen[j] = len;
    this.segOffset[j] = offset;
    this.segResult[j] = NaN;
    this.segKey[j] = NaN;
    this.segDataStart[j] = 0;
    this.segDataLen[j] = 0;
    this.segDataFlags[j] = 0;
    this.segCount = j + 1;
    return j;
  }

  nameOf(row: number): string {
    return this.strings.get(this.name[row]);
  }

  pathOf(row: number): string {
    return this.strings.get(this.path[row]);
  }

  /** The returned (read) or written bytes of a row, as shown in the trace. */
  bytesOf(row: number): Uint8Array {
    return this.data.view(this.dataStart[row], this.dataLen[row]);
  }

  /** Segment index range [from, to) of a row. */
  segmentsOf(row: number): [number, number] {
    let lo = 0;
    let hi = this.segCount;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.segRow[mid] < row) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < this.segCount && this.segRow[end] === row) end++;
    return [lo, end];
  }

  compact(): this {
    const n = this.length;
    this.timeNs = trim(this.timeNs, n);
    this.durationNs = trim(this.durationNs, n);
    this.pid = trim(this.pid, n);
    this.name = trim(this.name, n);
    this.fd = trim(this.fd, n);
    this.path = trim(this.path, n);
    this.offset = trim(this.offset, n);
    this.length_ = trim(this.length_, n);
    this.result = trim(this.result, n);
    this.errno = trim(this.errno, n);
    this.errName = trim(this.errName, n);
    this.openFlags = trim(this.openFlags, n);
    this.bufAddr = trim(this.bufAddr, n);
    this.dataStart = trim(this.dataStart, n);
    this.dataLen = trim(this.dataLen, n);
    this.dataFlags = trim(this.dataFlags, n);
    this.line = trim(this.line, n);
    const m = this.segCount;
    this.segRow = trim(this.segRow, m);
    this.segKind = trim(this.segKind, m);
    this.segOp = trim(this.segOp, m);
    this.segFd = trim(this.segFd, m);
    this.segBuf = trim(this.segBuf, m);
    this.segLen = trim(this.segLen, m);
    this.segOffset = trim(this.segOffset, m);
    this.segResult = trim(this.segResult, m);
    this.segKey = trim(this.segKey, m);
    this.segDataStart = trim(this.segDataStart, m);
    this.segDataLen = trim(this.segDataLen, m);
    this.segDataFlags = trim(this.segDataFlags, m);
    this.data.compact();
    return this;
  }
}
