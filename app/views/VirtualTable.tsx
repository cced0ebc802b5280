/**
 * A virtualized table: fixed row height, only the rows in view (plus a
 * margin) exist in the DOM, so a million requests cost a few dozen rows.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';

export interface Column {
  key: string;
  label: string;
  num?: boolean;
  width?: number;
}

export const ROW_H = 21;

export function VirtualTable(props: {
  label: string;
  columns: Column[];
  rowCount: number;
  cell: (row: number, col: string) => ReactNode;
  selected?: number | null;
  onSelect?: (row: number) => void;
  rowClass?: (row: number) => string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(400);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(top / ROW_H) - 10);
  const last = Math.min(props.rowCount, Math.ceil((top + height) / ROW_H) + 10);
  const rows: number[] = [];
  for (let i = first; i < last; i++) rows.push(i);
  return (
    <div className="panel-body" ref={box} onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}>
      <table className="grid" aria-label={props.label} aria-rowcount={props.rowCount + 1}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.key} className={c.num ? 'num' : undefined} style={c.width ? { width: c.width } : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {first > 0 && <tr style={{ height: first * ROW_H }} aria-hidden="true" />}
          {rows.map((i) => (
            <tr
              key={i}
              aria-rowindex={i + 2}
              aria-selected={props.selected === i}
              className={props.rowClass?.(i)}
              style={{ height: ROW_H }}
              onClick={() => props.onSelect?.(i)}
            >
              {props.columns.map((c) => (
                <td key={c.key} className={c.num ? 'num' : undefined}>
                  {props.cell(i, c.key)}
                </td>
              ))}
            </tr>
          ))}
          {last < props.rowCount && <tr style={{ height: (props.rowCount - last) * ROW_H }} aria-hidden="true" />}
        </tbody>
      </table>
    </div>
  );
}
