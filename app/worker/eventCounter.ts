/**
 * Approximate "events so far" for the progress bar while a parser runs
 * (parsers report their counts only at finish): records for blktrace
 * binary (48-byte struct blk_io_trace + pdu_len, blktrace_api.h), lines for
 * the text formats. Chunk-independent; costs one stride or byte scan.
 */
export class EventCounter {
  count = 0;
  private skip = 0;
  private header = new Uint8Array(48);
  private headerFill = 0;

  constructor(private readonly binary: boolean) {}

  push(c: Uint8Array): void {
    if (!this.binary) {
      let n = 0;
      for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) n++;
      this.count += n;
      return;
    }
    let o = 0;
    while (o < c.length) {
      if (this.skip > 0) {
        const s = Math.min(this.skip, c.length - o);
        this.skip -= s;
        o += s;
        continue;
      }
      const take = Math.min(48 - this.headerFill, c.length - o);
      this.header.set(c.subarray(o, o + take), this.headerFill);
      this.headerFill += take;
      o += take;
      if (this.headerFill === 48) {
        // pdu_len: u16 at offset 46; the magic's byte order tells the endianness.
        const le = this.header[3] === 0x65;
        this.skip = le ? this.header[46] | (this.header[47] << 8) : (this.header[46] << 8) | this.header[47];
        this.headerFill = 0;
        this.count++;
      }
    }
  }
}
