import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { analyze, ANALYSIS_VERSION } from '../../engine/forensics/analyze';
import { loadGzipImage } from '../../engine/forensics/imageNode';
import { parseBytes } from '../../parsers/parse';
import { FIXTURES, fixturePath, readInput } from '../helpers/fixtures';

const load = (dir: string, f: string) => parseBytes(f, readInput(fixturePath(dir, f)));

/** Every strace run of the clean fixtures, with its block trace(s), anchors and image. */
function cleanRuns(): { dir: string; run: string; files: string[]; image: string | null }[] {
  const out = [];
  for (const dir of readdirSync(FIXTURES).sort()) {
    if (dir === 'blog-parted-xvdb' || !existsSync(fixturePath(dir, 'PROVENANCE.md'))) continue;
    for (const f of readdirSync(fixturePath(dir)).sort()) {
      const m = /^(.*)\.strace\.txt$/.exec(f);
      if (!m) continue;
      const run = m[1];
      const files = [f, `${run}.bin`, `${run}.tracepoints.txt`, `${run}.anchors.txt`].filter((x) => existsSync(fixturePath(dir, x)));
      const image = ['stamped-8MiB.img.gz', 'before.img.gz', 'disk.img.gz'].find((x) => existsSync(fixturePath(dir, x))) ?? null;
      out.push({ dir, run, files, image });
    }
  }
  return out;
}

describe('acceptance 1: clean fixtures (the real kernel returned correct data)', () => {
  const runs = cleanRuns();
  it('covers every strace run of the clean fixtures', () => {
    expect(runs.map((r) => `${r.dir}/${r.run}`)).toEqual([
      'aio-merges/main', 'buffered-merges/mqdeadline', 'buffered-merges/none', 'edge-cases/main', 'fio-mixed/short',
      'mt-pread/main', 'odirect-misaligned-dev/main', 'odirect-misaligned-dev/rawaddr', 'parted-gpt/blog', 'parted-gpt/full',
      'split44k/default', 'split44k/limit44', 'tracepoints-dev/main', 'tracepoints-dev/sched8k',
    ]);
  });
  for (const r of runs) {
    it(`${r.dir}/${r.run}: no error findings, with${r.image ? ' and without' : 'out'} the reference image`, async () => {
      const sources = r.files.map((f) => load(r.dir, f));
      const bare = analyze({ sources });
      expect(bare.findings.filter((f) => f.severity === 'error')).toEqual([]);
      if (r.image) {
        const image = await loadGzipImage(fixturePath(r.dir, r.image));
        const withImage = analyze({ sources, image });
        expect(withImage.findings.filter((f) => f.severity === 'error')).toEqual([]);
        expect(withImage.stats.verdicts.misplaced + withImage.stats.verdicts['stale-or-unknown'] + withImage.stats.verdicts.stale).toBe(0);
        // Fully shown chunks are verified by the image wherever one applies.
        if (r.dir === 'parted-gpt' && r.run === 'full') expect(withImage.stats.verdicts.correct).toBe(withImage.reads.reduce((n, m) => n + m.runs.reduce((k, x) => k + x.lbaLast - x.lbaFirst + 1, 0), 0));
      }
    });
  }

  for (const [dir, runs2] of [['odirect-misaligned-dev', ['main']], ['tracepoints-dev', ['main', 'sched8k']]] as const) {
    for (const run of runs2) {
      it(`${dir}/${run}: every read is verified correct through the stamps alone`, () => {
        const r = analyze({ sources: [load(dir, `${run}.strace.txt`)] });
        expect(r.reads.length).toBe(dir === 'odirect-misaligned-dev' ? 40 : 24);
        for (const m of r.reads) {
          expect(m.runs.map((x) => x.verdict)).toEqual(['correct']);
          expect(m.runs[0].evidence[0].kind).toBe('stamp');
          expect(m.counts.correct).toBe(m.returned / 512);
        }
      });
    }
  }
});

describe('acceptance 2: blog-parted-xvdb (no image)', () => {
  const r = analyze({ sources: [load('blog-parted-xvdb', 'blog.strace.txt')] });
  const big = r.reads.find((m) => m.returned === 16384)!;

  it('flags LBA 4 of the 16 KiB read as holding LBA 1 (GPT header), an inconsistent re-read', () => {
    const run = big.runs.find((x) => x.lbaFirst === 4)!;
    expect(run).toMatchObject({ verdict: 'misplaced', lbaLast: 4, sourceLba: 1, displacement: 3, bufStart: 1024, bufEnd: 1536 });
    const kinds = run.evidence.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['structure', 'reread', 'trace-content']));
    expect(run.evidence.find((e) => e.kind === 'structure')!.text).toContain('my_lba=1');
    const reread = r.findings.find((f) => f.kind === 'inconsistent-reread')!;
    expect(reread).toMatchObject({ severity: 'error', lbaRange: [4, 4], bufRange: [1024, 1536] });
    expect(reread.summary).toContain('lines 8 and 10');
  });

  it('flags LBA 9 as holding a protective MBR (LBA 0)', () => {
    const run = big.runs.find((x) => x.lbaFirst === 9)!;
    expect(run).toMatchObject({ verdict: 'misplaced', sourceLba: 0, displacement: 9, bufStart: 3584, bufEnd: 4096 });
    expect(run.evidence[0].text).toContain('protective MBR');
  });

  it('bytes past 4096 are unverifiable, never correct', () => {
    const tail = big.runs[big.runs.length - 1];
    expect(tail).toMatchObject({ verdict: 'unverifiable', bufStart: 4096, bufEnd: 16384, lbaFirst: 10, lbaLast: 33 });
    expect(big.counts.correct).toBe(0);
    expect(r.findings.find((f) => f.kind === 'unverifiable-data')!.bufRange).toEqual([4096, 16384]);
  });

  it('lists exactly these three errors, most severe first, and serialises to JSON', () => {
    expect(r.findings.filter((f) => f.severity === 'error').map((f) => [f.kind, f.lbaRange])).toEqual([
      ['misplaced-data', [4, 4]],
      ['inconsistent-reread', [4, 4]],
      ['misplaced-data', [9, 9]],
    ]);
    const back = JSON.parse(JSON.stringify(r));
    expect(back.version).toBe(ANALYSIS_VERSION);
    expect(back.findings).toHaveLength(r.findings.length);
  });
});
