/**
 * The page: header (load controls, progress, share/export, theme, ?),
 * Findings left, Sector diff + Anatomy centre, Requests / Xenstore tabs
 * right, Timeline along the bottom, a status line. Drop works anywhere.
 */
import { useCallback, useEffect, useState } from 'react';
import { ExportMenu } from './export/ExportMenu';
import { filesFromDrop } from './load/collect';
import { EmptyState } from './load/EmptyState';
import { LoadControls, LoadErrors, LoadProgressBar, openFiles, pickFiles } from './load/LoadControls';
import { getWorker } from './load/loader';
import { loadFromUrls, srcUrls } from './load/srcFragment';
import { ShareControls } from './share/ShareControls';
import { ShortcutSheet, useGlobalShortcuts } from './shortcuts/ShortcutSheet';
import { useAppStore } from './state/appStore';
import { ThemeToggle, useThemeEffect } from './theme/theme';
import { AnatomyView } from './views/AnatomyView';
import { FindingsView } from './views/FindingsView';
import { RequestsView } from './views/RequestsView';
import { countVerified, readRows } from './views/requestsModel';
import { SectorDiffView } from './views/SectorDiffView';
import { Timeline } from './views/Timeline';
import { XenstoreView } from './views/XenstoreView';

function StatusBar() {
  const sources = useAppStore((s) => s.sources);
  const analysis = useAppStore((s) => s.analysis);
  const timeline = useAppStore((s) => s.timeline);
  const image = useAppStore((s) => s.image);
  const state = useAppStore((s) => s.loadState);
  const timings = useAppStore((s) => s.timings);
  const shared = useAppStore((s) => s.sharedReport);
  const rows = analysis ? readRows(analysis) : [];
  const f = analysis?.stats.findings;
  return (
    <footer className="statusbar" role="contentinfo" aria-label="status" data-load-state={state}>
      {shared && <span>Shared report (read-only, no traces)</span>}
      <span>
        <b>{sources.length}</b> source{sources.length === 1 ? '' : 's'}
      </span>
      {timeline && (
        <span data-testid="status-block-events">
          <b>{timeline.blockEvents.toLocaleString('en-US')}</b> block events
        </span>
      )}
      {analysis && (
        <span data-testid="status-reads">
          <b>{countVerified(rows)}</b> verified reads of {rows.length}
        </span>
      )}
      {f && (
        <span data-testid="status-findings">
          <b>{f.error}</b> errors · {f.warning} warnings · {f.note} notes
        </span>
      )}
      {image && (
        <span>
          image {image.name} ({image.sectors.toLocaleString('en-US')} sectors)
        </span>
      )}
      <span style={{ flex: 1 }} />
      <span title={Object.entries(timings).map(([k, v]) => `${k} ${v} ms`).join('\n')}>
        {state === 'analyzing' ? 'analysing…' : state === 'ready' ? `ready in ${timings.total ?? 0} ms` : state}
      </span>
    </footer>
  );
}

function SideTabs() {
  const [tab, setTab] = useState<'requests' | 'xenstore'>('requests');
  return (
    <section className="panel area-side" aria-label="requests and xenstore">
      <div className="panel-head tabs" role="tablist" style={{ padding: 0 }}>
        <button type="button" role="tab" id="tab-requests" aria-selected={tab === 'requests'} aria-controls="panel-side" onClick={() => setTab('requests')}>
          Requests
        </button>
        <button type="button" role="tab" id="tab-xenstore" aria-selected={tab === 'xenstore'} aria-controls="panel-side" onClick={() => setTab('xenstore')}>
          Xenstore
        </button>
      </div>
      <div id="panel-side" role="tabpanel" aria-labelledby={`tab-${tab}`} style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}>
        <h2 className="sr-only" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}>
          {tab === 'requests' ? 'Requests' : 'Xenstore'}
        </h2>
        {tab === 'requests' ? <RequestsView /> : <XenstoreView />}
      </div>
    </section>
  );
}

export function App() {
  useThemeEffect();
  const [sheet, setSheet] = useGlobalShortcuts(useCallback(pickFiles, []));
  const [dropping, setDropping] = useState(false);
  const hasData = useAppStore((s) => s.timeline !== null || s.analysis !== null || s.report !== null || s.loadState !== 'empty');

  useEffect(() => {
    getWorker();
    const urls = srcUrls(window.location.hash);
    if (urls.length) void loadFromUrls(urls).catch((e: unknown) => useAppStore.setState({ loadErrors: [{ kind: 'failed', file: '', message: String((e as Error).message ?? e) }] }));
  }, []);

  useEffect(() => {
    document.body.classList.toggle('dropping', dropping);
  }, [dropping]);

  return (
    <div
      className="app"
      onDragOver={(e) => {
        if (![...e.dataTransfer.types].includes('Files')) return;
        e.preventDefault();
        setDropping(true);
      }}
      onDragLeave={(e) => {
        if (e.relatedTarget === null) setDropping(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDropping(false);
        void filesFromDrop(e.dataTransfer).then((files) => openFiles(files));
      }}
      onPaste={(e) => {
        const t = e.target as HTMLElement;
        if (t.tagName === 'TEXTAREA' || t.tagName === 'INPUT') return;
        const files = [...e.clipboardData.files];
        const text = e.clipboardData.getData('text/plain');
        if (files.length) void openFiles(files);
        else if (text.trim()) void openFiles([new File([text], 'pasted.txt', { type: 'text/plain' })]);
      }}
    >
      <header className="app-header" role="banner">
        <h1>
          sector<span>scope</span>
        </h1>
        <LoadControls />
        <LoadProgressBar />
        <span className="spacer" />
        <ShareControls />
        <ExportMenu />
        <ThemeToggle />
        <button type="button" aria-label="keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={() => setSheet(true)}>
          ?
        </button>
      </header>
      <div style={{ minHeight: 0, display: 'flex', flexDirection: 'column' }}>
        <LoadErrors />
        {hasData ? (
          <main className="app-main" style={{ flex: 1 }}>
            <section className="panel area-findings" aria-label="findings panel">
              <FindingsView />
            </section>
            <div className="area-center">
              <section className="panel" aria-label="sector diff panel">
                <SectorDiffView />
              </section>
              <section className="panel" aria-label="anatomy panel">
                <AnatomyView />
              </section>
            </div>
            <SideTabs />
            <Timeline />
          </main>
        ) : (
          <main style={{ flex: 1 }}>
            <EmptyState />
          </main>
        )}
      </div>
      <StatusBar />
      {sheet && <ShortcutSheet onClose={() => setSheet(false)} />}
    </div>
  );
}
