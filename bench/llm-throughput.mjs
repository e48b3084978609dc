// LLM generation throughput: a generate stage of 1,000 queries against the test suite's Chat
// Completions server on 127.0.0.1, answering each request after 50 ms, with concurrency 32.
// The floor is 1,000 × 50 ms / 32 = 1.56 s. It prints the generate stage's time (from its log
// and stats), the whole `qexp run` command's, then the same for a second run, which must send
// nothing. BENCH_LLM_REQUESTS, BENCH_LLM_LATENCY_MS and BENCH_LLM_CONCURRENCY change the setup.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { startChatServer } from '../test/helpers/chat-server.mjs';

const N = Number(process.env.BENCH_LLM_REQUESTS ?? 1000);
const LATENCY = Number(process.env.BENCH_LLM_LATENCY_MS ?? 50);
const CONCURRENCY = Number(process.env.BENCH_LLM_CONCURRENCY ?? 32);
const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');

const server = await startChatServer({ latencyMs: LATENCY });
const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-llm-'));
writeFileSync(join(dir, 'package.json'), '{"private": true}\n');
writeFileSync(join(dir, 'queries.tsv'), Array.from({ length: N }, (_, i) => `q${i}\tbenchmark query ${i}`).join('\n'));
writeFileSync(
  join(dir, 'exp.yaml'),
  JSON.stringify({
    name: 'llm-bench',
    datasets: { q: { queries: 'queries.tsv' } },
    models: { m: { provider: 'openai', base_url: server.url, model: 'test-model', concurrency: CONCURRENCY } },
    prompts: { p: { messages: [{ role: 'user', content: 'Write a passage that answers: {{query}}' }] } },
    stages: { data: { kind: 'dataset', dataset: 'q' }, gen: { kind: 'generate', model: 'm', prompt: 'p', queries: 'data' } },
  }),
);

async function stageSeconds() {
  const db = await DuckDBInstance.create(join(dir, 'results', 'qexp.duckdb'), { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  const rows = (await conn.runAndReadAll(`SELECT duration_ms FROM stages WHERE stage = 'gen' AND status = 'done'`)).getRowObjectsJson();
  conn.closeSync();
  db.closeSync();
  return Number(rows[0]?.duration_ms) / 1000;
}

// asynchronous: the server answers from this very process
const run = async () => {
  const t0 = performance.now();
  await promisify(execFile)('node', [cli, 'run', 'exp.yaml', '--progress', 'none'], { cwd: dir, env: { ...process.env, CI: 'true' } });
  return (performance.now() - t0) / 1000;
};

const first = await run();
const stage = await stageSeconds();
const sent = server.log.length;
const second = await run();
const floor = (N * LATENCY) / 1000 / CONCURRENCY;
console.log(
  `${N} requests at ${LATENCY} ms, concurrency ${CONCURRENCY} (floor ${floor.toFixed(2)} s): generate stage ${stage.toFixed(2)} s ` +
    `(${(N / stage).toFixed(0)} requests/s, ${(stage / floor).toFixed(2)}× the floor); whole qexp run ${first.toFixed(2)} s; ${sent} requests sent`,
);
console.log(`second run: ${second.toFixed(2)} s, ${server.log.length - sent} requests sent`);
await server.close();
rmSync(dir, { recursive: true, force: true });
