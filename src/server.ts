// A running Dessert API: the store opened and migrated, the services, the Yoga app behind
// node:http, the periodic save of lastUsedAt, and an orderly shutdown. main.ts adds the process
// concerns (signals, the demo account); tests start it on port 0 with their own clock.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from './clock.ts';
import { type Config, ConfigError } from './config.ts';
import { migrateStore, openStore } from './db/database.ts';
import { createFrontDoor } from './front-door.ts';
import type { Logger } from './logger.ts';
import { createMetrics, createMetricsServer, type Metrics } from './metrics.ts';
import { loadPublicKeys, type PublicKeys } from './security/secret-scanning.ts';
import { createServices, type Services } from './services.ts';
import { createDessertApp, type DessertYoga } from './yoga.ts';

export const LAST_USED_FLUSH_INTERVAL_MS = 60_000;
/** How long shutdown waits for requests in flight (main.ts exits after 10 s whatever happens). */
export const SHUTDOWN_DRAIN_MS = 7_000;
/** How long the final lastUsedAt save and checkpoint each wait for another process's lock. */
export const SHUTDOWN_BUSY_TIMEOUT_MS = 1_000;

export interface DessertServer {
  services: Services;
  yoga: DessertYoga;
  http: Server;
  /** Present when METRICS_PORT is set. */
  metrics: Metrics | null;
  /** Listens on config.host:config.port; resolves with the base URL, e.g. http://127.0.0.1:4000 */
  listen(): Promise<string>;
  /** The metrics endpoint's base URL once listening (e.g. http://127.0.0.1:9464), or null. */
  metricsUrl(): string | null;
  /** Stops accepting, finishes requests in flight, saves lastUsedAt, closes the database. */
  close(): Promise<void>;
}

function readSecretScanningKeys(config: Config): PublicKeys | undefined {
  if (config.secretScanningPublicKeys === undefined) return undefined;
  try {
    return loadPublicKeys(config.secretScanningPublicKeys);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
}

export function createDessertServer({
  config,
  logger,
  clock = systemClock,
}: {
  config: Config;
  logger: Logger;
  clock?: Clock;
}): DessertServer {
  // Configuration read from files comes first: a bad one must not leave a new database behind.
  const secretScanningKeys = readSecretScanningKeys(config);
  const store = openStore(config.databaseUrl, { busyTimeoutMs: config.databaseBusyTimeoutMs });
  try {
    migrateStore(store);
  } catch (error) {
    try {
      store.close();
    } catch {
      // The migration's error is the one to report.
    }
    throw error;
  }
  const services = createServices({
    store,
    clock,
    maxLiveKeysPerAccount: config.maxLiveKeysPerAccount,
    authCacheMaxEntries: config.authCacheMaxEntries,
  });
  const metrics = config.metricsPort === null ? null : createMetrics();
  const { yoga, gate } = createDessertApp({
    services,
    logger,
    authFailureLimit: config.authFailureLimit,
    trustProxy: config.trustProxy,
    secretScanningKeys,
    metrics: metrics ?? undefined,
  });
  const frontDoor = createFrontDoor({ yoga, gate, services });
  const http = metrics
    ? createServer((request, response) => {
        metrics.timeRequest(request, response);
        frontDoor(request, response);
      })
    : createServer(frontDoor);
  // Idle keep-alive connections outlive the clients' and load balancers' own idle timeouts
  // (60 s for the common ones), so it is the client that closes an idle connection: a server
  // closing first races with a request being sent on it (ECONNRESET on the client).
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;
  const metricsHttp = metrics ? createMetricsServer(metrics) : null;
  let metricsBaseUrl: string | null = null;

  const flushTimer = setInterval(() => {
    try {
      services.keys.flushLastUsed();
    } catch (error) {
      logger.warn({ err: error }, 'could not save lastUsedAt; will retry');
    }
  }, LAST_USED_FLUSH_INTERVAL_MS);
  flushTimer.unref();

  let closing: Promise<void> | undefined;

  /**
   * Stop accepting, let the requests in flight finish (a keep-alive connection is closed as soon
   * as its response is sent), then save lastUsedAt and checkpoint and close the database. A
   * connection still busy after SHUTDOWN_DRAIN_MS is cut, so the database is always closed.
   */
  async function shutDown(): Promise<void> {
    clearInterval(flushTimer);
    metricsHttp?.close();
    metricsHttp?.closeAllConnections();
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      // A response sent from now on closes its connection instead of keeping it alive. Ahead of
      // the front door, which answers REST and refusals before its listener returns.
      http.prependListener('request', (_request, response) => response.setHeader('Connection', 'close'));
      http.closeIdleConnections();
      const sweep = setInterval(() => http.closeIdleConnections(), 50);
      const drainDeadline = setTimeout(() => {
        logger.warn('requests still running after the drain period: closing their connections');
        http.closeAllConnections();
      }, SHUTDOWN_DRAIN_MS);
      http.once('close', () => {
        clearInterval(sweep);
        clearTimeout(drainDeadline);
      });
    });
    // The last writes must fit in the exit deadline even if another process holds the lock.
    if (store.sqlite.open) {
      store.sqlite.pragma(`busy_timeout = ${Math.min(config.databaseBusyTimeoutMs, SHUTDOWN_BUSY_TIMEOUT_MS)}`);
    }
    try {
      const saved = services.keys.flushLastUsed();
      logger.info({ keys: saved }, 'saved lastUsedAt');
    } catch (error) {
      logger.error({ err: error }, 'could not save lastUsedAt at shutdown');
    }
    try {
      store.close();
    } catch (error) {
      logger.error({ err: error }, 'could not checkpoint and close the database');
    }
  }

  return {
    services,
    yoga,
    http,
    metrics,
    async listen() {
      const baseUrl = await listenOn(http, config.port, config.host);
      if (metricsHttp && config.metricsPort !== null) {
        try {
          metricsBaseUrl = await listenOn(metricsHttp, config.metricsPort, config.metricsHost);
        } catch (error) {
          http.close();
          throw new Error(`metrics port: ${(error as Error).message}`);
        }
      }
      return baseUrl;
    },
    metricsUrl() {
      return metricsBaseUrl;
    },
    close() {
      // Idempotent: npm forwards a signal that the process group already got.
      closing ??= shutDown();
      return closing;
    },
  };
}

function listenOn(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const { address, port: bound } = server.address() as AddressInfo;
      const shown = address.includes(':') ? `[${address}]` : address;
      resolve(`http://${shown}:${bound}`);
    });
  });
}
