import { parseDurationSeconds } from './duration.ts';

// The readers of one environment variable each: a blank value counts as unset, and a value that
// cannot be used stops start-up with a ConfigError that names the variable.

/** A configuration value that cannot be used; its message names the variable and the reason. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Record<string, string | undefined>;

export function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function fail(name: string, reason: string): never {
  throw new ConfigError(`${name}: ${reason}`);
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) fail(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) fail(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function duration(env: Env, name: string, fallback: string): number {
  const raw = read(env, name) ?? fallback;
  const seconds = parseDurationSeconds(raw);
  if (seconds === null) fail(name, `must be a positive duration such as 90s, 15m, 1h or 7d, got "${raw}"`);
  return seconds;
}

export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  return fail(name, `must be true or false, got "${raw}"`);
}
