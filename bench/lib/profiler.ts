/**
 * CPU profiles of single runs (BENCH_CPU_PROF=1), rather than of a server's whole life: bench/run.ts
 * asks each server process under test to start and stop its profiler, through its IPC channel.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';

export interface ProfileMessage {
  type: string;
  file?: string;
}

/** Answers a profile-start or profile-stop message; false for any other message. */
export function profilerIn(send: (message: object) => void): (message: ProfileMessage) => Promise<boolean> {
  const profiler = new Session();
  profiler.connect();
  return async (message) => {
    if (message.type === 'profile-start') {
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      send({ type: 'profiling' });
      return true;
    }
    if (message.type === 'profile-stop' && message.file) {
      const { profile } = await profiler.post('Profiler.stop');
      mkdirSync(dirname(message.file), { recursive: true });
      writeFileSync(message.file, JSON.stringify(profile));
      send({ type: 'profiled' });
      return true;
    }
    return false;
  };
}
