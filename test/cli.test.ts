// The operator CLI (SPEC §6) as a subprocess on the same database file as a running server.

import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let app: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  app = await startTestServer();
  env = { DATABASE_URL: app.databaseUrl };
});
afterAll(() => app.close());

function createAccount(extra: string[] = []) {
  const result = runCli(
    ['accounts', 'create', '--name', 'Acme', '--brand-name', 'Acme Pies', '--brand-domain', 'acme.example', ...extra],
    env,
  );
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.json as { accountId: string; brandId: string; apiKey: { id: string; last4: string }; secret: string };
}

describe('dessert migrate', () => {
  it('applies the migrations, and running it again changes nothing', () => {
    const first = runCli(['migrate'], env);
    expect(first.status).toBe(0);
    expect(first.json).toEqual({ migrated: true, database: app.databasePath });
    const db = new Database(app.databasePath, { readonly: true });
    const before = db.prepare('select count(*) as n from __drizzle_migrations').get();
    db.close();
    expect(runCli(['migrate'], env).status).toBe(0);
    const again = new Database(app.databasePath, { readonly: true });
    expect(again.prepare('select count(*) as n from __drizzle_migrations').get()).toEqual(before);
    again.close();
  });
});

describe('dessert accounts create', () => {
  it('prints the account, brand and first key, and the key works at once against the running server', async () => {
    const created = createAccount(['--balance-cents', '1999', '--currency', 'EUR']);
    expect(created).toEqual({
      accountId: expect.stringMatching(/^acct_[0-9a-f]{24}$/),
      brandId: expect.stringMatching(/^brand_[0-9a-f]{24}$/),
      apiKey: { id: expect.stringMatching(/^key_[0-9a-f]{24}$/), last4: created.secret.slice(-4) },
      secret: expect.stringMatching(/^dsrt_live_[0-9a-f]{40}$/),
    });
    const balance = await app.rest('/v1/balance', created.secret);
    expect(balance.status).toBe(200);
    expect(balance.body).toMatchObject({ amountCents: 1999, currency: 'EUR' });
  });

  it('--onboarding creates a brand that is still onboarding', async () => {
    const created = createAccount(['--onboarding']);
    expect((await app.rest('/v1/balance', created.secret)).status).toBe(425);
    const brands = await app.rest('/v1/brands', created.secret);
    expect(brands.body).toMatchObject([{ id: created.brandId, onboardingStatus: 'ONBOARDING' }]);
  });

  it('refuses bad input on stderr with a non-zero exit, and creates nothing', () => {
    const db = new Database(app.databasePath, { readonly: true });
    const count = () => db.prepare('select count(*) as n from accounts').get();
    const before = count();
    const badDomain = runCli(
      ['accounts', 'create', '--name', 'X', '--brand-name', 'Y', '--brand-domain', 'not a domain'],
      env,
    );
    expect(badDomain.status).toBe(1);
    expect(badDomain.stdout).toBe('');
    expect(JSON.parse(badDomain.stderr)).toMatchObject({ error: { code: 'invalid_input' } });
    const missing = runCli(['accounts', 'create', '--name', 'X'], env);
    expect(missing.status).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({ error: { code: 'usage' } });
    const badCents = runCli(
      [
        'accounts',
        'create',
        '--name',
        'X',
        '--brand-name',
        'Y',
        '--brand-domain',
        'y.example',
        '--balance-cents',
        '12.5',
      ],
      env,
    );
    expect(badCents.status).toBe(2);
    expect(count()).toEqual(before);
    db.close();
  });
});

describe('suspension, onboarding and balance from the CLI reach a running server', () => {
  it('accounts suspend / reinstate', async () => {
    const created = createAccount();
    const suspend = runCli(['accounts', 'suspend', created.accountId], env);
    expect(suspend.json).toEqual({ accountId: created.accountId, status: 'suspended' });
    const refused = await app.rest('/v1/brands', created.secret);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: { code: 'account_suspended', message: 'Account is suspended. Contact support.' },
    });
    expect(runCli(['accounts', 'reinstate', created.accountId], env).json).toEqual({
      accountId: created.accountId,
      status: 'active',
    });
    expect((await app.rest('/v1/brands', created.secret)).status).toBe(200);
  });

  it('brands ready', async () => {
    const created = createAccount(['--onboarding']);
    const ready = runCli(['brands', 'ready', created.brandId], env);
    expect(ready.status).toBe(0);
    expect(ready.json).toMatchObject({ brand: { id: created.brandId, onboardingStatus: 'READY' } });
    expect((await app.rest('/v1/balance', created.secret)).status).toBe(200);
  });

  it('balance set', async () => {
    const created = createAccount();
    const set = runCli(['balance', 'set', created.accountId, '-250'], env);
    expect(set.json).toMatchObject({ accountId: created.accountId, balance: { amountCents: -250, currency: 'USD' } });
    expect((await app.rest('/v1/balance', created.secret)).body).toMatchObject({ amountCents: -250 });
  });

  it('keys create', async () => {
    const created = createAccount();
    const key = runCli(['keys', 'create', created.accountId, '--name', 'CI deploys'], env);
    expect(key.status).toBe(0);
    const output = key.json as { apiKey: Record<string, unknown>; secret: string };
    expect(output.apiKey).toMatchObject({
      name: 'CI deploys',
      status: 'ACTIVE',
      last4: output.secret.slice(-4),
      preview: `…${output.secret.slice(-4)}`,
    });
    expect(output.apiKey).not.toHaveProperty('keyHash');
    expect((await app.rest('/v1/brands', output.secret)).status).toBe(200);
  });
});

describe('CLI errors', () => {
  it.each([
    [['accounts', 'suspend', 'acct_nope'], 1, 'invalid_input'],
    [['brands', 'ready', 'brand_nope'], 1, 'invalid_input'],
    [['balance', 'set', 'acct_nope', '5'], 1, 'invalid_input'],
    [['keys', 'create', 'acct_nope'], 1, 'invalid_input'],
    [['balance', 'set', 'acct_x', 'lots'], 2, 'usage'],
    [['frobnicate'], 2, 'usage'],
    [[], 2, 'usage'],
  ])('dessert %j → exit %i, %s on stderr', (args, status, code) => {
    const result = runCli(args, env);
    expect(result.status).toBe(status);
    expect(result.stdout).toBe('');
    expect(JSON.parse(result.stderr.split('\n')[0] ?? '')).toMatchObject({ error: { code } });
  });

  it('an invalid configuration is refused', () => {
    const result = runCli(['migrate'], { ...env, LOG_LEVEL: 'loud' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('LOG_LEVEL');
  });
});
