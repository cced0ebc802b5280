/**
 * Readable text dump of a replay (CLI `replay`, snapshot tests) and a JSON-ready plain form.
 */
import type { ProvenanceSource } from './types';
import type { OpReplay, ReplayResult } from './replay';

const VARIANT_TITLE: Record<string, string> = {
  a: 'zero-copy, before persistent grants (≤ v3.7)',
  b: '0a8704a51 persistent grants, i = offset >> PAGE_SHIFT (v3.8)',
  c: 'd62f69185 if (bv_offset < offset) i++ (≈v3.8-rc … v3.10)',
  d: 'b7649158a0d2 per-request scatterlist (v3.11+)',
  e: 'modern: indirect descriptors, 64 KiB-page grant split, bounce',
};

const range = (a: number, b: number) => `[${a},${b})`;

export function describeSource(s: ProvenanceSource): string {
  switch (s.kind) {
    case 'disk':
      return `disk ${range(s.start, s.end)}${s.writtenBy !== undefined ? ` (data of write op ${s.writtenBy})` : ''}`;
    case 'stale': {
      const by = s.writtenBy >= 0 ? `op ${s.writtenBy}` : 'unknown';
      let what = '';
      if (s.content?.kind === 'disk') what = `: disk ${range(s.content.start, s.content.end)} as read then`;
      else if (s.content?.kind === 'user') what = `: write op ${s.content.opId} buffer ${range(s.content.bufStart, s.content.bufEnd)}`;
      else if (s.content?.kind === 'descriptors') what = ': indirect descriptors';
      return `STALE grant page ${s.grantPage} ${range(s.pageStart, s.pageEnd)} written by ${by}${what}`;
    }
    case 'never-written':
      return `STALE grant page ${s.grantPage} ${range(s.pageStart, s.pageEnd)} never written (allocation content)`;
    case 'zero':
      return 'zeros (zero-filled grant page)';
    default:
      return 'untouched (never copied)';
  }
}

function formatOp(o: OpReplay, lines: string[]): void {
  const res = o.error ? `${o.result} ${o.error.name} (${o.error.message})` : String(o.result);
  lines.push(`op ${o.opId} ${o.op} offset ${o.offset} length ${o.length} -> ${res}`);
  for (const r of o.requests) {
    lines.push(`  request ${r.index}: sector ${r.sector} + ${r.nSectors}, buffer ${range(r.bufStart, r.bufEnd)}, ${r.bvecs.length} bvecs, ${r.sg.length} sg`);
    r.bvecs.forEach((b, i) => lines.push(`    bvec ${i}: page ${b.page} off ${b.offset} len ${b.len} buffer ${range(b.bufOffset, b.bufOffset + b.len)}`));
    r.sg.forEach((s, i) => lines.push(`    sg ${i}: page ${s.page} off ${s.offset} len ${s.len} (bvecs ${s.bvecs.join(',')})`));
  }
  for (const rr of o.ring) {
    const segs = rr.segments
      .map((s) => `{gref ${s.gref} ${s.grantPage >= 0 ? `grant page ${s.grantPage}` : `user page ${s.userPage}`} sect ${s.firstSect}-${s.lastSect}}`)
      .join(' ');
    lines.push(`  ring id ${rr.id} ${rr.op.toUpperCase()}${rr.indirect ? ' INDIRECT' : ''} sector ${rr.sector} (request ${rr.requestIndex}): ${segs}`);
  }
  for (const io of o.backendIos) lines.push(`  backend ${io.op} sector ${io.sector} + ${io.nSectors}`);
  for (const rep of o.replies) lines.push(`  reply id ${rep.id}: ${rep.status}`);
  for (const c of o.copies) {
    lines.push(`  copy ${c.unit} ${c.index} (request ${c.request}): grants_used[${c.grantIndex}] = page ${c.grantPage} ${range(c.pageStart, c.pageEnd)} -> buffer ${range(c.bufStart, c.bufEnd)}`);
  }
  if (o.provenance.length > 0) lines.push('  provenance:');
  for (const p of o.provenance) lines.push(`    buffer ${range(p.bufStart, p.bufEnd).padEnd(16)} ${describeSource(p.source)}`);
  if (o.mismatches) {
    lines.push(o.mismatches.length === 0 ? '  matches the traced bytes' : `  differs from the traced bytes at ${o.mismatches.map((m) => range(m.bufStart, m.bufEnd)).join(' ')}`);
  }
  for (const h of o.hazards) lines.push(`  HAZARD ${h.kind}: ${h.message}`);
}

export function formatReplay(result: ReplayResult): string {
  const c = result.config;
  const lines: string[] = [];
  lines.push(`replay: variant ${c.variant} — ${VARIANT_TITLE[c.variant] ?? ''}`);
  lines.push(
    `  page ${c.pageSize}, sector ${c.sectorSize}, limits ${c.limits.maxSegments} segments / ${c.limits.maxSectors} sectors, ` +
      `splitter ${c.splitter}, pool ${c.pool.model} (${c.pool.initial}), backend ${c.backend}` +
      (c.indirectSegments ? `, indirect ${c.indirectSegments}` : ''),
  );
  for (const e of result.errors) lines.push(`error: ${e}`);
  for (const o of result.ops) formatOp(o, lines);
  lines.push(`grant pool: ${result.pool.pages} pages, ${result.pool.free} free (head first: ${result.pool.freeList.slice(0, 16).join(' ')}${result.pool.freeList.length > 16 ? ' …' : ''})`);
  const haz = result.hazards.length;
  lines.push(haz === 0 ? 'no hazards' : `${haz} hazard(s)`);
  return lines.join('\n') + '\n';
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A JSON-ready copy: returned bytes as base64 (`bytesBase64`). */
export function replayToPlain(result: ReplayResult): unknown {
  return {
    ...result,
    ops: result.ops.map((o) => {
      const { bytes, ...rest } = o;
      return bytes ? { ...rest, bytesBase64: base64(bytes) } : rest;
    }),
  };
}
