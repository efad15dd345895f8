import { type Config, loadConfig } from '../config/config.ts';
import { ConfigError } from '../config/env.ts';

/** Reads the environment; a bad value ends the process with one line naming the variable. */
export function configOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  return settingOrExit(() => loadConfig(env));
}

/** Runs a reader of settings; a ConfigError ends the process with its one line, as configOrExit does. */
export function settingOrExit<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ConfigError) exitWith(`oto: configuration error: ${error.message}`);
    throw error;
  }
}

/** Folds a multi-line message into one line. */
export function oneLine(message: string): string {
  return message.trim().replace(/\s*\n+\s*/g, ' ');
}

export function exitWith(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}
