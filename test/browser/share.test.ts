/**
 * Acceptance 3: "Copy link" produces a URL; opening it in a fresh browser
 * context (no files) shows the same findings and the same sector diff; a
 * tampered or truncated fragment shows a clear error, and no script from
 * it runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { analyze } from '../../engine/forensics/analyze';
import { parseBytes } from '../../parsers/parse';
import { buildReport } from '../../app/share/build';
import { encodeReport } from '../../app/share/codec';
import { startHarness, type Harness } from './harness';
import { findingRow, rowTexts, sectorDiffPixels, waitText } from './viewsKit';
import { fixturePath, readInput } from '../helpers/fixtures';

describe('share links', () => {
  let h: Harness;
  let page: Page;
  let link = '';
  let liveRows: string[] = [];
  let liveRuns = '';
  let livePixels = '';

  const open = async (url: string): Promise<Page> => h.newPage({ path: url.slice(h.origin.length) });
  const pwned = (p: Page) => p.evaluate(() => (window as unknown as { __pwned?: number }).__pwned ?? null);

  beforeAll(async () => {
    h = await startHarness();
    page = await h.newPage();
    await h.upload(page, [fixturePath('blog-parted-xvdb', 'blog.strace.txt')]);
    await findingRow(page, /returned the content of LBA 1/).first().waitFor({ timeout: 60_000 });
  }, 600_000);

  afterAll(async () => {
    await h?.close();
  });

  it('"Copy link" gives a #report= URL of the whole report', async () => {
    await findingRow(page, /returned the content of LBA 1/).first().click();
    liveRuns = await waitText(page.getByRole('list', { name: 'chunk runs' }), /LBA 4: misplaced/);
    livePixels = await sectorDiffPixels(page);
    liveRows = await rowTexts(page);
    await page.getByRole('button', { name: 'Copy link' }).click();
    const field = page.getByRole('textbox', { name: 'share link' });
    await field.waitFor();
    link = await field.inputValue();
    expect(link.startsWith(`${h.origin}/#report=`)).toBe(true);
    expect(link.length).toBeLessThan(64_000);
    await h.screenshot(page, 'share-copy-link');
  }, 120_000);

  it('opening it in a fresh context shows the same findings and sector diff, read-only', async () => {
    const shared = await open(link);
    await findingRow(shared, /returned the content of LBA 1/).first().waitFor({ timeout: 30_000 });
    expect(await shared.getByRole('note').textContent()).toMatch(/Shared report, read-only: 4 of 4 findings/);
    expect(await rowTexts(shared)).toEqual(liveRows);
    const runs = await waitText(shared.getByRole('list', { name: 'chunk runs' }), /LBA 4: misplaced/);
    expect(runs).toBe(liveRuns);
    expect(await sectorDiffPixels(shared)).toBe(livePixels);
    /* The selection travelled too: the same finding is selected. */
    expect(await shared.locator('tr[aria-selected="true"]').textContent()).toMatch(/content of LBA 1/);
    await h.screenshot(shared, 'share-opened');
    await shared.context().close();
  }, 120_000);

  it('a one-finding link fits 2,000 characters and shows that finding', async () => {
    await findingRow(page, /content of LBA 0/).first().click();
    await page.getByRole('button', { name: 'Link to this finding' }).click();
    const field = page.getByRole('textbox', { name: 'share link' });
    await page.waitForFunction(() => (document.querySelector('input[aria-label="share link"]') as HTMLInputElement | null)?.value.includes('#report='));
    const one = await field.inputValue();
    expect(one.length).toBeLessThanOrEqual(2000);
    const shared = await open(one);
    await findingRow(shared, /content of LBA 0/).first().waitFor({ timeout: 30_000 });
    expect(await rowTexts(shared)).toHaveLength(1);
    expect(await shared.getByRole('note').textContent()).toMatch(/1 of 4 findings/);
    await waitText(shared.getByRole('list', { name: 'chunk runs' }), /LBA 9: misplaced — holds LBA 0's data/);
    await shared.context().close();
  }, 120_000);

  it('a tampered or truncated fragment shows a clear error', async () => {
    const payload = link.slice(link.indexOf('#report=') + 8);
    const mid = Math.floor(payload.length / 2);
    const cases = [
      `${h.origin}/#report=${payload.slice(0, mid)}`,
      `${h.origin}/#report=${payload.slice(0, mid)}${payload[mid] === 'A' ? 'B' : 'A'}${payload.slice(mid + 1)}`,
      `${h.origin}/#report=${payload.slice(0, 40)}`,
      `${h.origin}/#report=%3Cscript%3Ewindow.__pwned%3D1%3C%2Fscript%3E`,
    ];
    for (const [i, url] of cases.entries()) {
      const p = await open(url);
      const alert = p.getByRole('alert').filter({ hasText: 'cannot be opened' });
      await waitText(alert, /This shared report link cannot be opened: .+\. Nothing from it was shown or run\./);
      expect(await p.getByRole('table', { name: 'findings' }).count()).toBe(0);
      expect(await pwned(p)).toBeNull();
      if (i === 0) await h.screenshot(p, 'share-truncated-error');
      await p.context().close();
    }
  }, 180_000);

  it('markup inside a valid report is shown as text and never runs', async () => {
    const blog = analyze({ sources: [parseBytes('blog.strace.txt', readInput(fixturePath('blog-parted-xvdb', 'blog.strace.txt')))] });
    const r = buildReport(blog, { selection: { readId: 4, findingId: 0, chunk: 1024 }, variant: 'b', pageOffset: null });
    r.findings[0].summary = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    r.findings[0].evidence[0].text = '<svg onload="window.__pwned=3">';
    r.sources = [{ name: '<iframe src="javascript:window.__pwned=4">', format: 'strace' }];
    const p = await open(`${h.origin}/#report=${await encodeReport(r)}`);
    await p.getByRole('table', { name: 'findings' }).waitFor({ timeout: 30_000 });
    const detail = p.getByRole('region', { name: 'finding detail' });
    await waitText(detail, /<img src=x onerror="window.__pwned=1"><script>window.__pwned=2<\/script>/);
    expect(await detail.textContent()).toContain('<svg onload="window.__pwned=3">');
    expect(await p.locator('.findings-view img, .findings-view script, .findings-view iframe, .finding-detail svg').count()).toBe(0);
    await p.waitForTimeout(300);
    expect(await pwned(p)).toBeNull();
    await p.context().close();
  }, 120_000);
});
