// Liveness (/health), readiness (/ready) and the Prometheus endpoint on METRICS_PORT, over real
// HTTP: the probes need no key, /ready follows the database, and the metrics count every
// authentication outcome by its catalogue code and time every request, on a port of their own.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { startTestServer, type TestAccount, type TestServer } from './support/server.ts';

/** Prometheus' text format → {"name{labels}": value}. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('/health and /ready', () => {
  let app: TestServer;
  beforeAll(async () => {
    app = await startTestServer();
  });
  afterAll(() => app.close());

  it('/health answers 200 with no key and no database work', async () => {
    const response = await fetch(`${app.baseUrl}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('only the exact paths are probes: Yoga’s own "ends with /health" check is off', async () => {
    expect((await app.rest('/v1/health', null)).status).toBe(401);
    const graphql = await fetch(`${app.baseUrl}/graphql?x=/health`);
    expect(graphql.status).toBe(401);
  });

  it('/ready answers 200 while the database answers, then 503 service_unavailable', async () => {
    const ready = await fetch(`${app.baseUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });

    // The database goes away under the running server (its connection is closed).
    app.server.services.store.sqlite.close();
    const notReady = await fetch(`${app.baseUrl}/ready`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('retry-after')).toBe('5');
    expect(await notReady.json()).toEqual({
      error: { code: 'service_unavailable', message: 'The service is temporarily unavailable. Retry later.' },
    });
    // Liveness does not follow the database: restarting the process would not bring it back.
    expect((await fetch(`${app.baseUrl}/health`)).status).toBe(200);
  });

  it('take GET and HEAD only', async () => {
    const response = await fetch(`${app.baseUrl}/health`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('Prometheus metrics on METRICS_PORT', () => {
  let app: TestServer;
  let account: TestAccount;
  let metricsUrl: string;

  beforeAll(async () => {
    app = await startTestServer({ env: { METRICS_PORT: '0' } });
    account = app.createAccount();
    metricsUrl = `${app.server.metricsUrl()}/metrics`;
  });
  afterAll(() => app.close());

  async function scrape(): Promise<Map<string, number>> {
    const response = await fetch(metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    return parseMetrics(await response.text());
  }

  it('counts authentication outcomes by code, success included', async () => {
    const before = await scrape();
    // Every outcome has its series from the start (a rate() over it is never empty).
    for (const outcome of [
      'success',
      'missing_authorization',
      'invalid_api_key',
      'account_suspended',
      'rate_limited',
    ]) {
      expect(before.has(`dessert_authentications_total{outcome="${outcome}"}`), outcome).toBe(true);
    }
    const count = (samples: Map<string, number>, outcome: string) =>
      samples.get(`dessert_authentications_total{outcome="${outcome}"}`) ?? 0;

    await app.graphql('{ balance { amountCents } }', { key: account.key });
    await app.rest('/v1/balance', account.key);
    await app.graphql('{ balance { amountCents } }', { key: null });
    await app.rest('/v1/brands', null, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    await app.rest('/v1/brands', null, { headers: { authorization: 'Bearer nope' } });
    await app.graphql('{ brands { id } }', { key: `dsrt_live_${'0'.repeat(40)}` });

    const after = await scrape();
    expect(count(after, 'success') - count(before, 'success')).toBe(2);
    expect(count(after, 'missing_authorization') - count(before, 'missing_authorization')).toBe(1);
    expect(count(after, 'invalid_authorization_scheme') - count(before, 'invalid_authorization_scheme')).toBe(1);
    expect(count(after, 'invalid_key_format') - count(before, 'invalid_key_format')).toBe(1);
    expect(count(after, 'invalid_api_key') - count(before, 'invalid_api_key')).toBe(1);
  });

  it('counts rate_limited once an address has failed too often', async () => {
    const limited = await startTestServer({
      env: { METRICS_PORT: '0', AUTH_FAILURE_LIMIT: '20', TRUST_PROXY: 'false' },
    });
    try {
      let status = 0;
      for (let attempt = 0; attempt < 25 && status !== 429; attempt++) {
        status = (await limited.rest('/v1/balance', null)).status;
      }
      expect(status).toBe(429);
      const samples = parseMetrics(await (await fetch(`${limited.server.metricsUrl()}/metrics`)).text());
      expect(samples.get('dessert_authentications_total{outcome="rate_limited"}')).toBe(1);
      expect(samples.get('dessert_authentications_total{outcome="missing_authorization"}')).toBeGreaterThanOrEqual(20);
    } finally {
      await limited.close();
    }
  });

  it('times every request by route, method and status, with bounded labels', async () => {
    await app.graphql('{ brands { id } }', { key: account.key });
    await fetch(`${app.baseUrl}/no/such/${'x'.repeat(20)}`);
    const samples = await scrape();
    const graphqlOk = 'dessert_http_request_duration_seconds_count{route="/graphql",method="POST",status="200"}';
    expect(samples.get(graphqlOk)).toBeGreaterThanOrEqual(1);
    expect(
      samples.get('dessert_http_request_duration_seconds_count{route="other",method="GET",status="404"}'),
    ).toBeGreaterThanOrEqual(1);
    expect([...samples.keys()].some((name) => name.includes('/no/such'))).toBe(false);
    // Process metrics come along for free.
    expect(samples.has('process_cpu_seconds_total')).toBe(true);
    expect(samples.has('nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('are served only on the metrics port, never through the API port', async () => {
    expect(new URL(metricsUrl).port).not.toBe(new URL(app.baseUrl).port);
    const throughApi = await fetch(`${app.baseUrl}/metrics`);
    expect(throughApi.status).toBe(404);
    expect(await throughApi.text()).not.toContain('dessert_authentications_total');
    expect((await fetch(`${app.server.metricsUrl()}/graphql`)).status).toBe(404);
  });

  it('never carry a key, even after requests that sent one', async () => {
    const text = await (await fetch(metricsUrl)).text();
    expect(text).not.toContain(account.key);
    expect(text).not.toMatch(/dsrt_live_/);
  });
});

describe('METRICS_PORT configuration', () => {
  it('is off unless set, and must not be the API port', () => {
    expect(loadConfig({}).metricsPort).toBeNull();
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsHost).toBe('127.0.0.1');
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
    expect(() => loadConfig({ PORT: '4000', METRICS_PORT: '4000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => loadConfig({ METRICS_PORT: 'abc' })).toThrow(ConfigError);
  });

  it('without it, no metrics are collected or served', async () => {
    const app = await startTestServer();
    try {
      expect(app.server.metrics).toBeNull();
      expect(app.server.metricsUrl()).toBeNull();
    } finally {
      await app.close();
    }
  });
});
