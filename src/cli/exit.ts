/**
 * Exit statuses (documented in docs/cli.md). 130 = 128 + SIGINT, the shell convention.
 * Apart from errors.ts, which loads the engine (for ChunkmillError): program.ts needs these to end
 * `--version` and `--help` without loading it.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;
