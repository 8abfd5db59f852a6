/**
 * Errors a user can act on. The CLI prints `message` on one line (no stack trace) and exits with
 * `exitCode`; anything else that escapes is a bug and is printed with its stack.
 */
const BRAND = Symbol.for('phonehome.PhonehomeError');

export class PhonehomeError extends Error {
  /**
   * `instanceof` by brand: a module can be loaded twice (tsx's CommonJS and ESM hooks under
   * mocha), and a user error must still be recognised as one rather than printed as a crash.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== PhonehomeError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  /** 2 = harness / setup / input error (see README "Exit codes"). */
  readonly exitCode: number;
  readonly [BRAND] = true;
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
