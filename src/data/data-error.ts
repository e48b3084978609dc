/** A malformed record: says which file, which line (or record), and what was expected. */
export class DataError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${detail}`);
    this.name = 'DataError';
  }
}
