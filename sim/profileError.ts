/**
 * A profile the user wrote (or named) is unusable: the message names the file and the field.
 * sim/ is standalone (it imports nothing from harness/), so this is its own small error type; it
 * carries the brand harness/errors.ts recognises (`Symbol.for('phonehome.PhonehomeError')`), so
 * `phonehome sim` and `phonehome profiles` print it on one line and exit 2 like any user error.
 */
const BRAND = Symbol.for('phonehome.PhonehomeError');

export class ProfileError extends Error {
  readonly exitCode = 2;
  readonly [BRAND] = true;
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}
