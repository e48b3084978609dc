import { DataError } from './data-error.js';
import { checkId } from './ids.js';
import { readLines } from './read-lines.js';

export interface Topic {
  qid: string;
  text: string;
}

/**
 * Topics from TSV (`qid<TAB>text`, as DL19/20/21 and MIRACL) or TREC SGML — both the
 * `<top><num> Number: 301 <title> ...` form and the `<DOC><DOCNO> n </DOCNO> text </DOC>` form
 * of CACM. The format is recognised from the first non-blank character.
 */
export async function readTopics(path: string): Promise<Topic[]> {
  const lines: { text: string; line: number }[] = [];
  for await (const l of readLines(path)) lines.push(l);
  const first = lines.find((l) => l.text.trim() !== '');
  if (!first) return [];
  const topics = first.text.trimStart().startsWith('<') ? parseSgml(path, lines) : parseTsv(path, lines);
  const seen = new Map<string, number>();
  for (const [i, t] of topics.entries()) {
    if (seen.has(t.qid))
      throw new DataError(path, undefined, `topic ${t.qid} appears twice (records ${(seen.get(t.qid) ?? 0) + 1} and ${i + 1})`);
    seen.set(t.qid, i);
  }
  return topics;
}

function parseTsv(path: string, lines: { text: string; line: number }[]): Topic[] {
  const out: Topic[] = [];
  for (const { text, line } of lines) {
    if (text.trim() === '') continue;
    const tab = text.indexOf('\t');
    if (tab <= 0) throw new DataError(path, line, `expected 'qid<TAB>query text', got ${JSON.stringify(text.slice(0, 60))}`);
    out.push({ qid: checkId(text.slice(0, tab).trim(), 'query', path, line), text: text.slice(tab + 1).trim() });
  }
  return out;
}

const fold = (s: string) => s.replace(/\s+/g, ' ').trim();

function parseSgml(path: string, lines: { text: string; line: number }[]): Topic[] {
  const out: Topic[] = [];
  let inRecord: 'doc' | 'top' | undefined;
  let start = 0;
  let buf: string[] = [];
  for (const { text, line } of lines) {
    const t = text.trim();
    if (!inRecord) {
      if (/^<DOC>/i.test(t)) inRecord = 'doc';
      else if (/^<top>/i.test(t)) inRecord = 'top';
      else if (t === '') continue;
      else throw new DataError(path, line, `expected <top> or <DOC> to start a topic, got ${JSON.stringify(t.slice(0, 40))}`);
      start = line;
      buf = [text.replace(/^\s*<(DOC|top)>/i, '')];
      continue;
    }
    const end = inRecord === 'doc' ? /<\/DOC>/i : /<\/top>/i;
    if (end.test(t)) {
      buf.push(text.replace(/<\/(DOC|top)>.*$/i, ''));
      out.push(inRecord === 'doc' ? docTopic(path, start, buf.join('\n')) : topTopic(path, start, buf.join('\n')));
      inRecord = undefined;
    } else buf.push(text);
  }
  if (inRecord) throw new DataError(path, start, `topic starting here has no closing </${inRecord === 'doc' ? 'DOC' : 'top'}>`);
  return out;
}

function docTopic(path: string, line: number, body: string): Topic {
  const m = /<DOCNO>\s*([^<\s]+)\s*<\/DOCNO>([\s\S]*)$/i.exec(body);
  if (!m) throw new DataError(path, line, 'expected <DOCNO> id </DOCNO> in the topic');
  return { qid: checkId(m[1] as string, 'query', path, line), text: fold(m[2] as string) };
}

function topTopic(path: string, line: number, body: string): Topic {
  const num = /<num>\s*(?:Number:)?\s*([^<\s]+)/i.exec(body);
  const title = /<title>\s*(?:Topic:)?([\s\S]*?)(?=<[a-z]+>|$)/i.exec(body);
  if (!num) throw new DataError(path, line, 'expected <num> Number: N in the topic');
  if (!title) throw new DataError(path, line, `topic ${num[1]} has no <title>`);
  return { qid: checkId(num[1] as string, 'query', path, line), text: fold(title[1] as string) };
}
