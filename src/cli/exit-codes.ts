/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  /** A stage failed, the store is busy, or a gate found a regression. */
  failure: 1,
  /** The experiment, a data file or the command line is invalid. */
  invalid: 2,
  /** Every stage that could run did, but some wait for manual work (e.g. a training job to run elsewhere). */
  waiting: 3,
  /** Stopped by Ctrl-C / SIGTERM: nothing half-done was recorded as done. */
  interrupted: 130,
} as const;
