/** JSON Schema of a train stage's `trainer` settings (TRL / LLaMA-Factory arguments, LoRA). */
export const TRAINER_SCHEMA = {
  description: "Training settings; the config written for the backend is checked against the declared version's keys.",
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    trl_version: {
      description:
        "The TRL version installed on the GPU machine (`MAJOR.MINOR`): DPO's configuration changed shape in 1.0 (loss_type is a list, loss_weights added, max_prompt_length removed).",
      type: 'string',
      pattern: '^\\d+\\.\\d+(\\.\\d+)?$',
      default: '1.13',
    },
    learning_rate: {
      description: 'Peak learning rate.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 0.0001,
    },
    num_train_epochs: {
      description: 'Passes over the training data (default 1 when max_steps is not given).',
      type: 'number',
      exclusiveMinimum: 0,
    },
    max_steps: {
      description: 'Optimizer steps, instead of epochs.',
      type: 'integer',
      minimum: 1,
    },
    per_device_train_batch_size: {
      description: 'Examples per GPU per step.',
      type: 'integer',
      minimum: 1,
      default: 4,
    },
    gradient_accumulation_steps: {
      description: 'Steps whose gradients are summed before an update.',
      type: 'integer',
      minimum: 1,
      default: 4,
    },
    max_length: {
      description: 'Most tokens of an example (prompt and completion); longer ones are truncated.',
      type: 'integer',
      minimum: 8,
      default: 1024,
    },
    max_prompt_length: {
      description: 'DPO, TRL 0.x only: most prompt tokens.',
      type: 'integer',
      minimum: 1,
    },
    beta: {
      description: 'DPO: strength of the KL penalty towards the reference model.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 0.1,
    },
    loss_type: {
      description: 'DPO loss (`sigmoid`, `ipo`, `hinge`, ...), or, from TRL 1.0, a list of losses combined with loss_weights.',
      oneOf: [
        {
          type: 'string',
          minLength: 1,
        },
        {
          type: 'array',
          items: {
            type: 'string',
            minLength: 1,
          },
          minItems: 1,
        },
      ],
    },
    loss_weights: {
      description: 'DPO, TRL 1.0 and later: one weight per loss_type.',
      type: 'array',
      items: {
        type: 'number',
      },
      minItems: 1,
    },
    lora: {
      description:
        'LoRA settings (peft; `{}` takes the defaults: r 16, alpha 32, dropout 0.05, all-linear), or false for full fine-tuning.',
      default: {},
      oneOf: [
        {
          const: false,
        },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            r: {
              description: 'Rank of the update matrices. Default 16.',
              type: 'integer',
              minimum: 1,
            },
            alpha: {
              description: 'Scale of the update (lora_alpha). Default 32.',
              type: 'number',
              exclusiveMinimum: 0,
            },
            dropout: {
              description: 'Dropout on the LoRA input. Default 0.05.',
              type: 'number',
              minimum: 0,
              maximum: 1,
            },
            target_modules: {
              description: 'Modules that get adapters: `all-linear`, or module names. Default "all-linear".',
              oneOf: [
                {
                  type: 'string',
                  minLength: 1,
                },
                {
                  type: 'array',
                  items: {
                    type: 'string',
                    minLength: 1,
                  },
                  minItems: 1,
                },
              ],
            },
          },
        },
      ],
    },
    merge_lora: {
      description: 'Merge the LoRA adapter into the base in the final checkpoint (a full model that any server loads).',
      type: 'boolean',
      default: false,
    },
    bf16: {
      description: 'bfloat16 mixed precision.',
      type: 'boolean',
      default: true,
    },
    gradient_checkpointing: {
      description: 'Recompute activations in the backward pass (less memory, slower).',
      type: 'boolean',
      default: false,
    },
    seed: {
      description: 'Training seed.',
      type: 'integer',
      default: 42,
    },
    logging_steps: {
      description: 'Steps between two logged values of the curves.',
      type: 'integer',
      minimum: 1,
      default: 10,
    },
    save_steps: {
      description: 'Steps between two checkpoints (what a stopped run resumes from).',
      type: 'integer',
      minimum: 1,
      default: 200,
    },
    template: {
      description: "LLaMA-Factory's chat template name.",
      type: 'string',
      minLength: 1,
      default: 'qwen3',
    },
    extra: {
      description:
        "Further keys of the backend's config (TRL's SFTConfig/DPOConfig, LLaMA-Factory's arguments), checked against the declared version.",
      type: 'object',
    },
  },
};

/** JSON Schema of a train stage's `launcher`: where the job runs. */
export const LAUNCHER_SCHEMA = {
  description: 'Where the job runs.',
  type: 'object',
  additionalProperties: false,
  default: {},
  properties: {
    kind: {
      description:
        '`local`: here, followed to its end; `slurm`: sbatch, followed with squeue/sacct; `manual`: qexp writes the job folder and its command, and the stage waits until a person has run it.',
      enum: ['local', 'slurm', 'manual'],
      default: 'local',
    },
    command: {
      description:
        "What runs the trainer script: `python3` (default for trl), `accelerate launch`, `llamafactory-cli` (default for llamafactory), or a path to a virtual environment's python.",
      type: 'string',
      minLength: 1,
    },
    cuda_visible_devices: {
      description: 'CUDA_VISIBLE_DEVICES for a local run, e.g. `0,1`.',
      type: 'string',
    },
    timeout_s: {
      description: 'Seconds the job may run before it is stopped (a local run gets SIGTERM and saves; a Slurm job is cancelled).',
      type: 'number',
      exclusiveMinimum: 0,
      default: 172800,
    },
    stop_grace_s: {
      description: 'Seconds a stopped trainer gets to save a checkpoint before it is killed.',
      type: 'number',
      minimum: 0,
      default: 120,
    },
    poll_s: {
      description: 'Seconds between two looks at a Slurm job.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 30,
    },
    slurm: {
      description: "The job's resources.",
      type: 'object',
      additionalProperties: false,
      properties: {
        partition: {
          description: '--partition.',
          type: 'string',
          minLength: 1,
        },
        gpus: {
          description: 'GPUs (--gres=gpu:N).',
          type: 'integer',
          minimum: 1,
        },
        time: {
          description: '--time, e.g. `12:00:00`.',
          type: 'string',
          minLength: 1,
        },
        account: {
          description: '--account.',
          type: 'string',
          minLength: 1,
        },
        cpus: {
          description: '--cpus-per-task.',
          type: 'integer',
          minimum: 1,
        },
        mem: {
          description: '--mem, e.g. `64G`.',
          type: 'string',
          minLength: 1,
        },
        directives: {
          description: 'Further `#SBATCH` lines, without the prefix (e.g. `--qos=high`).',
          type: 'array',
          items: {
            type: 'string',
            minLength: 1,
          },
        },
      },
    },
  },
};
