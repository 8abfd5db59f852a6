/**
 * Errors a user can act on. The CLI prints `message` on one line (no stack trace) and exits with
 * `exitCode`; anything else that escapes is a bug and is printed with its stack.
 */
export class PhonehomeError extends Error {
  /** 2 = harness / setup / input error (see README "Exit codes"). */
  readonly exitCode: number;
  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PhonehomeError';
    this.exitCode = options.exitCode ?? 2;
  }
}

/** Bad command-line usage: printed with a pointer to `--help`. */
export class UsageError extends PhonehomeError {
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = 'UsageError';
  }
}
