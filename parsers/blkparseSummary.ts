/**
 * blkparse's trailing statistics (blkparse.c show_device_and_cpu_stats /
 * dump_io_stats / show_process_stats) and their cross-check against the
 * events parsed from the same text.
 *
 * Layout, per traced device: one `CPU<n> (<dev>):` block per CPU that saw
 * events, a `Total (<dev>):` block when more than one CPU did, then
 * `Throughput (R/W): …`, `Events (<dev>): N entries`, `Skips: …`. With `-s`
 * per-process blocks `COMM (PID):` come first. Rows hold pairs
 * `Name: COUNT[, SIZE KiB]` separated by a TAB (often expanded to spaces in
 * copies). Numbers are printed by size_cnv(): `%'8Lu` (thousands grouping
 * in locales that have it) and, above 1,000,000, divided by 1000 per step
 * with a suffix K/M/G/P; sizes start at `K` (KiB) and step to `MiB` etc.
 *
 * Not a hot path (a few dozen lines per file), so regular expressions are fine here.
 */
import { Action } from './model/actions';
import type { BlockEventStore } from './model/blockEvents';
import { devKey, devName } from './model/blockEvents';
import { RW_DISCARD, RW_WRITE } from './model/rwbs';
import type { BlkparseSummary } from './model/source';

type Block = BlkparseSummary['blocks'][number];

/** A printed number: value before scaling and the size_cnv step (0 = unscaled, 1 = K …). */
interface Printed {
  num: number;
  step: number;
}

interface RawRow {
  count: Printed;
  kib: Printed | null;
}

interface RawBlock {
  block: Block;
  line: number;
  raw: Map<string, RawRow>;
  perProcess: boolean;
}

/** Row names dump_io_stats / dump_wait_stats print, in their two columns. */
const ROW_NAMES = new Set([
  'Reads Queued', 'Writes Queued', 'Read Dispatches', 'Write Dispatches', 'Reads Requeued', 'Writes Requeued',
  'Reads Completed', 'Writes Completed', 'Read Merges', 'Write Merges', 'Read depth', 'Write depth',
  'PC Reads Queued', 'PC Writes Queued', 'PC Read Disp.', 'PC Write Disp.', 'PC Reads Req.', 'PC Writes Req.',
  'PC Reads Compl.', 'PC Writes Compl.', 'IO unplugs', 'Timer unplugs',
  'Allocation wait', 'Dispatch wait', 'Completion wait',
]);

/** dump_wait_stats prints the same name in the read and the write column. */
const WAIT_ROWS = new Set(['Allocation wait', 'Dispatch wait', 'Completion wait']);

const SUFFIX = ['', 'K', 'M', 'G', 'P'];
const MAX_SUMMARY_LINE = 400;

const CPU_HEADER = /^CPU(\d+) \((.*)\):$/;
const TOTAL_HEADER = /^Total \((.*)\):$/;
const PROCESS_HEADER = /^(.+) \((\d+)(?:, \.\.\.)?\):$/;
/** `%'8Lu`: digits with optional thousands grouping (never a trailing comma). */
const NUM = String.raw`(\d+(?:,\d{3})*)`;
const EVENTS_LINE = new RegExp(String.raw`^Events \((.*)\): ${NUM}([KMGP]?) entries$`);
const ROW_PAIR = new RegExp(String.raw`([A-Z][A-Za-z.]*(?: [A-Za-z.]+)*):\s+${NUM}([KMGP]?)(?:,\s+${NUM}([KMGP])iB)?`, 'g');

function printedValue(p: Printed): number {
  return p.num * 1000 ** p.step;
}

/** Mirrors size_cnv(): the (number, step) blkparse would print for `num`. */
export function sizeCnv(num: number, inKb: boolean): Printed {
  let step = inKb ? 1 : 0;
  let n = num;
  while (n > 1000 * 1000 && step < SUFFIX.length - 1) {
    step++;
    n = Math.floor(n / 1000);
  }
  return { num: n, step: inKb ? step - 1 : step };
}

function showPrinted(p: Printed, kib: boolean): string {
  const suffix = kib ? `${SUFFIX[p.step + 1]}iB` : SUFFIX[p.step];
  return `${p.num}${suffix}`;
}

function parseGrouped(s: string): number {
  return Number(s.replace(/,/g, ''));
}

/** Per-CPU (or per-device total) counters, as blkparse's struct io_stats. Sizes kept as KiB + leftover bytes. */
class IoStats {
  q = [0, 0]; qKb = [0, 0]; qB = [0, 0];
  i = [0, 0]; iKb = [0, 0]; iB = [0, 0];
  rq = [0, 0];
  c = [0, 0]; cKb = [0, 0]; cB = [0, 0];
  m = [0, 0]; mKb = [0, 0]; mB = [0, 0];
  qPc = [0, 0]; qKbPc = [0, 0]; qBPc = [0, 0];
  iPc = [0, 0]; iKbPc = [0, 0]; iBPc = [0, 0];
  rqPc = [0, 0];
  cPc = [0, 0];
  ioUnplugs = 0;
  timerUnplugs = 0;

  add(o: IoStats): void {
    for (const k of Object.keys(this) as (keyof IoStats)[]) {
      const a = this[k];
      const b = o[k];
      if (Array.isArray(a) && Array.isArray(b)) {
        a[0] += b[0];
        a[1] += b[1];
      }
    }
    this.ioUnplugs += o.ioUnplugs;
    this.timerUnplugs += o.timerUnplugs;
  }

  /** The value of a printed row, as (count, KiB) the way dump_io_stats computes them. */
  row(name: string): [number, number | null] | undefined {
    const kb = (k: number[], b: number[], w: number): number => k[w] + Math.floor(b[w] / 1024);
    switch (name) {
      case 'Reads Queued': return [this.q[0], kb(this.qKb, this.qB, 0)];
      case 'Writes Queued': return [this.q[1], kb(this.qKb, this.qB, 1)];
      case 'Read Dispatches': return [this.i[0], kb(this.iKb, this.iB, 0)];
      case 'Write Dispatches': return [this.i[1], kb(this.iKb, this.iB, 1)];
      case 'Reads Requeued': return [this.rq[0], null];
      case 'Writes Requeued': return [this.rq[1], null];
      case 'Reads Completed': return [this.c[0], kb(this.cKb, this.cB, 0)];
      case 'Writes Completed': return [this.c[1], kb(this.cKb, this.cB, 1)];
      case 'Read Merges': return [this.m[0], kb(this.mKb, this.mB, 0)];
      case 'Write Merges': return [this.m[1], kb(this.mKb, this.mB, 1)];
      case 'PC Reads Queued': return [this.qPc[0], kb(this.qKbPc, this.qBPc, 0)];
      case 'PC Writes Queued': return [this.qPc[1], kb(this.qKbPc, this.qBPc, 1)];
      case 'PC Read Disp.': return [this.iPc[0], kb(this.iKbPc, this.iBPc, 0)];
      case 'PC Write Disp.': return [this.iPc[1], kb(this.iKbPc, this.iBPc, 1)];
      case 'PC Reads Req.': return [this.rqPc[0], null];
      case 'PC Writes Req.': return [this.rqPc[1], null];
      case 'PC Reads Compl.': return [this.cPc[0], null];
      case 'PC Writes Compl.': return [this.cPc[1], null];
      case 'IO unplugs': return [this.ioUnplugs, null];
      case 'Timer unplugs': return [this.timerUnplugs, null];
      default: return undefined;
    }
  }
}

/** What the events of one device add up to. */
interface DeviceStats {
  cpus: Map<number, IoStats>;
  total: IoStats;
  /** Text lines printed with this device in the header (A lines carry the remap target, see below). */
  events: number;
  maxDepth: [number, number];
}

/**
 * Replays blkparse's accounting (dump_trace_fs / dump_trace_pc and the
 * account_* helpers) over the parsed events, in text order, which is the
 * order blkparse processed them.
 */
export function accountEvents(store: BlockEventStore, isPc: (event: number) => boolean, anyPc: boolean): Map<number, DeviceStats> {
  const out = new Map<number, DeviceStats>();
  const depth = new Map<number, [number, number]>();
  const n = store.length;
  /* Events come in runs of one device and CPU: remember the last lookups. */
  let lastDevIdx = -1;
  let lastCpu = -1;
  let dev: DeviceStats | undefined;
  let st: IoStats | undefined;
  let cur: [number, number] = [0, 0];
  for (let e = 0; e < n; e++) {
    const di = store.device[e];
    if (di !== lastDevIdx || !dev) {
      const key = store.devices[di];
      dev = out.get(key);
      if (!dev) {
        dev = { cpus: new Map(), total: new IoStats(), events: 0, maxDepth: [0, 0] };
        out.set(key, dev);
        depth.set(key, [0, 0]);
      }
      cur = depth.get(key)!;
      lastDevIdx = di;
      lastCpu = -1;
    }
    dev.events++;
    const act = store.action[e];
    if (act === Action.Message || act === Action.Remap || act === Action.Unknown) continue;
    const cpu = store.cpu[e];
    if (cpu !== lastCpu || !st) {
      st = dev.cpus.get(cpu);
      if (!st) {
        st = new IoStats();
        dev.cpus.set(cpu, st);
      }
      lastCpu = cpu;
    }
    const bits = store.rwbsBits[store.rwbs[e]];
    /* blkparse's `w` is the BLK_TC_WRITE bit; fill_rwbs prints D for discards (which
       op_is_write() marks as writes) and W otherwise; N and R are reads. */
    const w = bits & (RW_WRITE | RW_DISCARD) ? 1 : 0;
    const pc = anyPc && isPc(e);
    /* Only passthrough events carry an exact byte count; the rest print NSECT = bytes >> 9. */
    const bytes = pc ? store.bytes(e) : store.nSectors[e] * 512;
    const kb = Math.floor(bytes / 1024);
    const b = bytes % 1024;
    switch (act) {
      case Action.Queue:
        if (pc) {
          st.qPc[w]++;
          /* blkparse.c __account_pc_queue adds PC *read* KiB to the fs qread_kb (a
             long-standing typo); mirrored so that the totals agree. */
          if (w) st.qKbPc[w] += kb;
          else st.qKb[0] += kb;
          st.qBPc[w] += b;
        } else {
          st.q[w]++;
          st.qKb[w] += kb;
          st.qB[w] += b;
        }
        break;
      case Action.BackMerge:
      case Action.FrontMerge:
        if (!pc) {
          st.m[w]++;
          st.mKb[w] += kb;
          st.mB[w] += b;
        }
        break;
      case Action.Requeue:
        if (cur[w]) cur[w]--;
        if (pc) {
          st.rqPc[w]++;
          st.iKbPc[w] -= kb;
          st.iBPc[w] -= b;
        } else {
          st.rq[w]++;
          st.iKb[w] -= kb;
          st.iB[w] -= b;
        }
        break;
      case Action.Issue:
        if (pc) {
          st.iPc[w]++;
          st.iKbPc[w] += kb;
          st.iBPc[w] += b;
        } else {
          st.i[w]++;
          st.iKb[w] += kb;
          st.iB[w] += b;
        }
        cur[w]++;
        if (cur[w] > dev.maxDepth[w]) dev.maxDepth[w] = cur[w];
        break;
      case Action.Complete:
        if (cur[w]) cur[w]--;
        if (pc) {
          st.cPc[w]++;
        } else {
          st.c[w]++;
          st.cKb[w] += kb;
          st.cB[w] += b;
        }
        break;
      case Action.UnplugIo:
        if (!pc) st.ioUnplugs++;
        break;
      case Action.UnplugTimer:
        if (!pc) st.timerUnplugs++;
        break;
      default:
        break;
    }
  }
  for (const dev of out.values()) for (const st of dev.cpus.values()) dev.total.add(st);
  return out;
}

/** Incremental parser for the summary lines; the event parser offers it every line that is not an event. */
export class BlkparseSummaryParser {
  private readonly blocks: RawBlock[] = [];
  private current: RawBlock | null = null;
  private readonly events: Record<string, number> = {};
  private readonly eventsRaw = new Map<string, { p: Printed; line: number }>();
  private readonly throughput: string[] = [];
  private readonly skips: string[] = [];

  get seen(): boolean {
    return this.blocks.length > 0 || this.eventsRaw.size > 0 || this.throughput.length > 0;
  }

  /** Consumes `line` when it belongs to a summary; returns false otherwise. */
  line(raw: string, lineNo: number): boolean {
    /* Real summary lines are under 100 characters; the row pattern is scanned from
       every position, so a huge line must never reach it. */
    if (raw.length > MAX_SUMMARY_LINE) return false;
    const line = raw.trim();
    if (line.length === 0) return false;
    let m = CPU_HEADER.exec(line);
    if (m) return this.open({ title: line.slice(0, -1), cpu: Number(m[1]), device: m[2], fields: {} }, lineNo, false);
    m = TOTAL_HEADER.exec(line);
    if (m) return this.open({ title: line.slice(0, -1), cpu: null, device: m[1], fields: {} }, lineNo, false);
    if (this.row(line)) return true;
    m = EVENTS_LINE.exec(line);
    if (m) {
      const p = { num: parseGrouped(m[2]), step: SUFFIX.indexOf(m[3]) };
      this.events[m[1]] = printedValue(p);
      this.eventsRaw.set(m[1], { p, line: lineNo });
      this.current = null;
      return true;
    }
    if (line.startsWith('Throughput (R/W):')) {
      this.throughput.push(line.slice('Throughput (R/W):'.length).trim());
      this.current = null;
      return true;
    }
    if (line.startsWith('Skips:')) {
      this.skips.push(line.slice('Skips:'.length).trim());
      return true;
    }
    m = PROCESS_HEADER.exec(line);
    if (m && !line.includes(' (R/W)')) {
      return this.open({ title: line.slice(0, -1), cpu: null, device: '', fields: {} }, lineNo, true);
    }
    return false;
  }

  private open(block: Block, lineNo: number, perProcess: boolean): boolean {
    this.current = { block, line: lineNo, raw: new Map(), perProcess };
    this.blocks.push(this.current);
    return true;
  }

  /** A stats row: only `Name: value[, size]` pairs with known names, inside a block. */
  private row(line: string): boolean {
    const cur = this.current;
    if (!cur) return false;
    ROW_PAIR.lastIndex = 0;
    let rest = '';
    let last = 0;
    const pairs: { name: string; count: Printed; kib: Printed | null }[] = [];
    for (let m = ROW_PAIR.exec(line); m; m = ROW_PAIR.exec(line)) {
      rest += line.slice(last, m.index);
      last = m.index + m[0].length;
      if (!ROW_NAMES.has(m[1])) return false;
      const count = { num: parseGrouped(m[2]), step: SUFFIX.indexOf(m[3]) };
      const kib = m[4] !== undefined ? { num: parseGrouped(m[4]), step: SUFFIX.indexOf(m[5]) - 1 } : null;
      pairs.push({ name: m[1], count, kib });
    }
    rest += line.slice(last);
    if (pairs.length === 0 || rest.trim().length > 0) return false;
    for (let k = 0; k < pairs.length; k++) {
      const p = pairs[k];
      const name = WAIT_ROWS.has(p.name) ? `${p.name} (${k === 0 ? 'read' : 'write'})` : p.name;
      cur.raw.set(name, { count: p.count, kib: p.kib });
      cur.block.fields[name] = [printedValue(p.count), p.kib ? printedValue(p.kib) : NaN];
    }
    return true;
  }

  /** Line numbers of block headers that were never followed by a row (not a summary after all). */
  emptyBlocks(): number[] {
    return this.blocks.filter((b) => b.raw.size === 0).map((b) => b.line);
  }

  /**
   * Builds the summary and compares it with what the parsed events add up to.
   * `unparsed` = lines of the text that were not events (excerpts, elisions):
   * mentioned with the mismatches because they usually explain them.
   */
  build(store: BlockEventStore, isPc: (event: number) => boolean, anyPc: boolean, unparsed: number): BlkparseSummary | undefined {
    if (!this.seen) return undefined;
    const blocks = this.blocks.filter((b) => b.raw.size > 0);
    const summary: BlkparseSummary = { blocks: blocks.map((b) => b.block), events: this.events, crossCheck: [] };
    if (this.throughput.length) summary.throughput = this.throughput.join('; ');
    if (this.skips.length) summary.skips = this.skips.join('; ');
    const problems = summary.crossCheck;
    const stats = accountEvents(store, isPc, anyPc);
    /* Devices of the traced queues: every device that has a line other than a remap. */
    const seen = new Uint8Array(store.devices.length);
    for (let e = 0; e < store.length; e++) if (store.action[e] !== Action.Remap) seen[store.device[e]] = 1;
    const queueDevices = new Set<number>(store.devices.filter((_, i) => seen[i]));
    const labels = new Set<string>([...blocks.filter((b) => !b.perProcess).map((b) => b.block.device), ...this.eventsRaw.keys()]);
    const resolve = (label: string): number | undefined => {
      const m = /^(\d+),(\d+)$/.exec(label);
      if (m) return devKey(Number(m[1]), Number(m[2]));
      /* `-i NAME` labels name the device; with one traced device that is unambiguous. */
      if (labels.size === 1 && queueDevices.size === 1) return [...queueDevices][0];
      return undefined;
    };
    const unresolved = new Set<string>();
    for (const rb of blocks) {
      if (rb.perProcess) continue;
      const key = resolve(rb.block.device);
      if (key === undefined) {
        unresolved.add(rb.block.device);
        continue;
      }
      const dev = stats.get(key);
      const st = rb.block.cpu === null ? dev?.total : dev?.cpus.get(rb.block.cpu);
      for (const [name, row] of rb.raw) {
        let want: [number, number | null] | undefined;
        if (name === 'Read depth' || name === 'Write depth') {
          want = [dev ? dev.maxDepth[name === 'Read depth' ? 0 : 1] : 0, null];
        } else {
          want = (st ?? new IoStats()).row(name);
        }
        if (!want) continue;
        const wantCount = sizeCnv(want[0], false);
        const wantKib = want[1] === null ? null : sizeCnv(want[1], true);
        const countOk = wantCount.num === row.count.num && wantCount.step === row.count.step;
        const kibOk = !row.kib || !wantKib || (wantKib.num === row.kib.num && wantKib.step === row.kib.step);
        if (!countOk || !kibOk) {
          const said = row.kib ? `${showPrinted(row.count, false)}, ${showPrinted(row.kib, true)}` : showPrinted(row.count, false);
          const got = row.kib && wantKib ? `${showPrinted(wantCount, false)}, ${showPrinted(wantKib, true)}` : showPrinted(wantCount, false);
          problems.push(`line ${rb.line}: ${rb.block.title} ${name}: summary says ${said}, the events give ${got}`);
        }
      }
    }
    if (this.eventsRaw.size > 0) {
      const keys = [...this.eventsRaw.keys()];
      const resolved = keys.map(resolve);
      if (keys.length === 1 || resolved.some((k) => k === undefined)) {
        /* One device (or names we cannot map): every event line counts, including
           A lines that print the remap target instead of the traced queue. */
        let said = 0;
        for (const v of this.eventsRaw.values()) said += printedValue(v.p);
        const got = sizeCnv(store.length, false);
        const first = this.eventsRaw.values().next().value!;
        const saidP = keys.length === 1 ? first.p : sizeCnv(said, false);
        if (got.num !== saidP.num || got.step !== saidP.step) {
          problems.push(`line ${first.line}: Events: summary says ${showPrinted(saidP, false)} entries, the text has ${store.length} event lines`);
        }
      } else {
        keys.forEach((label, k) => {
          const { p, line } = this.eventsRaw.get(label)!;
          const n = stats.get(resolved[k]!)?.events ?? 0;
          const got = sizeCnv(n, false);
          if (got.num !== p.num || got.step !== p.step) {
            problems.push(`line ${line}: Events (${label}): summary says ${showPrinted(p, false)} entries, the text has ${n} event lines on ${devName(resolved[k]!)}`);
          }
        });
      }
    }
    if (unresolved.size > 0) {
      problems.push(`summary device label(s) ${[...unresolved].join(', ')} could not be matched to a device of the events; those blocks were not checked`);
    }
    if (problems.length > 0 && unparsed > 0) {
      problems.push(`${unparsed} line(s) of the text were not events (an excerpt or annotated copy?), which can explain the differences`);
    }
    return summary;
  }
}
