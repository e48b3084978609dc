import { decodeHTML, decodeHTMLStrict } from 'entities';
import { type DefaultTreeAdapterTypes, parse } from 'parse5';

/**
 * Visible text of an HTML document as Anserini indexes it (its HtmlCollection: Jsoup's
 * `Jsoup.parse(html).text()`), on parse5's HTML5 parser (the tree Jsoup's parser builds too):
 * - the file is read line by line, each line ending in "\n" (Java's BufferedReader.readLine);
 * - named character references decoded as Jsoup decodes them (see `jsoupReferences`);
 * - text of every node in document order, scripts, styles and comments left out;
 * - white space (space, tab, CR, LF, FF, no-break space) folded to one space and zero-width
 *   space / soft hyphen dropped, except under pre, textarea, title and plaintext (Jsoup looks
 *   at the parent and five more levels up);
 * - a space before a block element and br, and after a block element followed by text, unless
 *   the text already ends with one;
 * - trimmed (Java's String.trim: every character up to U+0020).
 */
export function htmlToText(html: string): string {
  // scripting off, as Jsoup: noscript content is markup
  const doc = parse(jsoupReferences(anseriniLines(html)), { scriptingEnabled: false });
  let acc = '';
  // explicit stack: malformed documents nest deeply
  const stack: Visit[] = [{ node: doc, tail: false }];
  while (stack.length > 0) {
    const { node, tail, next } = stack.pop() as Visit;
    if (node.nodeName === '#text') {
      const parent = node.parentNode;
      if (parent && 'tagName' in parent && (parent.tagName === 'script' || parent.tagName === 'style')) continue;
      let value = (node as DefaultTreeAdapterTypes.TextNode).value;
      if (value.includes(KEEP)) value = value.replaceAll(`&amp;${KEEP}`, '&').replaceAll(`&${KEEP}`, '&');
      acc = preservesWhitespace(parent) ? acc + value : appendNormalised(acc, value);
      continue;
    }
    const name = 'tagName' in node ? node.tagName : undefined;
    if (tail) {
      if (name !== undefined && BLOCK.has(name) && next?.nodeName === '#text' && !acc.endsWith(' ')) acc += ' ';
      continue;
    }
    if (name !== undefined) {
      if (acc.length > 0 && (BLOCK.has(name) || name === 'br') && !acc.endsWith(' ')) acc += ' ';
      stack.push({ node, tail: true, next });
    }
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i] as Node, tail: false, next: children[i + 1] });
  }
  return javaTrim(acc);
}

// Marks an ampersand that Jsoup keeps as it is (a noncharacter, never in real text)
const KEEP = '\ufdd0';
const REFERENCE = /&([\p{L}]+[0-9]*)(;?)/gu;

/**
 * Jsoup decodes `&name` only where the whole run of letters then digits after `&` is an entity:
 * one of HTML's legacy entities (amp, lt, copy…) with or without `;`, any other with `;`.
 * HTML5 (and parse5) also decode a legacy entity that starts a longer word (`&copyright` →
 * ©right) and any prefix before `;` (`&notit;` → ¬it;). Such an ampersand is escaped here, and
 * marked so that where the parser does not decode (scripts, raw text) the mark is taken out.
 */
export function jsoupReferences(html: string): string {
  if (!html.includes('&')) return html;
  return html.replace(REFERENCE, (ref: string, name: string, semi: string) => {
    const strict = decodeHTMLStrict(`&${name};`);
    const named = strict !== `&${name};`;
    const legacy = named && decodeHTML(`&${name}`) === strict;
    return legacy || (named && semi === ';') ? ref : `&amp;${KEEP}${name}${semi}`;
  });
}

type Node = DefaultTreeAdapterTypes.Node;
/** A node to enter, or an element to leave (`tail`), with its next sibling. */
interface Visit {
  node: Node;
  tail: boolean;
  next?: Node;
}
type ParentNode = DefaultTreeAdapterTypes.ParentNode;

// Jsoup's block tags (org.jsoup.parser.Tag); other tags are inline
const BLOCK = new Set(
  (
    'html head body frameset script noscript style meta link title frame noframes section nav aside hgroup header footer p ' +
    'h1 h2 h3 h4 h5 h6 ul ol pre div blockquote hr address figure figcaption form fieldset ins del dl dt dd li table caption ' +
    'thead tfoot tbody colgroup col tr th td video audio canvas details menu plaintext template article main svg math center ' +
    'dir applet marquee listing'
  ).split(' '),
);
const PRESERVE = new Set(['pre', 'plaintext', 'title', 'textarea']);

function childrenOf(node: Node): Node[] {
  // Jsoup keeps a template's content as its children
  if ('content' in node && node.nodeName === 'template') return node.content.childNodes;
  return 'childNodes' in node ? node.childNodes : [];
}

function preservesWhitespace(parent: ParentNode | null): boolean {
  let el: ParentNode | null = parent;
  for (let i = 0; i < 6 && el && 'tagName' in el; i++) {
    if (PRESERVE.has(el.tagName)) return true;
    el = el.parentNode;
  }
  return false;
}

/** Jsoup's StringUtil.appendNormalisedWhitespace, stripping leading white space when `acc` ends with a space. */
function appendNormalised(acc: string, text: string): string {
  let out = '';
  let lastWasWhite = false;
  let reachedNonWhite = false;
  const stripLeading = acc.endsWith(' ');
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0xa0) {
      if ((stripLeading && !reachedNonWhite) || lastWasWhite) continue;
      out += ' ';
      lastWasWhite = true;
    } else if (c !== 0x200b && c !== 0xad) {
      out += text[i];
      lastWasWhite = false;
      reachedNonWhite = true;
    }
  }
  return acc + out;
}

function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return s.slice(a, b);
}

/** The file as Java's BufferedReader.readLine sees it, each line followed by "\n" (Anserini's HtmlCollection). */
export function anseriniLines(raw: string): string {
  if (raw === '') return '';
  const lines = raw.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return `${lines.join('\n')}\n`;
}
