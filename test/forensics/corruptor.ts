/**
 * Corrupted-trace generator for acceptance tests of the forensics: takes a
 * real strace text whose reads' buffer addresses are known (`-e raw=`
 * pointers, iovec/iocb bases, or the program's own log lines), replays its
 * device I/O under a xen-blkfront variant against the stamped image at those
 * addresses, and writes the same strace text with only the returned data
 * strings replaced by the replayed bytes (same escaping style, same -s cut,
 * same line layout). Optionally (seeded) moves some buffers to other page
 * offsets first, rewriting the raw pointer or the log line that shows them.
 *
 * Grant-page bytes the replay cannot know (pages allocated before the trace)
 * are filled as if each page had last carried a 4 KiB-aligned read of a
 * seeded random place of the same image: a trace that starts mid-stream.
 *
 * The truth returned per shown 512-byte chunk: corrupted or not, and the
 * device sector (byte) its bytes came from.
 */
import { defaultConfig, type ReplayConfig, type Variant } from '../../engine/replay/config';
import { BufferDisk } from '../../engine/replay/disk';
import { replay, type OpReplay } from '../../engine/replay/replay';
import type { ProvenanceSource } from '../../engine/replay/types';
import { bufferAddresses, deviceSequences, opOf, type BufferAddress } from '../../engine/forensics/hypotheses';
import { extractIo, type IoRecord } from '../../engine/forensics/io';
import { parseBytes } from '../../parsers/parse';

export interface CorruptOptions {
  variant: Variant;
  /** The device content before the trace (the stamped image). */
  image: Uint8Array;
  seed?: number;
  /** Fraction of single-buffer reads (raw or log addresses) moved to a random page offset. */
  moveBuffers?: number;
  /** Addresses from outside the trace: expected-reads.tsv text (offset in column 3, len 5, buf 6). */
  addressTable?: string;
  config?: Partial<ReplayConfig>;
}

export interface TruthChunk {
  /** Line of the read's syscall (its first line) and the chunk's buffer range. */
  line: number;
  bufStart: number;
  bufEnd: number;
  lba: number;
  corrupted: boolean;
  /** Device sector and byte the chunk's bytes came from (null: zeros / unknown). */
  sourceLba: number | null;
  sourceByte: number | null;
}

export interface Corrupted {
  text: string;
  variant: Variant;
  truth: TruthChunk[];
  corruptedChunks: number;
  readsShown: number;
  moved: { line: number; from: number; to: number }[];
}

/** mulberry32: small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/* ------------------------------------------------------------ strace string literals */

export type Escaping = 'xx' | 'x' | 'octal';

/** The file's escaping: -xx prints printable bytes as \xHH too, -x only the others, default octal. */
export function detectEscaping(text: string): Escaping {
  if (/\\x(2[0-9a-f]|[3-6][0-9a-f]|7[0-9a-e])/.test(text)) return 'xx';
  if (/\\x[0-9a-f]{2}/.test(text)) return 'x';
  return 'octal';
}

const C_ESC: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0c: '\\f', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x0b: '\\v' };
const hex2 = (c: number) => c.toString(16).padStart(2, '0');

/** strace's string_quote (util.c) for bytes shown as a read's data. */
export function quoteBytes(b: Uint8Array, style: Escaping): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (style === 'xx') {
      s += `\\x${hex2(c)}`;
      continue;
    }
    const esc = C_ESC[c];
    if (esc) s += esc;
    else if (c >= 0x20 && c <= 0x7e) s += String.fromCharCode(c);
    else if (style === 'x') s += `\\x${hex2(c)}`;
    else {
      const next = i + 1 < b.length ? b[i + 1] : -1;
      if (next >= 0x30 && next <= 0x37) s += `\\${(c >> 6).toString()}${((c >> 3) & 7).toString()}${(c & 7).toString()}`;
      else s += `\\${c.toString(8)}`;
    }
  }
  return s;
}

/** Decodes a literal's body (between the quotes). */
export function unquote(body: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body.charCodeAt(i);
    if (ch !== 0x5c) {
      out.push(ch & 0xff);
      continue;
    }
    const e = body[++i];
    if (e === 'x') {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e >= '0' && e <= '7') {
      let j = i;
      while (j < i + 3 && body[j] >= '0' && body[j] <= '7') j++;
      out.push(parseInt(body.slice(i, j), 8) & 0xff);
      i = j - 1;
    } else out.push({ n: 10, t: 9, r: 13, f: 12, v: 11, a: 7, b: 8 }[e as 'n'] ?? e.charCodeAt(0));
  }
  return Uint8Array.from(out);
}

/** Index of the closing quote of the literal opening at `open`. */
function literalEnd(line: string, open: number): number {
  for (let i = open + 1; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') return i;
  }
  return -1;
}

/* ------------------------------------------------------------ locating a syscall's text */

/** The line (0-based index) holding the syscall's arguments after the buffer: the resumed line of an unfinished call. */
function dataLineIndex(lines: string[], r: IoRecord): number {
  const i = r.line - 1;
  if (!lines[i]?.includes('<unfinished ...>')) return i;
  const pid = /^(\d+)\s/.exec(lines[i])?.[1];
  const tag = `<... ${r.name} resumed>`;
  for (let j = i + 1; j < lines.length; j++) if (lines[j].includes(tag) && (!pid || lines[j].startsWith(`${pid} `))) return j;
  return i;
}

/** Openings of the data literals of a read line: one for read/pread64, one per iov_base for readv/preadv. */
function dataLiterals(line: string, name: string, vectored: boolean, fromResumed: boolean): number[] {
  const start = fromResumed ? line.indexOf('resumed>') + 8 : line.indexOf(`${name}(`) + name.length + 1;
  const out: number[] = [];
  if (!vectored) {
    const q = line.indexOf('"', start);
    if (q >= 0) out.push(q);
    return out;
  }
  let at = start;
  for (;;) {
    const k = line.indexOf('iov_base="', at);
    if (k < 0) return out;
    const q = k + 9;
    out.push(q);
    const e = literalEnd(line, q);
    if (e < 0) return out;
    at = e + 1;
  }
}

/* ------------------------------------------------------------ the generator */

function tableAddresses(table: string, records: IoRecord[], have: Map<number, BufferAddress>): void {
  const rows = table.trim().split('\n').slice(1).map((l) => l.split('\t'));
  const reads = records.filter((r) => r.op === 'read' && !have.has(r.id));
  const used = new Set<number>();
  for (const c of rows) {
    const off = Number(c[2]);
    const len = Number(c[4]);
    const buf = Number(c[5]);
    const r = reads.find((x) => !used.has(x.id) && x.offset === off && x.length === len);
    if (!r || !Number.isFinite(buf)) continue;
    used.add(r.id);
    have.set(r.id, { bufAddr: buf, how: 'log' });
  }
}

function sourceOf(src: ProvenanceSource, rel: number, fillBase: (g: number) => number, writeOffset: (op: number) => number): number | null {
  switch (src.kind) {
    case 'disk':
      return Math.floor((src.start + rel) / 512);
    case 'stale':
      if (src.content?.kind === 'disk') return Math.floor((src.content.start + rel) / 512);
      if (src.content?.kind === 'user') return Math.floor((writeOffset(src.content.opId) + src.content.bufStart + rel) / 512);
      return null;
    case 'never-written':
      return fillBase(src.grantPage) + Math.floor((src.pageStart + rel) / 512);
    default:
      return null;
  }
}

export function corruptStrace(text: string, name: string, opts: CorruptOptions): Corrupted {
  const seed = opts.seed ?? 1;
  const random = rng(seed);
  const source = parseBytes(name, new TextEncoder().encode(text));
  const records: IoRecord[] = [];
  extractIo(source, 0, records);
  const addresses = bufferAddresses([source], records);
  if (opts.addressTable) tableAddresses(opts.addressTable, records, addresses);
  const lines = text.split('\n');
  const style = detectEscaping(text);
  const moved: Corrupted['moved'] = [];
  const truth: TruthChunk[] = [];
  const sectors = Math.floor(opts.image.length / 512);
  const disk = new BufferDisk(opts.image);
  const bases = new Map<number, number>();
  const fillBase = (g: number) => {
    let b = bases.get(g);
    if (b === undefined) bases.set(g, (b = 8 * Math.floor(rng(seed * 7919 + g)() * Math.max(1, sectors / 8 - 1))));
    return b;
  };
  const unknownFill = (g: number, pageStart: number, len: number) => opts.image.slice(fillBase(g) * 512 + pageStart, fillBase(g) * 512 + pageStart + len);
  let readsShown = 0;

  for (const seq of deviceSequences(records, addresses, false)) {
    const addrs = seq.known.map((a, k) => {
      const r = seq.records[k];
      if (!a) throw new Error(`${name}: line ${r.line}: buffer address unknown (the generator needs every buffer address)`);
      if (r.op !== 'read' || a.iovecs || !(opts.moveBuffers && random() < opts.moveBuffers)) return a;
      if (a.how !== 'raw' && a.how !== 'log') return a;
      const to = Math.floor(random() * 8) * 512;
      const moved1: BufferAddress = { ...a, bufAddr: a.bufAddr - (a.bufAddr % 4096) + to };
      if (moved1.bufAddr === a.bufAddr) return a;
      rewriteAddress(lines, source.syscalls!, r, a, moved1.bufAddr, style);
      moved.push({ line: r.line, from: a.bufAddr % 4096, to });
      return moved1;
    });
    const ops = seq.records.map((r, k) => opOf(r, k, addrs[k], 0));
    const cfg = defaultConfig(opts.variant, opts.config ?? {});
    const outs: OpReplay[] = replay(ops, cfg, disk, { unknownFill }).ops;
    seq.records.forEach((r, k) => {
      const o = outs[k];
      if (r.op !== 'read' || !r.data || !o?.bytes || !(r.result > 0)) return;
      readsShown++;
      const fresh = o.bytes;
      replaceData(lines, r, fresh, addrs[k].iovecs, style);
      const writeOffset = (id: number) => seq.records[id]?.offset ?? 0;
      for (const run of o.provenance) {
        for (let b = run.bufStart; b < run.bufEnd && b < r.result; b += 512) {
          let vis = 0;
          for (const [s, e] of r.shown) if (b >= s && b < e) vis = Math.min(512, e - b, r.data.length - b);
          if (vis <= 0) continue;
          let corrupted = false;
          for (let i = 0; i < vis; i++) if (fresh[b + i] !== r.data[b + i]) corrupted = true;
          const src = sourceOf(run.source, b - run.bufStart, fillBase, writeOffset);
          truth.push({
            line: r.line,
            bufStart: b,
            bufEnd: b + vis,
            lba: Math.floor((r.offset + b) / 512),
            corrupted,
            sourceLba: src,
            sourceByte: src === null ? null : src * 512,
          });
        }
      }
    });
  }
  return { text: lines.join('\n'), variant: opts.variant, truth, corruptedChunks: truth.filter((t) => t.corrupted).length, readsShown, moved };
}

/** Replaces the shown bytes of a read's data literal(s) with `fresh` (same lengths, same escaping). */
function replaceData(lines: string[], r: IoRecord, fresh: Uint8Array, iovecs: { base: number; len: number }[] | undefined, style: Escaping): void {
  const li = dataLineIndex(lines, r);
  let line = lines[li];
  const vectored = /readv/.test(r.name);
  const opens = dataLiterals(line, r.name, vectored, li !== r.line - 1);
  const lens = vectored ? (iovecs?.map((v) => v.len) ?? []) : [r.length];
  let at = 0;
  // Right to left so earlier openings stay valid.
  const pieces = opens.map((q, j) => {
    const start = at;
    at += lens[j] ?? 0;
    return { q, start };
  });
  for (const { q, start } of pieces.reverse()) {
    const e = literalEnd(line, q);
    if (e < 0) continue;
    const n = unquote(line.slice(q + 1, e)).length;
    line = line.slice(0, q + 1) + quoteBytes(fresh.subarray(start, start + n), style) + line.slice(e);
  }
  lines[li] = line;
}

/** Moves a buffer: the raw pointer argument of the read, or `buf=`/`pageoff=` of its log line (with the write's count). */
function rewriteAddress(lines: string[], st: NonNullable<ReturnType<typeof parseBytes>['syscalls']>, r: IoRecord, a: BufferAddress, to: number, style: Escaping): void {
  const hexTo = `0x${to.toString(16)}`;
  if (a.how === 'raw') {
    const i = r.line - 1;
    const open = lines[i].indexOf(`${r.name}(`) + r.name.length + 1;
    const c1 = lines[i].indexOf(', ', open);
    const c2 = lines[i].indexOf(',', c1 + 2);
    lines[i] = lines[i].slice(0, c1 + 2) + hexTo + lines[i].slice(c2);
    return;
  }
  if (a.logRow === undefined) return;
  const i = st.line[a.logRow] - 1;
  const line = lines[i];
  const q = line.indexOf('"');
  const e = literalEnd(line, q);
  const old = new TextDecoder('latin1').decode(unquote(line.slice(q + 1, e)));
  const from = `0x${a.bufAddr.toString(16)}`;
  const neu = old
    .split('\n')
    .map((l) => (l.includes(`buf=${from}`) && l.includes(`off=${r.offset}`) ? l.replace(`buf=${from}`, `buf=${hexTo}`).replace(/pageoff=\d+/, `pageoff=${to % 4096}`) : l))
    .join('\n');
  const bytes = Uint8Array.from(neu, (c) => c.charCodeAt(0));
  const tail = line.slice(e + 1).replace(/^, (\d+)\)(\s*=\s*)(\d+)/, (_m, _n, eq, res) => `, ${bytes.length})${eq}${Number(res) === Number(_n) ? bytes.length : res}`);
  lines[i] = `${line.slice(0, q + 1)}${quoteBytes(bytes, style)}"${tail}`;
}

/* ------------------------------------------------------------ synthetic captures */

export interface SyntheticRead {
  offset: number;
  /** One buffer (`len`) or iovecs; page offsets in 0..4095 of distinct pages. */
  iovecs: { pageOffset: number; len: number }[];
}

/** `LBA=%08u:%02u\n` × 32 per sector (fixture-programs/mkstamp.c) for `sectors` sectors. */
export function stampedImage(sectors: number): Uint8Array {
  const out = new Uint8Array(sectors * 512);
  for (let s = 0; s < sectors; s++) {
    for (let k = 0; k < 32; k++) {
      const u = `LBA=${String(s).padStart(8, '0')}:${String(k).padStart(2, '0')}\n`;
      for (let i = 0; i < 16; i++) out[s * 512 + k * 16 + i] = u.charCodeAt(i);
    }
  }
  return out;
}

/**
 * A clean strace capture (`strace -tt -T -y -xx -s LIMIT`, dio.c-style log line before each read) of
 * O_DIRECT reads of a stamped device: what the real kernel returns. Feed it to corruptStrace.
 */
export function syntheticCapture(image: Uint8Array, reads: SyntheticRead[], limit = 65536, dev = '/dev/xvdb'): string {
  const hx = (s: string) => quoteBytes(new TextEncoder().encode(s), 'xx');
  const path = `<${hx(dev)}>`;
  const lines: string[] = [];
  let us = 0;
  const ts = () => {
    us += 37;
    return `12:00:${String(Math.floor(us / 1e6)).padStart(2, '0')}.${String(us % 1e6).padStart(6, '0')}`;
  };
  lines.push(`${ts()} openat(AT_FDCWD, "${hx(dev)}", O_RDONLY|O_DIRECT) = 3${path} <0.000010>`);
  const arena = 0x7ffff7900000;
  reads.forEach((r, n) => {
    const bases = r.iovecs.map((v, j) => arena + (n * 8 + j * 2) * 4096 + v.pageOffset);
    const len = r.iovecs.reduce((s, v) => s + v.len, 0);
    const what = r.iovecs.length === 1 ? `buf=0x${bases[0].toString(16)} pageoff=${r.iovecs[0].pageOffset}` : `iov=[${r.iovecs.map((v, j) => `{0x${bases[j].toString(16)},${v.len},pageoff=${v.pageOffset}}`).join(',')}]`;
    const log = `op#${String(n).padStart(3, '0')} ${r.iovecs.length === 1 ? 'pread64' : 'preadv'} fd=3 off=${r.offset} len=${len} ${what}\n`;
    lines.push(`${ts()} write(2${`<${hx('/dev/pts/0')}>`}, "${hx(log)}", ${log.length}) = ${log.length} <0.000008>`);
    const data = image.subarray(r.offset, r.offset + len);
    const lit = (b: Uint8Array) => `"${quoteBytes(b.subarray(0, Math.min(limit, b.length)), 'xx')}"${b.length > limit ? '...' : ''}`;
    if (r.iovecs.length === 1) {
      lines.push(`${ts()} pread64(3${path}, ${lit(data)}, ${len}, ${r.offset}) = ${len} <0.000100>`);
    } else {
      let at = 0;
      const items = r.iovecs.map((v) => {
        const s = `{iov_base=${lit(data.subarray(at, at + v.len))}, iov_len=${v.len}}`;
        at += v.len;
        return s;
      });
      lines.push(`${ts()} preadv(3${path}, [${items.join(', ')}], ${r.iovecs.length}, ${r.offset}) = ${len} <0.000100>`);
    }
  });
  lines.push(`${ts()} close(3${path}) = 0 <0.000005>`);
  return lines.join('\n') + '\n';
}
