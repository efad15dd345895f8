import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Dialect } from '../../src/db/schema.ts';
import { startTestApp, type TestApp } from './app.ts';
import { KEY_A } from './flows.ts';
import { type Inbox, linksIn, startInbox } from './inbox.ts';
import { freePort } from './instances.ts';

/**
 * End-to-end tests in a real browser: Debian's Chromium driven by playwright-core (nothing is
 * downloaded at run time), against the whole app listening on a free port, with mail delivered by
 * the real outbox dispatcher over SMTP to an in-process server. Every request a page makes is
 * recorded, and each test ends by checking that none went to another origin.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'artifacts', 'e2e');

/** node:test `skip` value for browser tests. */
export const BROWSER_SKIP: string | false = existsSync(CHROMIUM)
  ? false
  : `needs Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;

export interface Browsing {
  /** PUBLIC_URL: the origin of every link and the only origin a page may load from. */
  readonly url: string;
  readonly t: TestApp;
  readonly inbox: Inbox;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every URL the pages requested, in order. */
  readonly requests: string[];
  /** Saves a screenshot of the page as artifacts/e2e/<flow>/<nn>-<step>.png. */
  shot(step: string): Promise<void>;
  /**
   * The link of the newest email of a kind to an address, exactly as it appears in the message
   * received over SMTP: what a person's mail client hands to the browser.
   */
  link(recipient: string, kind: string, path: RegExp): Promise<string>;
  /** The page's main heading. */
  heading(): Promise<string>;
  /**
   * A page in a second browser of its own (another profile, so no cookie is shared): the same person
   * on another device. Its requests are recorded too, and it closes with the first.
   */
  anotherBrowser(): Promise<Page>;
  /** Closes everything, after checking that no page loaded anything from another origin. */
  close(): Promise<void>;
}

export async function startBrowsing(
  dialect: Dialect,
  flow: string,
  env: Record<string, string> = {},
): Promise<Browsing> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const inbox = await startInbox();
  // A signing key, as a production server must have (unsubscribe links are signed): on PostgreSQL
  // there is no development key to fall back on.
  const t = await startTestApp(dialect, { PUBLIC_URL: url, OTO_SIGNING_KEYS: KEY_A, ...inbox.env, ...env });
  await t.app.listen({ port, host: '127.0.0.1' });

  const profile = mkdtempSync(join(tmpdir(), 'oto-chromium-'));
  const launch = (dir: string) =>
    chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  const context = await launch(profile);
  const requests: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  const others: { context: BrowserContext; profile: string }[] = [];

  const shots = join(ARTIFACTS, flow);
  rmSync(shots, { recursive: true, force: true });
  mkdirSync(shots, { recursive: true });
  let shotNumber = 0;

  return {
    url,
    t,
    inbox,
    context,
    page,
    requests,
    async shot(step) {
      shotNumber++;
      await page.screenshot({
        path: join(shots, `${String(shotNumber).padStart(2, '0')}-${step}.png`),
        fullPage: true,
      });
    },
    async link(recipient, kind, path) {
      const mail = await inbox.last(t.ctx, recipient, kind);
      const links = linksIn(mail).filter((link) => path.test(new URL(link).pathname + new URL(link).search));
      assert.equal(links.length, 1, `one ${path} link in the ${kind} email, found ${links.join(', ')}`);
      return links[0]!;
    },
    async heading() {
      return ((await page.textContent('h1')) ?? '').trim();
    },
    async anotherBrowser() {
      const dir = mkdtempSync(join(tmpdir(), 'oto-chromium-'));
      const other = await launch(dir);
      others.push({ context: other, profile: dir });
      other.on('request', (request) => requests.push(request.url()));
      return other.pages()[0] ?? (await other.newPage());
    },
    async close() {
      try {
        assert.ok(requests.length > 0, 'the pages made no request: did the test stop before opening one?');
        const foreign = requests.filter((request) => !request.startsWith(`${url}/`));
        assert.deepEqual(foreign, [], 'a page loaded something from another origin');
      } finally {
        for (const other of others) {
          await other.context.close();
          rmSync(other.profile, { recursive: true, force: true });
        }
        await context.close();
        rmSync(profile, { recursive: true, force: true });
        await t.close();
        await inbox.close();
      }
    },
  };
}
