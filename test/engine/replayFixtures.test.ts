import { describe, expect, it } from 'vitest';
import { replay, type Workload } from '../../engine/replay/replay';
import { defaultConfig, type Variant } from '../../engine/replay/config';
import { BufferDisk, SparseDisk } from '../../engine/replay/disk';
import { openGzipImageStreaming, RawFileDisk } from '../../engine/replay/diskNode';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workloadFromStrace, parseWorkloadJson } from '../../engine/replay/workload';
import { formatReplay } from '../../engine/replay/format';
import { buildRequests } from '../../engine/replay/blockLayer';
import { parseStraceText } from '../../parsers/strace';
import { fixturePath, readInput, readText } from '../helpers/fixtures';

const strace = (...p: string[]) => parseStraceText(readInput(fixturePath(...p)), p[p.length - 1]).syscalls!;

/**
 * Where variant (b) must differ from the disk for a read, derived from §1.3/§3.3 without the engine:
 * in each block request whose first bvec starts at page offset p > 0 and that has more bvecs, bvec j ≥ 1
 * is copied from grant j-1, so everything from the request's buffer offset (4096 - p) on is wrong.
 */
function expectedBDiffs(ops: Workload['ops'], cfg = defaultConfig('b')): { op: number; bufStart: number; bufEnd: number }[] {
  const out: { op: number; bufStart: number; bufEnd: number }[] = [];
  for (const op of ops) {
    for (const r of buildRequests(op, cfg).requests) {
      const p = r.bvecs[0].offset;
      if (p > 0 && r.bvecs.length > 1) out.push({ op: op.id, bufStart: r.bufStart + 4096 - p, bufEnd: r.bufEnd });
    }
  }
  return out;
}

function actualDiffs(result: ReturnType<typeof replay>, image: Uint8Array) {
  const out: { op: number; bufStart: number; bufEnd: number }[] = [];
  for (const o of result.ops) {
    const want = image.subarray(o.offset, o.offset + o.result);
    let start = -1;
    for (let s = 0; s <= o.bytes!.length; s += 512) {
      const differs = s < o.bytes!.length && !o.bytes!.subarray(s, s + 512).every((b, i) => b === want[s + i]);
      if (differs && start < 0) start = s;
      if (!differs && start >= 0) {
        out.push({ op: o.opId, bufStart: start, bufEnd: s });
        start = -1;
      }
    }
  }
  return out;
}

describe('odirect-misaligned-dev: 40 O_DIRECT reads into buffers at page offsets k*512', () => {
  const image = readInput(fixturePath('odirect-misaligned-dev', 'stamped-8MiB.img.gz'));
  const disk = new BufferDisk(image);
  /* Buffer addresses from the `-e raw=` run (same addresses: setarch -R), returned bytes from the -xx run. */
  const { workload, errors } = workloadFromStrace(strace('odirect-misaligned-dev', 'rawaddr.strace.txt'), { path: '/dev/loop0' });
  const main = workloadFromStrace(strace('odirect-misaligned-dev', 'main.strace.txt'), { path: '/dev/loop0' }).workload;
  workload.ops.forEach((op, i) => (op.observed = main.ops[i].observed));

  it('builds 40 reads whose page offsets match expected-reads.tsv', () => {
    expect(errors).toEqual([]);
    expect(workload.ops).toHaveLength(40);
    const tsv = readText(fixturePath('odirect-misaligned-dev', 'expected-reads.tsv')).trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(workload.ops.map((o) => [o.offset, o.length, o.bufAddr % 4096])).toEqual(tsv.map((c) => [Number(c[2]), Number(c[4]), Number(c[6])]));
    expect(workload.ops.every((o) => o.observed?.data?.length === o.length && !o.observed.truncated)).toBe(true);
  });

  for (const v of ['a', 'd', 'e'] as Variant[]) {
    it(`(${v}) returns exactly the bytes the real kernel returned`, () => {
      const r = replay(workload, defaultConfig(v), disk);
      for (const o of r.ops) {
        expect(o.result).toBe(o.length);
        expect(o.mismatches).toEqual([]);
        expect(Buffer.from(o.bytes!).equals(Buffer.from(workload.ops[o.opId].observed!.data!))).toBe(true);
      }
    });
  }

  it('(c) d62f69185 is also right for single-buffer reads (each new sg entry starts at offset 0)', () => {
    const r = replay(workload, defaultConfig('c'), disk);
    expect(r.ops.flatMap((o) => o.mismatches)).toEqual([]);
  });

  it('(b) 0a8704a51 differs exactly from buffer offset 4096 - pageoff to the end of misaligned multi-page reads', () => {
    const r = replay(workload, defaultConfig('b'), disk);
    const want = expectedBDiffs(workload.ops);
    expect(want.length).toBeGreaterThan(10);
    expect(actualDiffs(r, image)).toEqual(want);
    /* Same ranges against what strace showed. */
    expect(r.ops.flatMap((o) => (o.mismatches ?? []).map((m) => ({ op: o.opId, ...m })))).toEqual(want);
    /* e.g. op 3: 8 KiB at page offset 512: buf[3584,8192) wrong; from 4096 on it is the sectors 7 earlier. */
    const op3 = r.ops[3];
    expect(op3.provenance[0]).toEqual({ bufStart: 0, bufEnd: 3584, source: { kind: 'disk', start: 6819840, end: 6819840 + 3584 } });
    expect(op3.provenance[op3.provenance.length - 1].source).toEqual({ kind: 'disk', start: 6819840, end: 6819840 + 4096 });
  });

  it('reads a raw image lazily by page (RawFileDisk) with the same sectors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'replay-raw-'));
    const path = join(dir, 'stamped.img');
    writeFileSync(path, image);
    const raw = new RawFileDisk(path, 4);
    try {
      expect(raw.sectors).toBe(16384);
      for (const lba of [0, 7, 8, 4095, 12576, 16382]) expect(raw.readSectors(lba, 9)).toEqual(disk.readSectors(lba, 9));
      expect(raw.readSectors(16383, 2).subarray(512).every((b) => b === 0)).toBe(true);
    } finally {
      raw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams the gzip image into a sparse page store with the same sectors', async () => {
    const streamed = await openGzipImageStreaming(fixturePath('odirect-misaligned-dev', 'stamped-8MiB.img.gz'));
    expect(streamed.sectors).toBe(16384);
    for (const lba of [0, 1, 4095, 12576, 16383]) expect(streamed.readSectors(lba, 3)).toEqual(disk.readSectors(lba, 3));
  });
});

describe('split44k: 64 KiB … 1 MiB O_DIRECT reads split at 44 KiB', () => {
  const image = readInput(fixturePath('split44k', 'stamped-8MiB.img.gz'));
  const disk = new BufferDisk(image);
  const dio = [...readText(fixturePath('split44k', 'limit44.stderr.txt')).matchAll(/pageoff=(\d+)/g)].map((m) => Number(m[1]));
  /* dd aligns O_DIRECT buffers to the page (9 reads); the two dio reads log page offsets 512 and 1536. */
  const { workload } = workloadFromStrace(strace('split44k', 'limit44.strace.txt'), { path: '/dev/loop0', pageOffset: [...Array(9).fill(0), ...dio] });

  it('has 11 reads, the dio ones at page offsets 512 and 1536', () => {
    expect(workload.ops.map((o) => o.length)).toEqual([65536, 65536, 65536, 65536, 131072, 131072, 131072, 131072, 1048576, 65536, 131072]);
    expect(dio).toEqual([512, 1536]);
  });

  for (const v of ['a', 'd', 'e'] as Variant[]) {
    it(`(${v}) returns the device's bytes and what strace showed (-s 256 prefix)`, () => {
      const r = replay(workload, defaultConfig(v), disk);
      for (const o of r.ops) {
        expect(o.mismatches).toEqual([]);
        expect(Buffer.from(o.bytes!).equals(Buffer.from(image.subarray(o.offset, o.offset + o.length)))).toBe(true);
      }
      if (v !== 'e') {
        /* 3.x: 64 KiB page aligned = 44 KiB + 20 KiB; 1 MiB = 23 x 44 KiB + 12 KiB. */
        expect(r.ops[0].requests.map((q) => q.nSectors)).toEqual([88, 40]);
        expect(r.ops[8].requests).toHaveLength(24);
        expect(r.ops[9].requests.map((q) => q.nSectors)).toEqual([87, 41]);
      }
    });
  }

  it('(b) corrupts only the first request of each misaligned dio read; (c) nothing', () => {
    const b = replay(workload, defaultConfig('b'), disk);
    const want = expectedBDiffs(workload.ops);
    expect(want).toEqual([
      { op: 9, bufStart: 3584, bufEnd: 44544 },
      { op: 10, bufStart: 2560, bufEnd: 43520 },
    ]);
    expect(actualDiffs(b, image)).toEqual(want);
    const c = replay(workload, defaultConfig('c'), disk);
    expect(actualDiffs(c, image)).toEqual([]);
  });
});

describe('blog case: parted on /dev/xvdb under 0a8704a51 (blog-parted-xvdb)', () => {
  const calls = strace('blog-parted-xvdb', 'blog.strace.txt');
  const rows = [...Array(calls.length).keys()].filter((i) => calls.nameOf(i) === 'read');
  const bytesAt = (offset: number, len: number) => {
    const i = rows.find((r) => calls.offset[r] === offset && calls.length_[r] === len)!;
    return calls.bytesOf(i).slice();
  };
  const gptHeader = bytesAt(512, 512);
  const last = rows[rows.length - 1];
  const observed = calls.bytesOf(last).slice();
  /* LBA 1 = the GPT header the trace read at offset 512; LBA 0 = the protective MBR the blog saw inside
     the 16 KiB read at buffer offset 3584 (the excerpt never read LBA 0 directly). Zeros elsewhere. */
  const mbr = observed.slice(3584, 4096);
  const disk = new SparseDisk(1 << 20);
  disk.write(0, mbr);
  disk.write(512, gptHeader);

  const { workload, errors } = parseWorkloadJson(
    JSON.stringify({
      name: 'blog',
      ops: [
        { op: 'read', offset: 512, length: 512, pageOffset: 0 },
        { op: 'read', offset: 0, length: 512, pageOffset: 2560 },
        { op: 'read', offset: 1024, length: 16384, pageOffset: 3072 },
      ],
    }),
  );

  it('the trace shows what the fixture says: 16 KiB read cut at -s 4096, GPT header and MBR', () => {
    expect(errors).toEqual([]);
    expect(calls.offset[last]).toBe(1024);
    expect(observed.length).toBe(4096);
    expect(new TextDecoder().decode(gptHeader.subarray(0, 8))).toBe('EFI PART');
    expect([mbr[510], mbr[511], mbr[450]]).toEqual([0x55, 0xaa, 0xee]);
  });

  it('(b) with zero-filled new grant pages returns the blog\'s 4096 bytes exactly', () => {
    const cfg = defaultConfig('b', { pool: { model: 'on-demand', initial: 'zero', preallocCount: 0 } });
    const r = replay(workload, cfg, disk);
    const got = r.ops[2].bytes!;
    expect(Buffer.from(got.subarray(0, 4096)).equals(Buffer.from(observed))).toBe(true);
    /* The explanation, by provenance: LBA 1 and LBA 0 are stale bytes of grant page 0 left by ops 0 and 1. */
    expect(r.ops[2].provenance.slice(0, 5)).toEqual([
      { bufStart: 0, bufEnd: 1024, source: { kind: 'disk', start: 1024, end: 2048 } },
      { bufStart: 1024, bufEnd: 1536, source: { kind: 'stale', grantPage: 0, writtenBy: 0, pageStart: 0, pageEnd: 512, content: { kind: 'disk', start: 512, end: 1024 } } },
      { bufStart: 1536, bufEnd: 3584, source: { kind: 'zero' } },
      { bufStart: 3584, bufEnd: 4096, source: { kind: 'stale', grantPage: 0, writtenBy: 1, pageStart: 2560, pageEnd: 3072, content: { kind: 'disk', start: 0, end: 512 } } },
      { bufStart: 4096, bufEnd: 16384, source: { kind: 'disk', start: 1024, end: 13312 } },
    ]);
    expect(formatReplay(r)).toContain('STALE grant page 0 [0,512) written by op 0: disk [512,1024) as read then');
  });

  for (const v of ['a', 'c', 'd'] as Variant[]) {
    it(`(${v}) returns the disk's bytes (zeros at LBA 2..33)`, () => {
      const r = replay(workload, defaultConfig(v), disk);
      expect(r.ops[2].bytes!.every((b) => b === 0)).toBe(true);
      expect(r.ops[0].bytes).toEqual(gptHeader);
      expect(r.ops[1].bytes).toEqual(mbr);
    });
  }
});
