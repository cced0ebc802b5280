import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { ANALYSIS_VERSION } from '../../engine/forensics/analyze';
import { fixturePath, PROJECT } from '../helpers/fixtures';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const BLOG = fixturePath('blog-parted-xvdb', 'blog.strace.txt');
const OD = (f: string) => fixturePath('odirect-misaligned-dev', f);
const ODIRECT = [OD('main.strace.txt'), OD('main.bin'), OD('main.anchors.txt'), '--image', OD('stamped-8MiB.img.gz')];

/**
 * The documented schema, read from docs/analysis-schema.md: per object
 * section (`### Name`) its table rows `| \`field\` | type | unit | meaning |`,
 * and the enumeration table. The validator below checks JSON against it.
 */
interface Schema {
  objects: Map<string, Map<string, { type: string; optional: boolean }>>;
  enums: Map<string, Set<string>>;
  version: number;
}

function cells(line: string): string[] {
  return line.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
}

function readSchema(text: string): Schema {
  const objects: Schema['objects'] = new Map();
  const enums: Schema['enums'] = new Map();
  let current: Map<string, { type: string; optional: boolean }> | null = null;
  let inEnums = false;
  for (const line of text.split('\n')) {
    const h = /^###\s+(\w+)\s*$/.exec(line);
    if (h) {
      current = new Map();
      objects.set(h[1], current);
      inEnums = false;
      continue;
    }
    if (/^##\s+Enumerations/.test(line)) {
      current = null;
      inEnums = true;
      continue;
    }
    if (!line.startsWith('|') || /^\|[-| ]+\|$/.test(line)) continue;
    const c = cells(line);
    if (inEnums && c[0] !== 'enumeration') {
      enums.set(c[0], new Set([...c[1].matchAll(/`([^`]*)`/g)].map((m) => (m[1] === "''" ? '' : m[1]))));
    } else if (current) {
      const f = /^`([^`]+)`$/.exec(c[0]);
      if (!f) continue;
      const optional = f[1].endsWith('?');
      current.set(optional ? f[1].slice(0, -1) : f[1], { type: c[1], optional });
    }
  }
  const v = /^# AnalysisResult JSON schema \(version (\d+)\)/m.exec(text);
  return { objects, enums, version: v ? Number(v[1]) : NaN };
}

/** Problems of `value` against documented type `type` at `path` (empty: valid). */
function check(schema: Schema, value: unknown, type: string, path: string, out: string[]): void {
  if (out.length > 20) return;
  // The constructors take everything after them: `map of X or null` is a map of (X or null).
  const alts = /^(array|pair|map) of /.test(type) ? [type] : type.split(' or ');
  if (alts.length > 1) {
    const errs = alts.map((t) => {
      const e: string[] = [];
      check(schema, value, t, path, e);
      return e;
    });
    if (errs.every((e) => e.length > 0)) out.push(`${path}: ${JSON.stringify(value)?.slice(0, 60)} is not ${type} (${errs.map((e) => e[0]).join('; ')})`);
    return;
  }
  const t = type.trim();
  const bad = (what: string): void => {
    out.push(`${path}: expected ${what}, got ${JSON.stringify(value)?.slice(0, 60)}`);
  };
  if (t === 'json') return;
  if (t === 'null') return void (value === null || bad('null'));
  if (t === 'integer') return void ((typeof value === 'number' && Number.isInteger(value)) || bad('integer'));
  if (t === 'number') return void ((typeof value === 'number' && Number.isFinite(value)) || bad('number'));
  if (t === 'string') return void (typeof value === 'string' || bad('string'));
  if (t === 'boolean') return void (typeof value === 'boolean' || bad('boolean'));
  let m = /^array of (.+)$/.exec(t);
  if (m) {
    if (!Array.isArray(value)) return bad(t);
    value.forEach((x, i) => check(schema, x, m![1], `${path}[${i}]`, out));
    return;
  }
  m = /^pair of (.+)$/.exec(t);
  if (m) {
    if (!Array.isArray(value) || value.length !== 2) return bad(t);
    value.forEach((x, i) => check(schema, x, m![1], `${path}[${i}]`, out));
    return;
  }
  m = /^map of (.+)$/.exec(t);
  if (m) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(t);
    for (const [k, x] of Object.entries(value)) check(schema, x, m[1], `${path}[${JSON.stringify(k)}]`, out);
    return;
  }
  m = /^enum (\w+)$/.exec(t);
  if (m) {
    const values = schema.enums.get(m[1]);
    if (!values) return void out.push(`${path}: enumeration ${m[1]} is not documented`);
    return void ((typeof value === 'string' && values.has(value)) || bad(`one of ${[...values].join(',')}`));
  }
  const fields = schema.objects.get(t);
  if (!fields) return void out.push(`${path}: type ${t} is not documented`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(`${t} object`);
  for (const [k, x] of Object.entries(value)) {
    const f = fields.get(k);
    if (!f) out.push(`${path}.${k}: field not documented in ${t}`);
    else check(schema, x, f.type, `${path}.${k}`, out);
  }
  for (const [k, f] of fields) if (!f.optional && !(k in value)) out.push(`${path}.${k}: documented field of ${t} missing`);
}

const schema = readSchema(readFileSync(join(PROJECT, 'docs', 'analysis-schema.md'), 'utf8'));

function validate(json: unknown): string[] {
  const out: string[] = [];
  check(schema, json, 'AnalysisResult', '$', out);
  return out;
}

describe('docs/analysis-schema.md', () => {
  it('documents the version analyze() writes and every object it names', () => {
    expect(schema.version).toBe(ANALYSIS_VERSION);
    expect(schema.objects.size).toBeGreaterThanOrEqual(20);
    for (const [name, fields] of schema.objects) {
      expect(fields.size, name).toBeGreaterThan(0);
      for (const [field, f] of fields) {
        for (const ref of f.type.match(/\b[A-Z]\w+\b/g) ?? []) {
          const known = schema.objects.has(ref) || (/enum \w+/.test(f.type) && schema.enums.has(ref));
          expect(known, `${name}.${field}: ${ref}`).toBe(true);
        }
      }
    }
  });

  it('the validator rejects undocumented fields, missing fields and wrong types', () => {
    const good = { n: 0, min: null, avg: null, max: null };
    const errs = (v: unknown) => {
      const out: string[] = [];
      check(schema, v, 'LatencyStats', '$', out);
      return out;
    };
    expect(errs(good)).toEqual([]);
    expect(errs({ ...good, extra: 1 })).toEqual(['$.extra: field not documented in LatencyStats']);
    expect(errs({ n: 0, min: null, avg: null })).toEqual(['$.max: documented field of LatencyStats missing']);
    expect(errs({ ...good, n: 1.5 })[0]).toMatch(/^\$\.n: expected integer/);
    expect(errs({ ...good, min: 'x' })[0]).toMatch(/^\$\.min: "x" is not number or null/);
    const run: string[] = [];
    check(schema, 'sideways', 'enum Verdict', '$', run);
    expect(run[0]).toMatch(/one of correct,consistent/);
  });

  const cases: Array<[string, string[]]> = [
    ['blog-parted-xvdb (strace only, findings)', [BLOG]],
    ['odirect-misaligned-dev (strace, blktrace, anchors, image)', ODIRECT],
    ['fio-mixed/short (buffered and direct, merges)', ['short.strace.txt', 'short.bin', 'short.anchors.txt'].map((f) => fixturePath('fio-mixed', f))],
    ['aio-merges (io_submit, writes, image)', [...['main.strace.txt', 'main.bin', 'main.anchors.txt'].map((f) => fixturePath('aio-merges', f)), '--image', fixturePath('aio-merges', 'before.img.gz')]],
  ];
  for (const [name, args] of cases) {
    it(`analyze --json output of ${name} matches the documented fields`, async () => {
      const r = await run(['analyze', ...args, '--json', '--fail-on', 'never']);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.out) as { version: number; records: unknown[]; reads: unknown[] };
      expect(json.version).toBe(1);
      expect(json.records.length).toBeGreaterThan(0);
      expect(validate(json)).toEqual([]);
      if (args[0] === BLOG) expect((json as unknown as { hypotheses: { variants: unknown[] } }).hypotheses.variants.length).toBe(5);
    });
  }
});

describe('sectorscope analyze (text)', () => {
  it('blog-parted-xvdb: exit 1 at --fail-on error, the LBA 4 and LBA 9 chunks shown misplaced', async () => {
    const r = await run(['analyze', BLOG, '--fail-on', 'error']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('#4 read fd=3 off=1024 len=16384 ret=16384');
    expect(r.out).toMatch(/^ {2}\[1024,1536\) LBA 4 misplaced ← LBA 1 \(\+3\)/m);
    expect(r.out).toMatch(/^ {2}\[3584,4096\) LBA 9 misplaced ← LBA 0 \(\+9\)/m);
    expect(r.out).toMatch(/^ {2}\[0,1024\) LBA 2-3 consistent/m);
    expect(r.out).toMatch(/^findings: 3 error, 0 warning, 0 note, 1 chat$/m);
    expect(r.out).toMatch(/^error {3}misplaced-data {2}#4 read blog\.strace\.txt:10 off=1024 {2}buf \[1024,1536\) {2}LBA 4$/m);
    expect(r.out).toMatch(/^error {3}misplaced-data {2}#4 read blog\.strace\.txt:10 off=1024 {2}buf \[3584,4096\) {2}LBA 9$/m);
    expect(r.out).toMatch(/^error {3}inconsistent-reread .*LBA 4$/m);
    expect(r.out).toContain('expected: LBA 4   actual: content of LBA 1');
    expect(r.out).toContain('evidence structure: GPT header ("EFI PART"), my_lba=1');
    expect(r.out).toContain('correlation: no block trace loaded');
    expect(r.out).toMatch(/^ {2}1\. b 0a8704a51 .* possible: \d+\/\d+ shown bytes matched .*contradicted 0\)$/m);
    expect(r.out).toMatch(/^ {2}2\. a zero-copy .* impossible: /m);
  });

  it('blog-parted-xvdb: --fail-on never exits 0 with the same report', async () => {
    const r = await run(['analyze', BLOG, '--fail-on', 'never']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('LBA 4 misplaced ← LBA 1 (+3)');
  });

  it('odirect-misaligned-dev with the stamped image: exit 0, 40 reads verified, btt latency table', async () => {
    const r = await run(['analyze', ...ODIRECT]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('sector maps: 40 reads with data, 245760 bytes; 40 clean (every chunk correct), not listed (--all lists them)');
    expect(r.out).toMatch(/^ {2}chunks: correct=480$/m);
    expect(r.out).toMatch(/^findings: 0 error, 0 warning, 0 note, 0 chat$/m);
    expect(r.out).toMatch(/reference for \/dev\/loop0/);
    expect(r.out).toMatch(/^ {2}requests 40 \(read 40\), bios 40, splits 0/m);
    expect(r.out).toMatch(/^ {2}syscalls: joined 40$/m);
    expect(r.out).toMatch(/^ {2}D2C +0\.0000\d{5} +0\.0000\d{5} +0\.000\d{6} +40$/m);
    expect(r.out).toMatch(/^ {2}G2I +- +- +- +0$/m);
    expect(r.out).not.toMatch(/^#\d+ /m);
  });

  it('odirect-misaligned-dev --all lists every read, each one run verified correct by stamp and image', async () => {
    const r = await run(['analyze', ...ODIRECT, '--all']);
    expect(r.code).toBe(0);
    const heads = r.out.split('\n').filter((l) => /^#\d+ (pread64|read) fd=\d+ off=\d+ len=\d+ ret=\d+ \/dev\/loop0 O_DIRECT main\.strace\.txt:\d+$/.test(l));
    expect(heads.length).toBe(40);
    const runs = r.out.split('\n').filter((l) => /^ {2}\[\d+,\d+\) LBA /.test(l));
    expect(runs.length).toBe(40);
    for (const l of runs) expect(l).toMatch(/ correct {2}\[image\]$/);
  });

  it('usage errors exit 2', async () => {
    expect((await run(['analyze'])).code).toBe(2);
    expect((await run(['analyze', BLOG, '--fail-on', 'sometimes'])).code).toBe(2);
    const missing = await run(['analyze', join(PROJECT, 'no-such-trace.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no-such-trace.txt: no such file');
    expect((await run(['analyze', BLOG, '--bogus'])).code).toBe(2);
  });
});
