import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../../src/config/schema.js';
import { positionOf, Workspace } from '../helpers/workspace.js';
import {
  formatDiagnostics,
  startYamlLanguageServer,
  type YamlLanguageServer,
  YamlLanguageServerUnavailable,
} from '../helpers/yaml-language-server.js';

// What an editor shows: the real yaml-language-server (VS Code's YAML extension, Neovim's yamlls,
// ...) over the repo's experiment files, each naming the schema in its modeline.
const ROOT = resolve(import.meta.dirname, '../..');
const EXPERIMENTS = join(ROOT, 'experiments');
const SCHEMA_URI = pathToFileURL(SCHEMA_PATH).href;

/** Every experiment file; regressions/ holds expected figures (Anserini's regression format), not experiments. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? e.name === 'regressions'
          ? []
          : yamlFiles(join(dir, e.name))
        : e.name.endsWith('.yaml')
          ? [join(dir, e.name)]
          : [],
    )
    .sort();
}
const files = yamlFiles(EXPERIMENTS);

type Node = Record<string, unknown>;
const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Node;

/** `n` and every schema it applies through `$ref` (local), `allOf`, `anyOf`, `oneOf`, `then`, `else`. */
function applied(n: Node, out: Node[] = []): Node[] {
  if (out.includes(n)) return out;
  out.push(n);
  if (typeof n.$ref === 'string' && n.$ref.startsWith('#/')) {
    const target = n.$ref
      .slice(2)
      .split('/')
      .reduce<unknown>((s, k) => (s as Node | undefined)?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], schema);
    if (target && typeof target === 'object') applied(target as Node, out);
  }
  for (const k of ['allOf', 'anyOf', 'oneOf']) for (const s of (n[k] as Node[] | undefined) ?? []) applied(s, out);
  for (const k of ['then', 'else']) if (n[k] && typeof n[k] === 'object') applied(n[k] as Node, out);
  return out;
}

/** The schemas of the key at `path` wherever the schema declares it (several where branches do). */
function keySchemas(path: string[]): Node[] {
  let level = [schema];
  for (const key of path)
    level = level.flatMap((n) =>
      applied(n).flatMap((s): Node[] => {
        const p = (s.properties as Node | undefined)?.[key];
        return p && typeof p === 'object' ? [p as Node] : [];
      }),
    );
  return level;
}

/** Hover markdown as read: the server escapes markdown characters of a plain `description`. */
const hoverText = (h: Awaited<ReturnType<YamlLanguageServer['hover']>>) => {
  const c = h?.contents;
  const md = typeof c === 'object' && c !== null && 'value' in c ? c.value : JSON.stringify(c ?? '');
  return md.replace(/\\([\\`*_{}[\]()#+\-.!])/g, '$1');
};
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('the experiment schema in an editor (yaml-language-server)', () => {
  let ls: YamlLanguageServer | undefined;
  let cannotStart = '';
  const ws = new Workspace('qexp-yls-');

  beforeAll(async () => {
    try {
      ls = await startYamlLanguageServer();
    } catch (e) {
      if (!(e instanceof YamlLanguageServerUnavailable)) throw e;
      cannotStart = e.message;
      console.warn(`yaml-language-server cannot start; editor-schema tests skipped:\n${cannotStart}`);
    }
  }, 180_000);
  afterAll(async () => {
    await ls?.close();
    ws.remove();
  });

  /** The running server, or the test is skipped (with the reason) when it could not start. */
  const server = (ctx: { skip: (note?: string) => void }): YamlLanguageServer => {
    if (!ls) ctx.skip(`yaml-language-server cannot start: ${cannotStart}`);
    return ls as YamlLanguageServer;
  };

  it('finds the experiment files', () => {
    expect(files.map((f) => relative(ROOT, f))).toContain('experiments/quickstart.yaml');
  });

  it.for(files.map((f) => [relative(ROOT, f), f] as const))('%s: no diagnostics', { timeout: 300_000 }, async ([rel, file], ctx) => {
    const yls = server(ctx);
    const diags = await yls.diagnostics(file);
    // a file the server associates with no schema would pass vacuously
    expect((await yls.schemasOf(file)).map((s) => s.uri)).toEqual([SCHEMA_URI]);
    expect(formatDiagnostics(rel, diags)).toEqual([]);
  });

  // The hover an editor shows on `k1` under `retrieval.bm25` (quickstart.yaml)
  const quickstart = join(EXPERIMENTS, 'quickstart.yaml');
  const k1 = keySchemas(['retrieval', 'bm25', 'k1']);
  const k1Hover = async (yls: YamlLanguageServer) => {
    const text = readFileSync(quickstart, 'utf8');
    const { line, col } = positionOf(text, 'k1', text.slice(0, text.search(/^retrieval:/m)).split('k1').length - 1);
    // inside the key (col is 1-based): at its first character the server may pick the node before
    return hoverText(await yls.hover(quickstart, line - 1, col));
  };

  it("hover on a key shows that key's own description", async (ctx) => {
    const yls = server(ctx);
    const own = k1.flatMap((p) => {
      const d = applied(p).find((s) => typeof s.description === 'string' || typeof s.markdownDescription === 'string');
      return d ? [d.description, d.markdownDescription].filter((x): x is string => typeof x === 'string') : [];
    });
    expect(own.length, 'the schema describes retrieval.bm25.k1').toBeGreaterThan(0);
    const shown = await k1Hover(yls);
    expect(
      own.some((d) => squash(shown).includes(squash(d))),
      `hover on retrieval.bm25.k1 shows one of ${JSON.stringify(own)}; it shows ${JSON.stringify(shown)}`,
    ).toBe(true);
  }, 300_000);

  it("hover on a key shows that key's default", async (ctx) => {
    const yls = server(ctx);
    const defaults = k1.flatMap((p) =>
      applied(p)
        .filter((s) => 'default' in s)
        .map((s) => s.default),
    );
    expect(defaults.length, 'the schema gives retrieval.bm25.k1 a default').toBeGreaterThan(0);
    const shown = await k1Hover(yls);
    // yaml-language-server renders title, description, enum values and examples, never `default`
    // itself: the default has to be written in the (markdown)description to be seen
    expect(
      defaults.some((d) => new RegExp(`default[^\\n]*?${JSON.stringify(d).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'i').test(shown)),
      `hover on retrieval.bm25.k1 names its default ${JSON.stringify(defaults)}; it shows ${JSON.stringify(shown)}`,
    ).toBe(true);
  }, 300_000);

  it('sees errors: an unknown key and a wrong type in a temp file are reported where they are', async (ctx) => {
    const yls = server(ctx);
    const file = ws.path('control/negative.yaml');
    const modeline = `# yaml-language-server: $schema=${relative(ws.path('control'), SCHEMA_PATH)}\n`;
    const good = `${modeline}name: control\nseed: 1\nstages:\n  data:\n    kind: shell\n    command: echo hi > {{outs.x}}\n    outs: {x: null}\n`;
    ws.write('control/negative.yaml', good);
    expect(formatDiagnostics('negative.yaml', await yls.diagnostics(file)), 'the control without its faults is clean').toEqual([]);
    const bad = good.replace('seed: 1', 'seed: one').replace('stages:', 'stagez: {}\nstages:');
    const diags = await yls.diagnostics(file, bad);
    const lines = formatDiagnostics('negative.yaml', diags);
    const onLine = (needle: string) => diags.filter((d) => d.range.start.line === positionOf(bad, needle).line - 1);
    expect(onLine('seed: one'), `a type error on 'seed: one' in:\n${lines.join('\n')}`).toHaveLength(1);
    expect(onLine('stagez'), `an unknown-key error on 'stagez' in:\n${lines.join('\n')}`).toHaveLength(1);
    expect(onLine('stagez')[0]?.message).toContain('stagez');
    expect(diags).toHaveLength(2);
  }, 300_000);

  it('needed no network: schemas come from the files, nothing from SchemaStore', (ctx) => {
    const yls = server(ctx);
    expect(yls.networkRequests).toEqual([]);
  });
});
