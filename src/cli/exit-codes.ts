/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** A stage failed, the store is busy, or a gate found a regression. */
  failure: 1,
  /** The experiment, a data file or the command line is invalid. */
  invalid: 2,
  /** Stopped by Ctrl-C / SIGTERM: nothing half-done was recorded as done. */
  interrupted: 130,
} as const;
