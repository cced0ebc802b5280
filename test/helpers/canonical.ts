/**
 * Canonical text dumps of parsed sources, used to prove that results do not
 * depend on chunking and to snapshot parser output in readable form.
 */
import type { ParsedSource } from '../../parsers/model/source';

function col(name: string, a: ArrayLike<number>, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(String(a[i]));
  return `${name}=${parts.join(',')}`;
}

export function canonical(src: ParsedSource): string {
  const out: string[] = [`format=${src.format}`, `clock=${src.clock.kind}:${src.clock.baseNs}`];
  const b = src.block;
  if (b) {
    const n = b.length;
    out.push(`block.length=${n}`);
    out.push(col('time', b.timeNs, n), col('sector', b.sector, n), col('nsect', b.nSectors, n));
    out.push(col('pid', b.pid, n), col('seq', b.seq, n), col('cpu', b.cpu, n), col('action', b.action, n));
    out.push(`comm=${Array.from(b.comm.subarray(0, n), (c) => b.strings.get(c)).join('|')}`);
    out.push(`rwbs=${Array.from(b.rwbs.subarray(0, n), (c) => b.rwbsTable.get(c)).join('|')}`);
    out.push(`dev=${Array.from(b.device.subarray(0, n), (c) => b.devices[c]).join(',')}`);
    out.push(col('xev', b.extraEvent, b.extraCount), col('xkind', b.extraKind, b.extraCount));
    out.push(col('xa', b.extraA, b.extraCount), col('xb', b.extraB, b.extraCount));
    out.push(col('oev', b.originEvent, b.originRuns), col('oval', b.originValue, b.originRuns));
  }
  const s = src.syscalls;
  if (s) {
    const n = s.length;
    out.push(`sys.length=${n}`);
    out.push(col('time', s.timeNs, n), col('dur', s.durationNs, n), col('pid', s.pid, n));
    out.push(`name=${Array.from(s.name.subarray(0, n), (c) => s.strings.get(c)).join('|')}`);
    out.push(`path=${Array.from(s.path.subarray(0, n), (c) => s.strings.get(c)).join('|')}`);
    out.push(col('fd', s.fd, n), col('off', s.offset, n), col('len', s.length_, n), col('res', s.result, n));
    out.push(col('errno', s.errno, n), col('flags', s.openFlags, n), col('buf', s.bufAddr, n));
    out.push(col('dlen', s.dataLen, n), col('dflags', s.dataFlags, n), col('line', s.line, n));
    let h = 0x811c9dc5;
    for (let i = 0; i < n; i++) {
      const d = s.bytesOf(i);
      for (let j = 0; j < d.length; j++) h = Math.imul(h ^ d[j], 16777619) >>> 0;
    }
    out.push(`datahash=${h}`);
    const m = s.segCount;
    out.push(col('segRow', s.segRow, m), col('segKind', s.segKind, m), col('segBuf', s.segBuf, m));
    out.push(col('segLen', s.segLen, m), col('segOff', s.segOffset, m), col('segRes', s.segResult, m));
  }
  if (src.xenstore) out.push(`xenstore=${JSON.stringify(src.xenstore)}`);
  if (src.summary) out.push(`summary=${JSON.stringify(src.summary)}`);
  if (src.dropped !== undefined) out.push(`dropped=${src.dropped}`);
  out.push(`diagnostics=${JSON.stringify(src.diagnostics)}`);
  return out.join('\n');
}
