// The catalogue's products: search (the API's accent-insensitive `q`) with brand and category
// filters; a product's page with its price history as a chart (per store), its stock per
// store and the published offers it is in.
import { html, useEffect, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { euros, dateTime, count } from '../format.js';
import { Chart } from '../chart.js';
import { Problem, Loading, query } from './common.js';

export function Products() {
  const [filters, setFilters] = useState({ q: '', brand: '', category: '' });
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/products' + query({ ...filters, limit: 50 }))
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch(setError);
  }, [filters]);
  function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setFilters({ q: form.get('q').trim(), brand: form.get('brand').trim(), category: form.get('category').trim() });
  }
  return html`<h1>${t('nav.products')}</h1>
    <form class="filters" role="search" onSubmit=${submit}>
      <label for="q">${t('products.search')}</label>
      <input id="q" name="q" type="search" />
      <label for="brand">${t('products.brand')}</label>
      <input id="brand" name="brand" />
      <label for="category">${t('products.category')}</label>
      <input id="category" name="category" />
      <button type="submit">${t('common.search')}</button>
    </form>
    <${Problem} error=${error} />
    ${page === null
      ? html`<${Loading} />`
      : html`<table class="list">
          <caption>${t('products.count', { n: count(page.items.length) })}${page.next_cursor ? ' +' : ''}</caption>
          <thead><tr>
            <th scope="col">${t('products.id')}</th>
            <th scope="col">${t('products.title')}</th>
            <th scope="col">${t('products.brand')}</th>
            <th scope="col">${t('products.category')}</th>
          </tr></thead>
          <tbody>
            ${page.items.map(
              (p) => html`<tr key=${p.id}>
                <td>${p.id}</td>
                <td><a href=${'#/products/' + encodeURIComponent(p.id)}>${p.title}</a></td>
                <td>${p.brand}</td>
                <td>${p.category}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}`;
}

function PriceHistory({ product, stores }) {
  const [store, setStore] = useState(stores[0]?.id ?? '');
  const [history, setHistory] = useState(null);
  useEffect(() => {
    api('GET', `/api/v1/products/${encodeURIComponent(product.id)}/price-history` + query({ store }))
      .then(setHistory)
      .catch(() => setHistory(null));
  }, [product.id, store]);
  // A step line: each applied price from its start, held until the next.
  let data = null;
  if (history) {
    const points = history.store_id ? history.applied : history.entries.map((e) => ({ from: e.effective_from, amount_minor: e.amount_minor }));
    const xs = [];
    const ys = [];
    for (const p of points) {
      xs.push(Date.parse(p.from) / 1000);
      ys.push(p.amount_minor / 100);
    }
    if (xs.length) {
      xs.push(Date.now() / 1000);
      ys.push(ys[ys.length - 1]);
    }
    data = [xs, ys];
  }
  return html`<section aria-labelledby="history-title">
    <h2 id="history-title">${t('product.price_history')}</h2>
    <label for="history-store">${t('product.store')}</label>
    <select id="history-store" value=${store} onChange=${(e) => setStore(e.target.value)}>
      ${stores.map((s) => html`<option key=${s.id} value=${s.id}>${s.name} (${s.price_zone})</option>`)}
    </select>
    ${data && data[0].length
      ? html`<${Chart} title=${t('product.price_chart', { title: product.title })} data=${data}
          series=${[{ label: t('product.price'), paths: undefined }]} valueFormat=${euros} />
        <table class="list">
          <caption>${t('product.applied')}</caption>
          <thead><tr><th scope="col">${t('product.from')}</th><th scope="col">${t('product.price')}</th><th scope="col">${t('product.level')}</th></tr></thead>
          <tbody>
            ${(history.applied ?? []).map(
              (a, i) => html`<tr key=${i}><td>${dateTime(a.from)}</td><td>${euros(a.amount_minor / 100)}</td><td>${a.level}</td></tr>`,
            )}
          </tbody>
        </table>`
      : html`<p>${t('product.no_prices')}</p>`}
  </section>`;
}

export function ProductPage({ id }) {
  const [product, setProduct] = useState(null);
  const [stores, setStores] = useState([]);
  const [stock, setStock] = useState(null);
  const [offers, setOffers] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    const pid = encodeURIComponent(id);
    api('GET', `/api/v1/products/${pid}`).then(setProduct).catch(setError);
    api('GET', '/api/v1/stores?limit=500').then((p) => setStores(p.items)).catch(() => setStores([]));
    api('GET', `/api/v1/stock?product=${pid}&limit=500`).then((p) => setStock(p.items)).catch(() => setStock([]));
    api('GET', `/api/v1/offers?product=${pid}&limit=100`).then((p) => setOffers(p.items)).catch(() => setOffers([]));
  }, [id]);
  if (error) return html`<${Problem} error=${error} />`;
  if (!product) return html`<${Loading} />`;
  const storeName = Object.fromEntries(stores.map((s) => [s.id, s.name]));
  return html`<p><a href="#/products">${t('product.back')}</a></p>
    <h1>${product.title}</h1>
    <dl class="facts">
      <dt>${t('products.id')}</dt><dd>${product.id}</dd>
      <dt>GTIN</dt><dd>${product.gtin ?? '—'}</dd>
      <dt>${t('products.brand')}</dt><dd>${product.brand || '—'}</dd>
      <dt>${t('products.category')}</dt><dd>${product.category || '—'}</dd>
      <dt>${t('product.net_quantity')}</dt><dd>${product.net_quantity || '—'}</dd>
    </dl>
    ${stores.length > 0 && html`<${PriceHistory} product=${product} stores=${stores} />`}
    <section aria-labelledby="stock-title">
      <h2 id="stock-title">${t('product.stock')}</h2>
      ${stock === null
        ? html`<${Loading} />`
        : html`<table class="list">
            <thead><tr>
              <th scope="col">${t('product.store')}</th>
              <th scope="col">${t('product.quantity')}</th>
              <th scope="col">${t('product.availability')}</th>
              <th scope="col">${t('product.measured_at')}</th>
            </tr></thead>
            <tbody>
              ${stock.map(
                (s) => html`<tr key=${s.store_id}>
                  <td>${storeName[s.store_id] ?? s.store_id}</td>
                  <td>${count(s.quantity)}</td>
                  <td>${t('availability.' + s.availability)}</td>
                  <td>${dateTime(s.measured_at)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    </section>
    <section aria-labelledby="offers-title">
      <h2 id="offers-title">${t('product.offers')}</h2>
      ${offers === null
        ? html`<${Loading} />`
        : offers.length === 0
          ? html`<p>${t('product.no_offers')}</p>`
          : html`<table class="list">
              <thead><tr>
                <th scope="col">${t('product.store')}</th>
                <th scope="col">${t('nav.campaigns')}</th>
                <th scope="col">${t('product.offer_text')}</th>
                <th scope="col">${t('product.channels')}</th>
              </tr></thead>
              <tbody>
                ${offers.map(
                  (o) => html`<tr key=${o.offer_id + o.store_id}>
                    <td>${storeName[o.store_id] ?? o.store_id}</td>
                    <td><a href=${'#/campaigns/' + encodeURIComponent(o.campaign_id)}>${o.campaign_id}</a></td>
                    <td>${o.texts?.headline ?? ''} ${o.texts?.badge ? '(' + o.texts.badge + ')' : ''}</td>
                    <td>${(o.channels ?? []).join(', ')}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`}
    </section>`;
}
