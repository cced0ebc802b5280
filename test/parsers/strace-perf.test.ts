/**
 * Throughput of the strace parser on full -xx data (the \xHH decoding loop
 * is the hot path): odirect-misaligned-dev/main.strace.txt (-s 65536 -xx,
 * reads of up to 16 KiB) replicated to ~100 MB in memory. The target is
 * 100 MB/s; CPU time is measured because the test machine is shared, and
 * the assertion floor is kept well below the target so that a busy machine
 * does not fail it — the measured figure is printed.
 */
import { describe, expect, it } from 'vitest';
import { parseStraceText } from '../../parsers/strace';
import { fixturePath, readInput } from '../helpers/fixtures';

describe('strace parser throughput', () => {
  it('parses ~100 MB of -xx strace text', () => {
    const one = readInput(fixturePath('odirect-misaligned-dev', 'main.strace.txt'));
    const reps = Math.round(100e6 / one.length);
    const big = new Uint8Array(one.length * reps);
    for (let i = 0; i < reps; i++) big.set(one, i * one.length);
    parseStraceText(big.subarray(0, 8 * one.length), 'warm-up');
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const src = parseStraceText(big, 'bench');
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    const mb = big.length / 1e6;
    console.log(`strace -xx: ${mb.toFixed(1)} MB in ${wall.toFixed(0)} ms wall (${(mb / (wall / 1000)).toFixed(1)} MB/s), ${cpu.toFixed(0)} ms CPU (${(mb / (cpu / 1000)).toFixed(1)} MB/s)`);
    expect(src.syscalls!.length).toBe(reps * 172);
    expect(src.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(mb / (cpu / 1000)).toBeGreaterThan(30);
  }, 120_000);
});
