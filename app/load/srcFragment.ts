/**
 * `#src=<url>[&src=<url>...]`: fetches trace files named in the fragment
 * (CORS permitting) and loads them as if dropped. The only fetches the page
 * makes are these, of URLs the user put there, plus the bundled demo.
 */
import { loadFiles } from './loader';

export function srcUrls(hash: string): string[] {
  if (!hash.startsWith('#')) return [];
  const params = new URLSearchParams(hash.slice(1));
  return params.getAll('src').filter((u) => /^(https?:|\.{0,2}\/)/.test(u) || !u.includes(':'));
}

export async function fetchAsFile(url: string): Promise<File> {
  const res = await fetch(url, { credentials: 'omit', referrerPolicy: 'no-referrer' });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  const name = decodeURIComponent(new URL(url, location.href).pathname.split('/').pop() || 'trace');
  return new File([await res.blob()], name);
}

export async function loadFromUrls(urls: string[]): Promise<void> {
  const files = await Promise.all(urls.map(fetchAsFile));
  loadFiles(files);
}

export const DEMO_FILES = ['demo/main.strace.txt', 'demo/main.bin', 'demo/stamped-8MiB.img.gz'];
export const BLOG_DEMO = ['demo/blog.strace.txt'];
