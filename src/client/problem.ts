import type { OtoProblem } from './types.ts';

/**
 * What a client method throws for any non-2xx answer: the problem+json body oto sent, typed. Switch
 * on `code`, which is stable; `title` and `detail` are for people.
 */
export class OtoProblemError extends Error {
  override readonly name = 'OtoProblemError';
  readonly problem: OtoProblem;
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: OtoProblem['errors'];
  /** The answer's headers, for Retry-After on a 429 and the like. */
  readonly headers: Headers;

  constructor(problem: OtoProblem, headers: Headers = new Headers()) {
    // The title and code only: no request detail, which may hold a token, goes into a message that
    // ends up in logs.
    super(`${problem.title} (${problem.status} ${problem.code})`);
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors;
    this.headers = headers;
  }
}

/** The code of an error answer whose body is not a problem (a proxy's 502 page, say). */
export const UNEXPECTED_RESPONSE = 'unexpected_response';

export async function problemFrom(response: Response): Promise<OtoProblemError> {
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    body = undefined;
  }
  const problem: OtoProblem = isProblem(body)
    ? body
    : {
        type: 'about:blank',
        title: response.statusText || 'The service answered with an error that is not a problem+json body.',
        status: response.status,
        code: UNEXPECTED_RESPONSE,
      };
  return new OtoProblemError(problem, response.headers);
}

function isProblem(value: unknown): value is OtoProblem {
  if (typeof value !== 'object' || value === null) return false;
  const { type, title, status, code } = value as Record<string, unknown>;
  return (
    typeof type === 'string' &&
    typeof title === 'string' &&
    Number.isInteger(status) &&
    typeof code === 'string'
  );
}
