import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SectorMap, timeOrder } from '../../engine/forensics/requests';

describe('timeOrder', () => {
  it('equals a stable sort by (time, index) for any times, ties and runs', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 300 }), (times) => {
        const t = Float64Array.from(times);
        const want = [...times.keys()].sort((a, b) => t[a] - t[b] || a - b);
        expect([...timeOrder(t, t.length)]).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps an ordered trace as is and merges interleaved per-CPU runs', () => {
    expect([...timeOrder(Float64Array.from([1, 2, 2, 5]), 4)]).toEqual([0, 1, 2, 3]);
    expect([...timeOrder(Float64Array.from([1, 4, 7, 2, 5, 8, 3, 6]), 8)]).toEqual([0, 3, 6, 1, 4, 7, 2, 5]);
  });
});

describe('SectorMap', () => {
  it('keeps ids per (device, sector) in insertion order across devices', () => {
    const m = new SectorMap();
    m.add(7 << 20, 100, 1);
    m.add(8 << 20, 100, 2);
    m.add(7 << 20, 100, 3);
    expect([...m.list(7 << 20, 100)]).toEqual([1, 3]);
    expect([...m.list(8 << 20, 100)]).toEqual([2]);
    m.remove(7 << 20, 100, 1);
    expect([...m.list(7 << 20, 100)]).toEqual([3]);
    m.remove(7 << 20, 100, 3);
    expect([...m.list(7 << 20, 100)]).toEqual([]);
    expect([...m.list(7 << 20, 101)]).toEqual([]);
  });
});
