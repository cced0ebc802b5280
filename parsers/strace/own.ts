/**
 * A copy of a string that does not keep its parent alive. V8 represents
 * `slice()` results of 13+ characters as views on the parent string; here the
 * parent is a whole decoded 1 MiB chunk, so anything kept beyond the line
 * (interned names, paths, map keys, diagnostic messages) must be copied or it
 * would pin every chunk it came from.
 */
export function own(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}
