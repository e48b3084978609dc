import { truncateSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { composeExperiment } from '../../src/config/compose.js';
import { MAX_ALIAS_VALUES, MAX_YAML_BYTES } from '../../src/config/parse-yaml.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

/** `file:line:col message` of every fatal problem. */
const fatal = (file: string) =>
  composeExperiment(ws.path(file)).fatal.map((d) => `${d.pos.file.split('/').pop()}:${d.pos.line}:${d.pos.col} ${d.message}`);

describe('inputs that would exhaust the machine', () => {
  it('refuses an alias bomb at the alias that crosses the limit, at once', () => {
    // the "billion laughs": nine levels of nine aliases, 9^9 values once expanded, in 342 bytes
    const lol = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${'bcdefghi'
      .split('')
      .map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)
      .join('\n')}\n`;
    expect(lol.length).toBeLessThan(400);
    ws.write('bomb.yaml', lol);
    const problems = fatal('bomb.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^bomb\.yaml:\d+:\d+ aliases expand to more than 100,000 values \(from \*[a-h] here on\): write the values out, or use fewer nested aliases$/,
    );
    expect(MAX_ALIAS_VALUES).toBe(100_000);
  });

  it('still expands ordinary aliases, and says when one names no anchor', () => {
    ws.write('alias.yaml', 'defaults: &bm25 {k1: 0.9, b: 0.4}\nretrieval:\n  bm25: *bm25\nlist: &l [1, 2]\nagain: *l\n');
    const c = composeExperiment(ws.path('alias.yaml'));
    expect(c.fatal).toEqual([]);
    expect(c.value).toEqual({ defaults: { k1: 0.9, b: 0.4 }, retrieval: { bm25: { k1: 0.9, b: 0.4 } }, list: [1, 2], again: [1, 2] });
    ws.write('dangling.yaml', 'name: x\nretrieval: *nowhere\n');
    expect(fatal('dangling.yaml')).toEqual(['dangling.yaml:2:12 alias *nowhere names no anchor before it']);
  });

  it('refuses a file over 10 MB before reading it, naming the file and the limit', () => {
    expect(MAX_YAML_BYTES).toBe(10 * 1024 * 1024);
    // 300 MB without writing them: a sparse file (reading it would abort V8 while parsing)
    writeFileSync(ws.path('huge.yaml'), 'name: huge\n');
    truncateSync(ws.path('huge.yaml'), 300 * 1024 * 1024);
    expect(fatal('huge.yaml')).toEqual([
      `huge.yaml:1:1 ${ws.path('huge.yaml')} is 300 MB, more than the 10 MB qexp reads as an experiment; keep large lists in the files it names`,
    ]);
    ws.write('small.yaml', 'extends: big.yaml\nname: small\n');
    writeFileSync(ws.path('big.yaml'), `name: big\n${'#'.repeat(MAX_YAML_BYTES)}\n`);
    expect(fatal('small.yaml')).toEqual([
      `big.yaml:1:1 ${ws.path('big.yaml')} is 10.0 MB, more than the 10 MB qexp reads as an experiment; keep large lists in the files it names`,
    ]);
  });
});

describe('extends', () => {
  it('must be a file name or a list of file names: anything else is an error at its position', () => {
    ws.write('e/base.yaml', 'name: base\n');
    ws.write('e/five.yaml', 'name: x\nextends: 5\n');
    expect(fatal('e/five.yaml')).toEqual(['five.yaml:2:10 extends must be a file name or a list of file names, not a number (5)']);
    ws.write('e/map.yaml', 'name: x\nextends:\n  file: base.yaml\n');
    expect(fatal('e/map.yaml')).toEqual(['map.yaml:3:3 extends must be a file name or a list of file names, not a map']);
    ws.write('e/null.yaml', 'name: x\nextends: null\n');
    expect(fatal('e/null.yaml')).toEqual(['null.yaml:2:10 extends must be a file name or a list of file names, not null']);
    ws.write('e/item.yaml', 'name: x\nextends: [base.yaml, 7, {a: 1}]\n');
    expect(fatal('e/item.yaml')).toEqual([
      'item.yaml:2:22 each entry of extends must be a file name, not a number (7)',
      'item.yaml:2:25 each entry of extends must be a file name, not a map',
    ]);
  });

  it('applies a file shared by two bases once: a null it writes is a value, not a deletion through the other path', () => {
    // root writes x: null (it inherits no x: a null value); right sets x; left only extends root
    ws.write('d1/root.yaml', 'x: null\ny: 1\n');
    ws.write('d1/left.yaml', 'extends: root.yaml\nleft: true\n');
    ws.write('d1/right.yaml', 'extends: root.yaml\nx: {from: right}\n');
    ws.write('d1/child.yaml', 'extends: [right.yaml, left.yaml]\n');
    const c = composeExperiment(ws.path('d1/child.yaml'));
    expect(c.fatal).toEqual([]);
    expect(c.value).toEqual({ x: { from: 'right' }, y: 1, left: true });
    expect(c.map.get('/x/from')?.value.file).toMatch(/d1\/right\.yaml$/);
  });

  it('lets a null delete only what its own file inherits', () => {
    // left removes root's b; right says nothing about b, so it does not bring it back
    ws.write('d2/root.yaml', 'a: 1\nb: {k: 2}\n');
    ws.write('d2/left.yaml', 'extends: root.yaml\nb: null\n');
    ws.write('d2/right.yaml', 'extends: root.yaml\nc: 3\n');
    for (const order of ['[left.yaml, right.yaml]', '[right.yaml, left.yaml]']) {
      ws.write('d2/child.yaml', `extends: ${order}\n`);
      expect(composeExperiment(ws.path('d2/child.yaml')).value, order).toEqual({ a: 1, c: 3 });
    }
    // a base that writes null for a key it does not inherit sets a null, which a later base wins with;
    // it does not delete a sibling's key
    ws.write('d3/a.yaml', 'x: 1\nkeep: {k: 1}\n');
    ws.write('d3/b.yaml', 'x: null\n');
    ws.write('d3/child.yaml', 'extends: [a.yaml, b.yaml]\n');
    expect(composeExperiment(ws.path('d3/child.yaml')).value).toEqual({ x: null, keep: { k: 1 } });
    ws.write('d3/other.yaml', 'extends: [b.yaml, a.yaml]\n');
    expect(composeExperiment(ws.path('d3/other.yaml')).value).toEqual({ x: 1, keep: { k: 1 } });
    // along one chain, as before: null removes what the base defines, and is a value otherwise
    ws.write('d3/linear.yaml', 'extends: a.yaml\nkeep: null\nouts: {store_only: null}\n');
    expect(composeExperiment(ws.path('d3/linear.yaml')).value).toEqual({ x: 1, outs: { store_only: null } });
  });

  it('reads a shared file once: its problems are reported once', () => {
    ws.write('d4/root.yaml', 'a: 1\na: 2\n');
    ws.write('d4/left.yaml', 'extends: root.yaml\n');
    ws.write('d4/right.yaml', 'extends: root.yaml\n');
    ws.write('d4/child.yaml', 'extends: [left.yaml, right.yaml]\n');
    const c = composeExperiment(ws.path('d4/child.yaml'));
    expect(c.diagnostics.map((d) => d.message)).toEqual(["duplicate key 'a' (first defined at line 1, column 1); remove one of them"]);
  });
});
