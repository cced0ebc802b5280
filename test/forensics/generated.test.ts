/**
 * Acceptance 3: corrupted captures generated from real ones (corruptor.ts) by replaying them under
 * xen-blkfront variant (b) or (c) at the true buffer addresses. analyze() must flag every corrupted
 * chunk with its true source, flag no correct chunk, and rank the true variant first — with and
 * without the stamped image.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyze, type AnalysisResult } from '../../engine/forensics/analyze';
import { MemoryImage } from '../../engine/forensics/image';
import type { Variant } from '../../engine/replay/config';
import { parseBytes } from '../../parsers/parse';
import { fixturePath, readInput, readText } from '../helpers/fixtures';
import { corruptStrace, quoteBytes, rng, stampedImage, syntheticCapture, unquote, type Corrupted, type SyntheticRead } from './corruptor';

const FLAGS = new Set(['misplaced-data', 'stale-data', 'duplicated-chunk', 'inconsistent-reread']);

function analyzeText(c: Corrupted, name: string, image: Uint8Array | null): AnalysisResult {
  const src = parseBytes(name, new TextEncoder().encode(c.text));
  return analyze({ sources: [src], image: image ? new MemoryImage(image) : null });
}

/** Problems (empty = acceptance holds): missed or mis-sourced corrupted chunks, flagged correct chunks, ranking. */
function check(c: Corrupted, r: AnalysisResult, sameBytes: (v: Variant) => boolean = () => false): string[] {
  const out: string[] = [];
  const flags = r.findings.filter((f) => FLAGS.has(f.kind) && f.read && f.bufRange);
  for (const t of c.truth) {
    const on = flags.filter((f) => f.read!.line === t.line && f.bufRange![0] <= t.bufStart && f.bufRange![1] >= t.bufEnd);
    if (!t.corrupted) {
      if (on.length > 0) out.push(`line ${t.line} [${t.bufStart},${t.bufEnd}) is correct but flagged: ${on[0].summary}`);
      continue;
    }
    if (on.length === 0) {
      out.push(`line ${t.line} [${t.bufStart},${t.bufEnd}) corrupted (content of LBA ${t.sourceLba}) but not flagged`);
      continue;
    }
    const f = on.find((x) => x.kind !== 'inconsistent-reread') ?? on[0];
    const k = Math.floor((t.bufStart - f.bufRange![0]) / 512);
    const lba = f.actual?.lba == null ? null : f.actual.lba + k;
    const byte = f.actual?.byteOffset == null ? null : f.actual.byteOffset + 512 * k;
    if (lba !== t.sourceLba) out.push(`line ${t.line} [${t.bufStart},${t.bufEnd}): source LBA ${lba}, truth ${t.sourceLba}`);
    else if (byte !== null && byte !== t.sourceByte) out.push(`line ${t.line} [${t.bufStart},${t.bufEnd}): source byte ${byte}, truth ${t.sourceByte}`);
  }
  const h = r.hypotheses!;
  const first = h.variants.filter((v) => v.rank === 1).map((v) => v.variant);
  if (!first.includes(c.variant)) out.push(`true variant ${c.variant} not ranked first (${first.join(', ')})`);
  else if (c.corruptedChunks > 0 && first.some((v) => v !== c.variant && !sameBytes(v))) {
    out.push(`variant ${c.variant} ranked first together with ${first.join(', ')}, which return other bytes`);
  }
  return out;
}

const image8 = readInput(fixturePath('odirect-misaligned-dev', 'stamped-8MiB.img.gz'));

describe('corruptor: strace escaping round trip', () => {
  it('quotes bytes as strace does (-xx, -x, default octal) and unquote inverts it', () => {
    const b = Uint8Array.from([0, 1, 0x31, 10, 0x22, 0x5c, 0x7f, 0xff, 0x41, 9]);
    expect(quoteBytes(b, 'octal')).toBe('\\0\\0011\\n\\"\\\\\\177\\377A\\t');
    expect(quoteBytes(b, 'x')).toBe('\\x00\\x011\\n\\"\\\\\\x7f\\xffA\\t');
    expect(quoteBytes(b.subarray(0, 3), 'xx')).toBe('\\x00\\x01\\x31');
    for (const s of ['octal', 'x', 'xx'] as const) expect(unquote(quoteBytes(b, s))).toEqual(b);
  });

  it('an unchanged replay (variant d) leaves the capture byte for byte as it was', () => {
    const text = readText(fixturePath('odirect-misaligned-dev', 'main.strace.txt'));
    const c = corruptStrace(text, 'main.strace.txt', { variant: 'd', image: image8 });
    expect(c.readsShown).toBe(40);
    expect(c.corruptedChunks).toBe(0);
    expect(c.text === text).toBe(true);
  });
});

const CASES: { dir: string; run: string; variant: Variant; seed: number; move: number; minCorrupted: number }[] = [
  { dir: 'odirect-misaligned-dev', run: 'main', variant: 'b', seed: 1, move: 0, minCorrupted: 300 },
  { dir: 'odirect-misaligned-dev', run: 'main', variant: 'b', seed: 5, move: 0.6, minCorrupted: 100 },
  { dir: 'tracepoints-dev', run: 'main', variant: 'b', seed: 2, move: 0.5, minCorrupted: 50 },
  { dir: 'tracepoints-dev', run: 'sched8k', variant: 'c', seed: 3, move: 0, minCorrupted: 0 },
  { dir: 'edge-cases', run: 'main', variant: 'c', seed: 4, move: 0, minCorrupted: 10 },
  { dir: 'edge-cases', run: 'main', variant: 'b', seed: 9, move: 0.3, minCorrupted: 20 },
  { dir: 'mt-pread', run: 'main', variant: 'b', seed: 6, move: 0.5, minCorrupted: 0 },
];

describe('acceptance 3: corrupted real captures', () => {
  for (const k of CASES) {
    it(`${k.dir}/${k.run} under (${k.variant}), seed ${k.seed}, buffers moved ${k.move}: every corrupted chunk flagged with its source, no correct one, ${k.variant} first`, () => {
      const image = readInput(fixturePath(k.dir, 'stamped-8MiB.img.gz'));
      const c = corruptStrace(readText(fixturePath(k.dir, `${k.run}.strace.txt`)), `${k.run}.strace.txt`, { variant: k.variant, image, seed: k.seed, moveBuffers: k.move });
      expect(c.corruptedChunks).toBeGreaterThanOrEqual(k.minCorrupted);
      if (k.move > 0) expect(c.moved.length).toBeGreaterThan(0);
      for (const img of [null, image]) expect(check(c, analyzeText(c, `${k.run}.strace.txt`, img))).toEqual([]);
    });
  }

  it('rawaddr (-e raw= pointers, no data shown): addresses known, nothing to corrupt, nothing flagged', () => {
    const c = corruptStrace(readText(fixturePath('odirect-misaligned-dev', 'rawaddr.strace.txt')), 'rawaddr.strace.txt', { variant: 'b', image: image8, seed: 2, moveBuffers: 0.5 });
    expect(c.readsShown).toBe(0);
    expect(c.moved.length).toBeGreaterThan(0);
    expect(c.text).toMatch(/pread64\(0x3, 0x7ffff79cf[0-9a-f]{3}, 0x600, 0x2e5a00\)/);
    const r = analyzeText(c, 'rawaddr.strace.txt', null);
    expect(r.findings.filter((f) => FLAGS.has(f.kind))).toEqual([]);
  });
});

describe('acceptance 3: synthetic captures', () => {
  const image = stampedImage(4096);
  const sizes = [512, 1024, 1536, 4096, 8192, 16384];

  it('the synthetic capture parses as a clean capture (nothing flagged, every address from the log)', () => {
    const reads: SyntheticRead[] = [
      { offset: 4096, iovecs: [{ pageOffset: 1024, len: 8192 }] },
      { offset: 65536, iovecs: [{ pageOffset: 512, len: 512 }, { pageOffset: 1536, len: 4096 }] },
    ];
    const text = syntheticCapture(image, reads);
    const r = analyze({ sources: [parseBytes('syn.strace.txt', new TextEncoder().encode(text))] });
    expect(r.reads).toHaveLength(2);
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.hypotheses!.variants.filter((v) => v.rank === 1).map((v) => v.variant)).toEqual(['a', 'd', 'e']);
  });

  for (const seed of [1, 2, 3]) {
    it(`addresses not shown (seed ${seed}): the page-offset search finds each corrupted read's true offset and ranks b first`, () => {
      const R = rng(seed);
      const reads: SyntheticRead[] = Array.from({ length: 6 }, () => ({
        offset: Math.floor(R() * 4000) * 512,
        iovecs: [{ pageOffset: Math.floor(R() * 8) * 512, len: [4096, 8192, 16384][Math.floor(R() * 3)] }],
      }));
      const c = corruptStrace(syntheticCapture(image, reads), 'syn.strace.txt', { variant: 'b', image, seed });
      expect(c.corruptedChunks).toBeGreaterThan(20);
      // Same corrupted reads; the log lines that gave the addresses become getpid() calls (line numbers kept).
      const hidden = { ...c, text: c.text.split('\n').map((l) => (l.includes(' write(2') ? `${l.slice(0, 15)} getpid() = 4242 <0.000001>` : l)).join('\n') };
      const r = analyzeText(hidden, 'syn.strace.txt', null);
      expect(check(hidden, r)).toEqual([]);
      const h = r.hypotheses!;
      expect(h.reads.length).toBeGreaterThan(0);
      for (const ex of h.reads) {
        expect(ex.address).toBeNull();
        expect(ex.candidates[0]).toMatchObject({ variant: 'b', pageOffset: reads[ex.readNo - 1].iovecs[0].pageOffset, contradicted: 0 });
      }
      expect(h.cost.searchedReads).toBe(h.reads.length);
    });
  }

  it('random workloads (fast-check): any variant b/c, any seed, -s cut or not', () => {
    const read = fc.record({
      sector: fc.integer({ min: 0, max: 4000 }),
      iovecs: fc.array(fc.record({ pageOffset: fc.integer({ min: 0, max: 7 }), size: fc.constantFrom(...sizes) }), { minLength: 1, maxLength: 3 }),
    });
    fc.assert(
      fc.property(fc.array(read, { minLength: 1, maxLength: 6 }), fc.constantFrom<Variant>('b', 'c'), fc.integer({ min: 1, max: 1 << 30 }), fc.constantFrom(65536, 1000), (rs, variant, seed, limit) => {
        const reads: SyntheticRead[] = rs.map((r) => ({
          offset: Math.min(r.sector, 4096 - 48) * 512,
          iovecs: r.iovecs.map((v) => ({ pageOffset: v.pageOffset * 512, len: v.size })),
        }));
        const text = syntheticCapture(image, reads, limit);
        const c = corruptStrace(text, 'syn.strace.txt', { variant, image, seed, moveBuffers: 0.5 });
        // A variant that returns the same shown bytes for this workload cannot be told apart: a tie is right.
        const shown = (x: Corrupted) => JSON.stringify(x.truth.map((t) => [t.line, t.bufStart, t.corrupted, t.corrupted ? t.sourceLba : null]));
        const sameBytes = (v: Variant) => shown(corruptStrace(text, 'syn.strace.txt', { variant: v, image, seed, moveBuffers: 0.5 })) === shown(c);
        for (const img of [null, image]) {
          const problems = check(c, analyzeText(c, 'syn.strace.txt', img), sameBytes);
          if (problems.length > 0) throw new Error(`${variant} seed ${seed} limit ${limit} ${JSON.stringify(reads)}: ${problems.slice(0, 3).join('; ')}`);
        }
      }),
      { numRuns: 25, seed: 20251121 },
    );
  });
});
