/**
 * Worker-side pieces that run in Node: the canvas columns (lanes sorted by
 * time, every drawable event in exactly one lane), the progress event
 * counter (chunk-independent), the page trim of large analyses.
 */
import { describe, expect, test } from 'vitest';
import { analyze } from '../../engine/forensics/analyze';
import { MemoryImage } from '../../engine/forensics/image';
import { parseBytes } from '../../parsers/parse';
import { buildBlockTimeline, buildRequests, buildSyscallLanes } from '../../app/worker/columns';
import { EventCounter } from '../../app/worker/eventCounter';
import { FULL_REQUESTS, trimForPage } from '../../app/worker/trim';
import { CHUNK_SIZES, fixturePath, readInput } from '../helpers/fixtures';

const dir = (f: string) => fixturePath('odirect-misaligned-dev', f);

describe('timeline columns of odirect-misaligned-dev', () => {
  const bin = parseBytes('main.bin', readInput(dir('main.bin')));
  const strace = parseBytes('main.strace.txt', readInput(dir('main.strace.txt')));
  const image = new MemoryImage(readInput(dir('stamped-8MiB.img.gz')), 'stamped-8MiB.img.gz');
  const a = analyze({ sources: [strace, bin], image });
  const tl = buildBlockTimeline([strace, bin]);

  test('240 block events, each drawable one in one time-sorted lane', () => {
    expect(tl.blockEvents).toBe(240);
    expect(tl.block).toHaveLength(1);
    const seen = new Set<number>();
    for (const lane of tl.block[0].lanes) {
      for (let k = 1; k < lane.timeNs.length; k++) expect(lane.timeNs[k]).toBeGreaterThanOrEqual(lane.timeNs[k - 1]);
      for (const e of lane.event) {
        expect(seen.has(e)).toBe(false);
        seen.add(e);
        expect(tl.block[0].timeNs[e]).toBe(lane.timeNs[lane.event.indexOf(e)]);
      }
    }
    // Q, D and C of 40 reads at least; the first event is at the origin.
    expect(seen.size).toBeGreaterThanOrEqual(120);
    expect(Math.min(...tl.block[0].timeNs)).toBe(0);
  });

  test('syscall lanes hold the 40 reads on the block clock, requests as columns', () => {
    const sys = buildSyscallLanes(a, tl.originNs);
    const reads = sys.flatMap((s) => [...s.kind]).filter((k) => k === 1);
    expect(reads).toHaveLength(40);
    const req = buildRequests(a, tl.originNs);
    expect(req.tQ.length).toBe(a.correlation.requests.length);
    for (let i = 0; i < req.tQ.length; i++) if (Number.isFinite(req.tC[i])) expect(req.tC[i]).toBeGreaterThanOrEqual(req.tQ[i]);
  });

  test('a small analysis goes to the page whole', () => {
    expect(a.correlation.requests.length).toBeLessThan(FULL_REQUESTS);
    expect(trimForPage(a).correlation.requests).toEqual(a.correlation.requests);
  });
});

describe('progress event counter', () => {
  test('counts blktrace records and text lines the same for every chunking', () => {
    const bin = readInput(dir('main.bin'));
    const text = readInput(dir('main.blkparse.txt'));
    const lines = new TextDecoder().decode(text).split('\n').length - 1;
    const records = parseBytes('main.bin', bin).block!.length;
    for (const size of CHUNK_SIZES) {
      const b = new EventCounter(true);
      const t = new EventCounter(false);
      for (let i = 0; i < bin.length; i += size) b.push(bin.subarray(i, i + size));
      for (let i = 0; i < text.length; i += size) t.push(text.subarray(i, i + size));
      // The counter counts every record, notes (process names) included.
      expect(b.count).toBeGreaterThanOrEqual(records);
      expect(b.count).toBeLessThan(records + 50);
      expect(t.count).toBe(lines);
    }
  });
});
