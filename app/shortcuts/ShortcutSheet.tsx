/**
 * Keyboard shortcuts and the `?` sheet that lists them. Keys typed into a
 * text field are left alone.
 */
import { useEffect, useState } from 'react';
import { useAppStore } from '../state/appStore';

export const SHORTCUTS: [string, string][] = [
  ['?', 'Show or hide this sheet'],
  ['o', 'Open trace files'],
  ['t', 'Switch theme (system, light, dark)'],
  ['W / S or ↑ / ↓', 'Timeline: zoom in / out (keyboard focus on the timeline)'],
  ['A / D or ← / →', 'Timeline: pan left / right'],
  ['0', 'Timeline: show everything'],
  ['Shift + drag', 'Timeline: brush a time range'],
  ['Wheel / drag', 'Timeline: zoom / pan'],
  ['Esc', 'Close dialogs, clear the brushed range'],
];

function typing(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null;
  return !!t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable);
}

export function useGlobalShortcuts(openFiles: () => void): [boolean, (v: boolean) => void] {
  const [sheet, setSheet] = useState(false);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === '?') {
        setSheet((v) => !v);
        e.preventDefault();
      } else if (e.key === 'Escape') {
        setSheet(false);
        useAppStore.getState().select({ timeRange: null });
      } else if (e.key === 'o') {
        openFiles();
      } else if (e.key === 't') {
        const s = useAppStore.getState();
        s.setTheme(s.theme === 'system' ? 'light' : s.theme === 'light' ? 'dark' : 'system');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openFiles]);
  return [sheet, setSheet];
}

export function ShortcutSheet({ onClose }: { onClose: () => void }) {
  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" onClick={(e) => e.stopPropagation()}>
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <td>
                  <kbd>{k}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p style={{ textAlign: 'right', margin: '12px 0 0' }}>
          <button type="button" onClick={onClose}>
            Close
          </button>
        </p>
      </div>
    </div>
  );
}
