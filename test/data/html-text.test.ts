import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { anseriniLines, htmlToText } from '../../src/data/html-text.js';
import { REFERENCE_MISSING, REFERENCE_VERSIONS, records, runReference, unb64 } from '../helpers/lucene-reference.js';
import { MIRROR } from '../helpers/mirror.js';

/** HTML written to exercise Jsoup's text(): blocks, white space, entities, raw text, odd markup. */
const SNIPPETS = [
  '<p>One<p>Two',
  '<div>One</div>Two',
  'a<br>b',
  '<b>x</b><i>y</i>',
  '<pre>  a\n  b </pre>c',
  '<title> T  t </title><body>x',
  '&copyright &copy; &amp &ampx &notit; &notin; &#65;&#x42;&#128;&#x110000; &lt &gtfoo &copyé',
  '&copy2 &sup2x &frac12; &#65x &#x4g &AMP; &Amp;',
  '<script>var x=1 &copyx</script>y<style>p{} &ampx</style>z',
  '<!-- c -->v',
  '<textarea> a  b &ampx </textarea>',
  '<unknown>a</unknown>b',
  '<custom-el>a</custom-el><div>b</div>',
  '<table><tr><td>a<td>b</table>c',
  '1 <= m <= n; 10^8 < 2^27 <3 <a',
  'x\u200by\u00adz\u00a0w',
  '<body><noscript><p>ns</p></noscript>t',
  'a<noscript>b</noscript>c',
  '<template><p>tp</p></template>u',
  '<xmp><b>x</b> &ampx</xmp>',
  '<svg><text>s</text></svg>m',
  '<pre><b><i><u><s><em><span>deep  x</span></em></s></u></i></b></pre>',
  '<ul><li>a</li> <li>b</li></ul>',
  'a\r\nb\rc',
  '<p>a</p>\n\n<p>b</p>',
  '<iframe>if</iframe>',
  '<plaintext>a  <b>b',
  '</p>x',
  '<a href="x&ampy">l</a>&nbsp;k',
  '<html><head><title>T</title></head><body><h1>H</h1><p>para <em>em</em> text.</p><ul><li>one<li>two</ul></body></html>',
  '<p>unclosed <b>bold <i>both</b> italic</i> end',
  '<table><b>foster</b><tr><td>cell</td></tr></table>',
  '<select><option>a<option>b</select>',
  '<dl><dt>t<dd>d</dl>',
  '  leading and trailing  ',
];

describe('HTML text (no reference needed)', () => {
  it('keeps text after a literal "<" that starts no tag, as an HTML parser does', () => {
    expect(htmlToText('<html><pre>From 10^8 < 2^27, 1 <= m <= n we\nconclude</pre></html>')).toBe(
      'From 10^8 < 2^27, 1 <= m <= n we\nconclude',
    );
  });

  it('spaces blocks, folds white space outside pre, decodes entities as Jsoup', () => {
    expect(htmlToText('<div>One</div>Two<p>Three  \n four</p>a<br>b')).toBe('One Two Three four a b');
    expect(htmlToText('&copyright &copy; &amp &notit; &notin;')).toBe('&copyright © & &notit; ∉');
    expect(htmlToText('<script>x</script><style>y</style><!--z-->t')).toBe('t');
  });
});

async function cacmHtml(path: string): Promise<{ id: string; text: string }[]> {
  const out: { id: string; text: string }[] = [];
  const tar = extract();
  createReadStream(path).pipe(createGunzip()).pipe(tar);
  for await (const entry of tar) {
    const chunks: Buffer[] = [];
    for await (const c of entry) chunks.push(c as Buffer);
    out.push({ id: entry.header.name, text: Buffer.concat(chunks).toString('utf8') });
  }
  return out;
}

describe.skipIf(REFERENCE_MISSING !== undefined || !MIRROR)(`HTML text against Jsoup's text() (${REFERENCE_VERSIONS})`, () => {
  it('gives the text Jsoup gives for every CACM document and every written snippet', async () => {
    const docs = [
      ...(await cacmHtml(join(MIRROR as string, 'cacm', 'cacm.tar.gz'))),
      ...SNIPPETS.map((text, i) => ({ id: `snippet-${i}`, text })),
    ];
    // Anserini's HtmlCollection reads a file line by line, each line followed by "\n"
    const ref = new Map(
      (await runReference(['jsoup'], records(docs.map((d) => ({ id: d.id, text: anseriniLines(d.text) })))))
        .split('\n')
        .filter((l) => l)
        .map((l) => l.split('\t') as [string, string])
        .map(([id, b]) => [id, unb64(b)]),
    );
    const differ = docs
      .filter((d) => htmlToText(d.text) !== ref.get(d.id))
      .map((d) => `${d.id}: ${JSON.stringify(htmlToText(d.text))} vs ${JSON.stringify(ref.get(d.id))}`);
    console.log(`Jsoup text(): ${docs.length} documents, ${differ.length} differ`);
    expect(differ).toEqual([]);
    expect(docs.length).toBe(3204 + SNIPPETS.length);
  }, 300_000);
});
