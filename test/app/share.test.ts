import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyze } from '../../engine/forensics/analyze';
import { parseBytes } from '../../parsers/parse';
import { buildReport, shrinkSteps } from '../../app/share/build';
import { decodeReport, encodeReport, fromBase64Url, parseReportJson, reportPayload, toBase64Url } from '../../app/share/codec';
import { fittingLink, linkFor, ONE_FINDING_LIMIT, WARN_LIMIT } from '../../app/share/link';
import { migrate, ReportError } from '../../app/share/migrate';
import { REPORT_SCHEMA, REPORT_VERSION } from '../../app/share/report';
import { fixturePath, readInput } from '../helpers/fixtures';

const BASE = 'http://127.0.0.1:41234/index.html';
const blog = analyze({ sources: [parseBytes('blog.strace.txt', readInput(fixturePath('blog-parted-xvdb', 'blog.strace.txt')))] });
const selection = { readId: 4, findingId: 0, chunk: 1024 };
const full = buildReport(blog, { selection, variant: 'b', pageOffset: 3072, sources: [{ name: 'blog.strace.txt', format: 'strace' }] });

/** Rejection message of `migrate`, or null when it accepts. */
function rejection(x: unknown): string | null {
  try {
    migrate(x);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(ReportError);
    return (e as Error).message;
  }
}

describe('report content', () => {
  it('carries the blog findings, the 16 KiB read map and its workload context, no trace bytes', () => {
    expect(full.schema).toBe(REPORT_SCHEMA);
    expect(full.version).toBe(REPORT_VERSION);
    expect(full.findings.map((f) => f.summary)).toContain('LBA 4 returned the content of LBA 1 (displacement +3 sectors)');
    expect(full.reads.map((m) => m.io)).toEqual([4]);
    const lba4 = full.reads[0].runs.find((r) => r.lbaFirst === 4)!;
    expect(lba4).toMatchObject({ verdict: 'misplaced', sourceLba: 1, bufStart: 1024, bufEnd: 1536 });
    /* The five reads of the excerpt, in trace order, page offsets unknown (no -e raw=). */
    expect(full.contexts[0].ops).toEqual([
      [0, 512, 512, -1],
      [0, 1024, 512, -1],
      [0, 1536, 512, -1],
      [0, 2048, 512, -1],
      [0, 1024, 16384, -1],
    ]);
    /* Small evidence texts only: the 16 KiB of returned bytes are not in it. */
    expect(JSON.stringify(full).length).toBeLessThan(8000);
    expect(full.excerpts).toEqual([]);
  });

  it('a one-finding report holds that finding only and the read it names', () => {
    const one = buildReport(blog, { selection, variant: 'b', pageOffset: null, findingIds: [1] });
    expect(one.findings.map((f) => f.id)).toEqual([1]);
    expect(one.totalFindings).toBe(blog.findings.length);
    expect(one.records.map((r) => r.id)).toEqual([4]);
    expect(one.selection.findingId).toBeNull();
  });
});

describe('round trip', () => {
  it('encode → decode gives the same report (JSON-equal)', async () => {
    const payload = await encodeReport(full);
    expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
    const back = await decodeReport(payload);
    expect(back).toEqual(JSON.parse(JSON.stringify(full)));
  });

  it('a report file (pretty JSON text) loads back through the same validation', () => {
    expect(parseReportJson(JSON.stringify(full, null, 2))).toEqual(JSON.parse(JSON.stringify(full)));
  });

  it('reportPayload reads only #report= fragments', () => {
    expect(reportPayload('#report=abc')).toBe('abc');
    expect(reportPayload('report=abc')).toBe('abc');
    expect(reportPayload('#src=http://x')).toBeNull();
    expect(reportPayload('')).toBeNull();
  });

  it('base64url is strict and round-trips any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const s = toBase64Url(b);
        expect(s).toMatch(/^[A-Za-z0-9_-]*$/);
        expect(fromBase64Url(s)).toEqual(b);
      }),
    );
    expect(() => fromBase64Url('ab+c')).toThrow(ReportError);
    expect(() => fromBase64Url('abcde')).toThrow(/length/);
  });

  it('text that looks like markup is kept verbatim as text', async () => {
    const evil = structuredClone(full);
    evil.findings[0].summary = '<img src=x onerror="window.__pwned=1">';
    const back = await decodeReport(await encodeReport(evil));
    expect(back.findings[0].summary).toBe('<img src=x onerror="window.__pwned=1">');
  });
});

describe('size limits', () => {
  it('every blog finding gets a link within 2,000 characters', async () => {
    for (const f of blog.findings) {
      const link = await fittingLink(shrinkSteps(blog, { selection: { readId: f.read?.io ?? null, findingId: f.id, chunk: f.bufRange?.[0] ?? null }, variant: 'b', pageOffset: null, findingIds: [f.id] }), BASE);
      expect(link.fits).toBe(true);
      expect(link.url.length).toBeLessThanOrEqual(ONE_FINDING_LIMIT);
      expect(link.url.startsWith(`${BASE}#report=`)).toBe(true);
      const back = await decodeReport(reportPayload(new URL(link.url).hash)!);
      expect(back.findings).toHaveLength(1);
      expect(back.findings[0].summary).toBe(f.summary);
    }
  });

  it('shrinking drops context and evidence until the link fits', async () => {
    const steps = shrinkSteps(blog, { selection, variant: 'b', pageOffset: null, findingIds: [0] });
    const sizes = await Promise.all(steps.map(async (r) => (await encodeReport(r)).length));
    expect(sizes[sizes.length - 1]).toBeLessThan(sizes[0]);
    expect(steps[steps.length - 1].findings[0].evidence).toEqual([]);
  });

  it('a report beyond 64k characters is flagged too long (file offered instead)', async () => {
    const big = structuredClone(full);
    let seed = 12345;
    const noise = () => {
      let s = '';
      for (let i = 0; i < 200; i++) {
        /* xorshift32: text deflate cannot shrink much. */
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        s += String.fromCharCode(48 + ((seed >>> 0) % 75));
      }
      return s;
    };
    big.findings = Array.from({ length: 2400 }, (_, i) => ({ ...full.findings[0], id: i, summary: noise() }));
    const link = await linkFor(big, BASE);
    expect(link.url.length).toBeGreaterThan(WARN_LIMIT);
    expect(link.tooLong).toBe(true);
    expect((await linkFor(full, BASE)).tooLong).toBe(false);
  });
});

describe('migrate rejects garbage with a clear message', () => {
  const good = JSON.parse(JSON.stringify(full));
  const mutate = (f: (r: Record<string, unknown>) => void) => {
    const r = structuredClone(good);
    f(r);
    return r;
  };

  it('names what is wrong and where', () => {
    expect(rejection(null)).toBe('report: expected an object');
    expect(rejection([])).toBe('report: expected an object');
    expect(rejection('{"schema":1}')).toBe('report: expected an object');
    expect(rejection({ schema: 'other' })).toMatch(/not a sectorscope report/);
    expect(rejection(mutate((r) => (r.version = 2)))).toMatch(/newer sectorscope/);
    expect(rejection(mutate((r) => (r.version = '1')))).toMatch(/report\.version: expected a finite number/);
    expect(rejection(mutate((r) => ((r.findings as { severity: string }[])[0].severity = 'fatal')))).toMatch(/report\.findings\[0\]\.severity: expected one of error, warning, note, chat/);
    expect(rejection(mutate((r) => ((r.findings as { kind: string }[])[0].kind = 'rm -rf')))).toMatch(/unknown finding kind/);
    expect(rejection(mutate((r) => ((r.reads as { runs: { verdict: string }[] }[])[0].runs[0].verdict = 'fine')))).toMatch(/report\.reads\[0\]\.runs\[0\]\.verdict/);
    expect(rejection(mutate((r) => ((r.reads as { runs: { bufEnd: number }[] }[])[0].runs[0].bufEnd = -1)))).toMatch(/non-negative integer/);
    expect(rejection(mutate((r) => ((r.contexts as { ops: number[][] }[])[0].ops[0] = [2, 0, 0, 0])))).toMatch(/0 \(read\) or 1 \(write\)/);
    expect(rejection(mutate((r) => ((r.findings as { summary: string }[])[0].summary = 'x'.repeat(5000))))).toMatch(/longer than 4096/);
    expect(rejection(mutate((r) => (r.settings = { variant: 'z' })))).toMatch(/report\.settings\.variant/);
    expect(rejection(mutate((r) => (r.excerpts = [{ io: 4, bufOffset: 0, returned: '<script>', expected: null }])))).toMatch(/base64url/);
    expect(rejection(good)).toBeNull();
  });

  it('drops unknown fields and never returns the input objects', () => {
    const withExtra = mutate((r) => {
      r.extra = 'x';
      (r.findings as Record<string, unknown>[])[0].html = '<b>';
    });
    const out = migrate(withExtra);
    expect(out).not.toHaveProperty('extra');
    expect(out.findings[0]).not.toHaveProperty('html');
    expect(out.findings[0]).not.toBe((withExtra.findings as unknown[])[0]);
  });

  it('never throws anything but ReportError on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(rejection(v) === null || typeof rejection(v) === 'string').toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('tampered and truncated fragments give a clear error', () => {
  it('truncation at any point is refused', async () => {
    const payload = await encodeReport(full);
    for (const cut of [1, 5, Math.floor(payload.length / 2), payload.length - 3]) {
      await expect(decodeReport(payload.slice(0, cut))).rejects.toBeInstanceOf(ReportError);
    }
    await expect(decodeReport('')).rejects.toThrow(/empty report/);
    await expect(decodeReport('%3Cscript%3E')).rejects.toThrow(/characters that base64url does not use/);
  });

  it('any single-character change is refused or yields a fully validated report', async () => {
    const payload = await encodeReport(full);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await fc.assert(
      fc.asyncProperty(fc.nat(payload.length - 1), fc.nat(63), async (at, c) => {
        const tampered = payload.slice(0, at) + alphabet[c] + payload.slice(at + 1);
        try {
          const r = await decodeReport(tampered);
          expect(r.schema).toBe(REPORT_SCHEMA);
        } catch (e) {
          expect(e).toBeInstanceOf(ReportError);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a deflate bomb is refused', async () => {
    const zeros = new TextEncoder().encode(`{"schema":"${'a'.repeat(40 * 1024 * 1024)}"}`);
    const { deflateRaw } = await import('../../app/share/codec');
    const bomb = toBase64Url(await deflateRaw(zeros));
    await expect(decodeReport(bomb)).rejects.toThrow(/inflates beyond/);
  });
});
