// The dashboard and the feeds page in a real browser against a real hub: the figures of a
// live campaign, the dashboard following a stock import made by another process within
// seconds (it polls with If-None-Match), the list one click away, the feed list and its pull
// log, axe-core (0 serious or critical), and the dashboard's screenshot for README.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Hub, launchBrowser, watchedPage, signIn, expectAccessible, expectNothingRan } from './harness.mjs';

let hub;
let browser;
let platformToken;

const screenshotDir = () =>
  process.env.VITRINE_UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../docs/', import.meta.url)) : hub.dir + '/';

// A day as store-local midnight ("YYYY-MM-DDT00:00"), `days` from today.
function day(days) {
  return new Date(Date.now() + days * 86400e3).toISOString().slice(0, 10) + 'T00:00';
}

before(async () => {
  hub = new Hub();
  hub.addUser('viewer@example.com', 'viewer');
  hub.seed('Tablette noisettes');
  const editor = hub.token('editor');
  const approver = hub.token('approver');
  platformToken = hub.cli(['token', 'create', '--role', 'platform', '--channel', 'google', '--json']);
  platformToken = JSON.parse(platformToken).token;
  await hub.start();
  // A campaign live since yesterday on the brand's three bars, in both stores.
  const c = await hub.api(editor, 'POST', '/api/v1/campaigns', {
    name: 'Semaine du chocolat', start: day(-1), end: day(7), channels: ['google'],
  });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  const p = await hub.api(editor, 'POST', `/api/v1/campaigns/${c.body.id}/promotions`, {
    selector: { kind: 'brand', brand: 'Chocobon' }, mechanic: { type: 'percent_off', percent: 10 },
  });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  for (const [token, to] of [[editor, 'submitted'], [approver, 'approved']]) {
    const r = await hub.api(token, 'POST', `/api/v1/campaigns/${c.body.id}/transitions`, { to });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.stop();
});

const tile = (page, label) => page.locator('li.tile', { hasText: label }).locator('.figure');

describe('dashboard', () => {
  test('the home page shows the live offers and follows a stock import within seconds', async () => {
    const { context, page, events } = await watchedPage(browser, hub.url);
    await signIn(page, hub.url, 'viewer@example.com');
    await page.getByRole('heading', { name: 'Tableau de bord', level: 1 }).waitFor();
    // Three bars in two stores; P2 has no stock in Nantes.
    await page.waitForFunction(() => document.querySelector('li.tile .figure')?.textContent === '6');
    assert.equal(await tile(page, 'en rupture').textContent(), '1');
    await page.getByRole('row', { name: /google/ }).first().waitFor();

    // Another process (the ERP's scheduled import) empties P1 in Lyon: the server follows the
    // change log, re-assembles, and the next poll shows it.
    const started = Date.now();
    hub.importText('stock', 'stock-empty.csv', 'product_id,store_id,quantity\nP1,S001,0\n');
    await page.waitForFunction(
      () => [...document.querySelectorAll('li.tile')].find((li) => li.textContent.includes('en rupture'))?.querySelector('.figure')?.textContent === '2',
      null,
      { timeout: 20000 },
    );
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds <= 15, `the dashboard followed the import in ${seconds} s`);

    await expectAccessible(page, 'the dashboard');
    await page.screenshot({ path: screenshotDir() + 'web-dashboard.png', fullPage: true });

    // The store's out-of-stock offers are one click away.
    await page.getByRole('row', { name: /S001/ }).getByRole('link').first().click();
    await page.getByRole('heading', { name: /rupture au magasin S001/ }).waitFor();
    await page.getByRole('link', { name: 'P1', exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'P2', exact: true }).count(), 0);
    await expectAccessible(page, 'a store\'s out-of-stock offers');
    expectNothingRan(events);
    await context.close();
  });

  test('an unchanged dashboard answers 304 without a body', async () => {
    const login = await fetch(hub.url + '/api/v1/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user: 'viewer@example.com', password: 'correct horse battery staple' }),
    });
    const cookie = login.headers.get('set-cookie').split(';')[0];
    const first = await fetch(hub.url + '/api/v1/dashboard', { headers: { Cookie: cookie } });
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag');
    assert.ok(etag, 'the dashboard carries an ETag');
    const again = await fetch(hub.url + '/api/v1/dashboard', { headers: { Cookie: cookie, 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
  });
});

describe('keyboard', () => {
  test('every link and control of the dashboard is reached with Tab, with visible focus, and opens with Enter', async () => {
    const { context, page, events } = await watchedPage(browser, hub.url);
    await signIn(page, hub.url, 'viewer@example.com');
    await page.getByRole('heading', { name: 'Tableau de bord', level: 1 }).waitFor();
    await page.waitForFunction(() => document.querySelector('li.tile .figure')?.textContent);
    await page.getByRole('row', { name: /S001/ }).getByRole('link').first().waitFor();
    // Every element a person can act on, numbered, so that Tab's path can be checked against it.
    const total = await page.evaluate(() => {
      const focusable = [...document.querySelectorAll('a[href], button, select, input, textarea, [tabindex]')]
        .filter((el) => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0);
      focusable.forEach((el, i) => el.setAttribute('data-kb', String(i)));
      return focusable.length;
    });
    assert.ok(total >= 10, `the dashboard has ${total} focusable elements`);
    await page.evaluate(() => document.activeElement?.blur());
    const reached = new Set();
    for (let i = 0; i < total + 20 && reached.size < total; i++) {
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement;
        return { kb: el?.getAttribute('data-kb'), outline: el ? getComputedStyle(el).outlineStyle : 'none', text: el?.textContent?.trim() };
      });
      if (focused.kb === null) continue;  // the page itself, between rounds
      reached.add(focused.kb);
      assert.notEqual(focused.outline, 'none', `focus is visible on ${focused.text}`);
    }
    const missed = await page.evaluate(
      (seen) => [...document.querySelectorAll('[data-kb]')].filter((el) => !seen.includes(el.getAttribute('data-kb'))).map((el) => el.outerHTML.slice(0, 120)),
      [...reached],
    );
    assert.deepEqual(missed, [], 'every focusable element of the dashboard is reached with Tab');

    // A store's out-of-stock offers open with Enter.
    await page.getByRole('row', { name: /S001/ }).getByRole('link').first().focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Offres promues en rupture au magasin S001/ }).waitFor();
    expectNothingRan(events);
    await context.close();
  });
});

describe('feeds', () => {
  test('the feeds page lists each feed and logs a platform\'s pull', async () => {
    const pulled = await fetch(hub.url + '/feeds/google/products.xml', { headers: { Authorization: `Bearer ${platformToken}` } });
    assert.equal(pulled.status, 200);
    await pulled.arrayBuffer();
    const { context, page, events } = await watchedPage(browser, hub.url);
    await signIn(page, hub.url, 'viewer@example.com');
    await page.getByRole('link', { name: 'Flux' }).click();
    await page.getByRole('heading', { name: 'Flux', level: 1 }).waitFor();
    await page.getByRole('rowheader', { name: 'google/products.xml' }).first().waitFor();
    const log = page.locator('section', { hasText: 'Journal des lectures' });
    await log.getByRole('cell', { name: 'google/products.xml' }).first().waitFor();
    await log.getByText('version à jour').first().waitFor();
    // A sample of the local inventory feed, field by field, as the file has it (the products
    // feed is empty here: the seeded products have no image). Reading it is not a pull.
    const sample = page.locator('section[aria-labelledby="feeds-sample"]');
    await sample.locator('#sample-feed').selectOption('google-local-inventory');
    await sample.getByRole('rowheader', { name: 'g:store_code' }).first().waitFor();
    const pulls = await hub.api(hub.token('editor'), 'GET', '/api/v1/feeds/pulls');
    assert.equal(pulls.body.pulls.length, 1, JSON.stringify(pulls.body));
    const xml = await (await fetch(hub.url + '/feeds/google/local-inventory.xml', { headers: { Authorization: `Bearer ${platformToken}` } })).text();
    const first = sample.locator('table.sample').first();
    assert.equal(await first.locator('tr', { hasText: 'g:id' }).locator('td').textContent(), xml.match(/<g:id>([^<]+)<\/g:id>/)[1]);
    assert.equal(await first.locator('tr', { hasText: 'g:store_code' }).locator('td').textContent(), xml.match(/<g:store_code>([^<]+)<\/g:store_code>/)[1]);
    // A viewer is not offered the platform tokens (admins only).
    assert.equal(await page.getByRole('button', { name: 'Créer le jeton' }).count(), 0);
    await expectAccessible(page, 'the feeds page');
    expectNothingRan(events);
    await context.close();
  });
});
