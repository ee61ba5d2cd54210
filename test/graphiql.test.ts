// GraphiQL in a real browser (Debian's Chromium): the page loads everything from this server (no
// CDN, under its own Content-Security-Policy), takes a key in its Headers editor, runs a query and
// shows the answer; without a key it shows missing_authorization. A screenshot of each run is
// kept in test-artifacts/.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, skipBrowserTests, type TestBrowser } from './support/browser.ts';
import { startTestServer, type TestAccount, type TestServer } from './support/server.ts';

const BALANCE_QUERY = '{ balance { amountCents currency } }';

/** Replaces the whole text of the Monaco editor inside `container` (insertText: no auto-closing). */
async function replaceEditorText(page: Page, container: string, text: string): Promise<void> {
  await page.locator(`${container} .monaco-editor .view-lines`).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** The result pane's text, once it shows `expected` (Monaco renders lines with no-break spaces). */
async function resultPaneText(page: Page, expected: string): Promise<string> {
  const pane = page.locator('.graphiql-response');
  await expect
    .poll(async () => ((await pane.textContent()) ?? '').replace(/\u00a0/g, ' '), { timeout: 20_000 })
    .toContain(expected);
  return ((await pane.textContent()) ?? '').replace(/\u00a0/g, ' ');
}

describe.skipIf(skipBrowserTests('GraphiQL browser test'))('GraphiQL in Chromium', () => {
  let app: TestServer;
  let account: TestAccount;
  let browser: TestBrowser;
  const outsideRequests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await startTestServer();
    account = app.createAccount({ balanceCents: 31_415, currency: 'EUR' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('runs a query with the key from the Headers editor, and shows missing_authorization without one', {
    timeout: 90_000,
  }, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(app.baseUrl) && !request.url().startsWith('blob:')) {
        outsideRequests.push(request.url());
      }
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) pageErrors.push(message.text());
    });

    const pageResponse = await page.goto(`${app.baseUrl}/graphql`);
    expect(pageResponse?.status()).toBe(200);
    expect(pageResponse?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('.graphiql-query-editor .monaco-editor').waitFor({ timeout: 30_000 });

    // The key, typed into the Headers editor (open, with the "Bearer " template from src/yoga.ts).
    const headersEditor = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';
    await expect.poll(() => page.locator(headersEditor).textContent()).toContain('Authorization');
    await replaceEditorText(page, headersEditor, JSON.stringify({ Authorization: `Bearer ${account.key}` }));
    await replaceEditorText(page, '.graphiql-query-editor', BALANCE_QUERY);
    const answered = page.waitForResponse(
      (r) =>
        r.url() === `${app.baseUrl}/graphql` &&
        r.request().method() === 'POST' &&
        (r.request().postData() ?? '').includes('balance'),
    );
    await page.getByRole('button', { name: /Execute query/ }).click();
    expect((await answered).status()).toBe(200);
    const withKey = await resultPaneText(page, '"amountCents": 31415');
    expect(withKey).toContain('"currency": "EUR"');
    expect(withKey).not.toContain('errors');
    await page.screenshot({ path: browser.screenshotPath('graphiql-with-key.png') });

    // The same query with the Headers editor emptied: the catalogue's 401.
    await replaceEditorText(page, headersEditor, '{}');
    await page.getByRole('button', { name: /Execute query/ }).click();
    const withoutKey = await resultPaneText(page, 'missing_authorization');
    expect(withoutKey).toContain('No Authorization header was sent.');
    expect(withoutKey).not.toContain('amountCents');
    await page.screenshot({ path: browser.screenshotPath('graphiql-without-key.png') });

    // Everything came from this server, and the page ran under its policy without a violation.
    expect(outsideRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
    // GraphiQL keeps headers in memory only: the key is not left in the browser's storage.
    expect(JSON.stringify(await context.storageState())).not.toContain(account.key);
    await context.close();
  });
});
