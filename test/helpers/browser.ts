/**
 * Headless Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core
 * (never `npx playwright install`). Fails with the command to run when Chromium is missing.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CWB_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get update && apt-get install -y chromium" (or set CWB_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Collect what a page reports as wrong into `problems`: console errors and warnings (with where
 * they came from) and uncaught page errors. `ignore` drops console messages a test provokes on
 * purpose (a server stopped under the page).
 */
export function collectPageProblems(page: Page, problems: string[], ignore?: RegExp): void {
  page.on('console', (m) => {
    if ((m.type() === 'error' || m.type() === 'warning') && !ignore?.test(m.text())) problems.push(`console ${m.type()}: ${m.text()} (at ${m.location().url}:${m.location().lineNumber})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}
