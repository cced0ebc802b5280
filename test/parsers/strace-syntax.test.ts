/**
 * strace line grammar on small inputs written in strace's own notation
 * (shapes verified against strace 6.1 output and trace-formats.md §1).
 */
import { describe, expect, it } from 'vitest';
import { parseStraceText, straceFormat } from '../../parsers/strace';
import { DATA_FROM_DUMP, DATA_PRESENT, DATA_TRUNCATED, SegKind } from '../../parsers/model/syscalls';
import type { ParsedSource } from '../../parsers/model/source';

function parse(text: string): ParsedSource {
  return parseStraceText(new TextEncoder().encode(text), 'test.strace');
}

function rows(src: ParsedSource): { name: string; fd: number; path: string; off: number; len: number; res: number; pid: number; t: number }[] {
  const s = src.syscalls!;
  return [...Array(s.length).keys()].map((i) => ({
    name: s.nameOf(i),
    fd: s.fd[i],
    path: s.pathOf(i),
    off: s.offset[i],
    len: s.length_[i],
    res: s.result[i],
    pid: s.pid[i],
    t: s.timeNs[i],
  }));
}

function bytes(src: ParsedSource, row: number): number[] {
  return [...src.syscalls!.bytesOf(row)];
}

const severities = (src: ParsedSource, sev: string): string[] =>
  src.diagnostics.filter((d) => d.severity === sev).map((d) => `${d.line}: ${d.message}`);

describe('strace leader: pids, timestamps, -n/-i', () => {
  it('-f -o pid column, [pid N] of stderr -f, -Y comm', () => {
    const src = parse(
      [
        '3650  close(3)                          = 0',
        '[pid  6936] close(4) = 0',
        '1234<cat> close(5) = 0',
        '[pid  1235<cat>] close(6) = 0',
      ].join('\n'),
    );
    expect(rows(src).map((r) => [r.pid, r.fd])).toEqual([
      [3650, 3],
      [6936, 4],
      [1234, 5],
      [1235, 6],
    ]);
    expect(severities(src, 'error')).toEqual([]);
  });

  it('-tt time of day: base is the first whole second, exact ns, midnight wrap', () => {
    const src = parse(['23:59:59.999000 close(3) = 0', '00:00:00.000500 close(4) = 0 <0.000123>'].join('\n'));
    expect(src.clock).toEqual({ kind: 'wall-tod', baseNs: String(86399e9) });
    expect(rows(src).map((r) => r.t)).toEqual([999000000, 1000500000]);
    expect(src.syscalls!.durationNs[1]).toBe(123000);
  });

  it('-ttt epoch with ns precision stays exact; -t without fraction', () => {
    const src = parse(['1795263535.986544123 close(3) = 0', '1795263536.000000001 close(4) = 0'].join('\n'));
    expect(src.clock).toEqual({ kind: 'epoch', baseNs: '1795263535000000000' });
    expect(rows(src).map((r) => r.t)).toEqual([986544123, 1000000001]);
    const t = parse('12:08:39 close(3) = 0\n12:08:41 close(4) = 0');
    expect(rows(t).map((r) => r.t)).toEqual([0, 2e9]);
  });

  it('-r relative stamps accumulate over every line (signals too); -t with (+ rel); -n and -i', () => {
    const src = parse(
      [
        '     0.000000 close(3) = 0',
        '     0.000465 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=1, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
        '     0.000035 close(4) = 0',
      ].join('\n'),
    );
    expect(src.clock.kind).toBe('relative');
    expect(rows(src).map((r) => r.t)).toEqual([0, 500000]);
    const both = parse('12:08:39.000010 (+     0.000123) [  3] [00007f8e60ef4d5b] close(7) = 0');
    expect(both.clock.kind).toBe('wall-tod');
    expect(rows(both)[0]).toMatchObject({ name: 'close', fd: 7, t: 10000 });
  });
});

describe('strace strings and fd decorations', () => {
  it('octal escapes are minimal unless a digit follows; \\" \\\\ \\t; -x hex', () => {
    const src = parse(
      [
        'write(1, "\\0005\\59\\377\\"\\\\\\t", 7) = 7',
        'write(1, "\\x00\\xff\\x41", 3) = 3',
        'read(0, "abc"..., 4096) = 4096',
      ].join('\n'),
    );
    expect(bytes(src, 0)).toEqual([0, 0x35, 5, 0x39, 255, 0x22, 0x5c, 9]);
    expect(src.syscalls!.length_[0]).toBe(7);
    expect(bytes(src, 1)).toEqual([0, 255, 0x41]);
    expect(src.syscalls!.dataFlags[2]).toBe(DATA_PRESENT | DATA_TRUNCATED);
  });

  it('-y / -yy / -xx decorations give the path; AT_FDCWD<cwd> makes relative opens absolute', () => {
    const src = parse(
      [
        'openat(AT_FDCWD</tmp/st>, "f.bin", O_RDONLY|O_DIRECT) = 3',
        'read(4</dev/sda<block 8:0>>, "", 512) = 0',
        'read(5<\\x2f\\x64\\x65\\x76\\x2f\\x6c\\x6f\\x6f\\x70\\x30>, "", 512) = 0',
        'read(6</tmp/a\\74b\\76 (deleted)>, "", 1) = 0',
        'read(7<TCP:[127.0.0.1:80->127.0.0.1:5000]>, "", 1) = 0',
        'read(3, "", 1) = 0',
      ].join('\n'),
    );
    expect(rows(src).map((r) => r.path)).toEqual(['/tmp/st/f.bin', '/dev/sda', '/dev/loop0', '/tmp/a<b> (deleted)', 'TCP:[127.0.0.1:80->127.0.0.1:5000]', '/tmp/st/f.bin']);
    expect(src.syscalls!.openFlags[5]).toBe(0o40000);
  });
});

describe('strace per-fd positions', () => {
  it('open, lseek, read advance; pread does not; dup shares the description; close forgets', () => {
    const src = parse(
      [
        'openat(AT_FDCWD, "/dev/xvdb", O_RDONLY|O_DIRECT) = 3',
        'ioctl(3, BLKGETSIZE64, [8388608]) = 0',
        'read(3, 0x1000, 512) = 512',
        'pread64(3, 0x1000, 512, 4096) = 512',
        'dup(3) = 4',
        'read(4, 0x1000, 1024) = 1024',
        'read(3, 0x1000, 512) = 512',
        'lseek(4, -512, SEEK_END) = 8388096',
        'read(3, 0x1000, 512) = 512',
        'fcntl(3, F_DUPFD_CLOEXEC, 10) = 10',
        'lseek(10, 0, SEEK_SET) = 0',
        'dup2(3, 5) = 5',
        'read(5, 0x1000, 512) = 512',
        'close(3) = 0',
        'read(3, 0x1000, 512) = -1 EBADF (Bad file descriptor)',
        'read(4, 0x1000, 512) = 512',
        '_llseek(4, 1024, [1024], SEEK_SET) = 0',
        'read(4, 0x1000, 512) = 512',
      ].join('\n'),
    );
    const r = rows(src);
    const reads = r.filter((x) => x.name === 'read' || x.name === 'pread64').map((x) => [x.fd, x.off]);
    expect(reads).toEqual([
      [3, 0],
      [3, 4096],
      [4, 512],
      [3, 1536],
      [3, 8388096],
      [5, 0],
      [3, NaN], // closed: a new, unknown description
      [4, 512],
      [4, 1024],
    ]);
    expect(r.every((x) => x.path === '/dev/xvdb' || x.fd === 3)).toBe(true);
    expect(src.syscalls!.bufAddr[2]).toBe(0x1000);
    expect(src.syscalls!.errno[14]).toBe(9);
  });

  it('O_APPEND writes start at the end only when the size is known; preadv2 offset -1 uses the position', () => {
    const src = parse(
      [
        'openat(AT_FDCWD, "log", O_WRONLY|O_APPEND) = 3',
        'write(3, "ab", 2) = 2',
        'openat(AT_FDCWD, "f", O_RDONLY) = 4',
        'preadv2(4, [{iov_base="xy", iov_len=2}], 1, -1, RWF_NOWAIT) = 2',
        'preadv2(4, [{iov_base="zw", iov_len=2}], 1, -1, 0) = 2',
        'preadv2(4, [{iov_base="zw", iov_len=2}], 1, 100, 0) = 2',
        'read(4, "q", 1) = 1',
      ].join('\n'),
    );
    expect(rows(src).map((x) => x.off)).toEqual([NaN, NaN, NaN, 0, 2, 100, 4]);
  });

  it('fork copies the table over the same descriptions; CLONE_FILES shares it; execve drops O_CLOEXEC fds', () => {
    const src = parse(
      [
        '100   openat(AT_FDCWD, "/dev/sdb", O_RDONLY) = 3',
        '100   openat(AT_FDCWD, "/etc/x", O_RDONLY|O_CLOEXEC) = 4',
        '100   clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f) = 101',
        '101   read(3, "abcd", 4) = 4',
        '100   read(3, "efgh", 4) = 4',
        '101   openat(AT_FDCWD, "/dev/sdc", O_RDONLY) = 5',
        '100   read(5, "", 4) = 0',
        '100   clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD, child_tid=0x1}, 88) = 102',
        '102   openat(AT_FDCWD, "/dev/sdd", O_RDONLY) = 6',
        '100   read(6, "", 4) = 0',
        '101   execve("/bin/true", ["true"], 0x7ffd /* 10 vars */) = 0',
        '101   read(4, "", 4) = 0',
        '101   read(3, "", 4) = 0',
      ].join('\n'),
    );
    const r = rows(src);
    expect(r.slice(3).map((x) => [x.pid, x.name, x.fd, x.path, x.off])).toEqual([
      [101, 'read', 3, '/dev/sdb', 0],
      [100, 'read', 3, '/dev/sdb', 4],
      [101, 'openat', 5, '/dev/sdc', NaN],
      [100, 'read', 5, '', NaN], // the child's fd 5 is not the parent's
      [100, 'clone3', -1, '', NaN],
      [102, 'openat', 6, '/dev/sdd', NaN],
      [100, 'read', 6, '/dev/sdd', 0], // thread: shared table
      [101, 'execve', -1, '', NaN],
      [101, 'read', 4, '', NaN], // O_CLOEXEC fd gone after execve
      [101, 'read', 3, '/dev/sdb', 8],
    ]);
  });
});

describe('strace pairing and special lines', () => {
  it('unfinished/resumed by pid, old "resumed> " spacing, killed inside, never resumed', () => {
    const src = parse(
      [
        '200 pread64(3</dev/sdb>,  <unfinished ...>',
        '201 pread64(3</dev/sdb>,  <unfinished ...>',
        '201 <... pread64 resumed>"ab", 2, 10) = 2 <0.000100>',
        '200 <... pread64 resumed> "cdef"..., 8, 20) = 8',
        '202 nanosleep({tv_sec=1, tv_nsec=0},  <unfinished ...>',
        '202 <... nanosleep resumed> <unfinished ...>) = ?',
        '203 futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>',
        '203 +++ exited with 0 +++',
        '204 read(5,  <unfinished ...>',
      ].join('\n'),
    );
    const r = rows(src);
    expect(r.map((x) => [x.pid, x.name, x.off, x.len, x.res])).toEqual([
      [201, 'pread64', 10, 2, 2],
      [200, 'pread64', 20, 8, 8],
      [202, 'nanosleep', NaN, NaN, NaN],
      [203, 'futex', NaN, NaN, NaN],
      [204, 'read', NaN, NaN, NaN],
    ]);
    const s = src.syscalls!;
    expect([...s.line]).toEqual([2, 1, 5, 7, 9]);
    expect(s.durationNs[0]).toBe(100000);
    expect(s.dataFlags[1]).toBe(DATA_PRESENT | DATA_TRUNCATED);
    expect(severities(src, 'warning').map((w) => w.split(':')[0])).toEqual(['7', '9']);
    expect(severities(src, 'error')).toEqual([]);
  });

  it('a resumed line without its start is kept with name and result', () => {
    const src = parse('300 <... read resumed>"x", 1) = 1');
    expect(rows(src)[0]).toMatchObject({ name: 'read', res: 1, pid: 300 });
    expect(severities(src, 'warning')[0]).toMatch(/without a matching/);
  });

  it('errors in any locale, ? returns, restart codes, signals, exits, strace messages, -k frames', () => {
    const src = parse(
      [
        'strace: Process 15 attached',
        'restart_syscall(<... resuming interrupted poll ...>) = 1',
        'access("/etc/ld.so.preload", R_OK)      = -1 ENOENT (Нет такого файла или каталога)',
        'read(3, 0x7ffc, 10) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)',
        ' > /usr/lib/libc.so.6(__read+0x1e) [0x10a35f]',
        '--- SIGINT {si_signo=SIGINT, si_code=SI_KERNEL} ---',
        '--- SIGCHLD (Child exited) @ 0 (0) ---',
        'exit_group(0)                           = ?',
        '+++ killed by SIGSEGV (core dumped) +++',
      ].join('\n'),
    );
    const s = src.syscalls!;
    expect(rows(src).map((r) => [r.name, r.res, r.pid])).toEqual([
      ['restart_syscall', 1, 15],
      ['access', -1, 15],
      ['read', NaN, 15],
      ['exit_group', NaN, 15],
    ]);
    expect([s.errno[1], s.strings.get(s.errName[1])]).toEqual([2, 'ENOENT']);
    expect([s.errno[2], s.strings.get(s.errName[2])]).toEqual([512, 'ERESTARTSYS']);
    expect(src.diagnostics).toEqual([]);
  });

  it('the -c/-C summary table, # comments and [...snipped...] are recognised, not garbage', () => {
    const src = parse(
      [
        '# strace -C -o log -p 1',
        'write(3, "a", 1) = 1',
        '[...snipped...]',
        '% time     seconds  usecs/call     calls    errors syscall',
        '------ ----------- ----------- --------- --------- ----------------',
        ' 72.55    0.192610           2     84992           write',
        '------ ----------- ----------- --------- --------- ----------------',
        '100.00    0.265485                 85656           total',
      ].join('\n'),
    );
    expect(rows(src).length).toBe(1);
    expect(severities(src, 'error')).toEqual([]);
    expect(severities(src, 'warning')).toEqual([]);
  });

  it('garbage lines get an error naming the line; everything around them is kept', () => {
    const src = parse(['close(3) = 0', 'this is not strace', 'close(4) = 0', 'read(3, "\\q", 1) = 1', 'close(5) = 0'].join('\n'));
    expect(rows(src).map((r) => r.name)).toEqual(['close', 'close', 'read', 'close']);
    const errs = src.diagnostics.filter((d) => d.severity === 'error');
    expect(errs.map((d) => d.line)).toEqual([2, 3, 4].filter((l) => l !== 3));
    expect(errs[0].message).toMatch(/not a strace line: `this is not strace` \(expected/);
    expect(errs[1].message).toMatch(/invalid escape `\\q"/);
  });

  it('tracee output inside the line: joined across lines, count recovered, warned', () => {
    const src = parse(
      [
        'write(2, "hi\\n", 3hi',
        ')                     = 3',
        'write(2, "0x", 20x)                       = 2',
        'write(1, "(\\n", 2(',
        ')                       = 2',
        'close(1) = 0',
      ].join('\n'),
    );
    expect(rows(src).map((r) => [r.name, r.len, r.res])).toEqual([
      ['write', 3, 3],
      ['write', 2, 2],
      ['write', 2, 2],
      ['close', NaN, 0],
    ]);
    expect(bytes(src, 0)).toEqual([104, 105, 10]);
    expect(severities(src, 'error')).toEqual([]);
    expect(severities(src, 'warning').length).toBeGreaterThanOrEqual(3);
  });

  it('strips ANSI colours (strace 7)', () => {
    const src = parse('\x1b[1mclose\x1b[0m(3) = 0');
    expect(rows(src)[0]).toMatchObject({ name: 'close', fd: 3, res: 0 });
  });
});

describe('strace -e read= / -e write= dumps (strace 6.1 output shapes)', () => {
  it('the dump replaces the -s cut string with the complete bytes', () => {
    const src = parse(
      [
        'read(3, "hello"..., 4096) = 20',
        ' | 00000  68 65 6c 6c 6f 20 77 6f  72 6c 64 2c 20 74 68 69  hello world, thi |',
        ' | 00010  73 20 69 73                                       s is             |',
        'close(3) = 0',
      ].join('\n'),
    );
    const s = src.syscalls!;
    expect(new TextDecoder().decode(s.bytesOf(0))).toBe('hello world, this is');
    expect(s.dataFlags[0]).toBe(DATA_PRESENT | DATA_FROM_DUMP);
    expect(src.diagnostics).toEqual([]);
  });

  it('vectored dumps fill each iovec and the row', () => {
    const src = parse(
      [
        'openat(AT_FDCWD, "/tmp/stx/f.txt", O_RDONLY) = 3',
        'readv(3</tmp/stx/f.txt>, [{iov_base="hello", iov_len=5}, {iov_base=" world,", iov_len=7}, {iov_base=" this is a test of hex dumps\\nlin"..., iov_len=100}], 3) = 47',
        ' * 5 bytes in buffer 0',
        ' | 00000  68 65 6c 6c 6f                                    hello            |',
        ' * 7 bytes in buffer 1',
        ' | 00000  20 77 6f 72 6c 64 2c                               world,          |',
        ' * 35 bytes in buffer 2',
        ' | 00000  20 74 68 69 73 20 69 73  20 61 20 74 65 73 74 20   this is a test  |',
        ' | 00010  6f 66 20 68 65 78 20 64  75 6d 70 73 0a 6c 69 6e  of hex dumps.lin |',
        ' | 00020  65 32 0a                                          e2.              |',
      ].join('\n'),
    );
    const s = src.syscalls!;
    expect(new TextDecoder().decode(s.bytesOf(1))).toBe('hello world, this is a test of hex dumps\nline2\n');
    expect(s.dataFlags[1]).toBe(DATA_PRESENT | DATA_FROM_DUMP);
    expect(s.length_[1]).toBe(112);
    const [a, b] = s.segmentsOf(1);
    expect(b - a).toBe(3);
    expect(new TextDecoder().decode(s.data.view(s.segDataStart[a + 2], s.segDataLen[a + 2]))).toBe(' this is a test of hex dumps\nline2\n');
    expect(s.segDataFlags[a + 2]).toBe(DATA_PRESENT | DATA_FROM_DUMP);
    expect([s.segOffset[a], s.segOffset[a + 1], s.segOffset[a + 2]]).toEqual([0, 5, 12]);
  });

  it('a dump line with a wrong offset is an error and keeps the string data', () => {
    const src = parse(['read(3, "ab", 2) = 2', ' | 00010  61 62                                            ab               |'].join('\n'));
    expect(severities(src, 'error')[0]).toMatch(/^2: dump offset 0x10 where 0x0/);
    expect(bytes(src, 0)).toEqual([97, 98]);
  });
});

describe('strace AIO', () => {
  it('vectored iocbs, aio_data pairing, a rejected tail of the batch', () => {
    const src = parse(
      [
        'io_submit(0x7f01, 3, [{aio_data=0x11, aio_lio_opcode=IOCB_CMD_PREADV, aio_fildes=3</dev/sdb>, aio_buf=[{iov_base=0x1000, iov_len=512}, {iov_base=0x3000, iov_len=1024}], aio_offset=4096}, {aio_data=0x22, aio_lio_opcode=IOCB_CMD_PWRITE, aio_fildes=3</dev/sdb>, aio_buf="ab", aio_nbytes=2, aio_offset=0}, {aio_data=0x33, aio_lio_opcode=IOCB_CMD_PREAD, aio_fildes=3, aio_buf=0x5000, aio_nbytes=512, aio_offset=512}]) = 2',
        'io_getevents(0x7f01, 1, 8, [{data=0x22, obj=0xa0, res=2, res2=0}, {data=0x11, obj=0xb0, res=1536, res2=0}], NULL) = 2',
      ].join('\n'),
    );
    const s = src.syscalls!;
    const kinds = [...s.segKind];
    expect(kinds).toEqual([SegKind.Iocb, SegKind.Iovec, SegKind.Iovec, SegKind.Iocb, SegKind.Iocb, SegKind.AioEvent, SegKind.AioEvent]);
    expect([...s.segLen]).toEqual([1536, 512, 1024, 2, 512, 2, 1536]);
    expect([...s.segOffset]).toEqual([4096, 4096, 4608, 0, 512, 0, 4096]);
    expect([s.segResult[0], s.segResult[3], s.segResult[4]]).toEqual([1536, 2, NaN]);
    expect([s.segKey[0], s.segKey[3]]).toEqual([0xb0, 0xa0]);
    expect(s.segOp[5]).toBe(1);
    expect(s.pathOf(0)).toBe('/dev/sdb');
    expect(src.diagnostics).toEqual([]);
  });
});

describe('strace sniffing', () => {
  it('recognises strace shapes and not other text', () => {
    const yes = straceFormat.sniff(new Uint8Array(), '3650  openat(AT_FDCWD, "/dev/sdi1", O_RDONLY|O_DIRECT) = 3\n3650  close(3) = 0\n3650  +++ exited with 0 +++\n');
    expect(yes!.score).toBeGreaterThan(0.9);
    const no = straceFormat.sniff(new Uint8Array(), '  8,0    3        1     0.000000000   697  A   W 223490 + 8 <- (8,2) 2048\n  8,0    3        2     0.000001   697  Q   W 223490 + 8 [kjournald]\n');
    expect(no === null || no.score < 0.3).toBe(true);
  });
});
