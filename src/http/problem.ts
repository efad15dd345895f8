import type { InputError } from '../accounts/input.ts';
import type { Cooldown } from '../accounts/login-throttle.ts';
import type { SignInCodeResult, SignInLinkResult } from '../accounts/sign-in-confirm.ts';
import type { ConsumeFailure } from '../tokens/tokens.ts';

/**
 * Errors as RFC 9457 problem details: {type, title, status, code, detail?, errors?}.
 * `code` is the stable, machine-readable part clients switch on.
 */
/**
 * An answer oto chose to give, not a fault: nobody reads its stack, so it captures none. Capturing
 * one was the largest single cost of a 4xx (about 16 µs of the 422 on the benchmark machine), and
 * 4xx answers are what a flood of bad requests or consumed tokens makes oto produce.
 */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly errors: InputError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    status: number,
    code: string,
    title: string,
    extra: { detail?: string; errors?: InputError[]; headers?: Record<string, string> } = {},
  ) {
    const stackFrames = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(extra.detail ?? title);
    Error.stackTraceLimit = stackFrames;
    this.status = status;
    this.code = code;
    this.title = title;
    this.errors = extra.errors;
    this.headers = extra.headers;
  }

  toJSON() {
    return {
      type: `https://oto.dev/problems/${this.code}`,
      title: this.title,
      status: this.status,
      code: this.code,
      ...(this.message !== this.title ? { detail: this.message } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

/** The token errors, the only ones oto uses for tokens on any route. */
export const TOKEN_PROBLEMS = {
  token_invalid: () => new HttpProblem(400, 'token_invalid', 'The link or token is not valid.'),
  token_used: () => new HttpProblem(410, 'token_used', 'The link or token has already been used.'),
  token_expired: () => new HttpProblem(410, 'token_expired', 'The link or token has expired.'),
  token_revoked: () => new HttpProblem(410, 'token_revoked', 'The link or token is no longer valid.'),
  // Says that a newer one exists, which holding this one already implies, and nothing more.
  token_superseded: () =>
    new HttpProblem(410, 'token_superseded', 'A newer link or token replaced this one.', {
      detail: 'A newer link was sent after this one: use the latest email.',
    }),
} as const;

export type TokenProblemCode = keyof typeof TOKEN_PROBLEMS;

export function invalidInput(errors: InputError[]): HttpProblem {
  return new HttpProblem(422, 'invalid_input', 'The request is not valid.', { errors });
}

/** Shared JSON schema of a problem response, for route schemas and the OpenAPI document. */
export { problemSchema } from './schemas/problem.ts';

/** Maps a failed consume to its token error. A broken binding means the state the link was issued for
 * has changed since (password, email address), which makes the link void: revoked. */
export function tokenProblem(reason: ConsumeFailure): HttpProblem {
  return TOKEN_PROBLEMS[tokenProblemCode(reason)]();
}

/** The token error of a failed consume, by its code: what tokenProblem answers, and what pages say. */
export function tokenProblemCode(reason: ConsumeFailure): TokenProblemCode {
  switch (reason) {
    case 'used':
      return 'token_used';
    case 'expired':
      return 'token_expired';
    case 'superseded':
      return 'token_superseded';
    case 'revoked':
    case 'binding':
      return 'token_revoked';
    default:
      return 'token_invalid';
  }
}

/** 409 email_taken, for the API and the page that confirm a change of email. */
export function emailTakenProblem(): HttpProblem {
  return new HttpProblem(409, 'email_taken', 'This address now belongs to another account.', {
    detail: 'Ask for a change to another address.',
  });
}

/** 429 login_cooldown, for every form that checks a password through the login throttle. */
export function cooldownProblem(cooldown: Cooldown) {
  return new HttpProblem(429, 'login_cooldown', 'Too many failed attempts for this email address.', {
    detail: cooldown.untilReset
      ? 'Reset the password to log in again.'
      : `Try again in ${Math.ceil(cooldown.retryAfterSeconds / 60)} minutes, or reset your password.`,
    headers: { 'retry-after': String(cooldown.retryAfterSeconds) },
  });
}

/**
 * 401 invalid_credentials, for a sensitive action whose currentPassword is wrong (change of password
 * or email, deleting the account, logging out other devices): the code a failed log-in gets, and
 * counted toward the same cool-down.
 */
export function wrongCurrentPasswordProblem(): HttpProblem {
  return new HttpProblem(401, 'invalid_credentials', 'The current password is not correct.');
}

/** 403 account_disabled: only ever answered to the right password of a disabled account. */
export function accountDisabledProblem(): HttpProblem {
  return new HttpProblem(403, 'account_disabled', 'This account is disabled.', {
    detail: 'Contact the support of this service to find out why.',
  });
}

/**
 * The code errors. A wrong code, a code for an address without an account and a code whose budget
 * is spent get the same code_invalid, so that a code form does not reveal accounts; its detail
 * says what the person can do in every case.
 */
export const CODE_PROBLEMS = {
  code_invalid: () =>
    new HttpProblem(400, 'code_invalid', 'The code is not valid.', {
      detail:
        'Check the code in the latest email, or ask for a new one. After too many wrong codes, new ones wait a while.',
    }),
  code_not_accepted: () =>
    new HttpProblem(400, 'code_not_accepted', 'This flow does not accept codes.', {
      detail: 'Use the link from the email.',
    }),
  /** Token API only: its caller names the subject, so there is no account to hide. */
  code_cooldown: (retryAfterSeconds: number) =>
    new HttpProblem(429, 'code_cooldown', 'Too many wrong codes for this subject and purpose.', {
      detail: `Its live codes were revoked; new ones can be issued in ${Math.ceil(retryAfterSeconds / 60)} minutes.`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
} as const;

/** The answer to a refused {email, code}. */
export function codeProblem(reason: 'code_invalid' | 'codes_not_accepted'): HttpProblem {
  return reason === 'codes_not_accepted' ? CODE_PROBLEMS.code_not_accepted() : CODE_PROBLEMS.code_invalid();
}

/**
 * 409 confirmation_required: a sign-in link opened without the cookie of the browser that asked for
 * it. Spent only with confirm: true, the person's "yes, sign me in here" (sign-in-confirm.ts).
 */
export function confirmationRequiredProblem(requestedAt: number): HttpProblem {
  return new HttpProblem(409, 'confirmation_required', 'Confirm that you asked to sign in here.', {
    detail: `This sign-in was requested in another browser at ${new Date(requestedAt).toISOString()}. Send confirm: true if the person confirmed it was them.`,
  });
}

/** 404 not_found for the routes of a feature the configuration leaves off (SIGN_IN_EMAIL). */
export function notEnabledProblem(): HttpProblem {
  return new HttpProblem(404, 'not_found', 'There is nothing at this address.', {
    detail: 'This feature is not enabled on this service.',
  });
}

/** The answer of a sign-in that failed, on the API and (for its status) the pages. */
export function signInProblem(
  result: Exclude<SignInLinkResult | SignInCodeResult, { ok: true }>,
): HttpProblem {
  switch (result.reason) {
    case 'not_enabled':
      return notEnabledProblem();
    case 'confirmation_required':
      return confirmationRequiredProblem(result.requestedAt);
    case 'account_disabled':
      return accountDisabledProblem();
    case 'codes_not_accepted':
    case 'code_invalid':
      return codeProblem(result.reason);
    default:
      return tokenProblem(result.reason);
  }
}
