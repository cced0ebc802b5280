/**
 * The byte-level hot path of the blkparse text parser (parsers/blkparseBytes)
 * must give exactly what the string path gives: same events, same interned
 * tables, same diagnostics, for any chunking.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BlkparseTextParser, parseBlkparseText } from '../../parsers/blkparse';
import { ByteEventScanner } from '../../parsers/blkparseBytes';
import type { ParsedSource } from '../../parsers/model/source';
import { ByteLineSplitter } from '../../parsers/text/byteLines';
import { canonical } from '../helpers/canonical';
import { feed, readInput, walk, FIXTURES } from '../helpers/fixtures';

const enc = new TextEncoder();

function parse(bytes: Uint8Array, chunk: number, fastPath: boolean): ParsedSource {
  return feed(new BlkparseTextParser('t', fastPath), bytes, chunk);
}

/** canonical() plus the interned tables in index order (canonical shows names, not indices). */
function full(src: ParsedSource): string {
  const b = src.block!;
  return `${canonical(src)}\nstrings=${JSON.stringify(b.strings.values)}\nrwbs=${JSON.stringify(b.rwbsTable.values)}\ndevices=${b.devices.join(',')}`;
}

function same(bytes: Uint8Array, chunks = [1, 7, 4093]): void {
  const want = full(parse(bytes, 1 << 20, false));
  for (const c of chunks) expect(full(parse(bytes, c, true)), `chunk ${c}`).toBe(want);
}

/** Lines the byte scanner accepts, split as the parser splits them. */
function accepted(bytes: Uint8Array): { lines: number; events: number } {
  const sc = new ByteEventScanner();
  let lines = 0;
  let events = 0;
  const sp = new ByteLineSplitter({
    bytes: (b, a) => {
      lines++;
      if (sc.event(b, a) >= 0) events++;
    },
  });
  sp.push(bytes);
  sp.finish();
  return { lines, events };
}

/** Mostly a valid value, sometimes a broken one: about a third of the generated lines are fully valid. */
const field = (ok: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) => fc.oneof({ weight: 20, arbitrary: ok }, { weight: 1, arbitrary: bad });
const blanks = field(fc.constantFrom(' ', '  ', '\t', '     '), fc.constantFrom('', '\r', '\u00a0', 'x'));
const num = field(
  fc.oneof(fc.nat({ max: 99999 }).map(String), fc.constantFrom('0', '4294967295', '18446744073709551615', '00012')),
  fc.constantFrom('', '4294967296', '123456789012345678901', '-5', '1x', '٣'),
);
const seq = field(fc.oneof(fc.nat().map(String), fc.constantFrom('-2147483648', '-1')), fc.constantFrom('', '12345678901', '--1', '4294967296'));
const time = field(
  fc.tuple(fc.nat({ max: 99999 }), fc.constantFrom('000000000', '5', '123456789', '000012058')).map(([s, f]) => `${s}.${f}`),
  fc.constantFrom('1.', '.5', '1.1234567890', '1,5', '1'),
);
const action = field(fc.constantFrom('Q', 'G', 'I', 'D', 'C', 'R', 'M', 'F', 'S', 'B', 'P', 'U', 'UT', 'T'), fc.constantFrom('X', 'A', 'm', 'N', 'q', 'QQ', '1a,2 m', '1a,2 Q', 'é', ''));
const rwbs = field(fc.constantFrom('R', 'W', 'WS', 'RA', 'N', 'FWFSM', 'ABCDEFGHIJK', 'DR'), fc.constantFrom('W1', 'r', 'É', ''));
const comm = field(
  fc.constantFrom('[fio]', '[(null)]', '[kworker/u8:2]', '[a b]', '[x] y]', '[0]', '[65531]', '[x\r]', '[]', '[(null)x]', '[(null)] '),
  fc.constantFrom('[né]', '[', '(null)]', '[x\u0000]', '[fio]x'),
);
const sectors = fc.tuple(num, field(fc.constantFrom(' + ', ' +\t', '\t+  '), fc.constantFrom('+', ' - ', ' ++ ', ' +', ' / ')), num).map((p) => p.join(''));
const err = field(fc.constantFrom('[0]', '[65531]', '[5]', '[4294967295]'), fc.constantFrom('[-5]', '[12345678901]', '[x]', '[0'));
const depth = field(fc.constantFrom(' 3', '\t12', '  0', ' 4294967295'), fc.constantFrom('', ' 99999999999', ' x', '3'));
/** Action letters with the tails process_default prints for them, sometimes with another action's tail. */
const actionTail = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('Q', 'G', 'I', 'D', 'M', 'F', 'S', 'B'), fc.oneof(fc.tuple(sectors, blanks, comm).map((p) => p.join('')), comm)) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('C', 'R'), fc.tuple(sectors, blanks, err).map((p) => p.join(''))) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('P'), comm) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('U', 'UT', 'T'), fc.tuple(comm, depth).map((p) => p.join(''))) },
  {
    weight: 2,
    arbitrary: fc.tuple(
      action,
      fc.oneof(
        fc.tuple(num, fc.constantFrom(' / ', ' <- (8,0) ', ' (12345678) ', ' '), num, blanks, comm).map((p) => p.join('')),
        fc.constantFrom('', 'some message text', '[0]', '8 + 8 [0] extra', '8 [0]', '(4096) [0]', '[fio] 3', '8 + 8 [fio]'),
      ),
    ),
  },
);
const small = field(fc.nat({ max: 300 }).map(String), fc.constantFrom('4096', '65536', '', 'x'));
/** An event-like line: every field mostly valid, sometimes broken, blanks of varying widths. */
const line = fc
  .tuple(
    field(fc.constantFrom('', ' ', '  '), fc.constantFrom('\t', '\uFEFF', 'x')), small, field(fc.constant(','), fc.constantFrom(', ', '.')), num, blanks, small, blanks, seq, blanks,
    time, blanks, num, blanks, actionTail, field(fc.constantFrom('', ' ', '\t'), fc.constantFrom('\r', ' \r', '\r ', ' x')),
  )
  .map(([lead, major, comma, minor, b1, cpu, b2, sq, b3, t, b4, pid, b5, [act, tl], end]) => [lead, major, comma, minor, b1, cpu, b2, sq, b3, t, b4, pid, b5, act, ' ', 'W', ' ', tl, end].join(''));
const rwbsLine = fc.tuple(line, rwbs, blanks).map(([l, r, b]) => l.replace(/ W /, b + r + b));

describe('blkparse byte fast path', () => {
  it('takes every event line of a real trace (fio-mixed) and gives the string path result', () => {
    const bytes = readInput(`${FIXTURES}/fio-mixed/main.blkparse.txt.xz`);
    const { events } = accepted(bytes);
    const src = parse(bytes, 1 << 20, true);
    expect(events).toBeGreaterThan(170_000);
    expect(events).toBe(src.block!.length);
    expect(full(src)).toBe(full(parse(bytes, 1 << 20, false)));
    // the whole-buffer entry point (columns reserved up front, one push) gives the same, trimmed to size
    const whole = parseBlkparseText(bytes, 't');
    expect(whole.block!.timeNs.length).toBe(src.block!.length);
    expect(full({ ...whole, evidence: src.evidence })).toBe(full(src));
  });

  it('gives the string path result on every blkparse text fixture (chunks 1, 7, 4093)', () => {
    const files = walk(FIXTURES).filter((f) => /\.blkparse\.txt$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) same(readInput(f), [7, 4093]);
    same(readInput(files[0]), [1]);
  });

  it('fast-check: random event-like lines (broken fields, odd blanks, CR, non-ASCII) give the string path result', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(line, rwbsLine), { minLength: 1, maxLength: 12 }), fc.constantFrom('\n', '\r\n'), (lines, nl) => {
        same(enc.encode(lines.join(nl) + (lines.length % 2 ? nl : '')));
      }),
      { numRuns: 400 },
    );
  });

  it('fast-check: the generated lines include both fast-path events and lines left to the string path', () => {
    let fast = 0;
    let slow = 0;
    fc.assert(
      fc.property(fc.oneof(line, rwbsLine), (l) => {
        const { events } = accepted(enc.encode(l + '\n'));
        if (events) fast++;
        else slow++;
      }),
      { numRuns: 2000 },
    );
    expect(fast).toBeGreaterThan(20);
    expect(slow).toBeGreaterThan(20);
  });

  it('a non-ASCII command name goes through the string path and keeps its decoded text', () => {
    const bytes = enc.encode('  8,0    1        1     0.000000001  42  Q   W 8 + 8 [né]\n  8,0    1        2     0.000000002  42  Q   W 16 + 8 [fio]\n');
    expect(accepted(bytes).events).toBe(1);
    const src = parse(bytes, 3, true);
    expect(src.block!.length).toBe(2);
    expect(src.block!.strings.get(src.block!.comm[0])).toBe('né');
    same(bytes);
  });
});
