import type { CorpusFormat } from './corpus.js';

/** One file of a registered dataset. */
export interface RegistryFile {
  role: 'corpus' | 'queries' | 'qrels';
  /** File name under QEXP_DATA_HOME/<id>/. */
  name: string;
  /** Public home. */
  url: string;
  /** Path inside a mirror laid out like shared/datasets, when the mirror carries the file. */
  mirror?: string;
  bytes?: number;
  /** Published checksum; without one, the first complete download's sha256 is recorded and checked afterwards. */
  sha256?: string;
  md5?: string;
  /** HTTP headers the host needs (Azure blob storage answers Range requests only with x-ms-version). */
  headers?: Record<string, string>;
  /** The file is an archive: these members are extracted and used (role → member name). */
  members?: { role: 'corpus' | 'queries' | 'qrels'; member: string }[];
  format?: CorpusFormat;
}

export interface RegistryEntry {
  id: string;
  description: string;
  files: RegistryFile[];
  /** Registry id whose corpus this dataset's judgments refer to. */
  corpusFrom?: string;
  /** Where the numbers come from. */
  source: string;
}

const ANSERINI_TOOLS = 'https://raw.githubusercontent.com/castorini/anserini-tools/master/topics-and-qrels';
const MSMARCO = 'https://msmarco.z22.web.core.windows.net/msmarcoranking';
const AZURE = { 'x-ms-version': '2019-12-12' };

/**
 * Built-in datasets. Sizes and sha256 of the topic and qrels files are those of the files in
 * shared/datasets (copied byte for byte from their public homes); the MS MARCO v1 archive's MD5 is
 * the one Anserini's MS MARCO passage guide publishes. The MS MARCO v2 tar and the MIRACL shards
 * have no published checksum: qexp records the sha256 of the first complete download.
 */
export const REGISTRY: readonly RegistryEntry[] = [
  {
    id: 'cacm',
    description: 'CACM: 3,204 abstracts (HTML), 64 topics, 52 judged — Anserini regression cacm',
    source: 'castorini/anserini src/main/resources/cacm; castorini/anserini-tools topics-and-qrels',
    files: [
      {
        role: 'corpus',
        name: 'cacm.tar.gz',
        format: 'tar',
        mirror: 'cacm/cacm.tar.gz',
        bytes: 808000,
        url: 'https://raw.githubusercontent.com/castorini/anserini/master/src/main/resources/cacm/cacm.tar.gz',
        sha256: '4e318d8920a384dfe11f81410abdc19d96a0e23e5fb7832c385be75c7cb75bf9',
      },
      {
        role: 'queries',
        name: 'topics.cacm.txt',
        mirror: 'cacm/topics.cacm.txt',
        bytes: 12445,
        url: `${ANSERINI_TOOLS}/topics.cacm.txt`,
        sha256: '1dc7b94fbf4adeb0c49be44fc6d7802ddc7bc4ad1b869013af10d09b44019799',
      },
      {
        role: 'qrels',
        name: 'qrels.cacm.txt',
        mirror: 'cacm/qrels.cacm.txt',
        bytes: 14194,
        url: `${ANSERINI_TOOLS}/qrels.cacm.txt`,
        sha256: '359f77ee6aab89333745a7f25f56370268a493abe1baff76979ad37a4d5428ef',
      },
    ],
  },
  {
    id: 'msmarco-passage',
    description: 'MS MARCO passage v1: 8,841,823 passages; train queries and qrels',
    source: 'MS MARCO site; MD5 from Anserini docs/experiments-msmarco-passage.md',
    files: [
      {
        role: 'corpus',
        name: 'collectionandqueries.tar.gz',
        url: `${MSMARCO}/collectionandqueries.tar.gz`,
        headers: AZURE,
        md5: '31644046b18952c1386cd4564ba2ae69',
        members: [
          { role: 'corpus', member: 'collection.tsv' },
          { role: 'queries', member: 'queries.train.tsv' },
          { role: 'qrels', member: 'qrels.train.tsv' },
        ],
      },
    ],
  },
  {
    id: 'msmarco-passage/trec-dl-2019',
    description: 'TREC DL 2019 passage: 43 judged queries, 9,260 judgments (grades 0–3)',
    source: 'castorini/anserini-tools topics-and-qrels (also NIST)',
    corpusFrom: 'msmarco-passage',
    files: [
      {
        role: 'queries',
        name: 'topics.dl19-passage.txt',
        mirror: 'trec-dl/topics.dl19-passage.txt',
        bytes: 1764,
        url: `${ANSERINI_TOOLS}/topics.dl19-passage.txt`,
        sha256: '518992da259fb61f64e4790791df91a7b42ea5773f374aed59220ebb51d58d90',
      },
      {
        role: 'qrels',
        name: 'qrels.dl19-passage.txt',
        mirror: 'trec-dl/qrels.dl19-passage.txt',
        bytes: 187092,
        url: `${ANSERINI_TOOLS}/qrels.dl19-passage.txt`,
        sha256: '8a1f10d550732e4cd91d7fc49846a3784de4040972f583e69285a88f3c5fee92',
      },
    ],
  },
  {
    id: 'msmarco-passage/trec-dl-2020',
    description: 'TREC DL 2020 passage: 200 queries, 54 judged',
    source: 'castorini/anserini-tools topics-and-qrels (also NIST)',
    corpusFrom: 'msmarco-passage',
    files: [
      {
        role: 'queries',
        name: 'topics.dl20.txt',
        mirror: 'trec-dl/topics.dl20.txt',
        bytes: 8394,
        url: `${ANSERINI_TOOLS}/topics.dl20.txt`,
        sha256: '726cb4018b85a335fcbe09004df7f084ec1bf20531961d9af7b0c71dd609e69b',
      },
      {
        role: 'qrels',
        name: 'qrels.dl20-passage.txt',
        mirror: 'trec-dl/qrels.dl20-passage.txt',
        bytes: 218617,
        url: `${ANSERINI_TOOLS}/qrels.dl20-passage.txt`,
        sha256: '60d4c34561f9687f8f73e0a752ba80ab80159b3e9c1bedd0a351f747ed6f5684',
      },
    ],
  },
  {
    id: 'msmarco-v2-passage',
    description: 'MS MARCO passage v2: 138,364,198 passages in 70 gzipped JSONL shards (one ~20 GB tar)',
    source: 'MS MARCO site (TREC Deep Learning 2021)',
    files: [{ role: 'corpus', name: 'msmarco_v2_passage.tar', format: 'tar', url: `${MSMARCO}/msmarco_v2_passage.tar`, headers: AZURE }],
  },
  {
    id: 'msmarco-v2-passage/trec-dl-2021',
    description: 'TREC DL 2021 passage: 477 queries, 53 judged (MS MARCO v2 passage ids)',
    source: 'castorini/anserini-tools topics-and-qrels (also NIST)',
    corpusFrom: 'msmarco-v2-passage',
    files: [
      {
        role: 'queries',
        name: 'topics.dl21.txt',
        mirror: 'trec-dl/topics.dl21.txt',
        bytes: 24585,
        url: `${ANSERINI_TOOLS}/topics.dl21.txt`,
        sha256: 'd7c24b788f01cb9ee9f1ec663dfc623594a94c6c878cd8b7fb040a35d634921a',
      },
      {
        role: 'qrels',
        name: 'qrels.dl21-passage.txt',
        mirror: 'trec-dl/qrels.dl21-passage.txt',
        bytes: 433887,
        url: `${ANSERINI_TOOLS}/qrels.dl21-passage.txt`,
        sha256: '15d1c6e8b13fd665dd043c43213e331452213ddc70f70b8522600bcce64db427',
      },
    ],
  },
  {
    id: 'miracl-zh',
    description: 'MIRACL Chinese corpus: 4,934,368 passages (docid, title, text) in 10 JSONL shards',
    source: 'Hugging Face dataset miracl/miracl-corpus, miracl-corpus-v1.0-zh',
    files: Array.from({ length: 10 }, (_, i) => ({
      role: 'corpus' as const,
      name: `docs-${i}.jsonl.gz`,
      format: 'jsonl' as const,
      url: `https://huggingface.co/datasets/miracl/miracl-corpus/resolve/main/miracl-corpus-v1.0-zh/docs-${i}.jsonl.gz`,
    })),
  },
  {
    id: 'miracl-zh/dev',
    description: 'MIRACL Chinese dev: 393 queries, binary judgments',
    source: 'castorini/anserini-tools topics-and-qrels',
    corpusFrom: 'miracl-zh',
    files: [
      {
        role: 'queries',
        name: 'topics.miracl-v1.0-zh-dev.tsv',
        mirror: 'miracl-zh/topics.miracl-v1.0-zh-dev.tsv',
        bytes: 16903,
        url: `${ANSERINI_TOOLS}/topics.miracl-v1.0-zh-dev.tsv`,
        sha256: '5b284a9aabf08bb2d1c88ed7ea276025c9d23846457c5350dc8d391b5e0d0a13',
      },
      {
        role: 'qrels',
        name: 'qrels.miracl-v1.0-zh-dev.tsv',
        mirror: 'miracl-zh/qrels.miracl-v1.0-zh-dev.tsv',
        bytes: 94140,
        url: `${ANSERINI_TOOLS}/qrels.miracl-v1.0-zh-dev.tsv`,
        sha256: '5546474d3dc8139014e6571e9f4041848bb0a314ca6d2d4bac708174d71c59eb',
      },
    ],
  },
  {
    id: 'miracl-zh/train',
    description: 'MIRACL Chinese train: queries with binary judgments (the few-shot pool for Chinese prompts)',
    source: 'Hugging Face dataset miracl/miracl, miracl-v1.0-zh',
    corpusFrom: 'miracl-zh',
    files: [
      {
        role: 'queries',
        name: 'topics.miracl-v1.0-zh-train.tsv',
        url: 'https://huggingface.co/datasets/miracl/miracl/resolve/main/miracl-v1.0-zh/topics/topics.miracl-v1.0-zh-train.tsv',
      },
      {
        role: 'qrels',
        name: 'qrels.miracl-v1.0-zh-train.tsv',
        url: 'https://huggingface.co/datasets/miracl/miracl/resolve/main/miracl-v1.0-zh/qrels/qrels.miracl-v1.0-zh-train.tsv',
      },
    ],
  },
];

export function registryEntry(id: string): RegistryEntry | undefined {
  return REGISTRY.find((e) => e.id === id);
}

export function registryIds(): string[] {
  return REGISTRY.map((e) => e.id);
}
