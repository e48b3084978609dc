import { Listr, type ListrTask } from 'listr2';
import type { DagNode } from '../dag/build-dag.js';
import type { ExecuteEvents, NodeResult } from '../dag/execute.js';

interface Deferred {
  resolve(): void;
  reject(err: Error): void;
  promise: Promise<void>;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { resolve, reject, promise };
}

/** `12.5k/40k docs · 310/s · ETA 1m52s`: counts, rate and time left for long stages. */
export function formatProgress(done: number, total: number | undefined, unit: string | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const u = unit ? ` ${unit}` : '';
  let s = total ? `${compact(done)}/${compact(total)}${u} (${Math.floor((100 * done) / total)}%)` : `${compact(done)}${u}`;
  if (rate > 0) s += ` · ${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`;
  if (total && rate > 0 && done < total) s += ` · ETA ${duration(((total - done) / rate) * 1000)}`;
  return s;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 0 : 1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return String(n);
}

export function nodeTitle(node: DagNode, variantCount: number): string {
  if (variantCount <= 1) return node.stage;
  if (node.variants.length === 1) return `${node.stage} [${node.variants[0]}]`;
  if (node.variants.length === variantCount) return `${node.stage} (all ${variantCount} variants)`;
  return `${node.stage} (${node.variants.length} variants)`;
}

/**
 * Progress display with listr2: interactive on a terminal; plain lines (listr2's simple
 * renderer, throttled progress) when piped or under CI; nothing when `silent`.
 */
export function createDisplay(nodes: DagNode[], variantCount: number, mode: 'interactive' | 'plain' | 'silent') {
  const waits = new Map<string, Deferred>();
  const tasks = new Map<string, { title: string; output?: string; skip?: string; started: number; lastPrint: number }>();
  const handles = new Map<string, { set(title: string | undefined, output: string | undefined): void }>();

  const listTasks: ListrTask[] = nodes.map((node) => {
    const d = deferred();
    waits.set(node.fingerprint, d);
    tasks.set(node.fingerprint, { title: nodeTitle(node, variantCount), started: 0, lastPrint: 0 });
    return {
      title: nodeTitle(node, variantCount),
      task: async (_ctx, task) => {
        handles.set(node.fingerprint, {
          set(title, output) {
            if (title !== undefined) task.title = title;
            if (output !== undefined) task.output = output;
          },
        });
        await d.promise;
        const t = tasks.get(node.fingerprint);
        if (t?.skip) task.skip(t.skip);
      },
    };
  });

  const list = new Listr(listTasks, {
    concurrent: true,
    exitOnError: false,
    renderer: mode === 'silent' ? 'silent' : 'default',
    fallbackRenderer: 'simple',
    fallbackRendererCondition: mode === 'plain',
    rendererOptions: { collapseSubtasks: false },
    registerSignalListeners: false,
  });
  const running = list.run().catch(() => undefined);

  const events: ExecuteEvents = {
    start(node) {
      const t = tasks.get(node.fingerprint);
      if (!t) return;
      t.started = Date.now();
      if (mode === 'interactive') handles.get(node.fingerprint)?.set(`${t.title} · running`, undefined);
    },
    progress(node, done, total, unit, note) {
      const t = tasks.get(node.fingerprint);
      if (!t) return;
      const now = Date.now();
      const text = formatProgress(done, total, unit, now - t.started) + (note ? ` · ${note}` : '');
      if (mode === 'plain') {
        // one line every 10 s at most: CI logs stay readable
        if (now - t.lastPrint < 10_000 && done !== total) return;
        t.lastPrint = now;
        process.stdout.write(`  ${t.title}: ${text}\n`);
        return;
      }
      handles.get(node.fingerprint)?.set(`${t.title} · ${text}`, undefined);
    },
    log(node, line) {
      if (mode !== 'interactive') return;
      handles.get(node.fingerprint)?.set(undefined, line.length > 160 ? `${line.slice(0, 157)}...` : line);
    },
    end(node, r: NodeResult) {
      const t = tasks.get(node.fingerprint);
      const d = waits.get(node.fingerprint);
      if (!t || !d) return;
      const took = duration(r.durationMs);
      if (r.outcome === 'done') {
        handles.get(node.fingerprint)?.set(`${t.title} · done in ${took}`, mode === 'interactive' ? '' : undefined);
        d.resolve();
      } else if (r.outcome === 'waiting') {
        // shown as skipped, not as done: nothing was produced yet
        t.skip = `${t.title} · waiting for manual work (see below)`;
        d.resolve();
      } else if (r.outcome === 'skipped') {
        t.skip = `${t.title} · skipped: ${r.error}`;
        d.resolve();
      } else {
        handles.get(node.fingerprint)?.set(`${t.title} · ${r.outcome} after ${took}`, undefined);
        d.reject(new Error(`${t.title}: ${r.error?.split('\n')[0] ?? r.outcome}`));
      }
    },
  };
  return {
    events,
    async finish() {
      for (const d of waits.values()) d.resolve();
      await running;
    },
  };
}
