// Debian's Chromium driven by playwright-core (no browser download: `.ci/run` installs the
// `chromium` package with apt-get). Browser tests skip, saying why, only on a developer machine
// without it; under CI they run, and fail if the browser is missing.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { ROOT } from './processes.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = join(ROOT, 'test-artifacts');

/** True when this run must skip browser tests: no Chromium here, and not in CI. */
export function skipBrowserTests(suite: string): boolean {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return false;
  console.warn(
    `SKIPPED ${suite}: no Chromium at ${CHROMIUM_PATH}. Install it (apt-get install -y chromium) or set CHROMIUM_PATH; CI always runs these tests.`,
  );
  return true;
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own storage) per call. */
  newContext(): Promise<BrowserContext>;
  screenshotPath(name: string): string;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  // playwright gives each launch a new, empty profile directory of its own and removes it on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return {
    browser,
    newContext: () => browser.newContext({ viewport: { width: 1280, height: 800 } }),
    screenshotPath: (name) => join(ARTIFACTS_DIR, name),
    async close() {
      await browser.close();
    },
  };
}
