import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../helpers/fixtures';
import { crc32, recognize } from '../../engine/forensics/structures';

const disk = new Uint8Array(gunzipSync(readFileSync(fixturePath('parted-gpt', 'disk.img.gz'))));
const last = disk.length / 512 - 1;

describe('on-disk structures (parted-gpt disk.img: a real `parted mklabel gpt` label)', () => {
  it('LBA 0 is a protective MBR that can only live at LBA 0', () => {
    expect(recognize(disk, 0)).toMatchObject({ kind: 'protective-mbr', impliedLba: 0, strength: 'strong' });
  });

  it('LBA 1 is the primary GPT header, its my_lba says 1 and its CRC verifies', () => {
    const g = recognize(disk, 512)!;
    expect(g).toMatchObject({ kind: 'gpt-header', impliedLba: 1, strength: 'strong' });
    expect(g.gpt).toMatchObject({ myLba: 1, alternateLba: last, entriesLba: 2, entryCount: 128, entrySize: 128, crcOk: true });
  });

  it('the last LBA is the backup header, whose my_lba names the last LBA', () => {
    expect(recognize(disk, last * 512)).toMatchObject({ kind: 'gpt-header', impliedLba: last });
  });

  it('an empty entry array and zero sectors are not evidence', () => {
    expect(recognize(disk, 2 * 512)).toBeNull();
    expect(recognize(new Uint8Array(512), 0)).toBeNull();
  });

  it('CRC-32 is the IEEE polynomial', () => {
    expect(crc32(new TextEncoder().encode('123456789'), 0, 9)).toBe(0xcbf43926);
  });

  it('recognises ext, btrfs, NTFS and GPT entry sectors from their fields', () => {
    const ext = new Uint8Array(512);
    ext[0] = 1; // s_inodes_count
    ext[56] = 0x53;
    ext[57] = 0xef;
    expect(recognize(ext, 0)).toMatchObject({ kind: 'ext-superblock', relativeSector: 2, strength: 'weak' });
    const btrfs = new Uint8Array(512);
    btrfs.set(new TextEncoder().encode('_BHRfS_M'), 64);
    new DataView(btrfs.buffer).setBigUint64(48, 65536n, true);
    expect(recognize(btrfs, 0)).toMatchObject({ kind: 'btrfs-superblock', relativeSector: 128 });
    const ntfs = new Uint8Array(512);
    ntfs.set([0xeb, 0x52, 0x90]);
    ntfs.set(new TextEncoder().encode('NTFS    '), 3);
    new DataView(ntfs.buffer).setUint16(11, 512, true);
    new DataView(ntfs.buffer).setUint32(0x1c, 2048, true);
    ntfs[510] = 0x55;
    ntfs[511] = 0xaa;
    expect(recognize(ntfs, 0)).toMatchObject({ kind: 'ntfs-boot', impliedLba: 2048 });
    const entries = new Uint8Array(512);
    new DataView(entries.buffer).setUint32(0, 0x0fc63daf, true); // Linux filesystem type GUID
    entries[16] = 1; // unique GUID
    new DataView(entries.buffer).setUint32(32, 2048, true);
    new DataView(entries.buffer).setUint32(40, 4095, true);
    expect(recognize(entries, 0)).toMatchObject({ kind: 'gpt-entries', partitionStarts: [2048] });
  });
});
