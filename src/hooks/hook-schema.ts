/** JSON Schema of one entry of `hooks:`. */
export const HOOK_SCHEMA = {
  description: 'A Python function: its source inline (`python`) or in a `.py` file, and its name.',
  type: 'object',
  additionalProperties: false,
  required: ['function'],
  oneOf: [
    {
      description: 'Inline source.',
      properties: {
        python: {
          description: 'Python source.',
          type: 'string',
        },
      },
      required: ['python'],
    },
    {
      description: 'A file.',
      properties: {
        file: {
          description: 'A .py file.',
          type: 'string',
        },
      },
      required: ['file'],
    },
  ],
  properties: {
    description: {
      description: 'Free text.',
      type: 'string',
    },
    python: {
      description: 'Python source defining the function.',
      type: 'string',
      minLength: 1,
    },
    file: {
      description: 'A `.py` file defining the function.',
      $ref: '#/$defs/path',
    },
    function: {
      description: "The function's name.",
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
    },
    timeout_ms: {
      description: 'Time limit of one call; a call past it is stopped and fails the stage.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 1000,
    },
  },
};
