/** A JSON value: what fingerprints, request keys, schemas and stored stats are made of. */
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
