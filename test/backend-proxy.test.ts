// examples/backend-proxy: the real API, the real proxy process (its key read from a .env file)
// and Chromium on the proxy's page. The page gets its data through the proxy; the key is in no
// page, no response body, no response header and no storage the browser holds; documented
// errors pass through with their status and code.

import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, skipBrowserTests, type TestBrowser } from './support/browser.ts';
import { ROOT } from './support/processes.ts';
import { startTestServer, type TestAccount, type TestServer, tempDir } from './support/server.ts';

interface Proxy {
  url: string;
  child: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts the example as its README says, in a folder whose .env holds the key. */
async function startProxy(env: Record<string, string>): Promise<Proxy> {
  const dir = tempDir('dessert-proxy-');
  writeFileSync(
    join(dir, '.env'),
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  const childEnv: Record<string, string | undefined> = { ...process.env, PORT: '0', HOST: '127.0.0.1' };
  delete childEnv.DESSERT_API_KEY;
  delete childEnv.DESSERT_API_URL;
  // tsx by path: the proxy runs from its own folder, where `--import tsx` would not resolve.
  const tsx = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(process.execPath, ['--import', tsx, join(ROOT, 'examples/backend-proxy/server.ts')], {
    cwd: dir,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  child.stdout?.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`proxy did not start:\n${stderr}`)), 20_000);
    child.stderr?.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    exited.then(() => reject(new Error(`proxy exited:\n${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let api: TestServer;
let ready: TestAccount;
let onboarding: TestAccount;
let proxy: Proxy;
let onboardingProxy: Proxy;

beforeAll(async () => {
  api = await startTestServer();
  ready = api.createAccount({ balanceCents: 98_765, currency: 'USD', brandName: 'Proxy Pies' });
  onboarding = api.createAccount({ onboarding: true, brandName: 'Slow Scones', brandDomain: 'slow.example' });
  [proxy, onboardingProxy] = await Promise.all([
    startProxy({ DESSERT_API_KEY: ready.key, DESSERT_API_URL: api.baseUrl }),
    startProxy({ DESSERT_API_KEY: onboarding.key, DESSERT_API_URL: api.baseUrl }),
  ]);
});
afterAll(async () => {
  await Promise.all([proxy?.stop(), onboardingProxy?.stop()]);
  await api?.close();
});

describe('the backend proxy over HTTP', () => {
  it('answers with the API data, using the key from its .env', async () => {
    const response = await fetch(`${proxy.url}/api/balance`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ amountCents: 98_765, currency: 'USD' });
  });

  it('passes documented errors through: 425 with Retry-After while the brand is onboarding', async () => {
    const response = await fetch(`${onboardingProxy.url}/api/balance`);
    expect(response.status).toBe(425);
    expect(response.headers.get('retry-after')).toBe('60');
    expect(await response.json()).toEqual({
      error: {
        code: 'brand_onboarding_in_progress',
        message: 'Brand scrape is still running (15–60 min). Poll GET /v1/brands.',
      },
    });
    const brands = await fetch(`${onboardingProxy.url}/api/brands`);
    expect(brands.status).toBe(200);
    expect(await brands.json()).toMatchObject([{ name: 'Slow Scones', onboardingStatus: 'ONBOARDING' }]);
  });

  it('runs only its own operations: no GraphQL passthrough for the browser', async () => {
    expect((await fetch(`${proxy.url}/graphql`)).status).toBe(404);
    expect((await fetch(`${proxy.url}/api/balance`, { method: 'POST', body: '{}' })).status).toBe(405);
  });

  it('never prints its key', () => {
    expect(proxy.stderr()).not.toContain(ready.key);
    expect(proxy.stderr()).not.toMatch(/dsrt_live_/);
  });
});

describe.skipIf(skipBrowserTests('backend proxy browser test'))('the backend proxy in Chromium', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the data, and the key reaches the browser nowhere', { timeout: 60_000 }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen: { url: string; status: number; headers: string; body: string }[] = [];
    const sentHeaders: string[] = [];
    const pending: Promise<void>[] = [];
    page.on('request', (request) => sentHeaders.push(JSON.stringify(request.headers()) + request.url()));
    page.on('response', (response) => {
      pending.push(
        response
          .body()
          .then((body) => body.toString('utf8'))
          .catch(() => '')
          .then((body) => {
            seen.push({
              url: response.url(),
              status: response.status(),
              headers: JSON.stringify(response.headers()),
              body,
            });
          }),
      );
    });

    await page.goto(proxy.url);
    await page.getByRole('button', { name: 'Load balance' }).click();
    await expect.poll(() => page.locator('#result').textContent()).toContain('"amountCents": 98765');
    await page.getByRole('button', { name: 'Load brands' }).click();
    await expect.poll(() => page.locator('#result').textContent()).toContain('Proxy Pies');
    await page.screenshot({ path: browser.screenshotPath('backend-proxy.png') });

    // The API revokes the proxy's key: the documented error reaches the page, still without the key.
    api.server.services.keys.revokeApiKey(ready.accountId, ready.keyId, { type: 'operator' });
    await page.getByRole('button', { name: 'Load balance' }).click();
    await expect.poll(() => page.locator('#result').textContent()).toContain('Error 401 invalid_api_key');
    await page.screenshot({ path: browser.screenshotPath('backend-proxy-revoked.png') });

    await Promise.all(pending);
    // Every response came from the proxy's own origin, and none of them carried the key.
    expect(seen.map((r) => new URL(r.url).origin)).toEqual(seen.map(() => new URL(proxy.url).origin));
    // (Sorted: the browser may report the page's and its script's responses in either order.)
    expect(seen.map((r) => `${r.status} ${new URL(r.url).pathname}`).sort()).toEqual([
      '200 /',
      '200 /api/balance',
      '200 /api/brands',
      '200 /app.js',
      '401 /api/balance',
    ]);
    const everything = [
      ...seen.map((r) => r.headers + r.body),
      ...sentHeaders,
      await page.content(),
      JSON.stringify(await context.storageState()),
    ].join('\n');
    expect(everything).toContain('98765'); // the data did arrive…
    expect(everything).not.toContain(ready.key); // …and the key did not
    expect(everything).not.toMatch(/dsrt_live_/);
    expect(everything).not.toMatch(/Bearer /i);
    expect(sentHeaders.join('\n')).not.toMatch(/"authorization"/i); // the page sent no credentials
    await context.close();
  });
});
