// Child process for the cross-process race test: opens the database at argv[2], waits until the
// shared start instant argv[5], then fires argv[4] concurrent consumes of token argv[3].
import { systemClock } from '../../src/clock.ts';
import { parseDatabaseUrl } from '../../src/config/config.ts';
import { openStorage } from '../../src/db/connect.ts';
import { createTokenEngine } from '../../src/tokens/tokens.ts';

const [url, token, count, startAt] = process.argv.slice(2) as [string, string, string, string];
const storage = openStorage(parseDatabaseUrl(url), { poolSize: 10 });
const engine = createTokenEngine({ clock: systemClock, defaultTtlSeconds: () => 3600 });
await storage.ping();
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const results = await Promise.all(
  Array.from({ length: Number(count) }, () => engine.consume(storage.db, { purpose: 'race', token })),
);
await storage.close();
process.stdout.write(
  JSON.stringify({ ok: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length }),
);
