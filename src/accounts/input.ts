import type { Config } from '../config/config.ts';
import { passwordProblems } from './passwords.ts';
import { emailProblem } from './users.ts';

/** A refused field and why, in words for the user. The HTTP layer turns a list of them into a 422. */
export interface InputError {
  field: string;
  message: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: InputError[] };

export function checkEmail(email: string): InputError[] {
  const problem = emailProblem(email);
  return problem === null ? [] : [{ field: 'email', message: problem }];
}

/** Both fields of a new account; the password is judged against the email it is chosen for. */
export function checkNewCredentials(config: Config, email: string, password: string): InputError[] {
  const errors = checkEmail(email);
  const context = errors.length === 0 ? { email } : {};
  for (const message of passwordProblems(config, password, context))
    errors.push({ field: 'password', message });
  return errors;
}

/** How long a link stays valid, in words for an email: "24 hours", "1 hour", "30 minutes". */
export function humanDuration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) {
      const count = seconds / size;
      if (name === 'day' && count === 1) return '24 hours';
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
