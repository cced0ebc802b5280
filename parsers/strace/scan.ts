/**
 * Searches bounded to a range. The line splitter hands out positions inside a
 * whole decoded chunk, and String.prototype.indexOf/lastIndexOf cannot be
 * told where to stop: a needle missing from the line would make them scan
 * the rest of the chunk, once per line, which is quadratic.
 */

/** First index of `needle` starting in [from, end - needle.length], or -1. */
export function findIn(s: string, needle: string, from: number, end: number): number {
  const c0 = needle.charCodeAt(0);
  const last = end - needle.length;
  for (let i = from; i <= last; i++) {
    if (s.charCodeAt(i) === c0 && (needle.length === 1 || s.startsWith(needle, i))) return i;
  }
  return -1;
}

/** Last index of `needle` lying entirely in [from, end), or -1. */
export function findLastIn(s: string, needle: string, from: number, end: number): number {
  const c0 = needle.charCodeAt(0);
  for (let i = end - needle.length; i >= from; i--) {
    if (s.charCodeAt(i) === c0 && (needle.length === 1 || s.startsWith(needle, i))) return i;
  }
  return -1;
}
