/**
 * Export menu: the report file (versioned JSON), CSV of findings, reads and
 * requests, and PNG/SVG of the timeline, the sector diff and the anatomy.
 */
import { useAppStore } from '../state/appStore';
import { currentReport } from '../share/ShareControls';
import { viewDataOf } from '../share/viewData';
import { findingsCsv, readsCsv, requestsCsv } from './csv';
import { download, stem } from './download';
import { anatomySvg, findCanvas, saveSvg, savePng, SECTOR_DIFF_CANVAS, sectorDiffSvg, TIMELINE_CANVAS, timelineSvg } from './image';
import { saveReportFile } from './reportFile';

function csv(text: string, name: string): void {
  download(new Blob([text], { type: 'text/csv' }), name);
}

export function ExportMenu() {
  const hasData = useAppStore((s) => s.analysis !== null || s.report !== null);
  if (!hasData) return null;
  const s = () => useAppStore.getState();
  const base = () => stem(s().sources.map((x) => x.summary.name).concat(s().report?.sources.map((x) => x.name) ?? []));
  const data = () => viewDataOf(s().analysis, s().report)!;
  const readMap = () => (s().selection.readId === null ? null : data().readMap(s().selection.readId!));
  const items: { label: string; run: () => void; enabled: () => boolean }[] = [
    { label: 'Report (JSON)', run: () => saveReportFile(currentReport()!), enabled: () => true },
    { label: 'Findings (CSV)', run: () => csv(findingsCsv(data().findings), `${base()}-findings.csv`), enabled: () => true },
    { label: 'Reads (CSV)', run: () => csv(readsCsv(data()), `${base()}-reads.csv`), enabled: () => true },
    { label: 'Requests (CSV)', run: () => csv(requestsCsv(s().analysis!), `${base()}-requests.csv`), enabled: () => s().analysis !== null },
    { label: 'Sector diff (PNG)', run: () => void savePng(findCanvas(SECTOR_DIFF_CANVAS)!, `${base()}-sector-diff.png`), enabled: () => findCanvas(SECTOR_DIFF_CANVAS) !== null },
    { label: 'Sector diff (SVG)', run: () => saveSvg(sectorDiffSvg(readMap()!), `${base()}-sector-diff.svg`), enabled: () => readMap() !== null },
    { label: 'Timeline (PNG)', run: () => void savePng(findCanvas(TIMELINE_CANVAS)!, `${base()}-timeline.png`), enabled: () => findCanvas(TIMELINE_CANVAS) !== null },
    { label: 'Timeline (SVG)', run: () => saveSvg(timelineSvg(s().timeline!), `${base()}-timeline.svg`), enabled: () => s().timeline !== null },
    { label: 'Anatomy (SVG)', run: () => saveSvg(anatomySvg()!, `${base()}-anatomy.svg`), enabled: () => document.querySelector('svg[data-export="anatomy"]') !== null },
  ];
  return (
    <details className="export-menu">
      <summary>Export</summary>
      <div role="menu" aria-label="export" className="export-items">
        {items.map((it) => (
          <button key={it.label} type="button" role="menuitem" onClick={() => (it.enabled() ? it.run() : undefined)}>
            {it.label}
          </button>
        ))}
      </div>
    </details>
  );
}
