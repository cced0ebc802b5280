/**
 * Growable typed-array columns. Events are stored column-wise; there is never
 * one JS object per event on a hot path.
 */
export type TypedArray =
  | Float64Array
  | Float32Array
  | Uint32Array
  | Int32Array
  | Uint16Array
  | Int16Array
  | Uint8Array
  | Int8Array;

type TypedArrayCtor<T extends TypedArray> = { new (n: number): T };

export function grow<T extends TypedArray>(ctor: TypedArrayCtor<T>, a: T, minLength: number): T {
  if (a.length >= minLength) return a;
  let n = Math.max(16, a.length);
  while (n < minLength) n = n < 1 << 20 ? n * 2 : n + (n >> 1);
  const b = new ctor(n);
  b.set(a as never);
  return b;
}

export function trim<T extends TypedArray>(a: T, length: number): T {
  return (a.length === length ? a : a.slice(0, length)) as T;
}

/** A growable byte pool for variable-length payloads (returned bytes of reads, messages). */
export class BytePool {
  bytes = new Uint8Array(1024);
  length = 0;

  append(src: Uint8Array, start = 0, end = src.length): number {
    const at = this.length;
    const n = end - start;
    this.ensure(at + n);
    this.bytes.set(src.subarray(start, end), at);
    this.length = at + n;
    return at;
  }

  pushByte(b: number): void {
    if (this.length >= this.bytes.length) this.ensure(this.length + 1);
    this.bytes[this.length++] = b;
  }

  ensure(n: number): void {
    if (n <= this.bytes.length) return;
    let cap = this.bytes.length;
    while (cap < n) cap = cap < 1 << 24 ? cap * 2 : cap + (cap >> 1);
    const b = new Uint8Array(cap);
    b.set(this.bytes.subarray(0, this.length));
    this.bytes = b;
  }

  view(start: number, len: number): Uint8Array {
    return this.bytes.subarray(start, start + len);
  }

  compact(): void {
    if (this.bytes.length !== this.length) this.bytes = this.bytes.slice(0, this.length);
  }
}

/** Concatenates byte chunks (total length computed when not given). */
export function concatBytes(parts: readonly Uint8Array[], total = -1): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = total;
  if (n < 0) {
    n = 0;
    for (const p of parts) n += p.length;
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
