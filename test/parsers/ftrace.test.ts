import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ftraceFormat, parseFtraceText, sniffFtrace } from '../../parsers/ftrace';
import { FtraceParser } from '../../parsers/ftraceParser';
import { NO_CPU } from '../../parsers/ftracePrefix';
import { parseBlkparseText } from '../../parsers/blkparse';
import { parseBlktraceBinary } from '../../parsers/blktraceBin';
import { detect } from '../../parsers/detect';
import { parseBytes } from '../../parsers/parse';
import { Action } from '../../parsers/model/actions';
import { BlockEventStore, ExtraKind, devKey } from '../../parsers/model/blockEvents';
import type { ParsedSource } from '../../parsers/model/source';
import { canonical } from '../helpers/canonical';
import { CHUNK_SIZES, CORPUS, FIXTURES, corpusPath, feed, fixturePath, readInput, readText, walk } from '../helpers/fixtures';

const enc = new TextEncoder();

function parseText(text: string): ParsedSource {
  return parseFtraceText(enc.encode(text), 'test.txt');
}

function store(src: ParsedSource): BlockEventStore {
  expect(src.block).toBeDefined();
  return src.block!;
}

function countActions(b: BlockEventStore): Record<number, number> {
  const out: Record<number, number> = {};
  for (let i = 0; i < b.length; i++) out[b.action[i]] = (out[b.action[i]] ?? 0) + 1;
  return out;
}

function extras(b: BlockEventStore, kind: ExtraKind): { event: number; a: number; b: number }[] {
  const out: { event: number; a: number; b: number }[] = [];
  for (let j = 0; j < b.extraCount; j++) if (b.extraKind[j] === kind) out.push({ event: b.extraEvent[j], a: b.extraA[j], b: b.extraB[j] });
  return out;
}

function row(b: BlockEventStore, i: number) {
  return {
    time: b.timeNs[i],
    dev: b.devices[b.device[i]],
    cpu: b.cpu[i],
    pid: b.pid[i],
    comm: b.strings.get(b.comm[i]),
    action: b.action[i],
    rwbs: b.rwbsTable.get(b.rwbs[i]),
    sector: b.sector[i],
    n: b.nSectors[i],
    error: b.error(i),
    line: b.originOf(i),
  };
}

const errorsOf = (src: ParsedSource) => src.diagnostics.filter((d) => d.severity === 'error');

const ftraceFiles = walk(FIXTURES).filter((p) => /\.ftrace\.txt(\.xz)?$/.test(p));
const smallFtraceFiles = ftraceFiles.filter((p) => !p.endsWith('.xz'));
const tracepointFiles = walk(FIXTURES).filter((p) => p.endsWith('.tracepoints.txt'));
const corpusFiles = walk(join(CORPUS, 'ftrace'));

describe('ftrace blk tracer fixtures', () => {
  it('finds the fixture files', () => {
    expect(ftraceFiles.length).toBeGreaterThanOrEqual(13);
    expect(tracepointFiles.length).toBe(2);
    expect(corpusFiles.length).toBe(4);
  });

  it.each(smallFtraceFiles.map((p) => [p.slice(FIXTURES.length + 1), p]))('%s parses without diagnostics', (_n, path) => {
    const src = parseFtraceText(readInput(path), basename(path));
    expect(src.format).toBe('ftrace-blk');
    expect(src.clock).toEqual({ kind: 'trace-raw', baseNs: '0' });
    expect(src.diagnostics).toEqual([]);
    const b = store(src);
    const lines = readText(path).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(b.length).toBe(lines.length);
    expect(b.devices).toEqual([devKey(7, 0)]);
  });

  it('parted-gpt blog: README counts, flush spellings, kworker and softirq contexts', () => {
    const b = store(parseFtraceText(readInput(fixturePath('parted-gpt', 'blog.ftrace.txt')), 'blog'));
    expect(b.length).toBe(40);
    expect(countActions(b)).toEqual({
      [Action.Queue]: 7, [Action.GetRq]: 7, [Action.Plug]: 5, [Action.UnplugIo]: 5, [Action.Issue]: 7, [Action.Complete]: 9,
    });
    expect(row(b, 0)).toEqual({
      time: 757579297000, dev: devKey(7, 0), cpu: 0, pid: 18720, comm: 'parted', action: Action.Queue, rwbs: 'FWS',
      sector: 0, n: 0, error: 0, line: 3,
    });
    expect(row(b, 2)).toMatchObject({ comm: 'kworker/0:1H', pid: 58, action: Action.Issue, rwbs: 'FN' });
    expect(row(b, 3)).toMatchObject({ comm: 'ksoftirqd/1', pid: 22, cpu: 1, action: Action.Complete, rwbs: 'FN', sector: 0, n: 0 });
    expect(row(b, 5)).toMatchObject({ action: Action.Queue, rwbs: 'RA', sector: 0, n: 32 });
    // `U   N [parted] 1`: unplug depth 1
    expect(extras(b, ExtraKind.UnplugDepth).map((x) => x.a)).toEqual([1, 1, 1, 1, 1]);
  });

  it('edge-cases: [65514] completions are -EINVAL, bios completed without G/D', () => {
    const b = store(parseFtraceText(readInput(fixturePath('edge-cases', 'main.ftrace.txt')), 'edge'));
    expect(b.length).toBe(54);
    expect(countActions(b)).toEqual({
      [Action.Queue]: 11, [Action.GetRq]: 8, [Action.Plug]: 8, [Action.UnplugIo]: 8, [Action.Issue]: 8, [Action.Complete]: 11,
    });
    const errs = extras(b, ExtraKind.Error);
    expect(errs.map((x) => x.a)).toEqual([-22, -22, -22]);
    expect(errs.map((x) => row(b, x.event))).toMatchObject([
      { action: Action.Complete, rwbs: 'RS', sector: 2048, n: 8, comm: 'dio' },
      { action: Action.Complete, rwbs: 'RS', sector: 2048, n: 2 },
      { action: Action.Complete, rwbs: 'RS', sector: 4300, n: 1 },
    ]);
  });

  it('aio-merges and buffered-merges: back and front merges', () => {
    const aio = countActions(store(parseFtraceText(readInput(fixturePath('aio-merges', 'main.ftrace.txt')), 'a')));
    expect(aio).toMatchObject({ [Action.Queue]: 39, [Action.BackMerge]: 22, [Action.FrontMerge]: 10, [Action.Issue]: 7, [Action.Complete]: 8 });
    const none = countActions(store(parseFtraceText(readInput(fixturePath('buffered-merges', 'none.ftrace.txt')), 'n')));
    expect(none[Action.Queue]).toBe(272);
    expect(none[Action.BackMerge]).toBe(256);
    expect(none[Action.Split]).toBe(3);
    const mq = countActions(store(parseFtraceText(readInput(fixturePath('buffered-merges', 'mqdeadline.ftrace.txt')), 'm')));
    expect(mq[Action.Insert]).toBeGreaterThan(0);
  });

  it('split44k limit44: 38 splits `SECTOR / NEW_SECTOR`, pieces of 88 sectors', () => {
    const b = store(parseFtraceText(readInput(fixturePath('split44k', 'limit44.ftrace.txt')), 'l'));
    const splits = extras(b, ExtraKind.SplitTo);
    expect(splits.length).toBe(38);
    expect(countActions(b)[Action.Split]).toBe(38);
    for (const s of splits) {
      expect(b.action[s.event]).toBe(Action.Split);
      expect(s.a - b.sector[s.event]).toBe(88);
    }
    expect(countActions(b)[Action.Issue]).toBe(49);
  });

  it('fio-mixed main (xz): 40000 Q/D/C and 10000 unplugs of depth 4', () => {
    const src = parseFtraceText(readInput(fixturePath('fio-mixed', 'main.ftrace.txt.xz')), 'fio');
    expect(src.diagnostics).toEqual([]);
    const b = store(src);
    expect(b.length).toBe(180000);
    expect(countActions(b)).toEqual({
      [Action.Queue]: 40000, [Action.GetRq]: 40000, [Action.Plug]: 10000, [Action.UnplugIo]: 10000, [Action.Issue]: 40000,
      [Action.Complete]: 40000,
    });
    const depths = extras(b, ExtraKind.UnplugDepth);
    expect(depths.length).toBe(10000);
    expect(depths.every((d) => d.a === 4)).toBe(true);
    // Run-length origins: consecutive lines cost one run.
    expect(b.originRuns).toBe(1);
    expect(b.originOf(179999)).toBe(180002);
  });
});

/**
 * Acceptance point 2 (ftrace side): RUN.ftrace.txt and RUN.blkparse.txt render the same
 * ring buffer, so they must hold the same events.
 *
 * Two facts about the renderings, verified here rather than assumed:
 * - Times: blkparse prints the binary ns relative to the first event; ftrace prints the
 *   absolute time rounded to the nearest µs (kernel/trace/trace.c ns2usecs adds 500 before
 *   dividing; the RUN.bin test below checks rounding against truncation). So there must be
 *   one genesis time T0 with round_µs(T0 + rel_i) = ftrace_i for every event: each event
 *   bounds T0 to a 1000 ns window and the windows must intersect. (Relative times alone
 *   cannot tell rounding from truncation: that is only a 500 ns shift of T0.)
 * - Order: both merge the per-CPU buffers by time, but on equal-ns ties the ftrace iterator
 *   takes the lower CPU first while blkparse may not (fio-mixed main has such ties), so the
 *   blkparse side is stably re-sorted by (time, cpu) before the comparison.
 */
const binOf = (ftracePath: string) => ftracePath.replace(/\.ftrace\.txt(\.xz)?$/, '.bin$1');

describe('acceptance: ftrace text and blkparse text of the same run agree', () => {
  const pairs: [string, string, string][] = [];
  for (const p of ftraceFiles) {
    const run = basename(p).replace(/\.ftrace\.txt(\.xz)?$/, '');
    const bp = [join(dirname(p), `${run}.blkparse.txt`), join(dirname(p), `${run}.blkparse.txt.xz`)].find((f) => existsSync(f));
    if (bp) pairs.push([`${basename(dirname(p))}/${run}`, p, bp]);
  }

  it('every run with ftrace text also has blkparse text', () => {
    expect(pairs.length).toBe(ftraceFiles.length);
  });

  it.each(pairs)('%s', (_run, ftracePath, blkparsePath) => {
    const f = store(parseFtraceText(readInput(ftracePath), 'f'));
    const k = store(parseBlkparseText(readInput(blkparsePath), 'k'));
    expect(f.length).toBe(k.length);
    const order = Array.from({ length: k.length }, (_, i) => i).sort((x, y) => k.timeNs[x] - k.timeNs[y] || k.cpu[x] - k.cpu[y] || x - y);
    let lo = -Infinity;
    let hi = Infinity;
    const mismatches: string[] = [];
    const t0f = f.timeNs[0];
    const t0k = k.timeNs[order[0]];
    for (let i = 0; i < f.length; i++) {
      const j = order[i];
      const a = `${f.action[i]} ${f.rwbsTable.get(f.rwbs[i])} ${f.sector[i]} ${f.nSectors[i]} ${f.error(i)} cpu${f.cpu[i]} pid${f.pid[i]}`;
      const b = `${k.action[j]} ${k.rwbsTable.get(k.rwbs[j])} ${k.sector[j]} ${k.nSectors[j]} ${k.error(j)} cpu${k.cpu[j]} pid${k.pid[j]}`;
      if (a !== b && mismatches.length < 5) mismatches.push(`#${i}: ftrace ${a} / blkparse ${b}`);
      const rel = k.timeNs[j] - t0k;
      const us = f.timeNs[i];
      // round half up: us*1000 - 500 <= T0 + rel < us*1000 + 500
      lo = Math.max(lo, us - 500 - rel);
      hi = Math.min(hi, us + 500 - rel);
      // the plain form of the requirement: relative times agree to the µs
      const relF = us - t0f;
      if (Math.abs(relF - rel) >= 1000 && mismatches.length < 5) mismatches.push(`#${i}: ftrace +${relF} ns / blkparse +${rel} ns`);
    }
    expect(mismatches).toEqual([]);
    expect(lo).toBeLessThan(hi);
  });

  it.each(pairs.filter(([, p]) => existsSync(binOf(p))))(
    '%s: ftrace times are the RUN.bin ns rounded half-up to the µs, not truncated',
    (_run, ftracePath) => {
      const f = store(parseFtraceText(readInput(ftracePath), 'f'));
      const bin = parseBlktraceBinary(readInput(binOf(ftracePath)), 'b');
      expect(bin.clock.baseNs).toBe('0');
      const k = store(bin);
      expect(k.length).toBe(f.length);
      const order = Array.from({ length: k.length }, (_, i) => i).sort((x, y) => k.timeNs[x] - k.timeNs[y] || k.cpu[x] - k.cpu[y] || x - y);
      let rounded = 0;
      let truncated = 0;
      for (let i = 0; i < f.length; i++) {
        const ns = k.timeNs[order[i]];
        if (Math.floor((ns + 500) / 1000) * 1000 === f.timeNs[i]) rounded++;
        if (Math.floor(ns / 1000) * 1000 === f.timeNs[i]) truncated++;
      }
      expect(rounded).toBe(f.length);
      expect(truncated).toBeLessThan(f.length);
    },
  );
});

describe('tracepoints-dev fixtures', () => {
  it('main: 24 requests, one per read, 8 events each', () => {
    const src = parseFtraceText(readInput(fixturePath('tracepoints-dev', 'main.tracepoints.txt')), 'main');
    expect(src.format).toBe('ftrace-tracepoints');
    expect(src.diagnostics).toEqual([]);
    expect(src.dropped).toBe(0); // entries-in-buffer/entries-written: 192/192
    const b = store(src);
    expect(b.length).toBe(192);
    expect(countActions(b)).toEqual({
      [Action.Queue]: 24, [Action.GetRq]: 24, [Action.IoStart]: 24, [Action.Plug]: 24, [Action.UnplugIo]: 24,
      [Action.Issue]: 24, [Action.Complete]: 24, [Action.IoDone]: 24,
    });
    expect(row(b, 0)).toEqual({
      time: 824298260000, dev: devKey(7, 0), cpu: 1, pid: 21493, comm: 'dio', action: Action.Queue, rwbs: 'RS',
      sector: 4336, n: 1, error: 0, line: 13,
    });
    // block_io_done is printed after completion: `+ 0`, bytes 0, by <idle>-0 with comm [swapper/1]
    expect(row(b, 7)).toMatchObject({ action: Action.IoDone, pid: 0, comm: '<idle>', sector: 4336, n: 0 });
    // block_plug/unplug have no device field
    expect(b.devices[b.device[3]]).toBe(0);
    const issues = [...Array(b.length).keys()].filter((i) => b.action[i] === Action.Issue);
    const queued = new Set([...Array(b.length).keys()].filter((i) => b.action[i] === Action.Queue).map((i) => `${b.sector[i]}+${b.nSectors[i]}`));
    expect(new Set(issues.map((i) => `${b.sector[i]}+${b.nSectors[i]}`))).toEqual(queued);
    expect(extras(b, ExtraKind.Bytes)).toEqual([]); // BYTES = NR*512 on a 6.18 kernel
    expect(extras(b, ExtraKind.UnplugDepth).every((x) => x.a === 1)).toBe(true);
  });

  /*
   * PROVENANCE.md says 16 KiB reads become two 8 KiB requests with block_split, but this
   * run's plan drew no read larger than 8 KiB (sched8k.expected-reads.tsv `len` column),
   * and the trace indeed has no block_split. The expectations are therefore derived from
   * the read list: one split per read above max_sectors_kb=8, ceil(len / 8 KiB) requests.
   */
  it('sched8k: inserts through mq-deadline; requests capped at 8 KiB; splits as the read sizes imply', () => {
    const src = parseFtraceText(readInput(fixturePath('tracepoints-dev', 'sched8k.tracepoints.txt')), 'sched8k');
    expect(src.diagnostics).toEqual([]);
    const b = store(src);
    const reads = readText(fixturePath('tracepoints-dev', 'sched8k.expected-reads.tsv'))
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split('\t')[4]));
    expect(reads.length).toBe(24);
    const maxReq = 8192;
    const expectSplits = reads.filter((n) => n > maxReq).length;
    const expectRequests = reads.reduce((s, n) => s + Math.ceil(n / maxReq), 0);
    const c = countActions(b);
    expect(c[Action.Split] ?? 0).toBe(expectSplits);
    expect(c[Action.Issue]).toBe(expectRequests);
    expect(c[Action.Insert]).toBe(expectRequests);
    expect(c[Action.Complete]).toBe(expectRequests);
    expect(c[Action.Queue]).toBe(24);
    for (let i = 0; i < b.length; i++) if (b.action[i] === Action.Issue) expect(b.nSectors[i]).toBeLessThanOrEqual(maxReq / 512);
    expect(expectRequests).toBe(24);
  });

  it('anchor lines (tracing_mark_write) become Message events with their text', () => {
    const src = parseFtraceText(readInput(fixturePath('tracepoints-dev', 'main.anchors.txt')), 'anchors');
    expect(src.diagnostics).toEqual([]);
    const b = store(src);
    expect(b.length).toBe(2);
    expect(row(b, 0)).toMatchObject({ action: Action.Message, pid: 21488, comm: 'tmark', time: 824291162000, dev: 0 });
    const msgs = extras(b, ExtraKind.Message).map((x) => b.strings.get(x.a));
    expect(msgs[0]).toMatch(/^fixture-anchor start realtime=1795263514\.470611267 monotonic=824\.265218243/);
    expect(msgs[1]).toMatch(/^fixture-anchor end /);
  });

  it('`<...>-PID` (comm not cached) gives an unknown comm and keeps the pid', () => {
    const b = store(parseFtraceText(readInput(fixturePath('parted-gpt', 'blog.anchors.txt')), 'a'));
    expect(row(b, 0)).toMatchObject({ pid: 18715, comm: '', action: Action.Message });
  });
});

describe('public corpus', () => {
  it('yocto blk tracer trace_pipe: cfq messages, plug/unplug, shell prompt line reported', () => {
    const src = parseFtraceText(readInput(corpusPath('ftrace', 'yocto-profile-manual-blk-tracer-trace_pipe.txt')), 'y');
    expect(src.format).toBe('ftrace-blk');
    expect(src.diagnostics.map((d) => [d.severity, d.line])).toEqual([['warning', 1]]);
    const b = store(src);
    expect(row(b, 0)).toEqual({
      time: 3023276361000, dev: devKey(8, 32), cpu: 1, pid: 3587, comm: 'cat', action: Action.Queue, rwbs: 'R',
      sector: 1699848, n: 8, error: 0, line: 2,
    });
    const msgs = extras(b, ExtraKind.Message).map((x) => b.strings.get(x.a));
    expect(msgs).toContain('cfq3587 alloced');
    expect(msgs).toContain('cfq3587 set_active wl_prio:0 wl_type:2');
    expect(msgs).toContain('cfq3587 fifo=  (null)');
    expect(row(b, 1)).toMatchObject({ action: Action.Message, rwbs: 'N' });
  });

  it('trace-cmd report excerpt: no flags column, padded event names, other events counted', () => {
    const src = parseFtraceText(readInput(corpusPath('ftrace', 'linux-xfs-2020-trace-cmd-report-io_uring-block-excerpt.txt')), 't');
    expect(src.format).toBe('ftrace-tracepoints');
    const b = store(src);
    expect(b.length).toBe(5);
    expect(row(b, 0)).toMatchObject({ action: Action.Queue, rwbs: 'RA', sector: 1800896, n: 128, comm: 'io_uring-sq', pid: 4518, cpu: 12, time: 52806990000 });
    expect(row(b, 1)).toMatchObject({ action: Action.Complete, comm: 'fio', sector: 1800896, n: 128, error: 0 });
    // the author's `....` elisions are reported; xfs/iomap events summarized once
    expect(errorsOf(src)).toEqual([]);
    expect(src.diagnostics.filter((d) => d.severity === 'warning').length).toBe(3);
    const info = src.diagnostics.find((d) => d.severity === 'info');
    expect(info?.message).toMatch(/^10 lines of non-block events ignored: xfs_file_buffered_read ×7/);
  });

  it('perf script (whitespace-normalized): `COMM TID [CPU] TIME: block:EVENT:` and the empty flush at sector (u64)-1', () => {
    const src = parseFtraceText(readInput(corpusPath('ftrace', 'stackoverflow-61134500-perf-script-block_rq_complete.whitespace-normalized.txt')), 'p');
    expect(src.diagnostics).toEqual([]);
    const b = store(src);
    expect(b.length).toBe(8);
    expect(row(b, 0)).toMatchObject({ comm: 'swapper', pid: 0, cpu: 6, time: 205791409875000, dev: devKey(8, 16), rwbs: 'RM', sector: 390439208, n: 8 });
    expect(row(b, 7)).toMatchObject({ rwbs: 'FF', sector: 2 ** 64, n: 0, action: Action.Complete });
  });

  it('perf-tools tpoint example: old kernel `BYTES` 0, long uptime gets a clock base, stack traces skipped', () => {
    const src = parseFtraceText(readInput(corpusPath('ftrace', 'perf-tools-tpoint_example.txt')), 'pt');
    expect(src.clock).toEqual({ kind: 'trace-raw', baseNs: '7269912000000000' });
    expect(errorsOf(src)).toEqual([]);
    const b = store(src);
    expect(row(b, 0)).toMatchObject({ time: 982162000, comm: 'supervise', pid: 1692, dev: devKey(202, 1), action: Action.Issue, rwbs: 'W', sector: 17039656, n: 8 });
    expect(b.bytes(0)).toBe(4096); // `W 0 ()`: the old kernel's 0 is not a byte count
    expect(extras(b, ExtraKind.Bytes)).toEqual([]);
    const inserts = countActions(b)[Action.Insert];
    expect(inserts).toBeGreaterThan(0);
    // stack frames ` => blk_peek_request` are not reported one by one
    expect(src.diagnostics.some((d) => d.message.includes('=>'))).toBe(false);
    // every event line of the file was parsed
    const eventLines = readText(corpusPath('ftrace', 'perf-tools-tpoint_example.txt')).split('\n').filter((l) => /: block_rq_(issue|insert): /.test(l));
    expect(b.length).toBe(eventLines.length);
  });
});

const P = '            cat-3587  [001] d..1  3023.276361: ';

describe('blk tracer payloads (trace-formats.md §4.2)', () => {
  it.each([
    ['Q   R 1699848 + 8 [cat]', { action: Action.Queue, rwbs: 'R', sector: 1699848, n: 8, comm: 'cat' }],
    ['G   R 1699848 + 8 [cat]', { action: Action.GetRq, n: 8 }],
    ['S   R 1699848 + 8 [cat]', { action: Action.SleepRq }],
    ['M  WS 2056 + 8 [dd]', { action: Action.BackMerge, rwbs: 'WS' }],
    ['F  WS 2040 + 8 [dd]', { action: Action.FrontMerge }],
    ['I  WS 3417056 + 64 [jbd2/sdc-8]', { action: Action.Insert, n: 64 }],
    ['D   R 1699848 + 8 [cat]', { action: Action.Issue }],
    ['B   R 1699848 + 8 [cat]', { action: Action.Bounce }],
    ['R  WS 100 + 8 [0]', { action: Action.Requeue, error: 0 }],
    ['C  RS 2048 + 8 [65514]', { action: Action.Complete, error: -22, comm: 'cat' }],
    ['C  WS 0 + 765 [65531]', { action: Action.Complete, error: -5, n: 765 }],
    ['C  WS 0 [0]', { action: Action.Complete, sector: 0, n: 0 }],
    ['Q FWS [parted]', { action: Action.Queue, rwbs: 'FWS', sector: 0, n: 0 }],
    ['P   N [cat]', { action: Action.Plug, rwbs: 'N' }],
    ['U   N [cat] 1', { action: Action.UnplugIo }],
    ['UT   N [kworker/0:1] 3', { action: Action.UnplugTimer }],
    ['X  RA 3072 / 5632 [dd]', { action: Action.Split, sector: 3072, n: 2560 }],
    ['A   W 24391512 + 160 <- (253,0) 20481880', { action: Action.Remap, sector: 24391512, n: 160 }],
    ['queue   R 1699848 + 8 [cat]', { action: Action.Queue }],
    ['unplug_io   N [cat] 2', { action: Action.UnplugIo }],
  ] as const)('%s', (payload, want) => {
    const src = parseText(`${P}  8,32   ${payload}\n`);
    expect(src.diagnostics).toEqual([]);
    const b = store(src);
    expect(b.length).toBe(1);
    expect(row(b, 0)).toMatchObject({ time: 3023276361000, dev: devKey(8, 32), cpu: 1, pid: 3587, line: 1, ...want });
  });

  it('extras: unplug depth, split target, remap source, message text', () => {
    const b = store(
      parseText(
        [
          `${P}  8,32   U   N [cat] 7`,
          `${P}  8,32   X  RA 3072 / 5632 [dd]`,
          `${P}  8,0    A   W 24391512 + 160 <- (253,0) 20481880`,
          `${P}  8,32   m   N cfq workload slice:150`,
          `${P}  8,32   message   N cfq3587 dispatched a request`,
        ].join('\n'),
      ),
    );
    expect(extras(b, ExtraKind.UnplugDepth)).toEqual([{ event: 0, a: 7, b: 0 }]);
    expect(extras(b, ExtraKind.SplitTo)).toEqual([{ event: 1, a: 5632, b: 0 }]);
    expect(extras(b, ExtraKind.RemapFrom)).toEqual([{ event: 2, a: devKey(253, 0), b: 20481880 }]);
    expect(extras(b, ExtraKind.Message).map((x) => [x.event, b.strings.get(x.a)])).toEqual([
      [3, 'cfq workload slice:150'],
      [4, 'cfq3587 dispatched a request'],
    ]);
  });

  it('passthrough requests: `BYTES (PDU) [COMM]` and `(PDU) [ERR]`', () => {
    const b = store(parseText(`${P}  8,0    D   N 36 (12 00 00 00 24 00) [sg_inq]\n${P}  8,0    C   N (12 00 00 00 24 00) [0]\n`));
    expect(row(b, 0)).toMatchObject({ action: Action.Issue, sector: 0, n: 0, comm: 'cat' });
    expect(b.bytes(0)).toBe(36);
    expect(extras(b, ExtraKind.Pdu).map((x) => b.strings.get(x.a))).toEqual(['12 00 00 00 24 00', '12 00 00 00 24 00']);
  });

  it('blk_cgroup column `LOW,HIGH` (hex) before the action', () => {
    const b = store(parseText(`${P}  8,0  1a,0    Q   R 100 + 8 [dd]\n`));
    expect(row(b, 0)).toMatchObject({ action: Action.Queue, sector: 100 });
    expect(extras(b, ExtraKind.Cgroup)).toEqual([{ event: 0, a: 26, b: 0 }]);
  });

  it('blk_classic: `MAJ,MIN CPU SECS.NSECS PID ACT RWBS` with exact ns and the comm from the brackets', () => {
    const src = parseText('# DEV   CPU TIMESTAMP     PID ACT FLG\n  8,32   1  3023.276361123  3587  Q   R 1699848 + 8 [cat]\n');
    expect(src.diagnostics).toEqual([]);
    expect(row(store(src), 0)).toEqual({
      time: 3023276361123, dev: devKey(8, 32), cpu: 1, pid: 3587, comm: 'cat', action: Action.Queue, rwbs: 'R',
      sector: 1699848, n: 8, error: 0, line: 2,
    });
  });

  it('reports malformed payloads with the line and what was expected, and keeps the other events', () => {
    const src = parseText(
      [`${P}  8,32   Q   R 1 + 8 [cat]`, `${P}  8,32   Q   R 2 + [cat]`, `${P}  8,32   Z   R 3 + 8 [cat]`, `${P}  8,32   C   R 3 + 8 [x]`, `${P}  8,32   U   N [cat]`, `${P}  8,32   Q   R 4 + 8 [cat]`].join('\n'),
    );
    const b = store(src);
    expect(Array.from(b.sector.subarray(0, b.length))).toEqual([1, 4]);
    expect(src.diagnostics.map((d) => [d.severity, d.line])).toEqual([['error', 2], ['error', 3], ['error', 4], ['error', 5]]);
    expect(src.diagnostics[0].message).toMatch(/expected sector count after `\+`/);
    expect(src.diagnostics[1].message).toMatch(/expected a blk action/);
    expect(src.diagnostics[2].message).toMatch(/error code/);
    expect(src.diagnostics[3].message).toMatch(/DEPTH/);
  });

  it('`Unknown action` records are warned about', () => {
    const src = parseText(`${P}Unknown action 1f\n`);
    expect(store(src).length).toBe(0);
    expect(src.diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });
});

const TP = '             dio-21493   [001] .....   824.298260: ';

describe('block tracepoint print formats (trace-formats.md §4.3)', () => {
  it.each([
    ['block_bio_queue: 7,0 RS 4336 + 1 [dio]', { action: Action.Queue, rwbs: 'RS', sector: 4336, n: 1, dev: devKey(7, 0) }],
    ['block_getrq: 7,0 RS 4336 + 1 [dio]', { action: Action.GetRq }],
    ['block_sleeprq: 7,0 RS 4336 + 1 [dio]', { action: Action.SleepRq }],
    ['block_bio_backmerge: 8,0 W 2056 + 8 [dd]', { action: Action.BackMerge, dev: devKey(8, 0) }],
    ['block_bio_frontmerge: 8,0 W 2040 + 8 [dd]', { action: Action.FrontMerge }],
    ['block_bio_bounce: 8,0 W 2040 + 8 [dd]', { action: Action.Bounce }],
    ['block_rq_insert: 8,0 W 4096 () 2048 + 8 none,0,0 [dd]', { action: Action.Insert, n: 8 }],
    ['block_rq_issue: 8,0 W 4096 () 2048 + 8 none,0,0 [dd]', { action: Action.Issue, rwbs: 'W', sector: 2048, n: 8 }],
    ['block_rq_issue: 202,1 W 0 () 17039656 + 8 [supervise]', { action: Action.Issue, dev: devKey(202, 1), n: 8 }],
    ['block_rq_issue: 259,0 WS 8192 () 16046032 + 16 [jbd2/nvme0n1p2-8]', { action: Action.Issue, n: 16 }],
    ['block_rq_issue: 8,0 R 4096 () 100 + 8 0x0,0,0 [fio]', { action: Action.Issue, sector: 100 }],
    ['block_rq_merge: 8,0 W 8192 () 2048 + 16 be,0,4 [dd]', { action: Action.RqMerge, n: 16 }],
    ['block_io_start: 7,0 RS 512 () 4336 + 1 be,0,4 [dio]', { action: Action.IoStart }],
    ['block_io_done: 7,0 RS 0 () 4336 + 0 none,0,0 [swapper/1]', { action: Action.IoDone, n: 0 }],
    ['block_rq_complete: 7,0 RS () 4336 + 1 be,0,4 [0]', { action: Action.Complete, error: 0 }],
    ['block_rq_complete: 8,0 W () 2048 + 8 [-121]', { action: Action.Complete, error: -121 }],
    ['block_rq_requeue: 8,0 W () 2048 + 8 [0]', { action: Action.Requeue }],
    ['block_rq_abort: 8,0 W () 2048 + 8 [-5]', { action: Action.Abort, error: -5 }],
    ['block_bio_complete: 8,0 R 2048 + 8 [-5]', { action: Action.BioComplete, error: -5 }],
    ['block_split: 7,0 RS 1601 / 1617 [dio]', { action: Action.Split, sector: 1601, n: 16 }],
    ['block_plug: [dio]', { action: Action.Plug, dev: 0, rwbs: '' }],
    ['block_unplug: [dio] 4', { action: Action.UnplugIo, dev: 0 }],
    ['block_unplug_timer: [kblockd/0] 2', { action: Action.UnplugTimer }],
    ['block_unplug_io: [dd] 1', { action: Action.UnplugIo }],
    ['block_bio_remap: 8,0 W 2048 + 8 <- (253,0) 1000', { action: Action.Remap, sector: 2048, n: 8 }],
    ['block_rq_remap: 8,0 W 2048 + 8 <- (253,0) 1000 2', { action: Action.Remap }],
    ['block_touch_buffer: 8,0 sector=100 size=4096', { action: Action.Touch, sector: 800, n: 8, rwbs: '' }],
    ['block_dirty_buffer: 8,0 sector=5 size=1024', { action: Action.Dirty, sector: 10, n: 2 }],
  ] as const)('%s', (payload, want) => {
    const src = parseText(`${TP}${payload}\n`);
    expect(src.diagnostics).toEqual([]);
    expect(src.format).toBe('ftrace-tracepoints');
    const b = store(src);
    expect(b.length).toBe(1);
    expect(row(b, 0)).toMatchObject({ time: 824298260000, cpu: 1, pid: 21493, comm: 'dio', line: 1, ...want });
  });

  it('extras: split target, unplug depth, remap source, byte counts only when informative, CDB dump', () => {
    const b = store(
      parseText(
        [
          'block_split: 7,0 RS 1601 / 1617 [dio]',
          'block_unplug: [dio] 4',
          'block_bio_remap: 8,0 W 2048 + 8 <- (253,0) 1000',
          'block_rq_issue: 8,0 W 4096 () 2048 + 8 none,0,0 [dd]',
          'block_rq_issue: 8,0 W 0 () 2048 + 8 [dd]',
          'block_rq_issue: 8,0 N 36 (12 00 00 00 24 00) 0 + 0 [sg_inq]',
          'block_dirty_buffer: 8,0 sector=5 size=1000',
        ]
          .map((l) => TP + l)
          .join('\n'),
      ),
    );
    expect(extras(b, ExtraKind.SplitTo)).toEqual([{ event: 0, a: 1617, b: 0 }]);
    expect(extras(b, ExtraKind.UnplugDepth)).toEqual([{ event: 1, a: 4, b: 0 }]);
    expect(extras(b, ExtraKind.RemapFrom)).toEqual([{ event: 2, a: devKey(253, 0), b: 1000 }]);
    expect(extras(b, ExtraKind.Bytes)).toEqual([{ event: 5, a: 36, b: 0 }, { event: 6, a: 1000, b: 0 }]);
    expect(b.bytes(3)).toBe(4096);
    expect(b.bytes(4)).toBe(4096);
    expect(extras(b, ExtraKind.Pdu).map((x) => [x.event, b.strings.get(x.a)])).toEqual([[5, '12 00 00 00 24 00']]);
  });

  it('malformed tracepoint fields are errors with the line; zone and error events are summarized, not lost silently', () => {
    const src = parseText(
      [
        'block_rq_issue: 8,0 W 4096 () 2048 + [dd]',
        'block_rq_complete: 8,0 W () 2048 + 8 [oops]',
        'block_bio_queue: W 2048 + 8 [dd]',
        'block_rq_error: 8,0 W () 2048 + 8 [-5]',
        'blk_zone_wplug_bio: 8,0 zone 3 sector 2048 nr_sectors 8',
        'block_bio_queue: 8,0 W 2048 + 8 [dd]',
      ]
        .map((l) => TP + l)
        .join('\n'),
    );
    expect(store(src).length).toBe(1);
    expect(errorsOf(src).map((d) => d.line)).toEqual([1, 2, 3]);
    expect(src.diagnostics.find((d) => d.severity === 'info')?.message).toBe('2 lines of non-block events ignored: blk_zone_wplug_bio ×1, block_rq_error ×1');
  });
});

describe('prefix layouts (trace-formats.md §4.1, §4.4)', () => {
  const payload = 'block_bio_queue: 8,0 R 8 + 8 [bash]';
  it.each([
    ['4-char irq flags', `       bash-1977  [000] d... 17284.993652: ${payload}`, { pid: 1977, cpu: 0, comm: 'bash', time: 17284993652000 }],
    ['5-char irq flags', `       bash-1977  [000] d..1. 17284.993652: ${payload}`, { pid: 1977 }],
    ['no irq-flags column (trace-cmd)', `       bash-1977  [000]  17284.993652: block_bio_queue:      8,0 R 8 + 8 [bash]`, { pid: 1977, sector: 8 }],
    ['TGID column', `       bash-1977  ( 1977) [000] .... 17284.993652: ${payload}`, { pid: 1977, comm: 'bash' }],
    ['unknown TGID', `       bash-1977  (-------) [002] .... 17284.993652: ${payload}`, { pid: 1977, cpu: 2 }],
    ['comm with dashes', `jbd2/sda6-8-234   [003] .... 1.000001: ${payload}`, { pid: 234, comm: 'jbd2/sda6-8', cpu: 3, time: 1000001000 }],
    ['comm with spaces', ` Web Content-77 [001] .... 1.000001: ${payload}`, { pid: 77, comm: 'Web Content' }],
    ['idle task', `          <idle>-0       [001] ..s1.   824.298513: ${payload}`, { pid: 0, comm: '<idle>' }],
    ['uncached comm, tracepoint comm used', `           <...>-19103 [000] ....  1.5: ${payload}`, { pid: 19103, comm: 'bash', time: 1500000000 }],
    ['nanosecond timestamps', `       bash-1977  [000] ....  100.123456789: ${payload}`, { time: 100123456789 }],
    ['integer clock (old perf / counter clock)', `  kworker/2:1H-377 [002] 377123728938: ${payload}`, { time: 377123728938, pid: 377 }],
    ['perf script', `     randread.pl  2522 [000]  6011.824759: block:block_rq_issue: 254,16 R 0 () 7322849 + 16 [randread.pl]`, { pid: 2522, comm: 'randread.pl', action: Action.Issue, dev: devKey(254, 16) }],
    ['perf script pid/tid and sample period', `fio 4515/4516 [013] 52.807855:          1 block:block_rq_issue: 253,32 R 65536 () 100 + 128 [fio]`, { pid: 4516, comm: 'fio', n: 128, cpu: 13, action: Action.Issue }],
  ] as const)('%s', (_what, line, want) => {
    const src = parseText(`${line}\n`);
    expect(src.diagnostics).toEqual([]);
    expect(row(store(src), 0)).toMatchObject({ action: Action.Queue, ...want });
  });

  it('perf trace: relative ms clock, COMM/TID, no space after `block:EVENT:`; syscall lines ignored', () => {
    const src = parseText(
      '     0.566 systemd-journa/28651 block:block_rq_complete:259,0 WS () 16046032 + 16 [0]\n' +
        '     0.725 ( 0.481 ms): qemu-system-x8/465527 pwritev(fd: 14, vec: 0x7f, vlen: 237, pos_l: 59701198848) = 1048576\n' +
        '     1.250 kworker/0:1H-k/123 block:block_rq_issue:259,0 WS 8192 () 16046032 + 16 [kworker/0:1H]\n',
    );
    expect(src.clock.kind).toBe('relative');
    expect(errorsOf(src)).toEqual([]);
    const b = store(src);
    expect(b.length).toBe(2);
    expect(row(b, 0)).toMatchObject({ time: 566000, pid: 28651, comm: 'systemd-journa', cpu: NO_CPU, action: Action.Complete, sector: 16046032, n: 16 });
    expect(row(b, 1)).toMatchObject({ time: 1250000, pid: 123, comm: 'kworker/0:1H-k', action: Action.Issue });
    expect(src.diagnostics.find((d) => d.severity === 'info')?.message).toMatch(/perf trace syscall ×1/);
  });
});

describe('headers, lost events and non-event lines', () => {
  it('`CPU:N [LOST M EVENTS]` and trace-cmd drop notes add to dropped with a warning', () => {
    const src = parseText(
      [`${TP}block_bio_queue: 7,0 RS 1 + 1 [dio]`, 'CPU:3 [LOST 120 EVENTS]', 'CPU:1 [7 EVENTS DROPPED]', 'CPU:0 [EVENTS DROPPED]', `${TP}block_bio_queue: 7,0 RS 2 + 1 [dio]`].join('\n'),
    );
    expect(src.dropped).toBe(127);
    expect(src.diagnostics.map((d) => [d.severity, d.line])).toEqual([['warning', 2], ['warning', 3], ['warning', 4]]);
    expect(src.diagnostics[2].message).toMatch(/unknown number/);
    expect(store(src).length).toBe(2);
  });

  it('entries-in-buffer/entries-written shows overwritten events', () => {
    const src = parseText(`# tracer: nop\n#\n# entries-in-buffer/entries-written: 33/40   #P:4\n${TP}block_bio_queue: 7,0 RS 1 + 1 [dio]\n`);
    expect(src.dropped).toBe(7);
    expect(src.diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });

  it('trace-cmd headers, buffer-started notes, stack traces and function-tracer lines are not errors', () => {
    const src = parseText(
      [
        'version = 6',
        'cpus=8',
        'CPU 0 is empty',
        '##### CPU 2 buffer started ####',
        `${TP}<stack trace>`,
        ' => blk_peek_request',
        ' => do_blkif_request',
        `${TP}do_IRQ <-ret_from_intr`,
        `${TP}block_bio_queue: 7,0 RS 1 + 1 [dio]`,
      ].join('\n'),
    );
    expect(store(src).length).toBe(1);
    expect(src.diagnostics.map((d) => d.severity)).toEqual(['info']);
  });

  it('an empty blk trace (`# tracer: blk` only) is ftrace-blk with no events; `# tracer: nop` is tracepoints', () => {
    expect(parseText('# tracer: blk\n#\n').format).toBe('ftrace-blk');
    expect(parseText('# tracer: nop\n#\n').format).toBe('ftrace-tracepoints');
  });
});

describe('detection', () => {
  it('every fixture ftrace file sniffs as blk tracer text with an example payload', () => {
    for (const p of smallFtraceFiles) {
      const head = readInput(p).subarray(0, 65536);
      const s = sniffFtrace(head, new TextDecoder().decode(head));
      expect(s?.score, p).toBeGreaterThanOrEqual(0.9);
      expect(s?.evidence).toMatch(/^\d+ ftrace lines with `blk` tracer payload \(e\.g\. `7,0 [A-Z] /);
    }
  });

  it('tracepoint files sniff as block tracepoints; corpus files are all recognized', () => {
    for (const p of tracepointFiles) {
      const head = readInput(p);
      const s = sniffFtrace(head, new TextDecoder().decode(head));
      expect(s?.score).toBeGreaterThanOrEqual(0.9);
      expect(s?.evidence).toMatch(/^\d+ block tracepoint lines \(e\.g\. `block_bio_queue: 7,0 RS/);
    }
    for (const p of corpusFiles) {
      const head = readInput(p);
      expect(sniffFtrace(head, new TextDecoder().decode(head))?.score, p).toBeGreaterThanOrEqual(0.7);
    }
  });

  it('blkparse text and strace text are not taken for ftrace', () => {
    const others = walk(FIXTURES).filter((p) => /\.(blkparse|strace|stderr)\.txt$/.test(p));
    expect(others.length).toBeGreaterThan(20);
    for (const p of others) {
      const head = readInput(p).subarray(0, 65536);
      const s = sniffFtrace(head, new TextDecoder().decode(head));
      expect(s === null || s.score < 0.3, `${p}: ${s?.evidence}`).toBe(true);
    }
  });

  it('the router picks this parser, and parseBytes keeps the finer format id', () => {
    const blk = readInput(fixturePath('mt-pread', 'main.ftrace.txt'));
    expect(detect(blk).spec).toBe(ftraceFormat);
    expect(parseBytes('x', blk).format).toBe('ftrace-blk');
    const tp = readInput(fixturePath('tracepoints-dev', 'sched8k.tracepoints.txt'));
    expect(detect(tp).spec).toBe(ftraceFormat);
    const src = parseBytes('y', tp);
    expect(src.format).toBe('ftrace-tracepoints');
    expect(src.evidence).toMatch(/block tracepoint lines/);
    expect(detect(readInput(fixturePath('mt-pread', 'main.blkparse.txt'))).spec).not.toBe(ftraceFormat);
  });
});

describe('streaming', () => {
  const inputs = [
    fixturePath('split44k', 'limit44.ftrace.txt'),
    fixturePath('tracepoints-dev', 'sched8k.tracepoints.txt'),
    corpusPath('ftrace', 'perf-tools-tpoint_example.txt'),
    corpusPath('ftrace', 'linux-xfs-2020-trace-cmd-report-io_uring-block-excerpt.txt'),
  ];
  it.each(inputs.map((p) => [basename(p), p]))('%s: chunk sizes give identical results', (_n, path) => {
    const bytes = readInput(path);
    const ref = canonical(parseFtraceText(bytes, 'x'));
    for (const size of CHUNK_SIZES) expect(canonical(feed(ftraceFormat.create('x'), bytes, size)), `chunk ${size}`).toBe(ref);
  });

  it('CRLF line endings and a missing final newline change nothing', () => {
    const text = readText(fixturePath('parted-gpt', 'blog.ftrace.txt'));
    const a = canonical(parseText(text));
    expect(canonical(parseText(text.replace(/\n/g, '\r\n')))).toBe(a);
    expect(canonical(parseText(text.replace(/\n$/, '')))).toBe(a);
  });
});

describe('robustness (fast-check)', () => {
  const base = readText(fixturePath('mt-pread', 'main.ftrace.txt'));
  const tpBase = readText(fixturePath('tracepoints-dev', 'main.tracepoints.txt'));
  const baseLines = base.split('\n');
  const mixLines = [...baseLines, ...tpBase.split('\n'), ...readText(corpusPath('ftrace', 'perf-tools-tpoint_example.txt')).split('\n')];

  function check(bytes: Uint8Array): void {
    const src = parseFtraceText(bytes, 'fuzz');
    const b = store(src);
    expect(b.length).toBeLessThanOrEqual(bytes.length);
    for (let i = 0; i < b.length; i++) expect(Number.isNaN(b.timeNs[i])).toBe(false);
    expect(src.diagnostics.length).toBeLessThanOrEqual(1000);
  }

  it('random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => check(bytes)), { numRuns: 150 });
  });

  it('random text built from prefix-like pieces never throws', () => {
    const piece = fc.constantFrom('[', ']', '-', ' ', ':', '.', '0', '7', ',', '+', '/', '(', ')', '<-', '\n', 'block_rq_issue:', 'Q', 'UT', 'm', '[001]', '12.5:', 'block:', '<...>', '#', 'CPU:', '=>');
    fc.assert(fc.property(fc.array(piece, { maxLength: 400 }), (parts) => check(enc.encode(parts.join('')))), { numRuns: 150 });
  });

  it('truncated, bit-flipped and spliced real inputs never throw', () => {
    const bytes = enc.encode(base);
    fc.assert(
      fc.property(fc.nat(bytes.length), fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 7 })), { maxLength: 20 }), (cut, flips) => {
        const m = bytes.slice(0, cut);
        for (const [at, bit] of flips) if (at < m.length) m[at] ^= 1 << bit;
        check(m);
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(mixLines.length - 1), fc.nat(200), fc.nat(200)), { maxLength: 60 }), (picks) => {
        // lines spliced mid-way into other lines
        const text = picks.map(([i, a, b]) => mixLines[i].slice(0, a) + mixLines[(i + 1) % mixLines.length].slice(b)).join('\n');
        check(enc.encode(text));
      }),
      { numRuns: 100 },
    );
  });

  it('a garbage line costs one diagnostic and no other event', () => {
    const ref = store(parseText(base));
    fc.assert(
      fc.property(fc.integer({ min: 2, max: baseLines.length - 2 }), fc.string({ minLength: 1, maxLength: 40 }), (k, junk) => {
        const lines = [...baseLines];
        lines[k] = `@@${junk.replace(/[\r\n]/g, ' ')}`;
        const src = parseText(lines.join('\n'));
        const b = store(src);
        expect(b.length).toBe(ref.length - 1);
        expect(src.diagnostics.length).toBe(1);
        expect(src.diagnostics[0].line).toBe(k + 1);
        const skip = k - 2; // two header lines before the events
        for (let i = 0; i < b.length; i++) expect(b.timeNs[i]).toBe(ref.timeNs[i < skip ? i : i + 1]);
      }),
      { numRuns: 30 },
    );
  });

  it('time grows linearly: doubling the input at most ~3x the time', () => {
    const unit = readText(fixturePath('fio-mixed', 'short.ftrace.txt'));
    const small = enc.encode(unit.repeat(40));
    const large = enc.encode(unit.repeat(80));
    const best = (b: Uint8Array) => {
      let t = Infinity;
      for (let k = 0; k < 3; k++) {
        const t0 = performance.now();
        parseFtraceText(b, 'x');
        t = Math.min(t, performance.now() - t0);
      }
      return t;
    };
    best(small);
    expect(best(large) / best(small)).toBeLessThan(3);
  });

  it('pathological long lines stay linear', () => {
    const n = 200000;
    const lines = [
      `${TP}block_rq_issue: 8,0 W 0 () 1 + 8 ${'( '.repeat(n)}[dd]`,
      `1.5 ${'a '.repeat(n)}`,
      `${'[1] '.repeat(n)}`,
      `${TP}block_bio_queue: 8,0 W 1 + 8 [${'] '.repeat(n)}`,
      `${P}  8,32   Q   R 1 ${'+ 1 '.repeat(n)}[cat]`,
    ];
    const t0 = performance.now();
    const src = parseText(lines.join('\n'));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(src.diagnostics.length).toBeGreaterThan(0);
  });

  it('the sniffer copes with garbage', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const s = sniffFtrace(bytes, new TextDecoder().decode(bytes));
        expect(s === null || (s.score >= 0 && s.score <= 1)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('FtraceParser direct use', () => {
  it('finish() with no input gives an empty store', () => {
    const src = new FtraceParser('empty').finish();
    expect(src.block?.length).toBe(0);
    expect(src.diagnostics).toEqual([]);
    expect(src.bytes).toBe(0);
  });
});
