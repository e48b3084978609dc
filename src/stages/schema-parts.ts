import { type TSchema, Type } from '@sinclair/typebox';

/**
 * Pieces every part of the experiment schema shares. `$defs` entries are referenced rather than
 * copied, so that the written schema stays readable and editors show one description for them.
 */

const NAME = '^[A-Za-z0-9][A-Za-z0-9_-]*$';

export const SHARED_DEFS: Record<string, TSchema> = {
  name: Type.String({ description: "An identifier: letters, digits, '_' and '-', starting with a letter or digit.", pattern: NAME }),
  path: Type.String({ description: 'A file or folder path, relative to the file that writes it.', minLength: 1 }),
  from: Type.Unsafe({
    description: 'Stages whose outputs this stage reads (it runs after them and is re-run when they change).',
    oneOf: [{ $ref: '#/$defs/name' }, { type: 'array', items: { $ref: '#/$defs/name' }, uniqueItems: true }],
  }),
};

/** A reference to `$defs/NAME`, typed as what it holds. */
export const Ref = {
  name: (description?: string) => Type.Unsafe<string>({ $ref: '#/$defs/name', ...(description ? { description } : {}) }),
  path: (description?: string) => Type.Unsafe<string>({ $ref: '#/$defs/path', ...(description ? { description } : {}) }),
  def: <T>(def: string, description?: string) => Type.Unsafe<T>({ $ref: `#/$defs/${def}`, ...(description ? { description } : {}) }),
};

/** `STAGE` or `STAGE.OUTPUT`. */
export const StageRefSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*(\\.[A-Za-z0-9][A-Za-z0-9_-]*)?$' });
export const StageRefsSchema = Type.Array(StageRefSchema, { minItems: 1 });

/** A string from a fixed list, written as JSON Schema's `enum` (TypeBox's unions of literals give `anyOf`, whose errors read worse). */
export function StringEnum<const T extends readonly string[]>(values: T, opts: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ enum: [...values], ...opts });
}
