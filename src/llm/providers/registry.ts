import type { Json } from '../types.js';
import { localProvider } from './local.js';
import { openaiProvider } from './openai.js';
import { prfProvider } from './prf.js';
import type { Provider } from './provider.js';
import { replayProvider } from './replay.js';

/** Every provider, in the order the schema lists them. */
const PROVIDERS: Provider[] = [openaiProvider, replayProvider, localProvider, prfProvider];

export function providerNames(): string[] {
  return PROVIDERS.map((p) => p.name);
}

/** The provider a model names, or undefined (the schema has rejected the name then). */
export function findProvider(name: unknown): Provider | undefined {
  return PROVIDERS.find((p) => p.name === name);
}

export function getProvider(name: string): Provider {
  const p = findProvider(name);
  if (!p) throw new Error(`unknown provider '${name}'; available: ${providerNames().join(', ')}`);
  return p;
}

/**
 * The schema of a model (`$defs/model`): `provider` and `description`, then every provider's
 * settings. A key two providers have is declared once and shared (`common-schema.ts`).
 */
export function modelSchema(): Json {
  const properties: Record<string, Json> = {
    description: { description: 'Free text.', type: 'string' },
    provider: {
      description: `${PROVIDERS.map((p) => `\`${p.name}\`: ${p.summary}`).join('; ')}.`,
      enum: providerNames(),
    },
  };
  for (const p of PROVIDERS)
    for (const [key, schema] of Object.entries(p.schema)) {
      if (properties[key] !== undefined && properties[key] !== schema)
        throw new Error(`providers declare models' '${key}' twice (${p.name} and another): declare it once and share it`);
      properties[key] = schema;
    }
  const nouns = PROVIDERS.map((p) => p.noun);
  return {
    description: `A language model: ${nouns.slice(0, -1).join(', ')}, or ${nouns.at(-1)}. \`from: TRAIN_STAGE\` makes it a trained student.`,
    type: 'object',
    additionalProperties: false,
    required: ['provider'],
    properties,
  };
}
