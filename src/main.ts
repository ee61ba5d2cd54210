// Start-up and shutdown: configuration, the database, the server, the demo account on a new
// installation, and the signals.

import { ConfigError, loadConfig } from './config.ts';
import { DatabaseOpenError } from './db/database.ts';
import { createLogger } from './logger.ts';
import { createDessertServer } from './server.ts';

function fail(message: string): never {
  process.stderr.write(`dessert: ${message}\n`);
  process.exit(1);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

const logger = createLogger(config.logLevel);
let server: ReturnType<typeof createDessertServer>;
try {
  server = createDessertServer({ config, logger });
} catch (error) {
  if (error instanceof DatabaseOpenError || error instanceof ConfigError) fail(error.message);
  fail(
    `cannot prepare the database ${config.databaseUrl}: ${error instanceof Error ? error.message.split('\n')[0] : error}`,
  );
}

// Graceful shutdown (docs/operations.md): stop accepting, finish the requests in flight, save
// lastUsedAt, checkpoint and close the database, exit 0, all within SHUTDOWN_DEADLINE_MS. The
// handlers go in before the server announces itself, so a signal sent on seeing the announcement
// never meets the default action. npm forwards a signal the process group already got, so a
// repeat within a second is the same request to stop; a later one means "now".
const REPEATED_SIGNAL_WINDOW_MS = 1000;
const SHUTDOWN_DEADLINE_MS = 9_500;
const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };
let firstSignalAt: number | undefined;
function shutdown(signal: NodeJS.Signals): void {
  if (firstSignalAt !== undefined) {
    if (Date.now() - firstSignalAt < REPEATED_SIGNAL_WINDOW_MS) return;
    logger.warn({ signal }, 'second signal: exiting at once');
    process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
  }
  firstSignalAt = Date.now();
  logger.info({ signal }, 'shutting down');
  const deadline = setTimeout(() => {
    logger.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS} ms: exiting`);
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS);
  deadline.unref();
  server.close().then(
    () => {
      logger.info('stopped');
      process.exit(0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

const baseUrl = await server
  .listen()
  .catch((error: Error) => fail(`cannot listen on ${config.host}:${config.port}: ${error.message}`));
logger.info({ url: `${baseUrl}/graphql` }, 'Dessert API listening');
const metricsUrl = server.metricsUrl();
if (metricsUrl !== null) logger.info({ url: `${metricsUrl}/metrics` }, 'Prometheus metrics listening');

if (config.nodeEnv !== 'production' && server.services.accounts.isEmpty()) {
  // A new installation: a demo account so the README's curl line works at once. Its key is
  // shown here, once, on the terminal (not in the log stream) and never again.
  const demo = server.services.accounts.createAccount({
    name: 'Demo account',
    brandName: 'Demo Desserts',
    brandDomain: 'demo-desserts.example',
    balanceCents: 125_000,
    currency: 'USD',
  });
  process.stderr.write(
    [
      '',
      'Created a demo account on this empty database. Its API key, shown this once:',
      '',
      `  ${demo.firstKey.secret}`,
      '',
      'Try it:',
      `  curl ${baseUrl}/v1/balance -H "Authorization: Bearer ${demo.firstKey.secret}"`,
      '',
      '',
    ].join('\n'),
  );
}
process.stderr.write(`GraphQL (and GraphiQL in a browser): ${baseUrl}/graphql  REST: ${baseUrl}/v1/balance\n`);
