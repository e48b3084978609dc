import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic } from '../config/diagnostics.js';
import type { StageDecl } from '../config/types.js';
import { checkpointProblem, lastCheckpoint, trainCurves } from '../train/checkpoint.js';
import type { LaunchSpec } from '../train/launchers/launcher.js';
import { findLauncher, getLauncher } from '../train/launchers/registry.js';
import {
  llamaFactoryArgs,
  llamaFactoryDataset,
  loraArgs,
  type SettingProblem,
  type TrainerSettings,
  type TrlJob,
  trlArgs,
} from '../train/trainer-config.js';
import { checkOutputRef, stageInput } from './output-ref.js';
import {
  type Json,
  type Resolved,
  type RunContext,
  type StageKind,
  type StageOutput,
  type StageScope,
  StageWaiting,
} from './stage-kind.js';

interface TrainStage extends StageDecl {
  kind: 'train';
  method: 'sft' | 'dpo';
  base: string | { from: string };
  data: string;
  backend: 'trl' | 'llamafactory';
  trainer: TrainerSettings;
  launcher: LaunchSpec;
}

/** What a train stage's fingerprint is made of (the launcher is not: where it runs does not change what it produces). */
interface TrainOwn {
  method: 'sft' | 'dpo';
  base: string | { from: string };
  data: string;
  backend: 'trl' | 'llamafactory';
  trainer: TrainerSettings;
}

/** The Python that runs on the GPU machine, shipped with the package (copied into every job folder). */
const TRAINERS = fileURLToPath(new URL('../../trainers/', import.meta.url));

/** `lora: {}` (the default) and partial LoRA settings take peft's usual values for the rest. */
export function withLoraDefaults(t: TrainerSettings): TrainerSettings {
  if (t.lora === false) return t;
  const l = (t.lora ?? {}) as Partial<Exclude<TrainerSettings['lora'], false>>;
  return {
    ...t,
    lora: { r: l.r ?? 16, alpha: l.alpha ?? 32, dropout: l.dropout ?? 0.05, target_modules: l.target_modules ?? 'all-linear' },
  };
}

function settingProblems(method: 'sft' | 'dpo', s: TrainStage): SettingProblem[] {
  const t = withLoraDefaults(s.trainer);
  return s.backend === 'llamafactory' ? llamaFactoryArgs(method, t, '', null, '').problems : trlArgs(method, t).problems;
}

/**
 * `train`: SFT or DPO of a base model (a Hugging Face id or path, or another train stage's
 * checkpoint) on an sft-data or dpo-data stage, through TRL (`trainers/train_trl.py`, LoRA by
 * peft) or LLaMA-Factory. The stage writes the trainer's config and data into a job folder kept
 * per fingerprint under the store (`train/FINGERPRINT/`, so that a killed run resumes from its
 * last checkpoint), launches it here, on Slurm, or leaves it for a person (`manual`), then
 * records the checkpoint (artifact `checkpoint`), the trainer's metrics and its curves
 * (`train_metrics` table).
 */
export const trainStage: StageKind = {
  kind: 'train',
  version: 1,

  refs(decl) {
    const s = decl as TrainStage;
    const out = [];
    if (typeof s.data === 'string') out.push({ stage: s.data, ptr: '/data' });
    if (s.base && typeof s.base === 'object' && typeof s.base.from === 'string') out.push({ stage: s.base.from, ptr: '/base/from' });
    return out;
  },

  check(scope: StageScope, decl) {
    const s = decl as TrainStage;
    const out: Diagnostic[] = [];
    const at = (key: string, message: string) =>
      out.push({ pos: scope.map.locate(`${scope.ptr}/${key}`), path: `stages.${scope.stageName}.${key.replace(/\//g, '.')}`, message });
    out.push(...checkOutputRef(scope, 'data', s.data, 'train', '; data comes from an sft-data or dpo-data stage'));
    const dataKind = scope.doc.stages[s.data]?.kind;
    const want = s.method === 'sft' ? 'sft-data' : 'dpo-data';
    if (dataKind !== undefined && dataKind !== want)
      at('data', `a ${s.method} stage trains on a ${want} stage; '${s.data}' is ${dataKind}`);
    if (typeof s.base === 'object') {
      const k = scope.doc.stages[s.base.from]?.kind;
      if (k !== undefined && k !== 'train') at('base/from', `base.from must be a train stage (its checkpoint); '${s.base.from}' is ${k}`);
    }
    for (const p of settingProblems(s.method, s)) at(`trainer/${p.key}`, p.message);
    for (const p of findLauncher(s.launcher.kind)?.check(s.launcher) ?? []) at(p.key ? `launcher/${p.key}` : 'launcher', p.message);
    return out;
  },

  outputs() {
    return ['checkpoint', 'metrics'];
  },

  resolve(_scope: StageScope, decl): Resolved {
    const s = decl as TrainStage;
    return {
      own: {
        method: s.method,
        base: typeof s.base === 'string' ? s.base : { from: s.base.from },
        data: s.data,
        backend: s.backend,
        trainer: withLoraDefaults(s.trainer) as unknown as Json,
      },
      uses: {},
      files: [],
      outputs: ['checkpoint', 'metrics'],
      publish: {},
      // where and how it runs does not change what it produces
      runtime: s.launcher as unknown as Json,
    };
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as unknown as TrainOwn;
    const spec = ctx.resolved.runtime as unknown as LaunchSpec;
    const launcher = getLauncher(spec.kind);
    const jobDir = join(ctx.store.dir, 'train', ctx.fingerprint);
    const outDir = join(jobDir, 'output');
    mkdirSync(outDir, { recursive: true });

    // the data, and the base: a model id or path, or a train stage's checkpoint (a LoRA adapter is merged into its own base first)
    const trainFile = stageInput(ctx, `${own.data}.train`);
    if (readFileSync(trainFile, 'utf8').trim() === '')
      throw new Error(
        `stage ${own.data} wrote no training examples (${trainFile}); ${own.method === 'dpo' ? 'no pair passed the pairs stage (lower min_delta?)' : 'no candidate was selected'}, or all went to validation`,
      );
    copyFileSync(trainFile, join(jobDir, 'train.jsonl'));
    const validation = stageInput(ctx, `${own.data}.validation`);
    const hasEval = readFileSync(validation, 'utf8').trim() !== '';
    if (hasEval) copyFileSync(validation, join(jobDir, 'eval.jsonl'));
    let base = typeof own.base === 'string' ? own.base : stageInput(ctx, `${own.base.from}.checkpoint`);
    let adapter: string | null = null;
    if (typeof own.base !== 'string') {
      // the checkpoint travels with the job folder (a manual run elsewhere, a Slurm node): an adapter always (it is small), a full model for manual runs
      if (existsSync(join(base, 'adapter_config.json'))) {
        const config = JSON.parse(readFileSync(join(base, 'adapter_config.json'), 'utf8')) as { base_model_name_or_path?: string };
        if (!config.base_model_name_or_path) throw new Error(`${base}/adapter_config.json names no base_model_name_or_path`);
        cpSync(base, join(jobDir, 'base-adapter'), { recursive: true });
        adapter = 'base-adapter';
        base = config.base_model_name_or_path;
      } else if (!launcher.sharesFiles) {
        cpSync(base, join(jobDir, 'base'), { recursive: true });
        base = 'base';
      }
    }

    let finalDir: string;
    let command: string;
    if (own.backend === 'trl') {
      const job: TrlJob = {
        method: own.method,
        base,
        base_adapter: adapter,
        train_file: 'train.jsonl',
        eval_file: hasEval ? 'eval.jsonl' : null,
        output_dir: 'output',
        args: trlArgs(own.method, own.trainer).args,
        lora: loraArgs(own.trainer),
        merge_lora: own.trainer.merge_lora,
        trl_version: own.trainer.trl_version,
      };
      writeFileSync(join(jobDir, 'job.json'), `${JSON.stringify(job, null, 2)}\n`);
      for (const f of ['train_trl.py', 'qexp_trainer_config.py']) copyFileSync(join(TRAINERS, f), join(jobDir, f));
      finalDir = join(outDir, 'final');
      command = `${spec.command ?? 'python3'} train_trl.py --job job.json`;
    } else {
      const { args } = llamaFactoryArgs(own.method, own.trainer, base, adapter, 'output');
      writeFileSync(
        join(jobDir, 'llamafactory.yaml'),
        Object.entries(args)
          .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
          .join(''),
      );
      writeFileSync(join(jobDir, 'dataset_info.json'), `${JSON.stringify(llamaFactoryDataset(own.method), null, 2)}\n`);
      if (own.method === 'dpo') {
        // LLaMA-Factory's ranked sharegpt rows: the prompt turns, and one chosen and one rejected turn
        const rows = readFileSync(join(jobDir, 'train.jsonl'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const r = JSON.parse(l) as { prompt: unknown[]; chosen: unknown[]; rejected: unknown[] };
            return JSON.stringify({ messages: r.prompt, chosen: r.chosen[0], rejected: r.rejected[0] });
          });
        writeFileSync(join(jobDir, 'train.jsonl'), `${rows.join('\n')}\n`);
      }
      finalDir = outDir;
      command = `${spec.command ?? 'llamafactory-cli'} train llamafactory.yaml`;
    }
    const script = join(jobDir, 'run.sh');
    writeFileSync(
      script,
      `#!/bin/bash\n# qexp train stage ${ctx.stageName} (${ctx.fingerprint})\nset -euo pipefail\ncd "$(dirname "$0")"\n${command}\n`,
    );
    const resumeFrom = lastCheckpoint(outDir);
    if (resumeFrom) ctx.log(`an earlier run left ${resumeFrom}: the trainer resumes from it`);

    const launched = await launcher.launch(spec, {
      jobDir,
      script,
      name: ctx.stageName,
      outputDir: finalDir,
      finished: () => existsSync(join(finalDir, 'metrics.json')),
      log: ctx.log,
      progress: ctx.progress,
      signal: ctx.signal,
    });
    if ('waiting' in launched) throw new StageWaiting(launched.waiting);

    if (own.backend === 'llamafactory' && !existsSync(join(finalDir, 'metrics.json')) && existsSync(join(finalDir, 'all_results.json')))
      copyFileSync(join(finalDir, 'all_results.json'), join(finalDir, 'metrics.json'));
    const problem = checkpointProblem(finalDir, own.backend);
    if (problem) throw new Error(problem);
    const curves = trainCurves(join(finalDir, 'trainer_state.json'));
    await ctx.store.replaceTrainMetrics(ctx.fingerprint, curves);
    const metrics = JSON.parse(readFileSync(join(finalDir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    ctx.log(`checkpoint ${finalDir}: ${curves.length} logged values; metrics ${JSON.stringify(metrics)}`);
    const checkpoint = join(ctx.tmpDir, 'checkpoint');
    renameSync(finalDir, checkpoint);
    const metricsPath = join(ctx.tmpDir, 'metrics.json');
    copyFileSync(join(checkpoint, 'metrics.json'), metricsPath);
    // the intermediate checkpoints are no longer needed once the final one is recorded
    rmSync(outDir, { recursive: true, force: true });
    return { checkpoint: { path: checkpoint, managed: true }, metrics: { path: metricsPath, managed: true } };
  },
};
