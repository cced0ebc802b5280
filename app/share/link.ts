/**
 * Share links and their size rules: a one-finding link fits 2,000
 * characters (what chat tools and older browsers keep intact); any link above
 * 64k characters gets a warning and the report file is offered instead.
 */
import { encodeReport, FRAGMENT_KEY } from './codec';
import type { Report } from './report';

export const ONE_FINDING_LIMIT = 2000;
export const WARN_LIMIT = 64_000;

export interface ShareLink {
  url: string;
  report: Report;
  /** Above WARN_LIMIT: the link may not survive; offer the report file. */
  tooLong: boolean;
}

/** Page address without any fragment (the link opens the same build). */
export function pageBase(href: string): string {
  const i = href.indexOf('#');
  return i < 0 ? href : href.slice(0, i);
}

export async function linkFor(report: Report, base: string): Promise<ShareLink> {
  const url = `${pageBase(base)}#${FRAGMENT_KEY}${await encodeReport(report)}`;
  return { url, report, tooLong: url.length > WARN_LIMIT };
}

/**
 * The first of `candidates` (richest first) whose link fits `limit`; the
 * last candidate when none does (then `tooLong` tells whether it is beyond
 * the warning size, and the caller reports the actual length).
 */
export async function fittingLink(candidates: Report[], base: string, limit = ONE_FINDING_LIMIT): Promise<ShareLink & { fits: boolean }> {
  let last: ShareLink | null = null;
  for (const r of candidates) {
    last = await linkFor(r, base);
    if (last.url.length <= limit) return { ...last, fits: true };
  }
  if (!last) throw new Error('no report to link');
  return { ...last, fits: false };
}
