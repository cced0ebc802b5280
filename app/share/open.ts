/**
 * Opening a shared report: from the page's `#report=` fragment (on load and
 * on hashchange) or from a dropped report file. Errors become one sentence in
 * the store, shown as text.
 */
import { useEffect } from 'react';
import { useAppStore } from '../state/appStore';
import { decodeReport, parseReportJson, reportPayload } from './codec';
import { ReportError } from './migrate';

function explain(e: unknown, what: string): string {
  const why = e instanceof ReportError ? e.message : 'it could not be read';
  return `${what} cannot be opened: ${why}. Nothing from it was shown or run.`;
}

/** Opens the report in `hash` if it is a `#report=` fragment; true when one was opened. */
export async function openReportFromHash(hash: string): Promise<boolean> {
  const payload = reportPayload(hash);
  if (payload === null) return false;
  const store = useAppStore.getState();
  try {
    store.openReport(await decodeReport(payload));
    return true;
  } catch (e) {
    useAppStore.setState({ report: null, sharedReport: true, analysis: null, reportError: explain(e, 'This shared report link') });
    return false;
  }
}

/** Opens report JSON text (a dropped or picked report file); true when it was a valid report. */
export function openReportText(text: string): boolean {
  try {
    useAppStore.getState().openReport(parseReportJson(text));
    return true;
  } catch (e) {
    useAppStore.getState().setReportError(explain(e, 'This report file'));
    return false;
  }
}

/** Watches the location fragment for shared reports (mounted once, by the findings view). */
export function useReportFragment(): void {
  useEffect(() => {
    const check = () => void openReportFromHash(window.location.hash);
    check();
    window.addEventListener('hashchange', check);
    return () => window.removeEventListener('hashchange', check);
  }, []);
}
