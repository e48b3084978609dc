import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Doc } from '../../data/corpus.js';
import type { Analyzer } from '../analysis/analyzers.js';
import { BLOCK_SIZE, INDEX_FORMAT, INDEX_VERSION, type IndexMeta } from './index-format.js';
import { intToByte4 } from './small-float.js';
import { ByteWriter } from './varint.js';

export interface BuildOptions {
  norms?: 'lucene-byte4' | 'exact';
  onProgress?: (docs: number) => void;
}

interface Postings {
  docs: number[];
  tfs: number[];
}

/**
 * Builds an index from documents (in memory, then written in format v1 into `out` through a
 * temporary folder and a rename). Document length = the number of tokens the analyzer emits.
 */
export async function buildIndex(docs: AsyncIterable<Doc>, analyzer: Analyzer, out: string, opts: BuildOptions = {}): Promise<IndexMeta> {
  const norms = opts.norms ?? 'lucene-byte4';
  const postings = new Map<string, Postings>();
  const ids: string[] = [];
  const lengths: number[] = [];
  const seen = new Set<string>();
  // the forward index (document vectors, as Lucene term vectors) that RM3 reads
  const docTerms: { terms: string[]; tfs: number[] }[] = [];
  let sumTotalTermFreq = 0;
  let docsWithTerms = 0;
  for await (const doc of docs) {
    if (seen.has(doc.id)) throw new Error(`document id ${doc.id} appears twice in the corpus`);
    seen.add(doc.id);
    const docno = ids.length;
    ids.push(doc.id);
    const terms = analyzer.analyze(doc.text);
    lengths.push(terms.length);
    sumTotalTermFreq += terms.length;
    if (terms.length > 0) docsWithTerms++;
    const tf = new Map<string, number>();
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
    docTerms.push({ terms: [...tf.keys()], tfs: [...tf.values()] });
    for (const [t, n] of tf) {
      let p = postings.get(t);
      if (!p) postings.set(t, (p = { docs: [], tfs: [] }));
      p.docs.push(docno);
      p.tfs.push(n);
    }
    if (docno % 10_000 === 0) opts.onProgress?.(docno);
  }
  opts.onProgress?.(ids.length);

  const terms = [...postings.keys()].sort();
  const normBytes = norms === 'exact' ? new Uint8Array(Uint32Array.from(lengths).buffer) : Uint8Array.from(lengths, intToByte4);
  const post = new ByteWriter();
  const dict = new ByteWriter();
  for (const t of terms) {
    const p = postings.get(t) as Postings;
    const start = post.length;
    let cf = 0;
    let prev = -1;
    for (let i = 0; i < p.docs.length; i += BLOCK_SIZE) {
      const end = Math.min(i + BLOCK_SIZE, p.docs.length);
      let maxTf = 0;
      let minNorm = Number.POSITIVE_INFINITY;
      for (let j = i; j < end; j++) {
        const d = p.docs[j] as number;
        maxTf = Math.max(maxTf, p.tfs[j] as number);
        minNorm = Math.min(minNorm, norms === 'exact' ? (lengths[d] as number) : (normBytes[d] as number));
      }
      post.u8(end - i);
      post.u32(p.docs[end - 1] as number);
      post.u32(maxTf);
      if (norms === 'exact') post.u32(minNorm);
      else post.u8(minNorm);
      const lengthAt = post.length;
      post.u32(0); // byte length of the block body, patched below: lets a cursor skip it undecoded
      const bodyStart = post.length;
      for (let j = i; j < end; j++) {
        const d = p.docs[j] as number;
        post.varint(d - prev);
        prev = d;
      }
      for (let j = i; j < end; j++) {
        post.varint(p.tfs[j] as number);
        cf += p.tfs[j] as number;
      }
      post.patchU32(lengthAt, post.length - bodyStart);
    }
    dict.u32(p.docs.length);
    dict.u32(start % 2 ** 32);
    dict.u32(Math.floor(start / 2 ** 32));
    dict.u32(post.length - start);
    dict.u32(cf);
  }

  const termId = new Map(terms.map((t, i) => [t, i]));
  const vectors = new ByteWriter();
  const vectorOffsets = new Float64Array(ids.length + 1);
  for (const [d, dv] of docTerms.entries()) {
    vectorOffsets[d] = vectors.length;
    const pairs = dv.terms.map((t, i) => [termId.get(t) as number, dv.tfs[i] as number] as const).sort((a, b) => a[0] - b[0]);
    vectors.varint(pairs.length);
    let prev = 0;
    for (const [id, n] of pairs) {
      vectors.varint(id - prev);
      vectors.varint(n);
      prev = id;
    }
  }
  vectorOffsets[ids.length] = vectors.length;

  const meta: IndexMeta = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    analyzer: { name: analyzer.name, params: analyzer.params },
    docCount: ids.length,
    docsWithTerms,
    sumTotalTermFreq,
    norms,
    numTerms: terms.length,
    blockSize: BLOCK_SIZE,
  };
  const tmp = `${out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeFile(join(tmp, 'docids.txt'), ids.length ? `${ids.join('\n')}\n` : '');
  await writeFile(join(tmp, 'norms.bin'), normBytes);
  await writeFile(join(tmp, 'terms.txt'), terms.length ? `${terms.join('\n')}\n` : '');
  await writeFile(join(tmp, 'terms.bin'), dict.bytes());
  await writeFile(join(tmp, 'postings.bin'), post.bytes());
  await writeFile(join(tmp, 'docvectors.bin'), vectors.bytes());
  await writeFile(join(tmp, 'docvectors.offsets'), new Uint8Array(vectorOffsets.buffer));
  await writeFile(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  await rm(out, { recursive: true, force: true });
  await rename(tmp, out);
  return meta;
}
