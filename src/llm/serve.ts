import { execa, type ResultPromise } from 'execa';

interface Running {
  proc: ResultPromise;
  users: number;
  ready: Promise<void>;
  output: string[];
}

const servers = new Map<string, Running>();

/**
 * Starts (once per process, shared by the stages that use it) the server a model declares with
 * `serve:`, and waits until `GET /v1/models` answers. `release` stops it when its last user is done.
 */
export async function acquireServer(
  name: string,
  serve: { command: string; port: number; ready_timeout_s: number; env?: Record<string, string> },
  log: (line: string) => void,
): Promise<() => Promise<void>> {
  const id = `${serve.port}\u0000${serve.command}`;
  let s = servers.get(id);
  if (!s) {
    log(`starting the server of model ${name}: ${serve.command}`);
    const output: string[] = [];
    const proc = execa(serve.command, {
      shell: true,
      detached: true,
      reject: false,
      all: true,
      env: serve.env,
      stdin: 'ignore',
    });
    proc.all?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) output.push(line);
      if (output.length > 40) output.splice(0, output.length - 40);
    });
    const url = `http://127.0.0.1:${serve.port}/v1/models`;
    const ready = (async () => {
      const deadline = Date.now() + serve.ready_timeout_s * 1000;
      let exited = false;
      void proc.then(() => {
        exited = true;
      });
      for (;;) {
        if (exited)
          throw new Error(`the server of model ${name} exited before it was ready; its last output:\n${output.slice(-15).join('\n')}`);
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          stop(proc);
          throw new Error(
            `the server of model ${name} did not answer ${url} within ${serve.ready_timeout_s} s (serve.ready_timeout_s); its last output:\n${output.slice(-15).join('\n')}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    s = { proc, users: 0, ready, output };
    servers.set(id, s);
  }
  s.users++;
  const mine = s;
  try {
    await mine.ready;
  } catch (err) {
    servers.delete(id);
    throw err;
  }
  log(`the server of model ${name} is ready on port ${serve.port}`);
  return async () => {
    if (--mine.users > 0) return;
    servers.delete(id);
    stop(mine.proc);
    await mine.proc;
    log(`stopped the server of model ${name}`);
  };
}

/** SIGTERM to the server's process group, SIGKILL if it is still there 10 s later. */
function stop(proc: ResultPromise): void {
  const pid = proc.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, 10_000);
  t.unref();
  void proc.then(() => clearTimeout(t));
}
