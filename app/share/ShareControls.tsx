/**
 * "Copy link" (whole report) and "Link to this finding" (one finding, within
 * 2,000 characters). The link is also shown in a read-only field, since a
 * clipboard may be unavailable (permissions, headless browsers). Above 64k
 * characters the page warns and offers the report file instead.
 */
import { useState } from 'react';
import { useAppStore } from '../state/appStore';
import { saveReportFile } from '../export/reportFile';
import { buildReport, shrinkSteps, type BuildOptions } from './build';
import { fittingLink, linkFor, ONE_FINDING_LIMIT, WARN_LIMIT, type ShareLink } from './link';
import { useReportFragment } from './open';
import { knownPageOffset } from '../views/AnatomyWorkload';
import { hypothesisPageOffset } from '../views/AnatomyModel';
import type { Report } from './report';

interface Shown {
  link: ShareLink;
  note: string | null;
}

function currentOptions(): BuildOptions {
  const s = useAppStore.getState();
  return {
    selection: { readId: s.selection.readId, findingId: s.selection.findingId, chunk: s.selection.chunk },
    variant: s.variant,
    pageOffset: s.pageOffset,
    sources: s.sources.map((x) => ({ name: x.summary.name, format: x.summary.format })),
    pageOffsetOf: (r) => {
      const k = knownPageOffset(r);
      return k >= 0 ? k : (hypothesisPageOffset(s.analysis, r.id) ?? -1);
    },
  };
}

/** The whole current report (live analysis or the shared report on screen). */
export function currentReport(): Report | null {
  const s = useAppStore.getState();
  if (s.analysis) return buildReport(s.analysis, currentOptions());
  if (s.report) {
    return {
      ...s.report,
      selection: { readId: s.selection.readId, findingId: s.selection.findingId, chunk: s.selection.chunk },
      settings: { variant: s.variant, pageOffset: s.pageOffset },
    };
  }
  return null;
}

async function copy(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Header controls; also watches the page's `#report=` fragment (the header is always mounted). */
export function ShareControls() {
  useReportFragment();
  const findingId = useAppStore((s) => s.selection.findingId);
  const hasData = useAppStore((s) => s.analysis !== null || s.report !== null);
  const [shown, setShown] = useState<Shown | null>(null);
  const [busy, setBusy] = useState(false);

  const share = async (one: boolean) => {
    setBusy(true);
    try {
      const s = useAppStore.getState();
      let link: ShareLink;
      let note: string | null = null;
      if (one && findingId !== null && s.analysis) {
        const f = await fittingLink(shrinkSteps(s.analysis, { ...currentOptions(), findingIds: [findingId] }), window.location.href);
        link = f;
        if (!f.fits) note = `This one-finding link is ${f.url.length} characters, above ${ONE_FINDING_LIMIT}; some tools may cut it.`;
      } else if (one && findingId !== null && s.report) {
        const r = currentReport()!;
        link = await linkFor({ ...r, findings: r.findings.filter((x) => x.id === findingId) }, window.location.href);
      } else {
        const r = currentReport();
        if (!r) return;
        link = await linkFor(r, window.location.href);
      }
      if (link.tooLong) {
        note = `This link is ${link.url.length.toLocaleString('en')} characters long: links above ${WARN_LIMIT.toLocaleString('en')} characters are often cut by browsers, mail and chat tools. Save the report file and send that instead.`;
      }
      const copied = await copy(link.url);
      setShown({ link, note: note ?? (copied ? 'Link copied to the clipboard.' : 'Copy the link below.') });
    } finally {
      setBusy(false);
    }
  };

  if (!hasData) return null;
  return (
    <div className="share-controls" role="group" aria-label="share">
      <button type="button" onClick={() => void share(false)} disabled={busy}>
        Copy link
      </button>
      <button type="button" onClick={() => void share(true)} disabled={busy || findingId === null} title="A short link to the selected finding only">
        Link to this finding
      </button>
      {shown && (
        <div className="share-result">
          <p role="status" className={shown.link.tooLong ? 'share-warning' : undefined}>
            {shown.note}
          </p>
          {shown.link.tooLong && (
            <button type="button" onClick={() => saveReportFile(shown.link.report)}>
              Save report file
            </button>
          )}
          <input aria-label="share link" readOnly value={shown.link.url} onFocus={(e) => e.currentTarget.select()} />
          <span className="share-length">{shown.link.url.length} characters</span>
        </div>
      )}
    </div>
  );
}
