// What metrics cost on the hot path, measured three ways:
//   1. requests per second over keep-alive HTTP on loopback, the load coming from a separate
//      process (bench/http-load.ts): the Dessert server without and with METRICS_PORT, { balance }
//      with a key; variants run in alternation, the median kept;
//   2. the instrumentation alone, in-process: ns per authentication count and per timed request;
//   3. with BENCH_PLUGIN=1 (after `npm install --no-save @graphql-yoga/plugin-prometheus`): bare
//      graphql-yoga with and without that plugin (its defaults), µs per yoga.fetch of { __typename }.
//
// Bounded: each HTTP run sends at most REQUESTS requests and stops after DEADLINE_MS anyway.
//   npm run bench:metrics

import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createYoga, type Plugin } from 'graphql-yoga';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/metrics.ts';
import { schema } from '../src/schema/index.ts';
import { createDessertServer } from '../src/server.ts';
import { tempDir } from '../test/support/server.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const DEADLINE_MS = 20_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 16;
const CLIENT = fileURLToPath(new URL('./http-load.ts', import.meta.url));

interface Target {
  url: string;
  body: string;
  authorization?: string;
  close(): Promise<void>;
}

async function dessert(metrics: boolean): Promise<Target> {
  const dir = tempDir('dessert-bench-');
  const config = loadConfig({
    DATABASE_URL: `file:${dir}/bench.db`,
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...(metrics ? { METRICS_PORT: '0' } : {}),
  });
  const server = createDessertServer({ config, logger: createLogger('silent') });
  const base = await server.listen();
  const account = server.services.accounts.createAccount({
    name: 'Bench',
    brandName: 'Bench',
    brandDomain: 'bench.example',
    balanceCents: 1,
    currency: 'USD',
  });
  return {
    url: `${base}/graphql`,
    body: JSON.stringify({ query: '{ balance { amountCents } }' }),
    authorization: `Bearer ${account.firstKey.secret}`,
    close: () => server.close(),
  };
}

// Asynchronous on purpose: the server under test runs in this process's event loop.
async function load(target: Target): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      CLIENT,
      target.url,
      target.body,
      target.authorization ?? '',
      String(REQUESTS),
      String(DEADLINE_MS),
      String(CONCURRENCY),
    ],
    { encoding: 'utf8', timeout: DEADLINE_MS + 15_000 },
  );
  const { requests, failures, ms } = JSON.parse(stdout) as { requests: number; failures: number; ms: number };
  if (failures > 0) throw new Error(`${failures} failed requests`);
  return (requests / ms) * 1000;
}

const variants: [string, () => Promise<Target>][] = [
  ['ours, metrics off', () => dessert(false)],
  ['ours, METRICS_PORT set', () => dessert(true)],
];

const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, start] of variants) {
    const target = await start();
    try {
      await load(target); // warm-up: JIT, caches
      samples.get(name)?.push(await load(target));
    } finally {
      await target.close();
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [name, xs] of samples) {
  console.log(
    `${name.padEnd(32)} ${median(xs).toFixed(0).padStart(6)} req/s  (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})`,
  );
}
const ours = median(samples.get('ours, METRICS_PORT set') ?? []) / median(samples.get('ours, metrics off') ?? []);
console.log(
  `HTTP: ${((1 - ours) * 100).toFixed(1)}% fewer req/s with metrics on (compare with the spread of the runs)`,
);

// 2. The instrumentation alone.
function nsPerCall(fn: () => void, calls = 1_000_000): number {
  for (let i = 0; i < calls / 10; i++) fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) fn();
  return Number(process.hrtime.bigint() - started) / calls;
}
const metrics = createMetrics();
const request = { method: 'POST', url: '/graphql' } as IncomingMessage;
const count = nsPerCall(() => metrics.authentication('success'));
const timed = nsPerCall(() => {
  const response = Object.assign(new EventEmitter(), { statusCode: 200 });
  metrics.timeRequest(request, response as unknown as ServerResponse);
  response.emit('close');
});
const baseline = nsPerCall(() => {
  const response = new EventEmitter();
  response.once('close', () => {});
  response.emit('close');
});
console.log(
  `in-process: authentication count ${count.toFixed(0)} ns, timed request ${(timed - baseline).toFixed(0)} ns (beyond an emitter's ${baseline.toFixed(0)} ns)`,
);

// 3. Optional: @graphql-yoga/plugin-prometheus on bare Yoga, in-process.
if (process.env.BENCH_PLUGIN === '1') {
  const pluginModule = '@graphql-yoga/plugin-prometheus';
  const { usePrometheus } = (await import(pluginModule)) as {
    usePrometheus: (options: { registry: Registry; endpoint: false }) => Plugin;
  };
  const make = (plugin: boolean) =>
    createYoga({
      schema,
      logging: false,
      plugins: plugin ? [usePrometheus({ registry: new Registry(), endpoint: false })] : [],
    });
  const body = JSON.stringify({ query: '{ __typename }' });
  const microsPerRequest = async (yoga: ReturnType<typeof make>, n: number) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const response = await yoga.fetch('http://yoga/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await response.text();
    }
    return Number(process.hrtime.bigint() - started) / n / 1000;
  };
  const bare = make(false);
  const withPlugin = make(true);
  await microsPerRequest(bare, 3000);
  await microsPerRequest(withPlugin, 3000);
  const bareRuns: number[] = [];
  const pluginRuns: number[] = [];
  for (let round = 0; round < 5; round++) {
    bareRuns.push(await microsPerRequest(bare, 10_000));
    pluginRuns.push(await microsPerRequest(withPlugin, 10_000));
  }
  console.log(
    `bare yoga.fetch         ${median(bareRuns).toFixed(1)} µs/request (runs: ${bareRuns.map((x) => x.toFixed(0)).join(', ')})`,
  );
  console.log(
    `+ plugin-prometheus     ${median(pluginRuns).toFixed(1)} µs/request (runs: ${pluginRuns.map((x) => x.toFixed(0)).join(', ')})`,
  );
}
