/**
 * strace timestamps (src/strace.c printleader): -t `HH:MM:SS`, -tt with
 * microseconds, -ttt / --absolute-timestamps=format:unix epoch seconds, -r
 * seconds since the previous line (6-column right-justified), and with
 * --*-timestamps=precision:ns up to 9 fractional digits. -T durations
 * `<0.000123>` end the line.
 *
 * Times are kept as float64 nanoseconds relative to a base (the first
 * timestamp's whole second) so that epoch values stay exact integers.
 */
import type { ClockInfo } from '../model/source';

export const enum TsKind {
  None = 0,
  /** -t / -tt: time of day. */
  Tod = 1,
  /** -ttt: seconds since the epoch. */
  Epoch = 2,
  /** -r: seconds since the previous printed line. */
  Relative = 3,
}

/** Fractional-second digits → nanoseconds (1 to 9 digits; more are ignored). */
export function fracToNs(s: string, from: number, to: number): number {
  let v = 0;
  let n = 0;
  for (let i = from; i < to && n < 9; i++, n++) v = v * 10 + (s.charCodeAt(i) - 48);
  for (; n < 9; n++) v *= 10;
  return v;
}

/** Parses `<SECONDS.FRACTION>` in [lt, gt]; returns ns or NaN. */
export function parseDuration(s: string, lt: number, gt: number): number {
  let i = lt + 1;
  let sec = 0;
  const d0 = i;
  while (i < gt) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    sec = sec * 10 + (c - 48);
    i++;
  }
  if (i === d0) return NaN;
  if (i === gt) return sec * 1e9;
  if (s.charCodeAt(i) !== 46) return NaN;
  const f0 = i + 1;
  for (let j = f0; j < gt; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return NaN;
  }
  return sec * 1e9 + fracToNs(s, f0, gt);
}

const DAY_NS = 86400e9;

/** Converts per-line timestamps to the source's time column. */
export class StraceClock {
  kind: TsKind = TsKind.None;
  private baseSec = NaN;
  private dayOffsetNs = 0;
  private lastTodNs = -1;
  private relAccNs = 0;
  /** Set when a line's timestamp style differs from the first one. */
  mixed = false;

  /** Time of a line with an absolute (Tod/Epoch) or relative stamp; NaN for None. */
  toNs(kind: TsKind, sec: number, fracNs: number): number {
    if (kind === TsKind.None) return NaN;
    if (this.kind === TsKind.None) this.kind = kind;
    else if (kind !== this.kind) {
      this.mixed = true;
      return NaN;
    }
    if (kind === TsKind.Relative) {
      this.relAccNs += sec * 1e9 + fracNs;
      return this.relAccNs;
    }
    if (Number.isNaN(this.baseSec)) this.baseSec = sec;
    if (kind === TsKind.Tod) {
      // -t/-tt wrap at midnight: a jump back by more than half a day is the next day.
      const tod = sec * 1e9 + fracNs;
      if (this.lastTodNs >= 0 && tod + DAY_NS / 2 < this.lastTodNs) this.dayOffsetNs += DAY_NS;
      this.lastTodNs = tod;
    }
    return (sec - this.baseSec) * 1e9 + fracNs + this.dayOffsetNs;
  }

  info(): ClockInfo {
    switch (this.kind) {
      case TsKind.Tod:
        return { kind: 'wall-tod', baseNs: baseString(this.baseSec) };
      case TsKind.Epoch:
        return { kind: 'epoch', baseNs: baseString(this.baseSec) };
      case TsKind.Relative:
        return { kind: 'relative', baseNs: '0' };
      default:
        return { kind: 'none', baseNs: '0' };
    }
  }
}

function baseString(sec: number): string {
  return !Number.isFinite(sec) || sec === 0 ? '0' : `${sec}000000000`;
}
