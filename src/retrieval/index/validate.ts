import { packedWords } from './bitpack.js';
import { damage } from './checksums.js';
import { BLOCK_SIZE, type IndexMeta } from './index-format.js';

/**
 * Walks a term's postings header by header (its frontier, then each block's count, bit widths and
 * last document), so that the decoders, which trust them, never read past the term or produce a
 * document outside the index. The blocks' packed contents are covered by the checksums.
 */
export function checkTermPostings(
  dir: string,
  file: string,
  meta: IndexMeta,
  id: number,
  df: number,
  words: Uint32Array,
  offset: number,
  length: number,
): void {
  const bad = (what: string) => damage(dir, file, `the postings of term ${id} ${what}`);
  const end = offset + length;
  if (end > words.length) throw bad('run past the end of the file');
  const header = meta.norms === 'exact' ? 4 : 3;
  let p = offset + 1 + 2 * (words[offset] as number);
  let count = 0;
  let last = -1;
  while (p < end) {
    const h = words[p] as number;
    const n = h & 0xff;
    const docBits = (h >>> 8) & 0xff;
    const tfBits = (h >>> 16) & 0xff;
    const blockLast = words[p + 1] as number;
    if (n === 0 || n > BLOCK_SIZE || docBits > 32 || tfBits > 32 || p + header > end) throw bad(`have a damaged block header at word ${p}`);
    if (blockLast - last < n || blockLast >= meta.docCount) throw bad(`have a block ending at document ${blockLast}`);
    last = blockLast;
    count += n;
    p += header + packedWords(n, docBits) + packedWords(n, tfBits);
  }
  if (p !== end || count !== df) throw bad(`hold ${count} documents where the dictionary says ${df}`);
}
