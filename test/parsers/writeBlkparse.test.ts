/**
 * The writer against blkparse itself: the fixtures' own blkparse 1.2.0
 * output, and blkparse 1.2.0 (Debian package `blktrace`, installed by the CI
 * script) run on the corpus binaries and on synthetic records that reach
 * every tail blkparse prints.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBlktraceBinary } from '../../parsers/blktraceBin';
import { groupBlktraceFiles, mergeBlktraceSources } from '../../parsers/blktraceSet';
import { formatBlkparseLine, writeBlkparseEvents } from '../../parsers/writeBlkparse';
import { devKey } from '../../parsers/model/blockEvents';
import { CORPUS, FIXTURES, exists, readInput, readText, walk } from '../helpers/fixtures';
import { ascii, concatBytes, record, remapPdu, u64be } from './blktraceRecords';
import type { RecordFields } from './blktraceRecords';

/** Event lines of blkparse output: everything before the first per-CPU summary, minus "Input file" notices. */
function eventLines(text: string): string[] {
  const lines = text.split('\n');
  const end = lines.findIndex((l) => /^CPU\d+ \(/.test(l));
  return lines.slice(0, end < 0 ? lines.length : end).filter((l) => l !== '' && !l.startsWith('Input file '));
}

/**
 * Runs the real blkparse. Input for `-i -` comes from a regular file, not a
 * pipe: blkparse's read batches (and with them its ordering of equal-time
 * events) follow what each read() returns, and a pipe on a loaded machine
 * returns short reads at random.
 */
function blkparse(args: string[], input?: Uint8Array): string {
  if (!input) return execFileSync('blkparse', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  const dir = mkdtempSync(join(tmpdir(), 'blkparse-oracle-'));
  const file = join(dir, 'in.bin');
  writeFileSync(file, input);
  const fd = openSync(file, 'r');
  try {
    return execFileSync('blkparse', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: [fd, 'pipe', 'pipe'] });
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

const FIXTURE_BINS = walk(FIXTURES).filter((p) => p.endsWith('.bin') || p.endsWith('.bin.xz'));

describe('fixtures: byte-identical to the blkparse.txt beside each binary', () => {
  it('finds every binary and its oracle', () => {
    expect(FIXTURE_BINS.length).toBeGreaterThanOrEqual(13);
    for (const p of FIXTURE_BINS) expect(exists(p.replace(/\.bin(\.xz)?$/, '.blkparse.txt$1'))).toBe(true);
  });

  it.each(FIXTURE_BINS.map((p) => [p.slice(FIXTURES.length + 1), p]))('%s', (_rel, path) => {
    const expected = eventLines(readText(path.replace(/\.bin(\.xz)?$/, '.blkparse.txt$1')));
    const src = parseBlktraceBinary(readInput(path), path);
    expect(src.diagnostics).toEqual([]);
    const got = writeBlkparseEvents(src.block!);
    expect(got.length).toBe(expected.length);
    for (let i = 0; i < got.length; i++) if (got[i] !== expected[i]) expect(`${i}: ${got[i]}`).toBe(`${i}: ${expected[i]}`);
  });
});

describe('corpus: byte-identical to blkparse 1.2.0 run here', () => {
  it('blkparse is installed (apt package blktrace)', () => {
    expect(execFileSync('blkparse', ['-V'], { encoding: 'utf8' })).toContain('1.2.0');
  });

  it.each([
    ['isotopp-keks', 'keks'],
    ['liuzel01-mynotes-sda', 'sda'],
  ])('%s: per-CPU set merged as `blkparse -i %s`', (dir, stem) => {
    const d = join(CORPUS, 'blktrace-bin', dir);
    const [group] = groupBlktraceFiles(readdirSync(d));
    const merged = mergeBlktraceSources(group.files.map((f) => parseBlktraceBinary(readInput(join(d, f)), f)));
    expect(writeBlkparseEvents(merged.block!)).toEqual(eventLines(blkparse(['-i', join(d, stem)])));
  });

  it.each(['romeus-blkparseanalyzer/trace_x_0_y_0.bin', 'romeus-blkparseanalyzer/trace_x_1_y_2.bin', 'takeoverjp-sample/sample.blktrace.0'])(
    '%s: single stream as `blkparse -i -`',
    (rel) => {
      const bytes = readInput(join(CORPUS, 'blktrace-bin', rel));
      // One read batch: blkparse 1.2.0 re-takes its genesis at the next pipe batch
      // while it is 0 (sort_entries: `if (!genesis_time)`), and romeus' first
      // event has time 0 (the file was already rebased), which restarts the
      // clock at record 512. takeoverjp goes through the pipe because -i would
      // drop all its records (cpu 1 in a .blktrace.0 file).
      const expected = eventLines(blkparse(['-b', '1000000', '-i', '-'], bytes));
      expect(writeBlkparseEvents(parseBlktraceBinary(bytes, rel).block!)).toEqual(expected);
    },
  );
});

describe('synthetic records through every tail', () => {
  const A = devKey(8, 16);
  const B = devKey(259, 123456);
  const C = devKey(253, 1);
  const Q = 0x10;
  const READ = 0x1;
  const WRITE = 0x2;
  const FLUSH = 0x4;
  const SYNC = 0x8;
  const REQUEUE = 0x20;
  const ISSUE = 0x40;
  const COMPLETE = 0x80;
  const PC = 0x200;
  const AHEAD = 0x800;
  const META = 0x1000;
  const DISCARD = 0x2000;
  const DRV = 0x4000;
  const FUA = 0x8000;
  const act = (code: number, cats: number): number => (code | (cats << 16)) >>> 0;
  const cdb = Uint8Array.from([0x2a, 0, 0, 0, 0, 8, 0, 0, 8, 0]);

  function build(): Uint8Array {
    const seqs = new Map<number, number>();
    let t = 5000000000n;
    const ev = (f: Omit<RecordFields, 'time'>): Uint8Array => {
      const cpu = f.cpu ?? 0;
      const seq = (seqs.get(cpu) ?? 0) + 1;
      seqs.set(cpu, seq);
      t += 1234n;
      return record({ seq, pid: 100, device: A, sector: 2048n, ...f, time: t });
    };
    return concatBytes([
      record({ time: 4000000000n, action: 0x04000000, pid: 100, pdu: ascii('fio\0stale-bytes', 16) }),
      ev({ action: act(1, Q | WRITE | FUA | SYNC | META), bytes: 4096 }),
      ev({ action: act(2, Q | READ | AHEAD), bytes: 4096, sector: 1n << 40n }),
      ev({ action: act(3, Q | DISCARD | WRITE), bytes: 8192 }),
      ev({ action: act(4, Q | FLUSH | WRITE | SYNC), bytes: 0 }),
      ev({ action: act(5, Q | READ), bytes: 512, pid: 4000000 }),
      ev({ action: act(6, REQUEUE | WRITE), bytes: 4096 }),
      ev({ action: act(7, ISSUE | WRITE), bytes: 1000, pid: 200 }),
      ev({ action: act(8, COMPLETE | WRITE), bytes: 4096, error: 0xfffb, pid: 0 }),
      ev({ action: act(8, COMPLETE | FLUSH), bytes: 0, sector: 0n, pid: 0 }),
      ev({ action: act(9, Q) }),
      ev({ action: act(10, Q), pdu: u64be(3n) }),
      ev({ action: act(11, Q), pdu: u64be(7n), cpu: 12 }),
      ev({ action: act(12, Q | WRITE | SYNC), bytes: 4096, cpu: 12 }),
      ev({ action: act(13, WRITE), bytes: 65536, pdu: u64be(0x100000010n) }),
      ev({ action: act(14, READ), bytes: 4096 }),
      ev({ action: act(15, Q | WRITE), bytes: 4096, pdu: remapPdu(C, B, 777n) }),
      ev({ action: act(16, Q), bytes: 4096 }),
      ev({ action: act(17, DRV), pdu: Uint8Array.from([1, 2, 3]) }),
      record({ time: (t += 1000n), action: 0x04000002, pid: 100, cpu: 12, device: A, pdu: ascii('cfq100 insert_request') }),
      ev({ action: act(1, Q | PC | READ), bytes: 512, pdu: cdb }),
      ev({ action: act(4, Q | PC | READ), bytes: 512 }),
      ev({ action: act(12, Q | PC), bytes: 0, pdu: Uint8Array.from([0x12, 0, 0, 0, 0x24, 0]) }),
      ev({ action: act(7, ISSUE | PC | WRITE), bytes: 4096, pdu: cdb }),
      ev({ action: act(8, COMPLETE | PC | WRITE), bytes: 4096, pdu: cdb, error: 2 }),
      ev({ action: act(6, REQUEUE | PC), bytes: 0 }),
      ev({ action: act(7, ISSUE | PC), bytes: 0 }),
      ev({ action: act(7, ISSUE | PC), bytes: 0, pdu: Uint8Array.from([0, 0, 0]) }),
      ev({ action: act(2, Q | PC | WRITE), bytes: 4096 }),
      ev({ action: act(1, Q | READ), bytes: 1 << 20, device: B, cpu: 3 }),
    ]);
  }

  it('matches blkparse line for line', () => {
    const bytes = build();
    const src = parseBlktraceBinary(bytes, 'synthetic');
    expect(src.diagnostics).toEqual([]);
    const got = writeBlkparseEvents(src.block!);
    expect(got).toEqual(eventLines(blkparse(['-i', '-'], bytes)));
    expect(got).toContain('  8,16   0        1     0.000000000   100  Q WFSM 2048 + 8 [fio]');
    expect(got).toContain('259,123456  0       14     0.000018510   100  A   W 2048 + 8 <- (253,1) 777');
    expect(got).toContain('  8,16  12        0     0.000021978     0  m   N cfq100 insert_request');
    expect(got).toContain('  8,16   0        8     0.000008638     0  C   W 2048 + 8 [65531]');
    expect(got).toContain('  8,16   0       21     0.000028148   100  C   W (2a 00 00 00 00 08 00 00 08 00 ..) [2]');
  });

  it('prints nothing for abort, driver data and passthrough merges', () => {
    const src = parseBlktraceBinary(build(), 'synthetic');
    const b = src.block!;
    const silent: number[] = [];
    for (let i = 0; i < b.length; i++) if (formatBlkparseLine(b, i, b.timeNs[0]) === null) silent.push(b.action[i]);
    expect(silent).toEqual([16, 17, 2]);
  });

  it('an unordered stream with ties (sequence 0, as ftrace writes it) sorts like blkparse', () => {
    let x = 7;
    const rnd = (n: number): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n;
    const recs: Uint8Array[] = [record({ time: 1000000n, action: act(1, Q | READ), bytes: 4096, pid: 9 })];
    for (let i = 0; i < 1500; i++) {
      const unplug = rnd(4) === 0;
      recs.push(
        record({
          time: 1000000n + BigInt(1 + rnd(600)),
          action: unplug ? act(10, Q) : act(1 + rnd(8), Q | (rnd(2) ? READ : WRITE)),
          bytes: unplug ? 0 : 512 * (1 + rnd(16)),
          sector: BigInt(rnd(100000)),
          pid: 1 + rnd(3),
          cpu: rnd(2),
          device: A,
          pdu: unplug ? u64be(BigInt(rnd(9))) : undefined,
        }),
      );
    }
    const bytes = concatBytes(recs);
    const src = parseBlktraceBinary(bytes, 'unordered');
    expect(writeBlkparseEvents(src.block!)).toEqual(eventLines(blkparse(['-i', '-'], bytes)));
  });

  it('per-CPU files with equal times merge like blkparse -i', () => {
    const dir = mkdtempSync(join(tmpdir(), 'blkmerge-'));
    try {
      let x = 3;
      const rnd = (n: number): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n;
      const files: string[] = [];
      for (let cpu = 0; cpu < 4; cpu++) {
        let t = 1000n;
        const recs: Uint8Array[] = [record({ time: 999n, action: 0x04000000, pid: 10 + cpu, cpu, pdu: ascii(`task${cpu}`, 16) })];
        for (let i = 0; i < 700; i++) {
          t += BigInt(rnd(3));
          recs.push(record({ seq: i + 1, time: t, action: act(9, Q), pid: 10 + rnd(4), cpu, device: A }));
        }
        const name = `tie.blktrace.${cpu}`;
        writeFileSync(join(dir, name), concatBytes(recs));
        files.push(name);
      }
      const merged = mergeBlktraceSources(files.map((f) => parseBlktraceBinary(readInput(join(dir, f)), f)));
      expect(writeBlkparseEvents(merged.block!)).toEqual(eventLines(blkparse(['-i', join(dir, 'tie')])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
