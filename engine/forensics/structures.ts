/**
 * On-disk structures that say which LBA a 512-byte chunk belongs to. They
 * are evidence independent of any reference image: a GPT header records its
 * own LBA, a protective MBR can only be LBA 0, a btrfs superblock records its
 * own byte address inside the filesystem.
 *
 * Layouts: UEFI spec 2.x ch. 5 (MBR, GPT header, partition entries);
 * ext4 `struct ext4_super_block` (fs/ext4/ext4.h); XFS `xfs_dsb`
 * (fs/xfs/libxfs/xfs_format.h); btrfs `struct btrfs_super_block`
 * (fs/btrfs/accessors / uapi btrfs_tree.h); NTFS / FAT BIOS parameter block.
 */

export type StructureKind =
  | 'protective-mbr'
  | 'mbr'
  | 'gpt-header'
  | 'gpt-entries'
  | 'ext-superblock'
  | 'xfs-superblock'
  | 'btrfs-superblock'
  | 'ntfs-boot'
  | 'fat-boot';

export type Strength = 'strong' | 'medium' | 'weak';

export interface StructureEvidence {
  kind: StructureKind;
  /** Absolute LBA the structure says it lives at, when it says so (NaN otherwise). */
  impliedLba: number;
  /** Sector inside its filesystem/partition (superblocks), when only relative. */
  relativeSector: number;
  strength: Strength;
  detail: string;
  /** GPT header fields (for locating entry arrays and the disk end). */
  gpt?: { myLba: number; alternateLba: number; entriesLba: number; entryCount: number; entrySize: number; crcOk: boolean };
  /** Partition starts (LBA) listed by an MBR or GPT entry chunk. */
  partitionStarts?: number[];
}

function u16(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}
function u64(b: Uint8Array, at: number): number {
  return u32(b, at + 4) * 4294967296 + u32(b, at);
}
function ascii(b: Uint8Array, at: number, s: string): boolean {
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as the GPT header_crc32 uses). */
export function crc32(b: Uint8Array, start: number, len: number, zeroFrom = -1, zeroLen = 0): number {
  let c = 0xffffffff;
  for (let i = start; i < start + len; i++) {
    const v = i >= zeroFrom && i < zeroFrom + zeroLen ? 0 : b[i];
    c = CRC_TABLE[(c ^ v) & 0xff] ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Boot sector jump: EB xx 90 or E9 xx xx (both FAT and NTFS start with one). */
function hasBootJump(b: Uint8Array, s: number): boolean {
  return (b[s] === 0xeb && b[s + 2] === 0x90) || b[s] === 0xe9;
}

function mbrAt(b: Uint8Array, s: number): StructureEvidence | null {
  if (b[s + 510] !== 0x55 || b[s + 511] !== 0xaa) return null;
  let used = 0;
  let protective = false;
  const starts: number[] = [];
  for (let e = 0; e < 4; e++) {
    const at = s + 446 + 16 * e;
    let zero = true;
    for (let i = 0; i < 16; i++) if (b[at + i] !== 0) zero = false;
    if (zero) continue;
    const status = b[at];
    const type = b[at + 4];
    const first = u32(b, at + 8);
    const count = u32(b, at + 12);
    // Sanity: boot flag 0x00/0x80, a type, a non-empty extent.
    if ((status !== 0 && status !== 0x80) || type === 0 || count === 0) return null;
    if (type === 0xee) protective = true;
    used++;
    starts.push(first);
  }
  if (used === 0) return null;
  return {
    kind: protective ? 'protective-mbr' : 'mbr',
    impliedLba: 0,
    relativeSector: NaN,
    strength: protective ? 'strong' : 'medium',
    detail: protective
      ? 'protective MBR (0xEE partition entry, 0x55AA at 510): only valid at LBA 0'
      : `MBR partition table (${used} entries, 0x55AA at 510): LBA 0 or an extended boot record`,
    partitionStarts: starts,
  };
}

function gptHeaderAt(b: Uint8Array, s: number): StructureEvidence | null {
  if (!ascii(b, s, 'EFI PART')) return null;
  const headerSize = u32(b, s + 12);
  if (u32(b, s + 8) !== 0x00010000 || headerSize < 92 || headerSize > 512) return null;
  const myLba = u64(b, s + 24);
  const alternateLba = u64(b, s + 32);
  const entriesLba = u64(b, s + 72);
  const entryCount = u32(b, s + 80);
  const entrySize = u32(b, s + 84);
  const crcOk = crc32(b, s, headerSize, s + 16, 4) === u32(b, s + 16);
  return {
    kind: 'gpt-header',
    impliedLba: myLba,
    relativeSector: NaN,
    strength: 'strong',
    detail: `GPT header ("EFI PART"), my_lba=${myLba}, alternate_lba=${alternateLba}, entries at LBA ${entriesLba}${crcOk ? ', header CRC ok' : ', header CRC mismatch'}`,
    gpt: { myLba, alternateLba, entriesLba, entryCount, entrySize, crcOk },
  };
}

/** Well-known partition type GUIDs (mixed-endian byte order as stored), first 4 bytes as u32. */
const KNOWN_TYPE_PREFIX = new Set<number>([
  0xc12a7328, // EFI system
  0x0fc63daf, // Linux filesystem
  0xebd0a0a2, // Microsoft basic data
  0x0657fd6d, // Linux swap
  0xe6d6d379, // Linux LVM
  0xa19d880f, // Linux RAID
  0x21686148, // BIOS boot
  0xe3c9e316, // Microsoft reserved
  0x4f68bce3, // Linux root x86-64
]);

function gptEntriesAt(b: Uint8Array, s: number): StructureEvidence | null {
  let used = 0;
  let known = 0;
  const starts: number[] = [];
  for (let e = 0; e < 4; e++) {
    const at = s + 128 * e;
    let typeZero = true;
    for (let i = 0; i < 16; i++) if (b[at + i] !== 0) typeZero = false;
    if (typeZero) {
      for (let i = 16; i < 128; i++) if (b[at + i] !== 0) return null; // unused entries are all zero
      continue;
    }
    const first = u64(b, at + 32);
    const last = u64(b, at + 40);
    if (last < first) return null;
    used++;
    if (KNOWN_TYPE_PREFIX.has(u32(b, at))) known++;
    starts.push(first);
  }
  if (used === 0 || known === 0) return null;
  return {
    kind: 'gpt-entries',
    impliedLba: NaN,
    relativeSector: NaN,
    strength: 'weak',
    detail: `GPT partition entries (${used} used, ${known} with a known type GUID)`,
    partitionStarts: starts,
  };
}

function bootSectorAt(b: Uint8Array, s: number): StructureEvidence | null {
  if (!hasBootJump(b, s) || b[s + 510] !== 0x55 || b[s + 511] !== 0xaa) return null;
  const bps = u16(b, s + 11);
  if (bps !== 512 && bps !== 1024 && bps !== 2048 && bps !== 4096) return null;
  const hidden = u32(b, s + 0x1c);
  if (ascii(b, s + 3, 'NTFS    ')) {
    return {
      kind: 'ntfs-boot',
      impliedLba: hidden,
      relativeSector: 0,
      strength: 'medium',
      detail: `NTFS boot sector, hidden sectors (partition start) = ${hidden}; backup copy sits at the partition end`,
    };
  }
  const spc = b[s + 13];
  if (spc === 0 || (spc & (spc - 1)) !== 0) return null;
  if (!ascii(b, s + 54, 'FAT') && !ascii(b, s + 82, 'FAT')) return null;
  return {
    kind: 'fat-boot',
    impliedLba: hidden,
    relativeSector: 0,
    strength: 'medium',
    detail: `FAT boot sector, hidden sectors (partition start) = ${hidden}; FAT32 keeps a backup 6 sectors later`,
  };
}

function superblockAt(b: Uint8Array, s: number): StructureEvidence | null {
  // ext2/3/4: superblock at byte 1024 of the fs, magic 0xEF53 at +56 → fs sector 2, offset 56.
  if (u16(b, s + 56) === 0xef53 && u32(b, s + 24) <= 6 && u32(b, s) > 0) {
    const group = u16(b, s + 90);
    return {
      kind: 'ext-superblock',
      impliedLba: NaN,
      relativeSector: group === 0 ? 2 : NaN,
      strength: 'weak',
      detail: `ext2/3/4 superblock (magic 0xEF53 at byte 1080 of the fs), block group ${group}${group === 0 ? ': filesystem start + 2' : ' (backup)'}`,
    };
  }
  if (ascii(b, s, 'XFSB') && u32(b, s + 4) >= 512) {
    return {
      kind: 'xfs-superblock',
      impliedLba: NaN,
      relativeSector: NaN,
      strength: 'weak',
      detail: 'XFS superblock ("XFSB"): first sector of the filesystem or of an allocation group',
    };
  }
  // btrfs: "_BHRfS_M" at +64 of the superblock, bytenr (its own fs byte address) at +48.
  if (ascii(b, s + 64, '_BHRfS_M')) {
    const bytenr = u64(b, s + 48);
    return {
      kind: 'btrfs-superblock',
      impliedLba: NaN,
      relativeSector: bytenr % 512 === 0 ? bytenr / 512 : NaN,
      strength: 'weak',
      detail: `btrfs superblock ("_BHRfS_M"), bytenr=${bytenr}: filesystem start + ${bytenr / 512} sectors`,
    };
  }
  return null;
}

/** Recognises a structure in the full 512-byte sector at `s`, or returns null. */
export function recognize(b: Uint8Array, s: number): StructureEvidence | null {
  if (s + 512 > b.length) return null;
  return gptHeaderAt(b, s) ?? bootSectorAt(b, s) ?? mbrAt(b, s) ?? superblockAt(b, s) ?? gptEntriesAt(b, s);
}
