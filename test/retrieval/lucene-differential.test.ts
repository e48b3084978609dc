import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Doc, readCorpus } from '../../src/data/corpus.js';
import { readTopics } from '../../src/data/topics.js';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { porterStem } from '../../src/retrieval/analysis/english.js';
import { StandardTokenizer, standardTokens, TOKEN_TYPES } from '../../src/retrieval/analysis/standard-tokenizer.js';
import { buildIndex } from '../../src/retrieval/index/build-index.js';
import { IndexReader } from '../../src/retrieval/index/read-index.js';
import { Bm25Searcher, queryTerms } from '../../src/retrieval/search/search.js';
import { REFERENCE_MISSING, REFERENCE_VERSIONS, records, runReference, unb64 } from '../helpers/lucene-reference.js';
import { MIRROR } from '../helpers/mirror.js';

/**
 * qexp's analysis and BM25 against Lucene 8's (Debian's liblucene8-java), run on the same texts:
 * identical tokens (and token types), stems, index statistics, rankings and float scores. The
 * `-lucene8` analyzers follow Lucene 8's Unicode rules, which are what these jars implement.
 */
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = mkdtempSync(join(tmpdir(), 'qexp-lucene-diff-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Text {
  id: string;
  text: string;
}

/** Texts of many scripts, emoji and edge cases, written for this test. */
const WRITTEN: string[] = [
  "Don't stop: U.S.A. 3.14, 1,000 e-mail foo_bar C++ x/y O'Neil's co-op l'été naïve café 1.2.3 v2.0-beta",
  'ΟΔΟΣ Ὀδυσσεύς σοφός ΣΟΦΟΣ İstanbul ǅemal ﬁnance Straße ǈ',
  'Москва — столица России. Україна: Київ. Беларусь ҐЄЇ',
  'עברית: צה"ל, ג׳ירפה, מ"מ, אב\'ג שלום',
  'العربية: مرحبا بالعالم ١٢٣٤ ٣٫١٤ ﷲ',
  'हिन्दी भाषा, नमस्ते दुनिया १२३',
  'ภาษาไทย สวัสดีครับ ລາວ ພາສາ မြန်မာ ខ្មែរ',
  '日本語のテキスト、カタカナ ｶﾀｶﾅ ﾃﾚﾋﾞ ひらがな 漢字 ヴァイオリン ー 々',
  '한국어 텍스트 Biome에 750개 사전 ㄱㄴㄷ ﾡﾢ',
  '二战是什么时候开始的？WWII 𠀀𠀁 中文 ＡＢＣ１２３ ３．１４',
  '❤️ 😀 © ® ™ ↔ ✔ 👍🏽 👨‍👩‍👧‍👦 🇫🇷🇩🇪🇺 #️⃣ 1️⃣ *⃣ 🏴󠁧󠁢󠁳󠁣󠁴󠁿 ☺︎ 〰 〽 🏻 👩🏾‍💻 ‍😀 😀‍ 🧑‍🤝‍🧑',
  'a ___ b__c _d e_ __1__ ‿ ⁀ ＿',
  'ie ies sses eed eeds ss is caresses ponies ties agreed feed y yy ying tying',
  'zero\u200bwidth soft\u00adhyphen zw\u200dj zw\u200cnj non\u00a0breaking word\u2060joiner bom\ufeffx',
  `${'a'.repeat(600)} ${'7'.repeat(300)} ${'カ'.repeat(300)} ${'ก'.repeat(300)} ${'x'.repeat(254)}.y ${'a'.repeat(254)}𝐀b`,
  `${'😀'.repeat(200)} ${'한'.repeat(260)} ${'a.'.repeat(200)} ${'1,'.repeat(200)}`,
  'x\ud800y \udc00z lone\ud83d surrogate',
  'ＦＵＬＬ ｗｉｄｔｈ １２３ ＡＢＣ｀ 1st 2nd 3rd 10th ½ ² x² H₂O',
  'e.g. i.e. a.b.c. 192.168.0.1 10:30 3:14pm $100 €20 50% #hashtag @user http://example.com/a?b=c user@example.com',
];

/** Seeded random strings over characters of many classes (mulberry32): what no one thought to write. */
function fuzz(count: number, seed: number): string[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pools: [number, number][] = [
    [0x61, 0x7a],
    [0x41, 0x5a],
    [0x30, 0x39],
    [0x20, 0x7e],
    [0xa0, 0x24f],
    [0x300, 0x36f],
    [0x370, 0x4ff],
    [0x5d0, 0x5f4],
    [0x600, 0x6ff],
    [0x900, 0x97f],
    [0xe00, 0xeff],
    [0x1000, 0x109f],
    [0x1780, 0x17ff],
    [0x1100, 0x1112],
    [0xac00, 0xac40],
    [0x3000, 0x30ff],
    [0xff01, 0xff9f],
    [0x4e00, 0x4e80],
    [0x20000, 0x20050],
    [0x2000, 0x206f],
    [0x2600, 0x27bf],
    [0x1f1e6, 0x1f1ff],
    [0x1f300, 0x1f64f],
    [0x1f900, 0x1f9ff],
    [0x1f3fb, 0x1f3ff],
    [0xe0020, 0xe007f],
    [0xfe00, 0xfe0f],
    [0x20e3, 0x20e3],
    [0x200b, 0x200f],
    // lone high surrogates (pairs of random surrogates would make characters newer than the JDK's Unicode)
    [0xd800, 0xdbff],
    [0x1c90, 0x1cbf],
    [0x27, 0x27],
    [0x2e, 0x2e],
    [0x5f, 0x5f],
    [0x2c, 0x2c],
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + Math.floor(rand() * (rand() < 0.1 ? 600 : 60));
    let text = '';
    while (text.length < len) {
      const [a, b] = pools[Math.floor(rand() * pools.length)] as [number, number];
      const cp = a + Math.floor(rand() * (b - a + 1));
      const lone = cp >= 0xd800 && cp <= 0xdfff;
      const ch = lone ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      if (lone && rand() < 0.5) text += ' ';
      // runs of one character now and then, to reach the 255 limit
      text += rand() < 0.02 ? ch.repeat(1 + Math.floor(rand() * 300)) : ch;
      if (rand() < 0.15) text += ' ';
    }
    out.push(text);
  }
  return out;
}

// QEXP_DIFF_FUZZ=count,seed runs a larger or another random sample (the default keeps the test short)
const [FUZZ_COUNT, FUZZ_SEED] = (process.env.QEXP_DIFF_FUZZ ?? '3000,19').split(',').map(Number) as [number, number];

let texts: Text[] = [];
const cacm: Doc[] = [];
const cacmTopics: Text[] = [];
const longQueries: Text[] = [];

beforeAll(async () => {
  if (REFERENCE_MISSING || !MIRROR) return;
  const m = MIRROR;
  for await (const d of readCorpus(join(m, 'cacm', 'cacm.tar.gz'))) cacm.push(d);
  for (const t of await readTopics(join(m, 'cacm', 'topics.cacm.txt'))) cacmTopics.push({ id: t.qid, text: t.text });
  const topics: Text[] = [];
  for (const f of [
    'trec-dl/topics.dl19-passage.txt',
    'trec-dl/topics.dl20.txt',
    'trec-dl/topics.dl21.txt',
    'miracl-zh/topics.miracl-v1.0-zh-dev.tsv',
  ])
    for (const t of await readTopics(join(m, f))) topics.push({ id: `${f}:${t.qid}`, text: t.text });
  const exp = JSON.parse(readFileSync(join(m, 'expansions', 'dl19.gpt-4o-mini.exp4fuse.json'), 'utf8')) as [string, string, string][];
  for (const [qid, q, passage] of exp) longQueries.push({ id: `exp-${qid}`, text: `${q} ${q} ${q} ${q} ${q} ${passage}` });
  const readme = readFileSync(join(repo, 'README.md'), 'utf8').split(/\n\s*\n/);
  texts = [
    ...cacm.map((d) => ({ id: d.id, text: d.text })),
    ...cacmTopics,
    ...topics,
    ...longQueries,
    ...readme.map((p, i) => ({ id: `readme-${i}`, text: p })),
    ...WRITTEN.map((t, i) => ({ id: `written-${i}`, text: t })),
    ...fuzz(FUZZ_COUNT, FUZZ_SEED).map((t, i) => ({ id: `fuzz-${i}`, text: t })),
  ];
}, 300_000);

/** The reference's tokens of every text: term and type per token. */
async function reference(analyzer: string): Promise<Map<string, [string, string][]>> {
  const out = await runReference(['tokens', analyzer], records(texts));
  const byId = new Map<string, [string, string][]>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [id, b] = line.split('\t') as [string, string];
    const s = unb64(b);
    byId.set(id, s === '' ? [] : s.split('\u0001').map((t) => t.split('\u0002') as [string, string]));
  }
  return byId;
}

function compare(name: string, ours: (t: string) => string[], ref: Map<string, string[]>): { tokens: number; differ: string[] } {
  let tokens = 0;
  const differ: string[] = [];
  for (const t of texts) {
    const a = ours(t.text);
    const b = ref.get(t.id) ?? [];
    tokens += b.length;
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      const i = a.findIndex((x, k) => x !== b[k]);
      differ.push(
        `${name} ${t.id}: token ${i}: qexp ${JSON.stringify(a[i])}, Lucene ${JSON.stringify(b[i])} in ${JSON.stringify(t.text.slice(0, 80))}`,
      );
    }
  }
  return { tokens, differ };
}

describe.skipIf(REFERENCE_MISSING !== undefined || !MIRROR)(`qexp against Lucene (${REFERENCE_VERSIONS})`, () => {
  it('tokenizes every text as StandardTokenizer, with its token types', async () => {
    const ref = await reference('standard');
    const typed = new Map([...ref].map(([id, toks]) => [id, toks.map(([t, type]) => `${t}${type}`)]));
    const r = compare('standard', (s) => standardTokens(s, 'lucene8').map((t) => `${t.text}<${t.type}>`), typed);
    console.log(`StandardTokenizer: ${texts.length} texts, ${r.tokens} tokens, ${r.differ.length} differ`);
    expect(r.differ).toEqual([]);
    expect(r.tokens).toBeGreaterThan(300_000);
  }, 300_000);

  it('analyzes every text as EnglishAnalyzer, CJKAnalyzer, WhitespaceAnalyzer and SimpleAnalyzer', async () => {
    for (const [lucene, ours] of [
      ['english', 'english-lucene8'],
      ['cjk', 'cjk-lucene8'],
      ['whitespace', 'whitespace'],
      ['simple', 'simple'],
    ] as const) {
      const ref = await reference(lucene);
      const terms = new Map([...ref].map(([id, toks]) => [id, toks.map(([t]) => t)]));
      const analyzer = getAnalyzer(ours);
      const r = compare(ours, (s) => analyzer.analyze(s), terms);
      console.log(`${lucene}: ${texts.length} texts, ${r.tokens} tokens, ${r.differ.length} differ`);
      expect(r.differ, lucene).toEqual([]);
    }
  }, 300_000);

  it("stems every word of the texts as Lucene's PorterStemmer", async () => {
    const words = new Set<string>();
    for (const t of texts) for (const tok of standardTokens(t.text, 'lucene8')) words.add(tok.text.toLowerCase());
    const list = [...words].filter((w) => !/[\n\r]/.test(w));
    const ref = (await runReference(['stem'], `${list.join('\n')}\n`)).split('\n');
    const differ = list.filter((w, i) => porterStem(w) !== ref[i]).map((w) => `${w}: ${porterStem(w)}`);
    console.log(`PorterStemmer: ${list.length} words, ${differ.length} differ`);
    expect(differ).toEqual([]);
  }, 300_000);

  it('classifies every code point of planes 0-2 and the tags as StandardTokenizer does, in 22 contexts each', async () => {
    const templates = [
      'X',
      'XX',
      'aXa',
      '1X1',
      'aX',
      'Xa',
      '1X',
      'X1',
      '_X_',
      '\u05d0X\u05d0',
      '\u30abX\u30ab',
      '\uac00X',
      'X\u0301',
      '\u200dX',
      '\ud83d\ude00\u200dX',
      'X\ufe0f',
      'X\u20e3',
      'X\ud83c\udffb',
      '\ud83c\udde6X',
      'X\udb40\udc61\udb40\udc7f',
      '\u0e01X',
      '\u05d0X"\u05d0',
    ];
    const tok = new StandardTokenizer('lucene8');
    const ours: string[] = [];
    for (const [from, to] of [
      [0, 0x30000],
      [0xe0000, 0xe1000],
    ] as const) {
      let last = '';
      for (let cp = from; cp < to; cp++) {
        const x = cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
        let sig = '';
        for (const tpl of templates) {
          tok.reset(tpl.split('X').join(x));
          while (tok.next()) sig += `${tok.start}-${tok.end}<${TOKEN_TYPES[tok.type]}>`;
          sig += '|';
        }
        if (sig !== last) ours.push(`${cp}\t${sig}`);
        last = sig;
      }
    }
    const ref = [
      ...(await runReference(['probe', '0', String(0x30000)])).split('\n'),
      ...(await runReference(['probe', String(0xe0000), String(0xe1000)])).split('\n'),
    ].filter((l) => l !== '');
    console.log(`code points: ${0x31000} probed in ${templates.length} contexts, ${ref.length} runs of equal behaviour`);
    expect(ours).toEqual(ref);
  }, 300_000);

  it('indexes CACM from the raw tar and ranks every topic and long expanded query with the same float scores', async () => {
    const analyzer = getAnalyzer('english-lucene8');
    const dir = join(tmp, 'cacm-index');
    async function* docs() {
      yield* cacm;
    }
    const meta = await buildIndex(docs(), analyzer, dir, { threads: 1 });
    const docsFile = join(tmp, 'docs.b64');
    const queriesFile = join(tmp, 'queries.b64');
    const queries = [...cacmTopics, ...longQueries];
    writeFileSync(docsFile, records(cacm));
    writeFileSync(queriesFile, records(queries));
    const lines = (await runReference(['bm25', docsFile, queriesFile, '1000', '0.9', '0.4'])).split('\n').filter((l) => l);
    const [, docCount, unique, total] = (lines[0] as string).split('\t').map(Number);
    expect([meta.docCount, meta.numTerms, meta.sumTotalTermFreq]).toEqual([docCount, unique, total]);
    expect([docCount, unique, total]).toEqual([3204, 14363, 320968]);

    const searcher = new Bm25Searcher(new IndexReader(dir), { k1: 0.9, b: 0.4, hits: 1000 });
    const ours: string[] = [];
    for (const q of queries) {
      const terms = queryTerms(analyzer, q.text);
      if (terms.size === 0) continue;
      for (const h of searcher.search(terms)) {
        const bits = new Int32Array(new Float32Array([h.score]).buffer)[0];
        ours.push(`${q.id}\t${h.docid}\t${bits}`);
      }
    }
    const ref = lines.slice(1);
    console.log(`BM25: ${queries.length} queries, ${ref.length} ranked documents compared (scores as float bits)`);
    expect(ours.length).toBe(ref.length);
    expect(ours).toEqual(ref);
  }, 300_000);
});
