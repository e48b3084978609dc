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
