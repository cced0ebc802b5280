import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { parseStraceText } from '../../parsers/strace';
import { fixturePath, readInput } from '../helpers/fixtures';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/**
 * The blog disk: LBA 1 as parted's read at 512 returned it (the GPT header); LBA 0 is the protective
 * MBR, which the trace shows only where the corrupted 16 KiB read carried it (buffer [3584, 4096)).
 */
function blogSetup(): { dir: string; image: string; workload: string; observed: Uint8Array } {
  const s = parseStraceText(readInput(fixturePath('blog-parted-xvdb', 'blog.strace.txt')), 'blog').syscalls!;
  const reads = [...Array(s.length).keys()].filter((i) => s.nameOf(i) === 'read');
  const disk = new Uint8Array(64 * 512);
  const last = s.bytesOf(reads[reads.length - 1]);
  disk.set(last.subarray(3584, 4096), 0);
  for (const i of reads) if (s.length_[i] === 512 && s.offset[i] === 512) disk.set(s.bytesOf(i), 512);
  expect(disk[510]).toBe(0x55);
  expect(new TextDecoder().decode(disk.subarray(512, 520))).toBe('EFI PART');
  const dir = mkdtempSync(join(tmpdir(), 'sectorscope-replay-'));
  const image = join(dir, 'blog.img');
  writeFileSync(image, disk);
  const workload = join(dir, 'blog.json');
  writeFileSync(
    workload,
    JSON.stringify({
      ops: [
        { op: 'read', offset: 512, length: 512, pageOffset: 0 },
        { op: 'read', offset: 0, length: 512, pageOffset: 2560 },
        { op: 'read', offset: 1024, length: 16384, pageOffset: 3072 },
      ],
    }),
  );
  return { dir, image, workload, observed: last };
}

describe('sectorscope replay', () => {
  const setup = blogSetup();

  it('variant b reproduces the blog bytes and names the stale grant page', async () => {
    const out = join(setup.dir, 'b');
    const r = await run(['replay', '--variant', 'b', '--workload', setup.workload, '--image', setup.image, '--bytes-out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/variant b — 0a8704a51/);
    expect(r.out).toMatch(/buffer \[1024,1536\) +STALE grant page 0 \[0,512\) written by op 0/);
    const bytes = new Uint8Array(readFileSync(join(out, 'op-00002.bin')));
    expect(bytes.length).toBe(16384);
    expect(Buffer.from(bytes.subarray(0, 4096)).equals(Buffer.from(setup.observed.subarray(0, 4096)))).toBe(true);
  });

  for (const v of ['a', 'c', 'd']) {
    it(`variant ${v} returns the disk's bytes`, async () => {
      const out = join(setup.dir, v);
      const r = await run(['replay', '--variant', v, '--workload', setup.workload, '--image', setup.image, '--bytes-out', out, '--json']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.ops[2].provenance.every((p: { source: { kind: string } }) => p.source.kind === 'disk')).toBe(true);
      const disk = new Uint8Array(readFileSync(setup.image));
      const bytes = new Uint8Array(readFileSync(join(out, 'op-00002.bin')));
      expect(Buffer.from(bytes).equals(Buffer.from(disk.subarray(1024, 1024 + 16384)))).toBe(true);
    });
  }

  it('replays a strace capture against the stamped image with a NetBSD backend', async () => {
    const r = await run([
      'replay', '--variant', 'd', '--backend', 'xbdback-split',
      '--from-strace', fixturePath('odirect-misaligned-dev', 'rawaddr.strace.txt'),
      '--image', fixturePath('odirect-misaligned-dev', 'stamped-8MiB.img.gz'),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/backend xbdback-split/);
    expect((r.out.match(/^op \d+ read/gm) ?? []).length).toBe(40);
    expect(r.out).not.toMatch(/differs from the traced bytes/);
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await run(['replay', '--variant', 'z', '--workload', setup.workload])).code).toBe(2);
    expect((await run(['replay', '--variant', 'b'])).code).toBe(2);
    expect((await run(['replay', '--workload', setup.workload, '--backend', 'nope'])).code).toBe(2);
    expect((await run(['replay', '--from-strace', 'x', '--page-offset', 'abc'])).code).toBe(2);
  });
});
