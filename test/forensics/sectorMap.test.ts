import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/forensics/analyze';
import { stampedImage } from '../../engine/forensics/bench';
import { MemoryImage } from '../../engine/forensics/image';
import { straceSource } from './storeKit';

const disk = stampedImage(256);
const at = (lba: number, sectors: number) => disk.slice(lba * 512, (lba + sectors) * 512);

function runsOf(r: ReturnType<typeof analyze>, i = 0) {
  return r.reads[i].runs.map((x) => [x.verdict, x.lbaFirst, x.lbaLast, x.sourceLba, x.displacement]);
}

describe('sector map: stamps alone', () => {
  it('verifies a correct read and flags a displaced sector with its source and displacement', () => {
    const data = at(100, 8);
    data.set(at(40, 1), 3 * 512); // LBA 103 returns LBA 40's data
    const r = analyze({ sources: [straceSource([{ name: 'pread64', offset: 100 * 512, length: 4096, data }])] });
    expect(runsOf(r)).toEqual([
      ['correct', 100, 102, null, null],
      ['misplaced', 103, 103, 40, 63],
      ['correct', 104, 107, null, null],
    ]);
    const f = r.findings.filter((x) => x.severity === 'error');
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'misplaced-data', bufRange: [1536, 2048], lbaRange: [103, 103], displacement: 63 });
    expect(f[0].actual).toMatchObject({ lba: 40, byteOffset: 40 * 512 });
  });

  it('cuts a read at a byte offset that is not a multiple of 512 at device sector boundaries', () => {
    const off = 10 * 512 + 100;
    const data = disk.slice(off, off + 1024);
    const r = analyze({ sources: [straceSource([{ name: 'pread64', offset: off, length: 1024, data, direct: false }])] });
    const runs = r.reads[0].runs;
    expect(runs.map((x) => [x.bufStart, x.bufEnd, x.verdict])).toEqual([[0, 1024, 'correct']]);
    expect(r.reads[0].counts.correct).toBe(3); // 412 + 512 + 100 bytes
  });

  it('never counts truncated data correct; a visible misplacement is still an error', () => {
    const data = at(20, 4);
    data.set(at(21, 1), 0); // visible and wrong
    const r = analyze({ sources: [straceSource([{ name: 'read', offset: 20 * 512, length: 2048, data, shown: 700 }])] });
    expect(r.reads[0].counts.correct).toBe(0);
    expect(runsOf(r)).toEqual([
      ['misplaced', 20, 20, 21, -1],
      ['unverifiable', 21, 23, null, null],
    ]);
    expect(r.findings.map((f) => [f.severity, f.kind])).toEqual([
      ['error', 'misplaced-data'],
      ['chat', 'unverifiable-data'],
    ]);
  });
});

describe('sector map: reference image, writes and re-reads', () => {
  const rnd = new Uint8Array(64 * 512);
  let x = 12345;
  for (let i = 0; i < rnd.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    rnd[i] = x >>> 24;
  }
  const img = new MemoryImage(rnd, 'random.img');
  const sec = (l: number, n = 1) => rnd.slice(l * 512, (l + n) * 512);

  it('checks against the image and finds the origin of foreign data in it', () => {
    const data = sec(8, 4);
    data.set(sec(13), 512); // LBA 9 holds LBA 13's content
    const r = analyze({ sources: [straceSource([{ name: 'pread64', offset: 8 * 512, length: 2048, data }])], image: img });
    expect(runsOf(r)).toEqual([
      ['correct', 8, 8, null, null],
      ['misplaced', 9, 9, 13, -4],
      ['correct', 10, 11, null, null],
    ]);
    // Without the image the same bytes are unverifiable, not correct.
    const r2 = analyze({ sources: [straceSource([{ name: 'pread64', offset: 8 * 512, length: 2048, data }])] });
    expect(r2.reads[0].counts.correct).toBe(0);
  });

  it('expects written data after a write, and calls the old content stale', () => {
    const newData = new Uint8Array(512).fill(0x5a);
    const calls = [
      { name: 'pwrite64', offset: 5 * 512, length: 512, data: newData },
      { name: 'pread64', offset: 5 * 512, length: 512, data: sec(5) }, // returns pre-write content
      { name: 'pread64', offset: 5 * 512, length: 512, data: newData },
    ];
    const r = analyze({ sources: [straceSource(calls)], image: img });
    expect(r.reads.map((m) => m.runs[0].verdict)).toEqual(['stale', 'correct']);
    // The two reads after the write also disagree with each other.
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.kind)).toEqual(['stale-data', 'inconsistent-reread']);
  });

  it('flags an inconsistent re-read with no write between, and the content it repeats', () => {
    const calls = [
      { name: 'read', offset: 1 * 512, length: 512, data: sec(1) },
      { name: 'read', offset: 4 * 512, length: 512, data: sec(4) },
      { name: 'read', offset: 3 * 512, length: 1024, data: new Uint8Array([...sec(3), ...sec(1)]) },
    ];
    const r = analyze({ sources: [straceSource(calls)] });
    expect(runsOf(r, 2)).toEqual([
      ['unverifiable', 3, 3, null, null],
      ['misplaced', 4, 4, 1, 3],
    ]);
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => f.kind).sort()).toEqual(['inconsistent-reread', 'misplaced-data']);
  });

  it('marks repeated chunks of one read as duplicates when nothing else is known', () => {
    const data = new Uint8Array([...sec(30), ...sec(30), ...sec(32)]);
    const r = analyze({ sources: [straceSource([{ name: 'read', offset: 30 * 512, length: 1536, data }])] });
    expect(r.reads[0].duplicates).toEqual([[0, 512]]);
    expect(runsOf(r)).toEqual([
      ['unverifiable', 30, 30, null, null],
      ['duplicate', 31, 31, 30, 1],
      ['unverifiable', 32, 32, null, null],
    ]);
    expect(r.findings.find((f) => f.kind === 'duplicated-chunk')?.severity).toBe('warning');
  });

  it('reports failed and short reads without calling them errors', () => {
    const calls = [
      { name: 'pread64', offset: 0, length: 4096, result: -1 },
      { name: 'pread64', offset: 60 * 512, length: 4096, result: 2048, data: sec(60, 4) },
    ];
    const r = analyze({ sources: [straceSource(calls)], image: img });
    expect(r.findings.map((f) => [f.severity, f.kind])).toEqual([
      ['warning', 'read-failed'],
      ['note', 'short-read'],
    ]);
    expect(r.reads[0].counts.correct).toBe(4);
  });
});
