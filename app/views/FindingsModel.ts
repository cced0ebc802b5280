/**
 * Filtering and sorting of the expert-info list (plain functions: the view
 * only renders their result). Sorting is stable and keeps the analysis'
 * order (most severe first, then by read line) as the final tie-break.
 */
import { SEVERITY_RANK, type Finding, type FindingSeverity } from '../../engine/forensics/findings';

export type SortKey = 'severity' | 'line' | 'lba' | 'kind';
export const SEVERITIES: readonly FindingSeverity[] = ['error', 'warning', 'note', 'chat'];

export interface FindingsFilter {
  severities: Record<FindingSeverity, boolean>;
  /** '' = every kind. */
  kind: string;
  /** Case-insensitive text searched in summary, kind, read name and source. */
  text: string;
}

export const ALL_SEVERITIES: Record<FindingSeverity, boolean> = { error: true, warning: true, note: true, chat: true };

export function lbaText(f: Finding): string {
  if (!f.lbaRange) return '';
  const [a, b] = f.lbaRange;
  return a === b ? String(a) : `${a}–${b}`;
}

export function readText(f: Finding): string {
  return f.read ? `${f.read.name} @${f.read.offset} +${f.read.length} (line ${f.read.line})` : '';
}

export function filterFindings(list: readonly Finding[], filter: FindingsFilter): Finding[] {
  const q = filter.text.trim().toLowerCase();
  return list.filter((f) => {
    if (!filter.severities[f.severity]) return false;
    if (filter.kind && f.kind !== filter.kind) return false;
    if (!q) return true;
    return (
      f.summary.toLowerCase().includes(q) ||
      f.kind.includes(q) ||
      (f.read ? `${f.read.source} ${f.read.name} line ${f.read.line}`.toLowerCase().includes(q) : false) ||
      lbaText(f).includes(q)
    );
  });
}

export function sortFindings(list: Finding[], key: SortKey, descending: boolean): Finding[] {
  const index = new Map(list.map((f, i) => [f, i]));
  const cmp = (a: Finding, b: Finding): number => {
    switch (key) {
      case 'severity':
        return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity];
      case 'line':
        return (a.read?.line ?? Infinity) - (b.read?.line ?? Infinity);
      case 'lba':
        return (a.lbaRange?.[0] ?? Infinity) - (b.lbaRange?.[0] ?? Infinity);
      default:
        return a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0;
    }
  };
  const sign = descending ? -1 : 1;
  return [...list].sort((a, b) => sign * cmp(a, b) || index.get(a)! - index.get(b)!);
}

export function countBySeverity(list: readonly Finding[]): Record<FindingSeverity, number> {
  const out: Record<FindingSeverity, number> = { error: 0, warning: 0, note: 0, chat: 0 };
  for (const f of list) out[f.severity]++;
  return out;
}
