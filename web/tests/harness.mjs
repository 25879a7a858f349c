// The browser tests' harness: a real `vitrine serve --port 0` over a temporary database, its
// users, and Debian's chromium driven by playwright-core (nothing downloads a browser).
// Environment: VITRINE (the binary), VITRINE_WEB_DIR (the built UI), CHROMIUM (default
// /usr/bin/chromium). Set by ctest (web/CMakeLists.txt).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

export const PASSWORD = 'correct horse battery staple';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through ctest (ctest -L web)`);
  return value;
}

export class Hub {
  constructor() {
    this.vitrine = need('VITRINE');
    this.webDir = need('VITRINE_WEB_DIR');
    this.dir = mkdtempSync(join(tmpdir(), 'vitrine-web-'));
    this.db = `sqlite:${join(this.dir, 'v.db')}`;
  }

  // Runs a CLI command over the hub's database; returns its standard output.
  cli(args, input) {
    const r = spawnSync(this.vitrine, [...args, '--db', this.db], { input, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`vitrine ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  addUser(login, role) {
    this.cli(['user', 'add', login, '--role', role, '--password-stdin'], PASSWORD + '\n');
  }

  // An API token of `role`: its secret.
  token(role) {
    const out = this.cli(['token', 'create', '--role', role, '--json']);
    return JSON.parse(out).token;
  }

  // Imports a file of `kind` (products, stores, prices, stock) written from `text`.
  importText(kind, name, text) {
    const file = join(this.dir, name);
    writeFileSync(file, text);
    return this.cli(['import', kind, file]);
  }

  // A small retailer: two stores in two zones, three chocolate bars of one brand (one titled
  // with hostile markup), prices from 60 days ago, stock.
  seed(hostileTitle) {
    this.importText('stores', 'stores.csv',
      'id,name,banner,city,lat,lon,price_zone\n' +
        'S001,Vitrine Lyon,Market,Lyon,45.76,4.84,Z-EST\n' +
        'S002,Vitrine Nantes,Hyper,Nantes,47.22,-1.55,Z-OUEST\n');
    const title = '"' + hostileTitle.replaceAll('"', '""') + '"';
    this.importText('products', 'products.csv',
      'id,title,brand,category,net_quantity,unit_pricing_base\n' +
        'P1,Tablette noir 70 %,Chocobon,Épicerie > Chocolat,100 g,1 kg\n' +
        'P2,Tablette lait,Chocobon,Épicerie > Chocolat,100 g,1 kg\n' +
        `P3,${title},Chocobon,Épicerie > Chocolat,200 g,1 kg\n`);
    const since = new Date(Date.now() - 60 * 86400e3).toISOString().slice(0, 10);
    this.importText('prices', 'prices.csv',
      'product_id,price,effective_from\n' +
        `P1,2.40,${since}\nP2,2.10,${since}\nP3,3.90,${since}\n`);
    this.importText('stock', 'stock.csv',
      'product_id,store_id,quantity\nP1,S001,40\nP2,S001,30\nP3,S001,12\nP1,S002,25\nP2,S002,0\nP3,S002,8\n');
  }

  async start() {
    this.server = spawn(
      this.vitrine,
      ['serve', '--db', this.db, '--address', '127.0.0.1', '--port', '0', '--threads', '2',
        '--rate-limit', 'off', '--web', this.webDir],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.log = '';
    this.server.stderr.on('data', (chunk) => {
      this.log += chunk;
    });
    this.url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('vitrine serve did not start:\n' + this.log)), 30000);
      this.server.stdout.on('data', (chunk) => {
        out += chunk;
        const m = out.match(/serving (http:\/\/[^ ]+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      this.server.on('exit', (code) => reject(new Error(`vitrine serve exited (${code}):\n${this.log}`)));
    });
  }

  // A request of the API with a bearer token.
  async api(token, method, path, body) {
    const response = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  async stop() {
    if (this.server && this.server.exitCode === null) {
      const exited = new Promise((resolve) => this.server.on('exit', resolve));
      this.server.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: scripts/install-deps installs Debian's chromium`);
  }
  return chromium.launch({ executablePath, headless: true, args: ['--disable-dev-shm-usage'] });
}

// A page that records what must never happen: dialogs (an injected script ran), CSP
// violations, console errors, and requests leaving the hub (a CDN, the internet).
export async function watchedPage(browser, hubUrl) {
  const context = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await context.newPage();
  const events = { dialogs: [], violations: [], errors: [], external: [] };
  page.on('dialog', (dialog) => {
    events.dialogs.push(dialog.message());
    dialog.dismiss();
  });
  page.on('pageerror', (error) => events.errors.push(String(error)));
  await page.exposeFunction('__vitrineViolation', (v) => events.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__vitrineViolation(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const origin = new URL(hubUrl).origin;
  await page.route('**', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:')) return route.continue();
    events.external.push(url);
    return route.abort();
  });
  return { context, page, events };
}

export async function signIn(page, hubUrl, login) {
  await page.goto(hubUrl + '/');
  await page.getByLabel(/identifiant/i).fill(login);
  await page.getByLabel(/mot de passe/i).fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('navigation').waitFor();
}

// axe-core on the page as it is: 0 serious or critical violations of WCAG 2.1 A and AA.
export async function expectAccessible(page, where) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `axe-core on ${where}`,
  );
}

// What watchedPage recorded must be empty: no injected script ran, no CSP violation, no
// uncaught error, no request left the hub.
export function expectNothingRan(events) {
  assert.deepEqual(events.dialogs, [], 'no script injected by data ran');
  assert.deepEqual(events.violations, [], 'no Content-Security-Policy violation');
  assert.deepEqual(events.errors, [], 'no uncaught error in the page');
  assert.deepEqual(events.external, [], 'no request left the hub');
}
