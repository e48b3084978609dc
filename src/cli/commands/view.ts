import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { Viewer } from '../../view/api.js';
import { startViewServer, type ViewServer } from '../../view/server.js';
import { CliExit, collectSet, loadOrExit, SET_FLAG, storePathFor } from '../common.js';
import { EXIT } from '../exit-codes.js';

interface ViewOptions {
  store?: string;
  port?: number;
  open?: boolean;
  set?: string[];
}

function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('give a port number from 0 to 65535');
  return n;
}

/** Opens a URL in the user's browser: $BROWSER, else the platform's opener; says so when none answers. */
function openBrowser(url: string): void {
  const [cmd, args] = process.env.BROWSER
    ? [process.env.BROWSER, [url]]
    : process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', (err) => process.stderr.write(`qexp view: could not open a browser (${cmd}: ${err.message}); open ${url} yourself\n`));
  child.unref();
}

export function registerView(program: Command): void {
  program
    .command('view')
    .description('browse the store in a local web page: stages and why, expansions and pairs per query, two rows compared, LLM cost')
    .argument('[file]', 'experiment YAML file (default: every experiment in the store)')
    .option('--store <path>', "DuckDB store (default: the experiment's store: or results/qexp.duckdb)")
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one, printed)', parsePort)
    .option('--open', 'open the page in the browser')
    .option(...SET_FLAG, collectSet)
    .action(async (file: string | undefined, opts: ViewOptions) => {
      const exp = file ? loadOrExit(file, false, opts.set) : undefined;
      const storePath = storePathFor(exp, opts.store);
      if (!exp && !existsSync(storePath)) {
        process.stderr.write(`qexp: no store at ${storePath}; pass --store PATH or an experiment file\n`);
        throw new CliExit(EXIT.invalid);
      }
      const viewer = new Viewer({ store: storePath, files: exp ? [exp.file] : undefined, set: opts.set });
      let server: ViewServer;
      try {
        server = await startViewServer(viewer, { port: opts.port ?? 0 });
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code !== 'EADDRINUSE' && e.code !== 'EACCES') throw err;
        process.stderr.write(
          `qexp view: cannot listen on 127.0.0.1:${opts.port} (${e.code === 'EADDRINUSE' ? 'in use' : 'not allowed'}); pick another --port, or leave it out for a free one\n`,
        );
        throw new CliExit(EXIT.invalid);
      }
      const where = relative(process.cwd(), storePath) || storePath;
      process.stdout.write(`qexp view: ${server.url}  (${exp ? `${exp.doc.name}, ` : ''}store ${where}, read-only; Ctrl-C stops it)\n`);
      if (opts.open) openBrowser(server.url);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await server.close();
    });
}
