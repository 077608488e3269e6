/** The `nube` command's exit codes (documented in the README) and the error that carries one. */
import { CoreError, isDatabaseUnavailable } from '../lib/errors.js';

/** Exit codes scripts can rely on: 0 done, 1 usage or configuration, 2 refused (not found, conflict, invalid), 3 failed or unreachable. */
export const EXIT = { ok: 0, usage: 1, refused: 2, failed: 3 } as const;

/** An error the CLI reports as one line and exits with the code it carries. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** The exit code for an error a command threw: core refusals are 2, an unreachable store 3, anything else 1. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (isDatabaseUnavailable(err)) return EXIT.failed;
  if (err instanceof CoreError) return EXIT.refused;
  return EXIT.usage;
}
