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
