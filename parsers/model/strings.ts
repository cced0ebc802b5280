/**
 * Interned strings: process names, paths, syscall names, RWBS spellings.
 * Columns store the u32 index; index 0 is always the empty string.
 */
export class StringTable {
  readonly values: string[] = [''];
  private readonly index = new Map<string, number>([['', 0]]);

  intern(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.index.set(s, i);
    }
    return i;
  }

  get(i: number): string {
    return this.values[i] ?? '';
  }

  get size(): number {
    return this.values.length;
  }

  /** Approximate resident bytes (UTF-16 payload + map entry overhead). */
  byteSize(): number {
    let n = 0;
    for (const v of this.values) n += 2 * v.length + 64;
    return n;
  }
}
