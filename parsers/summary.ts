/**
 * A plain-data overview of one parsed source: what `sectorscope parse` prints
 * and what the UI shows per loaded file.
 */
import { actionLetter } from './model/actions';
import { devName } from './model/blockEvents';
import type { ParsedSource } from './model/source';

export interface SourceSummary {
  name: string;
  format: string;
  evidence: string;
  bytes: number;
  clock: string;
  blockEvents?: {
    total: number;
    byAction: Record<string, number>;
    devices: string[];
    cpus: number[];
    /** [first, last] event time in ns on the source's clock. */
    span: [number, number] | null;
    sectorsRead: number;
    sectorsWritten: number;
  };
  syscalls?: {
    total: number;
    byName: Record<string, number>;
    pids: number[];
    paths: string[];
    span: [number, number] | null;
    failed: number;
    withData: number;
    truncated: number;
  };
  xenstore?: { nodes: number; logEntries: number; vbds: number };
  dropped?: number;
  diagnostics: { error: number; warning: number; info: number; omitted: number };
}

export function summarize(src: ParsedSource): SourceSummary {
  const out: SourceSummary = {
    name: src.name,
    format: src.format,
    evidence: src.evidence,
    bytes: src.bytes,
    clock: src.clock.kind,
    diagnostics: { error: 0, warning: 0, info: 0, omitted: src.diagnosticsOmitted },
  };
  for (const d of src.diagnostics) out.diagnostics[d.severity]++;
  if (src.dropped !== undefined) out.dropped = src.dropped;
  const b = src.block;
  if (b) {
    const byAction: Record<string, number> = {};
    const cpus = new Set<number>();
    let lo = Infinity;
    let hi = -Infinity;
    let rd = 0;
    let wr = 0;
    const counts = new Map<number, number>();
    for (let i = 0; i < b.length; i++) {
      const a = b.action[i];
      counts.set(a, (counts.get(a) ?? 0) + 1);
      cpus.add(b.cpu[i]);
      const t = b.timeNs[i];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
      if (a === 8) {
        const f = b.rwbsBits[b.rwbs[i]];
        if (f & 1) rd += b.nSectors[i];
        else if (f & 2) wr += b.nSectors[i];
      }
    }
    for (const [a, n] of [...counts].sort((x, y) => x[0] - y[0])) byAction[actionLetter(a)] = (byAction[actionLetter(a)] ?? 0) + n;
    out.blockEvents = {
      total: b.length,
      byAction,
      devices: b.devices.map(devName),
      cpus: [...cpus].sort((x, y) => x - y),
      span: b.length ? [lo, hi] : null,
      sectorsRead: rd,
      sectorsWritten: wr,
    };
  }
  const s = src.syscalls;
  if (s) {
    const byName: Record<string, number> = {};
    const pids = new Set<number>();
    const paths = new Set<string>();
    let lo = Infinity;
    let hi = -Infinity;
    let failed = 0;
    let withData = 0;
    let truncated = 0;
    for (let i = 0; i < s.length; i++) {
      const name = s.nameOf(i);
      byName[name] = (byName[name] ?? 0) + 1;
      pids.add(s.pid[i]);
      if (s.path[i]) paths.add(s.pathOf(i));
      const t = s.timeNs[i];
      if (t < lo) lo = t;
      if (t > hi) hi = t;
      if (s.errno[i]) failed++;
      if (s.dataFlags[i] & 1) withData++;
      if (s.dataFlags[i] & 2) truncated++;
    }
    out.syscalls = {
      total: s.length,
      byName,
      pids: [...pids].sort((x, y) => x - y),
      paths: [...paths].sort(),
      span: s.length && Number.isFinite(lo) ? [lo, hi] : null,
      failed,
      withData,
      truncated,
    };
  }
  if (src.xenstore) {
    out.xenstore = { nodes: src.xenstore.nodes.length, logEntries: src.xenstore.log.length, vbds: src.xenstore.vbds.length };
  }
  return out;
}
