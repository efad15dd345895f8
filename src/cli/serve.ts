import type { Config } from '../config/config.ts';
import { buildApp } from '../http/app.ts';
import { openContext } from './runtime.ts';

export interface ServeOptions {
  worker: boolean;
}

/** `oto serve` and `npm start`: the HTTP server, and the background worker unless disabled. */
export async function serve(config: Config, options: ServeOptions): Promise<void> {
  const { ctx } = await openContext(config);
  const app = await buildApp(ctx);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  ctx.logger.info({ port, publicUrl: config.publicUrl, database: ctx.storage.dialect }, 'oto is listening');
  process.stdout.write(`oto listening on http://${config.host}:${port} (links use ${config.publicUrl})\n`);
  void options;

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    ctx.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), config.shutdownTimeoutMs).unref();
    await app.close();
    await ctx.storage.close();
    clearTimeout(timer);
    ctx.logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
