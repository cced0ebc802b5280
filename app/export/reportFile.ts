/**
 * The report file: the same versioned JSON a share link carries (schema
 * "sectorscope-report", version), all findings, pretty-printed. Dropping it
 * back on the page opens it read-only: CORE's loader calls
 * `loadReportFile(text)` for a dropped file that `looksLikeReport` accepts.
 */
import { openReportText } from '../share/open';
import { REPORT_SCHEMA, type Report } from '../share/report';
import { download, stem } from './download';

export const REPORT_FILE_SUFFIX = '.sectorscope.json';

export function reportFileText(report: Report): string {
  return `${JSON.stringify(report, null, 1)}\n`;
}

export function saveReportFile(report: Report): void {
  const name = `${stem(report.sources.map((s) => s.name))}${REPORT_FILE_SUFFIX}`;
  download(new Blob([reportFileText(report)], { type: 'application/json' }), name);
}

/** True when the first bytes of a file look like a report (cheap sniff before reading it whole). */
export function looksLikeReport(head: string): boolean {
  return /^\s*\{/.test(head) && head.includes(`"${REPORT_SCHEMA}"`);
}

/** Validates and opens a report file's text; false (with the reason in the store) when it is not a valid report. */
export function loadReportFile(text: string): boolean {
  return openReportText(text);
}
