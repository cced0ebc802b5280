import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stampedImage } from '../../engine/forensics/bench';
import { learnLayout, layoutLba, readStamp, type LayoutSample } from '../../engine/forensics/stamps';

const img = stampedImage(64);

describe('fixture stamps (LBA=%08u:%02u)', () => {
  it('names the exact source byte of any piece, at any offset and length', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 * 512 }), fc.integer({ min: 16 + 15, max: 1024 }), (at, len) => {
        const r = readStamp(img, at, len);
        expect(r).not.toBeNull();
        expect(r!.srcByte).toBe(at);
        expect(r!.contiguous).toBe(true);
        expect(r!.prefix).toBe('LBA');
      }),
    );
  });

  it('reads the sector stamp of the real fixture data', () => {
    const unit = new TextEncoder().encode('LBA=00005933:00\nLBA=00005933:01\n');
    const r = readStamp(unit, 0, unit.length)!;
    expect(r.srcByte).toBe(5933 * 512);
  });

  it('detects a piece spliced from two sources and keeps the first source', () => {
    const b = new Uint8Array(512);
    b.set(img.subarray(5 * 512, 5 * 512 + 256), 0);
    b.set(img.subarray(9 * 512 + 256, 10 * 512), 256);
    const r = readStamp(b, 0, 512)!;
    expect(r.contiguous).toBe(false);
    expect(r.srcByte).toBe(5 * 512);
    expect(r.breakAt).toBe(256);
  });

  it('reads workload-written stamps (WRA=) and rejects non-stamp data', () => {
    const wr = stampedImage(3, 'WRA');
    expect(readStamp(wr, 512, 512)).toMatchObject({ prefix: 'WRA', srcByte: 512, contiguous: true });
    expect(readStamp(new Uint8Array(512), 0, 512)).toBeNull();
    expect(readStamp(img, 0, 15)).toBeNull();
  });
});

function sectorWith(lba: number, kind: 'u32le' | 'dec' | 'hex', off: number, seed: number): Uint8Array {
  const b = new Uint8Array(512);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < 512; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = kind === 'u32le' ? x & 255 : 0x67 + ((x >>> 3) % 20); // text layouts: letters g..z, never a (hex) digit
  }
  if (kind === 'u32le') new DataView(b.buffer).setUint32(off, lba, true);
  else b.set(new TextEncoder().encode(lba.toString(kind === 'dec' ? 10 : 16) + ' '), off);
  return b;
}

describe('learned sector-number layouts', () => {
  for (const kind of ['u32le', 'dec', 'hex'] as const) {
    it(`learns a ${kind} LBA at a fixed offset, tolerating a few displaced chunks`, () => {
      const samples: LayoutSample[] = [];
      for (let k = 0; k < 40; k++) {
        const lba = 1000 + 37 * k;
        // Two chunks hold another LBA's data (what a misplacement looks like).
        const stamped = k === 5 || k === 17 ? lba - 3 : lba;
        samples.push({ bytes: sectorWith(stamped, kind, 100, k + 1), start: 0, lba });
      }
      const layout = learnLayout(samples)!;
      expect(layout).toMatchObject({ kind, offset: 100, delta: 0 });
      expect(layoutLba(layout, samples[5].bytes, 0)).toBe(samples[5].lba - 3);
    });
  }

  it('accepts nothing from random data or from too few chunks', () => {
    const rnd: LayoutSample[] = [];
    for (let k = 0; k < 64; k++) rnd.push({ bytes: sectorWith(0, 'u32le', 0, 977 * k + 3), start: 0, lba: k * 8 });
    for (const s of rnd) new DataView(s.bytes.buffer).setUint32(0, 0xdeadbeef ^ s.lba * 7919, true);
    expect(learnLayout(rnd)).toBeNull();
    const few = [0, 1, 2].map((k) => ({ bytes: sectorWith(k, 'u32le', 8, k + 1), start: 0, lba: k }));
    expect(learnLayout(few)).toBeNull();
  });
});
