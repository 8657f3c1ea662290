/**
 * The one error type of the generator. Everything below the entry module throws a CliError (or lets an
 * unexpected error bubble up); only src/cli/main.ts turns errors into exit codes and messages, so no
 * module can exit the process half-way through a write.
 */

/** Exit codes of the CLI contract (DESIGN.md §3). */
export const EXIT = { ok: 0, user: 1, internal: 2, interrupted: 130 } as const;

export type CliErrorCode =
  | 'USAGE' // unknown flag, bad flag value, option that does not fit the others
  | 'MISSING_VALUES' // no TTY and no --yes, and some values are still open
  | 'INVALID_NAME' // package name does not follow npm rules
  | 'TARGET_NOT_EMPTY' // target directory has files and --overwrite was not given
  | 'TARGET_INVALID' // target path is not usable (a file, inside a template, …)
  | 'POST_STEP' // install / git failed after the project was written
  | 'CANCELLED' // the user cancelled a prompt
  | 'COULD_NOT_RUN' // check: no such folder, bad flags; update: a generator version the registry cannot supply — exit 2, kept apart from 1
  | 'INTERNAL';

export class CliError extends Error {
  readonly code: CliErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = code === 'INTERNAL' || code === 'COULD_NOT_RUN' ? EXIT.internal : code === 'CANCELLED' ? EXIT.interrupted : EXIT.user;
  }
}

export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError;
}
