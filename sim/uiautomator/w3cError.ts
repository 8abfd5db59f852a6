/**
 * W3C WebDriver errors as the UiAutomator2 server sends them: an HTTP status and
 * `{"value":{"error","message","stacktrace"}}`. The stock driver maps the `error` string back to
 * its exception class, so the strings must be the W3C ones.
 */
export type W3cErrorCode =
  | 'no such element'
  | 'stale element reference'
  | 'invalid selector'
  | 'invalid argument'
  | 'invalid session id'
  | 'unknown command'
  | 'unknown method'
  | 'no such alert'
  | 'element not interactable'
  | 'unsupported operation'
  | 'unknown error';

const STATUS: Record<W3cErrorCode, number> = {
  'no such element': 404,
  'stale element reference': 404,
  'invalid selector': 400,
  'invalid argument': 400,
  'invalid session id': 404,
  'unknown command': 404,
  'unknown method': 405,
  'no such alert': 404,
  'element not interactable': 400,
  'unsupported operation': 500,
  'unknown error': 500,
};

export class W3cError extends Error {
  readonly error: W3cErrorCode;
  readonly status: number;
  constructor(error: W3cErrorCode, message: string) {
    super(message);
    this.name = 'W3cError';
    this.error = error;
    this.status = STATUS[error];
  }

  body(sessionId: string | null): { sessionId: string | null; value: { error: string; message: string; stacktrace: string } } {
    // The real server puts a Java stack trace here; ours names the simulator so logs say where it came from.
    return { sessionId, value: { error: this.error, message: this.message, stacktrace: `${this.name}: ${this.message}\n\tat phonehome simulated UiAutomator2 server` } };
  }
}
