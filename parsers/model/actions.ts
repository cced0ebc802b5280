/**
 * Block-layer actions. Codes 1..17 are the kernel's `__BLK_TA_*` numbers
 * (include/uapi/linux/blktrace_api.h), so a binary record's low 16 action
 * bits map directly. Codes from 32 up are events that only the tracepoint /
 * ftrace text layouts carry, or blkparse pseudo-actions.
 */
export const enum Action {
  Unknown = 0,
  Queue = 1, // Q
  BackMerge = 2, // M
  FrontMerge = 3, // F
  GetRq = 4, // G
  SleepRq = 5, // S
  Requeue = 6, // R
  Issue = 7, // D
  Complete = 8, // C
  Plug = 9, // P
  UnplugIo = 10, // U
  UnplugTimer = 11, // UT
  Insert = 12, // I
  Split = 13, // X
  Bounce = 14, // B
  Remap = 15, // A
  Abort = 16, // not printed by blkparse
  DrvData = 17, // not printed by blkparse
  Message = 32, // m (BLK_TN_MESSAGE notify)
  IoStart = 33, // block_io_start tracepoint (6.5+)
  IoDone = 34, // block_io_done tracepoint (6.5+)
  BioComplete = 35, // block_bio_complete tracepoint (bio-level C)
  RqMerge = 36, // block_rq_merge tracepoint
  Touch = 37, // block_touch_buffer
  Dirty = 38, // block_dirty_buffer
}

const LETTERS: Record<number, string> = {
  1: 'Q', 2: 'M', 3: 'F', 4: 'G', 5: 'S', 6: 'R', 7: 'D', 8: 'C', 9: 'P', 10: 'U',
  11: 'UT', 12: 'I', 13: 'X', 14: 'B', 15: 'A', 16: 'AB', 17: 'DD', 32: 'm',
  33: 'IS', 34: 'ID', 35: 'C', 36: 'M', 37: 'TB', 38: 'DB',
};

const NAMES: Record<number, string> = {
  0: 'unknown', 1: 'queue', 2: 'backmerge', 3: 'frontmerge', 4: 'getrq', 5: 'sleeprq', 6: 'requeue',
  7: 'issue', 8: 'complete', 9: 'plug', 10: 'unplug', 11: 'unplug_timer', 12: 'insert', 13: 'split',
  14: 'bounce', 15: 'remap', 16: 'abort', 17: 'drv_data', 32: 'message', 33: 'io_start', 34: 'io_done',
  35: 'bio_complete', 36: 'rq_merge', 37: 'touch_buffer', 38: 'dirty_buffer',
};

export function actionLetter(a: number): string {
  return LETTERS[a] ?? '?';
}

export function actionName(a: number): string {
  return NAMES[a] ?? `action${a}`;
}

/**
 * Action letters as char codes (c1 = -1 for a one-letter action) → code, for
 * scanners that never build a string. 'T' is the man page's name for UT.
 */
export function actionFromLetterCodes(c0: number, c1: number): Action {
  if (c1 >= 0) return c0 === 85 && c1 === 84 ? Action.UnplugTimer : Action.Unknown; // UT
  switch (c0) {
    case 81: return Action.Queue; // Q
    case 77: return Action.BackMerge; // M
    case 70: return Action.FrontMerge; // F
    case 71: return Action.GetRq; // G
    case 83: return Action.SleepRq; // S
    case 82: return Action.Requeue; // R
    case 68: return Action.Issue; // D
    case 67: return Action.Complete; // C
    case 80: return Action.Plug; // P
    case 85: return Action.UnplugIo; // U
    case 84: return Action.UnplugTimer; // T
    case 73: return Action.Insert; // I
    case 88: return Action.Split; // X
    case 66: return Action.Bounce; // B
    case 65: return Action.Remap; // A
    case 109: return Action.Message; // m
    default: return Action.Unknown;
  }
}

/** Letter (as blkparse prints it) → code. 'T' is the man page's name for UT. */
export function actionFromLetter(s: string): Action {
  switch (s) {
    case 'Q': return Action.Queue;
    case 'M': return Action.BackMerge;
    case 'F': return Action.FrontMerge;
    case 'G': return Action.GetRq;
    case 'S': return Action.SleepRq;
    case 'R': return Action.Requeue;
    case 'D': return Action.Issue;
    case 'C': return Action.Complete;
    case 'P': return Action.Plug;
    case 'U': return Action.UnplugIo;
    case 'UT': case 'T': return Action.UnplugTimer;
    case 'I': return Action.Insert;
    case 'X': return Action.Split;
    case 'B': return Action.Bounce;
    case 'A': return Action.Remap;
    case 'm': return Action.Message;
    default: return Action.Unknown;
  }
}

export const ALL_ACTIONS: readonly number[] = Object.keys(NAMES).map(Number).filter((n) => n > 0);
