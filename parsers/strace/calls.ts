/**
 * Turns one complete syscall text `NAME(ARGS) = RESULT` into a SyscallStore
 * row: file descriptor, resolved path, device offset (per-fd position
 * tracking), requested length, buffer address, returned/written bytes,
 * iovec / iocb / io_event segments.
 *
 * Argument layouts follow strace's decoders on x86-64: src/io.c (read,
 * pread64, readv, preadv2, write...), src/aio.c (io_submit, io_getevents),
 * src/open.c, src/desc.c and src/fcntl.c (dup*, fcntl), src/block.c (BLK*
 * ioctls), src/lseek.c.
 */
import { findIn, findLastIn } from './scan';
import { own } from './own';
import { DATA_PRESENT, DATA_TRUNCATED, SegKind, type SyscallStore } from '../model/syscalls';
import { BytePool } from '../model/columns';
import { fieldIndex, ItemList, num, parseNumber, parseWholeNumber, scanList, skipDecoration } from './args';
import { decoded, decodeInto, decodeMappedInto, decodePath, DecodeStatus } from './cstring';
import { AioTracker } from './aio';
import { FdTables, type OpenFile } from './fdTable';
import { O_APPEND, O_CREAT, O_DIRECT, O_TRUNC, O_WRONLY, parseOpenFlags } from './flags';
import { findCloseFromRight, parseReturn, ret } from './result';

const enum Kind {
  Other,
  Read, // read(fd, buf, count)
  Pread, // pread64(fd, buf, count, offset)
  Write,
  Pwrite,
  Readv, // readv(fd, iov, iovcnt)
  Preadv, // preadv(fd, iov, iovcnt, offset) / preadv2(..., flags)
  Writev,
  Pwritev,
  Lseek,
  Llseek,
  Open, // open(path, flags, mode)
  Openat, // openat(dirfd, path, flags, mode)
  Openat2, // openat2(dirfd, path, {flags=...}, size)
  Creat,
  Close,
  CloseRange,
  Dup,
  Dup2,
  Dup3,
  Fcntl,
  Ioctl,
  Ftruncate,
  FdOnly, // fsync, fdatasync, fstat, ... : only the fd and its path
  RangeOp, // sync_file_range(fd, off, n, ...), fadvise64(fd, off, len, ...), readahead(fd, off, n)
  Fallocate, // fallocate(fd, mode, off, len)
  IoSubmit,
  IoGetevents,
  IoDestroy,
  Clone,
  Fork,
  Exec,
}

const KINDS = new Map<string, Kind>([
  ['read', Kind.Read],
  ['pread64', Kind.Pread],
  ['pread', Kind.Pread],
  ['write', Kind.Write],
  ['pwrite64', Kind.Pwrite],
  ['pwrite', Kind.Pwrite],
  ['readv', Kind.Readv],
  ['preadv', Kind.Preadv],
  ['preadv2', Kind.Preadv],
  ['writev', Kind.Writev],
  ['pwritev', Kind.Pwritev],
  ['pwritev2', Kind.Pwritev],
  ['lseek', Kind.Lseek],
  ['_llseek', Kind.Llseek],
  ['open', Kind.Open],
  ['openat', Kind.Openat],
  ['openat2', Kind.Openat2],
  ['creat', Kind.Creat],
  ['close', Kind.Close],
  ['close_range', Kind.CloseRange],
  ['dup', Kind.Dup],
  ['dup2', Kind.Dup2],
  ['dup3', Kind.Dup3],
  ['fcntl', Kind.Fcntl],
  ['fcntl64', Kind.Fcntl],
  ['ioctl', Kind.Ioctl],
  ['ftruncate', Kind.Ftruncate],
  ['ftruncate64', Kind.Ftruncate],
  ['fsync', Kind.FdOnly],
  ['fdatasync', Kind.FdOnly],
  ['syncfs', Kind.FdOnly],
  ['fstat', Kind.FdOnly],
  ['fstat64', Kind.FdOnly],
  ['fstatfs', Kind.FdOnly],
  ['flock', Kind.FdOnly],
  ['getdents', Kind.FdOnly],
  ['getdents64', Kind.FdOnly],
  ['sync_file_range', Kind.RangeOp],
  ['fadvise64', Kind.RangeOp],
  ['fadvise64_64', Kind.RangeOp],
  ['readahead', Kind.RangeOp],
  ['fallocate', Kind.Fallocate],
  ['io_submit', Kind.IoSubmit],
  ['io_getevents', Kind.IoGetevents],
  ['io_pgetevents', Kind.IoGetevents],
  ['io_destroy', Kind.IoDestroy],
  ['clone', Kind.Clone],
  ['clone3', Kind.Clone],
  ['fork', Kind.Fork],
  ['vfork', Kind.Fork],
  ['execve', Kind.Exec],
  ['execveat', Kind.Exec],
]);

/** IOCB_CMD_* (linux include/uapi/linux/aio_abi.h); old strace printed bare words. */
const IOCB_OPS = new Map<string, number>([
  ['IOCB_CMD_PREAD', 0],
  ['IOCB_CMD_PWRITE', 1],
  ['IOCB_CMD_FSYNC', 2],
  ['IOCB_CMD_FDSYNC', 3],
  ['IOCB_CMD_POLL', 5],
  ['IOCB_CMD_NOOP', 6],
  ['IOCB_CMD_PREADV', 7],
  ['IOCB_CMD_PWRITEV', 8],
  ['pread', 0],
  ['pwrite', 1],
  ['fsync', 2],
  ['fdsync', 3],
  ['poll', 5],
  ['noop', 6],
  ['preadv', 7],
  ['pwritev', 8],
]);

/** fcntl F_SETFL can change only these status flags (fs/fcntl.c SETFL_MASK). */
const SETFL_MASK = O_APPEND | 0o20000 | O_DIRECT | 0o1000000 | 0o4000;

export const enum Decode {
  /** A row was stored. */
  Row = 0,
  /** `NAME(` was found but no `) = RESULT`: the line may continue on the next one. */
  Incomplete = -1,
  /** Not a syscall at all. */
  NotACall = -2,
}

export interface CallSink {
  warn(line: number, message: string): void;
  error(line: number, message: string): void;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export class CallDecoder {
  readonly fds = new FdTables();
  readonly aio = new AioTracker();
  /** Row of the last stored syscall (dump lines attach to it). */
  lastRow = -1;
  private readonly lists = [new ItemList(), new ItemList(), new ItemList(), new ItemList(), new ItemList()];
  private readonly scratch = new BytePool();
  private readonly decoCache = new Map<string, string>();
  private readonly nameCache = new Map<string, number>();
  // Per-call context.
  private s = '';
  private line = 0;
  private pid = 0;
  /** Bytes behind `s` (s[i] is raw[rawBase + i]) for the current call, or null. */
  private raw: Uint8Array | null = null;
  private rawBase = 0;
  private nextRaw: Uint8Array | null = null;
  private nextRawBase = 0;

  constructor(
    readonly store: SyscallStore,
    private readonly sink: CallSink,
  ) {}

  /**
   * Declares that the text of the next decode() call is the bytes
   * raw[base + i] one to one (ByteLineSplitter.raw), so that string
   * arguments are decoded from the bytes. Applies to that call only.
   */
  mapBytes(raw: Uint8Array | null, base: number): void {
    this.nextRaw = raw;
    this.nextRawBase = base;
  }

  /**
   * Decodes the syscall text in s[from, end) (the line without its leader and
   * -T duration). Returns Decode.Row, Incomplete or NotACall. With
   * `argsKnown` false (a resumed line whose start was never seen) only the
   * name and the result are stored.
   */
  decode(
    s: string,
    from: number,
    end: number,
    pid: number,
    timeNs: number,
    durNs: number,
    line: number,
    argsKnown = true,
  ): Decode {
    this.raw = this.nextRaw;
    this.rawBase = this.nextRawBase;
    this.nextRaw = null;
    let p = from;
    while (p < end && isWordChar(s.charCodeAt(p))) p++;
    if (p === from || p >= end || s.charCodeAt(p) !== 40) return Decode.NotACall;
    const c0 = s.charCodeAt(from);
    if (c0 >= 48 && c0 <= 57) return Decode.NotACall;
    const name = s.slice(from, p);
    const args = this.lists[0];
    const argsFrom = p + 1;
    let close = scanList(s, argsFrom, end, args);
    let at = -1;
    let interleaved = false;
    if (close >= 0) {
      let j = close + 1;
      while (j < end && s.charCodeAt(j) === 32) j++;
      if (s.charCodeAt(j) === 61 && s.charCodeAt(j + 1) === 32) at = j + 2;
      else if (s.charCodeAt(j) === 61 && j + 1 === end) at = end;
    }
    if (at < 0) {
      close = findCloseFromRight(s, argsFrom, end);
      if (close < 0) return Decode.Incomplete;
      interleaved = true;
      scanList(s, argsFrom, close, args);
      let j = close + 1;
      while (j < end && s.charCodeAt(j) === 32) j++;
      at = j + 2;
    }
    this.s = s;
    this.line = line;
    this.pid = pid;
    parseReturn(s, at, end);
    const st = this.store;
    const row = st.pushRow(timeNs, pid, this.intern(name), line);
    st.durationNs[row] = durNs;
    st.result[row] = ret.value;
    st.errno[row] = ret.errno;
    if (ret.errName) st.errName[row] = this.intern(ret.errName);
    if (Number.isNaN(ret.value) && s.charCodeAt(at) !== 63) {
      this.sink.warn(line, `${name}: unreadable return value \`${s.slice(at, Math.min(end, at + 24))}\` (expected a number, \`?\` or \`-1 ERRNO (text)\`)`);
    }
    this.lastRow = row;
    const kind = argsKnown ? (KINDS.get(name) ?? Kind.Other) : Kind.Other;
    if (argsKnown) this.dispatch(kind, row, args, interleaved);
    if (interleaved) {
      this.sink.warn(line, `${name}: output of the traced program is mixed into the strace line; arguments read around it`);
    }
    return Decode.Row;
  }

  private dispatch(kind: Kind, row: number, args: ItemList, interleaved: boolean): void {
    switch (kind) {
      case Kind.Read:
      case Kind.Write:
      case Kind.Pread:
      case Kind.Pwrite:
        this.plainIo(kind, row, args, interleaved);
        return;
      case Kind.Readv:
      case Kind.Writev:
      case Kind.Preadv:
      case Kind.Pwritev:
        this.vectorIo(kind, row, args);
        return;
      case Kind.Lseek:
      case Kind.Llseek:
        this.seek(kind, row, args);
        return;
      case Kind.Open:
      case Kind.Openat:
      case Kind.Openat2:
      case Kind.Creat:
        this.open(kind, row, args);
        return;
      case Kind.Close: {
        this.fdColumns(row, args, 0);
        const fd = this.store.fd[row];
        if (fd >= 0) this.fds.close(this.pid, fd);
        return;
      }
      case Kind.CloseRange:
        this.closeRange(row, args);
        return;
      case Kind.Dup:
      case Kind.Dup2:
      case Kind.Dup3:
        this.dup(kind, row, args);
        return;
      case Kind.Fcntl:
        this.fcntl(row, args);
        return;
      case Kind.Ioctl:
        this.ioctl(row, args);
        return;
      case Kind.Ftruncate: {
        const f = this.fdColumns(row, args, 0);
        const len = this.argNumber(args, 1);
        if (f && this.store.result[row] === 0 && len >= 0) f.size = len;
        return;
      }
      case Kind.FdOnly:
        this.fdColumns(row, args, 0);
        return;
      case Kind.RangeOp:
        this.fdColumns(row, args, 0);
        this.store.offset[row] = this.argNumber(args, 1);
        this.store.length_[row] = this.argNumber(args, 2);
        return;
      case Kind.Fallocate:
        this.fdColumns(row, args, 0);
        this.store.offset[row] = this.argNumber(args, 2);
        this.store.length_[row] = this.argNumber(args, 3);
        return;
      case Kind.IoSubmit:
        this.ioSubmit(row, args);
        return;
      case Kind.IoGetevents:
        this.ioGetevents(row, args);
        return;
      case Kind.IoDestroy: {
        const lost = args.count > 0 ? this.aio.destroy(own(this.argText(args, 0))) : 0;
        if (lost > 0) this.sink.warn(this.line, `io_destroy: ${lost} submitted iocb(s) never completed`);
        return;
      }
      case Kind.Clone: {
        const child = this.store.result[row];
        if (child > 0) {
          const a = args.count > 0 ? args.starts[0] : 0;
          const b = args.count > 0 ? args.ends[args.count - 1] : 0;
          const text = this.s.slice(a, b);
          this.fds.fork(this.pid, child, text.includes('CLONE_FILES'));
        }
        return;
      }
      case Kind.Fork: {
        const child = this.store.result[row];
        if (child > 0) this.fds.fork(this.pid, child, false);
        return;
      }
      case Kind.Exec:
        if (this.store.result[row] === 0) this.fds.exec(this.pid);
        return;
      default:
        this.genericFd(row, args);
    }
  }

  // ---- argument helpers ---------------------------------------------------

  /** String-table index of a name or errno (a slice of the line: copied when first seen). */
  private intern(name: string): number {
    let i = this.nameCache.get(name);
    if (i === undefined) {
      const key = own(name);
      i = this.store.strings.intern(key);
      this.nameCache.set(key, i);
    }
    return i;
  }

  private argText(args: ItemList, k: number): string {
    return this.s.slice(args.starts[k], args.ends[k]);
  }

  private argNumber(args: ItemList, k: number): number {
    if (k >= args.count) return NaN;
    return parseWholeNumber(this.s, args.starts[k], args.ends[k]);
  }

  /** Path string of an `N<path>` / `AT_FDCWD<path>` decoration whose `<` is at s[lt]. */
  private decoration(lt: number, gt: number): string {
    const s = this.s;
    let to = gt; // index of the closing '>'
    // -yy appends device or socket details in a nested `<...>`: `/dev/sda<block 8:0>`.
    if (s.charCodeAt(to - 1) === 62) {
      const inner = findLastIn(s, '<', lt + 1, to - 1);
      if (inner > lt) to = inner;
    }
    const raw = s.slice(lt + 1, to);
    let path = this.decoCache.get(raw);
    if (path === undefined) {
      const key = own(raw);
      path = key.includes('\\') ? decodePath(key, 0, key.length, this.scratch, false) : key;
      if (this.decoCache.size > 4096) this.decoCache.clear();
      this.decoCache.set(key, path);
    }
    return path;
  }

  /** Decoration text of item k (after its number or name), or null. */
  private itemDecoration(from: number, to: number): string | null {
    const lt = findIn(this.s, '<', from, to);
    if (lt < 0) return null;
    const end = skipDecoration(this.s, lt, to);
    if (end < 0) return null;
    return this.decoration(lt, end - 1);
  }

  /**
   * Fills fd, path and openFlags of a row from the fd argument k and returns
   * the open file description (created with unknown position if never opened).
   */
  private fdColumns(row: number, args: ItemList, k: number): OpenFile | null {
    if (k >= args.count) return null;
    const s = this.s;
    const a = args.starts[k];
    const b = args.ends[k];
    const fd = parseNumber(s, a, b);
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) return null;
    const after = num.end;
    const st = this.store;
    st.fd[row] = fd;
    const file = this.fds.ensure(this.pid, fd);
    if (after < b && s.charCodeAt(after) === 60) {
      const path = this.itemDecoration(after, b);
      if (path !== null) {
        const idx = st.strings.intern(path);
        if (file.path !== idx) file.path = idx;
      }
    }
    st.path[row] = file.path;
    st.openFlags[row] = file.flags;
    return file;
  }

  /** For syscalls without a specific decoder: fd and path when the first argument is a decorated fd. */
  private genericFd(row: number, args: ItemList): void {
    if (args.count === 0) return;
    const s = this.s;
    const a = args.starts[0];
    const v = parseNumber(s, a, args.ends[0]);
    if (Number.isInteger(v) && v >= 0 && s.charCodeAt(num.end) === 60) this.fdColumns(row, args, 0);
  }

  /**
   * Decodes the string literal of item k into the data pool and sets the row's
   * data columns; or, when the item is a pointer, the buffer address.
   */
  private rowData(row: number, args: ItemList, k: number): void {
    if (k >= args.count) return;
    const s = this.s;
    const a = args.starts[k];
    const st = this.store;
    if (s.charCodeAt(a) === 34) {
      const at = st.data.length;
      const n = this.decodeString(a, args.ends[k]);
      st.dataStart[row] = at;
      st.dataLen[row] = n;
      st.dataFlags[row] = DATA_PRESENT | (this.lastTruncated ? DATA_TRUNCATED : 0);
    } else {
      const v = parseWholeNumber(s, a, args.ends[k]);
      if (Number.isFinite(v)) st.bufAddr[row] = v;
    }
  }

  private lastTruncated = false;

  /** Decodes the literal at s[a] (item ends at b) into the data pool; sets lastTruncated. */
  private decodeString(a: number, b: number): number {
    const s = this.s;
    const pool = this.store.data;
    const raw = this.raw;
    const n = raw ? decodeMappedInto(raw, this.rawBase, s, a, b, pool, true) : decodeInto(s, a, b, pool, true);
    if (decoded.status !== DecodeStatus.Ok) {
      this.lastTruncated = true;
      this.sink.error(
        this.line,
        decoded.status === DecodeStatus.Unterminated
          ? 'string argument has no closing quote'
          : `invalid escape \`${s.slice(decoded.errorAt, decoded.errorAt + 4)}\` in string (expected \\xHH, octal or \\n \\t \\r \\f \\v \\\\ \\")`,
      );
      return n;
    }
    this.lastTruncated = s.startsWith('...', decoded.next);
    return n;
  }

  // ---- I/O ------------------------------------------------------------------

  private plainIo(kind: Kind, row: number, args: ItemList, interleaved: boolean): void {
    const st = this.store;
    const file = this.fdColumns(row, args, 0);
    const isWrite = kind === Kind.Write || kind === Kind.Pwrite;
    const positional = kind === Kind.Pread || kind === Kind.Pwrite;
    const res = st.result[row];
    // Read-type calls print the buffer only on success (src/io.c decode_readv / printstrn).
    if (isWrite || res >= 0) this.rowData(row, args, 1);
    else if (args.count > 1) {
      const v = parseWholeNumber(this.s, args.starts[1], args.ends[1]);
      if (Number.isFinite(v)) st.bufAddr[row] = v;
    }
    let count = this.argNumber(args, 2);
    if (Number.isNaN(count) && args.count > 2) count = this.recoverCount(row, args, 2, interleaved);
    st.length_[row] = count;
    if (!isWrite && res >= 0 && (st.dataFlags[row] & DATA_TRUNCATED) === 0 && st.dataFlags[row] !== 0 && st.dataLen[row] !== res) {
      this.sink.warn(this.line, `${st.nameOf(row)} returned ${res} bytes but its string holds ${st.dataLen[row]}`);
    }
    const offset = positional ? this.argNumber(args, 3) : NaN;
    this.position(row, file, positional, offset, isWrite);
  }

  /**
   * The count argument of a write whose line the tracee's own output broke
   * (`write(2, "0x", 20x)  = 2`): the printed count is followed by the bytes
   * written. When the string was shown whole, its length is the count.
   */
  private recoverCount(row: number, args: ItemList, k: number, interleaved: boolean): number {
    const s = this.s;
    const a = args.starts[k];
    const lead = parseNumber(s, a, args.ends[k]);
    const st = this.store;
    if ((st.dataFlags[row] & (DATA_PRESENT | DATA_TRUNCATED)) === DATA_PRESENT) {
      const n = st.dataLen[row];
      if (s.startsWith(String(n), a)) return n;
    }
    if (!interleaved) this.sink.warn(this.line, `count argument \`${s.slice(a, Math.min(args.ends[k], a + 24))}\` is not a number`);
    return lead;
  }

  /** Offset of the I/O and the position update of its open file description. */
  private position(row: number, file: OpenFile | null, positional: boolean, explicit: number, isWrite: boolean): void {
    const st = this.store;
    const res = st.result[row];
    // preadv2/pwritev2 with offset -1 use and move the current position.
    const usesPos = !positional || explicit === -1;
    if (!usesPos) {
      st.offset[row] = explicit;
      return;
    }
    if (!file) return;
    if (isWrite && (file.flags & O_APPEND) !== 0) {
      st.offset[row] = file.size;
      if (res > 0 && Number.isFinite(file.size)) file.size += res;
      file.pos = file.size;
      return;
    }
    st.offset[row] = file.pos;
    if (res > 0) file.pos += res;
  }

  private vectorIo(kind: Kind, row: number, args: ItemList): void {
    const st = this.store;
    const s = this.s;
    const file = this.fdColumns(row, args, 0);
    const isWrite = kind === Kind.Writev || kind === Kind.Pwritev;
    const positional = kind === Kind.Preadv || kind === Kind.Pwritev;
    const offset = positional ? this.argNumber(args, 3) : NaN;
    this.position(row, file, positional, offset, isWrite);
    if (args.count < 2) return;
    const iovcnt = this.argNumber(args, 2);
    const a = args.starts[1];
    if (s.charCodeAt(a) !== 91) {
      const v = parseWholeNumber(s, a, args.ends[1]);
      if (Number.isFinite(v)) st.bufAddr[row] = v;
      return;
    }
    const total = this.iovecs(row, a, args.ends[1], st.offset[row], true, 1);
    st.length_[row] = total.complete && total.count === iovcnt ? total.len : NaN;
  }

  private readonly iovTotal = { len: 0, count: 0, complete: true };

  /**
   * Pushes one Iovec segment per `{iov_base=…, iov_len=…}` of the array at
   * s[a] (`[`), decoding each shown buffer into the pool in order so that the
   * row's bytes are the contiguous concatenation. Sets the row's data columns
   * when `rowData` is true.
   */
  private iovecs(
    row: number,
    a: number,
    b: number,
    startOffset: number,
    rowData: boolean,
    depth: number,
  ): { len: number; count: number; complete: boolean } {
    const s = this.s;
    const st = this.store;
    const list = this.lists[depth];
    const fields = this.lists[depth + 1];
    scanList(s, a + 1, b, list);
    const out = this.iovTotal;
    out.len = 0;
    out.count = 0;
    out.complete = true;
    const dataFrom = st.data.length;
    let shownLen = 0;
    let shownComplete = true;
    let anyData = false;
    const fd = st.fd[row];
    const n = list.count;
    for (let k = 0; k < n; k++) {
      const ia = list.starts[k];
      if (s.charCodeAt(ia) !== 123) {
        out.complete = false; // `...`: more elements than -s allows
        continue;
      }
      scanList(s, ia + 1, list.ends[k], fields);
      const lenAt = fieldIndex(s, fields, 'iov_len');
      const len = lenAt >= 0 ? parseWholeNumber(s, fields.starts[lenAt] + 8, fields.ends[lenAt]) : NaN;
      const baseAt = fieldIndex(s, fields, 'iov_base');
      let buf = NaN;
      let segStart = 0;
      let segLen = 0;
      let segFlags = 0;
      if (baseAt >= 0) {
        const va = fields.starts[baseAt] + 9;
        if (s.charCodeAt(va) === 34) {
          segStart = st.data.length;
          segLen = this.decodeString(va, fields.ends[baseAt]);
          segFlags = DATA_PRESENT | (this.lastTruncated ? DATA_TRUNCATED : 0);
          anyData = true;
          if (shownComplete) {
            shownLen += segLen;
            if (this.lastTruncated) shownComplete = false;
          }
        } else {
          buf = parseWholeNumber(s, va, fields.ends[baseAt]);
        }
      }
      const seg = st.pushSegment(row, SegKind.Iovec, fd, -1, buf, len, startOffset + out.len);
      st.segDataStart[seg] = segStart;
      st.segDataLen[seg] = segLen;
      st.segDataFlags[seg] = segFlags;
      out.len += len;
      out.count++;
    }
    if (list.total > n) out.complete = false;
    if (rowData && anyData) {
      st.dataStart[row] = dataFrom;
      st.dataLen[row] = shownLen;
      st.dataFlags[row] = DATA_PRESENT | (shownComplete && out.complete ? 0 : DATA_TRUNCATED);
    }
    return out;
  }

  private seek(kind: Kind, row: number, args: ItemList): void {
    const st = this.store;
    const file = this.fdColumns(row, args, 0);
    const res = st.result[row];
    let pos = NaN;
    let whenceArg = 2;
    if (kind === Kind.Lseek) {
      if (res >= 0) pos = res;
    } else {
      // _llseek(fd, offset, [result], whence) = 0
      whenceArg = 3;
      if (res === 0 && args.count > 2 && this.s.charCodeAt(args.starts[2]) === 91) {
        pos = parseNumber(this.s, args.starts[2] + 1, args.ends[2]);
      }
    }
    st.offset[row] = pos;
    if (!file || Number.isNaN(pos)) return;
    file.pos = pos;
    if (args.count > whenceArg && this.argText(args, whenceArg) === 'SEEK_END' && this.argNumber(args, 1) === 0) file.size = pos;
  }

  private open(kind: Kind, row: number, args: ItemList): void {
    const st = this.store;
    const s = this.s;
    let pathArg = 0;
    let flags = 0;
    let dir: string | null = null;
    if (kind === Kind.Openat || kind === Kind.Openat2) {
      pathArg = 1;
      if (args.count > 0) dir = this.itemDecoration(args.starts[0], args.ends[0]);
    }
    if (kind === Kind.Creat) flags = O_CREAT | O_WRONLY | O_TRUNC;
    else if (kind === Kind.Openat2) {
      if (args.count > 2 && s.charCodeAt(args.starts[2]) === 123) {
        const fields = this.lists[1];
        scanList(s, args.starts[2] + 1, args.ends[2], fields);
        const k = fieldIndex(s, fields, 'flags');
        if (k >= 0) flags = parseOpenFlags(s, fields.starts[k] + 6, fields.ends[k]);
      }
    } else if (args.count > pathArg + 1) {
      flags = parseOpenFlags(s, args.starts[pathArg + 1], args.ends[pathArg + 1]);
    }
    st.openFlags[row] = flags;
    let path = '';
    if (args.count > pathArg && s.charCodeAt(args.starts[pathArg]) === 34) {
      path = decodePath(s, args.starts[pathArg], args.ends[pathArg], this.scratch, true);
      if (dir && !path.startsWith('/')) path = dir.endsWith('/') ? dir + path : `${dir}/${path}`;
    }
    // -y decorates the returned fd with the kernel's own view of the path.
    if (ret.decoFrom >= 0) path = this.decoration(ret.decoFrom - 1, ret.decoTo);
    const pathIdx = st.strings.intern(path);
    st.path[row] = pathIdx;
    const fd = st.result[row];
    if (Number.isInteger(fd) && fd >= 0) {
      st.fd[row] = fd;
      this.fds.open(this.pid, fd, pathIdx, flags);
    }
  }

  private closeRange(row: number, args: ItemList): void {
    const first = this.argNumber(args, 0);
    const last = Math.min(this.argNumber(args, 1), first + 65536);
    if (this.store.result[row] !== 0 || !(first >= 0) || !(last >= first)) return;
    const cloexec = args.count > 2 && this.argText(args, 2).includes('CLOSE_RANGE_CLOEXEC');
    for (let fd = first; fd <= last; fd++) {
      if (cloexec) this.fds.setCloexec(this.pid, fd, true);
      else this.fds.close(this.pid, fd);
    }
  }

  private dup(kind: Kind, row: number, args: ItemList): void {
    const st = this.store;
    this.fdColumns(row, args, 0);
    const old = st.fd[row];
    const res = st.result[row];
    if (old < 0 || !(res >= 0) || res === old) return;
    if (kind !== Kind.Dup) this.fds.close(this.pid, res);
    const cloexec = kind === Kind.Dup3 && args.count > 2 && this.argText(args, 2).includes('O_CLOEXEC');
    this.fds.dup(this.pid, old, res, cloexec);
  }

  private fcntl(row: number, args: ItemList): void {
    const st = this.store;
    const file = this.fdColumns(row, args, 0);
    if (!file || args.count < 2) return;
    const cmd = this.argText(args, 1);
    const res = st.result[row];
    if (cmd === 'F_DUPFD' || cmd === 'F_DUPFD_CLOEXEC') {
      if (res >= 0) this.fds.dup(this.pid, st.fd[row], res, cmd === 'F_DUPFD_CLOEXEC');
    } else if (cmd === 'F_SETFL' && res === 0 && args.count > 2) {
      const f = parseOpenFlags(this.s, args.starts[2], args.ends[2]);
      file.flags = ((file.flags & ~SETFL_MASK) | (f & SETFL_MASK)) >>> 0;
    } else if (cmd === 'F_GETFL' && res >= 0) {
      file.flags = res >>> 0;
    } else if (cmd === 'F_SETFD' && res === 0 && args.count > 2) {
      this.fds.setCloexec(this.pid, st.fd[row], this.argText(args, 2).includes('FD_CLOEXEC'));
    }
    st.openFlags[row] = file.flags;
  }

  private ioctl(row: number, args: ItemList): void {
    const file = this.fdColumns(row, args, 0);
    if (!file || args.count < 3 || this.store.result[row] !== 0) return;
    const s = this.s;
    const req = this.argText(args, 1);
    const a = args.starts[2];
    if (s.charCodeAt(a) !== 91) return;
    const v = parseNumber(s, a + 1, args.ends[2]);
    if (!Number.isFinite(v)) return;
    // include/uapi/linux/fs.h: BLKGETSIZE64 is bytes, BLKGETSIZE 512-byte sectors.
    if (req === 'BLKGETSIZE64') file.size = v;
    else if (req === 'BLKGETSIZE' && !Number.isFinite(file.size)) file.size = v * 512;
  }

  // ---- Linux AIO --------------------------------------------------------------

  private ioSubmit(row: number, args: ItemList): void {
    const st = this.store;
    const s = this.s;
    if (args.count < 3) return;
    const ctx = own(this.argText(args, 0));
    const submitted = st.result[row];
    const list = this.lists[1];
    const fields = this.lists[2];
    const a = args.starts[2];
    if (s.charCodeAt(a) !== 91) return;
    scanList(s, a + 1, args.ends[2], list);
    let rowFd = -2;
    let total = 0;
    for (let k = 0; k < list.count; k++) {
      if (s.charCodeAt(list.starts[k]) !== 123) continue;
      scanList(s, list.starts[k] + 1, list.ends[k], fields);
      let op = -1;
      let fd = -1;
      let buf = NaN;
      let len = NaN;
      let off = NaN;
      let data = NaN;
      let bufItem = -1;
      let fdPath: string | null = null;
      for (let f = 0; f < fields.count; f++) {
        const fa = fields.starts[f];
        const fb = fields.ends[f];
        const eq = findIn(s, '=', fa, fb);
        if (eq < 0) {
          const bare = IOCB_OPS.get(s.slice(fa, fb));
          if (bare !== undefined) op = bare;
          continue;
        }
        const key = s.slice(fa, eq);
        const va = eq + 1;
        switch (key) {
          case 'aio_lio_opcode': {
            const name = s.slice(va, fb);
            op = IOCB_OPS.get(name) ?? parseWholeNumber(s, va, fb);
            if (Number.isNaN(op)) op = -1;
            break;
          }
          case 'aio_fildes':
          case 'fildes':
            fd = parseNumber(s, va, fb);
            if (s.charCodeAt(num.end) === 60) fdPath = this.itemDecoration(num.end, fb);
            break;
          case 'aio_buf':
          case 'buf':
            bufItem = f;
            if (s.charCodeAt(va) !== 34 && s.charCodeAt(va) !== 91) buf = parseWholeNumber(s, va, fb);
            break;
          case 'aio_nbytes':
          case 'nbytes':
            len = parseWholeNumber(s, va, fb);
            break;
          case 'aio_offset':
          case 'offset':
            off = parseWholeNumber(s, va, fb);
            break;
          case 'aio_data':
          case 'data':
            data = parseWholeNumber(s, va, fb);
            break;
        }
      }
      const file = fd >= 0 ? this.fds.ensure(this.pid, fd) : null;
      if (file && fdPath !== null) file.path = st.strings.intern(fdPath);
      const seg = st.pushSegment(row, SegKind.Iocb, fd, op, buf, len, off);
      if (bufItem >= 0) {
        const vb = fields.ends[bufItem];
        const va = findIn(s, '=', fields.starts[bufItem], vb) + 1;
        if (s.charCodeAt(va) === 34) {
          st.segDataStart[seg] = st.data.length;
          st.segDataLen[seg] = this.decodeString(va, vb);
          st.segDataFlags[seg] = DATA_PRESENT | (this.lastTruncated ? DATA_TRUNCATED : 0);
        } else if (s.charCodeAt(va) === 91) {
          const v = this.iovecs(row, va, vb, off, false, 3);
          if (Number.isNaN(len) || op === 7 || op === 8) st.segLen[seg] = v.complete ? v.len : NaN;
        }
      }
      if (k < submitted) this.aio.submit(ctx, seg, buf, st.segLen[seg], data, NaN);
      total += st.segLen[seg];
      rowFd = rowFd === -2 || rowFd === fd ? fd : -1;
    }
    st.length_[row] = total;
    if (rowFd >= 0) {
      st.fd[row] = rowFd;
      const file = this.fds.ensure(this.pid, rowFd);
      st.path[row] = file.path;
      st.openFlags[row] = file.flags;
    }
  }

  private ioGetevents(row: number, args: ItemList): void {
    const st = this.store;
    const s = this.s;
    if (args.count < 4) return;
    const ctx = own(this.argText(args, 0));
    const a = args.starts[3];
    if (s.charCodeAt(a) !== 91) return;
    const list = this.lists[1];
    const fields = this.lists[2];
    scanList(s, a + 1, args.ends[3], list);
    for (let k = 0; k < list.count; k++) {
      if (s.charCodeAt(list.starts[k]) !== 123) continue;
      scanList(s, list.starts[k] + 1, list.ends[k], fields);
      const get = (name: string): number => {
        const f = fieldIndex(s, fields, name);
        return f < 0 ? NaN : parseWholeNumber(s, fields.starts[f] + name.length + 1, fields.ends[f]);
      };
      const data = get('data');
      const obj = get('obj');
      const res = get('res');
      const iocb = this.aio.complete(ctx, data, obj, res);
      let seg: number;
      if (iocb >= 0) {
        st.segResult[iocb] = res;
        st.segKey[iocb] = obj;
        seg = st.pushSegment(row, SegKind.AioEvent, st.segFd[iocb], st.segOp[iocb], st.segBuf[iocb], st.segLen[iocb], st.segOffset[iocb]);
      } else {
        seg = st.pushSegment(row, SegKind.AioEvent, -1, -1, NaN, NaN, NaN);
        this.sink.warn(this.line, `io_getevents: event obj=${Number.isFinite(obj) ? '0x' + obj.toString(16) : '?'} res=${res} matches no submitted iocb in flight`);
      }
      st.segResult[seg] = res;
      st.segKey[seg] = obj;
    }
  }
}
