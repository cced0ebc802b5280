/**
 * Xenstore data. Dumps are small (hundreds of keys) and logs modest, so these
 * are plain records rather than typed columns; nothing here is on a per-block-event path.
 */
export interface XenstoreNode {
  path: string;
  value: string;
  /** `-p` permissions as printed, e.g. `n0,r1` (empty when not shown). */
  perms: string;
  line: number;
  /** xenstore-ls cut the value to the terminal width (`...\..."`): `value` is only its beginning. */
  truncated?: boolean;
  /** Printed as `name:` (the tool could not read it, e.g. EACCES): `value` is empty and unknown. */
  unreadable?: boolean;
}

export type XenstoreOp =
  | 'read' | 'write' | 'mkdir' | 'rm' | 'directory' | 'watch' | 'unwatch' | 'watch_event'
  | 'transaction_start' | 'transaction_end' | 'get_perms' | 'set_perms' | 'introduce' | 'release'
  | 'connect' | 'disconnect' | 'error' | 'other';

export interface XenstoreLogEntry {
  /** ns since the epoch when the log gives a date, else ns on whatever clock it shows; NaN when none. */
  timeNs: number;
  /** Connection / domain as logged (`D5`, `domid 0`, `socket 3`, ...). */
  connection: string;
  domid: number; // -1 when unknown
  op: XenstoreOp;
  /** Raw operation name as logged (XS_WRITE, write, ...). */
  opName: string;
  direction: 'in' | 'out' | '';
  transaction: number; // 0 when none
  path: string;
  value: string;
  line: number;
}

/** XenbusState (xen/include/public/io/xenbus.h). */
export const XENBUS_STATES: Record<number, string> = {
  0: 'Unknown', 1: 'Initialising', 2: 'InitWait', 3: 'Initialised', 4: 'Connected', 5: 'Closing',
  6: 'Closed', 7: 'Reconfiguring', 8: 'Reconfigured',
};

/** What one side of a vbd offered (from its own xenstore directory). */
export interface VbdSide {
  path: string;
  domid: number;
  state: number | null;
  featurePersistent: boolean | null;
  maxIndirectSegments: number | null;
  maxRingPageOrder: number | null;
  ringPageOrder: number | null;
  ringRefs: number[];
  eventChannel: number | null;
  multiQueueMaxQueues: number | null;
  multiQueueNumQueues: number | null;
  featureFlushCache: boolean | null;
  featureBarrier: boolean | null;
  featureDiscard: boolean | null;
  sectorSize: number | null;
  physicalSectorSize: number | null;
  sectors: number | null;
  info: number | null;
  mode: string | null;
  params: string | null;
  protocol: string | null;
  /** Every key under the directory, for display. */
  keys: Record<string, string>;
}

/** One virtual block device: both sides and what they negotiated. */
export interface VbdRecord {
  frontDomid: number;
  backDomid: number;
  devid: number;
  /** Linux name derived from the virtual-device number when possible (xvda, hdb...). */
  deviceName: string;
  front: VbdSide | null;
  back: VbdSide | null;
  negotiated: {
    persistentGrants: boolean | null;
    indirectSegments: number | null; // 0 = not used
    ringPages: number | null;
    queues: number | null;
    connected: boolean | null;
  };
  notes: string[];
  /** Writes of either side's `state` key seen in a log, in log order. */
  stateTimeline?: VbdStateChange[];
}

/** One write of a vbd `state` key in a xenstored log. */
export interface VbdStateChange {
  side: 'front' | 'back';
  state: number;
  /** Same clock as XenstoreLogEntry.timeNs. */
  timeNs: number;
  line: number;
}

export interface XenstoreData {
  nodes: XenstoreNode[];
  log: XenstoreLogEntry[];
  vbds: VbdRecord[];
}
