/**
 * Acceptance: the binary, blkparse-text and ftrace-text files of one run are
 * three renderings of the same kernel events, and parse to the same events
 * (time, action, RWBS, sector, count, error).
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { parseBlktraceBinary } from '../../parsers/blktraceBin';
import { parseBlkparseText } from '../../parsers/blkparse';
import { parseFtraceText } from '../../parsers/ftrace';
import { actionLetter } from '../../parsers/model/actions';
import type { BlockEventStore } from '../../parsers/model/blockEvents';
import { FIXTURES, readInput, walk } from '../helpers/fixtures';

interface Ev {
  t: number; // ns relative to the first event (binary, blkparse) or µs-rounded absolute (ftrace comparison)
  cpu: number;
  act: string;
  rwbs: string;
  sector: number;
  n: number;
  err: number;
}

function events(s: BlockEventStore, time: (ns: number) => number): Ev[] {
  const out: Ev[] = [];
  for (let i = 0; i < s.length; i++) {
    out.push({
      t: time(s.timeNs[i]),
      cpu: s.cpu[i],
      act: actionLetter(s.action[i]),
      rwbs: s.rwbsTable.get(s.rwbs[i]),
      sector: s.sector[i],
      n: s.nSectors[i],
      err: s.error(i),
    });
  }
  return out;
}

const line = (e: Ev) => `${e.t} ${e.cpu} ${e.act} ${e.rwbs} ${e.sector}+${e.n} [${e.err}]`;
const byTimeCpu = (a: Ev, b: Ev) => a.t - b.t || a.cpu - b.cpu || line(a).localeCompare(line(b));

const runs = walk(FIXTURES)
  .filter((p) => /\.bin(\.xz)?$/.test(p))
  .map((bin) => {
    const stem = bin.replace(/\.bin(\.xz)?$/, '');
    const xz = bin.endsWith('.xz') ? '.xz' : '';
    return { bin, blkparse: `${stem}.blkparse.txt${xz}`, ftrace: `${stem}.ftrace.txt${xz}` };
  })
  .filter((r) => existsSync(r.blkparse) && existsSync(r.ftrace));

describe('binary, blkparse text and ftrace text of one run agree', () => {
  it('covers every run that has all three files', () => {
    expect(runs.length).toBe(13);
  });

  for (const r of runs) {
    const name = r.bin.slice(FIXTURES.length + 1);
    it(`${name}: binary = blkparse text, event by event, to the nanosecond`, () => {
      const bin = parseBlktraceBinary(readInput(r.bin), r.bin).block!;
      const txt = parseBlkparseText(readInput(r.blkparse), r.blkparse).block!;
      const genesis = bin.timeNs[0];
      const a = events(bin, (t) => t - genesis);
      const b = events(txt, (t) => t);
      expect(a.length).toBe(b.length);
      expect(a.length).toBeGreaterThan(0);
      for (let i = 0; i < a.length; i++) if (line(a[i]) !== line(b[i])) expect(`${i}: ${line(a[i])}`).toBe(`${i}: ${line(b[i])}`);
    });

    it(`${name}: binary = ftrace text (ftrace prints µs, rounded half up)`, () => {
      const bin = parseBlktraceBinary(readInput(r.bin), r.bin).block!;
      const ft = parseFtraceText(readInput(r.ftrace), r.ftrace).block!;
      // ftrace text has no notify records either; times are the same clock, printed in µs.
      const a = events(bin, (t) => Math.floor((t + 500) / 1000)).sort(byTimeCpu);
      const b = events(ft, (t) => Math.round(t / 1000)).filter((e) => e.act !== 'm').sort(byTimeCpu);
      expect(b.length).toBe(a.length);
      for (let i = 0; i < a.length; i++) if (line(a[i]) !== line(b[i])) expect(`${i}: ${line(a[i])}`).toBe(`${i}: ${line(b[i])}`);
    });
  }
});
