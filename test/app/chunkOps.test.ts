import { describe, expect, it } from 'vitest';
import { analyze } from '../../engine/forensics/analyze';
import { MemoryImage } from '../../engine/forensics/image';
import { parseBytes } from '../../parsers/parse';
import { answerChunk, setChunkContext } from '../../app/worker/chunkOps';
import { fixturePath, readInput } from '../helpers/fixtures';

const text = (b: Uint8Array | null | undefined) => new TextDecoder('latin1').decode(b ?? new Uint8Array(0));

describe('chunk requests (hex comparison bytes) on the blog trace', () => {
  const sources = [parseBytes('blog.strace.txt', readInput(fixturePath('blog-parted-xvdb', 'blog.strace.txt')))];
  const analysis = analyze({ sources });

  it('refuses before a trace is loaded and outside the returned bytes', () => {
    setChunkContext(null);
    expect(answerChunk({ type: 'chunk', reqId: 1, io: 4, bufOffset: 0 }).error).toBe('no trace is loaded');
    setChunkContext({ sources, image: null, analysis });
    expect(answerChunk({ type: 'chunk', reqId: 2, io: 4, bufOffset: 16384 }).error).toMatch(/outside the 16384 returned bytes/);
    expect(answerChunk({ type: 'chunk', reqId: 3, io: 99, bufOffset: 0 }).error).toMatch(/no read with id 99/);
  });

  it('LBA 4: returned the GPT header, expected the zeros line 8 returned, source LBA 1 as line 2 returned it', () => {
    setChunkContext({ sources, image: null, analysis });
    const r = answerChunk({ type: 'chunk', reqId: 4, io: 4, bufOffset: 1024, sourceLba: 1 });
    expect(r).toMatchObject({ reqId: 4, deviceOffset: 2048, length: 512 });
    expect(text(r.returned).slice(0, 8)).toBe('EFI PART');
    expect(r.expected!.from).toBe('returned by read at line 8');
    expect(r.expected!.bytes.every((b) => b === 0)).toBe(true);
    expect(r.source!.from).toBe('returned by read at line 2');
    expect(r.source!.bytes).toEqual(r.returned);
  });

  it('LBA 9: the MBR the trace never read elsewhere; past 4096 nothing is shown', () => {
    setChunkContext({ sources, image: null, analysis });
    const r = answerChunk({ type: 'chunk', reqId: 5, io: 4, bufOffset: 3584, sourceLba: 0 });
    expect([r.returned![510], r.returned![511]]).toEqual([0x55, 0xaa]);
    expect(r.expected).toBeNull();
    expect(r.source).toBeNull();
    expect(answerChunk({ type: 'chunk', reqId: 6, io: 4, bufOffset: 4096 }).returned).toBeNull();
  });

  it('with a reference image the image gives the expectation', () => {
    const img = new Uint8Array(64 * 512).fill(7);
    setChunkContext({ sources, image: new MemoryImage(img, 'seven.img'), analysis: { ...analysis, imageDevice: '' } });
    const r = answerChunk({ type: 'chunk', reqId: 7, io: 4, bufOffset: 3584 });
    expect(r.expected!.from).toBe('reference image seven.img');
    expect(r.expected!.bytes.every((b) => b === 7)).toBe(true);
  });
});
