/**
 * On-disk index, format version 1 (a folder):
 *
 *   meta.json     {format: "qexp-bm25", version: 1, analyzer: {name, params}, docCount,
 *                  sumTotalTermFreq, norms: "lucene-byte4" | "exact", numTerms, blockSize}
 *   docids.txt    external document ids, one per line; line i is internal document i
 *   norms.bin     one byte per document (SmallFloat.intToByte4 of its length), or with
 *                 norms "exact" a little-endian uint32 per document
 *   terms.txt     the terms, sorted by UTF-16 code unit, one per line
 *   terms.bin     per term, little-endian: df (u32), postings offset (u32 pair: low, high),
 *                 postings byte length (u32), collection frequency (u32)
 *   postings.bin  per term, blocks of up to blockSize postings. A block: u8 count, u32 last doc,
 *                 u32 max tf, u8 smallest norm byte (with exact norms: u32 smallest length)
 *                 — an upper bound for dynamic pruning —, u32 byte length of the block body,
 *                 then count varint doc gaps and count varint term frequencies.
 *   docvectors.bin      per document (the forward index RM3 reads): varint number of distinct
 *                       terms, then per term (by term id = line in terms.txt) a varint id gap and
 *                       a varint frequency
 *   docvectors.offsets  float64 byte offset of each document's vector, plus the end
 */
export const INDEX_FORMAT = 'qexp-bm25';
export const INDEX_VERSION = 1;
export const BLOCK_SIZE = 128;

export interface IndexMeta {
  format: typeof INDEX_FORMAT;
  version: number;
  analyzer: { name: string; params: Record<string, unknown> };
  docCount: number;
  /** Documents with at least one indexed term (Lucene's docCount for the field: the BM25 N). */
  docsWithTerms: number;
  sumTotalTermFreq: number;
  norms: 'lucene-byte4' | 'exact';
  numTerms: number;
  blockSize: number;
}
