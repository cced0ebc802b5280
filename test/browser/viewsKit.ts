/** Small polling helpers for the views' browser tests (playwright-core has no expect). */
import type { Locator, Page } from 'playwright-core';

export async function waitText(loc: Locator, pattern: RegExp, timeout = 30_000): Promise<string> {
  const end = Date.now() + timeout;
  for (;;) {
    const last = (await loc.first().textContent({ timeout: Math.max(1000, end - Date.now()) }).catch(() => '')) ?? '';
    if (pattern.test(last)) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern} in: ${last.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The findings table row whose text matches. */
export function findingRow(page: Page, text: RegExp): Locator {
  return page.getByRole('table', { name: 'findings' }).getByRole('row').filter({ hasText: text });
}

export async function rowTexts(page: Page): Promise<string[]> {
  return page.getByRole('table', { name: 'findings' }).locator('tbody tr[aria-rowindex]').allTextContents();
}

/** Pixels of the sector-diff canvas as a data URL (to compare two renderings). */
export function sectorDiffPixels(page: Page): Promise<string> {
  return page.locator('canvas[data-export="sector-diff"]').evaluate((c) => (c as HTMLCanvasElement).toDataURL());
}
