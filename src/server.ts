// A running Dessert API: the store opened and migrated, the services, the Yoga app behind
// node:http, the periodic save of lastUsedAt, and an orderly shutdown. main.ts adds the process
// concerns (signals, the demo account); tests start it on port 0 with their own clock.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { migrateStore, openStore } from './db/database.ts';
import type { Logger } from './logger.ts';
import { loadPublicKeys } from './security/secret-scanning.ts';
import { createServices, type Services } from './services.ts';
import { createDessertYoga, type DessertYoga } from './yoga.ts';

export const LAST_USED_FLUSH_INTERVAL_MS = 60_000;

export interface DessertServer {
  services: Services;
  yoga: DessertYoga;
  http: Server;
  /** Listens on config.host:config.port; resolves with the base URL, e.g. http://127.0.0.1:4000 */
  listen(): Promise<string>;
  /** Stops accepting, finishes requests in flight, saves lastUsedAt, closes the database. */
  close(): Promise<void>;
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
  const store = openStore(config.databaseUrl);
  try {
    migrateStore(store);
  } catch (error) {
    store.close();
    throw error;
  }
  const services = createServices({ store, clock, maxLiveKeysPerAccount: config.maxLiveKeysPerAccount });
  const yoga = createDessertYoga({
    services,
    logger,
    authFailureLimit: config.authFailureLimit,
    trustProxy: config.trustProxy,
    secretScanningKeys:
      config.secretScanningPublicKeys === undefined ? undefined : loadPublicKeys(config.secretScanningPublicKeys),
  });
  const http = createServer(yoga);
  // Idle keep-alive connections outlive the clients' and load balancers' own idle timeouts
  // (60 s for the common ones), so it is the client that closes an idle connection: a server
  // closing first races with a request being sent on it (ECONNRESET on the client).
  http.keepAliveTimeout = 65_000;
  http.headersTimeout = 66_000;

  const flushTimer = setInterval(() => {
    try {
      services.keys.flushLastUsed();
    } catch (error) {
      logger.warn({ err: error }, 'could not save lastUsedAt; will retry');
    }
  }, LAST_USED_FLUSH_INTERVAL_MS);
  flushTimer.unref();

  let closing: Promise<void> | undefined;

  return {
    services,
    yoga,
    http,
    listen() {
      return new Promise((resolve, reject) => {
        http.once('error', reject);
        http.listen(config.port, config.host, () => {
          http.off('error', reject);
          const { address, port } = http.address() as AddressInfo;
          const host = address.includes(':') ? `[${address}]` : address;
          resolve(`http://${host}:${port}`);
        });
      });
    },
    close() {
      // Idempotent: npm forwards a signal that the process group already got.
      closing ??= new Promise<void>((resolve) => {
        clearInterval(flushTimer);
        http.close(() => {
          try {
            services.keys.flushLastUsed();
          } finally {
            store.close();
            resolve();
          }
        });
        http.closeIdleConnections();
      });
      return closing;
    },
  };
}
