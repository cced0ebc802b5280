/**
 * A reusable cursor over one line of ftrace text: charCodeAt scanning, no
 * per-line allocation. Numbers are accumulated as doubles, so u64 values above
 * 2^53 (the kernel's `(u64)-1` "no sector" marker) come out rounded, never NaN.
 */
export const SPACE = 32;
const TAB = 9;
const ZERO = 48;
const NINE = 57;
export const MINUS = 45; // '-'

export function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

export function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

export class Cursor {
  t = '';
  p = 0;
  e = 0;
  /** Value of the last number read. */
  v = 0;
  /** Digits in the last number read (for fractional parts). */
  digits = 0;

  reset(t: string, s: number, e: number): void {
    this.t = t;
    this.p = s;
    this.e = e;
  }

  atEnd(): boolean {
    return this.p >= this.e;
  }

  peek(): number {
    return this.p < this.e ? this.t.charCodeAt(this.p) : -1;
  }

  skipSpaces(): void {
    const t = this.t;
    let p = this.p;
    while (p < this.e && isSpace(t.charCodeAt(p))) p++;
    this.p = p;
  }

  /** Consumes `code` if it is next. */
  lit(code: number): boolean {
    if (this.p < this.e && this.t.charCodeAt(this.p) === code) {
      this.p++;
      return true;
    }
    return false;
  }

  /** Reads decimal digits into `v` (at least one); leaves the cursor after them. */
  uint(): boolean {
    const t = this.t;
    let p = this.p;
    let v = 0;
    const s = p;
    while (p < this.e) {
      const c = t.charCodeAt(p);
      if (c < ZERO || c > NINE) break;
      v = v * 10 + (c - ZERO);
      p++;
    }
    if (p === s) return false;
    this.digits = p - s;
    this.v = v;
    this.p = p;
    return true;
  }

  /** Optional '-' then digits. */
  int(): boolean {
    const save = this.p;
    const neg = this.lit(MINUS);
    if (!this.uint()) {
      this.p = save;
      return false;
    }
    if (neg) this.v = -this.v;
    return true;
  }

  /** Skips one run of non-space characters; returns its start. */
  token(): number {
    const t = this.t;
    const s = this.p;
    let p = s;
    while (p < this.e && !isSpace(t.charCodeAt(p))) p++;
    this.p = p;
    return s;
  }

  /** True when the next token (up to a space or the end) is exactly `word`. */
  word(word: string): boolean {
    const n = word.length;
    if (this.p + n > this.e || !this.t.startsWith(word, this.p)) return false;
    if (this.p + n < this.e && !isSpace(this.t.charCodeAt(this.p + n))) return false;
    this.p += n;
    return true;
  }
}

/** `MAJ,MIN` (decimal dev_t halves) at the cursor as a devKey (major << 20 | minor), or -1. */
export function readDevice(c: Cursor): number {
  const save = c.p;
  if (!c.uint() || c.digits > 7) {
    c.p = save;
    return -1;
  }
  const major = c.v;
  if (!c.lit(44) || !c.uint() || c.digits > 8) {
    c.p = save;
    return -1;
  }
  return major * 1048576 + c.v;
}

/**
 * Last index of `code` in [s, e), or -1. A plain loop: String#lastIndexOf with a
 * position argument goes through a slow runtime path in V8 and this runs per line.
 */
export function lastIndexIn(t: string, code: number, s: number, e: number): number {
  for (let i = e - 1; i >= s; i--) if (t.charCodeAt(i) === code) return i;
  return -1;
}

/** End of `[s, e)` with trailing spaces removed. */
export function trimEnd(t: string, s: number, e: number): number {
  while (e > s && isSpace(t.charCodeAt(e - 1))) e--;
  return e;
}

/** Start of `[s, e)` with leading spaces removed. */
export function trimStart(t: string, s: number, e: number): number {
  while (s < e && isSpace(t.charCodeAt(s))) s++;
  return s;
}

/** A short, printable excerpt of a line for diagnostics. */
export function excerpt(t: string, s: number, e: number): string {
  const max = 100;
  const text = t.slice(s, Math.min(e, s + max));
  return e - s > max ? `${text}…` : text;
}
