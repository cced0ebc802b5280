/**
 * Renders block events as blkparse 1.2.0 prints them by default
 * (blkparse_fmt.c process_default; messages: blkparse.c handle_notify).
 * Header `%3d,%-3d %2d %8d %5d.%09lu %5u %2s %3s `, then the action's tail.
 * Records with a cgroup id (kernel 4.14+) are printed from the payload after
 * the id, as blkparse 1.3.0 does; 1.2.0 rejects them as "Bad fs action".
 * Passthrough requests are the events that carry a Pdu extra.
 */
import { Action } from './model/actions';
import { devMajor, devMinor, ExtraKind } from './model/blockEvents';
import type { BlockEventStore } from './model/blockEvents';

/** Action strings as blkparse passes them to process_fmt (dump_trace_fs / dump_trace_pc). */
const ACT: Record<number, string> = {
  [Action.Queue]: 'Q',
  [Action.BackMerge]: 'M',
  [Action.FrontMerge]: 'F',
  [Action.GetRq]: 'G',
  [Action.SleepRq]: 'S',
  [Action.Requeue]: 'R',
  [Action.Issue]: 'D',
  [Action.Complete]: 'C',
  [Action.Plug]: 'P',
  [Action.UnplugIo]: 'U',
  [Action.UnplugTimer]: 'UT',
  [Action.Insert]: 'I',
  [Action.Split]: 'X',
  [Action.Bounce]: 'B',
  [Action.Remap]: 'A',
};

/** dump_trace_pc prints only these; other passthrough actions are "Bad pc action". */
const PC_ACTIONS = new Set<number>([Action.Queue, Action.GetRq, Action.SleepRq, Action.Requeue, Action.Issue, Action.Complete, Action.Insert]);
/** log_pc hands the payload to the printer only for D, C and I. */
const PC_WITH_PDU = new Set<number>([Action.Issue, Action.Complete, Action.Insert]);

const TWO64 = 1n << 64n;

/** `%5d.%09lu` of (u64)(t - genesis) with SECONDS cast to int, as blkparse does even when it wraps. */
function timeField(rel: number): string {
  let sec: number;
  let ns: number;
  if (rel >= 0) {
    sec = Math.floor(rel / 1e9);
    ns = rel - sec * 1e9;
  } else {
    const u = BigInt(rel) + TWO64;
    sec = Number(BigInt.asIntN(32, u / 1000000000n));
    ns = Number(u % 1000000000n);
  }
  return `${String(sec).padStart(5)}.${String(ns).padStart(9, '0')}`;
}

function u32(v: number): number {
  return ((v % 4294967296) + 4294967296) % 4294967296;
}

/**
 * One event as blkparse's default line (without the newline), or null when
 * blkparse prints nothing for it (abort, driver data, unknown actions,
 * passthrough actions it rejects, tracepoint-only actions).
 * `genesisNs` is the time of the trace's first event on the store's clock.
 */
export function formatBlkparseLine(store: BlockEventStore, i: number, genesisNs: number): string | null {
  const action = store.action[i];
  const key = store.devices[store.device[i]];
  const dev = `${String(devMajor(key)).padStart(3)},${String(devMinor(key)).padEnd(3)}`;
  const cpu = String(store.cpu[i]).padStart(2);
  const time = timeField(store.timeNs[i] - genesisNs);
  if (action === Action.Message) {
    const msg = store.extra(i, ExtraKind.Message);
    return `${dev} ${cpu} ${'0'.padStart(8)} ${time} ${'0'.padStart(5)}  m   N ${msg ? store.strings.get(msg.a) : ''}`;
  }
  const act = ACT[action];
  if (act === undefined) return null;
  const pdu = store.extra(i, ExtraKind.Pdu);
  if (pdu && !PC_ACTIONS.has(action)) return null;
  const seq = String(store.seq[i] | 0).padStart(8);
  const pid = String(store.pid[i]).padStart(5);
  const head = `${dev} ${cpu} ${seq} ${time} ${pid} ${act.padStart(2)} ${store.rwbsTable.get(store.rwbs[i]).padStart(3)} `;
  const comm = store.comm[i] ? store.strings.get(store.comm[i]) : '(null)';
  const sector = String(store.sector[i]);
  const n = store.nSectors[i];
  const err = store.error(i) & 0xffff;

  if (pdu) {
    const hex = PC_WITH_PDU.has(action) && pdu.a ? `(${store.strings.get(pdu.a)}) ` : '';
    if (action === Action.Requeue || action === Action.Complete) return `${head}${hex}[${err}]`;
    if (action === Action.GetRq || action === Action.SleepRq) return `${head}${n ? `${sector} + ${n} ` : ''}[${comm}]`;
    return `${head}${store.bytes(i)} ${hex}[${comm}]`;
  }
  switch (action) {
    case Action.Requeue:
    case Action.Complete:
      return `${head}${sector}${n ? ` + ${n}` : ''} [${err}]`;
    case Action.Plug:
      return `${head}[${comm}]`;
    case Action.UnplugIo:
    case Action.UnplugTimer:
      return `${head}[${comm}] ${u32(store.extra(i, ExtraKind.UnplugDepth)?.a ?? 0)}`;
    case Action.Remap: {
      const from = store.extra(i, ExtraKind.RemapFrom);
      const fk = from ? from.a : 0;
      return `${head}${sector} + ${n} <- (${devMajor(fk)},${devMinor(fk)}) ${from ? from.b : 0}`;
    }
    case Action.Split:
      return `${head}${sector} / ${u32(store.extra(i, ExtraKind.SplitTo)?.a ?? 0)} [${comm}]`;
    default:
      return `${head}${n ? `${sector} + ${n} ` : ''}[${comm}]`;
  }
}

/** Every printable event, times relative to the store's first event (blkparse's genesis). */
export function writeBlkparseEvents(store: BlockEventStore): string[] {
  const out: string[] = [];
  const genesis = store.length ? store.timeNs[0] : 0;
  for (let i = 0; i < store.length; i++) {
    const line = formatBlkparseLine(store, i, genesis);
    if (line !== null) out.push(line);
  }
  return out;
}
