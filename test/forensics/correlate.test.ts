import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { analyze } from '../../engine/forensics/analyze';
import { correlate, devKeyOfPath, queueDepths } from '../../engine/forensics/correlate';
import { extractIo, type IoRecord } from '../../engine/forensics/io';
import { buildRequests } from '../../engine/forensics/requests';
import { parseAnchorText, bestOffset } from '../../engine/forensics/clock';
import { parseBytes } from '../../parsers/parse';
import { Action } from '../../parsers/model/actions';
import type { ParsedSource } from '../../parsers/model/source';
import { fixturePath, readInput, readText } from '../helpers/fixtures';
import { blockSource, straceSource } from './storeKit';

describe('block requests rebuilt from events', () => {
  it('follows a split bio into its pieces and joins the syscall to both requests', () => {
    const blk = blockSource([
      [1000, 'Q', 'RS', 1280, 128, 7],
      [1005, 'X', 'RS', 1280, 0, 7, 1368],
      [1009, 'G', 'RS', 1280, 88, 7],
      [1014, 'D', 'RS', 1280, 88, 7],
      [1020, 'G', 'RS', 1368, 40, 7],
      [1021, 'D', 'RS', 1368, 40, 7],
      [1350, 'C', 'RS', 1280, 88, 0],
      [1353, 'C', 'RS', 1368, 40, 0],
    ]);
    const m = buildRequests(blk.block!, 'x');
    expect(m.requests.map((r) => [r.sector, r.nSectors, r.tQ, r.tG, r.tD, r.tC])).toEqual([
      [1280, 88, 1000, 1009, 1014, 1350],
      [1368, 40, 1000, 1020, 1021, 1353],
    ]);
    const st = straceSource([{ name: 'pread64', offset: 1280 * 512, length: 65536, timeNs: 990, durationNs: 400, pid: 7 }]);
    const recs: IoRecord[] = [];
    extractIo(st, 0, recs);
    const c = correlate({ sources: [st, blk], records: recs });
    expect(c.links[0]).toMatchObject({ status: 'joined', coveredSectors: 128, sectors: 128, splits: 1, requests: [0, 1] });
    expect(c.latencySummary.D2C).toMatchObject({ n: 2, min: 332, max: 336 });
  });

  it('folds back and front merges of several syscalls into one request', () => {
    const blk = blockSource([
      [10, 'Q', 'R', 2048, 8, 5],
      [11, 'G', 'R', 2048, 8, 5],
      [12, 'Q', 'R', 2056, 8, 5],
      [13, 'M', 'R', 2056, 8, 5],
      [14, 'Q', 'R', 2040, 8, 5],
      [15, 'F', 'R', 2040, 8, 5],
      [20, 'D', 'R', 2040, 24, 5],
      [90, 'C', 'R', 2040, 24, 0],
    ]);
    const m = buildRequests(blk.block!, 'x');
    expect(m.requests).toHaveLength(1);
    expect(m.requests[0]).toMatchObject({ sector: 2040, nSectors: 24, backMerges: 1, frontMerges: 1, tQ: 10, tC: 90 });
    expect(m.bios.map((b) => b.via)).toEqual(['G', 'M', 'F']);
    const st = straceSource([
      { name: 'pread64', offset: 2048 * 512, length: 4096, pid: 5 },
      { name: 'pread64', offset: 2056 * 512, length: 4096, pid: 5 },
      { name: 'pread64', offset: 2040 * 512, length: 4096, pid: 5 },
    ]);
    const recs: IoRecord[] = [];
    extractIo(st, 0, recs);
    const c = correlate({ sources: [st, blk], records: recs });
    expect(c.clock.method).toBe('none');
    for (const l of c.links) expect(l).toMatchObject({ status: 'joined', requests: [0], mergedRequests: 1, coveredSectors: 8 });
  });

  it('a bio completed with an error and no request marks its syscall failed', () => {
    const blk = blockSource([
      [10, 'Q', 'RS', 2048, 8, 5],
      [11, 'C', 'RS', 2048, 8, 0, -22],
    ]);
    const m = buildRequests(blk.block!, 'x');
    expect(m.requests[0]).toMatchObject({ error: -22, tD: NaN, tC: 11 });
    const st = straceSource([{ name: 'pread64', offset: 2048 * 512, length: 4096, result: -1, pid: 5 }]);
    const recs: IoRecord[] = [];
    extractIo(st, 0, recs);
    expect(correlate({ sources: [st, blk], records: recs }).links[0].status).toBe('failed');
  });

  it('queue depth counts issued, not yet completed requests', () => {
    const blk = blockSource([
      [0, 'Q', 'R', 0, 8, 1], [1, 'G', 'R', 0, 8, 1], [2, 'D', 'R', 0, 8, 1],
      [3, 'Q', 'R', 64, 8, 1], [4, 'G', 'R', 64, 8, 1], [5, 'D', 'R', 64, 8, 1],
      [8, 'C', 'R', 0, 8, 0], [10, 'C', 'R', 64, 8, 0],
    ]);
    const [q] = queueDepths(buildRequests(blk.block!, 'x').requests);
    expect(q).toMatchObject({ timeNs: [2, 5, 8, 10], depth: [1, 2, 1, 0], max: 2 });
    expect(q.mean).toBeCloseTo((3 * 1 + 3 * 2 + 2 * 1) / 8);
  });

  it('maps device paths by static majors and parses anchors; the offset covered by most intervals wins', () => {
    expect(devKeyOfPath('/dev/loop3')).toBe(7 * 1048576 + 3);
    expect(devKeyOfPath('/dev/xvdb')).toBe(202 * 1048576 + 16);
    expect(devKeyOfPath('/dev/sda1')).toBe(8 * 1048576 + 1);
    const a = parseAnchorText(readText(fixturePath('odirect-misaligned-dev', 'main.anchors.txt')));
    expect(a.map((x) => x.label)).toEqual(['fixture-anchor start', 'fixture-anchor end']);
    expect(a[0].traceNs).toBe(761955256000n);
    expect(a[0].realtimeNs).toBe(1795263452134701856n);
    expect(bestOffset([{ lo: 0, hi: 10 }, { lo: 5, hi: 20 }, { lo: 8, hi: 9 }, { lo: 30, hi: 40 }])).toEqual({ offset: 8.5, support: 3 });
  });
});

/**
 * Independent recomputation of btt's per-request latencies from the event
 * list: each D is paired with the next C at the same sector; its G is the
 * last G before it inside its range; its Q is the earliest Q inside the
 * range queued after the previous completion there.
 */
function recompute(src: ParsedSource): { d2c: number[]; q2c: number[]; q2g: number[] } {
  const b = src.block!;
  const idx = [...Array(b.length).keys()].sort((x, y) => b.timeNs[x] - b.timeNs[y] || x - y);
  const d2c: number[] = [];
  const q2c: number[] = [];
  const q2g: number[] = [];
  const used = new Set<number>();
  for (let k = 0; k < idx.length; k++) {
    const d = idx[k];
    if (b.action[d] !== Action.Issue || b.nSectors[d] === 0) continue;
    const s = b.sector[d];
    const e = s + b.nSectors[d];
    const c = idx.slice(k + 1).find((j) => b.action[j] === Action.Complete && b.sector[j] === s && !used.has(j));
    if (c === undefined) continue;
    used.add(c);
    d2c.push(b.timeNs[c] - b.timeNs[d]);
    let qMin = Infinity;
    let g = -1;
    for (let j = k - 1; j >= 0; j--) {
      const i = idx[j];
      if (b.action[i] === Action.Complete && b.sector[i] >= s && b.sector[i] < e) break;
      if (b.action[i] === Action.Queue && b.sector[i] + b.nSectors[i] > s && b.sector[i] < e) qMin = Math.min(qMin, b.timeNs[i]);
      if (b.action[i] === Action.GetRq && b.sector[i] >= s && b.sector[i] < e && g < 0) g = i;
    }
    q2c.push(b.timeNs[c] - qMin);
    if (g >= 0) q2g.push(b.timeNs[g] - qMin);
  }
  return { d2c, q2c, q2g };
}

const sorted = (a: number[]) => [...a].filter(Number.isFinite).sort((x, y) => x - y);

const RUNS: [string, string][] = [
  ['split44k', 'limit44'],
  ['split44k', 'default'],
  ['aio-merges', 'main'],
  ['buffered-merges', 'none'],
  ['buffered-merges', 'mqdeadline'],
  ['mt-pread', 'main'],
];

describe('fixtures: every read syscall joined to its block requests; latencies match a recomputation', () => {
  for (const [dir, run] of RUNS) {
    it(`${dir}/${run}`, () => {
      const load = (f: string) => parseBytes(f, readInput(fixturePath(dir, f)));
      const sources = [load(`${run}.strace.txt`), load(`${run}.bin`), load(`${run}.anchors.txt`)];
      const r = analyze({ sources });
      const c = r.correlation;
      expect(c.clock.method).toBe('anchors');
      const reads = r.records.filter((x) => x.op === 'read');
      expect(reads.length).toBeGreaterThan(0);
      for (const rec of r.records) {
        const l = c.links[rec.id];
        expect(l.status, `${rec.name} line ${rec.line}`).toBe('joined');
        if (rec.direct) {
          // Splits and merges accounted for: the syscall's bio pieces cover exactly its sectors.
          const pieces = l.bios.reduce((n, id) => n + c.bios[id].nSectors, 0);
          expect(pieces).toBe(rec.length / 512);
        } else {
          expect(l.coveredSectors).toBe(Math.ceil(rec.length / 512));
        }
      }
      // Latency table vs a straightforward recomputation, here from the blkparse oracle text.
      const oracle = recompute(load(`${run}.blkparse.txt`));
      const mine = c.requests.filter((q) => q.nSectors > 0 && Number.isFinite(q.tD));
      expect(sorted(mine.map((q) => q.tC - q.tD))).toEqual(sorted(oracle.d2c));
      expect(sorted(c.latencies.map((l) => l.D2C)).length).toBe(oracle.d2c.length + c.requests.filter((q) => q.nSectors === 0 && Number.isFinite(q.tD) && Number.isFinite(q.tC)).length);
      expect(sorted(mine.map((q) => q.tC - q.tQ))).toEqual(sorted(oracle.q2c));
      expect(sorted(mine.filter((q) => Number.isFinite(q.tG)).map((q) => q.tG - q.tQ))).toEqual(sorted(oracle.q2g));
      const issued = c.requests.filter((q) => Number.isFinite(q.tD)).length;
      expect(c.queueDepth[0].max).toBeGreaterThanOrEqual(1);
      expect(c.queueDepth[0].timeNs.length).toBeLessThanOrEqual(2 * issued);
    });
  }

  it('fixture files exist where the tests expect them', () => {
    for (const [dir, run] of RUNS) expect(existsSync(fixturePath(dir, `${run}.bin`))).toBe(true);
  });
});
