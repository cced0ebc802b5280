import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { main } from '../../cli/main';
import { FIXTURES, fixturePath, readText, walk } from '../helpers/fixtures';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The event lines of a blkparse output: everything before its trailing summary. */
function eventLines(text: string): string[] {
  const lines = text.split('\n');
  const end = lines.findIndex((l) => /^CPU\d+ \(/.test(l));
  return lines.slice(0, end < 0 ? lines.length : end).filter((l) => l !== '');
}

const binaries = walk(FIXTURES).filter((p) => /\.bin(\.xz)?$/.test(p));

describe('sectorscope convert --to blkparse', () => {
  it('finds the binary fixtures', () => {
    expect(binaries.length).toBeGreaterThanOrEqual(13);
  });

  for (const bin of binaries) {
    const oracle = bin.replace(/\.bin(\.xz)?$/, '.blkparse.txt$1');
    it(`prints ${bin.slice(FIXTURES.length + 1)} byte-identical to blkparse's own event lines`, async () => {
      expect(existsSync(oracle)).toBe(true);
      const r = await run(['convert', '--to', 'blkparse', bin]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const want = eventLines(readText(oracle));
      const got = r.out.split('\n');
      expect(got.length).toBe(want.length);
      expect(got.join('\n')).toBe(want.join('\n'));
    });
  }

  it('refuses a source without block events', async () => {
    const r = await run(['convert', '--to', 'blkparse', fixturePath('blog-parted-xvdb', 'blog.strace.txt')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/strace has no block events/);
  });
});

describe('sectorscope parse', () => {
  it('reports format, evidence, counts and devices of a binary trace', async () => {
    const r = await run(['parse', fixturePath('odirect-misaligned-dev', 'main.bin')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/format: +blktrace-bin \(blk_io_trace magic/);
    expect(r.out).toMatch(/block events: 240 \(Q=40 G=40 D=40 C=40 P=40 U=40\)/);
    expect(r.out).toMatch(/devices: +7,0/);
  });

  it('prints JSON with a version', async () => {
    const r = await run(['parse', '--json', fixturePath('blog-parted-xvdb', 'blog.strace.txt')]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.version).toBe(1);
    expect(j.sources[0].format).toBe('strace');
    expect(j.sources[0].syscalls.byName.read).toBe(5);
    expect(j.sources[0].syscalls.truncated).toBe(1);
  });

  it('exits 1 with a located diagnostic on damaged input, keeping what parsed', async () => {
    const r = await run(['parse', fixturePath('edge-cases', 'PROVENANCE.md')]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/PROVENANCE\.md @byte 0: error: unrecognized format/);
  });

  it('exits 2 on usage errors', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['parse'])).code).toBe(2);
    expect((await run(['convert', fixturePath('odirect-misaligned-dev', 'main.bin')])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['parse', '--format', 'nope', 'x'])).code).toBe(2);
  });
});
