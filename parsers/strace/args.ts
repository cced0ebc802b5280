/**
 * Tokenizer for strace's C-like argument text: splits a parenthesised,
 * bracketed or braced list into its top-level items without allocating.
 *
 * It understands what strace can put inside an argument (src/util.c,
 * src/print_fields.h): quoted strings with escapes, nested ( ) [ ] { },
 * fd decorations `3</dev/sda>` that nest once for -yy (`</dev/sda<block 8:0>>`)
 * and may contain brackets (`socket:[123]`, `TCP:[1.2.3.4:5->6.7.8.9:10]`),
 * and C comments (`/* ARCH_??? *\/`, `si_stime=3 /* 0.03 s *\/`).
 */
import { findIn } from './scan';
import { skipString } from './cstring';

export const MAX_ITEMS = 64;

/** Reusable list of item ranges [starts[i], ends[i]) (whitespace trimmed). */
export class ItemList {
  readonly starts = new Int32Array(MAX_ITEMS);
  readonly ends = new Int32Array(MAX_ITEMS);
  /** Items recorded (at most MAX_ITEMS). */
  count = 0;
  /** Items seen, also beyond MAX_ITEMS. */
  total = 0;
  /** Index of the closing bracket, or -1 when the text ended first. */
  close = -1;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

/**
 * End (index after the closing `>`) of the fd decoration opened at s[lt], or
 * -1 when `<` does not open one. `>` only closes at bracket depth 0 so
 * that `->` inside `TCP:[...]` does not end it.
 */
export function skipDecoration(s: string, lt: number, end: number): number {
  let angle = 0;
  let square = 0;
  for (let i = lt; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 60) angle++;
    else if (c === 91) square++;
    else if (c === 93) {
      if (square > 0) square--;
    } else if (c === 62 && square === 0) {
      if (--angle === 0) return i + 1;
    }
  }
  return -1;
}

function pushItem(list: ItemList, s: string, a: number, b: number): void {
  while (a < b && s.charCodeAt(a) === 32) a++;
  while (b > a && s.charCodeAt(b - 1) === 32) b--;
  if (list.total < MAX_ITEMS) {
    list.starts[list.total] = a;
    list.ends[list.total] = b;
    list.count = list.total + 1;
  }
  list.total++;
}

/**
 * Scans the list that starts at `from` (just after its opening bracket) up to
 * the closing bracket at depth 0, recording the comma-separated items.
 * Returns the index of the closing bracket, or -1 when `end` came first (the
 * text after the last comma is then recorded as the last item).
 */
export function scanList(s: string, from: number, end: number, list: ItemList): number {
  list.count = 0;
  list.total = 0;
  list.close = -1;
  let depth = 0;
  let itemStart = from;
  let i = from;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) {
      const j = skipString(s, i, end);
      if (j < 0) break;
      i = j;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) depth++;
    else if (c === 41 || c === 93 || c === 125) {
      if (depth === 0) {
        if (i > itemStart || list.total > 0) pushItem(list, s, itemStart, i);
        list.close = i;
        return i;
      }
      depth--;
    } else if (c === 44 && depth === 0) {
      pushItem(list, s, itemStart, i);
      itemStart = i + 1;
    } else if (c === 60 && i > from && isWordChar(s.charCodeAt(i - 1))) {
      const j = skipDecoration(s, i, end);
      if (j > 0) {
        i = j;
        continue;
      }
    } else if (c === 47 && s.charCodeAt(i + 1) === 42) {
      const j = findIn(s, '*/', i + 2, end);
      if (j >= 0) {
        i = j + 2;
        continue;
      }
    }
    i++;
  }
  if (end > itemStart) pushItem(list, s, itemStart, end);
  return -1;
}

/** Index after the number parsed by the last parseNumber call. */
export const num = { end: 0 };

/**
 * Parses a decimal or 0x-hex integer (optionally negative) at s[from].
 * Returns NaN when there is none; `num.end` is the index after it. Values
 * above 2^53 lose precision (offsets and pointers stay far below that).
 */
export function parseNumber(s: string, from: number, end: number): number {
  let i = from;
  let neg = false;
  if (i < end && s.charCodeAt(i) === 45) {
    neg = true;
    i++;
  }
  let v = 0;
  const digits = i;
  if (i + 1 < end && s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 32) === 120) {
    i += 2;
    const h0 = i;
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if ((c | 32) >= 97 && (c | 32) <= 102) d = (c | 32) - 87;
      else break;
      v = v * 16 + d;
    }
    if (i === h0) {
      num.end = from;
      return NaN;
    }
  } else {
    for (; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === digits) {
      num.end = from;
      return NaN;
    }
  }
  num.end = i;
  return neg ? -v : v;
}

/** A number that must fill [from, end) entirely (a trailing fd decoration or comment is allowed). */
export function parseWholeNumber(s: string, from: number, end: number): number {
  const v = parseNumber(s, from, end);
  if (Number.isNaN(v)) return NaN;
  const j = num.end;
  if (j === end) return v;
  const c = s.charCodeAt(j);
  if (c === 60 || c === 32) return v; // 3</path>, 0x4000 /* O_DIRECT */
  return NaN;
}

/** Start of the value of `name=` among the items of a struct, or -1. */
export function fieldStart(s: string, list: ItemList, name: string): number {
  for (let k = 0; k < list.count; k++) {
    const a = list.starts[k];
    if (s.charCodeAt(a + name.length) === 61 && s.startsWith(name, a)) return a + name.length + 1;
  }
  return -1;
}

/** Item index of `name=` in a struct, or -1. */
export function fieldIndex(s: string, list: ItemList, name: string): number {
  for (let k = 0; k < list.count; k++) {
    const a = list.starts[k];
    if (s.charCodeAt(a + name.length) === 61 && s.startsWith(name, a)) return k;
  }
  return -1;
}
