/** Generators of hostile input: ids from path and glob characters, awkward unicode, extreme lengths, lying bodies. */
import fc from 'fast-check';

/** The documented id rule (README, "HTTP API"), restated here so the tests pin the contract, not the code. */
export function isValidId(id: string): boolean {
  return id.length >= 1 && id.length <= 128 && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(id);
}

const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'];
const ID_CHARS = [...ALNUM, '.', '_', '-'];

/** Characters that mean something to a path, a shell or a glob. */
export const PATH_AND_GLOB = [
  '/',
  '\\',
  '..',
  '.',
  '*',
  '?',
  '[',
  ']',
  '{',
  '}',
  '~',
  '$',
  '%',
  '#',
  ':',
  ';',
  ' ',
  '&',
  '=',
  '+',
  '|',
  '<',
  '>',
  '"',
  "'",
  '`',
  '!',
  '@',
  '^',
  '(',
  ')',
  ',',
  '\u0000',
];

/** Whole ids that try to climb out, expand, or name something that is not a task. */
export const TRAVERSALS = [
  '..',
  '.',
  '../',
  '../..',
  '../../etc/passwd',
  '..\\..\\windows',
  '/etc/passwd',
  '/',
  '\\',
  '~',
  '~root',
  '$HOME',
  '${HIVE_ROOT}',
  '$(id)',
  '`id`',
  '*',
  '**',
  '?',
  '[!a]',
  '{a,b}',
  '.deia',
  '.hidden',
  'a/../b',
  'tasks/../../x',
  'BEE-001/../..',
  '%2e%2e%2f',
  '..%2f',
  '%00',
  'a\u0000b',
  'TASK-1\u0000.json',
  'TASK-1/',
  ' TASK-1',
  'TASK-1 ',
  '-rf',
  'CON',
  'nul',
  'a.json',
  'TASK-*',
  'TASK-?',
  'TASK-[0-9]',
  'TASK-{1,2}',
];

/** Right-to-left, emoji, combining marks, NUL and other control characters, lone surrogates, look-alikes. */
export const AWKWARD_UNICODE = [
  '\u202E',
  '\u200F',
  '\u200E',
  '\u2066',
  'שלום',
  'مرحبا',
  '😀',
  '👩‍👩‍👧‍👦',
  '🏳️‍🌈',
  'e\u0301',
  '\u0301',
  'Z\u0335\u0321\u031b\u0358',
  '\u0000',
  '\u0001',
  '\u0007',
  '\u0008',
  '\u001b[31m',
  '\r',
  '\n',
  '\r\n',
  '\t',
  '\u007f',
  '\u0085',
  '\u00a0',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\ufffd',
  '\ud800',
  '\udfff',
  'İ',
  'ß',
  'ﬁ',
  'Ａ',
  '𝔘',
  '\u{10FFFF}',
  'Ω',
  '\u3000',
  '\u200B',
];

const piece = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...ID_CHARS) },
  { weight: 2, arbitrary: fc.constantFrom(...PATH_AND_GLOB) },
  { weight: 2, arbitrary: fc.constantFrom(...AWKWARD_UNICODE) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }) },
);

/** Ids that follow the rule, so that some requests are accepted and the rest can be checked against them. */
export const wellFormedId = fc
  .tuple(fc.constantFrom(...ALNUM), fc.array(fc.constantFrom(...ID_CHARS), { maxLength: 40 }))
  .map(([first, rest]) => first + rest.join(''));

/** Lengths 0, 1, 128, 129 and 10k, of id characters and of hostile ones. */
export const extremeLengthId = fc
  .tuple(
    fc.constantFrom(0, 1, 128, 129, 10_000),
    fc.constantFrom(...ALNUM),
    fc.constantFrom('T', '7', '.', '-', '/', '*', 'é', '😀', '\u0000', '\u202E'),
  )
  .map(([length, first, fill]) => (length === 0 ? '' : first + fill.repeat(length - 1)));

export const hostileId: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.array(piece, { maxLength: 24 }).map((pieces) => pieces.join('')) },
  { weight: 2, arbitrary: fc.constantFrom(...TRAVERSALS) },
  { weight: 3, arbitrary: wellFormedId },
  { weight: 1, arbitrary: extremeLengthId },
  {
    weight: 2,
    arbitrary: fc.tuple(wellFormedId, piece, wellFormedId).map(([before, middle, after]) => before + middle + after),
  },
);

/** Free text for titles, summaries, intents and search: anything a person or a program might paste. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '\t\n',
    '\u0000',
    'x'.repeat(201),
    'y'.repeat(20_001),
    '"; DROP TABLE events; --',
    'NEAR(a b)',
    '*',
    '"',
  ),
);

/** Percent-escapes that do not decode: lone `%`, non-hex digits, truncated and invalid UTF-8 sequences. */
export const brokenEscape: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%',
    '%%',
    '%G0',
    '%0',
    '%zz',
    '%ff',
    '%FF',
    '%80',
    '%c0%af',
    '%C0%80',
    '%ed%a0%80',
    '%f4%90%80%80',
    '%e0%a4%a',
    '%e2%82',
    '%fe',
    '%2',
  ),
  fc.integer({ min: 0x80, max: 0xff }).map((byte) => `%${byte.toString(16)}`),
);

/** A path segment with at least one escape that cannot be decoded. */
export const undecodableSegment = fc
  .tuple(
    fc.array(fc.constantFrom(...ALNUM, '-', '.'), { maxLength: 6 }),
    brokenEscape,
    fc.array(fc.constantFrom(...ALNUM, '-'), { maxLength: 6 }),
  )
  .map(([before, broken, after]) => before.join('') + broken + after.join(''));
