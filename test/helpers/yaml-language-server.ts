import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  type Diagnostic,
  type Hover,
  type InitializeResult,
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node.js';

/**
 * The real yaml-language-server (the one behind VS Code's YAML extension, Neovim's yamlls, ...)
 * run as a child process and driven over LSP on stdio as an editor drives it: the schema comes
 * from each file's `# yaml-language-server: $schema=...` modeline, resolved against the file.
 */
export interface YamlLanguageServer {
  /** The server's version, from its initialize answer. */
  version: string;
  /** Opens the file (or `text` under the file's name) and returns the diagnostics it publishes. */
  diagnostics(path: string, text?: string): Promise<Diagnostic[]>;
  /** Hover at a 0-based line/character of the file as last opened (opened from disk if not). */
  hover(path: string, line: number, character: number): Promise<Hover | null>;
  /** The schemas the server associates with an open file (`yaml/get/jsonSchema`): uri and name. */
  schemasOf(path: string): Promise<{ uri: string; name?: string }[]>;
  /** Every HTTP request the server tried to make (they all go to a refusing proxy on 127.0.0.1). */
  networkRequests: string[];
  /** What the server wrote to stderr and sent as window/logMessage, for failure messages. */
  log(): string;
  close(): Promise<void>;
}

export interface YamlLanguageServerOptions {
  /** Extra `yaml.*` settings, merged over the editor-like defaults below. */
  yaml?: Record<string, unknown>;
  /** How long one answer (diagnostics, hover, startup) may take; generous, CI is loaded. */
  deadlineMs?: number;
}

const require = createRequire(import.meta.url);

/** The server is not installed, or its process died before answering `initialize`. */
export class YamlLanguageServerUnavailable extends Error {}

/** The server's launcher script, as installed under node_modules (throws when not installed). */
export function yamlLanguageServerBin(): string {
  const pkg = require.resolve('yaml-language-server/package.json');
  const bin = (JSON.parse(readFileSync(pkg, 'utf8')) as { bin: Record<string, string> }).bin['yaml-language-server'];
  if (!bin) throw new Error(`${pkg} names no yaml-language-server bin`);
  return join(dirname(pkg), bin);
}

/**
 * An HTTP proxy that answers every request 403 and records it: the server is told to send all
 * its HTTP through it, so a test can assert it never needed the network (schemas are local).
 */
async function startTrapProxy(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(403).end('qexp test: no network');
  });
  server.on('connect', (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

export async function startYamlLanguageServer(opts: YamlLanguageServerOptions = {}): Promise<YamlLanguageServer> {
  const deadlineMs = opts.deadlineMs ?? 120_000;
  const proxy = await startTrapProxy();
  const logLines: string[] = [];
  const log = () => logLines.slice(-40).join('\n');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [yamlLanguageServerBin(), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    proxy.server.close();
    throw new YamlLanguageServerUnavailable((e as Error).message);
  }
  let exited: string | undefined;
  let onExit: (e: Error) => void = () => {};
  // rejects when the server dies, so a request in flight fails at once instead of at its deadline
  const died = new Promise<never>((_, reject) => {
    onExit = reject;
  });
  died.catch(() => {});
  child.on('exit', (code, signal) => {
    exited = `exited (code ${code}, signal ${signal})`;
    onExit(new Error(`yaml-language-server ${exited}\n${log()}`));
  });
  child.on('error', (e) => {
    exited = `failed to start: ${e.message}`;
    onExit(new Error(`yaml-language-server ${exited}`));
  });
  child.stderr?.on('data', (d: Buffer) => logLines.push(...d.toString().trimEnd().split('\n')));
  const conn: MessageConnection = createMessageConnection(
    new StreamMessageReader(child.stdout as NodeJS.ReadableStream),
    new StreamMessageWriter(child.stdin as NodeJS.WritableStream),
  );

  // The settings VS Code's YAML extension would send, less everything that reaches the network:
  // no SchemaStore catalogue, no Kubernetes CRD store, all HTTP through the trap proxy.
  const yamlSettings: Record<string, unknown> = {
    validate: true,
    hover: true,
    completion: true,
    format: { enable: false },
    schemas: {},
    schemaStore: { enable: false, url: '' },
    kubernetesCRDStore: { enable: false, url: '' },
    ...opts.yaml,
  };
  const sections: Record<string, unknown> = {
    yaml: yamlSettings,
    http: { proxy: proxy.url, proxyStrictSSL: false },
    '[yaml]': {},
    editor: {},
  };
  conn.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
    params.items.map((i) => (i.section !== undefined ? (sections[i.section] ?? null) : null)),
  );
  // registerCapability, window/workDoneProgress/create, codeLens refresh, ...: acknowledge, as an editor does
  conn.onRequest((method) => {
    logLines.push(`[request ${method}]`);
    return null;
  });
  const published = new Map<string, Diagnostic[][]>();
  conn.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diagnostic[] }) => {
    const list = published.get(p.uri) ?? [];
    list.push(p.diagnostics);
    published.set(p.uri, list);
  });
  let configured = 0;
  conn.onNotification('yaml/schema/store/initialized', () => {
    configured++;
  });
  conn.onNotification('window/logMessage', (p: { message: string }) => logLines.push(p.message));
  conn.onNotification(() => {});
  conn.listen();

  /** Polls `check()` until it returns a value: a slow machine only waits longer, up to the deadline. */
  const until = async <T>(what: string, check: () => T | undefined, ms = deadlineMs): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      if (exited) throw new Error(`yaml-language-server ${exited} while waiting for ${what}\n${log()}`);
      if (Date.now() > end) throw new Error(`yaml-language-server: no ${what} within ${ms} ms\n${log()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  /** `p`, or an error naming `what` when the server dies or the deadline passes first. */
  const fail = <T>(what: string, p: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`yaml-language-server: no ${what} within ${deadlineMs} ms\n${log()}`)), deadlineMs);
    });
    return Promise.race([p, died, late]).finally(() => clearTimeout(timer));
  };

  const close = async () => {
    if (!exited) {
      try {
        await fail('shutdown', conn.sendRequest('shutdown'));
        await conn.sendNotification('exit');
        await until('exit', () => (exited ? true : undefined), 10_000);
      } catch {
        // it is killed below
      }
    }
    conn.dispose();
    if (!exited) child.kill();
    proxy.server.close();
  };

  let version = 'unknown';
  try {
    const init = (await fail(
      'initialize',
      conn.sendRequest('initialize', {
        processId: process.pid,
        rootUri: null,
        workspaceFolders: null,
        locale: 'en',
        capabilities: {
          workspace: { configuration: true, workspaceFolders: false, didChangeConfiguration: { dynamicRegistration: false } },
          textDocument: {
            synchronization: { dynamicRegistration: false, didSave: false },
            hover: { contentFormat: ['markdown', 'plaintext'] },
            publishDiagnostics: { relatedInformation: true },
            completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          },
          window: { workDoneProgress: true },
        },
      }),
    )) as InitializeResult;
    version = init.serverInfo?.version ?? version;
    // Asks the server to announce each time it has applied its settings: opening a file before
    // that would validate it with the defaults (SchemaStore on).
    await conn.sendNotification('yaml/supportSchemaSelection', {});
    await conn.sendNotification('initialized', {});
    await until('settings applied (yaml/schema/store/initialized)', () => (configured > 0 ? true : undefined));
  } catch (e) {
    const died = exited;
    await close();
    throw died ? new YamlLanguageServerUnavailable((e as Error).message) : e;
  }

  const open = new Set<string>();
  let docVersion = 0;
  const uriOf = (path: string) => pathToFileURL(path).href;

  async function reopen(path: string, text: string): Promise<Diagnostic[]> {
    const uri = uriOf(path);
    if (open.has(uri)) {
      // closing publishes an empty list; wait for it so it is not taken for the new text's answer
      const before = published.get(uri)?.length ?? 0;
      await conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
      open.delete(uri);
      await until(`diagnostics cleared on closing ${path}`, () => ((published.get(uri)?.length ?? 0) > before ? true : undefined));
    }
    const before = published.get(uri)?.length ?? 0;
    // the server caches parsed documents by uri and version: a reopened file needs a new version
    docVersion++;
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: docVersion, text } });
    open.add(uri);
    // every open is followed by exactly one validation, published once the server's debounce ends
    return until(`diagnostics for ${path}`, () => published.get(uri)?.[before]);
  }

  return {
    version,
    networkRequests: proxy.seen,
    log,
    diagnostics: (path, text) => reopen(path, text ?? readFileSync(path, 'utf8')),
    async hover(path, line, character) {
      if (!open.has(uriOf(path))) await reopen(path, readFileSync(path, 'utf8'));
      return fail(
        'hover',
        conn.sendRequest('textDocument/hover', { textDocument: { uri: uriOf(path) }, position: { line, character } }),
      ) as Promise<Hover | null>;
    },
    async schemasOf(path) {
      if (!open.has(uriOf(path))) await reopen(path, readFileSync(path, 'utf8'));
      return fail('yaml/get/jsonSchema', conn.sendRequest('yaml/get/jsonSchema', uriOf(path))) as Promise<{ uri: string; name?: string }[]>;
    },
    close,
  };
}

/** `file:line:col message` for each diagnostic, 1-based as editors show them, in file order. */
export function formatDiagnostics(path: string, diags: Diagnostic[]): string[] {
  const at = (d: Diagnostic) => d.range.start.line * 1e6 + d.range.start.character;
  return [...diags]
    .sort((a, b) => at(a) - at(b))
    .map((d) => `${path}:${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message.replace(/\s+/g, ' ')}`);
}
