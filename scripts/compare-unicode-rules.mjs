// Where StandardTokenizer's lucene8 rules (Unicode 9.0) and lucene9 rules (Unicode 12.1) differ:
// every code point of planes 0-3 and the tag plane, tokenized in the contexts of the differential
// test by both, counted by context (needs `npm run build`). docs/analysis.md quotes its output.
import { StandardTokenizer, TOKEN_TYPES } from '../dist/retrieval/analysis/standard-tokenizer.js';

const CONTEXTS = ['X', 'XX', 'aXa', '1X1', 'aX', 'Xa', '1X', 'X1', '_X_', 'אXא', 'カXカ', '가X', 'X\u0301', '\u200dX', '😀\u200dX', 'X\ufe0f', 'X\u20e3', 'X🏻', '🇦X', 'X\u{e0061}\u{e007f}', 'กX', 'אX"א'];
const l8 = new StandardTokenizer('lucene8');
const l9 = new StandardTokenizer('lucene9');
const tokens = (t, s) => {
  t.reset(s);
  let out = '';
  while (t.next()) out += `${t.start}-${t.end}${TOKEN_TYPES[t.type]} `;
  return out;
};
const byContext = new Map(CONTEXTS.map((c) => [c, 0]));
const anyButModifier = new Map();
for (let cp = 0; cp < 0xe1000; cp++) {
  if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x40000 && cp < 0xe0000)) continue;
  const x = String.fromCodePoint(cp);
  let other = false;
  for (const c of CONTEXTS) {
    const s = c.split('X').join(x);
    const a = tokens(l8, s);
    const b = tokens(l9, s);
    if (a === b) continue;
    byContext.set(c, (byContext.get(c) ?? 0) + 1);
    if (c !== 'X🏻') other = true;
  }
  if (other) {
    const k = `${(tokens(l8, x).replace(/[\d-]+/g, '').trim() || 'no token')} -> ${tokens(l9, x).replace(/[\d-]+/g, '').trim() || 'no token'}`;
    anyButModifier.set(k, (anyButModifier.get(k) ?? 0) + 1);
  }
}
console.log('code points whose tokens differ, by context:');
for (const [c, n] of byContext) console.log(`  ${JSON.stringify(c)}: ${n}`);
console.log('code points that differ in another context than "X🏻", by the token of the code point alone (lucene8 -> lucene9):');
for (const [k, n] of [...anyButModifier].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])) console.log(`  ${k}: ${n}`);

// the real texts of the differential test, where the mirror has them
const { existsSync, readFileSync } = await import('node:fs');
const { join } = await import('node:path');
const mirror = process.env.QEXP_DATA_MIRROR ?? join(import.meta.dirname, '..', '..', 'shared', 'datasets');
if (existsSync(join(mirror, 'cacm'))) {
  const { readCorpus } = await import('../dist/data/corpus.js');
  const { readTopics } = await import('../dist/data/topics.js');
  const texts = [];
  for await (const d of readCorpus(join(mirror, 'cacm', 'cacm.tar.gz'))) texts.push(d.text);
  for (const f of ['cacm/topics.cacm.txt', 'trec-dl/topics.dl19-passage.txt', 'trec-dl/topics.dl20.txt', 'trec-dl/topics.dl21.txt', 'miracl-zh/topics.miracl-v1.0-zh-dev.tsv'])
    for (const t of await readTopics(join(mirror, f))) texts.push(t.text);
  for (const [, q, p] of JSON.parse(readFileSync(join(mirror, 'expansions', 'dl19.gpt-4o-mini.exp4fuse.json'), 'utf8'))) texts.push(`${q} ${p}`);
  const differ = texts.filter((t) => tokens(l8, t) !== tokens(l9, t)).length;
  console.log(`CACM, the CACM/DL19/DL20/DL21/MIRACL-zh topics and the DL19 expansions: ${texts.length} texts, ${differ} tokenized differently`);
}
