import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createXenstoreLsParser, unescapeOcaml, unescapeXenstoreValue, xenstoreLogFormat, xenstoreLsFormat } from '../../parsers/xenstore';
import { vbdDeviceName, vbdsFromNodes } from '../../parsers/xenstoreVbd';
import type { FormatSpec } from '../../parsers/format';
import type { ParsedSource } from '../../parsers/model/source';
import type { XenstoreLogEntry } from '../../parsers/model/xenstore';
import { canonical } from '../helpers/canonical';
import { CHUNK_SIZES, corpusPath, feed, fixturePath, readInput, walk, CORPUS } from '../helpers/fixtures';

const TREE = 'xenstore/xen-devel-2022-rpi4-arm64-xenstore-ls-tree.txt';
const GREP = 'xenstore/linux-2022-blkback-persistent-xenstore-ls-f-grep.txt';
const OXEN = 'xenstore/xen-devel-2020-oxenstored-access-log-excerpt.wrapped.txt';
const CTRACE = 'xenstore/xen-devel-2023-c-xenstored-trace-excerpt.wrapped.log';
const IOOBJ = 'xenstore/xen-devel-2023-c-xenstored-trace-io-obj-prefix-snippet.wrapped.log';

const enc = new TextEncoder();

function parse(spec: FormatSpec, bytes: Uint8Array, chunk = 1 << 20): ParsedSource {
  return feed(spec.create('input'), bytes, chunk);
}
function parseText(spec: FormatSpec, text: string): ParsedSource {
  return parse(spec, enc.encode(text));
}
function corpus(rel: string): Uint8Array {
  return readInput(corpusPath(rel));
}
function sniff(spec: FormatSpec, bytes: Uint8Array) {
  return spec.sniff(bytes, new TextDecoder().decode(bytes));
}
function node(src: ParsedSource, path: string) {
  return src.xenstore!.nodes.find((n) => n.path === path);
}
function pick(e: XenstoreLogEntry) {
  return { op: e.op, opName: e.opName, dir: e.direction, conn: e.connection, domid: e.domid, path: e.path, value: e.value, line: e.line };
}

describe('xenstore-ls tree (rpi4 arm64 dump)', () => {
  const src = parse(xenstoreLsFormat, corpus(TREE));

  it('reads every node with its full path and value', () => {
    expect(src.format).toBe('xenstore-ls');
    expect(src.xenstore!.nodes).toHaveLength(291);
    expect(src.xenstore!.nodes[0]).toEqual({ path: '/tool', value: '', perms: '', line: 1 });
    expect(node(src, '/tool/xenstored')?.line).toBe(2);
    expect(node(src, '/local/domain/0/name')?.value).toBe('Domain-0');
    expect(node(src, '/local/domain/0/backend/vbd/1/51712/params')?.value).toBe(
      '/home/root/guest2/xen-guest-image-minimal-raspberrypi4-64.ext3',
    );
    expect(node(src, '/local/domain/0/backend/vbd/1/51712/physical-device')?.value).toBe('7:0');
    expect(node(src, '/local/domain/1/device/vbd/51712/queue-1/ring-ref')).toMatchObject({ value: '9', line: 147 });
    expect(node(src, '/local/domain/1/device/vif/0/queue-1/event-channel-rx')?.value).toBe('9');
    expect(node(src, '/local/domain/1/control/sysrq')?.line).toBe(200);
    expect(node(src, '/vm/d81ec5a9-5bf9-4f2b-89e8-0f60d6da948f/start_time')?.value).toBe('1520600274.27');
    expect(node(src, '/libxl/1/device/vbd/51712/state')).toMatchObject({ value: '1', line: 243 });
    expect(src.xenstore!.nodes[290]).toEqual({ path: '/libxl/1/dm-version', value: 'qemu_xen', perms: '', line: 291 });
    expect(src.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    expect(src.clock).toEqual({ kind: 'none', baseNs: '0' });
  });

  it('builds the vbd record: what each side offered and what was negotiated', () => {
    const vbds = src.xenstore!.vbds;
    expect(vbds).toHaveLength(1);
    const v = vbds[0];
    expect({ fe: v.frontDomid, be: v.backDomid, devid: v.devid, name: v.deviceName }).toEqual({ fe: 1, be: 0, devid: 51712, name: 'xvda' });
    expect(v.front).toMatchObject({
      path: '/local/domain/1/device/vbd/51712',
      domid: 1,
      state: 4,
      featurePersistent: true,
      multiQueueNumQueues: 2,
      ringPageOrder: null,
      ringRefs: [8, 9],
      eventChannel: 4,
      protocol: 'arm-abi',
      maxIndirectSegments: null,
    });
    expect(v.front!.keys['queue-1/event-channel']).toBe('5');
    expect(v.back).toMatchObject({
      path: '/local/domain/0/backend/vbd/1/51712',
      domid: 0,
      state: 4,
      featurePersistent: true,
      maxIndirectSegments: 256,
      maxRingPageOrder: 4,
      multiQueueMaxQueues: 4,
      featureFlushCache: true,
      featureBarrier: true,
      featureDiscard: true,
      sectorSize: 512,
      physicalSectorSize: 512,
      sectors: 1794048,
      info: 0,
      mode: 'w',
      params: '/home/root/guest2/xen-guest-image-minimal-raspberrypi4-64.ext3',
      ringRefs: [],
    });
    expect(v.negotiated).toEqual({ persistentGrants: true, indirectSegments: 256, ringPages: 1, queues: 2, connected: true });
    expect(v.notes.join('\n')).toContain('default 32) = 32');
    expect(v.notes.join('\n')).toContain('ring ABI (protocol) arm-abi');
  });

  it('gives identical results for every chunk size', () => {
    const ref = canonical(src);
    for (const size of [1, 7, 4093]) expect(canonical(parse(xenstoreLsFormat, corpus(TREE), size))).toBe(ref);
  });
});

describe('xenstore-ls -f | grep (blkback persistent-grant patch)', () => {
  const src = parse(xenstoreLsFormat, corpus(GREP));

  it('reads both flat lines', () => {
    expect(src.xenstore!.nodes).toEqual([
      { path: '/local/domain/0/backend/vbd/20674/768/feature-persistent', value: '0', perms: '', line: 1 },
      { path: '/local/domain/0/backend/vbd/20674/51792/feature-persistent', value: '1', perms: '', line: 2 },
    ]);
    expect(src.diagnostics).toEqual([]);
  });

  it('makes two backend-only vbd records (hda refuses persistent grants, xvdf offers them)', () => {
    const [hda, xvdf] = src.xenstore!.vbds;
    expect({ devid: hda.devid, name: hda.deviceName, fe: hda.frontDomid, front: hda.front }).toEqual({ devid: 768, name: 'hda', fe: 20674, front: null });
    expect(hda.back!.featurePersistent).toBe(false);
    expect(hda.negotiated.persistentGrants).toBe(false);
    expect({ devid: xvdf.devid, name: xvdf.deviceName }).toEqual({ devid: 51792, name: 'xvdf' });
    expect(xvdf.back!.featurePersistent).toBe(true);
    // The frontend's half is not in a grep of the backend directory: unknown, not "used".
    expect(xvdf.negotiated.persistentGrants).toBeNull();
    // Without the state key the absence of other keys means nothing.
    expect(xvdf.negotiated.indirectSegments).toBeNull();
    expect(xvdf.notes.join('\n')).toContain('/local/domain/20674/device/vbd/51792 is not in the input');
  });
});

describe('xenstore-ls forms from the spec (no public sample)', () => {
  it('reads -p permissions in tree and flat form', () => {
    const src = parseText(
      xenstoreLsFormat,
      [
        'local = ""  (n0)',
        ' domain = "" . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r1)',
        '  1 = "" . . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,b1)',
        '   state = "4" . . . . . . . . . . . . . . . . . . . . . . . . .  (n1,r0)',
        '/local/domain/1/name = "guest"  (n0,r1)',
      ].join('\n'),
    );
    expect(src.xenstore!.nodes.map((n) => [n.path, n.value, n.perms])).toEqual([
      ['/local', '', 'n0'],
      ['/local/domain', '', 'n0,r1'],
      ['/local/domain/1', '', 'n0,b1'],
      ['/local/domain/1/state', '4', 'n1,r0'],
      ['/local/domain/1/name', 'guest', 'n0,r1'],
    ]);
    expect(src.diagnostics).toEqual([]);
  });

  it('undoes sanitise_value escapes and keeps literal quotes', () => {
    expect(unescapeXenstoreValue('a\\\\b\\tc\\nd\\re\\000f\\x7fg\\xc3\\xa9')).toEqual({ value: 'a\\b\tc\nd\re\0f\x7fgé', truncated: false, bad: null });
    expect(unescapeXenstoreValue('say "hi"').value).toBe('say "hi"');
    expect(unescapeXenstoreValue('/very/long/pa\\...')).toEqual({ value: '/very/long/pa', truncated: true, bad: null });
    // An escaped backslash followed by three dots is data, not the truncation marker.
    expect(unescapeXenstoreValue('x\\\\...')).toEqual({ value: 'x\\...', truncated: false, bad: null });
    expect(unescapeXenstoreValue('bad\\q').bad).toBe('\\q');
    const src = parseText(xenstoreLsFormat, 'tool = ""\n xenstored = "a "quoted" \\x01 value"\n');
    expect(node(src, '/tool/xenstored')?.value).toBe('a "quoted" \x01 value');
  });

  it('flags truncated and unreadable nodes, bad indentation and stray lines with line numbers', () => {
    const src = parseText(
      xenstoreLsFormat,
      [
        'root@dom0:~# xenstore-ls',
        'local = ""',
        ' domain = ""',
        '  1 = ""',
        '       vm = "/vm/d81ec5a9-5bf9-4f2b-89e8-0f60d6da948f/with/a/very/long/pa\\..."',
        '   secret:',
        '   name = "guest2"',
      ].join('\n'),
    );
    const nodes = src.xenstore!.nodes;
    expect(nodes.map((n) => n.path)).toEqual(['/local', '/local/domain', '/local/domain/1', '/local/domain/1/vm', '/local/domain/1/secret', '/local/domain/1/name']);
    expect(nodes[3]).toMatchObject({ truncated: true, value: '/vm/d81ec5a9-5bf9-4f2b-89e8-0f60d6da948f/with/a/very/long/pa', line: 5 });
    expect(nodes[4]).toMatchObject({ unreadable: true, value: '', line: 6 });
    const lines = src.diagnostics.filter((d) => d.severity === 'warning').map((d) => [d.line, d.message.split(' ')[0]]);
    expect(lines).toEqual([[1, 'not'], [5, 'indentation'], [5, 'value']]);
  });

  it('rejoins a node line wrapped by a mail client', () => {
    const long = '       params = "/home/root/guest2/xen-guest-image-minimal-raspberrypi4-64.ex';
    expect(long.length).toBeGreaterThanOrEqual(72);
    const src = parseText(xenstoreLsFormat, ['local = ""', ' domain = ""', '  0 = ""', '   backend = ""', '    vbd = ""', '     1 = ""', '      51712 = ""', long, 't3"', '       mode = "w"'].join('\n'));
    expect(node(src, '/local/domain/0/backend/vbd/1/51712/params')).toMatchObject({
      value: '/home/root/guest2/xen-guest-image-minimal-raspberrypi4-64.ext3',
      line: 8,
    });
    expect(node(src, '/local/domain/0/backend/vbd/1/51712/mode')?.line).toBe(10);
    expect(src.diagnostics.some((d) => d.line === 8 && /wrapped/.test(d.message))).toBe(true);
  });

  it('joins tree names below a given root', () => {
    const p = createXenstoreLsParser('x', { root: '/local/domain/1' });
    p.push(enc.encode('device = ""\n vbd = ""\n  51712 = ""\n   state = "4"\n'));
    expect(p.finish().xenstore!.nodes.map((n) => n.path)).toEqual([
      '/local/domain/1/device', '/local/domain/1/device/vbd', '/local/domain/1/device/vbd/51712', '/local/domain/1/device/vbd/51712/state',
    ]);
  });
});

describe('vbd interpretation', () => {
  it('decodes virtual-device numbers per xen-vbd-interface', () => {
    expect(vbdDeviceName(51712)).toBe('xvda');
    expect(vbdDeviceName(51728)).toBe('xvdb');
    expect(vbdDeviceName(51713)).toBe('xvda1');
    expect(vbdDeviceName(51792)).toBe('xvdf');
    expect(vbdDeviceName((1 << 28) | (536 << 8) | 37)).toBe('xvdtq37');
    expect(vbdDeviceName((1 << 28) | (26 << 8))).toBe('xvdaa');
    expect(vbdDeviceName(2048)).toBe('sda');
    expect(vbdDeviceName(2067)).toBe('sdb3');
    expect(vbdDeviceName(768)).toBe('hda');
    expect(vbdDeviceName(832)).toBe('hdb');
    expect(vbdDeviceName(5632)).toBe('hdc');
    expect(vbdDeviceName(5698)).toBe('hdd2');
    expect(vbdDeviceName(0x2000_0000)).toBe('');
    expect(vbdDeviceName(33 << 8)).toBe('');
  });

  it('negotiates a multi-page ring, no indirect and no persistent grants', () => {
    const kv: [string, string][] = [
      ['/local/domain/0/backend/vbd/7/51728/state', '4'],
      ['/local/domain/0/backend/vbd/7/51728/max-ring-page-order', '2'],
      ['/local/domain/0/backend/vbd/7/51728/feature-persistent', '1'],
      ['/local/domain/0/backend/vbd/7/51728/feature-max-indirect-segments', '8'],
      ['/local/domain/7/device/vbd/51728/backend-id', '0'],
      ['/local/domain/7/device/vbd/51728/state', '4'],
      ['/local/domain/7/device/vbd/51728/ring-page-order', '2'],
      ['/local/domain/7/device/vbd/51728/ring-ref0', '10'],
      ['/local/domain/7/device/vbd/51728/ring-ref1', '11'],
      ['/local/domain/7/device/vbd/51728/ring-ref2', '12'],
      ['/local/domain/7/device/vbd/51728/ring-ref3', '13'],
      ['/local/domain/7/device/vbd/51728/event-channel', '20'],
    ];
    const [v] = vbdsFromNodes(kv.map(([path, value], i) => ({ path, value, line: i + 1 })));
    expect(v.deviceName).toBe('xvdb');
    expect(v.front!.ringRefs).toEqual([10, 11, 12, 13]);
    // The frontend wrote no feature-persistent after publishing its state: it does not use them.
    expect(v.negotiated).toEqual({ persistentGrants: false, indirectSegments: 0, ringPages: 4, queues: 1, connected: true });
  });

  it('reports a frontend that asks more than the backend offers', () => {
    const [v] = vbdsFromNodes([
      { path: '/local/domain/0/backend/vbd/2/51712/state', value: '2', line: 1 },
      { path: '/local/domain/0/backend/vbd/2/51712/max-ring-page-order', value: '0', line: 2 },
      { path: '/local/domain/0/backend/vbd/2/51712/multi-queue-max-queues', value: '1', line: 3 },
      { path: '/local/domain/2/device/vbd/51712/state', value: '3', line: 4 },
      { path: '/local/domain/2/device/vbd/51712/ring-page-order', value: '1', line: 5 },
      { path: '/local/domain/2/device/vbd/51712/multi-queue-num-queues', value: '2', line: 6 },
    ]);
    expect(v.negotiated.connected).toBe(false);
    expect(v.notes.join('\n')).toMatch(/ring-page-order 1 exceeds the backend's max-ring-page-order 0/);
    expect(v.notes.join('\n')).toMatch(/multi-queue-num-queues 2 exceeds/);
  });
});

describe('oxenstored access log (wrapped by the mail archive)', () => {
  const src = parse(xenstoreLogFormat, corpus(OXEN));
  const log = src.xenstore!.log;

  it('rejoins each header with its data line and reads all 31 records', () => {
    expect(src.format).toBe('xenstore-log');
    expect(log).toHaveLength(31);
    expect(pick(log[0])).toEqual({
      op: 'write', opName: 'write', dir: 'in', conn: 'A41354', domid: 0, path: '/local/domain/0/backend/qdisk/1311/5632', value: '', line: 1,
    });
    expect(pick(log[1])).toEqual({
      op: 'watch_event', opName: 'w event', dir: 'out', conn: 'A41248', domid: 0, path: 'backend/qdisk/1311/5632',
      value: '38ed11d9-9a38-4022-ad75-7c571d4886ed', line: 3,
    });
    const d0 = log.find((e) => e.connection === 'D0')!;
    expect(pick(d0)).toMatchObject({ op: 'watch_event', domid: 0, path: 'backend/qdisk/1311/5632', value: 'FFFFFFFF8276B520', line: 57 });
    expect(log.filter((e) => e.op === 'watch_event')).toHaveLength(30);
    expect(log[30]).toMatchObject({ connection: 'A41354', value: 'e4456ca4-70f4-4afc-9ba1-4a1cfd74c8e6', line: 61 });
  });

  it('keeps UTC dates exactly on an epoch clock', () => {
    expect(src.clock).toEqual({ kind: 'epoch', baseNs: String(Date.UTC(2020, 8, 18, 15, 15, 18) / 1000) + '000000000' });
    expect(log[0].timeNs).toBe(45_000_000);
    expect(log[1].timeNs).toBe(46_000_000);
    expect(log[30].timeNs).toBe(47_000_000);
  });

  it('reports every rejoined record, and makes the qdisk backend a vbd record', () => {
    const warn = src.diagnostics.filter((d) => d.severity === 'warning');
    expect(warn.slice(0, 2).map((d) => d.line)).toEqual([1, 3]);
    expect(warn[0].message).toMatch(/lines 1-2 .*wrapped/);
    expect(src.diagnostics.some((d) => /31 records in all/.test(d.message))).toBe(true);
    const [v] = src.xenstore!.vbds;
    expect({ fe: v.frontDomid, devid: v.devid, name: v.deviceName, back: v.back?.path, front: v.front }).toEqual({
      fe: 1311, devid: 5632, name: 'hdc', back: '/local/domain/0/backend/qdisk/1311/5632', front: null,
    });
    expect(v.notes.join('\n')).toContain('qdisk (QEMU');
  });

  it('gives identical results for every chunk size', () => {
    const ref = canonical(src);
    for (const size of [1, 7, 4093]) expect(canonical(parse(xenstoreLogFormat, corpus(OXEN), size))).toBe(ref);
  });
});

describe('C xenstored trace, pre-4.18 (wrapped at 80 columns)', () => {
  const src = parse(xenstoreLogFormat, corpus(CTRACE));
  const log = src.xenstore!.log;

  it('reads the I/O records, pairing the error reply with its request', () => {
    expect(log).toHaveLength(29);
    expect(pick(log[0])).toEqual({
      op: 'read', opName: 'READ', dir: 'in', conn: '0x559fae71f250', domid: -1, path: '/local/domain/3/image/device-model-domid', value: '', line: 1,
    });
    expect(pick(log[1])).toEqual({
      op: 'error', opName: 'ERROR', dir: 'out', conn: '0x559fae71f250', domid: -1, path: '/local/domain/3/image/device-model-domid', value: 'ENOENT', line: 11,
    });
    expect(pick(log[2])).toEqual({ op: 'release', opName: 'RELEASE', dir: 'in', conn: '0x559fae71f250', domid: -1, path: '', value: '3', line: 16 });
    expect(src.clock).toEqual({ kind: 'epoch', baseNs: String(Date.UTC(2023, 0, 20, 17, 40, 53) / 1000) + '000000000' });
    expect(log.slice(0, 3).map((e) => e.timeNs)).toEqual([0, 0, 0]);
  });

  it('reads object and orphaned-node lines, and counts wrl: lines', () => {
    expect(log.filter((e) => e.opName === 'DESTROY watch')).toHaveLength(8);
    expect(pick(log[11])).toMatchObject({ op: 'disconnect', opName: 'DESTROY connection', conn: '0x559fae724290', line: 25 });
    const orphans = log.filter((e) => e.op === 'rm');
    expect(orphans).toHaveLength(17);
    expect(orphans[1]).toMatchObject({ path: '/local/domain/3/device/vbd/51712', opName: 'orphaned node deleted', line: 27 });
    expect(Number.isNaN(orphans[0].timeNs)).toBe(true);
    expect(src.diagnostics.some((d) => d.message === '6 wrl: line(s) not kept as entries')).toBe(true);
    // The 80-column wraps were cut mid-word: the wrapped lines are rejoined without a space.
    expect(src.diagnostics.filter((d) => /wrapped/.test(d.message)).map((d) => d.line)).toEqual([1, 3, 5, 7, 9, 12, 14]);
    expect(src.diagnostics.some((d) => /local time/.test(d.message))).toBe(true);
  });

  it('gives identical results for every chunk size', () => {
    const ref = canonical(src);
    for (const size of [1, 7, 4093]) expect(canonical(parse(xenstoreLogFormat, corpus(CTRACE), size))).toBe(ref);
  });
});

describe('C xenstored trace, 4.18-dev io:/obj: prefixes with dN', () => {
  const src = parse(xenstoreLogFormat, corpus(IOOBJ));
  const log = src.xenstore!.log;

  it('reads domain ids, rejoins the word-wrapped payload and skips debug lines', () => {
    expect(log.map(pick)).toEqual([
      { op: 'introduce', opName: 'INTRODUCE', dir: 'in', conn: '0xffff90fec250', domid: 0, path: '', value: '1 233473 1', line: 1 },
      { op: 'connect', opName: 'CREATE connection', dir: '', conn: '0xffff90fff1f0', domid: -1, path: '', value: '', line: 2 },
      { op: 'watch_event', opName: 'WATCH_EVENT', dir: 'out', conn: '0xffff9105cef0', domid: 0, path: '@introduceDomain', value: 'domlist', line: 5 },
    ]);
    expect(src.diagnostics.some((d) => d.message === '1 *** line(s) not kept as entries')).toBe(true);
    expect(src.diagnostics.filter((d) => /wrapped/.test(d.message)).map((d) => d.line)).toEqual([3, 5]);
  });
});

describe('xenstored logs from the spec (no public sample)', () => {
  it('reads a 4.19 trace with (dN), OUT replies and a vbd state timeline', () => {
    const text = [
      'io: IN 0x5611 (d0) 20240301 10:00:00 WRITE (/local/domain/0/backend/vbd/5/51712/state\u00002)'.replace('\u0000', ' '),
      'io: OUT 0x5611 (d0) 20240301 10:00:00 WRITE (OK )',
      'io: IN 0x5622 (d5) 20240301 10:00:01 WRITE (device/vbd/51712/state 3)',
      'io: IN 0x5622 (d5) 20240301 10:00:01 WRITE (device/vbd/51712/ring-ref 9)',
      'io: IN 0x5611 (d0) 20240301 10:00:02 WRITE (/local/domain/0/backend/vbd/5/51712/state 4)',
      'io: IN 0x5622 (d5) 20240301 10:00:02 READ (device/vbd/51712/backend )',
      'io: OUT(START) 0x5622 (d5) 20240301 10:00:02 READ (/local/domain/0/backend/vbd/5/51712)',
      'io: IN 0x5622 (d5) 20240301 10:00:03 WRITE (device/vbd/51712/state 4)',
      'obj: DESTROY transaction 0x5699',
      'acc: local change domid 5',
    ].join('\n');
    const src = parseText(xenstoreLogFormat, text);
    const log = src.xenstore!.log;
    expect(log).toHaveLength(9);
    expect(pick(log[1])).toMatchObject({ op: 'write', dir: 'out', path: '/local/domain/0/backend/vbd/5/51712/state', value: 'OK' });
    expect(pick(log[2])).toMatchObject({ op: 'write', domid: 5, path: 'device/vbd/51712/state', value: '3' });
    expect(pick(log[6])).toMatchObject({ op: 'read', opName: 'READ', dir: 'out', path: 'device/vbd/51712/backend', value: '/local/domain/0/backend/vbd/5/51712' });
    expect(log[7].timeNs).toBe(3e9);
    const [v] = src.xenstore!.vbds;
    expect(v.front!.ringRefs).toEqual([9]);
    expect(v.negotiated.connected).toBe(true);
    expect(v.stateTimeline).toEqual([
      { side: 'back', state: 2, timeNs: 0, line: 1 },
      { side: 'front', state: 3, timeNs: 1e9, line: 3 },
      { side: 'back', state: 4, timeNs: 2e9, line: 5 },
      { side: 'front', state: 4, timeNs: 3e9, line: 8 },
    ]);
  });

  it('reads oxenstored transactions, escapes and values with spaces', () => {
    const text = [
      '[20231114T10:00:00.123Z]  D5.12        write     /local/domain/5/data/x a value\\twith\\"escapes\\"',
      '[20231114T10:00:00.124Z]  D5.12        t end     commit',
      '[20231114T10:00:00.125Z]  D5           error     ENOENT',
      '[20231114T10:00:00.126Z]  A12          is introduced 5',
      '[20231114T10:00:00.127Z]  D5           rm        /local/domain/5/data',
      '[20231114T10:00:00.200Z|error|xenstored] some daemon message',
    ].join('\n');
    const src = parseText(xenstoreLogFormat, text);
    const log = src.xenstore!.log;
    expect(log.map((e) => [e.op, e.connection, e.domid, e.transaction, e.path, e.value])).toEqual([
      ['write', 'D5', 5, 12, '/local/domain/5/data/x', 'a value\twith"escapes"'],
      ['transaction_end', 'D5', 5, 12, '', 'commit'],
      ['error', 'D5', 5, 0, '', 'ENOENT'],
      ['other', 'A12', 0, 0, '', '5'],
      ['rm', 'D5', 5, 0, '/local/domain/5/data', ''],
    ]);
    expect(log[0].timeNs).toBe(123_000_000);
    expect(unescapeOcaml('a\\065\\\\b')).toBe('aA\\b');
    expect(src.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  it('reports malformed records with their line and keeps the rest', () => {
    const text = [
      'IN 0x1 20240301 10:00:00 WRITE (/a 1)',
      'IN 0x1 20241399 10:00:00 WRITE (/b 2)',
      'hello',
      '',
      'something else entirely',
      'OUT 0x1 20240301 10:00:00 WRITE',
      'IN 0x1 20240301 10:00:01 WRITE (/c 3)',
    ].join('\n');
    const src = parseText(xenstoreLogFormat, text);
    expect(src.xenstore!.log.map((e) => [e.path, e.line])).toEqual([['/a', 1], ['/b', 2], ['/b', 6], ['/c', 7]]);
    expect(Number.isNaN(src.xenstore!.log[1].timeNs)).toBe(true);
    const diag = src.diagnostics.filter((d) => d.severity !== 'info').map((d) => [d.line, d.message.slice(0, 20)]);
    expect(diag).toEqual([[2, 'record spans lines 2'], [5, 'not a xenstored trac'], [6, 'WRITE record has no ']]);
  });
});

describe('sniffers', () => {
  it('recognise each corpus file as its own format only', () => {
    const expectLs = [TREE, GREP];
    for (const rel of [TREE, GREP, OXEN, CTRACE, IOOBJ]) {
      const b = corpus(rel);
      const ls = sniff(xenstoreLsFormat, b);
      const lg = sniff(xenstoreLogFormat, b);
      if (expectLs.includes(rel)) {
        expect(ls!.score, rel).toBeGreaterThanOrEqual(0.9);
        expect(lg, rel).toBeNull();
      } else {
        expect(lg!.score, rel).toBeGreaterThanOrEqual(0.75);
        expect(ls, rel).toBeNull();
      }
    }
  });

  it('claim no strace, blkparse, ftrace or blktrace file', () => {
    const files = [
      ...walk(`${CORPUS}/strace`), ...walk(`${CORPUS}/blkparse`), ...walk(`${CORPUS}/ftrace`),
      fixturePath('edge-cases', 'main.strace.txt'), fixturePath('edge-cases', 'main.blkparse.txt'),
      fixturePath('edge-cases', 'main.ftrace.txt'), fixturePath('edge-cases', 'main.bin'),
    ];
    for (const f of files) {
      const b = readInput(f).subarray(0, 64 * 1024);
      expect(sniff(xenstoreLsFormat, b), f).toBeNull();
      expect(sniff(xenstoreLogFormat, b), f).toBeNull();
    }
  });
});

describe('robustness', () => {
  const inputs = [TREE, GREP, OXEN, CTRACE, IOOBJ].map(corpus);
  const specs = [xenstoreLsFormat, xenstoreLogFormat];

  it('never throws on random bytes or text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 64 }), (bytes, chunk) => {
        for (const spec of specs) {
          const src = parse(spec, bytes, chunk);
          expect(src.xenstore).toBeDefined();
          spec.sniff(bytes, new TextDecoder().decode(bytes));
        }
      }),
      { numRuns: 150 },
    );
    const alphabet = fc.constantFrom(' ', '"', '=', '\\', '/', '\n', 'a', '0', '(', ')', ':', '[', ']', 'IN 0x1 20200101 00:00:00 ', ' = "', 'x', '.', 'T');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 300 }), (parts) => {
        const b = enc.encode(parts.join(''));
        for (const spec of specs) parse(spec, b, 5);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on mutated corpus files (truncation, bit flips, spliced lines)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: inputs.length - 1 }),
        fc.integer({ min: 0, max: inputs.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 8 }),
        fc.nat(),
        fc.nat(),
        (a, b, flips, cut, splice) => {
          const x = inputs[a].slice(0, 1 + (cut % inputs[a].length));
          for (const [pos, bit] of flips) x[pos % x.length] ^= 1 << bit;
          const y = inputs[b];
          const s = splice % y.length;
          const mixed = new Uint8Array(x.length + y.length - s);
          mixed.set(x);
          mixed.set(y.subarray(s), x.length);
          for (const spec of specs) {
            const src = parse(spec, mixed, 13);
            for (const d of src.diagnostics) expect(d.line === undefined || d.line >= 1).toBe(true);
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('runs in linear time (doubling the input at most ~3x the time)', () => {
    const time = (spec: FormatSpec, b: Uint8Array) => {
      parse(spec, b, 65536);
      let best = Infinity;
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        parse(spec, b, 65536);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const repeat = (b: Uint8Array, n: number) => {
      const out = new Uint8Array(b.length * n);
      for (let i = 0; i < n; i++) out.set(b, i * b.length);
      return out;
    };
    // Worst cases too: one endless wrapped record, one endless unterminated value.
    const pathological = [enc.encode('IN 0x1 20200101 00:00:00 READ (/a\n' + 'x'.repeat(100) + '\n'), enc.encode('a = "' + 'b'.repeat(50) + '\n' + 'c'.repeat(50) + '\n')];
    const cases: [FormatSpec, Uint8Array][] = [
      [xenstoreLsFormat, corpus(TREE)], [xenstoreLogFormat, corpus(OXEN)], [xenstoreLogFormat, corpus(CTRACE)],
      [xenstoreLogFormat, pathological[0]], [xenstoreLsFormat, pathological[1]],
    ];
    for (const [spec, b] of cases) {
      const unit = Math.max(1, Math.round(200_000 / b.length));
      // Generous, and retried: the machine is shared; a quadratic path would fail every attempt.
      const tries: string[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const t1 = time(spec, repeat(b, unit));
        const t2 = time(spec, repeat(b, unit * 2));
        tries.push(`${t1.toFixed(1)}→${t2.toFixed(1)}ms`);
        if (t2 < 3 * t1 + 50) break;
      }
      const [t1, t2] = tries[tries.length - 1].split('→').map((x) => parseFloat(x));
      expect(t2, tries.join(', ')).toBeLessThan(3 * t1 + 50);
    }
  });
});

describe('chunking', () => {
  it.each([TREE, GREP, OXEN, CTRACE, IOOBJ])('%s: identical for chunk sizes 1, 7, 4093, 1 MiB', (rel) => {
    const spec = rel === TREE || rel === GREP ? xenstoreLsFormat : xenstoreLogFormat;
    const outs = CHUNK_SIZES.map((s) => canonical(parse(spec, corpus(rel), s)));
    for (const o of outs) expect(o).toBe(outs[0]);
  });
});
