import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { BlktraceBinParser, blktraceBinFormat, parseBlktraceBinary } from '../../parsers/blktraceBin';
import { groupBlktraceFiles, mergeBlktraceSources, decodeMergedOrigin } from '../../parsers/blktraceSet';
import { detect } from '../../parsers/detect';
import { Action } from '../../parsers/model/actions';
import { devKey, ExtraKind } from '../../parsers/model/blockEvents';
import type { ParsedSource } from '../../parsers/model/source';
import { canonical } from '../helpers/canonical';
import { CHUNK_SIZES, CORPUS, FIXTURES, feed, readInput, walk } from '../helpers/fixtures';
import { ascii, concatBytes, readV7, record, reencode, remapPdu, u64be } from './blktraceRecords';

const FIXTURE_BINS = walk(FIXTURES).filter((p) => p.endsWith('.bin'));
const BIN = join(CORPUS, 'blktrace-bin');
const fixture = (rel: string): Uint8Array => readInput(join(FIXTURES, rel));

function count(src: ParsedSource, action: number): number {
  const b = src.block!;
  let n = 0;
  for (let i = 0; i < b.length; i++) if (b.action[i] === action) n++;
  return n;
}

function errors(src: ParsedSource): string[] {
  return src.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.offset}: ${d.message}`);
}

function loadSet(dir: string): ParsedSource {
  const d = join(BIN, dir);
  const [group] = groupBlktraceFiles(readdirSync(d));
  return mergeBlktraceSources(group.files.map((f) => parseBlktraceBinary(readInput(join(d, f)), f)));
}

describe('sniffer', () => {
  it('recognises the magic at byte 0 in either byte order and version', () => {
    const bytes = fixture('parted-gpt/blog.bin');
    expect(blktraceBinFormat.sniff(bytes, '')).toEqual({
      score: 0.99,
      evidence: 'blk_io_trace magic 0x65617407 (little-endian, version 7) at byte 0',
    });
    expect(blktraceBinFormat.sniff(reencode(bytes, { le: false, version: 7 }), '')?.evidence).toBe(
      'blk_io_trace magic 0x65617407 (big-endian, version 7) at byte 0',
    );
    expect(blktraceBinFormat.sniff(reencode(bytes, { le: true, version: 8 }), '')?.evidence).toBe(
      'blk_io_trace magic 0x65617408 (little-endian, version 8) at byte 0',
    );
    expect(detect(bytes).format).toBe('blktrace-bin');
  });

  it('finds records after a damaged start, and rejects text', () => {
    const bytes = concatBytes([ascii('garbage!!'), fixture('parted-gpt/blog.bin')]);
    const s = blktraceBinFormat.sniff(bytes, '');
    expect(s?.score).toBe(0.9);
    expect(s?.evidence).toContain('at byte 9, followed by another record at byte 57');
    const text = ascii('  7,0    0        0     0.000000000 18720  Q FWS [(null)]\n');
    expect(blktraceBinFormat.sniff(text, new TextDecoder().decode(text))).toBeNull();
  });
});

describe('fixtures (ftrace blk tracer, bin mode)', () => {
  it('parted-gpt/blog: 40 events with the counts of PROVENANCE, no names, raw clock', () => {
    const src = parseBlktraceBinary(fixture('parted-gpt/blog.bin'), 'blog.bin');
    const b = src.block!;
    expect(src.format).toBe('blktrace-bin');
    expect(src.diagnostics).toEqual([]);
    expect(src.dropped).toBeUndefined();
    expect(src.clock).toEqual({ kind: 'trace-raw', baseNs: '0' });
    expect(b.length).toBe(40);
    expect([Action.Queue, Action.GetRq, Action.Plug, Action.UnplugIo, Action.Issue, Action.Complete].map((a) => count(src, a))).toEqual([
      7, 7, 5, 5, 7, 9,
    ]);
    expect(b.timeNs[0]).toBe(0xb0633eaf0c);
    expect(b.devices).toEqual([devKey(7, 0)]);
    expect(Array.from(b.comm)).toEqual(new Array(40).fill(0));
    expect(Array.from(b.seq)).toEqual(new Array(40).fill(0));
    expect(b.rwbsTable.get(b.rwbs[0])).toBe('FWS');
    expect(b.rwbsTable.get(b.rwbs[2])).toBe('FN');
    expect(b.rwbsTable.get(b.rwbs[5])).toBe('RA');
    expect(b.extra(8, ExtraKind.UnplugDepth)).toEqual({ a: 1, b: 0 });
    expect(b.originOf(39)).toBe(39);
  });

  it('fio-mixed/main: 40000 Q/D/C and 10000 unplugs of depth 4', () => {
    const src = parseBlktraceBinary(fixture('fio-mixed/main.bin.xz'), 'main.bin');
    const b = src.block!;
    expect(b.length).toBe(180000);
    expect([Action.Queue, Action.GetRq, Action.Plug, Action.UnplugIo, Action.Issue, Action.Complete].map((a) => count(src, a))).toEqual([
      40000, 40000, 10000, 10000, 40000, 40000,
    ]);
    let depth4 = 0;
    for (let i = 0; i < b.length; i++) if (b.action[i] === Action.UnplugIo && b.extra(i, ExtraKind.UnplugDepth)?.a === 4) depth4++;
    expect(depth4).toBe(10000);
    // blkparse prints the one pair of equal timestamps in reverse read order (same 512-record batch).
    expect(b.originOf(32298)).toBe(32299);
    expect(b.originOf(32299)).toBe(32298);
  });

  it('edge-cases: EINVAL completions carry error -22; split44k: X with its new sector', () => {
    const edge = parseBlktraceBinary(fixture('edge-cases/main.bin'), 'main.bin').block!;
    const errs: number[] = [];
    for (let i = 0; i < edge.length; i++) if (edge.error(i)) errs.push(edge.error(i));
    expect(errs).toEqual([-22, -22, -22]);
    const split = parseBlktraceBinary(fixture('split44k/limit44.bin'), 'limit44.bin');
    expect(count(split, Action.Split)).toBe(38);
    const b = split.block!;
    const x = Array.from(b.action).indexOf(Action.Split);
    expect([b.sector[x], b.nSectors[x], b.extra(x, ExtraKind.SplitTo)?.a]).toEqual([1280, 88, 1368]);
  });

  it.each(FIXTURE_BINS.map((p) => [p.slice(FIXTURES.length + 1), p]))('%s: same result for every chunk size', (_rel, path) => {
    const bytes = readInput(path);
    const ref = canonical(parseBlktraceBinary(bytes, 'x'));
    for (const size of CHUNK_SIZES) expect(canonical(feed(new BlktraceBinParser('x'), bytes, size))).toBe(ref);
  });

  it('fio-mixed/main (8.7 MB): same result fed in 4093-byte chunks', () => {
    const bytes = fixture('fio-mixed/main.bin.xz');
    expect(canonical(feed(new BlktraceBinParser('x'), bytes, 4093))).toBe(canonical(parseBlktraceBinary(bytes, 'x')));
  });

  it('big-endian and v8 re-encodings decode to the same events', () => {
    for (const rel of ['split44k/limit44.bin', 'buffered-merges/mqdeadline.bin']) {
      const bytes = fixture(rel);
      const ref = canonical(parseBlktraceBinary(bytes, 'x'));
      for (const layout of [{ le: false, version: 7 as const }, { le: true, version: 8 as const }, { le: false, version: 8 as const }]) {
        const other = reencode(bytes, layout);
        for (const size of [7, 1 << 20]) expect(canonical(feed(new BlktraceBinParser('x'), other, size))).toBe(ref);
      }
    }
  });
});

describe('corpus captures (blktrace proper)', () => {
  it('keks: 8 per-CPU files merge into 2398 D/C events named from the notes', () => {
    const src = loadSet('isotopp-keks');
    expect(errors(src)).toEqual([]);
    expect(src.name).toBe('keks.blktrace.{0,1,2,3,4,5,6,7}');
    const b = src.block!;
    expect(b.length).toBe(2398);
    expect(count(src, Action.Issue) + count(src, Action.Complete)).toBe(2398);
    expect(b.devices).toEqual([devKey(8, 52)]);
    expect(b.strings.get(b.comm[0])).toBe('kworker/0:1H');
    expect(b.rwbsTable.get(b.rwbs[0])).toBe('DS');
    for (let i = 1; i < b.length; i++) expect(b.timeNs[i]).toBeGreaterThanOrEqual(b.timeNs[i - 1]);
    expect(decodeMergedOrigin(b.originOf(2)).file).toBe(3);
    expect(src.diagnostics.some((d) => d.severity === 'info' && d.message.includes('2023-08-03T14:20:17.318Z'))).toBe(true);
  });

  it('liuzel01 sda: two-level remaps dm-0 → sda2 → sda, shown on the target device', () => {
    const src = loadSet('liuzel01-mynotes-sda');
    expect(errors(src)).toEqual([]);
    const b = src.block!;
    expect(b.length).toBe(799);
    expect(count(src, Action.Remap)).toBe(226);
    expect([b.action[0], b.devices[b.device[0]], b.sector[0], b.nSectors[0]]).toEqual([Action.Remap, devKey(8, 2), 24391512, 160]);
    expect(b.extra(0, ExtraKind.RemapFrom)).toEqual({ a: devKey(253, 0), b: 20481880 });
    expect(b.extra(1, ExtraKind.RemapFrom)).toEqual({ a: devKey(8, 2), b: 24391512 });
    expect(b.devices[b.device[1]]).toBe(devKey(8, 0));
    expect(b.strings.get(b.comm[2])).toBe('kworker/u256:1');
  });

  it('romeus: one interleaved stream; comm bytes after the NUL are ignored', () => {
    for (const f of ['trace_x_0_y_0.bin', 'trace_x_1_y_2.bin']) {
      const src = parseBlktraceBinary(readInput(join(BIN, 'romeus-blkparseanalyzer', f)), f);
      expect(errors(src)).toEqual([]);
      const b = src.block!;
      const names = new Set(Array.from(b.comm, (c) => b.strings.get(c)));
      expect(names.has('blktst')).toBe(true);
      expect([...names].some((n) => n.includes('erminal'))).toBe(false);
      expect(new Set(b.cpu).size).toBe(4);
      expect(src.diagnostics.filter((d) => d.severity === 'info')).toHaveLength(1);
    }
  });

  it('takeoverjp: cpu 1 records in a file named .blktrace.0 are kept with a warning', () => {
    const src = parseBlktraceBinary(readInput(join(BIN, 'takeoverjp-sample/sample.blktrace.0')), 'sample.blktrace.0');
    expect(errors(src)).toEqual([]);
    expect(src.block!.length).toBe(6741);
    expect(new Set(src.block!.cpu)).toEqual(new Set([1]));
    expect(src.diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(src.diagnostics[0].message).toContain('6741 records carry cpu 1 although the file name says CPU 0');
  });
});

describe('damaged input', () => {
  const blog = fixture('parted-gpt/blog.bin');
  const full = parseBlktraceBinary(blog, 'x');

  it('garbage between records: one error with the byte range, every record kept', () => {
    const records = readV7(blog);
    const at = records[10].offset;
    const junk = new Uint8Array(100).fill(0x5a);
    const damaged = concatBytes([blog.subarray(0, at), junk, blog.subarray(at)]);
    for (const size of CHUNK_SIZES) {
      const src = feed(new BlktraceBinParser('d'), damaged, size);
      expect(src.block!.length).toBe(40);
      expect(src.diagnostics).toEqual([
        {
          severity: 'error',
          file: 'd',
          offset: at,
          message: `expected blk_io_trace magic 0x656174NN, found 0x5a5a5a5a (as little-endian); skipped 100 bytes resynchronised on a blk_io_trace header at byte ${at + 100}`,
        },
      ]);
    }
  });

  it('truncated final record and a payload running past the end are warnings with the offset', () => {
    const cut = blog.subarray(0, blog.length - 20);
    const src = parseBlktraceBinary(cut, 't');
    expect(src.block!.length).toBe(39);
    expect(src.diagnostics).toHaveLength(1);
    expect(src.diagnostics[0]).toMatchObject({ severity: 'warning', offset: readV7(blog)[39].offset });
    expect(src.diagnostics[0].message).toContain('truncated record: only 28 of the 48-byte header present');

    const pc = record({ time: 1n, action: 7 | (0x0240 << 16), bytes: 512, pdu: new Uint8Array(4) });
    new DataView(pc.buffer).setUint16(46, 1000, true);
    const src2 = parseBlktraceBinary(concatBytes([blog, pc]), 'p');
    expect(src2.block!.length).toBe(40);
    expect(src2.diagnostics[0].message).toContain('declares a 1000-byte payload but only 4 bytes follow');
    expect(src2.diagnostics[0].offset).toBe(blog.length);
  });

  it('wrong magic, bad version and an implausible pdu_len each cost one record', () => {
    const recs = readV7(blog);
    for (const [byte, value, why] of [
      [1, 0x11, 'expected blk_io_trace magic'],
      [0, 0x06, 'unsupported blk_io_trace version 6'],
      [46, 0x30, 'implausible record header: pdu_len 48 for action code'],
    ] as const) {
      const d = blog.slice();
      d[recs[5].offset + byte] = value;
      const src = parseBlktraceBinary(d, 'x');
      expect(src.block!.length).toBe(39);
      expect(src.diagnostics).toHaveLength(1);
      expect(src.diagnostics[0].offset).toBe(recs[5].offset);
      expect(src.diagnostics[0].message).toContain(why);
    }
  });

  it('random bytes: never throws, same result for any chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 300 }), (bytes, size) => {
        const a = parseBlktraceBinary(bytes, 'r');
        expect(canonical(feed(new BlktraceBinParser('r'), bytes, size))).toBe(canonical(a));
        if (bytes.length > 0) expect(a.diagnostics.length).toBeGreaterThan(0);
      }),
      { numRuns: 150 },
    );
  });

  it('truncation keeps every record before the cut', () => {
    const recs = readV7(blog);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: blog.length }), (cut) => {
        const src = parseBlktraceBinary(blog.subarray(0, cut), 't');
        const complete = recs.filter((r) => r.offset + 48 + r.fields.pdu!.length <= cut).length;
        expect(src.block!.length).toBe(complete);
        const n = complete;
        expect(Array.from(src.block!.timeNs)).toEqual(Array.from(full.block!.timeNs.subarray(0, n)));
        expect(Array.from(src.block!.sector)).toEqual(Array.from(full.block!.sector.subarray(0, n)));
        expect(src.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('bit flips: events of the records before the damage are kept, at most two records lost', () => {
    const recs = readV7(blog);
    const fb = full.block!;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: blog.length * 8 - 1 }), fc.constantFrom(1, 7, 4093), (bit, size) => {
        const d = blog.slice();
        d[bit >> 3] ^= 1 << (bit & 7);
        const src = feed(new BlktraceBinParser('f'), d, size);
        const b = src.block!;
        const damaged = recs.findIndex((r, i) => i === recs.length - 1 || recs[i + 1].offset > bit >> 3);
        const byOrigin = new Map<number, number>();
        for (let i = 0; i < b.length; i++) byOrigin.set(b.originOf(i), i);
        for (let i = 0; i < fb.length; i++) {
          const o = fb.originOf(i);
          if (o >= damaged) continue;
          const j = byOrigin.get(o);
          expect(j).toBeDefined();
          expect([b.timeNs[j!], b.sector[j!], b.action[j!], b.pid[j!], b.cpu[j!]]).toEqual([fb.timeNs[i], fb.sector[i], fb.action[i], fb.pid[i], fb.cpu[i]]);
        }
        expect(b.length).toBeGreaterThanOrEqual(fb.length - 2);
      }),
      { numRuns: 300 },
    );
  });

  it('linear time: doubling garbage or records at most ~3x the time', () => {
    const time = (bytes: Uint8Array): number => {
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        parseBlktraceBinary(bytes, 'b');
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const rand = (n: number): Uint8Array => {
      const b = new Uint8Array(n);
      let x = 12345;
      for (let i = 0; i < n; i++) b[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
      return b;
    };
    const recs = fixture('fio-mixed/short.bin');
    const rep = (k: number): Uint8Array => concatBytes(new Array<Uint8Array>(k).fill(recs));
    for (const [small, big] of [
      [rand(1 << 19), rand(1 << 20)],
      [rep(100), rep(200)],
      // a magic every 48 bytes whose header is implausible: the resync scan must not rescan
      [concatBytes(new Array<Uint8Array>(4000).fill(record({ time: 1n, action: 1 | (1 << 20), pdu: new Uint8Array(0) }).map((v, i) => (i === 46 ? 9 : v)))),
        concatBytes(new Array<Uint8Array>(8000).fill(record({ time: 1n, action: 1 | (1 << 20), pdu: new Uint8Array(0) }).map((v, i) => (i === 46 ? 9 : v))))],
    ]) {
      time(small);
      // generous: the machine is shared; a superlinear scan would cost seconds here
      expect(time(big)).toBeLessThan(3 * time(small) + 15);
    }
  });
});

describe('notes, messages, passthrough, cgroup', () => {
  it('first process name wins; messages become m events; PC requests keep bytes and CDB', () => {
    const recs = [
      record({ time: 5n, action: 0x04000000, pid: 42, pdu: ascii('first\0junk', 16) }),
      record({ time: 6n, action: 0x04000000, pid: 42, pdu: ascii('second', 16) }),
      record({ seq: 1, time: 7n, action: 1 | (0x0012 << 16), bytes: 4096, sector: 8n, pid: 42, device: devKey(8, 16) }),
      record({ time: 8n, action: 0x04000002, pid: 42, device: devKey(8, 16), pdu: ascii('bfq42 insert') }),
      record({ seq: 2, time: 9n, action: 7 | (0x0241 << 16), bytes: 1000, pid: 42, device: devKey(8, 16), pdu: Uint8Array.from([0x28, 0, 1, 0, 0, 0]) }),
      record({ seq: 3, time: 10n, action: 1 | 0x100 | (0x0012 << 16), bytes: 512, pid: 42, device: devKey(8, 16), pdu: Uint8Array.from([1, 0, 0, 0, 2, 0, 0, 0]) }),
      record({ seq: 4, time: 11n, action: 15 | (0x0012 << 16), bytes: 512, sector: 100n, device: devKey(8, 16), pdu: remapPdu(devKey(8, 17), devKey(8, 16), 36n) }),
      record({ seq: 5, time: 12n, action: 13, bytes: 512, device: devKey(8, 16), pdu: u64be(0x100000010n) }),
    ];
    const src = parseBlktraceBinary(concatBytes(recs), 's');
    expect(src.diagnostics).toEqual([]);
    const b = src.block!;
    expect(Array.from(b.action)).toEqual([Action.Queue, Action.Message, Action.Issue, Action.Queue, Action.Remap, Action.Split]);
    expect(b.strings.get(b.comm[0])).toBe('first');
    expect(b.strings.get(b.extra(1, ExtraKind.Message)!.a)).toBe('bfq42 insert');
    expect(b.rwbsTable.get(b.rwbs[1])).toBe('N');
    expect(b.extra(2, ExtraKind.Bytes)?.a).toBe(1000);
    expect(b.strings.get(b.extra(2, ExtraKind.Pdu)!.a)).toBe('28 00 01 00 ..');
    expect(b.rwbsTable.get(b.rwbs[2])).toBe('R');
    expect(b.extra(3, ExtraKind.Cgroup)).toEqual({ a: 1, b: 2 });
    expect(b.extra(4, ExtraKind.RemapFrom)).toEqual({ a: devKey(8, 17), b: 36 });
    expect(b.extra(5, ExtraKind.SplitTo)?.a).toBe(0x100000010);
    expect(b.originOf(0)).toBe(2);
  });

  it('v8 zone categories spell ZA / ZR; uptimes beyond 2^52 ns get a clock base', () => {
    const t = 5000000000000000123n;
    const recs = [
      record({ seq: 1, time: t, action: 8 | (0x80 << 16), actionHigh: 1 }, { le: true, version: 8 }),
      record({ seq: 2, time: t + 10n, action: 7 | (0x40 << 16), actionHigh: 2 }, { le: true, version: 8 }),
    ];
    const src = parseBlktraceBinary(concatBytes(recs), 'z');
    const b = src.block!;
    expect([b.rwbsTable.get(b.rwbs[0]), b.rwbsTable.get(b.rwbs[1])]).toEqual(['ZA', 'ZR']);
    expect(src.clock.baseNs).toBe('5000000000000000000');
    expect(Array.from(b.timeNs)).toEqual([123, 133]);
  });
});

describe('per-CPU sets', () => {
  it('groups <dev>.blktrace.<cpu> names by device, ordered by CPU number', () => {
    expect(groupBlktraceFiles(['d/sda.blktrace.10', 'd/sda.blktrace.2', 'notes.txt', 'keks.blktrace.0', 'd/sda.blktrace.0'])).toEqual([
      { stem: 'd/sda', files: ['d/sda.blktrace.0', 'd/sda.blktrace.2', 'd/sda.blktrace.10'], cpus: [0, 2, 10] },
      { stem: 'keks', files: ['keks.blktrace.0'], cpus: [0] },
    ]);
  });

  it('merge keeps a stream going on equal times and skips empty files', () => {
    const mk = (cpu: number, times: number[]): ParsedSource =>
      parseBlktraceBinary(concatBytes(times.map((t, i) => record({ seq: i + 1, time: BigInt(t), action: 9 | (0x10 << 16), cpu, pid: cpu }))), `s.blktrace.${cpu}`);
    const empty = parseBlktraceBinary(new Uint8Array(0), 's.blktrace.2');
    const m = mergeBlktraceSources([mk(0, [10, 20, 20]), mk(1, [20, 20]), empty]);
    expect(Array.from(m.block!.cpu)).toEqual([0, 0, 0, 1, 1]);
    expect(m.evidence).toContain('1 empty file skipped');
    const m2 = mergeBlktraceSources([mk(0, [20, 30]), mk(1, [10, 20, 20])]);
    expect(Array.from(m2.block!.cpu)).toEqual([1, 1, 1, 0, 0]);
  });
});
