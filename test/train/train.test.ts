import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { withLoraDefaults } from '../../src/stages/train.js';
import { llamaFactoryArgs, type TrainerSettings, trlArgs } from '../../src/train/trainer-config.js';
import { LLAMAFACTORY_KEYS, trlKeys } from '../../src/train/trainer-keys.js';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { positionOf, Workspace } from '../helpers/workspace.js';

const HELPERS = resolve(dirname(fileURLToPath(import.meta.url)), '../helpers');
/** Stands in for the GPU machine's python (see the file): it checks the job with the real loaders, then acts as FAKE_TRAINER says. */
const FAKE = join(HELPERS, 'fake-python.py');
const SLURM_BIN = join(HELPERS, 'fake-slurm');

/** The toy collection with `good` expansions (the missing words) and `bad` ones (another query's words). */
function writeData(ws: Workspace): void {
  writeToyCollection(
    ws,
    8,
    (i) => Array(8).fill(`w${i}c w${i}d`).join(' '),
    (i) => `w${(i + 1) % 8}c w${(i + 1) % 8}d`,
  );
}

type Obj = Record<string, unknown>;

function experiment(opts: { sft?: Obj; dpo?: Obj; launcher?: Obj; models?: Obj; stages?: Obj; name?: string } = {}) {
  // a deadline no passing test comes near, however loaded the machine
  const launcher = { kind: 'local', command: FAKE, timeout_s: 600, stop_grace_s: 5, ...opts.launcher };
  return JSON.stringify({
    name: opts.name ?? 'train',
    seed: 3,
    datasets: { toy: { queries: 'data/queries.tsv', qrels: 'data/qrels.txt', corpus: 'data/corpus.tsv' } },
    models: {
      good: { provider: 'replay', file: 'good.jsonl' },
      bad: { provider: 'replay', file: 'bad.jsonl' },
      student: { provider: 'local', from: 'dpo', command: FAKE },
      ...opts.models,
    },
    prompts: { student: { messages: [{ role: 'user', content: 'Write a passage that answers: {{query}}' }] } },
    stages: {
      data: { kind: 'dataset', dataset: 'toy' },
      idx: { kind: 'index', corpus: 'data' },
      'gen-good': { kind: 'generate', model: 'good', prompt: 'student', queries: 'data' },
      'gen-bad': { kind: 'generate', model: 'bad', prompt: 'student', queries: 'data' },
      fb: { kind: 'feedback', index: 'idx', qrels: 'data', pool: ['gen-good', 'gen-bad'] },
      pairs: { kind: 'pairs', feedback: 'fb' },
      sftd: { kind: 'sft-data', feedback: 'fb', prompt: 'student', selection: 'best-per-query', validation: 0.25 },
      dpod: { kind: 'dpo-data', pairs: 'pairs', prompt: 'student', validation: 0.25 },
      sft: {
        kind: 'train',
        method: 'sft',
        base: 'tiny/base',
        data: 'sftd',
        trainer: { max_steps: 10, logging_steps: 1 },
        launcher,
        ...opts.sft,
      },
      dpo: {
        kind: 'train',
        method: 'dpo',
        base: { from: 'sft' },
        data: 'dpod',
        trainer: { max_steps: 10, beta: 0.2, logging_steps: 1 },
        launcher,
        ...opts.dpo,
      },
      student: { kind: 'generate', model: 'student', prompt: 'student', queries: 'data' },
      ret: { kind: 'retrieve', index: 'idx', topics: 'data', expansions: 'student', hits: 10 },
      ev: { kind: 'evaluate', run: 'ret', qrels: 'data', measures: ['nDCG@10'] },
      ...opts.stages,
    },
  });
}

/** An output of a stage (its current binding). */
async function artifact(ws: Workspace, stage: string, name: string): Promise<{ path: string; sha256: string; fingerprint: string }> {
  const rows = await ws.sql(
    `SELECT a.path, a.sha256, a.fingerprint FROM artifacts a JOIN variant_stages b ON a.fingerprint = b.fingerprint WHERE b.stage = '${stage}' AND a.name = '${name}'`,
  );
  if (!rows[0]) throw new Error(`no output ${name} of ${stage}`);
  return rows[0] as { path: string; sha256: string; fingerprint: string };
}

/** The job folders of train stages in the store (one per fingerprint). */
const jobDirs = (ws: Workspace) => {
  const dir = ws.path('results/train');
  return existsSync(dir) ? readdirSync(dir).map((d) => join(dir, d)) : [];
};
const jobOf = (ws: Workspace, method: 'sft' | 'dpo') =>
  jobDirs(ws).find(
    (d) => existsSync(join(d, 'job.json')) && JSON.parse(readFileSync(join(d, 'job.json'), 'utf8')).method === method,
  ) as string;

describe('train stages with a stand-in trainer (the whole control path, no GPU)', () => {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  writeData(ws);

  it('trains SFT, then DPO from its checkpoint; records checkpoints and curves; the student goes through generate, retrieve and evaluate', async () => {
    ws.write('exp.yaml', experiment());
    const r = await ws.qexp(['run', 'exp.yaml']);
    expect(r.exitCode, r.all).toBe(0);

    const sft = await artifact(ws, 'sft', 'checkpoint');
    expect(readdirSync(sft.path).sort()).toEqual(
      ['adapter_config.json', 'adapter_model.safetensors', 'metrics.json', 'qexp-done.json', 'trainer_state.json'].sort(),
    );
    expect(sft.sha256).toMatch(/^[0-9a-f]{64}$/);

    // DPO started from the SFT adapter, copied into its job folder, over the SFT stage's base
    const dpoJob = JSON.parse(readFileSync(join(jobOf(ws, 'dpo'), 'job.json'), 'utf8'));
    expect(dpoJob.base).toBe('tiny/base');
    expect(dpoJob.base_adapter).toBe('base-adapter');
    expect(dpoJob.args).toMatchObject({ beta: 0.2, loss_type: ['sigmoid'], max_steps: 10, max_length: 1024, bf16: true });
    expect(dpoJob.lora).toEqual({ r: 16, lora_alpha: 32, lora_dropout: 0.05, target_modules: 'all-linear', task_type: 'CAUSAL_LM' });
    const dpo = await artifact(ws, 'dpo', 'checkpoint');
    const done = JSON.parse(readFileSync(join(dpo.path, 'qexp-done.json'), 'utf8'));
    expect(done.base_adapter).toBe(join(jobOf(ws, 'dpo'), 'base-adapter'));
    // the intermediate output is gone once the checkpoint is recorded; the job's files stay
    expect(existsSync(join(jobOf(ws, 'dpo'), 'output'))).toBe(false);
    expect(readFileSync(join(jobOf(ws, 'dpo'), 'trainer.log'), 'utf8')).toContain('fake trainer: done');

    // the curves are in DuckDB, one row per step and value
    const curves = await ws.sql(
      `SELECT name, count(*)::INTEGER AS n, max(step)::INTEGER AS last FROM train_metrics WHERE fingerprint = '${dpo.fingerprint}' GROUP BY name ORDER BY name`,
    );
    expect(curves.map((c) => c.name)).toEqual(
      ['epoch', 'learning_rate', 'loss', 'rewards/accuracies', 'rewards/chosen', 'rewards/margins', 'rewards/rejected'].sort(),
    );
    expect(curves.every((c) => c.n === 10 && c.last === 10)).toBe(true);
    const [margin] = await ws.sql(
      `SELECT value FROM train_metrics WHERE fingerprint = '${dpo.fingerprint}' AND name = 'rewards/margins' AND step = 5`,
    );
    expect(margin?.value).toBeCloseTo(0.1);

    // the student answered through trainers/generate.py's protocol, and its run was evaluated
    const gens = readFileSync((await artifact(ws, 'student', 'generations')).path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(gens).toHaveLength(8);
    expect(gens[0].text).toBe('w0a w0b student dpo expansion');
    const pairs = readFileSync((await artifact(ws, 'pairs', 'pairs')).path, 'utf8')
      .trim()
      .split('\n');
    expect(pairs).toHaveLength(8); // good beats bad on every query
    const metrics = await ws.sql(`SELECT DISTINCT measure, count(*)::INTEGER AS n FROM metrics GROUP BY measure`);
    expect(metrics.length, JSON.stringify(metrics)).toBe(1);
    expect(Number(metrics[0]?.n)).toBeGreaterThan(0);

    const again = await ws.qexp(['run', 'exp.yaml']);
    expect(again.stdout).toMatch(/nothing to run/);
  });

  it('a student served from its checkpoint: {{checkpoint}} in the serve command; a retrained student is asked again', async () => {
    ws.write(
      'server.mjs',
      `import { createServer } from 'node:http';
import { appendFileSync } from 'node:fs';
const [port, checkpoint] = process.argv.slice(2);
createServer((req, res) => {
  if (req.url.endsWith('/models')) { res.writeHead(200, {'content-type': 'application/json'}); res.end('{"data":[]}'); return; }
  let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => {
    appendFileSync('served.log', checkpoint + '\\n');
    const body = JSON.parse(b);
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'served ' + body.model }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2 } }));
  });
}).listen(Number(port), '127.0.0.1');
`,
    );
    const port = 20000 + Math.floor(Math.random() * 20000);
    const served = {
      provider: 'openai',
      from: 'dpo',
      model: 'student',
      serve: { command: `node server.mjs ${port} {{checkpoint}}`, port, ready_timeout_s: 300 },
    };
    const stages = { served: { kind: 'generate', model: 'served', prompt: 'student', queries: 'data' } };
    ws.write('exp.yaml', experiment({ models: { served }, stages }));
    const r = await ws.qexp(['run', 'exp.yaml']);
    expect(r.exitCode, r.all).toBe(0);
    const dpo = await artifact(ws, 'dpo', 'checkpoint');
    const log = () => readFileSync(ws.path('served.log'), 'utf8').trim().split('\n');
    expect(log()).toEqual(Array(8).fill(dpo.path));

    // another DPO beta: a new checkpoint, so the served student is asked again
    ws.write('exp.yaml', experiment({ models: { served }, stages, dpo: { trainer: { max_steps: 10, beta: 0.3, logging_steps: 1 } } }));
    const r2 = await ws.qexp(['run', 'exp.yaml']);
    expect(r2.exitCode, r2.all).toBe(0);
    const dpo2 = await artifact(ws, 'dpo', 'checkpoint');
    expect(dpo2.path).not.toBe(dpo.path);
    expect(log().slice(8)).toEqual(Array(8).fill(dpo2.path));
  });
});

describe('a trainer that fails, hangs, or leaves no checkpoint', () => {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  writeData(ws);
  const only = ['--only', 'sft'];

  it("fails with the trainer's error in the message, and the stages after it are skipped", async () => {
    ws.write('exp.yaml', experiment());
    const r = await ws.qexp(['run', 'exp.yaml', '--keep-going'], { FAKE_TRAINER: 'fail' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/failed: sft\n\s+the trainer failed \(exit 1\); its last lines:/);
    expect(r.stderr).toContain('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 GiB');
    expect(r.stdout).toMatch(/skipped/);
  });

  it('a hang is stopped at timeout_s, saves on SIGTERM, and the next run resumes from that checkpoint', async () => {
    // the time limit must pass only once the trainer hangs: python may take seconds to start on a loaded machine
    ws.write('exp.yaml', experiment({ launcher: { timeout_s: 10 } }));
    const r = await ws.qexp(['run', 'exp.yaml', ...only], { FAKE_TRAINER: 'hang' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /the trainer timed out after 10 s \(launcher timeout_s\) and was stopped; a rerun resumes from its last checkpoint/,
    );
    expect(r.stderr).toContain('fake trainer: SIGTERM: saving');
    const job = jobOf(ws, 'sft');
    expect(readdirSync(join(job, 'output')).sort()).toEqual(['checkpoint-3', 'checkpoint-4']);

    const ok = await ws.qexp(['run', 'exp.yaml', ...only]);
    expect(ok.exitCode, ok.all).toBe(0);
    const done = JSON.parse(readFileSync(join((await artifact(ws, 'sft', 'checkpoint')).path, 'qexp-done.json'), 'utf8'));
    expect(done.resumed_from).toBe(join(job, 'output', 'checkpoint-4'));
    const logs = readdirSync(ws.path('results/logs/train')).filter((f) => f.startsWith('sft-'));
    const text = readFileSync(ws.path(`results/logs/train/${logs[0]}`), 'utf8');
    expect(text).toMatch(/an earlier run left .*checkpoint-4: the trainer resumes from it/);
  });

  it('a trainer that exits 0 without a checkpoint is an error that says what is missing', async () => {
    ws.write('exp.yaml', experiment({ sft: { trainer: { max_steps: 11 } } }));
    const r = await ws.qexp(['run', 'exp.yaml', ...only], { FAKE_TRAINER: 'no-final' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/the trainer finished but wrote no checkpoint: .*output\/final does not exist/);
  });
});

describe('Slurm and manual launchers', () => {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  writeData(ws);
  const env = (extra: Record<string, string> = {}) => ({
    PATH: `${SLURM_BIN}${delimiter}${process.env.PATH}`,
    FAKE_SLURM_DIR: ws.path('slurm-state'),
    ...extra,
  });
  const slurm = { kind: 'slurm', poll_s: 0.2, slurm: { partition: 'gpu', gpus: 2, time: '04:00:00', account: 'ir-lab', mem: '64G' } };

  it('submits with sbatch, follows the job with squeue and sacct, and records the checkpoint', async () => {
    ws.write('exp.yaml', experiment({ launcher: slurm }));
    const r = await ws.qexp(['run', 'exp.yaml', '--until', 'sft'], env());
    expect(r.exitCode, r.all).toBe(0);
    const sbatch = readFileSync(join(jobOf(ws, 'sft'), 'job.sbatch'), 'utf8');
    for (const line of ['--partition=gpu', '--gres=gpu:2', '--time=04:00:00', '--account=ir-lab', '--mem=64G', '--requeue'])
      expect(sbatch).toContain(`#SBATCH ${line}`);
    expect(existsSync((await artifact(ws, 'sft', 'checkpoint')).path)).toBe(true);
  });

  it('follows a requeued job through its second run, which resumes from the checkpoint the first saved', async () => {
    // squeue answering slower than any state lasted on the old fake cluster (one second PENDING)
    const slowSqueue = { FAKE_SLURM_SQUEUE_DELAY: '1.5' };
    const r = await ws.qexp(['run', 'exp.yaml', '--until', 'dpo'], env({ FAKE_TRAINER: 'slow', FAKE_SLURM_REQUEUE: '1', ...slowSqueue }));
    expect(r.exitCode, r.all).toBe(0);
    const log = readFileSync(
      ws.path(`results/logs/train/${readdirSync(ws.path('results/logs/train')).find((f) => f.startsWith('dpo-'))}`),
      'utf8',
    );
    expect(log).toMatch(/Slurm job \d+ was requeued \(preempted or a node failed\); following its next run/);
    const done = JSON.parse(readFileSync(join((await artifact(ws, 'dpo', 'checkpoint')).path, 'qexp-done.json'), 'utf8'));
    expect(done.resumed_from).toMatch(/output\/checkpoint-4$/);
  });

  it("a failed Slurm job shows the job's last lines; a refused submission shows sbatch's error", async () => {
    ws.write('exp.yaml', experiment({ launcher: slurm, sft: { trainer: { max_steps: 12 } } }));
    const r = await ws.qexp(['run', 'exp.yaml', '--only', 'sft'], env({ FAKE_TRAINER: 'fail' }));
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Slurm job \d+ ended FAILED \(exit 1:0\); its last lines:/);
    expect(r.stderr).toContain('torch.OutOfMemoryError');
    const refused = await ws.qexp(['run', 'exp.yaml', '--only', 'sft'], env({ FAKE_SLURM_REFUSE: '1' }));
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('sbatch refused the job (exit 1): sbatch: error: Batch job submission failed: Invalid partition name');
  });

  it('manual: writes the job and its command, waits (exit 3), and a later run finds the checkpoint', async () => {
    ws.write('exp.yaml', experiment({ name: 'manual', launcher: { kind: 'manual' }, sft: { trainer: { max_steps: 13 } } }));
    const r = await ws.qexp(['run', 'exp.yaml', '--only', 'sft']);
    expect(r.exitCode).toBe(3);
    const m = /waits for a manual training run: run 'bash (\S+run\.sh)' on a GPU machine/.exec(r.stderr);
    expect(m, r.all).not.toBeNull();
    const script = (m as RegExpExecArray)[1] as string;
    expect(readFileSync(join(dirname(script), 'README.txt'), 'utf8')).toContain(`bash ${script}`);
    const plan = await ws.json<{ stages: { stage: string; status: string; why?: string[] }[] }>(['plan', 'exp.yaml']);
    expect(JSON.stringify(plan.data.stages.find((s) => s.stage === 'sft'))).toMatch(/waits for manual work/);

    // a person runs it (with the stand-in trainer the launcher names)
    const ran = await execa('bash', [script], { reject: false, all: true });
    expect(ran.exitCode, ran.all).toBe(0);
    const again = await ws.qexp(['run', 'exp.yaml', '--only', 'sft']);
    expect(again.exitCode, again.all).toBe(0);
    expect(existsSync(join((await artifact(ws, 'sft', 'checkpoint')).path, 'qexp-done.json'))).toBe(true);
  });
});

describe('trainer settings are checked against the declared TRL and LLaMA-Factory versions', () => {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  writeData(ws);

  const errorsOf = async (doc: string) => {
    ws.write('bad.yaml', doc);
    const r = await ws.qexp(['validate', 'bad.yaml']);
    expect(r.exitCode).toBe(2);
    return String(r.stderr);
  };

  it('reports invalid combinations at their position in the YAML', async () => {
    const doc = experiment({
      dpo: { trainer: { max_steps: 10, loss_type: ['sigmoid', 'sft'], loss_weights: [1.0, 0.5, 0.2], extra: { rpo_alpha: 1 } } },
    })
      // YAML is a superset of JSON: one key per line gives the positions something to point at
      .replace(/,"/g, ',\n"');
    const err = await errorsOf(doc);
    const at = (needle: string) => {
      const p = positionOf(doc, needle);
      return `bad.yaml:${p.line}:${p.col}`;
    };
    expect(err).toContain(`${at('"loss_weights"')}`);
    expect(err).toMatch(/loss_weights has 3 weights for 2 loss types: give one weight per loss_type/);
    expect(err).toMatch(/DPOConfig has no 'rpo_alpha' \(removed in TRL 1\.0\)/);
  });

  it('knows what TRL 0.x takes, and which settings belong to which method and backend', async () => {
    let err = await errorsOf(experiment({ dpo: { trainer: { trl_version: '0.19', loss_type: ['sigmoid', 'sft'] } } }));
    expect(err).toMatch(/TRL 0\.19 takes one loss_type; a list of losses needs TRL 1\.0 or later/);
    err = await errorsOf(experiment({ dpo: { trainer: { max_prompt_length: 256 } } }));
    expect(err).toMatch(/TRL 1\.0 removed max_prompt_length/);
    err = await errorsOf(experiment({ sft: { trainer: { beta: 0.1, loss_type: 'ipo' } } }));
    expect(err).toMatch(/loss_type is a DPO setting here; this stage trains with SFT/);
    err = await errorsOf(experiment({ sft: { data: 'dpod' } }));
    expect(err).toMatch(/a sft stage trains on a sft-data stage; 'dpod' is dpo-data/);
    err = await errorsOf(experiment({ dpo: { base: { from: 'pairs' } } }));
    expect(err).toMatch(/base\.from must be a train stage \(its checkpoint\); 'pairs' is pairs/);
    err = await errorsOf(
      experiment({ dpo: { backend: 'llamafactory', trainer: { loss_type: ['sigmoid', 'sft'], extra: { pref_ftx: 0.1, nope: 1 } } } }),
    );
    expect(err).toMatch(/LLaMA-Factory takes one pref_loss/);
    expect(err).toMatch(/LLaMA-Factory's training arguments qexp knows have no 'nope'/);
    expect(err).not.toMatch(/pref_ftx/);
    err = await errorsOf(experiment({ models: { student: { provider: 'local', command: FAKE } } }));
    expect(err).toMatch(/a 'local' model needs 'from' \(a train stage\) or 'path'/);
  });

  const settings = (over: Partial<TrainerSettings> = {}): TrainerSettings =>
    withLoraDefaults({
      trl_version: '1.13',
      learning_rate: 1e-4,
      per_device_train_batch_size: 4,
      gradient_accumulation_steps: 4,
      max_length: 1024,
      beta: 0.1,
      lora: {} as TrainerSettings['lora'],
      merge_lora: false,
      bf16: true,
      gradient_checkpointing: false,
      seed: 42,
      logging_steps: 10,
      save_steps: 200,
      template: 'qwen3',
      ...over,
    });

  it("every key qexp writes is one the declared version's config has", () => {
    for (const method of ['sft', 'dpo'] as const) {
      const one = trlArgs(method, settings());
      expect(one.problems).toEqual([]);
      for (const k of Object.keys(one.args)) expect(trlKeys(method, 1).has(k), `${method} ${k}`).toBe(true);
      const zero = trlArgs(method, settings({ trl_version: '0.19', ...(method === 'dpo' ? { max_prompt_length: 512 } : {}) }));
      expect(zero.problems).toEqual([]);
      for (const k of Object.keys(zero.args)) expect(trlKeys(method, 0).has(k), `0.x ${method} ${k}`).toBe(true);
      const lf = llamaFactoryArgs(method, settings(), 'Qwen/Qwen3-0.6B', null, 'output');
      expect(lf.problems).toEqual([]);
      for (const k of Object.keys(lf.args)) expect(LLAMAFACTORY_KEYS.has(k), `llamafactory ${k}`).toBe(true);
    }
    expect(trlArgs('dpo', settings({ trl_version: '0.19' })).args.loss_type).toBe('sigmoid');
    expect(trlArgs('dpo', settings()).args.loss_type).toEqual(['sigmoid']);
    expect(trlArgs('dpo', settings({ trl_version: '0.19', max_prompt_length: 512 })).args.max_prompt_length).toBe(512);
    expect(llamaFactoryArgs('dpo', settings(), 'b', null, 'o').args).toMatchObject({
      stage: 'dpo',
      pref_beta: 0.1,
      pref_loss: 'sigmoid',
      lora_target: 'all',
      lora_rank: 16,
    });
  });

  it("writes LLaMA-Factory's YAML, dataset_info.json and ranked data for a manual run", async () => {
    ws.write(
      'lf.yaml',
      experiment({
        name: 'lf',
        launcher: { kind: 'manual', command: undefined },
        sft: { backend: 'llamafactory' },
        dpo: { backend: 'llamafactory' },
      }),
    );
    const r = await ws.qexp(['run', 'lf.yaml', '--until', 'sft']);
    expect(r.exitCode, r.all).toBe(3);
    const job = jobDirs(ws).find((d) => existsSync(join(d, 'llamafactory.yaml'))) as string;
    const yaml = readFileSync(join(job, 'llamafactory.yaml'), 'utf8');
    expect(yaml).toMatch(/^stage: "sft"$/m);
    expect(yaml).toMatch(/^finetuning_type: "lora"$/m);
    expect(yaml).toMatch(/^dataset: "qexp_train"$/m);
    expect(readFileSync(join(job, 'run.sh'), 'utf8')).toContain('llamafactory-cli train llamafactory.yaml');
    const info = JSON.parse(readFileSync(join(job, 'dataset_info.json'), 'utf8'));
    expect(info.qexp_train.columns).toEqual({ messages: 'messages' });
    rmSync(job, { recursive: true, force: true });
  });
});
