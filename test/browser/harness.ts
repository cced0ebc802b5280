/**
 * Browser-test harness: builds the app once (`vite build` into a cache
 * directory keyed by the sources' content), serves it from a tiny static
 * HTTP server on 127.0.0.1 (random port), and drives the system Chromium
 * through playwright-core. Every request of every page, worker and frame is
 * recorded; `assertSameOrigin()` fails when one left the page's origin
 * (acceptance 5: no byte of a trace leaves the machine).
 *
 * Usage:
 *   const h = await startHarness();            // beforeAll (build + server + browser)
 *   const page = await h.newPage();            // fresh context, requests recorded
 *   await h.upload(page, [fixturePath(...)]);  // through the file input
 *   await h.screenshot(page, 'odirect-loaded');// test-output/screenshots/odirect-loaded.png
 *   h.assertSameOrigin();                      // afterAll (also done by close())
 *   await h.close();
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT } from '../helpers/fixtures';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(PROJECT, 'test-output', 'screenshots');
const BUILD_CACHE = join(PROJECT, 'test-output', 'browser-dist');

/** Flags from the UI contract: no GPU, no background traffic of the browser itself. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Inputs of the bundle: a change to any of them rebuilds. */
const BUILD_INPUTS = ['app', 'parsers', 'engine', 'public', 'index.html', 'vite.config.ts', 'package.json', 'tsconfig.json'];

function hashInputs(): string {
  const h = createHash('sha256');
  const visit = (p: string): void => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) visit(join(p, name));
      return;
    }
    h.update(p.slice(PROJECT.length));
    h.update(readFileSync(p));
  };
  for (const i of BUILD_INPUTS) visit(join(PROJECT, i));
  return h.digest('hex').slice(0, 16);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Builds the app into test-output/browser-dist/<hash>/ unless that build
 * exists. Test files run in parallel processes: the first takes a directory
 * lock (mkdir is atomic) and builds; the others wait for its marker file.
 */
export async function buildApp(): Promise<string> {
  const key = hashInputs();
  const out = join(BUILD_CACHE, key);
  const done = join(out, '.complete');
  if (existsSync(done)) return out;
  mkdirSync(BUILD_CACHE, { recursive: true });
  const lock = join(BUILD_CACHE, `${key}.lock`);
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(done)) return out;
      // A lock older than the deadline belongs to a killed run.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for another process to build ${out}`);
      await sleep(500);
    }
  }
  try {
    if (existsSync(done)) return out;
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const vite = join(PROJECT, 'node_modules', 'vite', 'bin', 'vite.js');
    const r = spawnSync(process.execPath, [vite, 'build', '--outDir', tmp, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: PROJECT,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (r.status !== 0) throw new Error(`vite build failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
    writeFileSync(join(tmp, '.complete'), key);
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    return out;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Static file server for `root`; paths outside it are 404. */
export function serveStatic(root: string): Promise<{ server: Server; origin: string }> {
  const base = resolve(root);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let path = normalize(join(base, decodeURIComponent(url.pathname)));
    if (path !== base && !path.startsWith(base + sep)) {
      res.writeHead(404).end();
      return;
    }
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'index.html');
    if (!existsSync(path)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(path)] ?? 'application/octet-stream',
      'content-length': statSync(path).size,
      'cache-control': 'no-store',
    });
    createReadStream(path).pipe(res);
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      ok({ server, origin: `http://127.0.0.1:${port}` });
    }),
  );
}

export interface RecordedRequest {
  url: string;
  method: string;
  /** Page URL that issued it (for the error message). */
  page: string;
}

export interface Harness {
  browser: Browser;
  /** http://127.0.0.1:<port> of the served build. */
  origin: string;
  /** Every request seen, in order. */
  requests: RecordedRequest[];
  /** Requests whose origin is neither the page's nor data:/blob:. */
  offOrigin(): RecordedRequest[];
  /** Throws when a request left the origin. */
  assertSameOrigin(): void;
  /** A fresh browser context (no storage) with request recording. */
  newContext(opts?: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } }): Promise<BrowserContext>;
  /** A page in a fresh context, opened at `origin + path` (default "/"), the app mounted. */
  newPage(opts?: { path?: string; colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } }): Promise<Page>;
  /** Sets files on the app's file input (`data-testid=file-input`). */
  upload(page: Page, paths: string[]): Promise<void>;
  /** Saves test-output/screenshots/<name>.png; returns its path. */
  screenshot(page: Page, name: string, opts?: { fullPage?: boolean }): Promise<string>;
  /** Console errors and page errors seen (uncaught exceptions fail tests that check them). */
  pageErrors: string[];
  close(): Promise<void>;
}

function isLocal(url: string, origin: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

export async function startHarness(): Promise<Harness> {
  const root = await buildApp();
  const { server, origin } = await serveStatic(root);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const requests: RecordedRequest[] = [];
  const pageErrors: string[] = [];
  const contexts: BrowserContext[] = [];

  const newContext: Harness['newContext'] = async (opts = {}) => {
    const ctx = await browser.newContext({
      viewport: opts.viewport ?? { width: 1600, height: 1000 },
      colorScheme: opts.colorScheme ?? 'light',
      acceptDownloads: true,
    });
    contexts.push(ctx);
    // Context-level events include requests of workers and frames.
    ctx.on('request', (r) => {
      const frame = (() => {
        try {
          return r.frame().url();
        } catch {
          return '(worker)';
        }
      })();
      requests.push({ url: r.url(), method: r.method(), page: frame });
    });
    // Anything off-origin is also refused, so that a leak cannot succeed while the test runs.
    await ctx.route(
      (url) => !isLocal(url.toString(), origin),
      (route) => route.abort('blockedbyclient'),
    );
    ctx.on('page', (p) => {
      p.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    });
    return ctx;
  };

  const h: Harness = {
    browser,
    origin,
    requests,
    pageErrors,
    offOrigin: () => requests.filter((r) => !isLocal(r.url, origin)),
    assertSameOrigin() {
      const off = h.offOrigin();
      if (off.length) throw new Error(`requests outside ${origin}:\n${off.map((r) => `${r.method} ${r.url} (from ${r.page})`).join('\n')}`);
    },
    newContext,
    async newPage(opts = {}) {
      const ctx = await newContext(opts);
      const page = await ctx.newPage();
      await page.goto(origin + (opts.path ?? '/'));
      await page.getByRole('banner').waitFor({ timeout: 30_000 });
      return page;
    },
    async upload(page, paths) {
      await page.getByTestId('file-input').setInputFiles(paths);
    },
    async screenshot(page, name, opts = {}) {
      mkdirSync(SCREENSHOTS, { recursive: true });
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path, fullPage: opts.fullPage ?? false });
      return path;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await new Promise<void>((ok) => server.close(() => ok()));
      h.assertSameOrigin();
    },
  };
  return h;
}
