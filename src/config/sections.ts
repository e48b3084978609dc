/** The experiment's top-level sections, in the schema's order (`extends` aside). */
export const TOP_LEVEL_SECTIONS = [
  'name',
  'description',
  'seed',
  'store',
  'datasets',
  'models',
  'prompts',
  'hooks',
  'retrieval',
  'stages',
  'ablations',
  'report',
  'gates',
] as const;

/** JSON Schema of the sections that belong to no stage kind (the kinds own theirs). */

export const EXTENDS_SCHEMA = {
  description:
    'One or more experiment files this one builds on (paths relative to this file). Maps merge key by key, this file winning; lists and scalars are replaced; a key set to null is removed.',
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
};

export const NAME_SCHEMA = {
  description: "Name of the experiment: the key under which results are stored. Letters, digits, '.', '_' and '-'.",
  type: 'string',
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
};

export const SEED_SCHEMA = {
  description: 'Seed for every random choice the stages make (few-shot exemplars, splits, permutation tests).',
  type: 'integer',
  minimum: 0,
  default: 0,
};

export const STORE_SCHEMA = {
  description:
    'DuckDB file that keeps results, relative to this file. Default: results/qexp.duckdb under the current directory. `--store` overrides it.',
  type: 'string',
  minLength: 1,
};

export const ABLATIONS_SCHEMA = {
  description:
    'Ablation grid: each axis is a dotted path into the experiment (a stage name may stand for `stages.NAME`) with the values to try. Each combination is a variant named `path=value,...`.',
  type: 'object',
  additionalProperties: false,
  required: ['axes'],
  properties: {
    mode: {
      description: '`cartesian`: every combination of the axes; `zip`: the i-th values of all axes together (axes of equal length).',
      enum: ['cartesian', 'zip'],
      default: 'cartesian',
    },
    axes: {
      description: 'Dotted path → list of values.',
      type: 'object',
      minProperties: 1,
      propertyNames: {
        pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)+$',
      },
      additionalProperties: {
        type: 'array',
        minItems: 1,
      },
    },
  },
};

export const REPORT_SCHEMA = {
  description: "The experiment's ablation table and plots: printed by `qexp run` at the end, written to `out`, and shown by `qexp report`.",
  type: 'object',
  additionalProperties: false,
  properties: {
    title: {
      description: "Heading of the report (default: the experiment's description, or its name).",
      type: 'string',
    },
    rows: {
      description:
        'Rows in order: a name and the evaluate stage (or stages, one per dataset) behind it. A row whose stages differ across ablation variants shows once per distinct result, labelled with the settings that tell them apart. Default: one row per evaluate stage.',
      type: 'object',
      minProperties: 1,
      additionalProperties: {
        description: 'Evaluate stage(s) whose values fill this row.',
        oneOf: [
          {
            type: 'string',
            minLength: 1,
          },
          {
            type: 'array',
            minItems: 1,
            items: {
              type: 'string',
              minLength: 1,
            },
          },
        ],
      },
    },
    measures: {
      description:
        'Measures as columns, named as the evaluate stages name them (`nDCG@10`, `AP(rel=2)@1000`). Default: every measure evaluated.',
      type: 'array',
      items: {
        type: 'string',
        minLength: 1,
      },
    },
    dataset_measures: {
      description:
        "Measures for some datasets instead of `measures` (e.g. `{miracl: [nDCG@10, R@100]}`: MIRACL's standard measures beside DL's). Keys are dataset names as the evaluate stages record them.",
      type: 'object',
      propertyNames: { $ref: '#/$defs/name' },
      additionalProperties: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    },
    baseline: {
      description: 'Row the significance tests compare every other row against (e.g. `BM25`).',
      type: 'string',
    },
    teacher: {
      description: 'Row whose first measure is 100% in the `% teacher` columns.',
      type: 'string',
    },
    student: {
      description: 'Row compared query by query with `teacher` in the wins/losses plot.',
      type: 'string',
    },
    test: {
      description: 'Paired significance test against the baseline, Holm-corrected over the rows of each column.',
      enum: ['t-test', 'randomization'],
      default: 't-test',
    },
    alpha: {
      description: 'Significance level after correction.',
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: 0.05,
    },
    formats: {
      description: 'Files `qexp run` writes into `out` (report.md, report.html, ...).',
      type: 'array',
      items: {
        enum: ['md', 'csv', 'latex', 'json', 'html'],
      },
      uniqueItems: true,
      default: ['md', 'html'],
    },
    out: {
      description:
        'Folder of the report files (default: reports/NAME beside the store, that is results/reports/NAME unless store: or --store says otherwise).',
      $ref: '#/$defs/path',
    },
    plot_axis: {
      description: 'Ablation axis the curves run along (default: the first axis naming `min_delta`, else the first axis).',
      type: 'string',
    },
  },
};

export const GATES_SCHEMA = {
  description:
    'Regression gates that `qexp gate` checks against the stored results: exit 0 when all pass, 1 on a regression, 2 on an error.',
  type: 'object',
  additionalProperties: false,
  required: ['checks'],
  properties: {
    baseline: {
      description:
        'Baseline file with the expected values, written by `qexp baseline update` and committed (default: results/baselines/NAME.json).',
      $ref: '#/$defs/path',
    },
    checks: {
      description: 'The conditions, each on one value of the report.',
      type: 'array',
      minItems: 1,
      items: {
        description:
          "One gate: a report row's value on a dataset and measure (or a cost: `tokens_per_query`, `cost_per_1k_usd`, `latency_p50_ms`), with a floor, a ceiling, and/or the largest allowed change for the worse against the baseline. Measures may only rise, costs only fall.",
        type: 'object',
        additionalProperties: false,
        required: ['run', 'measure'],
        properties: {
          name: {
            description: 'Name in the summary (default: run, dataset and measure).',
            type: 'string',
          },
          run: {
            description: 'Report row: its label, or its name when it has a single row.',
            type: 'string',
            minLength: 1,
          },
          dataset: {
            description: 'Dataset of the value (may be left out when the report has one dataset, or for a cost).',
            type: 'string',
          },
          measure: {
            description: 'Measure (`nDCG@10`, ...) or cost (`tokens_per_query`, `cost_per_1k_usd`, `latency_p50_ms`).',
            type: 'string',
            minLength: 1,
          },
          min: {
            description: 'Lowest acceptable value.',
            type: 'number',
          },
          max: {
            description: 'Highest acceptable value.',
            type: 'number',
          },
          max_drop: {
            description: 'Largest acceptable change for the worse against the baseline (a fall for measures, a rise for costs).',
            type: 'number',
            minimum: 0,
          },
          relative: {
            description: 'Whether `max_drop` is a fraction of the baseline value.',
            type: 'boolean',
            default: false,
          },
        },
      },
    },
  },
};
