import cliTruncate from 'cli-truncate';
import { createLogUpdate } from 'log-update';
import type { DagNode } from '../dag/build-dag.js';
import type { ExecuteEvents, NodeResult } from '../dag/execute.js';

/**
 * The `qexp run` display. A ProgressBoard holds each stage's state and renders it to text for a
 * clock and a terminal size it is given (so tests drive it with explicit events and a fake
 * clock); createDisplay redraws it on a terminal, or prints plain lines in CI and pipes.
 */

// SI prefixes (1 kB = 1000 B), one decimal under 100: `2.0 M`, `12.5 k`, `808 k`
const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P'];
function si(n: number, unit: string): string {
  let v = Math.abs(n);
  let p = 0;
  while (v >= 999.5 && p < PREFIXES.length - 1) {
    v /= 1000;
    p++;
  }
  const digits = p === 0 ? (Number.isInteger(n) || v >= 10 ? 0 : 1) : v < 99.95 ? 1 : 0;
  const sep = p > 0 || unit ? ' ' : '';
  return `${n < 0 ? '-' : ''}${v.toFixed(digits)}${sep}${PREFIXES[p]}${unit}`;
}

/** A count (`151 k`), a number of bytes (`808 kB`) or, with `/s`, a rate (`2.0 M/s`, `12 MB/s`). */
export function formatAmount(n: number, unit?: string): string {
  return unit === 'bytes' ? si(n, 'B') : si(n, '');
}

export function formatRate(perSecond: number, unit?: string): string {
  if (unit !== 'bytes' && perSecond < 10) return `${perSecond.toFixed(1)}/s`;
  return `${formatAmount(perSecond, unit)}/s`;
}

export interface ProgressNumbers {
  done: number;
  total?: number;
  unit?: string;
  /** The total is estimated (e.g. from the bytes read so far): shown as `≈`. */
  estimated?: boolean;
  /** Done when this attempt began (resumed work): not counted in the rate. */
  from?: number;
}

/** `12.5 k/40.0 k docs (31%) · 1.2 k/s · ETA 22s`: counts, percent, rate and time left. */
export function formatProgress(p: ProgressNumbers, elapsedMs: number): string {
  const { done, unit } = p;
  const total = p.total === undefined ? undefined : Math.max(p.total, done);
  const rate = elapsedMs > 0 ? (Math.max(0, done - (p.from ?? 0)) * 1000) / elapsedMs : 0;
  const label = unit && unit !== 'bytes' ? ` ${unit}` : '';
  let s = total
    ? `${formatAmount(done, unit)}/${p.estimated ? '≈' : ''}${formatAmount(total, unit)}${label} (${Math.floor((100 * done) / total)}%)`
    : `${formatAmount(done, unit)}${label}`;
  if (rate > 0) s += ` · ${formatRate(rate, unit)}`;
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

export function nodeTitle(node: DagNode, variantCount: number): string {
  if (variantCount <= 1) return node.stage;
  if (node.variants.length === 1) return `${node.stage} [${node.variants[0]}]`;
  if (node.variants.length === variantCount) return `${node.stage} (all ${variantCount} variants)`;
  return `${node.stage} (${node.variants.length} variants)`;
}

export type StagePhase = 'queued' | 'running' | 'done' | 'failed' | 'interrupted' | 'waiting' | 'skipped';

interface StageView {
  title: string;
  state: StagePhase;
  startedAt: number;
  endedAt: number;
  numbers?: ProgressNumbers;
  /** A note after the numbers (a cost so far). */
  note?: string;
  /** A long step without counts (`merging postings`). */
  step?: string;
  /** The last log line (interactive only). */
  detail?: string;
  error?: string;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MARK: Record<Exclude<StagePhase, 'running'>, string> = {
  queued: '◌',
  done: '✔',
  failed: '✖',
  interrupted: '✖',
  waiting: '◼',
  skipped: '↓',
};
// the order of the counts of stages a short terminal leaves out
const KEEP: StagePhase[] = ['running', 'failed', 'interrupted', 'waiting', 'queued', 'done', 'skipped'];

export interface Screen {
  /** Terminal rows; the board uses one less (the cursor's line). */
  rows: number;
  columns: number;
  /** Spinner frame. */
  frame?: number;
}

/** Each stage's state, rendered for a clock and a screen. */
export class ProgressBoard {
  readonly stages = new Map<string, StageView>();

  constructor(
    items: { id: string; title: string }[],
    private readonly now: () => number,
  ) {
    for (const { id, title } of items) this.stages.set(id, { title, state: 'queued', startedAt: 0, endedAt: 0 });
  }

  start(id: string): void {
    const s = this.stages.get(id);
    if (s) Object.assign(s, { state: 'running', startedAt: this.now() });
  }

  progress(id: string, numbers: ProgressNumbers, note?: string): void {
    const s = this.stages.get(id);
    if (!s) return;
    s.numbers = { ...numbers, from: s.numbers?.from ?? numbers.from ?? numbers.done };
    s.note = note;
    s.step = undefined;
  }

  step(id: string, step: string | undefined): void {
    const s = this.stages.get(id);
    if (s) s.step = step;
  }

  log(id: string, line: string): void {
    const s = this.stages.get(id);
    if (s) s.detail = line;
  }

  end(id: string, state: Exclude<StagePhase, 'queued' | 'running'>, error?: string): void {
    const s = this.stages.get(id);
    if (s) Object.assign(s, { state, endedAt: this.now(), error, step: undefined, detail: undefined });
  }

  /** One stage's line. */
  line(id: string, frame = 0): string {
    const s = this.stages.get(id) as StageView;
    const took = duration(s.endedAt - s.startedAt);
    switch (s.state) {
      case 'queued':
        return `${MARK.queued} ${s.title} · queued`;
      case 'running': {
        const elapsed = this.now() - s.startedAt;
        const parts = [`${SPINNER[frame % SPINNER.length]} ${s.title} · ${duration(elapsed)}`];
        if (s.numbers) parts.push(formatProgress(s.numbers, elapsed));
        if (s.note) parts.push(s.note);
        if (s.step) parts.push(s.step);
        return parts.join(' · ');
      }
      case 'done':
        return `${MARK.done} ${s.title} · done in ${took}`;
      case 'waiting':
        return `${MARK.waiting} ${s.title} · waiting for manual work (see below)`;
      case 'skipped':
        return `${MARK.skipped} ${s.title} · skipped: ${s.error ?? ''}`;
      default:
        return `${MARK[s.state]} ${s.title} · ${s.state} after ${took}${s.error ? `: ${s.error.split('\n')[0]}` : ''}`;
    }
  }

  /**
   * The board for a terminal: every stage when they fit; else the running stages first, then
   * failed, waiting, queued (next first) and done (latest first) as room allows, in their order,
   * and a line counting the rest. Lines are cut to the terminal's width, so none wraps.
   */
  render(screen: Screen): string {
    const room = Math.max(2, screen.rows - 1);
    const ids = [...this.stages.keys()];
    const detailOf = (id: string) => {
      const s = this.stages.get(id) as StageView;
      return s.state === 'running' && s.detail ? `    › ${s.detail}` : undefined;
    };
    const all = ids.length + ids.filter(detailOf).length;
    let shown: Set<string>;
    let details: Set<string>;
    if (all <= room) {
      shown = new Set(ids);
      details = new Set(ids.filter(detailOf));
    } else {
      // what stays in view, first to last: running stages, their last log lines, failed and waiting
      // ones, the next queued, the latest done, then the other queued and done ones
      const of = (...states: StagePhase[]) => ids.filter((id) => states.includes(this.stages.get(id)?.state as StagePhase));
      const queued = of('queued');
      const done = of('done').sort((a, b) => (this.stages.get(b)?.endedAt ?? 0) - (this.stages.get(a)?.endedAt ?? 0));
      const ranked = [
        ...of('running'),
        ...of('running')
          .filter(detailOf)
          .map((id) => `\0${id}`),
        ...of('failed', 'interrupted', 'waiting'),
        ...queued.slice(0, 1),
        ...done.slice(0, 1),
        ...queued.slice(1),
        ...done.slice(1),
        ...of('skipped'),
      ].slice(0, room - 1);
      shown = new Set(ranked.filter((x) => !x.startsWith('\0')));
      details = new Set(ranked.filter((x) => x.startsWith('\0')).map((x) => x.slice(1)));
    }
    const lines: string[] = [];
    for (const id of ids) {
      if (!shown.has(id)) continue;
      lines.push(this.line(id, screen.frame));
      if (details.has(id)) lines.push(detailOf(id) as string);
    }
    if (shown.size < ids.length) {
      const hidden = new Map<StagePhase, number>();
      for (const id of ids) {
        const st = this.stages.get(id)?.state as StagePhase;
        if (!shown.has(id)) hidden.set(st, (hidden.get(st) ?? 0) + 1);
      }
      const counts = KEEP.filter((st) => hidden.has(st)).map((st) => `${hidden.get(st)} ${st}`);
      lines.push(`  … not shown: ${counts.join(', ')}`);
    }
    const width = Math.max(20, screen.columns - 1);
    // by display columns: a CJK character takes two
    return lines.map((l) => cliTruncate(l, width)).join('\n');
  }
}

/**
 * Progress display: a board redrawn in place on a terminal; plain lines when piped or under CI
 * (each stage's start and end, its steps, and its progress once every 10 s at most); nothing when
 * `silent`.
 */
export function createDisplay(
  nodes: DagNode[],
  variantCount: number,
  mode: 'interactive' | 'plain' | 'silent',
  out: NodeJS.WriteStream = process.stdout,
  now: () => number = Date.now,
) {
  const board = new ProgressBoard(
    nodes.map((n) => ({ id: n.fingerprint, title: nodeTitle(n, variantCount) })),
    now,
  );
  const title = (node: DagNode) => board.stages.get(node.fingerprint)?.title ?? node.stage;
  const lastPrint = new Map<string, number>();
  const plain = (line: string) => {
    if (mode === 'plain') out.write(`${line}\n`);
  };

  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = createLogUpdate(out, { showCursor: false });
  const redraw = () => draw(board.render({ rows: out.rows || 24, columns: out.columns || 80, frame: frame++ }));
  if (mode === 'interactive') {
    redraw();
    timer = setInterval(redraw, 100);
    timer.unref();
  }

  const events: ExecuteEvents = {
    start(node) {
      board.start(node.fingerprint);
      plain(`▶ ${title(node)}`);
    },
    progress(node, done, total, unit, note, estimated) {
      board.progress(node.fingerprint, { done, total, unit, estimated }, note);
      if (mode !== 'plain') return;
      // one line every 10 s at most: CI logs stay readable
      const t = now();
      const last = lastPrint.get(node.fingerprint);
      if (last !== undefined && t - last < 10_000 && done !== total) return;
      lastPrint.set(node.fingerprint, t);
      const s = board.stages.get(node.fingerprint);
      plain(`  ${title(node)}: ${formatProgress(s?.numbers ?? { done }, t - (s?.startedAt ?? t))}${note ? ` · ${note}` : ''}`);
    },
    step(node, step) {
      board.step(node.fingerprint, step);
      plain(`  ${title(node)}: ${step}`);
    },
    log(node, line) {
      board.log(node.fingerprint, line.length > 160 ? `${line.slice(0, 157)}...` : line);
    },
    end(node, r: NodeResult) {
      const state = r.outcome === 'done' ? 'done' : r.outcome === 'waiting' ? 'waiting' : r.outcome === 'skipped' ? 'skipped' : r.outcome;
      board.end(node.fingerprint, state, r.error);
      plain(board.line(node.fingerprint));
    },
  };
  return {
    events,
    board,
    async finish() {
      if (timer) clearInterval(timer);
      if (mode === 'interactive') {
        // the whole board as it ended stays in the scrollback, however tall
        draw.clear();
        draw.done();
        out.write(`${board.render({ rows: Number.POSITIVE_INFINITY, columns: out.columns || 80 })}\n`);
      }
    },
  };
}
