import { fields, readJsonl, writeJsonl } from './jsonl.js';

type Turn = { role: string; content: string };

/** An SFT example in TRL's conversational language-modeling format: the sft-data stage's `train` and `validation`. */
export interface SftExample {
  messages: Turn[];
}

/** A DPO example in TRL's conversational preference format: the dpo-data stage's `train` and `validation`. */
export interface DpoExample {
  prompt: Turn[];
  chosen: Turn[];
  rejected: Turn[];
}

export function writeExamples(path: string, examples: Iterable<SftExample | DpoExample>): Promise<void> {
  return writeJsonl(path, examples);
}

export function readDpoExamples(path: string): Promise<DpoExample[]> {
  return readJsonl(
    path,
    (v) => fields(v, { prompt: 'object', chosen: 'object', rejected: 'object' }, 'a DPO example') as unknown as DpoExample,
  );
}
