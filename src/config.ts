// The environment, turned into a typed and validated configuration. Every problem is reported at
// once, in one message naming the variable, so a bad deployment fails at start-up and says why.

import { DEFAULT_AUTH_CACHE_MAX_ENTRIES } from './auth/authenticate.ts';
import { DEFAULT_BUSY_TIMEOUT_MS } from './db/database.ts';
import { DEFAULT_MAX_LIVE_KEYS_PER_ACCOUNT } from './keys/key-service.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** How long a write waits for another process's lock before the request answers 503. */
  databaseBusyTimeoutMs: number;
  nodeEnv: NodeEnv;
  logLevel: LogLevel;
  maxLiveKeysPerAccount: number;
  /** Failed authentications a minute from one client address before it gets 429. */
  authFailureLimit: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
  trustProxy: boolean;
  /** GitHub's secret-scanning public keys (a JSON file); unset: the endpoint does not exist. */
  secretScanningPublicKeys: string | undefined;
  /** The port of the Prometheus endpoint (GET /metrics), never the API's; null: no metrics. */
  metricsPort: number | null;
  /** Where the metrics endpoint listens (defaults to HOST). */
  metricsHost: string;
  /** Authentication results kept in memory (0: look every key up in the database). */
  authCacheMaxEntries: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];

  function integer(name: string, fallback: number, min: number, max: number): number {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  }

  function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  }

  function boolean(name: string): boolean {
    const raw = env[name];
    if (raw === undefined || raw === '') return false;
    if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return false;
  }

  const host = env.HOST?.trim() || '127.0.0.1';
  const databaseUrl = env.DATABASE_URL?.trim() || 'file:data/dessert.db';
  if (databaseUrl === 'file:') problems.push('DATABASE_URL names no file (use file:PATH or :memory:)');

  const config: Config = {
    port: integer('PORT', 4000, 0, 65535),
    host,
    databaseUrl,
    databaseBusyTimeoutMs: integer('DATABASE_BUSY_TIMEOUT_MS', DEFAULT_BUSY_TIMEOUT_MS, 0, 60_000),
    nodeEnv: oneOf('NODE_ENV', NODE_ENVS, 'development'),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    maxLiveKeysPerAccount: integer('MAX_LIVE_KEYS_PER_ACCOUNT', DEFAULT_MAX_LIVE_KEYS_PER_ACCOUNT, 1, 10_000),
    authFailureLimit: integer('AUTH_FAILURE_LIMIT', 30, 20, 100),
    trustProxy: boolean('TRUST_PROXY'),
    secretScanningPublicKeys: env.SECRET_SCANNING_PUBLIC_KEYS?.trim() || undefined,
    metricsPort: env.METRICS_PORT?.trim() ? integer('METRICS_PORT', 0, 0, 65535) : null,
    metricsHost: env.METRICS_HOST?.trim() || host,
    authCacheMaxEntries: integer('AUTH_CACHE_MAX_ENTRIES', DEFAULT_AUTH_CACHE_MAX_ENTRIES, 0, 1_000_000),
  };
  // Metrics on the API's own port would let every API client read them.
  if (config.metricsPort !== null && config.metricsPort !== 0 && config.metricsPort === config.port) {
    problems.push(`METRICS_PORT must differ from PORT (both are ${config.port}): metrics are not for API clients`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
