import autocannon, { type AutocannonRequest, type Instance } from 'autocannon';

/** One measured run: what every figure in the report is made of. */
export interface Figures {
  requests: number;
  seconds: number;
  /** Completed requests per second over the run. */
  rps: number;
  /** Latency percentiles in milliseconds, from every response (not autocannon's 1 ms buckets). */
  p50: number;
  p99: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
}

/** Every latency of a run, kept beside its figures (not in them: they go into the JSON report). */
export const latenciesOf = new WeakMap<Figures, Float64Array>();

export interface LoadSpec {
  url: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Called once per request, for bodies that must differ (a fresh token each time). */
  body?: () => string;
  connections: number;
  /** Seconds; or a fixed number of requests with `amount`. */
  duration?: number;
  amount?: number;
  /** Called once the run is under way, with a function that ends it early. */
  onStart?: (stop: () => void) => void;
}

/** Collects latencies as floats; sorted once at the end. */
class Latencies {
  #values = new Float64Array(1 << 16);
  #length = 0;

  add(value: number) {
    if (this.#length === this.#values.length) {
      const bigger = new Float64Array(this.#values.length * 2);
      bigger.set(this.#values);
      this.#values = bigger;
    }
    this.#values[this.#length++] = value;
  }

  values(): Float64Array {
    return this.#values.subarray(0, this.#length);
  }
}

export function runLoad(spec: LoadSpec): Promise<Figures> {
  const latencies = new Latencies();
  const request: AutocannonRequest = {
    method: spec.method ?? 'POST',
    path: spec.path,
    headers: { 'content-type': 'application/json', ...spec.headers },
  };
  const nextBody = spec.body;
  if (nextBody) request.setupRequest = (req) => ({ ...req, body: nextBody() });

  return new Promise((resolve, reject) => {
    let instance: Instance | undefined;
    instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        ...(spec.amount ? { amount: spec.amount } : { duration: spec.duration ?? 10 }),
        pipelining: 1,
        timeout: 10,
        // Checks for the end of the run every 100 ms rather than every second, so a short run
        // ends close to its last response and its rate is not diluted by idle time.
        sampleInt: 100,
        requests: [request],
      },
      (error, result) => {
        if (error) return reject(error);
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
        const completed = latencies.values().length;
        const figures: Figures = {
          requests: completed,
          seconds: result.duration,
          rps: Math.round(completed / result.duration),
          ...percentiles(latencies.values()),
          non2xx: result.non2xx,
          errors: result.errors,
          statusCodes,
        };
        latenciesOf.set(figures, latencies.values());
        resolve(figures);
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) =>
      latencies.add(ms),
    );
    spec.onStart?.(() => instance?.stop());
  });
}

/** p50 and p99 of millisecond latencies, by the nearest-rank method. */
export function percentiles(values: Float64Array): { p50: number; p99: number } {
  const sorted = values.slice().sort();
  const at = (p: number) => {
    if (sorted.length === 0) return Number.NaN;
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return Math.round(sorted[index]! * 100) / 100;
  };
  return { p50: at(50), p99: at(99) };
}
