/**
 * Files from a drop (folders walked through the entries API), the file
 * picker, or pasted text. Report files (exported JSON) are told apart from
 * traces by a cheap sniff of their first bytes.
 */
import { looksLikeReport } from '../export/reportFile';

function readEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  // readEntries returns batches (Chromium: 100) until an empty one.
  return new Promise((ok) => {
    const next = () =>
      reader.readEntries(
        (batch) => {
          if (!batch.length) ok(all);
          else {
            all.push(...batch);
            next();
          }
        },
        () => ok(all),
      );
    next();
  });
}

async function walk(entry: FileSystemEntry, out: File[]): Promise<void> {
  if (entry.isFile) {
    const f = await new Promise<File | null>((ok) => (entry as FileSystemFileEntry).file(ok, () => ok(null)));
    if (f) out.push(f);
  } else if (entry.isDirectory) {
    for (const e of await readEntries(entry as FileSystemDirectoryEntry)) await walk(e, out);
  }
}

/** Every file of a drop, folders included. */
export async function filesFromDrop(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null)).filter((e): e is FileSystemEntry => e !== null);
  if (!entries.length) return [...dt.files];
  const out: File[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}

/** Pasted text as a file the worker can sniff like any other. */
export function fileFromText(text: string, name = 'pasted.txt'): File {
  return new File([text], name, { type: 'text/plain' });
}

/** A single report file among the inputs (opened read-only instead of analysed), else null. */
export async function reportText(files: File[]): Promise<string | null> {
  if (files.length !== 1 || files[0].size > 64 << 20) return null;
  const head = await files[0].slice(0, 4096).text();
  return looksLikeReport(head) ? files[0].text() : null;
}
