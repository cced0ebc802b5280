/**
 * Light/dark: follows the system (prefers-color-scheme) unless the user
 * picks one; the choice is kept in localStorage (a setting, not trace data).
 */
import { useEffect } from 'react';
import { useAppStore, type ThemeSetting } from '../state/appStore';

const KEY = 'sectorscope.theme';

export function savedTheme(): ThemeSetting {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export function resolvedTheme(setting: ThemeSetting): 'light' | 'dark' {
  if (setting !== 'system') return setting;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Keeps <html data-theme> in step with the setting and the system. */
export function useThemeEffect(): void {
  const setting = useAppStore((s) => s.theme);
  useEffect(() => {
    const apply = () => {
      document.documentElement.dataset.theme = resolvedTheme(setting);
      window.dispatchEvent(new Event('sectorscope-theme'));
    };
    apply();
    try {
      if (setting === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, setting);
    } catch {
      /* storage may be disabled: the choice then lasts for this page only */
    }
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', apply);
    return () => mq.removeEventListener('change', apply);
  }, [setting]);
}

const NEXT: Record<ThemeSetting, ThemeSetting> = { system: 'light', light: 'dark', dark: 'system' };

export function ThemeToggle() {
  const setting = useAppStore((s) => s.theme);
  const setTheme = useAppStore((s) => s.setTheme);
  return (
    <button type="button" aria-label={`theme: ${setting}`} title="Theme (system → light → dark)" onClick={() => setTheme(NEXT[setting])}>
      {setting === 'system' ? '◐ System' : setting === 'light' ? '☀ Light' : '☾ Dark'}
    </button>
  );
}

/** Canvas code reads colours from the CSS variables of the current theme. */
export function cssColor(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}
