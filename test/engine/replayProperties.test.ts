import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { replay, syntheticWriteData } from '../../engine/replay/replay';
import { defaultConfig, type ReplayConfig, type Variant } from '../../engine/replay/config';
import { BufferDisk } from '../../engine/replay/disk';
import { naiveReplay } from '../../engine/replay/naive';
import { benchReplay } from '../../engine/replay/bench';
import type { WorkloadOp } from '../../engine/replay/types';

const SECTORS = 512; // 256 KiB test disk
const BASE = 0x7f0000000000;

/** Every sector names itself and every byte its position, so shifts and stale bytes show. */
function stampedImage(): Uint8Array {
  const img = new Uint8Array(SECTORS * 512);
  for (let s = 0; s < SECTORS; s++) for (let i = 0; i < 512; i++) img[s * 512 + i] = (s * 31 + (i >> 2) * 7 + i) & 255;
  return img;
}
const IMAGE = stampedImage();

/** Deterministic "uninitialised page" bytes shared by the optimized and the naive model. */
const filled = new Map<number, Uint8Array>();
function unknownFill(page: number, start: number, len: number): Uint8Array {
  let p = filled.get(page);
  if (!p) {
    p = new Uint8Array(4096);
    for (let i = 0; i < 4096; i++) p[i] = (page * 131 + i * 17 + 0x5a) & 255;
    filled.set(page, p);
  }
  return p.subarray(start, start + len);
}

/** A random O_DIRECT op: a single buffer at a page offset, or 2–3 iovecs on distinct pages. */
const opArb = fc.record({
  write: fc.boolean(),
  sector: fc.integer({ min: 0, max: SECTORS - 1 }),
  single: fc.boolean(),
  sectors: fc.integer({ min: 1, max: 72 }),
  pageOff: fc.integer({ min: 0, max: 7 }),
  iovs: fc.array(fc.record({ page: fc.integer({ min: 0, max: 3 }), off: fc.integer({ min: 0, max: 7 }), sectors: fc.integer({ min: 1, max: 9 }) }), { minLength: 2, maxLength: 3 }),
});

type RawOp = typeof opArb extends fc.Arbitrary<infer T> ? T : never;
type RawCfg = typeof cfgArb extends fc.Arbitrary<infer T> ? T : never;

function toOps(raw: RawOp[]): WorkloadOp[] {
  return raw.map((r, id) => {
    const base = BASE + id * 64 * 8192; // every op its own buffer area
    const op: WorkloadOp = { id, op: r.write ? 'write' : 'read', offset: r.sector * 512, length: r.sectors * 512, bufAddr: base + r.pageOff * 512, timeNs: id };
    if (!r.single) {
      /* distinct pages per iovec (aliased memory is not modelled) */
      const iovecs = r.iovs.map((v: RawOp['iovs'][number], k: number) => ({ base: base + (k * 4 + v.page) * 8192 + v.off * 512, len: v.sectors * 512 }));
      op.iovecs = iovecs;
      op.bufAddr = iovecs[0].base;
      op.length = iovecs.reduce((n, v) => n + v.len, 0);
    }
    return op;
  });
}

const cfgArb = fc.record({
  variant: fc.constantFrom<Variant>('a', 'b', 'c', 'd', 'e'),
  prealloc: fc.boolean(),
  zero: fc.boolean(),
  reverse: fc.boolean(),
  splitter: fc.constantFrom<'bio_add_page' | 'bio_split' | 'default'>('bio_add_page', 'bio_split', 'default'),
});

function toConfig(c: RawCfg): ReplayConfig {
  const base = defaultConfig(c.variant);
  return {
    ...base,
    pool: { model: c.prealloc ? 'prealloc' : 'on-demand', initial: c.zero ? 'zero' : 'unknown', preallocCount: c.prealloc ? 352 : 0 },
    completionOrder: c.reverse ? 'reverse' : 'in-order',
    splitter: c.splitter === 'default' ? base.splitter : c.splitter,
  };
}

/** The disk as a correct kernel leaves it, and what each read must return. */
function reference(ops: WorkloadOp[]): (Uint8Array | null)[] {
  const disk = IMAGE.slice();
  return ops.map((op) => {
    const len = Math.max(0, Math.min(op.length, disk.length - op.offset));
    if (op.op === 'write') {
      disk.set(syntheticWriteData(op).subarray(0, len), op.offset);
      return null;
    }
    return disk.slice(op.offset, op.offset + len);
  });
}

const RUNS = { numRuns: 150 };

describe('replay properties (fast-check)', () => {
  it('variants (a), (d) and (e) always return the disk\'s bytes (writes included)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 8 }), cfgArb, (raw, c) => {
        const ops = toOps(raw);
        const cfg = toConfig({ ...c, variant: (['a', 'd', 'e'] as const)[raw.length % 3] });
        const r = replay(ops, cfg, new BufferDisk(IMAGE), { unknownFill });
        const want = reference(ops);
        r.ops.forEach((o, i) => {
          if (want[i] === null) return;
          expect(o.result).toBe(want[i]!.length);
          expect(Buffer.from(o.bytes ?? new Uint8Array(0)).equals(Buffer.from(want[i]!))).toBe(true);
          expect(o.provenance.every((p) => p.source.kind === 'disk')).toBe(true);
        });
      }),
      RUNS,
    );
  });

  it('every model transfers each requested sector exactly once', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 6 }), cfgArb, (raw, c) => {
        const ops = toOps(raw);
        const r = replay(ops, toConfig(c), new BufferDisk(IMAGE));
        for (const o of r.ops) {
          const seen: number[] = [];
          for (const rr of o.ring) {
            let s = rr.sector;
            for (const seg of rr.segments) for (let k = seg.firstSect; k <= seg.lastSect; k++) seen.push(s++);
          }
          seen.sort((x, y) => x - y);
          const first = o.offset / 512;
          expect(seen).toEqual(Array.from({ length: Math.max(0, o.result) / 512 }, (_, k) => first + k));
          /* and the provenance of a read covers the whole buffer, in order, without overlap */
          if (o.op === 'read') {
            let at = 0;
            for (const p of o.provenance) {
              expect(p.bufStart).toBe(at);
              at = p.bufEnd;
            }
            expect(at).toBe(o.result);
          }
        }
      }),
      RUNS,
    );
  });

  it('the naive byte-by-byte reference agrees with the optimized engine (bytes and transfers)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 6 }), cfgArb, (raw, c) => {
        const ops = toOps(raw);
        const cfg = toConfig(c);
        const r = replay(ops, cfg, new BufferDisk(IMAGE), { unknownFill });
        const n = naiveReplay(ops, cfg, IMAGE, unknownFill);
        r.ops.forEach((o, i) => {
          if (o.op === 'read') expect(Buffer.from(o.bytes!).equals(Buffer.from(n.reads[i]!))).toBe(true);
          const mine = o.ring.flatMap((rr) => {
            let s = rr.sector;
            return rr.segments.map((seg) => {
              const x: [number, number] = [s, seg.lastSect - seg.firstSect + 1];
              s += x[1];
              return x;
            });
          });
          expect(mine).toEqual(n.transfers[i]);
        });
      }),
      { numRuns: 80 },
    );
  });

  it('never throws on nonsense operations', () => {
    const wild = fc.record({
      op: fc.constantFrom('read', 'write') as fc.Arbitrary<'read' | 'write'>,
      offset: fc.oneof(fc.integer({ min: -4096, max: 1 << 20 }), fc.constant(NaN), fc.double()),
      length: fc.oneof(fc.integer({ min: -512, max: 1 << 18 }), fc.constant(Infinity), fc.constant(NaN)),
      bufAddr: fc.oneof(fc.integer({ min: 0, max: 1 << 30 }), fc.constant(NaN)),
    });
    fc.assert(
      fc.property(fc.array(wild, { maxLength: 5 }), cfgArb, (raw, c) => {
        const ops = raw.map((w, id) => ({ ...w, id, timeNs: id }));
        const r = replay(ops, toConfig(c), new BufferDisk(IMAGE));
        expect(r.ops).toHaveLength(ops.length);
      }),
      { numRuns: 200 },
    );
  });

  it('benchReplay runs and reports a rate', () => {
    const r = benchReplay(2000);
    expect(r.requests).toBe(2000);
    expect(r.seconds).toBeGreaterThan(0);
  });
});
