import { finding, type Finding, type FindingCode, type FindingDetails } from './findings.js';

/**
 * The one error class of the TUF core. Its code is a finding code, so that a
 * fail-fast caller (the client) and a collecting caller (the verifier) speak
 * the same language: `toFinding()` turns one into the other.
 */
export class TufError extends Error {
  override readonly name = 'TufError';
  readonly code: FindingCode;
  readonly details: FindingDetails;

  constructor(
    code: FindingCode,
    message: string,
    details: FindingDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  toFinding(): Finding {
    return finding(this.code, this.message, this.details);
  }

  static fromFinding(f: Finding): TufError {
    const { code, message, severity: _severity, ...details } = f;
    return new TufError(code, message, details);
  }
}

/** The message of anything thrown: an Error's message, else its string form. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
