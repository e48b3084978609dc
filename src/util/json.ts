/** A JSON value: what fingerprints, resolved settings and artifacts are made of. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
