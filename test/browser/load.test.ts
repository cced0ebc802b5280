/**
 * Loading in a real browser: acceptance 2 (odirect-misaligned-dev: 40
 * verified reads, no error findings, 240 block events on the timeline),
 * the load-error taxonomy, the demo button, light and dark screenshots,
 * and acceptance 5 (no request outside the page's origin).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { fixturePath } from '../helpers/fixtures';
import { startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 300_000);

afterAll(async () => {
  await h?.close();
});

const ODIRECT = ['main.strace.txt', 'main.bin', 'stamped-8MiB.img.gz'].map((f) => fixturePath('odirect-misaligned-dev', f));

async function waitReady(page: Page, timeout = 60_000): Promise<void> {
  await page.locator('footer[data-load-state="ready"]').waitFor({ timeout });
}

describe('odirect-misaligned-dev through the file input', () => {
  test('40 verified reads, no error findings, 240 block events on the timeline', async () => {
    const page = await h.newPage();
    await h.upload(page, ODIRECT);
    await waitReady(page);
    await expect.poll(() => page.getByTestId('status-block-events').textContent()).toBe('240 block events');
    await expect.poll(() => page.getByTestId('timeline-status').textContent()).toMatch(/^240 block events · \d+ syscalls/);
    expect(await page.getByTestId('status-reads').textContent()).toBe('40 verified reads of 40');
    expect(await page.getByTestId('status-findings').textContent()).toMatch(/^0 errors/);
    expect(await page.getByTestId('reads-summary').textContent()).toBe('40 verified reads of 40');
    // The timeline drew its lanes: some events are under the visible pixel columns.
    const drawn = await page.getByTestId('timeline-canvas').getAttribute('data-drawn-events');
    expect(Number(drawn)).toBeGreaterThan(0);
    await h.screenshot(page, 'odirect-light');
    // Dark theme through the toggle (system → light → dark).
    await page.getByRole('button', { name: /^theme:/ }).click();
    await page.getByRole('button', { name: /^theme:/ }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.waitForTimeout(200);
    await h.screenshot(page, 'odirect-dark');
    await page.context().close();
  }, 120_000);

  test('the reference image can go through the image slot', async () => {
    const page = await h.newPage();
    await h.upload(page, ODIRECT.slice(0, 2));
    await waitReady(page);
    await page.getByTestId('image-input').setInputFiles(ODIRECT[2]);
    await waitReady(page);
    await expect.poll(() => page.getByTestId('status-reads').textContent()).toBe('40 verified reads of 40');
    expect(await page.getByRole('contentinfo').textContent()).toContain('image stamped-8MiB.img.gz (16,384 sectors)');
    await page.context().close();
  }, 120_000);
});

describe('the empty page', () => {
  test('shows how to start, loads the bundled demo in one click, and the ? sheet', async () => {
    const page = await h.newPage({ colorScheme: 'dark' });
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await expect.poll(() => page.getByRole('heading', { name: 'Which sectors came back wrong?' }).isVisible()).toBe(true);
    await h.screenshot(page, 'empty-dark');
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await h.screenshot(page, 'shortcuts-dark');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: /Load demo: O_DIRECT/ }).click();
    await waitReady(page);
    expect(await page.getByTestId('status-block-events').textContent()).toBe('240 block events');
    expect(await page.getByTestId('status-reads').textContent()).toBe('40 verified reads of 40');
    await page.getByRole('tab', { name: 'Requests' }).click();
    await page.getByRole('radio', { name: /Block requests/ }).click();
    await expect.poll(() => page.getByRole('table', { name: 'block requests' }).locator('tbody tr').count()).toBeGreaterThan(5);
    await h.screenshot(page, 'demo-requests-dark');
    await page.context().close();
  }, 120_000);
});

describe('other ways in', () => {
  test('#src= loads a trace by URL (here the bundled demo, same origin)', async () => {
    const page = await h.newPage({ path: '/#src=demo/blog.strace.txt' });
    await waitReady(page);
    expect(await page.getByRole('contentinfo').textContent()).toMatch(/1 source/);
    await expect.poll(() => page.getByTestId('status-findings').textContent()).toMatch(/^[1-9]\d* errors/);
    await page.context().close();
  }, 120_000);

  test('pasted text is analysed like a file', async () => {
    const page = await h.newPage();
    const text = (await import('node:fs')).readFileSync(fixturePath('blog-parted-xvdb', 'blog.strace.txt'), 'utf8');
    await page.getByRole('button', { name: 'Paste' }).click();
    await page.getByRole('textbox', { name: 'trace text' }).fill(text);
    await page.getByRole('button', { name: 'Analyse' }).click();
    await waitReady(page);
    expect(await page.getByRole('contentinfo').textContent()).toMatch(/1 source/);
    await expect.poll(() => page.getByTestId('status-findings').textContent()).toMatch(/^[1-9]\d* errors/);
    await page.context().close();
  }, 120_000);

  test('per-CPU blktrace files are merged into one source', async () => {
    const page = await h.newPage();
    const bin = (await import('node:fs')).readFileSync(fixturePath('odirect-misaligned-dev', 'main.bin'));
    // Split the records of one capture over two "CPU" files, alternating.
    const parts: Buffer[][] = [[], []];
    for (let o = 0, k = 0; o + 48 <= bin.length; k++) {
      const len = 48 + bin.readUInt16LE(o + 46);
      parts[k % 2].push(bin.subarray(o, o + len));
      o += len;
    }
    await page.getByTestId('file-input').setInputFiles([
      { name: 'loop0.blktrace.0', mimeType: 'application/octet-stream', buffer: Buffer.concat(parts[0]) },
      { name: 'loop0.blktrace.1', mimeType: 'application/octet-stream', buffer: Buffer.concat(parts[1]) },
    ]);
    await waitReady(page);
    expect(await page.getByRole('contentinfo').textContent()).toMatch(/1 source/);
    expect(await page.getByTestId('status-block-events').textContent()).toBe('240 block events');
    await page.context().close();
  }, 120_000);
});

describe('load errors', () => {
  test('unrecognized input says what was tried; a corrupt trace keeps its events', async () => {
    const page = await h.newPage();
    const junk = Buffer.from('hello, this is not a trace\n'.repeat(5) + '\u0001\u0002'.repeat(3));
    const bin = (await import('node:fs')).readFileSync(fixturePath('odirect-misaligned-dev', 'main.bin'));
    // A bit flip in the magic of the 10th record: the parser resynchronises and reports where.
    const broken = Buffer.from(bin);
    let o = 0;
    for (let k = 0; k < 10; k++) o += 48 + broken.readUInt16LE(o + 46);
    broken[o + 2] ^= 0xff;
    await page.getByTestId('file-input').setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: junk },
      { name: 'broken.bin', mimeType: 'application/octet-stream', buffer: broken },
    ]);
    await waitReady(page);
    const alert = page.getByRole('alert', { name: 'load errors' });
    await expect.poll(() => alert.textContent()).toContain('notes.txt: unrecognized. no format recognised (tried');
    expect(await alert.textContent()).toMatch(/broken\.bin: corrupt at byte \d+: .*; \d+ events kept/);
    await h.screenshot(page, 'load-errors');
    await page.context().close();
  }, 120_000);
});

test('no request left the origin', () => {
  expect(h.requests.length).toBeGreaterThan(0);
  expect(h.offOrigin()).toEqual([]);
});
