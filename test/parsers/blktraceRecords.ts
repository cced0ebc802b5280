/**
 * Builds blk_io_trace records for tests (layout of include/uapi/linux/blktrace_api.h,
 * v7 48 bytes / v8 64 bytes, either byte order), and re-encodes real v7
 * little-endian files in the other layouts.
 */
export interface RecordFields {
  seq?: number;
  time: bigint;
  sector?: bigint;
  bytes?: number;
  /** v7: 32-bit action; v8: low 32 bits (actionHigh holds bits 32..63). */
  action: number;
  actionHigh?: number;
  pid?: number;
  device?: number;
  cpu?: number;
  error?: number;
  pdu?: Uint8Array;
}

export interface Layout {
  le: boolean;
  version: 7 | 8;
}

export const LE7: Layout = { le: true, version: 7 };

export function record(f: RecordFields, layout: Layout = LE7): Uint8Array {
  const { le, version } = layout;
  const hdr = version === 7 ? 48 : 64;
  const pdu = f.pdu ?? new Uint8Array(0);
  const out = new Uint8Array(hdr + pdu.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x65617400 | version, le);
  dv.setUint32(4, f.seq ?? 0, le);
  dv.setBigUint64(8, f.time, le);
  dv.setBigUint64(16, f.sector ?? 0n, le);
  dv.setUint32(24, f.bytes ?? 0, le);
  if (version === 7) {
    dv.setUint32(28, f.action >>> 0, le);
    dv.setUint32(32, f.pid ?? 0, le);
    dv.setUint32(36, f.device ?? 0, le);
    dv.setUint32(40, f.cpu ?? 0, le);
    dv.setUint16(44, f.error ?? 0, le);
    dv.setUint16(46, pdu.length, le);
  } else {
    dv.setUint32(28, f.pid ?? 0, le);
    dv.setBigUint64(32, (BigInt(f.actionHigh ?? 0) << 32n) | BigInt(f.action >>> 0), le);
    dv.setUint32(40, f.device ?? 0, le);
    dv.setUint32(44, f.cpu ?? 0, le);
    dv.setUint16(48, f.error ?? 0, le);
    dv.setUint16(50, pdu.length, le);
  }
  out.set(pdu, hdr);
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Reads a v7 little-endian file into field lists. */
export function readV7(bytes: Uint8Array): { fields: RecordFields; offset: number }[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: { fields: RecordFields; offset: number }[] = [];
  for (let o = 0; o + 48 <= bytes.length; ) {
    const pduLen = dv.getUint16(o + 46, true);
    out.push({
      offset: o,
      fields: {
        seq: dv.getUint32(o + 4, true),
        time: dv.getBigUint64(o + 8, true),
        sector: dv.getBigUint64(o + 16, true),
        bytes: dv.getUint32(o + 24, true),
        action: dv.getUint32(o + 28, true),
        pid: dv.getUint32(o + 32, true),
        device: dv.getUint32(o + 36, true),
        cpu: dv.getUint32(o + 40, true),
        error: dv.getUint16(o + 44, true),
        pdu: bytes.slice(o + 48, o + 48 + pduLen),
      },
    });
    o += 48 + pduLen;
  }
  return out;
}

/**
 * Re-encodes a v7 LE file in another layout. Payloads that the kernel writes
 * in host order (the timestamp note's two u32) are swapped for big-endian;
 * unplug, split and remap payloads are big-endian on every host and stay.
 */
export function reencode(bytes: Uint8Array, layout: Layout): Uint8Array {
  return concatBytes(
    readV7(bytes).map(({ fields }) => {
      let pdu = fields.pdu!;
      if (!layout.le && fields.action === 0x04000001 && pdu.length === 8) {
        pdu = Uint8Array.from([pdu[3], pdu[2], pdu[1], pdu[0], pdu[7], pdu[6], pdu[5], pdu[4]]);
      }
      return record({ ...fields, pdu }, layout);
    }),
  );
}

export function u64be(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v, false);
  return b;
}

export function remapPdu(from: number, to: number, fromSector: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, from, false);
  dv.setUint32(4, to, false);
  dv.setBigUint64(8, fromSector, false);
  return b;
}

export function ascii(s: string, pad = 0): Uint8Array {
  const b = new Uint8Array(Math.max(pad, s.length));
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}
