import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CHECKSUMS_FILE, CHUNK, damage, type FileSum, verifyChunks } from './checksums.js';
import {
  hasVectors,
  INDEX_FORMAT,
  INDEX_VERSION,
  type IndexMeta,
  NO_VECTORS_VERSION,
  postingsFile,
  TERM_RECORD,
  vectorsFile,
} from './index-format.js';
import { readShared } from './shared-file.js';
import { checkTermPostings } from './validate.js';

// What is checked before an index answers: meta.json, the files' sizes and checksums, and the structure.

/** Reads and checks an index's meta.json (format, version, its own checksum, the files it lists) without loading the index. */
export function readIndexMeta(dir: string): IndexMeta {
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) {
    if (existsSync(join(dir, CHECKSUMS_FILE)) || existsSync(join(dir, 'terms.bin'))) throw damage(dir, 'meta.json', 'missing');
    throw new Error(`${dir} is not a qexp index (no meta.json); build one with qexp index`);
  }
  let parsed: (IndexMeta & { crc32?: number }) | null;
  try {
    parsed = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (err) {
    throw damage(dir, 'meta.json', `not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw damage(dir, 'meta.json', 'not a JSON object');
  const { crc32: crc, ...meta } = parsed;
  // indexes of earlier versions have no checksum: they are told their version below
  if (crc !== undefined && crc !== crc32(JSON.stringify(meta))) throw damage(dir, 'meta.json', 'its content does not match its checksum');
  if (meta.format !== INDEX_FORMAT) throw new Error(`${dir}: not a qexp BM25 index (format ${meta.format})`);
  if (meta.version !== INDEX_VERSION && meta.version !== NO_VECTORS_VERSION)
    throw new Error(
      `${dir}: index format version ${meta.version}; this qexp reads versions ${INDEX_VERSION} and ${NO_VECTORS_VERSION}: rebuild it with qexp index`,
    );
  if (crc === undefined) throw damage(dir, 'meta.json', 'it has no checksum');
  // version 4 is the index without term vectors, and only it
  if ((meta.version === NO_VECTORS_VERSION) !== (meta.vectors === false) || (meta.vectors === false && meta.vectorFiles?.length))
    throw damage(dir, 'meta.json', `its version (${meta.version}) and its record of term vectors disagree`);
  return meta;
}

/** The files of an index, as meta.json lists them (checksums.bin apart), with the size each must have where the meta says it. */
function expectedFiles(meta: IndexMeta): Map<string, number | null> {
  const n = meta.docCount;
  const files = new Map<string, number | null>([
    ['docids.txt', null],
    ['docorder.bin', 4 * n],
    ['norms.bin', meta.norms === 'exact' ? 4 * n : n],
    ['terms.txt', null],
    ['terms.bin', 4 * TERM_RECORD * meta.numTerms],
  ]);
  if (hasVectors(meta)) files.set('docvectors.offsets', 8 * (n + 1));
  for (let i = 0; i < meta.postingsFiles; i++) files.set(postingsFile(i), null);
  meta.vectorFiles.forEach((bytes, i) => {
    files.set(vectorsFile(i), bytes);
  });
  return files;
}

/**
 * Checks that every file of the index is there with the size meta.json records, and loads
 * checksums.bin (checked against its CRC in meta.json). Cheap: a stat per file.
 */
export function openChecked(dir: string, meta: IndexMeta): Uint32Array {
  const listed = meta.checksums.files;
  const expected = expectedFiles(meta);
  for (const [name, bytes] of expected) {
    const sum = listed[name];
    if (!sum || (bytes !== null && sum.bytes !== bytes)) throw damage(dir, 'meta.json', `its record of ${name} does not fit the index`);
  }
  let chunks = 0;
  for (const [name, sum] of Object.entries(listed)) {
    if (!expected.has(name)) throw damage(dir, 'meta.json', `it lists ${name}, which is not an index file`);
    const path = join(dir, name);
    if (!existsSync(path)) throw damage(dir, name, 'missing');
    const size = statSync(path).size;
    if (size !== sum.bytes) throw damage(dir, name, `${size} bytes where the index wrote ${sum.bytes}`);
    chunks += Math.ceil(sum.bytes / CHUNK);
  }
  const path = join(dir, CHECKSUMS_FILE);
  if (!existsSync(path)) throw damage(dir, CHECKSUMS_FILE, 'missing');
  const bytes = readFileSync(path);
  if (bytes.length !== 4 * chunks) throw damage(dir, CHECKSUMS_FILE, `${bytes.length} bytes where the index wrote ${4 * chunks}`);
  if (crc32(bytes) !== meta.checksums.crc32) throw damage(dir, CHECKSUMS_FILE, 'its content does not match its checksum');
  const table = new Uint32Array(new SharedArrayBuffer(bytes.length));
  new Uint8Array(table.buffer).set(bytes);
  return table;
}

/** Byte offsets of the starts of newline-terminated lines, plus the end (u32 while the file is under 4 GiB). */
export function lineStarts(dir: string, file: string, bytes: Uint8Array, lines: number): SharedArrayBuffer {
  const wide = bytes.length >= 2 ** 32;
  const sab = new SharedArrayBuffer((wide ? 8 : 4) * (lines + 1));
  const starts = wide ? new Float64Array(sab) : new Uint32Array(sab);
  let n = 0;
  starts[0] = 0;
  for (let p = bytes.indexOf(10); p >= 0 && n < lines; p = bytes.indexOf(10, p + 1)) starts[++n] = p + 1;
  if (n !== lines || starts[n] !== bytes.length) throw damage(dir, file, `${n} lines where the index has ${lines}`);
  return sab;
}

/** docorder.bin must rank every document once. */
export function checkPermutation(dir: string, order: Uint32Array): void {
  const seen = new Uint32Array(Math.ceil(order.length / 32));
  for (let d = 0; d < order.length; d++) {
    const r = order[d] as number;
    const bit = 1 << (r & 31);
    if (r >= order.length || (seen[r >>> 5] as number) & bit) throw damage(dir, 'docorder.bin', `document ${d} has rank ${r}`);
    seen[r >>> 5] = (seen[r >>> 5] as number) | bit;
  }
}

/** terms.bin: every term's postings within its file, one after another. */
export function checkDictionary(dir: string, meta: IndexMeta, dict: Uint32Array): void {
  const files = meta.checksums.files;
  let file = 0;
  let end = 0;
  for (let id = 0; id < meta.numTerms; id++) {
    const r = TERM_RECORD * id;
    const df = dict[r] as number;
    const f = dict[r + 2] as number;
    const offset = dict[r + 3] as number;
    const length = dict[r + 4] as number;
    if (f !== file) {
      file = f;
      end = 0;
    }
    const words = file < meta.postingsFiles ? (files[postingsFile(file)] as FileSum).bytes / 4 : -1;
    if (!(df >= 1 && df <= meta.docCount && (dict[r + 1] as number) >= df && offset === end && offset + length <= words))
      throw damage(dir, 'terms.bin', `the record of term ${id} does not fit the postings files`);
    end = offset + length;
  }
}

/** Every term's postings, walked block header by block header (the blocks' contents are covered by the checksums). */
export function checkAllPostings(dir: string, meta: IndexMeta, dict: Uint32Array, postings: SharedArrayBuffer[]): void {
  const words = postings.map((b) => new Uint32Array(b));
  for (let id = 0; id < meta.numTerms; id++) {
    const r = TERM_RECORD * id;
    const f = dict[r + 2] as number;
    checkTermPostings(
      dir,
      postingsFile(f),
      meta,
      id,
      dict[r] as number,
      words[f] as Uint32Array,
      dict[r + 3] as number,
      dict[r + 4] as number,
    );
  }
}

/** docvectors.offsets: ascending, from 0 to the vectors' total size, each vector within one file. */
export function checkVectorOffsets(dir: string, offsets: Float64Array, sizes: number[]): void {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== total) throw damage(dir, 'docvectors.offsets', 'it does not span the vectors');
  for (let d = 1; d < offsets.length; d++)
    if (!((offsets[d] as number) >= (offsets[d - 1] as number)))
      throw damage(dir, 'docvectors.offsets', `document ${d - 1}'s vector ends before it starts`);
}

/**
 * Checks a whole index without holding it in memory: every file's size and checksums (read a
 * chunk at a time), then its structure (terms, document ids and ranks, the dictionary, every
 * term's block headers, the term vectors' offsets), one file in memory at a time.
 */
export function verifyIndex(dir: string): { files: number; bytes: number } {
  const meta = readIndexMeta(dir);
  const table = openChecked(dir, meta);
  const files = meta.checksums.files;
  let bytes = 0;
  const buf = new Uint8Array(1 << 24);
  for (const [name, sum] of Object.entries(files)) {
    const fd = openSync(join(dir, name), 'r');
    try {
      // whole chunks at a time: the buffer holds a whole number of them
      for (let at = 0; at < sum.bytes; ) {
        const want = Math.min(buf.length, sum.bytes - at);
        for (let got = 0; got < want; ) {
          const n = readSync(fd, buf, got, want - got, at + got);
          if (n <= 0) throw damage(dir, name, `it ends before byte ${at + got}`);
          got += n;
        }
        verifyChunks(dir, name, sum, table, buf.subarray(0, want), at);
        at += want;
      }
    } finally {
      closeSync(fd);
    }
    bytes += sum.bytes;
  }
  const load = (name: string) => readShared(join(dir, name));
  lineStarts(dir, 'terms.txt', new Uint8Array(load('terms.txt')), meta.numTerms);
  lineStarts(dir, 'docids.txt', new Uint8Array(load('docids.txt')), meta.docCount);
  checkPermutation(dir, new Uint32Array(load('docorder.bin')));
  const dict = new Uint32Array(load('terms.bin'));
  checkDictionary(dir, meta, dict);
  for (let f = 0; f < meta.postingsFiles; f++) {
    const words = new Uint32Array(load(postingsFile(f)));
    for (let id = 0; id < meta.numTerms; id++) {
      const r = TERM_RECORD * id;
      if (dict[r + 2] === f)
        checkTermPostings(dir, postingsFile(f), meta, id, dict[r] as number, words, dict[r + 3] as number, dict[r + 4] as number);
    }
  }
  if (hasVectors(meta)) checkVectorOffsets(dir, new Float64Array(load('docvectors.offsets')), meta.vectorFiles);
  return { files: Object.keys(files).length + 2, bytes: bytes + table.byteLength };
}
