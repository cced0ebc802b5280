/** Saves a Blob as a file through a temporary object URL (never leaves the machine). */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name stem from the loaded sources ("blog.strace" → "blog.strace-findings.csv"). */
export function stem(names: string[]): string {
  const first = names[0] ?? 'sectorscope';
  const base = first.replace(/\.(gz|xz)$/i, '').replace(/\.(txt|log|bin|img)$/i, '');
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60) || 'sectorscope';
}
