import { LLAMAFACTORY_KEYS, trlKeys } from './trainer-keys.js';

/** A train stage's `trainer:` settings (defaults filled by the schema). */
export interface TrainerSettings {
  trl_version: string;
  learning_rate: number;
  num_train_epochs?: number;
  max_steps?: number;
  per_device_train_batch_size: number;
  gradient_accumulation_steps: number;
  max_length: number;
  max_prompt_length?: number;
  beta: number;
  loss_type?: string | string[];
  loss_weights?: number[];
  lora: false | { r: number; alpha: number; dropout: number; target_modules: string | string[] };
  merge_lora: boolean;
  bf16: boolean;
  gradient_checkpointing: boolean;
  seed: number;
  logging_steps: number;
  save_steps: number;
  template: string;
  extra?: Record<string, unknown>;
}

/** A setting that cannot be used, by its key under `trainer` (for the diagnostic's position). */
export interface SettingProblem {
  key: string;
  message: string;
}

/** The job file `trainers/train_trl.py` reads. */
export interface TrlJob {
  method: 'sft' | 'dpo';
  base: string;
  /** A LoRA adapter (an SFT checkpoint) merged into the base before DPO starts. */
  base_adapter: string | null;
  train_file: string;
  eval_file: string | null;
  output_dir: string;
  /** Keyword arguments of SFTConfig or DPOConfig. */
  args: Record<string, unknown>;
  /** Keyword arguments of peft's LoraConfig, or null for full fine-tuning. */
  lora: Record<string, unknown> | null;
  merge_lora: boolean;
  trl_version: string;
}

/** The major version (0 or 1) of a declared TRL version, or a problem. */
export function trlMajor(version: string): 0 | 1 | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return undefined;
  const major = Number(m[1]);
  return major === 0 ? 0 : major === 1 ? 1 : undefined;
}

/**
 * TRL's config for a method from the stage's settings, with every problem the declared TRL
 * version would raise (or silently misread): unknown keys, `loss_type` lists and `loss_weights`
 * of another length, keys a version removed or does not have yet.
 */
export function trlArgs(method: 'sft' | 'dpo', t: TrainerSettings): { args: Record<string, unknown>; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const major = trlMajor(t.trl_version);
  if (major === undefined) {
    problems.push({
      key: 'trl_version',
      message: `trl_version '${t.trl_version}': qexp knows the shapes of TRL 0.x (0.19 or later) and 1.x`,
    });
    return { args: {}, problems };
  }
  const args: Record<string, unknown> = {
    learning_rate: t.learning_rate,
    per_device_train_batch_size: t.per_device_train_batch_size,
    gradient_accumulation_steps: t.gradient_accumulation_steps,
    max_length: t.max_length,
    bf16: t.bf16,
    gradient_checkpointing: t.gradient_checkpointing,
    seed: t.seed,
    logging_steps: t.logging_steps,
    save_steps: t.save_steps,
    report_to: 'none',
  };
  if (t.max_steps !== undefined) args.max_steps = t.max_steps;
  else args.num_train_epochs = t.num_train_epochs ?? 1;
  if (t.num_train_epochs !== undefined && t.max_steps !== undefined)
    problems.push({ key: 'max_steps', message: 'give num_train_epochs or max_steps, not both' });
  if (method === 'dpo') {
    args.beta = t.beta;
    const lossType = t.loss_type ?? 'sigmoid';
    if (Array.isArray(lossType)) {
      if (major === 0)
        problems.push({ key: 'loss_type', message: `TRL ${t.trl_version} takes one loss_type; a list of losses needs TRL 1.0 or later` });
      if (t.loss_weights !== undefined && t.loss_weights.length !== lossType.length)
        problems.push({
          key: 'loss_weights',
          message: `loss_weights has ${t.loss_weights.length} weights for ${lossType.length} loss types: give one weight per loss_type`,
        });
    } else if (t.loss_weights !== undefined && t.loss_weights.length !== 1)
      problems.push({ key: 'loss_weights', message: `loss_weights has ${t.loss_weights.length} weights for 1 loss type` });
    if (t.loss_weights !== undefined && major === 0)
      problems.push({ key: 'loss_weights', message: `TRL ${t.trl_version} has no loss_weights (added in 1.0)` });
    args.loss_type = major === 1 ? (Array.isArray(lossType) ? lossType : [lossType]) : lossType;
    if (t.loss_weights !== undefined) args.loss_weights = t.loss_weights;
    if (t.max_prompt_length !== undefined) {
      if (major === 1)
        problems.push({
          key: 'max_prompt_length',
          message: 'TRL 1.0 removed max_prompt_length: set max_length (and extra.truncation_mode)',
        });
      else args.max_prompt_length = t.max_prompt_length;
    }
  } else {
    for (const k of ['loss_weights', 'max_prompt_length'] as const)
      if (t[k] !== undefined) problems.push({ key: k, message: `${k} is a DPO setting; this stage trains with SFT` });
    if (t.loss_type !== undefined)
      problems.push({ key: 'loss_type', message: 'loss_type is a DPO setting here; this stage trains with SFT' });
  }
  const keys = trlKeys(method, major);
  for (const [k, v] of Object.entries(t.extra ?? {})) {
    if (!keys.has(k)) {
      const why = major === 1 && ['max_prompt_length', 'max_completion_length', 'rpo_alpha'].includes(k) ? ' (removed in TRL 1.0)' : '';
      problems.push({
        key: `extra/${k}`,
        message: `TRL ${t.trl_version}'s ${method === 'sft' ? 'SFTConfig' : 'DPOConfig'} has no '${k}'${why}`,
      });
    } else args[k] = v;
  }
  for (const k of Object.keys(args))
    if (!keys.has(k)) problems.push({ key: k, message: `internal: qexp wrote '${k}', which TRL ${t.trl_version} does not have` });
  return { args, problems };
}

/** peft's LoraConfig for the settings (null: full fine-tuning). */
export function loraArgs(t: TrainerSettings): Record<string, unknown> | null {
  if (t.lora === false) return null;
  return {
    r: t.lora.r,
    lora_alpha: t.lora.alpha,
    lora_dropout: t.lora.dropout,
    target_modules: t.lora.target_modules,
    task_type: 'CAUSAL_LM',
  };
}

/** The YAML LLaMA-Factory's `llamafactory-cli train` reads, and the problems of the settings for it. */
export function llamaFactoryArgs(
  method: 'sft' | 'dpo',
  t: TrainerSettings,
  base: string,
  adapter: string | null,
  outputDir: string,
): { args: Record<string, unknown>; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const args: Record<string, unknown> = {
    model_name_or_path: base,
    stage: method === 'sft' ? 'sft' : 'dpo',
    do_train: true,
    finetuning_type: t.lora === false ? 'full' : 'lora',
    dataset: 'qexp_train',
    dataset_dir: '.',
    template: t.template,
    cutoff_len: t.max_length,
    output_dir: outputDir,
    logging_steps: t.logging_steps,
    save_steps: t.save_steps,
    per_device_train_batch_size: t.per_device_train_batch_size,
    gradient_accumulation_steps: t.gradient_accumulation_steps,
    learning_rate: t.learning_rate,
    bf16: t.bf16,
    seed: t.seed,
    report_to: 'none',
    overwrite_output_dir: false,
  };
  if (adapter) args.adapter_name_or_path = adapter;
  if (t.max_steps !== undefined) args.max_steps = t.max_steps;
  else args.num_train_epochs = t.num_train_epochs ?? 1;
  if (t.lora !== false) {
    args.lora_rank = t.lora.r;
    args.lora_alpha = t.lora.alpha;
    args.lora_dropout = t.lora.dropout;
    args.lora_target = Array.isArray(t.lora.target_modules)
      ? t.lora.target_modules.join(',')
      : t.lora.target_modules === 'all-linear'
        ? 'all'
        : t.lora.target_modules;
  }
  if (method === 'dpo') {
    args.pref_beta = t.beta;
    const lossType = t.loss_type ?? 'sigmoid';
    if (Array.isArray(lossType))
      problems.push({ key: 'loss_type', message: 'LLaMA-Factory takes one pref_loss: give loss_type as one string' });
    else args.pref_loss = lossType;
    if (t.loss_weights !== undefined) problems.push({ key: 'loss_weights', message: 'LLaMA-Factory has no loss_weights' });
  }
  for (const [k, v] of Object.entries(t.extra ?? {})) {
    if (!LLAMAFACTORY_KEYS.has(k))
      problems.push({ key: `extra/${k}`, message: `LLaMA-Factory's training arguments qexp knows have no '${k}'` });
    else args[k] = v;
  }
  return { args, problems };
}

/** LLaMA-Factory's dataset_info.json entry for the data file qexp writes beside the YAML. */
export function llamaFactoryDataset(method: 'sft' | 'dpo'): Record<string, unknown> {
  const tags = { role_tag: 'role', content_tag: 'content', user_tag: 'user', assistant_tag: 'assistant', system_tag: 'system' };
  return {
    qexp_train:
      method === 'sft'
        ? { file_name: 'train.jsonl', formatting: 'sharegpt', columns: { messages: 'messages' }, tags }
        : {
            file_name: 'train.jsonl',
            formatting: 'sharegpt',
            ranking: true,
            columns: { messages: 'messages', chosen: 'chosen', rejected: 'rejected' },
            tags,
          },
  };
}
