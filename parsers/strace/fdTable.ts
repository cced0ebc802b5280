/**
 * Per-process file-descriptor tables over shared open file descriptions,
 * mirroring the kernel's split (fs/file.c files_struct → struct file):
 * dup/dup2/dup3/fcntl(F_DUPFD) and fork make a second fd for the SAME
 * description, so they share the file position; clone(CLONE_FILES) (threads)
 * shares the whole table. One object per open, never per event.
 */
import { O_CLOEXEC } from './flags';

export interface OpenFile {
  /** Index into the syscall store's string table, 0 when unknown. */
  path: number;
  /** Current file position; NaN when not knowable (fd seen without its open, O_APPEND writes). */
  pos: number;
  /** open(2) flags (O_DIRECT = 0o40000), as far as known. */
  flags: number;
  /** Size in bytes when known (BLKGETSIZE64, lseek SEEK_END); NaN otherwise. */
  size: number;
}

type Table = Map<number, OpenFile>;

interface Slot {
  file: OpenFile;
  cloexec: boolean;
}

export class FdTables {
  private readonly byPid = new Map<number, Map<number, Slot>>();

  private table(pid: number): Map<number, Slot> {
    let t = this.byPid.get(pid);
    if (!t) {
      t = new Map();
      this.byPid.set(pid, t);
    }
    return t;
  }

  get(pid: number, fd: number): OpenFile | undefined {
    return this.byPid.get(pid)?.get(fd)?.file;
  }

  /** The description behind fd, created (position unknown) when the trace never showed its open. */
  ensure(pid: number, fd: number): OpenFile {
    const t = this.table(pid);
    let slot = t.get(fd);
    if (!slot) {
      slot = { file: { path: 0, pos: NaN, flags: 0, size: NaN }, cloexec: false };
      t.set(fd, slot);
    }
    return slot.file;
  }

  open(pid: number, fd: number, path: number, flags: number): OpenFile {
    const file: OpenFile = { path, pos: 0, flags, size: NaN };
    this.table(pid).set(fd, { file, cloexec: (flags & O_CLOEXEC) !== 0 });
    return file;
  }

  /** dup-like: `to` becomes a second descriptor of the description of `from`. */
  dup(pid: number, from: number, to: number, cloexec: boolean): void {
    const file = this.ensure(pid, from);
    this.table(pid).set(to, { file, cloexec });
  }

  close(pid: number, fd: number): void {
    this.byPid.get(pid)?.delete(fd);
  }

  /** Successful execve: close-on-exec descriptors are gone. */
  exec(pid: number): void {
    const t = this.byPid.get(pid);
    if (!t) return;
    for (const [fd, slot] of t) if (slot.cloexec) t.delete(fd);
  }

  setCloexec(pid: number, fd: number, on: boolean): void {
    const slot = this.byPid.get(pid)?.get(fd);
    if (slot) slot.cloexec = on;
  }

  /**
   * A new process or thread `child` created by `parent`: with CLONE_FILES the
   * table itself is shared, otherwise (fork) the child gets a copy whose
   * entries still point at the same descriptions.
   */
  fork(parent: number, child: number, shareTable: boolean): void {
    const p = this.table(parent);
    const existing = this.byPid.get(child);
    if (shareTable) {
      // Lines of the child may have been printed before the parent's clone returned.
      if (existing && existing !== p) for (const [fd, slot] of existing) if (!p.has(fd)) p.set(fd, slot);
      this.byPid.set(child, p);
      return;
    }
    const copy: Map<number, Slot> = new Map();
    for (const [fd, slot] of p) copy.set(fd, { file: slot.file, cloexec: slot.cloexec });
    if (existing) for (const [fd, slot] of existing) copy.set(fd, slot);
    this.byPid.set(child, copy);
  }

  /** Open descriptors of a pid (for tests and diagnostics). */
  snapshot(pid: number): Table {
    const out: Table = new Map();
    for (const [fd, slot] of this.byPid.get(pid) ?? []) out.set(fd, slot.file);
    return out;
  }
}
