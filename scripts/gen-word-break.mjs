// Generates src/retrieval/analysis/word-break-data.ts: the character classes and the state machine
// of qexp's StandardTokenizer, from the Unicode data of the version each Lucene line follows.
//   node scripts/gen-word-break.mjs          writes the file
//   node scripts/gen-word-break.mjs --check  exits 1 when the file is not what this script writes
//
// The token rules are UAX#29's word rules in the form Lucene's StandardTokenizer grammar gives them
// (longest match; on equal length the earlier rule wins):
//   EMOJI     emoji sequences (UTS#51): characters with presentation selectors and modifiers,
//             joined by ZWJ, tag sequences, keycaps, pairs of regional indicators
//   NUM       numbers: Numeric characters joined by MidNum / MidNumLet / Single_Quote or ExtendNumLet
//   HANGUL    runs of Hangul letters       KATAKANA   runs of Katakana
//   ALPHANUM  letters, numbers and Katakana joined by the word rules (WB5-WB13b)
//   SOUTHEAST_ASIAN  runs of Line_Break=Complex_Context (Thai, Lao, Myanmar, Khmer…)
//   IDEOGRAPHIC one Han character          HIRAGANA   one Hiragana character
//   anything else: one code point, skipped
// Every class is followed by any Extend / Format / ZWJ characters (WB4); in emoji sequences, by
// those other than the presentation selectors U+FE0E and U+FE0F.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OUT = join(import.meta.dirname, '..', 'src', 'retrieval', 'analysis', 'word-break-data.ts');

/**
 * Lucene 8 (JFlex 1.7): Unicode 9.0, emoji properties of Emoji 11.0, full-width digits added to
 * Numeric. Lucene 9 and 10 (JFlex 1.8.2): Unicode 12.1 with its emoji properties.
 */
const VERSIONS = [
  { name: 'lucene8', unicode: '9.0.0', emoji: '11.0.0', fullwidthDigits: true },
  { name: 'lucene9', unicode: '12.1.0', emoji: '12.1.0', fullwidthDigits: false },
];

export const RULES = ['EMOJI', 'NUM', 'HANGUL', 'KATAKANA', 'ALPHANUM', 'SOUTHEAST_ASIAN', 'IDEOGRAPHIC', 'HIRAGANA', 'SKIP'];

const B = {
  FEZ: 1 << 0, // WB Format | Extend | ZWJ
  ZWJ: 1 << 1,
  FE0F: 1 << 2,
  FE0E: 1 << 3,
  KEYCAP_BASE: 1 << 4,
  KEYCAP: 1 << 5,
  ACCIDENTAL: 1 << 6,
  RI: 1 << 7,
  EMOJI: 1 << 8,
  EMOD: 1 << 9,
  EMOD_BASE: 1 << 10,
  EXTPICT: 1 << 11,
  TAGSPEC: 1 << 12,
  TAGTERM: 1 << 13,
  ALETTER: 1 << 14,
  HEBREW: 1 << 15,
  HANGUL: 1 << 16,
  NUMERIC: 1 << 17,
  KATAKANA: 1 << 18,
  MIDLETTER: 1 << 19,
  MIDNUMLET: 1 << 20,
  MIDNUM: 1 << 21,
  SQ: 1 << 22,
  DQ: 1 << 23,
  ENL: 1 << 24,
  HAN: 1 << 25,
  HIRAGANA: 1 << 26,
  SA: 1 << 27,
};

async function ranges(pkg, path) {
  return (await import(`@unicode/unicode-${pkg}/${path}/ranges.mjs`)).default;
}

async function propertyBits(v) {
  const bits = new Uint32Array(0x110000);
  const mark = async (pkg, path, bit) => {
    for (const r of await ranges(pkg, path)) for (let c = r.begin; c < r.end; c++) bits[c] |= bit;
  };
  const u = v.unicode;
  for (const p of ['Format', 'Extend', 'ZWJ']) await mark(u, `Word_Break/${p}`, B.FEZ);
  await mark(u, 'Word_Break/ZWJ', B.ZWJ);
  await mark(u, 'Word_Break/Regional_Indicator', B.RI);
  await mark(u, 'Word_Break/ALetter', B.ALETTER);
  await mark(u, 'Word_Break/Hebrew_Letter', B.HEBREW);
  await mark(u, 'Word_Break/Numeric', B.NUMERIC);
  await mark(u, 'Word_Break/Katakana', B.KATAKANA);
  await mark(u, 'Word_Break/MidLetter', B.MIDLETTER);
  await mark(u, 'Word_Break/MidNumLet', B.MIDNUMLET);
  await mark(u, 'Word_Break/MidNum', B.MIDNUM);
  await mark(u, 'Word_Break/Single_Quote', B.SQ);
  await mark(u, 'Word_Break/Double_Quote', B.DQ);
  await mark(u, 'Word_Break/ExtendNumLet', B.ENL);
  await mark(u, 'Script/Hangul', B.HANGUL);
  await mark(u, 'Script/Han', B.HAN);
  await mark(u, 'Script/Hiragana', B.HIRAGANA);
  await mark(u, 'Line_Break/Complex_Context', B.SA);
  await mark(v.emoji, 'Binary_Property/Emoji', B.EMOJI);
  await mark(v.emoji, 'Binary_Property/Emoji_Modifier', B.EMOD);
  await mark(v.emoji, 'Binary_Property/Emoji_Modifier_Base', B.EMOD_BASE);
  await mark(v.emoji, 'Binary_Property/Extended_Pictographic', B.EXTPICT);
  if (v.fullwidthDigits) {
    const nd = new Set();
    for (const r of await ranges(u, 'General_Category/Decimal_Number')) for (let c = r.begin; c < r.end; c++) nd.add(c);
    for (const r of await ranges(u, 'Block/Halfwidth_And_Fullwidth_Forms'))
      for (let c = r.begin; c < r.end; c++) if (nd.has(c)) bits[c] |= B.NUMERIC;
  }
  bits[0xfe0f] |= B.FE0F;
  bits[0xfe0e] |= B.FE0E;
  for (const c of '0123456789#*') bits[c.codePointAt(0)] |= B.KEYCAP_BASE;
  bits[0x20e3] |= B.KEYCAP;
  for (const c of [0xa9, 0xae, 0x2122, 0x3030, 0x303d]) bits[c] |= B.ACCIDENTAL;
  for (let c = 0xe0020; c <= 0xe007e; c++) bits[c] |= B.TAGSPEC;
  bits[0xe007f] |= B.TAGTERM;
  return bits;
}

// ---- a small regular-expression compiler over character classes: AST → NFA → DFA → minimal DFA

const set = (pred) => ({ t: 'set', pred });
const seq = (...xs) => ({ t: 'seq', xs });
const alt = (...xs) => ({ t: 'alt', xs });
const star = (x) => ({ t: 'star', x });
const plus = (x) => seq(x, star(x));
const opt = (x) => alt(x, seq());

function grammar() {
  const has = (b) => (s) => (s & b) !== 0;
  const fez = set(has(B.FEZ));
  const sans = set((s) => (s & B.FEZ) !== 0 && (s & (B.FE0E | B.FE0F)) === 0);
  const ex = (pred) => seq(set(pred), star(fez)); // X (Extend | Format | ZWJ)*
  const exSans = (pred) => seq(set(pred), star(sans));
  const zwj = set(has(B.ZWJ));
  const fe0f = set(has(B.FE0F));

  const rkam = B.RI | B.KEYCAP_BASE | B.ACCIDENTAL | B.EMOD;
  const emojiChar = (s) => (s & B.EXTPICT) !== 0 || ((s & B.EMOJI) !== 0 && (s & rkam) === 0);
  const ecpm = alt(
    seq(star(zwj), exSans(emojiChar), opt(fe0f)),
    seq(opt(seq(star(zwj), exSans(has(B.EMOD_BASE)))), exSans(has(B.EMOD))),
  );
  const emoji = alt(
    seq(ecpm, alt(star(seq(zwj, ecpm)), seq(plus(set(has(B.TAGSPEC))), set(has(B.TAGTERM))))),
    seq(exSans(has(B.KEYCAP_BASE)), opt(fe0f), exSans(has(B.KEYCAP))),
    seq(ex(has(B.RI)), ex(has(B.RI))),
  );

  const ahl = ex(has(B.ALETTER | B.HEBREW));
  const hl = ex(has(B.HEBREW));
  const num = ex(has(B.NUMERIC));
  const kata = ex(has(B.KATAKANA));
  const enl = ex(has(B.ENL));
  const midLetter = ex(has(B.MIDLETTER | B.MIDNUMLET | B.SQ));
  const midNum = ex(has(B.MIDNUM | B.MIDNUMLET | B.SQ));
  const sq = ex(has(B.SQ));
  const dq = ex(has(B.DQ));

  const number = seq(num, star(seq(alt(star(enl), midNum), num)));
  const numeric = seq(star(enl), number, star(enl));
  const inner = alt(
    seq(kata, star(seq(star(enl), kata))),
    plus(alt(seq(hl, alt(sq, seq(dq, hl))), number, seq(ahl, star(seq(alt(star(enl), midLetter), ahl))))),
  );
  const word = seq(star(enl), inner, star(seq(plus(enl), inner)), star(enl));

  return [
    emoji,
    numeric,
    plus(ex((s) => (s & B.HANGUL) !== 0 && (s & (B.ALETTER | B.HEBREW)) !== 0)),
    plus(kata),
    word,
    plus(ex(has(B.SA))),
    ex(has(B.HAN)),
    ex(has(B.HIRAGANA)),
    set(() => true),
  ];
}

/** Thompson construction: states with epsilon edges and class-set edges; `accept[state]` = rule. */
function buildNfa(rules, signatures) {
  const eps = [];
  const edges = []; // [classSet, target][]
  const accept = [];
  const node = () => {
    eps.push([]);
    edges.push([]);
    accept.push(-1);
    return eps.length - 1;
  };
  const classesOf = (pred) => {
    const out = [];
    signatures.forEach((s, i) => {
      if (pred(s)) out.push(i);
    });
    return out;
  };
  // returns [start, end]
  const build = (x) => {
    const a = node();
    const b = node();
    switch (x.t) {
      case 'set':
        edges[a].push([classesOf(x.pred), b]);
        break;
      case 'seq': {
        let cur = a;
        for (const y of x.xs) {
          const [s, e] = build(y);
          eps[cur].push(s);
          cur = e;
        }
        eps[cur].push(b);
        break;
      }
      case 'alt':
        for (const y of x.xs) {
          const [s, e] = build(y);
          eps[a].push(s);
          eps[e].push(b);
        }
        break;
      case 'star': {
        const [s, e] = build(x.x);
        eps[a].push(s, b);
        eps[e].push(s, b);
        break;
      }
    }
    return [a, b];
  };
  const start = node();
  rules.forEach((r, i) => {
    const [s, e] = build(r);
    eps[start].push(s);
    accept[e] = i;
  });
  return { eps, edges, accept, start };
}

/** Subset construction, then Moore's partition refinement. State 0 is dead, state 1 the start. */
function buildDfa(nfa, nClasses) {
  const closure = (states) => {
    const seen = new Set(states);
    const stack = [...states];
    while (stack.length) {
      const s = stack.pop();
      for (const t of nfa.eps[s])
        if (!seen.has(t)) {
          seen.add(t);
          stack.push(t);
        }
    }
    return [...seen].sort((a, b) => a - b);
  };
  const keyOf = (ss) => ss.join(',');
  const ids = new Map([['', 0]]);
  const sets = [[]];
  const start = closure([nfa.start]);
  ids.set(keyOf(start), 1);
  sets.push(start);
  const trans = [new Array(nClasses).fill(0)];
  for (let i = 1; i < sets.length; i++) {
    const row = new Array(nClasses).fill(0);
    const byClass = Array.from({ length: nClasses }, () => new Set());
    for (const s of sets[i]) for (const [cs, t] of nfa.edges[s]) for (const c of cs) byClass[c].add(t);
    for (let c = 0; c < nClasses; c++) {
      if (byClass[c].size === 0) continue;
      const next = closure([...byClass[c]]);
      const k = keyOf(next);
      let id = ids.get(k);
      if (id === undefined) {
        id = sets.length;
        ids.set(k, id);
        sets.push(next);
      }
      row[c] = id;
    }
    trans.push(row);
  }
  const accept = sets.map((ss) => {
    let r = -1;
    for (const s of ss) if (nfa.accept[s] >= 0 && (r < 0 || nfa.accept[s] < r)) r = nfa.accept[s];
    return r;
  });
  // Moore: start from (accepting rule) blocks, split by successor blocks until stable
  let block = accept.map((a, i) => (i === 0 ? 'dead' : `a${a}`));
  for (;;) {
    const sig = trans.map((row, i) => `${block[i]}|${row.map((t) => block[t]).join(',')}`);
    const names = new Map();
    const next = sig.map((s) => {
      if (!names.has(s)) names.set(s, `b${names.size}`);
      return names.get(s);
    });
    if (new Set(next).size === new Set(block).size) break;
    block = next;
  }
  // renumber: dead block 0, start block 1, others in order of first appearance
  const order = new Map([
    [block[0], 0],
    [block[1], 1],
  ]);
  block.forEach((b) => {
    if (!order.has(b)) order.set(b, order.size);
  });
  const n = order.size;
  const table = new Uint16Array(n * nClasses);
  const acc = new Int8Array(n).fill(-1);
  trans.forEach((row, i) => {
    const s = order.get(block[i]);
    acc[s] = accept[i];
    row.forEach((t, c) => {
      table[s * nClasses + c] = order.get(block[t]);
    });
  });
  return { states: n, table, accept: acc };
}

export async function generate() {
  const out = {};
  for (const v of VERSIONS) {
    const bits = await propertyBits(v);
    const sigIndex = new Map();
    const signatures = [];
    const classOf = new Uint8Array(0x110000);
    // class 0: no property at all (most code points), so that the default is cheap to recognise
    sigIndex.set(0, 0);
    signatures.push(0);
    for (let c = 0; c < 0x110000; c++) {
      let k = sigIndex.get(bits[c]);
      if (k === undefined) {
        k = signatures.length;
        sigIndex.set(bits[c], k);
        signatures.push(bits[c]);
      }
      classOf[c] = k;
    }
    if (signatures.length > 255) throw new Error('too many classes');
    const dfa = buildDfa(buildNfa(grammar(), signatures), signatures.length);
    if (dfa.states > 65535) throw new Error('too many states');
    // runs of equal class: varint(length), class byte
    const runs = [];
    for (let c = 0; c < 0x110000; ) {
      let e = c + 1;
      while (e < 0x110000 && classOf[e] === classOf[c]) e++;
      let len = e - c;
      while (len >= 0x80) {
        runs.push((len & 0x7f) | 0x80);
        len >>>= 7;
      }
      runs.push(len, classOf[c]);
      c = e;
    }
    out[v.name] = {
      unicode: v.unicode,
      emoji: v.emoji,
      classes: signatures.length,
      states: dfa.states,
      classRuns: Buffer.from(runs).toString('base64'),
      transitions: Buffer.from(dfa.table.buffer).toString('base64'),
      accept: Buffer.from(dfa.accept.buffer).toString('base64'),
    };
  }
  const lines = [
    '// Generated by scripts/gen-word-break.mjs from the Unicode data packages @unicode/unicode-*; do not edit.',
    '// classRuns: the character class of every code point, as runs (varint length, class byte);',
    '// transitions: Uint16 little-endian [state * classes + class] → state (0 dead, 1 start);',
    `// accept: Int8 per state, the rule it accepts (${RULES.map((r, i) => `${i} ${r}`).join(', ')}; -1 none).`,
    'export const WORD_BREAK_DATA = {',
    ...Object.entries(out).flatMap(([name, v]) => [
      `  ${name}: {`,
      ...Object.entries(v).map(([k, x]) => {
        const value = typeof x === 'number' ? String(x) : `'${x}'`;
        // the layout biome gives it (line width 140)
        return 4 + k.length + 2 + value.length + 1 > 140 ? `    ${k}:\n      ${value},` : `    ${k}: ${value},`;
      }),
      '  },',
    ]),
    '} as const;',
    '',
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = await generate();
  if (process.argv.includes('--check')) {
    const same = readFileSync(OUT, 'utf8') === text;
    if (!same) console.error(`${OUT} is out of date: run node scripts/gen-word-break.mjs`);
    process.exit(same ? 0 : 1);
  }
  writeFileSync(OUT, text);
  for (const m of text.matchAll(/ {2}(\w+): \{\n {4}unicode: '([^']+)'[^]*?classes: (\d+),\n {4}states: (\d+)/g))
    console.log(`${m[1]}: Unicode ${m[2]}, ${m[3]} classes, ${m[4]} states`);
}
