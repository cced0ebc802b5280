import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/forensics/analyze';
import { bufferAddresses, deviceSequences } from '../../engine/forensics/hypotheses';
import { replayHazardFindings } from '../../engine/forensics/hazards';
import { extractIo, type IoRecord } from '../../engine/forensics/io';
import { parseBytes } from '../../parsers/parse';
import type { ParsedSource } from '../../parsers/model/source';
import { fixturePath, readInput, readText } from '../helpers/fixtures';
import { straceSource } from './storeKit';

const load = (dir: string, f: string) => parseBytes(f, readInput(fixturePath(dir, f)));

function recordsOf(sources: ParsedSource[]): IoRecord[] {
  const out: IoRecord[] = [];
  sources.forEach((s, i) => extractIo(s, i, out));
  return out;
}

/** expected-reads.tsv: offset, len, buf per read, in program order. */
function expectedReads(dir: string, file = 'expected-reads.tsv'): { offset: number; len: number; buf: number }[] {
  return readText(fixturePath(dir, file))
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .filter((c) => Number(c[7]) > 0)
    .map((c) => ({ offset: Number(c[2]), len: Number(c[4]), buf: Number(c[5]) }));
}

describe('acceptance 2: blog-parted-xvdb without an image', () => {
  const result = analyze({ sources: [load('blog-parted-xvdb', 'blog.strace.txt')] });
  const h = result.hypotheses!;

  it('ranks variant b first, alone', () => {
    expect(h.variants[0].variant).toBe('b');
    expect(h.variants[0].rank).toBe(1);
    expect(h.variants.filter((v) => v.rank === 1).map((v) => v.variant)).toEqual(['b']);
    expect(h.variants[0].contradicted).toBe(0);
  });

  it('explains the 16 KiB read with the buffer at page offset 3072 or 3584, all 4096 shown bytes', () => {
    expect(h.reads).toHaveLength(1);
    const ex = h.reads[0];
    expect(ex.offset).toBe(1024);
    expect(ex.length).toBe(16384);
    expect(ex.address).toBeNull();
    const best = ex.candidates[0];
    expect(best.variant).toBe('b');
    expect([3072, 3584]).toContain(best.pageOffset);
    expect(best.shown).toBe(4096);
    expect(best.reproduced + best.explainedByTrace + best.explainedByHistory).toBe(4096);
    expect(best.contradicted).toBe(0);
    // Only 3072 and 3584 explain it (PROVENANCE: "for buffer page offsets 3072 and 3584 only").
    const clean = ex.candidates.filter((c) => c.variant === 'b' && c.contradicted === 0).map((c) => c.pageOffset).sort((a, b) => a - b);
    expect(clean).toEqual([3072, 3584]);
  });

  it('says a, c and d (and e) cannot produce the observation, in words', () => {
    const ex = h.reads[0];
    expect(ex.impossible).toEqual(['a', 'c', 'd', 'e']);
    for (const v of ['a', 'c', 'd'] as const) expect(h.variants.find((s) => s.variant === v)!.possible).toBe(false);
    expect(ex.text).toMatch(/^variant b 0a8704a51 .* with the buffer at page offset (3072|3584) reproduces 4096 of 4096 shown bytes of read #5 \(line 10/);
    expect(ex.text).toMatch(/Variants a, c, d, e cannot produce this observation at any page offset\./);
    expect(h.text.join('\n')).toMatch(/pool history before the trace is unknown/);
  });

  it('keeps the search bounded: one read searched (the only one with corrupted chunks)', () => {
    expect(h.cost.searchedReads).toBe(1);
    expect(h.cost.replays).toBeLessThanOrEqual(5 * (2 * 8 + 1));
  });

  it('analyze({hypotheses: false}) skips the ranking', () => {
    expect(analyze({ sources: [load('blog-parted-xvdb', 'blog.strace.txt')], hypotheses: false }).hypotheses).toBeNull();
  });
});

describe('buffer addresses the trace shows', () => {
  it('odirect-misaligned-dev: -e raw= pointers and the program log give the expected-reads.tsv addresses', () => {
    const want = expectedReads('odirect-misaligned-dev');
    for (const run of ['rawaddr', 'main']) {
      const sources = [load('odirect-misaligned-dev', `${run}.strace.txt`)];
      const records = recordsOf(sources);
      const addr = bufferAddresses(sources, records);
      const [seq] = deviceSequences(records, addr, false);
      const reads = seq.records.map((r, k) => ({ r, a: seq.known[k] })).filter((x) => x.r.op === 'read');
      expect(reads.map((x) => ({ offset: x.r.offset, len: x.r.length, buf: x.a?.bufAddr }))).toEqual(want);
      expect(new Set(reads.map((x) => x.a!.how))).toEqual(new Set([run === 'rawaddr' ? 'raw' : 'log']));
    }
  });

  it('mt-pread: log lines are matched to the same thread\'s read (strace -f, unfinished/resumed)', () => {
    const sources = [load('mt-pread', 'main.strace.txt')];
    const records = recordsOf(sources);
    const addr = bufferAddresses(sources, records);
    const log = readText(fixturePath('mt-pread', 'main.stderr.txt'));
    const want = new Map<string, number>();
    for (const m of log.matchAll(/tid=(\d+) read#\d+ pread64 off=(\d+) sector=\d+ len=(\d+) buf=(0x[0-9a-f]+)/g)) want.set(`${m[1]}:${m[2]}:${m[3]}`, Number(m[4]));
    const reads = records.filter((r) => r.op === 'read' && r.device === '/dev/loop0');
    expect(reads).toHaveLength(24);
    for (const r of reads) expect(addr.get(r.id)?.bufAddr).toBe(want.get(`${r.pid}:${r.offset}:${r.length}`));
  });

  it('edge-cases: preadv iovec bases come from the log\'s iov=[…] lists', () => {
    const sources = [load('edge-cases', 'main.strace.txt')];
    const records = recordsOf(sources);
    const addr = bufferAddresses(sources, records);
    const v = records.find((r) => r.name === 'preadv' && r.offset === 2048000)!;
    expect(addr.get(v.id)).toEqual({
      bufAddr: 0x7ffff79cf200,
      iovecs: [{ base: 0x7ffff79cf200, len: 512 }, { base: 0x7ffff7a0f600, len: 4096 }, { base: 0x7ffff7a4fe00, len: 1024 }],
      how: 'log',
      logRow: expect.any(Number),
    });
  });
});

describe('clean captures of a real (non-Xen) kernel', () => {
  it('odirect-misaligned-dev/main: nothing corrupted; a, c, d, e explain every byte, b is ruled out by the misaligned buffers', () => {
    const h = analyze({ sources: [load('odirect-misaligned-dev', 'main.strace.txt')] }).hypotheses!;
    expect(h.reads).toEqual([]);
    expect(h.cost.searchedReads).toBe(0);
    expect(h.variants.filter((v) => v.rank === 1).map((v) => v.variant)).toEqual(['a', 'c', 'd', 'e']);
    const b = h.variants.find((v) => v.variant === 'b')!;
    expect(b.possible).toBe(false);
    expect(b.shown).toBe(240 * 1024);
    expect(h.text[0]).toMatch(/No read shows corrupted data; a, c, d, e explain every shown byte equally well/);
  });

  it('edge-cases/main: the preadv with iovecs at ascending page offsets rules out c as well', () => {
    const h = analyze({ sources: [load('edge-cases', 'main.strace.txt')] }).hypotheses!;
    expect(h.variants.filter((v) => v.rank === 1).map((v) => v.variant)).toEqual(['a', 'd', 'e']);
    expect(h.variants.find((v) => v.variant === 'c')!.possible).toBe(false);
  });
});

describe('hazard findings', () => {
  const calls = [
    { name: 'pread64', offset: 0, length: 4096, timeNs: 1_000_000, durationNs: 5_000_000, data: new Uint8Array(4096) },
    { name: 'pread64', offset: 8192, length: 4096, timeNs: 9_000_000, durationNs: 1_000_000, data: new Uint8Array(4096) },
  ];
  const epoch = 1_700_000_000_000_000_000;
  function xenstore(states: [number, number][]): ParsedSource {
    const vbd = {
      frontDomid: 5, backDomid: 0, devid: 51712, deviceName: 'xvda', front: null, back: null,
      negotiated: { persistentGrants: null, indirectSegments: null, ringPages: null, queues: null, connected: null },
      notes: [], stateTimeline: states.map(([state, t], k) => ({ side: 'front' as const, state, timeNs: epoch + t, line: 10 + k })),
    };
    return { name: 'xs.log', format: 'xenstore-log', evidence: 'hand', bytes: 0, clock: { kind: 'epoch', baseNs: '0' }, xenstore: { nodes: [], log: [], vbds: [vbd] }, diagnostics: [], diagnosticsOmitted: 0 };
  }
  const strace = () => {
    const s = straceSource(calls);
    s.clock = { kind: 'epoch', baseNs: String(epoch) };
    return s;
  };

  it('a vbd leaving Connected while a read is in flight is hazard:disconnect-in-flight, with the xenstore line and the read as evidence', () => {
    const r = analyze({ sources: [strace(), xenstore([[4, 0], [5, 3_000_000]])] });
    const f = r.findings.filter((x) => x.kind === 'hazard:disconnect-in-flight');
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('error');
    expect(f[0].read?.offset).toBe(0);
    expect(f[0].evidence[0]).toMatchObject({ ref: { source: 'xs.log', line: 11 } });
    expect(f[0].evidence[0].text).toMatch(/state 5 \(Closing\)/);
    expect(f[0].evidence[1].text).toMatch(/pread64 of 4096 bytes at offset 0 was in flight/);
  });

  it('a disconnect between two reads is not a hazard', () => {
    const r = analyze({ sources: [strace(), xenstore([[4, 0], [6, 7_000_000]])] });
    expect(r.findings.filter((x) => x.kind.startsWith('hazard:'))).toEqual([]);
  });

  it('replay hazards become hazard:<kind> findings tied to the traced call', () => {
    const records = recordsOf([strace()]);
    const f = replayHazardFindings([{ variant: 'b', io: records[1].id, hazard: { kind: 'early-reply', opId: 1, message: 'reply sent before io#2 completed', refs: ['io#2'] } }], records);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ kind: 'hazard:early-reply', severity: 'error', read: { offset: 8192, line: 2 } });
    expect(f[0].evidence[0].text).toBe('replay under variant b: reply sent before io#2 completed (io#2)');
  });

  it('clean fixtures raise no hazard', () => {
    for (const [dir, f] of [['odirect-misaligned-dev', 'main.strace.txt'], ['blog-parted-xvdb', 'blog.strace.txt']]) {
      expect(analyze({ sources: [load(dir, f)] }).findings.filter((x) => x.kind.startsWith('hazard:'))).toEqual([]);
    }
  });
});
