/**
 * strace parser against the real fixtures: every read's device offset,
 * length, buffer address and result as tabulated by the workload itself
 * (expected-reads.tsv, stderr logs), the returned bytes against the
 * sector-stamped image, AIO pairing against the block trace.
 */
import { describe, expect, it } from 'vitest';
import { parseStraceText } from '../../parsers/strace';
import { DATA_PRESENT, DATA_TRUNCATED, SegKind, type SyscallStore } from '../../parsers/model/syscalls';
import type { ParsedSource } from '../../parsers/model/source';
import { fixturePath, readInput, readText } from '../helpers/fixtures';

const O_DIRECT = 0o40000;
const READS = new Set(['read', 'pread64', 'readv', 'preadv', 'preadv2']);

function parse(...parts: string[]): ParsedSource {
  return parseStraceText(readInput(fixturePath(...parts)), parts.join('/'));
}

function errors(src: ParsedSource): string[] {
  return src.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
}

/** Rows of read-type syscalls on the given path, in trace order. */
function readsOf(s: SyscallStore, path: string): number[] {
  const rows: number[] = [];
  for (let i = 0; i < s.length; i++) if (READS.has(s.nameOf(i)) && s.pathOf(i) === path) rows.push(i);
  return rows;
}

interface Expected {
  op: string;
  syscall: string;
  offset: number;
  len: number;
  buf: string;
  ret: number;
}

function readTsv(...parts: string[]): Expected[] {
  const [head, ...lines] = readText(fixturePath(...parts)).trim().split('\n');
  const cols = head.split('\t');
  return lines.map((l) => {
    const v = l.split('\t');
    const get = (c: string): string => v[cols.indexOf(c)];
    return { op: get('op'), syscall: get('syscall'), offset: Number(get('offset')), len: Number(get('len')), buf: get('buf'), ret: Number(get('ret')) };
  });
}

/** `[{0x7ffff79cf200,512,pageoff=512},...]` → [[base, len], ...] */
function iovList(buf: string): [number, number][] {
  return [...buf.matchAll(/\{0x([0-9a-f]+),(\d+),/g)].map((m) => [parseInt(m[1], 16), Number(m[2])]);
}

function checkAgainstTable(src: ParsedSource, table: Expected[], image: Uint8Array | null, addressesShown: 'errors' | 'all'): void {
  const s = src.syscalls!;
  const rows = readsOf(s, '/dev/loop0');
  expect(rows.length).toBe(table.length);
  table.forEach((e, k) => {
    const r = rows[k];
    const where = `op#${e.op} (line ${s.line[r]})`;
    expect(s.nameOf(r), where).toBe(e.syscall.replace('lseek+', ''));
    expect(s.offset[r], where).toBe(e.offset);
    expect(s.length_[r], where).toBe(e.len);
    expect(s.result[r], where).toBe(e.ret);
    expect(s.openFlags[r] & O_DIRECT, where).toBe(O_DIRECT);
    expect(s.errno[r], where).toBe(e.ret < 0 ? 22 : 0);
    if (e.ret < 0) expect(s.strings.get(s.errName[r]), where).toBe('EINVAL');
    if (e.buf.startsWith('[')) {
      const iov = iovList(e.buf);
      const [a, b] = s.segmentsOf(r);
      expect(b - a, where).toBe(iov.length);
      let off = e.offset;
      iov.forEach(([base, len], j) => {
        expect(s.segKind[a + j]).toBe(SegKind.Iovec);
        expect(s.segLen[a + j], where).toBe(len);
        expect(s.segOffset[a + j], where).toBe(off);
        // Buffers are printed as addresses only when the call failed.
        if (e.ret < 0) expect(s.segBuf[a + j], where).toBe(base);
        off += len;
      });
    } else if (e.ret < 0 || addressesShown === 'all') {
      expect(s.bufAddr[r], where).toBe(parseInt(e.buf, 16));
    } else {
      expect(s.bufAddr[r], where).toBeNaN();
    }
    if (image && e.ret >= 0) {
      expect(s.dataFlags[r], where).toBe(DATA_PRESENT);
      const got = s.bytesOf(r);
      expect(got.length, where).toBe(e.ret);
      expect(Buffer.from(got).equals(Buffer.from(image.subarray(e.offset, e.offset + e.ret))), where).toBe(true);
    }
  });
}

describe('strace: reads of the O_DIRECT fixtures match expected-reads.tsv and the stamped image', () => {
  it('odirect-misaligned-dev main (-s 65536 -xx -tt -T -y): 40 reads, bytes = image', () => {
    const src = parse('odirect-misaligned-dev', 'main.strace.txt');
    expect(errors(src)).toEqual([]);
    const image = readInput(fixturePath('odirect-misaligned-dev', 'stamped-8MiB.img.gz'));
    checkAgainstTable(src, readTsv('odirect-misaligned-dev', 'expected-reads.tsv'), image, 'errors');
  });

  it('odirect-misaligned-dev rawaddr (-e raw=pread64,read): same reads, every buffer address', () => {
    const src = parse('odirect-misaligned-dev', 'rawaddr.strace.txt');
    expect(errors(src)).toEqual([]);
    checkAgainstTable(src, readTsv('odirect-misaligned-dev', 'expected-reads.tsv'), null, 'all');
  });

  it('tracepoints-dev main and sched8k', () => {
    const image = readInput(fixturePath('tracepoints-dev', 'stamped-8MiB.img.gz'));
    for (const [run, tsv] of [
      ['main', 'expected-reads.tsv'],
      ['sched8k', 'sched8k.expected-reads.tsv'],
    ]) {
      const src = parse('tracepoints-dev', `${run}.strace.txt`);
      expect(errors(src)).toEqual([]);
      checkAgainstTable(src, readTsv('tracepoints-dev', tsv), image, 'errors');
    }
  });

  it('edge-cases: EINVAL with the buffer pointer, short reads at the end, EOF, preadv/readv iovecs', () => {
    const src = parse('edge-cases', 'main.strace.txt');
    expect(errors(src)).toEqual([]);
    const image = readInput(fixturePath('edge-cases', 'stamped-8MiB.img.gz'));
    checkAgainstTable(src, readTsv('edge-cases', 'expected-reads.tsv'), image, 'errors');
    // The vectored reads keep each iovec's own bytes.
    const s = src.syscalls!;
    const rv = readsOf(s, '/dev/loop0').find((r) => s.nameOf(r) === 'readv')!;
    const [a] = s.segmentsOf(rv);
    const second = s.data.view(s.segDataStart[a + 1], s.segDataLen[a + 1]);
    expect(Buffer.from(second).equals(Buffer.from(image.subarray(2150400 + 4096, 2150400 + 8192)))).toBe(true);
  });
});

describe('strace: the blog capture of the corrupted parted run', () => {
  const src = parse('blog-parted-xvdb', 'blog.strace.txt');
  const s = src.syscalls!;
  const reads = [...Array(s.length).keys()].filter((i) => s.nameOf(i) === 'read');

  it('parses into 5 reads of fd 3 at the lseek positions, no open needed', () => {
    expect(errors(src)).toEqual([]);
    expect(reads.length).toBe(5);
    expect(reads.map((r) => s.offset[r])).toEqual([512, 1024, 1536, 2048, 1024]);
    expect(reads.map((r) => s.length_[r])).toEqual([512, 512, 512, 512, 16384]);
    expect(reads.map((r) => s.result[r])).toEqual([512, 512, 512, 512, 16384]);
    expect(reads.every((r) => s.fd[r] === 3)).toBe(true);
  });

  it('keeps the exact bytes: GPT header at LBA 1, zeros, and the 16 KiB read cut at 4096 by -s', () => {
    const hdr = s.bytesOf(reads[0]);
    expect(hdr.length).toBe(512);
    expect(new TextDecoder().decode(hdr.subarray(0, 8))).toBe('EFI PART');
    for (const r of reads.slice(1, 4)) expect(s.bytesOf(r).every((b) => b === 0)).toBe(true);
    const last = reads[4];
    expect(s.dataFlags[last]).toBe(DATA_PRESENT | DATA_TRUNCATED);
    const big = s.bytesOf(last);
    expect(big.length).toBe(4096);
    // Buffer offset 1024 (LBA 4) holds the header read from LBA 1; 3584 (LBA 9) a protective MBR.
    expect(Buffer.from(big.subarray(1024, 1536)).equals(Buffer.from(hdr))).toBe(true);
    expect([big[4094], big[4095]]).toEqual([0x55, 0xaa]);
    expect(big[3584 + 446 + 4]).toBe(0xee);
  });
});

describe('strace: Linux AIO (fio-mixed short, strace -f)', () => {
  const src = parse('fio-mixed', 'short.strace.txt');
  const s = src.syscalls!;

  it('every iocb has its buffer, size, offset and the result of its io_event', () => {
    expect(errors(src)).toEqual([]);
    const iocbs: number[] = [];
    const events: number[] = [];
    for (let k = 0; k < s.segCount; k++) {
      if (s.segKind[k] === SegKind.Iocb) iocbs.push(k);
      if (s.segKind[k] === SegKind.AioEvent) events.push(k);
    }
    expect(iocbs.length).toBe(48);
    expect(events.length).toBe(48);
    for (const k of iocbs) {
      expect(s.segFd[k]).toBe(7);
      expect([0, 1]).toContain(s.segOp[k]);
      expect(s.segLen[k]).toBeGreaterThanOrEqual(512);
      expect(s.segOffset[k] % 512).toBe(0);
      // Reads show the buffer address; writes show the data instead.
      if (s.segOp[k] === 0) expect(s.segBuf[k]).toBeGreaterThan(0x7f0000000000);
      else expect(s.segDataFlags[k] & DATA_PRESENT).toBe(DATA_PRESENT);
      expect(s.segResult[k]).toBe(s.segLen[k]);
      expect(s.segKey[k]).toBeGreaterThan(0);
    }
    // Each event carries the iocb it completed; obj keys of in-flight iocbs are distinct.
    for (const k of events) expect(iocbs.some((i) => s.segKey[i] === s.segKey[k] && s.segOffset[i] === s.segOffset[k])).toBe(true);
  });

  it('the iocbs are exactly the queued requests of the block trace (sector, size, direction)', () => {
    const fromStrace: string[] = [];
    for (let k = 0; k < s.segCount; k++) {
      if (s.segKind[k] === SegKind.Iocb) fromStrace.push(`${s.segOp[k] === 0 ? 'R' : 'W'} ${s.segOffset[k] / 512} + ${s.segLen[k] / 512}`);
    }
    const fromBlk = readText(fixturePath('fio-mixed', 'short.blkparse.txt'))
      .split('\n')
      .map((l) => /\sQ\s+(R|W)S?\s+(\d+) \+ (\d+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} ${m[2]} + ${m[3]}`);
    expect(fromBlk.length).toBe(48);
    expect(fromStrace.sort()).toEqual(fromBlk.sort());
  });
});

describe('strace: threads (mt-pread, strace -f)', () => {
  it('pairs <unfinished ...> with <... pread64 resumed> by tid: 24 reads, offsets and lengths of the stderr log', () => {
    const src = parse('mt-pread', 'main.strace.txt');
    expect(errors(src)).toEqual([]);
    const s = src.syscalls!;
    const expected = readText(fixturePath('mt-pread', 'main.stderr.txt'))
      .split('\n')
      .map((l) => /tid=(\d+) read#(\d+) pread64 off=(\d+) sector=\d+ len=(\d+)/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} ${m[3]} ${m[4]}`);
    expect(expected.length).toBe(24);
    const rows = readsOf(s, '/dev/loop0');
    expect(rows.length).toBe(24);
    const got = rows.map((r) => `${s.pid[r]} ${s.offset[r]} ${s.length_[r]}`);
    expect(got.sort()).toEqual([...expected].sort());
    for (const r of rows) {
      expect(s.result[r]).toBe(s.length_[r]);
      expect(s.durationNs[r]).toBeGreaterThan(0);
      // -s 256: the returned bytes are cut, and start with the stamp of the first sector.
      expect(s.dataFlags[r]).toBe(DATA_PRESENT | DATA_TRUNCATED);
      const stamp = new TextDecoder().decode(s.bytesOf(r).subarray(0, 16));
      expect(stamp).toBe(`LBA=${String(s.offset[r] / 512).padStart(8, '0')}:00\n`);
    }
    // The row keeps the start line and time of the unfinished half.
    const first = rows[0];
    expect(readText(fixturePath('mt-pread', 'main.strace.txt')).split('\n')[s.line[first] - 1]).toContain('pread64(3</dev/loop0>,  <unfinished ...>');
  });
});
