import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Servers and drivers under test run in child processes of their own, so that the load generator
 * (autocannon, in the parent) never shares an event loop or a heap with what it measures.
 * They talk to the parent over the IPC channel: {type: 'ready', port} when listening, and replies
 * to commands such as {type: 'purge'}.
 */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Sends a command and waits for the first reply of the given type. */
  request<T>(message: object, replyType: string): Promise<T>;
  next<T>(type: string): Promise<T>;
  stop(): Promise<void>;
}

const living = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of living) child.kill('SIGKILL');
});

export interface ForkOptions {
  env: Record<string, string | undefined>;
  /** Extra node flags for the child, e.g. --cpu-prof. */
  execArgv?: string[];
  /** Print the child's stderr (stdout is dropped: it carries the server's request log). */
  label: string;
}

export function forkChild(module: string, options: ForkOptions): Child {
  const child = fork(module, [], {
    env: { ...process.env, ...options.env },
    execArgv: [...process.execArgv, ...(options.execArgv ?? [])],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  living.add(child);
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
      process.stderr.write(`[${options.label}] ${line}\n`);
  });
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      living.delete(child);
      resolve();
    }),
  );

  function next<T>(type: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onMessage = (message: { type?: string; error?: string }) => {
        if (message.type === 'error') {
          cleanup();
          reject(new Error(`${options.label}: ${message.error}`));
        } else if (message.type === type) {
          cleanup();
          resolve(message as T);
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`${options.label} exited with code ${code} while waiting for "${type}"`));
      };
      const cleanup = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  }

  return {
    process: child,
    pid: child.pid!,
    next,
    request<T>(message: object, replyType: string) {
      const reply = next<T>(replyType);
      child.send(message);
      return reply;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Peak resident memory of a process while something runs. The kernel keeps the high-water mark
 * (VmHWM); writing 5 to clear_refs resets it, so each scenario gets its own peak. Polling VmRSS as
 * well covers kernels that refuse the reset (the figure is then never below the true peak's sample).
 */
export class PeakRss {
  readonly #pid: number;
  #polled = 0;
  #timer: NodeJS.Timeout | undefined;
  resetWorked = false;

  constructor(pid: number) {
    this.#pid = pid;
  }

  start(): void {
    try {
      writeFileSync(`/proc/${this.#pid}/clear_refs`, '5');
      this.resetWorked = true;
    } catch {
      this.resetWorked = false;
    }
    this.#polled = statusKb(this.#pid, 'VmRSS');
    this.#timer = setInterval(() => {
      this.#polled = Math.max(this.#polled, statusKb(this.#pid, 'VmRSS'));
    }, 100);
  }

  /** Megabytes. */
  stop(): number {
    clearInterval(this.#timer);
    const hwm = this.resetWorked ? statusKb(this.#pid, 'VmHWM') : 0;
    return Math.round(Math.max(hwm, this.#polled, statusKb(this.#pid, 'VmRSS')) / 102.4) / 10;
  }
}

/**
 * CPU time a process has used so far, user and system, all its threads, in microseconds. Per
 * request, it tells a change's cost apart from the machine's noise better than throughput does: the
 * load generator shares the two cores, so requests per second swing with whatever else runs.
 */
export function cpuMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // utime and stime are the 14th and 15th fields; counting starts after the command name, which
    // sits in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / USER_HZ);
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time the whole machine has been busy so far, every core, in microseconds: the server, the
 * load generator, PostgreSQL's backends and anything else. Idle, I/O wait and time the hypervisor
 * took from the machine (steal) do not count. Per request, it says how many cores a target rate
 * needs at this run's cost, which no figure of one process can.
 */
export function machineBusyMicros(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * (1_000_000 / USER_HZ);
  } catch {
    return Number.NaN;
  }
}

/** The unit of /proc/<pid>/stat times: 100 ticks a second on every Linux the benchmark runs on. */
const USER_HZ = 100;

function statusKb(pid: number, field: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
