import type { BlockEventStore } from './model/blockEvents';

/**
 * What the payload parsers (blk tracer, tracepoints) need from the line
 * driver: the store, and an `event` call that fills the columns the prefix
 * already knows (time, cpu, pid, task name, source line).
 */
export interface LineSink {
  readonly store: BlockEventStore;
  /**
   * Appends one event for the current line. [commStart, commEnd) is the task
   * name the payload itself prints (`[dio]`), used when the prefix has none
   * (`<...>`, perf trace); pass -1, -1 when the payload has no comm.
   */
  event(devKey: number, action: number, rwbsIndex: number, sector: number, nSectors: number, commStart: number, commEnd: number): number;
  /** Interned RWBS of text [s, e) of the current line. */
  rwbs(s: number, e: number): number;
  /** Reports the current line as malformed: `expected` says what was expected. */
  fail(expected: string): void;
}
