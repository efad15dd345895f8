// Whether a send that failed is tried again, and when: the dispatcher's retry policy.

/** First retry after about 30 s, doubling up to an hour: an SMTP outage of an hour loses nothing. */
const RETRY_BASE_MS = 30_000;
const RETRY_CAP_MS = 3_600_000;

/** Exponential backoff with jitter: a random point in the upper half of the doubled interval. */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export interface SendProblem {
  /** A rejection that retrying the same message would get again. */
  permanent: boolean;
  /** Safe to store and log: codes only, never the server's text, which may echo the message. */
  summary: string;
}

const CODE = /^[A-Z][A-Z0-9_]{0,31}$/;
const COMMAND = /^[A-Z][A-Z ]{0,15}$/;

/**
 * Classifies a transport error. 5xx replies are permanent (except 503, a session-state error
 * that a new connection fixes); 4xx replies and connection errors are transient, and so is any
 * other error without a reply, except an envelope nodemailer itself refuses. A failed AUTH is
 * treated as transient even though it is a 5xx: it is the operator's configuration that is wrong,
 * not the message, and every message would otherwise fail for good before anyone fixed it.
 */
export function describeSendError(error: unknown): SendProblem {
  const e = (error ?? {}) as {
    code?: unknown;
    originalCode?: unknown;
    responseCode?: unknown;
    response?: unknown;
    command?: unknown;
    permanent?: unknown;
  };
  const code = typeof e.code === 'string' && CODE.test(e.code) ? e.code : null;
  const command = typeof e.command === 'string' && COMMAND.test(e.command) ? e.command : null;
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 600) {
    const reply = e.responseCode;
    const enhanced =
      typeof e.response === 'string' ? /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(e.response)?.[1] : undefined;
    const authFailure = code === 'EAUTH' || code === 'ENOAUTH' || command?.startsWith('AUTH') === true;
    const permanent =
      !authFailure && (typeof e.permanent === 'boolean' ? e.permanent : reply >= 500 && reply !== 503);
    const parts = [`SMTP ${reply}`, enhanced, command ? `after ${command}` : null];
    return {
      permanent,
      summary: `${parts.filter(Boolean).join(' ')}: ${permanent ? 'permanent rejection' : 'temporary failure'}`,
    };
  }
  const original = typeof e.originalCode === 'string' && CODE.test(e.originalCode) ? e.originalCode : null;
  const codes = [code, original].filter(Boolean).join(' ');
  // An envelope nodemailer refuses before any reply (no valid recipient address) would be refused
  // again on every attempt.
  const permanent = code === 'EENVELOPE';
  return { permanent, summary: codes ? `transport error ${codes}` : 'transport error' };
}
