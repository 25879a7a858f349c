// The catalogue, imports and administration pages in a real browser: product search and a
// product's page (price chart, stock, offers) with a hostile title, the stores' map, an import
// with a rejected row and its report, role restrictions, axe-core on every page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hub, launchBrowser, watchedPage, signIn, expectAccessible, expectNothingRan } from './harness.mjs';

const HOSTILE = `<img src=x onerror="alert('img')">"><script>alert('script')</script>`;

let hub;
let browser;

before(async () => {
  hub = new Hub();
  hub.addUser('admin@example.com', 'admin');
  hub.addUser('editor@example.com', 'editor');
  hub.addUser('viewer@example.com', 'viewer');
  hub.seed(HOSTILE);
  await hub.start();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await hub?.stop();
});

test('products: search with filters, a product page with its price chart and stock', async () => {
  const { context, page, events } = await watchedPage(browser, hub.url);
  await signIn(page, hub.url, 'viewer@example.com');
  await page.getByRole('link', { name: 'Produits' }).click();
  await page.getByRole('link', { name: 'Tablette lait' }).waitFor();
  await page.getByRole('link', { name: HOSTILE }).waitFor();
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  await expectAccessible(page, 'the products page');

  // Accent-insensitive search, then a brand filter that matches nothing.
  await page.getByLabel('Recherche (titre, marque, GTIN)').fill('tablette noir');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.getByText('1 produit(s)').waitFor();
  await page.getByLabel('Marque', { exact: true }).fill('Autre');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  await page.getByText('0 produit(s)').waitFor();

  await page.goto(hub.url + '/#/products/P3');
  await page.getByRole('heading', { name: HOSTILE, level: 1 }).waitFor();
  await page.locator('.chart canvas').waitFor();
  // The moment under the cursor is written in French, not in uPlot's English.
  await page.locator('.chart .u-over').hover();
  const moment = await page.locator('.chart .u-legend .u-series').first().locator('.u-value').textContent();
  assert.match(moment, /\d{4}/, moment);
  assert.match(moment, /janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc/, moment);
  await page.getByRole('cell', { name: '3,90 €' }).first().waitFor();
  await page.getByRole('cell', { name: 'Vitrine Nantes' }).first().waitFor();
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  await expectAccessible(page, 'a product page');
  expectNothingRan(events);
  await context.close();
});

test('stores: the list and their points on the map of France', async () => {
  const { context, page, events } = await watchedPage(browser, hub.url);
  await signIn(page, hub.url, 'viewer@example.com');
  await page.getByRole('link', { name: 'Magasins' }).click();
  await page.getByRole('cell', { name: 'Vitrine Lyon' }).waitFor();
  assert.equal(await page.locator('figure.map circle.store').count(), 2);
  // Lyon is east of Nantes on the map.
  const [lyon, nantes] = await page.locator('figure.map circle.store').evaluateAll((cs) => cs.map((c) => Number(c.getAttribute('cx'))));
  assert.ok(lyon > nantes, `${lyon} > ${nantes}`);
  await expectAccessible(page, 'the stores page');
  expectNothingRan(events);
  await context.close();
});

test('imports: a file with a rejected row, and its report', async () => {
  const file = join(hub.dir, 'stock-upload.csv');
  writeFileSync(file, 'product_id,store_id,quantity\nP1,S001,17\nP404,S001,3\nP2,S002,abc\n');
  const { context, page, events } = await watchedPage(browser, hub.url);
  await signIn(page, hub.url, 'editor@example.com');
  await page.getByRole('link', { name: 'Imports' }).click();
  await page.getByLabel('Type de données').selectOption('stock');
  await page.getByLabel('ou choisissez-le :').setInputFiles(file);
  await page.getByRole('heading', { name: /Rapport d’import de stock-upload\.csv/ }).waitFor();
  await page.getByText('2 ligne(s) rejetée(s)').waitFor();
  await page.getByRole('cell', { name: 'P404' }).first().waitFor();
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /Télécharger les lignes rejetées/ }).click();
  const saved = join(hub.dir, 'rejected.csv');
  await (await download).saveAs(saved);
  const { readFileSync } = await import('node:fs');
  const csv = readFileSync(saved, 'utf8');
  assert.match(csv, /^"line","id","field","reason"\r\n/);
  assert.match(csv, /"3",[^\r\n]*"product_id"/);
  await expectAccessible(page, 'the imports page');
  expectNothingRan(events);
  await context.close();
  // The accepted row is in: P1 has 17 in Lyon.
  const stock = await fetch(hub.url + '/api/v1/stock?product=P1&store=S001', {
    headers: { Authorization: `Bearer ${hub.token('viewer')}` },
  }).then((r) => r.json());
  assert.equal(stock.items[0].quantity, 17);
});

test('administration: an admin sees users, tokens and the audit log; a viewer is not offered it', async () => {
  const admin = await watchedPage(browser, hub.url);
  await signIn(admin.page, hub.url, 'admin@example.com');
  await admin.page.getByRole('link', { name: 'Administration' }).click();
  await admin.page.getByRole('cell', { name: 'editor@example.com' }).first().waitFor();
  await admin.page.getByLabel('Nom du jeton').fill('Flux Google');
  await admin.page.getByLabel('Rôle', { exact: true }).last().selectOption('platform');
  await admin.page.getByLabel('Canal (plateformes)').selectOption('google');
  await admin.page.getByRole('button', { name: 'Créer le jeton' }).click();
  await admin.page.getByText(/Copiez ce jeton maintenant/).waitFor();
  await admin.page.getByRole('button', { name: 'Révoquer le jeton Flux Google' }).click();
  await admin.page.getByRole('cell', { name: 'révoqué' }).waitFor();
  await admin.page.getByLabel('Objet', { exact: true }).fill('token');
  await admin.page.getByRole('button', { name: 'Rechercher' }).click();
  await admin.page.getByRole('cell', { name: 'token', exact: true }).first().waitFor();
  await expectAccessible(admin.page, 'the administration page');
  expectNothingRan(admin.events);
  await admin.context.close();

  const viewer = await watchedPage(browser, hub.url);
  await signIn(viewer.page, hub.url, 'viewer@example.com');
  assert.equal(await viewer.page.getByRole('link', { name: 'Administration' }).count(), 0);
  assert.equal(await viewer.page.getByRole('link', { name: 'Imports' }).count(), 0);
  // Typing the address does not open it either: the home page (the dashboard) shows instead.
  await viewer.page.goto(hub.url + '/#/admin');
  await viewer.page.getByRole('heading', { name: 'Tableau de bord', level: 1 }).waitFor();
  expectNothingRan(viewer.events);
  await viewer.context.close();
});

// Puts `text` in a long textarea as one input event, as a paste does. Playwright's fill types
// it through the browser's editing commands, which for the template's 20 KB of JSON took
// from 20 s to over 30 s on a loaded 2-core machine. Like fill, it refuses a field the user
// could not edit (an editor's textarea is not read-only).
async function replaceText(area, text) {
  assert.ok(await area.isEditable(), 'the text can be edited');
  await area.evaluate((el, value) => {
    el.focus();
    el.value = value;
    el.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  }, text);
}

test('templates: an invalid edit names its path; the live preview draws the unsaved text; a valid one saves and previews every format', async () => {
  // A published offer for the preview.
  const token = hub.token('admin');
  const c = await hub.api(token, 'POST', '/api/v1/campaigns', {
    name: 'Aperçu',
    start: new Date(Date.now() - 86400e3).toISOString().slice(0, 10),
    end: new Date(Date.now() + 30 * 86400e3).toISOString().slice(0, 10),
    channels: ['google'],
  });
  await hub.api(token, 'POST', `/api/v1/campaigns/${c.body.id}/promotions`, {
    selector: { kind: 'products', product_ids: ['P1'] }, mechanic: { type: 'percent_off', percent: 15 },
  });
  await hub.api(token, 'POST', `/api/v1/campaigns/${c.body.id}/transitions`, { to: 'submitted' });
  const approved = await hub.api(token, 'POST', `/api/v1/campaigns/${c.body.id}/transitions`, {
    to: 'approved', override_reason: 'aperçu des modèles',
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));

  const { context, page, events } = await watchedPage(browser, hub.url);
  await signIn(page, hub.url, 'editor@example.com');
  await page.getByRole('link', { name: 'Modèles' }).click();
  await page.locator('ul.templates a').first().click();
  const area = page.getByLabel(/\(JSON\)$/);
  await area.waitFor();
  const original = await area.inputValue();
  // JSON is not prose: no spelling marks under it.
  assert.equal(await area.evaluate((el) => el.spellcheck), false);
  const broken = JSON.parse(original);
  broken.layouts = 5;
  await replaceText(area, JSON.stringify(broken, null, 2));
  await page.getByRole('button', { name: 'Enregistrer le modèle' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  await alert.getByRole('button', { name: /^layouts/ }).first().click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'template-json');

  // The live preview draws the text being edited, unsaved: an impossible text size is named
  // by its path, once (the template is refused whole), and nothing is drawn.
  const live = page.locator('section[aria-labelledby="live-title"]');
  await replaceText(area, original);
  await live.locator('img[src^="blob:"]').first().waitFor();
  const square = JSON.parse(original);
  square.layouts.square.layers.find((l) => l.kind === 'text').size = { min: 90, max: 53 };
  await replaceText(area, JSON.stringify(square, null, 2));
  await live.getByText(/layouts\.square\.layers\[\d+\]\.size/).waitFor();
  assert.equal(await live.locator('img').count(), 0);

  await replaceText(area, original);
  await live.locator('.error').waitFor({ state: 'detached' });
  await page.waitForFunction(
    (n) => {
      const shown = [...document.querySelectorAll('section[aria-labelledby="live-title"] img')];
      return shown.length === n && shown.every((i) => i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0);
    },
    Object.keys(square.layouts).length,
    { timeout: 60000 },
  );
  await page.getByRole('button', { name: 'Enregistrer le modèle' }).click();
  await alert.waitFor({ state: 'detached' });
  const images = page.locator('.gallery img');
  await images.first().waitFor();
  await images.last().scrollIntoViewIfNeeded();
  await page.waitForFunction(
    () => [...document.querySelectorAll('.gallery img')].every((i) => i.complete && i.naturalWidth > 0),
    null,
    { timeout: 60000 },
  );
  await expectAccessible(page, 'the template editor');
  expectNothingRan(events);
  await context.close();
});
