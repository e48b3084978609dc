/**
 * On-disk index, format version 3 (a folder). Integers are little-endian. The files:
 *
 * - `meta.json`: `{format: "qexp-bm25", version: 3, analyzer: {name, params}, docCount,
 *   docsWithTerms, sumTotalTermFreq, norms: "lucene-byte4" | "exact", numTerms, blockSize,
 *   postingsFiles, vectorFiles, checksums: {chunk, crc32, files: {NAME: {bytes, at}}}, crc32}`.
 *   `checksums` lists every other file with its size; `crc32` is the CRC-32 of the rest of
 *   meta.json written compactly (`JSON.stringify` of the object without it).
 * - `checksums.bin`: a u32 CRC-32 per `chunk` bytes (4,096; the last chunk of a file may be
 *   shorter) of every file listed, a file's from its `at`; meta.json holds this file's own CRC.
 * - `docids.txt`: the external document ids, one per line. Line i is internal document i.
 * - `docorder.bin`: a u32 per document, the rank of its external id in ascending (UTF-16 code
 *   unit) order. Search breaks score ties with it.
 * - `norms.bin`: a byte per document (`SmallFloat.intToByte4` of its length). With norms
 *   `exact`, a u32 length per document instead.
 * - `terms.txt`: the terms, sorted by UTF-16 code unit, one per line. Line i is term id i.
 * - `terms.bin`: a record of five u32 per term: df, collection frequency, postings file, offset
 *   in that file in 32-bit words, length in words.
 * - `postings-N.bin`: the postings of a range of terms. A new file starts before a term that would
 *   take it past the build's `maxFileBytes` (default 1 GiB), so that each file is one buffer.
 *   Every term starts on a 4-byte boundary. A term's postings are:
 *   - a header: u32 n, then n pairs (u32 tf, u32 norm). These are the Pareto frontier of its
 *     blocks' (max tf, smallest norm), so the term's largest score for any k1 and b is the
 *     largest over n pairs, with no pass over the blocks;
 *   - blocks of up to `blockSize` (128) postings. A block has a header of three or four words:
 *     - word 0: count | docBits << 8 | tfBits << 16 | smallest norm byte << 24. The norm byte is 0
 *       with exact norms;
 *     - word 1: the last document;
 *     - word 2: the max tf;
 *     - with exact norms, word 3: the smallest length.
 *     The max tf and the smallest norm bound every score in the block, for dynamic pruning.
 *     Then come count document gaps minus one, bit-packed with docBits bits each into 32-bit
 *     words. The first gap is from the previous block's last document, or from −1. Then count
 *     term frequencies minus one, packed with tfBits bits.
 * - `docvectors-N.bin`: per document, the forward index that RM3 reads: a varint count of its
 *   distinct terms, then per term (by term id) a varint id gap and a varint frequency. Files break
 *   at document boundaries, as postings files do.
 * - `docvectors.offsets`: a float64 per document, the byte offset of its vector counted over the
 *   concatenated files, plus the end.
 *
 * Version 4 is version 3 without the term vectors (built with `vectors: false`, for BM25 without
 * RM3): meta.json says `vectors: false` and `vectorFiles: []`, and there are no docvectors files.
 * Only such indexes are written as version 4, so that a qexp that reads version 3 alone refuses
 * them by their version instead of finding files missing; an index with vectors stays version 3.
 */
import { crc32 } from 'node:zlib';
import type { IndexChecksums } from './checksums.js';

export const INDEX_FORMAT = 'qexp-bm25';
export const INDEX_VERSION = 3;
/** The version of an index without term vectors (see above). */
export const NO_VECTORS_VERSION = 4;
export const BLOCK_SIZE = 128;
/** Words in a dictionary record. */
export const TERM_RECORD = 5;

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
  /** Number of `postings-N.bin` files. */
  postingsFiles: number;
  /** Byte length of each `docvectors-N.bin` file. */
  vectorFiles: number[];
  /** false in an index without term vectors (version 4); absent otherwise. */
  vectors?: false;
  checksums: IndexChecksums;
}

/** meta.json's text: the meta with the CRC-32 of its compact JSON appended as `crc32`. */
export function metaText(meta: IndexMeta): string {
  return `${JSON.stringify({ ...meta, crc32: crc32(JSON.stringify(meta)) }, null, 2)}\n`;
}

/** Whether the index holds term vectors (which RM3 reads). */
export const hasVectors = (meta: IndexMeta): boolean => meta.vectors !== false;

export const postingsFile = (n: number) => `postings-${n}.bin`;
export const vectorsFile = (n: number) => `docvectors-${n}.bin`;
