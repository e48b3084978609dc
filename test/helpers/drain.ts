/** Reads an async iterable to its end, keeping nothing: for the error it ends with, if any. */
export async function drain(items: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of items) {
    // nothing kept
  }
}
