import { afterAll, describe, expect, it } from 'vitest';
import { positionOf, Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

const base = `name: demo
stages:
  data:
    kind: shell
    command: echo hi > {{outs.x}}
    outs: {x: null}
`;

/** Writes a file, validates it, and returns exit code and error lines. */
async function validate(name: string, text: string) {
  ws.write(name, text);
  const r = await ws.qexp(['validate', name]);
  const lines = String(r.stderr)
    .split('\n')
    .filter((l) => l.includes(': error: '));
  return { code: r.exitCode, lines, text };
}

function expectAt(lines: string[], file: string, text: string, needle: string, message: RegExp, nth = 0) {
  const { line, col } = positionOf(text, needle, nth);
  const hit = lines.find((l) => l.startsWith(`${file}:${line}:${col}: error: `) && message.test(l));
  expect(hit, `expected ${file}:${line}:${col} ${message} in:\n${lines.join('\n')}`).toBeDefined();
}

describe('qexp validate', () => {
  it('accepts a valid experiment', async () => {
    ws.write('ok.yaml', base);
    const r = await ws.qexp(['validate', 'ok.yaml']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('ok.yaml: ok (1 stages, 1 variant)');
  });

  it('reports a YAML syntax error with its position', async () => {
    const text = 'name: x\nstages:\n  a: {kind: shell, command: "unterminated}\n';
    const r = await validate('syntax.yaml', text);
    expect(r.code).toBe(2);
    expect(r.lines.length).toBeGreaterThan(0);
    expect(r.lines[0]).toMatch(/^syntax\.yaml:\d+:\d+: error: YAML syntax: /);
  });

  it('reports a duplicate key at the second occurrence, naming the first', async () => {
    const text = `${base}    command: echo again\n`;
    const r = await validate('dup.yaml', text);
    expect(r.code).toBe(2);
    const first = positionOf(text, 'command');
    expectAt(r.lines, 'dup.yaml', text, 'command', new RegExp(`duplicate key 'command' \\(first defined at line ${first.line}`), 1);
  });

  it('reports an unknown key with a suggestion', async () => {
    const text = base.replace('    outs:', '    ouTs:');
    const r = await validate('unknown.yaml', text);
    expect(r.code).toBe(2);
    expectAt(r.lines, 'unknown.yaml', text, 'ouTs', /unknown key 'ouTs' in stages\.data; did you mean 'outs'\?/);
  });

  it('suggests stage kinds and top-level sections', async () => {
    const text = `name: demo\nretreival: {}\nstages:\n  a: {kind: shel, command: x}\n`;
    const r = await validate('kinds.yaml', text);
    expect(r.code).toBe(2);
    expectAt(r.lines, 'kinds.yaml', text, 'retreival', /did you mean 'retrieval'\?/);
    expectAt(r.lines, 'kinds.yaml', text, 'shel', /unknown stage kind 'shel'; did you mean 'shell'\?/);
  });

  it('reports a wrong type', async () => {
    const text = `${base}    timeout: soon\n`;
    const r = await validate('type.yaml', text);
    expect(r.code).toBe(2);
    expectAt(r.lines, 'type.yaml', text, 'soon', /stages\.data\.timeout must be a number, got string 'soon'/);
  });

  it('reports a reference to a missing stage with a suggestion', async () => {
    const text = `${base}  score:\n    kind: shell\n    from: dta\n    command: echo\n`;
    const r = await validate('ref.yaml', text);
    expect(r.code).toBe(2);
    expectAt(r.lines, 'ref.yaml', text, 'dta', /unknown stage 'dta'; did you mean 'data'\?/);
  });

  it('reports a cycle', async () => {
    const text = `name: c\nstages:\n  a: {kind: shell, from: b, command: x}\n  b: {kind: shell, from: [c], command: y}\n  c: {kind: shell, from: a, command: z}\n`;
    const r = await validate('cycle.yaml', text);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expectAt(r.lines, 'cycle.yaml', text, 'b, command', /cycle between stages: .*a.*→.*a/);
  });

  it('reports every problem of a file at once, in file order', async () => {
    const text = `name: many
seed: -1
stages:
  data: {kind: shell, command: x, outs: {x: null}, timout: 3}
  b: {kind: shell, from: nope, command: y}
  c: {kind: shell, command: "cat {{inputs.data.x}}"}
`;
    const r = await validate('many.yaml', text);
    expect(r.code).toBe(2);
    expectAt(r.lines, 'many.yaml', text, '-1', /seed must be >= 0/);
    expectAt(r.lines, 'many.yaml', text, 'timout', /did you mean 'timeout'/);
    expectAt(r.lines, 'many.yaml', text, 'nope', /unknown stage 'nope'/);
    expect(r.lines).toHaveLength(3);
    const order = r.lines.map((l) => Number(l.split(':')[1]));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('checks placeholders and missing dependency files', async () => {
    const text = `name: ph
stages:
  a: {kind: shell, command: "x > {{outs.reslt}}", outs: {result: null}, deps: [nothere.txt]}
  b: {kind: shell, from: a, command: "cat {{inputs.a.results}} {{params.retrieval.bm25.k1}}"}
`;
    const r = await validate('ph.yaml', text);
    expect(r.code).toBe(2);
    expectAt(r.lines, 'ph.yaml', text, 'nothere.txt', /dependency not found: .*nothere\.txt/);
    expect(r.lines.some((l) => /\{\{outs\.reslt\}\}: output 'reslt' is not declared under outs; did you mean 'result'\?/.test(l))).toBe(
      true,
    );
    expect(r.lines.some((l) => /\{\{inputs\.a\.results\}\}: stage 'a' has no output 'results'; did you mean 'result'\?/.test(l))).toBe(
      true,
    );
    expect(
      r.lines.some((l) => /\{\{params\.retrieval\.bm25\.k1\}\}: parameter 'retrieval\.bm25\.k1' is not listed under params/.test(l)),
    ).toBe(true);
  });

  it('gives machine-readable diagnostics with --json', async () => {
    const text = base.replace('kind: shell', 'kind: 42');
    ws.write('json.yaml', text);
    const r = await ws.json<{ files: { valid: boolean; diagnostics: { file: string; line: number; col: number; message: string }[] }[] }>([
      'validate',
      'json.yaml',
    ]);
    expect(r.code).toBe(2);
    const d = r.data.files[0]?.diagnostics[0];
    expect(d).toMatchObject({ file: 'json.yaml', ...positionOf(text, '42') });
  });
});
