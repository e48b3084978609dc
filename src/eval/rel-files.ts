/** trec_eval's other input files: judgment groups (`-R qrels_jg`) and Z-score means (`-Z`). */
import { DataError } from '../data/data-error.js';
import { byteOrder, displayText, fieldLines, judgmentLines, readTextBytes } from '../data/trec-fields.js';
import { isPositiveNaNText, parseCDouble } from './c-numbers.js';
import type { TrecEvalVersion } from './res-rels.js';

/** qid → its judgment groups in jg order (strcmp), each docid → grade. */
export interface JudgmentGroupsFile {
  byQuery: Map<string, Map<string, number>[]>;
  path: string;
}

/** `qid jg docno grade`: qrels whose iter column names a judgment group (a user); a document twice in one group is an error. */
export async function readQrelsJg(path: string, version: TrecEvalVersion): Promise<JudgmentGroupsFile> {
  const groups = new Map<string, Map<string, Map<string, number>>>();
  for (const { line, fields } of judgmentLines(path, await readTextBytes(path), version)) {
    if (fields.length !== 4) throw new DataError(path, line, `expected 4 columns 'qid jg docno grade', got ${fields.length}`);
    const [qid, jg, docno, gradeText] = fields as [string, string, string, string];
    if (!/^[+-]?\d+$/.test(gradeText)) throw new DataError(path, line, `grade must be an integer, got '${displayText(gradeText)}'`);
    let q = groups.get(qid);
    if (!q) groups.set(qid, (q = new Map()));
    let g = q.get(jg);
    if (!g) q.set(jg, (g = new Map()));
    if (g.has(docno))
      throw new DataError(
        path,
        line,
        `document ${displayText(docno)} is judged twice in group ${displayText(jg)} of query ${displayText(qid)}`,
      );
    g.set(docno, Number(gradeText));
  }
  if (groups.size === 0) throw new DataError(path, undefined, 'the qrels_jg file has no judgments');
  const byQuery = new Map<string, Map<string, number>[]>();
  for (const [qid, q] of groups)
    byQuery.set(
      qid,
      [...q.keys()].sort(byteOrder).map((jg) => q.get(jg) as Map<string, number>),
    );
  return { byQuery, path };
}

/** qid → measure name → mean and standard deviation. */
export type ZScores = Map<string, Map<string, ZScore>>;

/** A measure's mean and standard deviation; `nan` read from the file is a positive NaN, which trec_eval prints as `nan`. */
export interface ZScore {
  mean: number;
  sd: number;
  meanPositiveNaN: boolean;
  sdPositiveNaN: boolean;
}

/** `qid measure mean stddev` lines (trec_eval -Z). */
export async function readZScores(path: string): Promise<ZScores> {
  const out: ZScores = new Map();
  for (const { line, fields } of fieldLines(await readTextBytes(path))) {
    if (fields.length === 0) continue;
    if (fields.length !== 4) throw new DataError(path, line, `expected 4 columns 'qid measure mean stddev', got ${fields.length}`);
    const [qid, meas, meanText, sdText] = fields as [string, string, string, string];
    const mean = parseCDouble(meanText);
    const sd = parseCDouble(sdText);
    if (mean === undefined || sd === undefined)
      throw new DataError(path, line, `mean and stddev must be numbers, got '${displayText(meanText)}' and '${displayText(sdText)}'`);
    let q = out.get(qid);
    if (!q) out.set(qid, (q = new Map()));
    if (!q.has(meas)) q.set(meas, { mean, sd, meanPositiveNaN: isPositiveNaNText(meanText), sdPositiveNaN: isPositiveNaNText(sdText) });
  }
  if (out.size === 0) throw new DataError(path, undefined, 'the Z-score file has no lines');
  return out;
}
