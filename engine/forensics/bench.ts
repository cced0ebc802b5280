/**
 * Throughput probe for the bench: N MB of stamped read data in a synthetic
 * strace store (64 KiB O_DIRECT preads over a stamped image), hashed and
 * classified by analyze() with and without the reference image. The
 * hypothesis ranking (a replay of every read under five blkfront variants)
 * is a separate cost, measured apart on a smaller slice.
 */
import { DATA_PRESENT, SyscallStore } from '../../parsers/model/syscalls';
import type { ParsedSource } from '../../parsers/model/source';
import { analyze } from './analyze';
import { MemoryImage } from './image';

/** The fixtures' stamp layout (mkstamp.c): sector N = 32 x `LBA=%08u:%02u\n`. */
export function stampedImage(sectors: number, prefix = 'LBA'): Uint8Array {
  const out = new Uint8Array(sectors * 512);
  const p = [prefix.charCodeAt(0), prefix.charCodeAt(1), prefix.charCodeAt(2)];
  for (let s = 0; s < sectors; s++) {
    for (let k = 0; k < 32; k++) {
      const at = s * 512 + k * 16;
      out[at] = p[0];
      out[at + 1] = p[1];
      out[at + 2] = p[2];
      out[at + 3] = 0x3d; // '='
      let n = s;
      for (let i = 11; i >= 4; i--) {
        out[at + i] = 0x30 + (n % 10);
        n = Math.floor(n / 10);
      }
      out[at + 12] = 0x3a; // ':'
      out[at + 13] = 0x30 + Math.floor(k / 10);
      out[at + 14] = 0x30 + (k % 10);
      out[at + 15] = 0x0a;
    }
  }
  return out;
}

/** A strace-like source whose reads return `image` bytes (as a correct kernel would). */
export function syntheticReadSource(image: Uint8Array, readBytes: number, name = 'synthetic.strace'): ParsedSource {
  const st = new SyscallStore();
  const nameIdx = st.strings.intern('pread64');
  const pathIdx = st.strings.intern('/dev/loop0');
  const total = Math.floor(image.length / readBytes);
  for (let k = 0; k < total; k++) {
    const row = st.pushRow(k * 1000, 100, nameIdx, k + 1);
    st.fd[row] = 3;
    st.path[row] = pathIdx;
    st.offset[row] = k * readBytes;
    st.length_[row] = readBytes;
    st.result[row] = readBytes;
    st.openFlags[row] = 0o40000;
    st.dataStart[row] = st.data.append(image, k * readBytes, (k + 1) * readBytes);
    st.dataLen[row] = readBytes;
    st.dataFlags[row] = DATA_PRESENT;
  }
  return {
    name,
    format: 'strace',
    evidence: 'synthetic',
    bytes: 0,
    clock: { kind: 'relative', baseNs: '0' },
    syscalls: st.compact(),
    diagnostics: [],
    diagnosticsOmitted: 0,
  };
}

/** A full collection when the host exposes one (node --expose-gc); a no-op elsewhere. */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

let warm = false;

/**
 * JIT warm-up, once per process: both classification paths (stamps only,
 * against an image) a few times on a small image of their own, so that a
 * timed run measures optimised code rather than tier-up. The timed data is
 * never touched here.
 */
function warmUp(): void {
  if (warm) return;
  warm = true;
  const img = stampedImage(16384); // 8 MiB
  const src = syntheticReadSource(img, 65536, 'warm-up.strace');
  for (let i = 0; i < 3; i++) {
    analyze({ sources: [src], hypotheses: false });
    analyze({ sources: [src], image: new MemoryImage(img, 'warm-up image'), hypotheses: false });
  }
}

export interface ClassifyBench {
  bytes: number;
  msStamps: number;
  msImage: number;
  /** GB/s (1e9 bytes per second) on the `nowMs` clock. */
  gbpsStamps: number;
  gbpsImage: number;
  /** The same two runs on the wall clock (equal to the above when nowMs is the wall clock). */
  wallMsStamps: number;
  wallMsImage: number;
  correct: number;
  /** analyze() with the hypothesis ranking, stamps only, on `fullBytes` of the same data (0: not measured). */
  fullBytes: number;
  msFull: number;
  gbpsFull: number;
}

/**
 * Classifies `megabytes` MB of read data twice (stamps only, then against the
 * image) and times only analyze(). `nowMs` lets a Node caller pass a CPU-time
 * clock (a shared machine's wall time mostly measures the other tenants).
 */
export function benchClassify(megabytes: number, nowMs: () => number = () => performance.now(), fullMegabytes = 0): ClassifyBench {
  const sectors = Math.max(128, Math.floor((megabytes * 1e6) / 512 / 128) * 128);
  const image = stampedImage(sectors);
  const src = syntheticReadSource(image, 65536);
  warmUp();
  // The setup's garbage (image, grown data pool) is collected before, not inside, the timed runs.
  collect();
  let t = nowMs();
  let w = performance.now();
  const a = analyze({ sources: [src], hypotheses: false });
  const msStamps = nowMs() - t;
  const wallMsStamps = performance.now() - w;
  collect();
  t = nowMs();
  w = performance.now();
  const b = analyze({ sources: [src], image: new MemoryImage(image, 'synthetic image'), hypotheses: false });
  const msImage = nowMs() - t;
  const wallMsImage = performance.now() - w;
  let fullBytes = 0;
  let msFull = 0;
  if (fullMegabytes > 0) {
    const slice = image.subarray(0, Math.max(128, Math.floor((fullMegabytes * 1e6) / 512 / 128) * 128) * 512);
    const small = syntheticReadSource(slice, 65536);
    t = nowMs();
    fullBytes = analyze({ sources: [small] }).stats.bytesClassified;
    msFull = nowMs() - t;
  }
  const bytes = a.stats.bytesClassified;
  return {
    bytes,
    msStamps,
    msImage,
    gbpsStamps: bytes / 1e6 / msStamps,
    gbpsImage: bytes / 1e6 / msImage,
    wallMsStamps,
    wallMsImage,
    correct: Math.min(a.stats.verdicts.correct, b.stats.verdicts.correct),
    fullBytes,
    msFull,
    gbpsFull: fullBytes > 0 ? fullBytes / 1e6 / msFull : 0,
  };
}
