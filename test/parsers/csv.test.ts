import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createCsvParser, csvFormat, recogniseHeader } from '../../parsers/csv';
import type { CsvOptions } from '../../parsers/csv';
import { actionFromLetter, actionName } from '../../parsers/model/actions';
import { devKey } from '../../parsers/model/blockEvents';
import type { ParsedSource } from '../../parsers/model/source';
import { canonical } from '../helpers/canonical';
import { CORPUS, feed, fixturePath, readInput, readText, walk } from '../helpers/fixtures';

const enc = new TextEncoder();

/** One event of the blkparse fixture, read with a plain split (not the project's blkparse parser). */
interface Ev {
  major: number;
  minor: number;
  cpu: number;
  seq: number;
  ns: bigint;
  pid: number;
  act: string;
  rwbs: string;
  sector: number | null;
  nsect: number | null;
  comm: string;
  error: number;
}

function readBlkparse(path: string): Ev[] {
  const out: Ev[] = [];
  for (const line of readText(path).split('\n')) {
    const f = line.trim().split(/\s+/);
    const dev = /^(\d+),(\d+)$/.exec(f[0] ?? '');
    if (!dev || f.length < 7 || !/^\d+\.\d{9}$/.test(f[3])) continue;
    const [s, frac] = f[3].split('.');
    const rest = f.slice(7);
    const plus = rest[1] === '+';
    const bracket = (plus ? rest[3] : rest[0]).slice(1, -1);
    out.push({
      major: +dev[1], minor: +dev[2], cpu: +f[1], seq: +f[2], ns: BigInt(s) * 1_000_000_000n + BigInt(frac), pid: +f[4],
      act: f[5], rwbs: f[6], sector: plus ? +rest[0] : null, nsect: plus ? +rest[2] : null,
      comm: f[5] === 'C' ? '' : bracket, error: f[5] === 'C' ? +bracket : 0,
    });
  }
  return out;
}

const EVENTS = readBlkparse(fixturePath('edge-cases', 'main.blkparse.txt'));

function csvCell(v: string, delim: string): string {
  return v.includes(delim) || v.includes('"') || v.includes('\n') ? `"${v.replace(/"/g, '""')}"` : v;
}
function table(header: string[], rows: string[][], delim: string): string {
  return [header, ...rows].map((r) => r.map((c) => csvCell(c, delim)).join(delim)).join('\n') + '\n';
}
function decimal(ns: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  return `${ns / scale}.${(ns % scale).toString().padStart(digits, '0')}`;
}
function parse(text: string, opts: CsvOptions = {}, chunk = 1 << 20): ParsedSource {
  return feed(createCsvParser('table.csv', opts), enc.encode(text), chunk);
}

/** Every column the importer fills, against the events the table was written from. */
function expectEvents(src: ParsedSource, withComm = true) {
  const b = src.block!;
  expect(b.length).toBe(EVENTS.length);
  expect(Array.from(b.timeNs)).toEqual(EVENTS.map((e) => Number(e.ns)));
  expect(Array.from(b.sector)).toEqual(EVENTS.map((e) => e.sector ?? 0));
  expect(Array.from(b.nSectors)).toEqual(EVENTS.map((e) => e.nsect ?? 0));
  expect(Array.from(b.pid)).toEqual(EVENTS.map((e) => e.pid));
  expect(Array.from(b.cpu)).toEqual(EVENTS.map((e) => e.cpu));
  expect(Array.from(b.action)).toEqual(EVENTS.map((e) => actionFromLetter(e.act)));
  expect(Array.from(b.rwbs, (r) => b.rwbsTable.get(r))).toEqual(EVENTS.map((e) => e.rwbs));
  expect(Array.from(b.device, (d) => b.devices[d])).toEqual(EVENTS.map((e) => devKey(e.major, e.minor)));
  if (withComm) expect(Array.from(b.comm, (c) => b.strings.get(c))).toEqual(EVENTS.map((e) => e.comm));
  expect(EVENTS.map((_, i) => b.error(i))).toEqual(EVENTS.map((e) => (e.error === 65514 ? -22 : 0)));
  expect(EVENTS.map((_, i) => b.originOf(i))).toEqual(EVENTS.map((_, i) => i + 2));
}

describe('round trip of a table written from a blkparse fixture', () => {
  it('reads the fixture with a plain split first', () => {
    expect(EVENTS).toHaveLength(54);
    expect(EVENTS.filter((e) => e.error === 65514)).toHaveLength(3);
  });

  it('canonical headers, comma-separated, quoted MAJ,MIN devices', () => {
    const header = ['time', 'dev', 'cpu', 'seq', 'pid', 'action', 'rwbs', 'sector', 'nsect', 'comm', 'error'];
    const rows = EVENTS.map((e) => [
      decimal(e.ns, 9), `${e.major},${e.minor}`, String(e.cpu), String(e.seq), String(e.pid), e.act, e.rwbs,
      e.sector === null ? '' : String(e.sector), e.nsect === null ? '' : String(e.nsect), e.comm, String(e.error),
    ]);
    const text = table(header, rows, ',');
    expect(text).toContain('"7,0"');
    const src = parse(text);
    expect(src.format).toBe('csv');
    expectEvents(src);
    expect(src.clock).toEqual({ kind: 'trace-relative', baseNs: '0' });
    expect(src.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    for (const size of [1, 7, 4093]) expect(canonical(parse(text, {}, size))).toBe(canonical(src));
  });

  it('synonyms in another order, semicolons, microseconds and action names', () => {
    const header = ['Sequence', 'LBA', 'timestamp (us)', 'device', 'CPU', 'act', 'op', 'count', 'process', 'PID', 'errno'];
    const rows = EVENTS.map((e) => [
      String(e.seq), e.sector === null ? '' : String(e.sector), decimal(e.ns, 3), `${e.major}:${e.minor}`, String(e.cpu),
      actionName(actionFromLetter(e.act)), e.rwbs, e.nsect === null ? '' : String(e.nsect), e.comm, String(e.pid),
      e.error ? String(e.error - 65536) : '0',
    ]);
    const src = parse(table(header, rows, ';'));
    expectEvents(src);
    expect(src.diagnostics.find((d) => d.severity === 'info')?.message).toMatch(/time unit us/);
  });

  it('tab-separated, ns times, major/minor columns, bytes and tracepoint names', () => {
    const tp: Record<string, string> = { Q: 'block_bio_queue', G: 'block_getrq', P: 'block_plug', U: 'block_unplug', D: 'block_rq_issue', C: 'block_rq_complete' };
    const header = ['ts_ns', 'maj', 'min', 'cpu', 'seq', 'tid', 'event', 'rw', 'lba', 'bytes', 'task', 'err'];
    const rows = EVENTS.map((e) => [
      e.ns.toString(), String(e.major), String(e.minor), String(e.cpu), String(e.seq), String(e.pid), tp[e.act], e.rwbs,
      e.sector === null ? '' : String(e.sector), e.nsect === null ? '' : String(e.nsect * 512), e.comm, String(e.error),
    ]);
    expectEvents(parse(table(header, rows, '\t')));
  });

  it('unknown headers with an explicit mapping (by name and by index)', () => {
    const header = ['when', 'disk', 'what', 'start', 'len', 'who', 'flags', 'core', 'n', 'task_id', 'status'];
    const rows = EVENTS.map((e) => [
      decimal(e.ns, 9), `${e.major},${e.minor}`, e.act, e.sector === null ? '' : String(e.sector), e.nsect === null ? '' : String(e.nsect),
      e.comm, e.rwbs, String(e.cpu), String(e.seq), String(e.pid), String(e.error),
    ]);
    const text = table(header, rows, ',');
    const unmapped = parse(text);
    expect(unmapped.block!.length).toBe(0);
    expect(unmapped.diagnostics.some((d) => d.severity === 'error' && d.line === 1 && /no action or sector column/.test(d.message))).toBe(true);
    const src = parse(text, {
      mapping: { time: 'WHEN', dev: 'disk', action: 'what', sector: 'start', nsect: 'len', comm: 5, rwbs: 'flags', cpu: 'core', seq: 'n', pid: 'task_id', error: 'status' },
    });
    expectEvents(src);
    const bad = parse(text, { mapping: { time: 'when', action: 'nope' } });
    expect(bad.diagnostics.some((d) => d.line === 1 && /mapping action → "nope": no such column/.test(d.message))).toBe(true);
  });
});

describe('rows, quoting, clocks and errors', () => {
  it('reports a bad row with its line and keeps the others', () => {
    const text = [
      'time,dev,action,rwbs,sector,nsect',
      '0.000001,"8,0",Q,R,100,8',
      '0.000002,"8,0",Q,R,abc,8',
      '0.000003,"8,0",Z9,R,100,8',
      '0.000004,"8,0",D,R,100',
      '0.000005,"8,0",C,R,100,8',
      '0.000006,"8,0",C,R,"100,8',
    ].join('\n');
    const src = parse(text);
    expect(Array.from(src.block!.timeNs)).toEqual([1000, 4000, 5000]);
    expect([0, 1, 2].map((i) => src.block!.originOf(i))).toEqual([2, 5, 6]);
    const diags = src.diagnostics.filter((d) => d.severity !== 'info').map((d) => [d.severity, d.line, d.message]);
    expect(diags).toEqual([
      ['error', 3, 'column sector: expected a number, got "abc"'],
      ['error', 4, 'column action: unknown action "Z9" (expected a blkparse letter such as Q/D/C or a name such as issue)'],
      ['warning', 5, 'row has 5 fields, the header has 6'],
      ['error', 7, 'quoted field opened on line 7 never closes (expected a closing ")'],
    ]);
  });

  it('keeps a quoted newline inside one row and counts lines after it', () => {
    const text = 'time,action,sector,nsect,comm\n1,Q,8,8,"two\nlines, ""quoted"""\n2,C,8,8,plain\n';
    const src = parse(text);
    const b = src.block!;
    expect(Array.from(b.comm, (c) => b.strings.get(c))).toEqual(['two\nlines, "quoted"', 'plain']);
    expect([b.originOf(0), b.originOf(1)]).toEqual([2, 4]);
    expect(Array.from(b.timeNs)).toEqual([1e9, 2e9]);
  });

  it('keeps line numbers right when a literal quote inside a field breaks the line grouping', () => {
    const src = parse('time,action,sector,comm\n1,Q,8,a"b\n2,C,8,plain"\n3,D,8,ok\n4,C,8,ok\n');
    const b = src.block!;
    expect(Array.from(b.timeNs)).toEqual([3e9, 4e9]);
    expect([b.originOf(0), b.originOf(1)]).toEqual([4, 5]);
    expect(src.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.line, d.message.slice(0, 30)])).toEqual([
      [2, 'quotes make this record 2 rows'],
    ]);
  });

  it('keeps epoch times exact and honours a clock comment', () => {
    const epoch = parse('time,action,sector\n1700000000.123456789,Q,1\n1700000001.000000001,C,1\n');
    expect(epoch.clock).toEqual({ kind: 'epoch', baseNs: '1700000000000000000' });
    expect(Array.from(epoch.block!.timeNs)).toEqual([123456789, 1000000001]);
    const raw = parse('# exported by sectorscope\n# clock=trace-raw baseNs=123456789012345678\ntime_ns,action,sector\n5,Q,1\n');
    expect(raw.clock).toEqual({ kind: 'trace-raw', baseNs: '123456789012345678' });
    expect(raw.block!.timeNs[0]).toBe(5);
    expect(raw.block!.originOf(0)).toBe(4);
  });

  it('fills a SyscallStore from a syscall table', () => {
    const text = [
      'time,pid,syscall,fd,offset,count,result,buf,path,duration_us,error',
      '0.5,101,pread64,3,4096,512,512,0x7f00aa000200,/dev/loop0,12.5,',
      '0.6,101,read,3,,4096,-1,0x7f00aa001000,/dev/loop0,,22',
      '0.7,102,fsync,4,,,0,,,,',
    ].join('\n');
    const src = parse(text);
    const s = src.syscalls!;
    expect(src.block).toBeUndefined();
    expect(s.length).toBe(3);
    expect([0, 1, 2].map((i) => s.nameOf(i))).toEqual(['pread64', 'read', 'fsync']);
    expect(Array.from(s.timeNs)).toEqual([5e8, 6e8, 7e8]);
    expect(Array.from(s.fd)).toEqual([3, 3, 4]);
    expect(Array.from(s.offset)).toEqual([4096, NaN, NaN]);
    expect(Array.from(s.length_)).toEqual([512, 4096, NaN]);
    expect(Array.from(s.result)).toEqual([512, -1, 0]);
    expect(Array.from(s.bufAddr)).toEqual([0x7f00aa000200, 0x7f00aa001000, NaN]);
    expect(s.pathOf(0)).toBe('/dev/loop0');
    expect(s.durationNs[0]).toBe(12500);
    expect(Array.from(s.errno)).toEqual([0, 22, 0]);
    expect(Array.from(s.line)).toEqual([2, 3, 4]);
  });

  it("reads a workload's own TSV log (fixture expected-reads.tsv) as a syscall table", () => {
    const bytes = readInput(fixturePath('odirect-misaligned-dev', 'expected-reads.tsv'));
    const sniffed = csvFormat.sniff(bytes, new TextDecoder().decode(bytes))!;
    expect(sniffed.score).toBeCloseTo(0.6);
    const src = feed(csvFormat.create('expected-reads.tsv'), bytes, 7);
    const s = src.syscalls!;
    expect(s.length).toBe(40);
    expect([s.nameOf(0), s.offset[0], s.length_[0], s.bufAddr[0], s.result[0], s.line[0]]).toEqual(['pread64', 3037696, 1536, 0x7ffff79cf800, 1536, 2]);
    expect([s.nameOf(1), s.offset[1], s.length_[1], s.bufAddr[1]]).toEqual(['lseek+read', 5459968, 512, 0x7ffff79cf400]);
    expect(src.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  it('recognises headers with units and synonyms', () => {
    expect(recogniseHeader('Time (us)')).toEqual({ field: 'time', unit: 'us' });
    expect(recogniseHeader('ts_ns')).toEqual({ field: 'time', unit: 'ns' });
    expect(recogniseHeader('nr_sectors')).toEqual({ field: 'nsect', unit: null });
    expect(recogniseHeader('count')).toEqual({ field: 'nsect', unit: null });
    expect(recogniseHeader('count', 'syscall')).toEqual({ field: 'length', unit: null });
    expect(recogniseHeader('bytes')).toEqual({ field: 'bytes', unit: null });
    expect(recogniseHeader('whatever')).toEqual({ field: null, unit: null });
  });
});

describe('sniffer', () => {
  it('scores event tables at most 0.6', () => {
    const tables = [
      'time,dev,action,sector,nsect\n0.1,"8,0",Q,8,8\n0.2,"8,0",C,8,8\n',
      'ts\tpid\taction\tlba\n1\t2\tQ\t3\n',
      'time,pid,syscall,fd,result\n1,2,read,3,4\n',
    ];
    for (const t of tables) {
      const s = csvFormat.sniff(enc.encode(t), t)!;
      expect(s.score, t).toBeGreaterThanOrEqual(0.3);
      expect(s.score, t).toBeLessThanOrEqual(0.6);
    }
    expect(csvFormat.sniff(new Uint8Array(), 'a,b,c\n1,2,3\n')).toBeNull();
    expect(csvFormat.sniff(new Uint8Array(), 'time,action\n1\n2\n3\n')).toBeNull();
  });

  it('claims no trace file of the other formats', () => {
    const files = [
      ...walk(`${CORPUS}/strace`), ...walk(`${CORPUS}/blkparse`), ...walk(`${CORPUS}/ftrace`), ...walk(`${CORPUS}/xenstore`),
      fixturePath('edge-cases', 'main.strace.txt'), fixturePath('edge-cases', 'main.blkparse.txt'),
      fixturePath('edge-cases', 'main.ftrace.txt'), fixturePath('edge-cases', 'main.bin'),
    ];
    for (const f of files) {
      const b = readInput(f).subarray(0, 64 * 1024);
      const s = csvFormat.sniff(b, new TextDecoder().decode(b));
      expect(s, f).toBeNull();
    }
  });
});

describe('robustness', () => {
  const sample = table(
    ['time', 'dev', 'action', 'rwbs', 'sector', 'nsect', 'comm', 'error'],
    EVENTS.map((e) => [decimal(e.ns, 9), '7,0', e.act, e.rwbs, String(e.sector ?? ''), String(e.nsect ?? ''), e.comm, String(e.error)]),
    ',',
  );
  const bytes = enc.encode(sample);

  it('never throws on random input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.integer({ min: 1, max: 50 }), (b, chunk) => {
        feed(csvFormat.create('x'), b, chunk);
        csvFormat.sniff(b, new TextDecoder().decode(b));
      }),
      { numRuns: 150 },
    );
    const alphabet = fc.constantFrom(',', '"', '\n', ';', '\t', 'time', 'action', 'Q', '1', '.', '#', 'x', ' ', '0x1f', '-');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 300 }), (parts) => {
        feed(csvFormat.create('x'), enc.encode(parts.join('')), 3);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on mutated tables (truncation, bit flips, spliced lines)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 8 }), fc.nat(), (cut, flips, splice) => {
        const x = bytes.slice(0, 1 + (cut % bytes.length));
        for (const [pos, bit] of flips) x[pos % x.length] ^= 1 << bit;
        const s = splice % bytes.length;
        const mixed = new Uint8Array(x.length + bytes.length - s);
        mixed.set(x);
        mixed.set(bytes.subarray(s), x.length);
        const src = feed(csvFormat.create('x'), mixed, 11);
        expect(src.block?.length ?? src.syscalls?.length ?? 0).toBeLessThanOrEqual(2 * EVENTS.length + 1);
      }),
      { numRuns: 120 },
    );
  });

  it('runs in linear time, also with an endless open quote', () => {
    const time = (b: Uint8Array) => {
      feed(csvFormat.create('warm-up'), b, 65536);
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        feed(csvFormat.create('x'), b, 65536);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const body = sample.slice(sample.indexOf('\n') + 1);
    const header = sample.slice(0, sample.indexOf('\n') + 1);
    const rows = (n: number) => enc.encode(header + body.repeat(n));
    const quote = (n: number) => enc.encode(header + '0.1,"7,0,Q,R,1,1,x,0\n'.repeat(n));
    for (const make of [rows, quote]) {
      // Generous, and retried: the machine is shared; a quadratic path would fail every attempt.
      const tries: string[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const t1 = time(make(150));
        const t2 = time(make(300));
        tries.push(`${t1.toFixed(1)}→${t2.toFixed(1)}ms`);
        if (t2 < 3 * t1 + 50) break;
      }
      const [t1, t2] = tries[tries.length - 1].split('→').map((x) => parseFloat(x));
      expect(t2, tries.join(', ')).toBeLessThan(3 * t1 + 50);
    }
  });
});
