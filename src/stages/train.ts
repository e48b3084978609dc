import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { readDpoExamples } from '../artifacts/training-examples.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { checkpointProblem, lastCheckpoint, readTrainerJson, trainCurves } from '../train/checkpoint.js';
import type { LaunchSpec } from '../train/launchers/launcher.js';
import { findLauncher, getLauncher, launcherProperties } from '../train/launchers/registry.js';
import { TRAINER_SCHEMA } from '../train/train-schema.js';
import {
  llamaFactoryArgs,
  llamaFactoryDataset,
  loraArgs,
  type SettingProblem,
  type TrainerSettings,
  type TrlJob,
  trlArgs,
} from '../train/trainer-config.js';
import { defineStage, input, type Json, StageWaiting } from './contract.js';
import { Ref, StringEnum } from './schema-parts.js';

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

function settingProblems(method: 'sft' | 'dpo', backend: string, trainer: TrainerSettings): SettingProblem[] {
  const t = withLoraDefaults(trainer);
  return backend === 'llamafactory' ? llamaFactoryArgs(method, t, '', null, '').problems : trlArgs(method, t).problems;
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
export const trainStage = defineStage({
  kind: 'train',
  version: 1,
  title: 'Trains the student.',
  description:
    "SFT or DPO of a base model on an sft-data or dpo-data stage, through TRL (`trainers/train_trl.py`) or LLaMA-Factory, on this machine, on Slurm, or by hand elsewhere. Outputs `checkpoint` (a folder: the LoRA adapter or the model, trainer_state.json, metrics.json) and `metrics`; the logged curves go to the store's train_metrics table.",
  inputs: {
    data: input({
      accepts: ['sft-examples', 'dpo-examples'],
      output: 'train',
      stageOnly: true,
      description: 'An sft-data stage (method sft) or a dpo-data stage (method dpo).',
      hint: '; data comes from an sft-data or dpo-data stage',
    }),
    base: input({
      accepts: 'checkpoint',
      output: 'checkpoint',
      at: ['base', 'from'],
      optional: true,
      stageOnly: true,
      description: 'A train stage.',
    }),
  },
  properties: {
    method: StringEnum(['sft', 'dpo'], {
      description: '`sft`: supervised fine-tuning on sft-data; `dpo`: direct preference optimization on dpo-data.',
    }),
    base: Type.Union([Type.String({ minLength: 1 }), Type.Object({ from: Ref.name('A train stage.') }, { additionalProperties: false })], {
      description:
        "The model to start from: a Hugging Face id or a local path, or `{from: STAGE}` for another train stage's checkpoint (a LoRA adapter is merged into its own base first).",
    }),
    backend: Type.Optional(
      StringEnum(['trl', 'llamafactory'], {
        description: "`trl`: qexp's TRL script in trainers/; `llamafactory`: the YAML `llamafactory-cli train` reads.",
        default: 'trl',
      }),
    ),
    trainer: Type.Optional(Type.Unsafe<TrainerSettings>(TRAINER_SCHEMA)),
    launcher: Type.Optional(
      Type.Unsafe<LaunchSpec>({
        description: 'Where the job runs.',
        type: 'object',
        additionalProperties: false,
        default: {},
        properties: {
          ...launcherProperties(),
          command: {
            description:
              "What runs the trainer script: `python3` (default for trl), `accelerate launch`, `llamafactory-cli` (default for llamafactory), or a path to a virtual environment's python.",
            type: 'string',
            minLength: 1,
          },
        },
      }),
    ),
  },
  required: ['method', 'base'],
  outputs: { checkpoint: 'checkpoint', metrics: 'train-metrics' },

  check(scope, decl) {
    const out: Diagnostic[] = [];
    const dataKind = scope.doc.stages[decl.data]?.kind;
    const want = decl.method === 'sft' ? 'sft-data' : 'dpo-data';
    if (dataKind !== undefined && dataKind !== want)
      out.push(scope.at('data', `a ${decl.method} stage trains on a ${want} stage; '${decl.data}' is ${dataKind}`));
    if (typeof decl.base === 'object') {
      const k = scope.doc.stages[decl.base.from]?.kind;
      if (k !== undefined && k !== 'train')
        out.push(scope.at('base/from', `base.from must be a train stage (its checkpoint); '${decl.base.from}' is ${k}`));
    }
    const trainer = decl.trainer as TrainerSettings;
    for (const p of settingProblems(decl.method, decl.backend ?? 'trl', trainer)) out.push(scope.at(`trainer/${p.key}`, p.message));
    const launcher = decl.launcher as LaunchSpec;
    for (const p of findLauncher(launcher.kind)?.check(launcher) ?? [])
      out.push(scope.at(p.key ? `launcher/${p.key}` : 'launcher', p.message));
    return out;
  },

  resolve: (_scope, decl) => ({
    own: {
      method: decl.method,
      base: typeof decl.base === 'string' ? decl.base : { from: decl.base.from },
      backend: decl.backend ?? 'trl',
      trainer: withLoraDefaults(decl.trainer as TrainerSettings) as unknown as Json,
    },
    // where and how it runs does not change what it produces
    runtime: decl.launcher as unknown as Json,
  }),

  effects(r) {
    const spec = r.runtime as unknown as LaunchSpec;
    if (spec.kind === 'manual') return {};
    const trl = r.own.backend === 'trl';
    const command = `${spec.command ?? (trl ? 'python3' : 'llamafactory-cli')} ${trl ? 'train_trl.py --job job.json' : 'train llamafactory.yaml'}`;
    return { commands: [spec.kind === 'slurm' ? `sbatch (the job runs: ${command})` : command] };
  },

  async run(ctx) {
    const own = ctx.own as unknown as TrainOwn;
    const spec = ctx.resolved.runtime as unknown as LaunchSpec;
    const launcher = getLauncher(spec.kind);
    const jobDir = join(ctx.store.dir, 'train', ctx.fingerprint);
    const outDir = join(jobDir, 'output');
    mkdirSync(outDir, { recursive: true });

    // the data, and the base: a model id or path, or a train stage's checkpoint (a LoRA adapter is merged into its own base first)
    const trainFile = ctx.input.data;
    if (readFileSync(trainFile, 'utf8').trim() === '')
      throw new Error(
        `stage ${own.data} wrote no training examples (${trainFile}); ${own.method === 'dpo' ? 'no pair passed the pairs stage (lower min_delta?)' : 'no candidate was selected'}, or all went to validation`,
      );
    copyFileSync(trainFile, join(jobDir, 'train.jsonl'));
    const validation = ctx.upstream('data').validation as string;
    const hasEval = readFileSync(validation, 'utf8').trim() !== '';
    if (hasEval) copyFileSync(validation, join(jobDir, 'eval.jsonl'));
    let base = typeof own.base === 'string' ? own.base : (ctx.input.base as string);
    let adapter: string | null = null;
    if (typeof own.base !== 'string') {
      // the checkpoint travels with the job folder (a manual run elsewhere, a Slurm node): an adapter always (it is small), a full model for manual runs
      if (existsSync(join(base, 'adapter_config.json'))) {
        const config = readTrainerJson(join(base, 'adapter_config.json'), 'adapter config') as { base_model_name_or_path?: string };
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
        const rows = (await readDpoExamples(join(jobDir, 'train.jsonl'))).map((r) =>
          JSON.stringify({ messages: r.prompt, chosen: r.chosen[0], rejected: r.rejected[0] }),
        );
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
    const metrics = readTrainerJson(join(finalDir, 'metrics.json'), 'metrics');
    ctx.log(`checkpoint ${finalDir}: ${curves.length} logged values; metrics ${JSON.stringify(metrics)}`);
    const checkpoint = join(ctx.tmpDir, 'checkpoint');
    renameSync(finalDir, checkpoint);
    const metricsPath = join(ctx.tmpDir, 'metrics.json');
    copyFileSync(join(checkpoint, 'metrics.json'), metricsPath);
    // the intermediate checkpoints are no longer needed once the final one is recorded
    rmSync(outDir, { recursive: true, force: true });
    return { checkpoint: { path: checkpoint, managed: true }, metrics: { path: metricsPath, managed: true } };
  },
});
