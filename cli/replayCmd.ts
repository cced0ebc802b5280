/**
 * sectorscope replay: re-executes a workload through the Xen block path under
 * one frontend variant and one backend model, and prints per operation the
 * requests, ring segments and grant pages, and the provenance map of the
 * returned buffer; with --image also the returned bytes and where they differ
 * from what the trace shows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BACKEND_MODEL_IDS } from '../engine/backends/types';
import { createBackendModel } from '../engine/backends/index';
import { configFromXenstore, defaultConfig, VARIANTS, type Variant } from '../engine/replay/config';
import { openImage } from '../engine/replay/diskNode';
import { formatReplay, replayToPlain } from '../engine/replay/format';
import { backendNames, registerBackend, replay } from '../engine/replay/replay';
import { parseWorkloadJson, workloadFromStrace } from '../engine/replay/workload';
import { formatDiagnostic } from '../parsers/model/source';
import { loadFile } from './load';
import { readWhole } from './input';

export interface CmdIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export class ReplayUsage extends Error {}

let registered = false;
function registerBackends(): void {
  if (registered) return;
  registered = true;
  for (const id of BACKEND_MODEL_IDS) registerBackend(createBackendModel(id));
}

function pageOffsets(v: string | undefined): number | number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map((s) => Number(s.trim()));
  if (parts.some((n) => !Number.isInteger(n) || n < 0 || n >= 65536)) throw new ReplayUsage(`--page-offset: expected N or N,N,... (bytes within the page), got ${v}`);
  return parts.length === 1 ? parts[0] : parts;
}

export async function cmdReplay(args: string[], io: CmdIo): Promise<number> {
  registerBackends();
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      variant: { type: 'string', default: 'd' },
      workload: { type: 'string' },
      'from-strace': { type: 'string' },
      'page-offset': { type: 'string' },
      image: { type: 'string' },
      backend: { type: 'string', default: 'blkback' },
      xenstore: { type: 'string' },
      path: { type: 'string' },
      'bytes-out': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const variant = values.variant as Variant;
  if (!VARIANTS.includes(variant)) throw new ReplayUsage(`--variant must be one of ${VARIANTS.join('|')}`);
  if (!values.workload === !values['from-strace']) throw new ReplayUsage('replay: give exactly one of --workload FILE.json or --from-strace FILE');
  const backend = values.backend!;
  if (!backendNames().includes(backend)) throw new ReplayUsage(`--backend must be one of ${backendNames().join('|')}`);

  const offsets = pageOffsets(values['page-offset']);
  let build;
  if (values.workload) {
    build = parseWorkloadJson(new TextDecoder().decode(await readWhole(values.workload)));
  } else {
    const src = await loadFile(values['from-strace']!);
    for (const d of src.diagnostics) if (d.severity === 'error') io.err(formatDiagnostic(d));
    if (!src.syscalls) {
      io.err(`${src.name}: detected as ${src.format}, not strace: no syscalls to replay`);
      return 1;
    }
    build = workloadFromStrace(src.syscalls, { pageOffset: offsets, path: values.path, file: src.name });
  }
  for (const e of build.errors) io.err(`workload: ${e}`);
  if (build.workload.ops.length === 0) {
    io.err('workload: no operations to replay');
    return 1;
  }

  let config = defaultConfig(variant, { backend });
  if (values.xenstore) {
    const xs = await loadFile(values.xenstore);
    const vbd = xs.xenstore?.vbds[0];
    if (!vbd) {
      io.err(`${values.xenstore}: no virtual block device found in ${xs.format} data`);
      return 1;
    }
    config = { ...configFromXenstore(vbd, variant), backend };
  }
  const disk = values.image ? await openImage(values.image) : undefined;
  const result = replay(build.workload, config, disk);
  for (const e of result.errors) io.err(`config: ${e}`);
  if (values['bytes-out']) {
    mkdirSync(values['bytes-out'], { recursive: true });
    for (const o of result.ops) if (o.bytes) writeFileSync(join(values['bytes-out'], `op-${String(o.opId).padStart(5, '0')}.bin`), o.bytes);
  }
  if (values.json) io.out(JSON.stringify(replayToPlain(result), null, 2));
  else io.out(formatReplay(result).trimEnd());
  return result.errors.length ? 1 : 0;
}
