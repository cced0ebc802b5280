/**
 * Workloads: from a parsed strace (SyscallStore rows) or from JSON. Never throws: problems are
 * returned as messages next to whatever could be built.
 */
import { DATA_PRESENT, DATA_TRUNCATED, SegKind, type SyscallStore } from '../../parsers/model/syscalls';
import type { WorkloadOp } from './types';
import type { Workload } from './replay';

/** Page-aligned virtual base for buffers known only by their page offset (one arena, like dio.c). */
export const BUFFER_BASE = 0x10000000;
/** O_DIRECT on x86 (asm-generic/fcntl.h 00040000). */
export const O_DIRECT = 0o40000;

const READS = new Set(['read', 'pread', 'pread64', 'readv', 'preadv', 'preadv2']);
const WRITES = new Set(['write', 'pwrite', 'pwrite64', 'writev', 'pwritev', 'pwritev2']);

export interface StraceWorkloadOptions {
  /**
   * Page offset of the user buffer when the trace does not show it (no `-e raw=`): one value for
   * every operation, or one per operation in trace order (missing entries: 0).
   */
  pageOffset?: number | number[];
  /** Only syscalls on this path (default: fds opened with O_DIRECT, else paths under /dev/). */
  path?: string;
  /** File name recorded in each op's `source`. */
  file?: string;
}

export interface WorkloadBuild {
  workload: Workload;
  errors: string[];
}

/** Builds a workload from strace rows: reads/writes with a known offset and length on the device. */
export function workloadFromStrace(store: SyscallStore, options: StraceWorkloadOptions = {}): WorkloadBuild {
  const errors: string[] = [];
  const rows: number[] = [];
  let anyDirect = false;
  for (let i = 0; i < store.length; i++) {
    const name = store.nameOf(i);
    if (!READS.has(name) && !WRITES.has(name)) continue;
    if (!Number.isFinite(store.offset[i]) || !Number.isFinite(store.length_[i])) continue;
    if (options.path !== undefined && store.pathOf(i) !== options.path) continue;
    if ((store.openFlags[i] & O_DIRECT) !== 0) anyDirect = true;
    rows.push(i);
  }
  const chosen = options.path !== undefined
    ? rows
    : anyDirect
      ? rows.filter((i) => (store.openFlags[i] & O_DIRECT) !== 0)
      : rows.filter((i) => store.pathOf(i).startsWith('/dev/') || store.pathOf(i) === '');
  const ops: WorkloadOp[] = [];
  for (const i of chosen) {
    const k = ops.length;
    const name = store.nameOf(i);
    const isRead = READS.has(name);
    const po = Array.isArray(options.pageOffset) ? (options.pageOffset[k] ?? 0) : (options.pageOffset ?? 0);
    const op: WorkloadOp = {
      id: k,
      op: isRead ? 'read' : 'write',
      offset: store.offset[i],
      length: store.length_[i],
      bufAddr: Number.isFinite(store.bufAddr[i]) ? store.bufAddr[i] : BUFFER_BASE + po,
      timeNs: Number.isFinite(store.timeNs[i]) ? store.timeNs[i] : k,
      source: { file: options.file ?? '', line: store.line[i], row: i },
    };
    const [s0, s1] = store.segmentsOf(i);
    const iovecs: { base: number; len: number }[] = [];
    for (let s = s0; s < s1; s++) if (store.segKind[s] === SegKind.Iovec) iovecs.push({ base: store.segBuf[s], len: store.segLen[s] });
    if (iovecs.length > 0 && iovecs.every((v) => Number.isFinite(v.base) && Number.isFinite(v.len))) {
      op.iovecs = iovecs;
      op.bufAddr = iovecs[0].base;
    }
    const flags = store.dataFlags[i];
    const data = (flags & DATA_PRESENT) !== 0 ? store.bytesOf(i).slice() : undefined;
    if (isRead) {
      op.observed = { result: store.result[i] };
      if (data) {
        op.observed.data = data;
        if ((flags & DATA_TRUNCATED) !== 0) op.observed.truncated = true;
      }
    } else if (data && (flags & DATA_TRUNCATED) === 0 && data.length === op.length) {
      op.data = data;
    }
    if (!Number.isFinite(op.offset) || op.offset < 0) errors.push(`row ${i}: unknown offset`);
    ops.push(op);
  }
  if (ops.length === 0) errors.push('no read/write with a known device offset in the trace');
  return { workload: { name: options.file, ops }, errors };
}

function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim())) return Number(v.trim());
  return null;
}

function decodeData(v: unknown): Uint8Array | null {
  if (typeof v !== 'string') return null;
  const hex = v.replace(/\s+/g, '');
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * JSON workload: `{ "name"?, "ops": [ { "op": "read"|"write", "offset" | "sector", "length",
 * "bufAddr"? | "pageOffset"?, "iovecs"?: [{ "base", "len" }], "data"?: hex, "timeNs"? } ] }` or the
 * bare array. Numbers may be decimal or "0x…" strings.
 */
export function parseWorkloadJson(text: string): WorkloadBuild {
  const errors: string[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { workload: { ops: [] }, errors: [`not JSON: ${(e as Error).message}`] };
  }
  const obj = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  const list = Array.isArray(doc) ? doc : obj.ops;
  if (!Array.isArray(list)) return { workload: { ops: [] }, errors: ['expected an array of operations or {"ops": [...]}'] };
  const ops: WorkloadOp[] = [];
  list.forEach((raw: unknown, index: number) => {
    const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const where = `ops[${index}]`;
    const kind = o.op;
    if (kind !== 'read' && kind !== 'write') {
      errors.push(`${where}: "op" must be "read" or "write"`);
      return;
    }
    const sector = num(o.sector);
    const offset = num(o.offset) ?? (sector !== null ? sector * 512 : null);
    if (offset === null || offset < 0) {
      errors.push(`${where}: "offset" (bytes) or "sector" required`);
      return;
    }
    let iovecs: { base: number; len: number }[] | undefined;
    if (Array.isArray(o.iovecs)) {
      iovecs = [];
      for (const [j, v] of (o.iovecs as unknown[]).entries()) {
        const r = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
        const base = num(r.base);
        const len = num(r.len);
        if (base === null || len === null || len < 0) {
          errors.push(`${where}.iovecs[${j}]: "base" and "len" required`);
          return;
        }
        iovecs.push({ base, len });
      }
    }
    const length = num(o.length) ?? (iovecs ? iovecs.reduce((s, v) => s + v.len, 0) : null);
    if (length === null || length < 0) {
      errors.push(`${where}: "length" required`);
      return;
    }
    const pageOffset = num(o.pageOffset);
    const bufAddr = num(o.bufAddr) ?? (iovecs && iovecs.length > 0 ? iovecs[0].base : BUFFER_BASE + (pageOffset ?? 0));
    const op: WorkloadOp = {
      id: ops.length,
      op: kind,
      offset,
      length,
      bufAddr,
      timeNs: num(o.timeNs) ?? ops.length,
      source: { file: '', row: index },
    };
    if (iovecs) op.iovecs = iovecs;
    if (o.data !== undefined) {
      const d = decodeData(o.data);
      if (!d) errors.push(`${where}: "data" must be a hex string`);
      else op.data = d;
    }
    ops.push(op);
  });
  return { workload: { name: typeof obj.name === 'string' ? obj.name : undefined, ops }, errors };
}
