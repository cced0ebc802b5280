/**
 * A deliberately naive reference for property tests: real 4 KiB byte arrays for grant pages, the
 * disk and the user buffer, byte-by-byte loops written straight from the spec's pseudo-code
 * (xen-block-models.md §1.2–1.5, §2, §5). It shares nothing with the optimized engine except the
 * synthetic write payload. Scope: 4 KiB pages, distinct user pages, variants a–d (and e without
 * indirect descriptors, which on x86 copies like d).
 */
import type { WorkloadOp } from './types';
import type { ReplayConfig } from './config';
import { syntheticWriteData } from './replay';

interface NBvec {
  page: number;
  off: number;
  len: number;
  buf: number;
}

export interface NaiveResult {
  /** Per op: returned bytes for reads, null for writes and failed ops. */
  reads: (Uint8Array | null)[];
  /** Per op: the [sector, sector+count) ranges the backend transferred, in order. */
  transfers: [number, number][][];
}

export function naiveReplay(
  ops: WorkloadOp[],
  cfg: ReplayConfig,
  diskInit: Uint8Array,
  unknownFill: (grantPage: number, pageStart: number, len: number) => Uint8Array,
): NaiveResult {
  const P = 4096;
  const disk = diskInit.slice();
  const pages: Uint8Array[] = [];
  const free: number[] = []; // top of stack = last element
  const newPage = () => {
    const id = pages.length;
    pages.push(cfg.pool.initial === 'zero' ? new Uint8Array(P) : unknownFill(id, 0, P).slice());
    return id;
  };
  if (cfg.variant !== 'a' && cfg.pool.model === 'prealloc') for (let i = 0; i < cfg.pool.preallocCount; i++) free.push(newPage());
  const pop = () => (free.length > 0 ? (free.pop() as number) : newPage());
  const ring = 32 * cfg.ringPages;
  const out: NaiveResult = { reads: [], transfers: [] };

  for (const op of ops) {
    const iovs = op.iovecs ?? [{ base: op.bufAddr, len: op.length }];
    const aligned = op.offset % cfg.sectorSize === 0 && op.length % cfg.sectorSize === 0 &&
      iovs.every((v) => v.base % cfg.sectorSize === 0 && v.len % cfg.sectorSize === 0);
    const len = aligned ? Math.max(0, Math.min(op.length, disk.length - op.offset)) : 0;
    out.transfers.push([]);
    if (!aligned) {
      out.reads.push(null);
      continue;
    }
    const user = op.op === 'write' ? (op.data ? op.data.slice(0, op.length) : syntheticWriteData(op)) : new Uint8Array(len);
    // Byte walk: a new bvec whenever the next byte is not the next byte of the same page.
    const bvecs: NBvec[] = [];
    let b = 0;
    for (const v of iovs) {
      for (let i = 0; i < v.len && b < len; i++, b++) {
        const va = v.base + i;
        const page = Math.floor(va / P);
        const off = va % P;
        const last = bvecs[bvecs.length - 1];
        if (last && last.page === page && last.off + last.len === off) last.len++;
        else bvecs.push({ page, off, len: 1, buf: b });
      }
    }
    // Requests: close when a limit would be exceeded (bio_add_page: whole bvecs; bio_split: byte cut).
    const reqs: NBvec[][] = [];
    let cur: NBvec[] = [];
    let curBytes = 0;
    let curSegs = 0;
    const segsOf = (list: NBvec[]) => list.filter((x, i) => i === 0 || !(list[i - 1].page === x.page && list[i - 1].off + list[i - 1].len === x.off)).length;
    const bytesOf = (list: NBvec[]) => list.reduce((s, x) => s + x.len, 0);
    for (const bv of bvecs) {
      if (cfg.splitter === 'bio_add_page') {
        const trial = [...cur, bv];
        if (cur.length > 0 && (bytesOf(trial) > cfg.limits.maxSectors * 512 || segsOf(trial) > cfg.limits.maxSegments)) {
          reqs.push(cur);
          cur = [];
        }
        cur.push({ ...bv });
      } else {
        for (let i = 0; i < bv.len; i++) {
          // One byte at a time: it continues the last piece iff same page and the next byte of it.
          const page = bv.page;
          const off = bv.off + i;
          const last = cur[cur.length - 1];
          const continues = last !== undefined && last.page === page && last.off + last.len === off;
          const full = curBytes + 1 > cfg.limits.maxSectors * 512 || (!continues && curSegs + 1 > cfg.limits.maxSegments);
          if (cur.length > 0 && full) {
            reqs.push(cur);
            cur = [];
            curBytes = 0;
            curSegs = 0;
          }
          const l = cur[cur.length - 1];
          if (l && l.page === page && l.off + l.len === off) l.len++;
          else {
            cur.push({ page, off, len: 1, buf: bv.buf + i });
            curSegs++;
          }
          curBytes++;
        }
      }
    }
    if (cur.length > 0) reqs.push(cur);
    // Queue/complete in windows of `ring` requests.
    for (let w = 0; w < reqs.length; w += ring) {
      const inflight: { req: NBvec[]; sg: NBvec[]; grants: number[]; sector: number }[] = [];
      for (const req of reqs.slice(w, w + ring)) {
        const sg: NBvec[] = [];
        for (const bv of req) {
          const l = sg[sg.length - 1];
          if (l && l.page === bv.page && l.off + l.len === bv.off && l.len + bv.len <= P) l.len += bv.len;
          else sg.push({ ...bv });
        }
        const grants = cfg.variant === 'a' ? [] : sg.map(() => pop());
        if (op.op === 'write' && cfg.variant !== 'a') {
          sg.forEach((s, k) => {
            for (let i = 0; i < s.len; i++) pages[grants[k]][s.off + i] = user[s.buf + i];
          });
        }
        inflight.push({ req, sg, grants, sector: (op.offset + req[0].buf) / 512 });
      }
      // Backend: segments back to back from sector_number.
      for (const f of inflight) {
        let pos = f.sector * 512;
        f.sg.forEach((s, k) => {
          const first = Math.floor(s.off / 512) * 512;
          const end = first + Math.ceil(s.len / 512) * 512;
          out.transfers[out.transfers.length - 1].push([pos / 512, (end - first) / 512]);
          for (let x = first; x < end; x++, pos++) {
            if (cfg.variant === 'a') {
              const u = s.buf + (x - s.off);
              if (op.op === 'read') user[u] = disk[pos];
              else disk[pos] = user[u];
            } else if (op.op === 'read') pages[f.grants[k]][x] = disk[pos];
            else disk[pos] = pages[f.grants[k]][x];
          }
        });
      }
      const order = cfg.completionOrder === 'reverse' ? [...inflight].reverse() : inflight;
      for (const f of order) {
        if (op.op === 'read' && cfg.variant !== 'a') {
          if (cfg.variant === 'b') {
            let offset = 0;
            for (const bv of f.req) {
              const i = offset >> 12;
              for (let x = 0; x < bv.len; x++) user[bv.buf + x] = pages[f.grants[i]][bv.off + x];
              offset += bv.len;
            }
          } else if (cfg.variant === 'c') {
            let i = 0;
            let offset = 0;
            for (const bv of f.req) {
              if (bv.off < offset) i++;
              if (i >= f.grants.length) break;
              for (let x = 0; x < bv.len; x++) user[bv.buf + x] = pages[f.grants[i]][bv.off + x];
              offset = bv.off + bv.len;
            }
          } else {
            f.sg.forEach((s, k) => {
              for (let x = 0; x < s.len; x++) user[s.buf + x] = pages[f.grants[k]][s.off + x];
            });
          }
        }
        for (const g of f.grants) free.push(g);
      }
    }
    out.reads.push(op.op === 'read' ? user : null);
  }
  return out;
}
