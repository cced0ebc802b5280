/**
 * RWBS strings are interned verbatim (blkparse's and the kernel's spellings
 * differ: `FN` vs `FF`, zone ops `ZA`...). Flags are derived once per distinct
 * string so hot loops test bits, not strings.
 */
export const RW_READ = 1;
export const RW_WRITE = 2;
export const RW_DISCARD = 4;
export const RW_FLUSH = 8; // leading F (preflush) or FF
export const RW_FUA = 16; // F after the op letter
export const RW_SYNC = 32;
export const RW_META = 64;
export const RW_AHEAD = 128;
export const RW_NODATA = 256;
export const RW_SECURE = 512;
export const RW_ZONE = 1024;
export const RW_ATOMIC = 2048;
export const RW_BARRIER = 4096;

export function rwbsFlags(s: string): number {
  let f = 0;
  let i = 0;
  if (s.startsWith('FF')) {
    f |= RW_FLUSH;
    i = 2;
  } else if (s.length > 1 && s[0] === 'F') {
    f |= RW_FLUSH;
    i = 1;
  }
  if (s[i] === 'Z') {
    f |= RW_ZONE;
    i += 2;
  } else {
    switch (s[i]) {
      case 'R': f |= RW_READ; i++; break;
      case 'W': f |= RW_WRITE; i++; break;
      case 'D':
        f |= RW_DISCARD; i++;
        if (s[i] === 'E') { f |= RW_SECURE; i++; }
        break;
      case 'N': f |= RW_NODATA; i++; break;
      case 'F': if (s.length === 1) { f |= RW_FLUSH; i++; } break;
      default: break;
    }
  }
  for (; i < s.length; i++) {
    switch (s[i]) {
      case 'F': f |= RW_FUA; break;
      case 'A': f |= RW_AHEAD; break;
      case 'S': f |= RW_SYNC; break;
      case 'M': f |= RW_META; break;
      case 'E': f |= RW_SECURE; break;
      case 'U': f |= RW_ATOMIC; break;
      case 'B': f |= RW_BARRIER; break;
      default: break;
    }
  }
  return f;
}
