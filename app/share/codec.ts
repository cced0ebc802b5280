/**
 * Report ⇄ URL fragment: JSON, deflate-raw (CompressionStream, RFC 1951),
 * base64url without padding (RFC 4648 §5), after `#report=`. The fragment
 * never reaches a server (browsers do not send it), so opening a link sends
 * nothing about the report anywhere.
 */
import { migrate, ReportError } from './migrate';
import type { Report } from './report';

export const FRAGMENT_KEY = 'report=';
/** Inflated size refused beyond this (a deflate bomb in a link stays harmless). */
export const MAX_INFLATED = 32 * 1024 * 1024;

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict decoding: any character outside the base64url alphabet, or an impossible length, is an error. */
export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new ReportError('the link is damaged: it contains characters that base64url does not use');
  if (text.length % 4 === 1) throw new ReportError('the link is damaged: its length is not a possible base64url length (truncated?)');
  const std = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(std);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const writer = stream.writable.getWriter();
  const done = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close());
  done.catch(() => undefined);
  const reader = stream.readable.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new ReportError(`the report inflates beyond ${limit} bytes; refused`);
    }
    parts.push(value);
  }
  await done;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function deflateRaw(bytes: Uint8Array): Promise<Uint8Array> {
  return pipe(bytes, new CompressionStream('deflate-raw'), Number.MAX_SAFE_INTEGER);
}

export async function inflateRaw(bytes: Uint8Array, limit = MAX_INFLATED): Promise<Uint8Array> {
  try {
    return await pipe(bytes, new DecompressionStream('deflate-raw'), limit);
  } catch (e) {
    if (e instanceof ReportError) throw e;
    throw new ReportError('the link is damaged: its compressed data is truncated or altered');
  }
}

/** The fragment payload (without `#report=`). */
export async function encodeReport(report: Report): Promise<string> {
  const json = JSON.stringify(report);
  return toBase64Url(await deflateRaw(new TextEncoder().encode(json)));
}

/** Parses report JSON text (a link payload after inflation, or a dropped report file). */
export function parseReportJson(text: string): Report {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ReportError('the report is not valid JSON (truncated or altered)');
  }
  return migrate(doc);
}

export async function decodeReport(payload: string): Promise<Report> {
  if (payload.length === 0) throw new ReportError('the link carries an empty report');
  const bytes = await inflateRaw(fromBase64Url(payload));
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ReportError('the link is damaged: the report is not UTF-8 text');
  }
  return parseReportJson(text);
}

/** The payload of a location hash `#report=…`, or null when the hash is something else. */
export function reportPayload(hash: string): string | null {
  const h = hash.startsWith('#') ? hash.slice(1) : hash;
  return h.startsWith(FRAGMENT_KEY) ? h.slice(FRAGMENT_KEY.length) : null;
}
