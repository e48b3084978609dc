import { decodeHTML } from 'entities';

/**
 * Visible text of an HTML document: comments, scripts and styles dropped, tags removed,
 * entities decoded, white space folded to single spaces (what the CACM JSONL conversion holds).
 */
export function htmlToText(html: string): string {
  const noTags = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<[^>]*>/g, ' ');
  return decodeHTML(noTags).replace(/\s+/g, ' ').trim();
}
