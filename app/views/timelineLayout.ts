/**
 * Lane layout of the timeline: which rows exist, in which order, and their
 * pixel extent. Pure: from the columns and the canvas height.
 */
import { LANE_CLASS_LABELS, type TimelineColumns } from '../worker/protocol';

export const AXIS_H = 22;
export const LABEL_W = 150;
export const LANE_H = 16;
export const GROUP_GAP = 6;

export type Row =
  | { kind: 'syscalls'; y: number; h: number; label: string; set: number }
  | { kind: 'value'; y: number; h: number; label: string; set: number }
  | { kind: 'block'; y: number; h: number; label: string; set: number; lane: number; cls: number }
  | { kind: 'scatter'; y: number; h: number; label: string; set: number; device: string };

export function layoutRows(cols: TimelineColumns, height: number, values: { label: string }[] = []): Row[] {
  const rows: Row[] = [];
  let y = AXIS_H + 4;
  cols.syscalls.forEach((s, set) => {
    rows.push({ kind: 'syscalls', y, h: LANE_H + 4, label: short(s.source), set });
    y += LANE_H + 4 + 1;
  });
  values.forEach((v, set) => {
    rows.push({ kind: 'value', y, h: LANE_H, label: v.label, set });
    y += LANE_H + 1;
  });
  if (cols.syscalls.length || values.length) y += GROUP_GAP;
  cols.block.forEach((b, set) => {
    b.lanes.forEach((l, lane) => {
      rows.push({ kind: 'block', y, h: LANE_H, label: `${l.device} ${LANE_CLASS_LABELS[l.cls]}`, set, lane, cls: l.cls });
      y += LANE_H + 1;
    });
    y += GROUP_GAP;
  });
  // The rest of the height: sector vs time of the first block source's most active device.
  const first = cols.block[0];
  if (first && height - y > 60) {
    const dev = busiestDevice(cols);
    rows.push({ kind: 'scatter', y: y + 2, h: height - y - 8, label: `LBA × time ${dev}`, set: 0, device: dev });
  }
  return rows;
}

export function busiestDevice(cols: TimelineColumns): string {
  const b = cols.block[0];
  let best = '';
  let n = -1;
  for (const l of b?.lanes ?? []) if (l.timeNs.length > n) [best, n] = [l.device, l.timeNs.length];
  return best;
}

function short(name: string): string {
  const base = name.split('/').pop() ?? name;
  return base.length > 16 ? `${base.slice(0, 15)}…` : base;
}

/** Height the lanes want (for a scatter area of at least `scatter` px). */
export function wantedHeight(cols: TimelineColumns, scatter = 140): number {
  let y = AXIS_H + 4 + cols.syscalls.length * (LANE_H + 5);
  for (const b of cols.block) y += b.lanes.length * (LANE_H + 1) + GROUP_GAP;
  return y + scatter;
}
