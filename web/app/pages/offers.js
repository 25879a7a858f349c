// A campaign's published offers in one store (GET /api/v1/offers?campaign=&store=), the
// explanation of any of them (…/explain: every candidate promotion and price step), and the
// creatives of a chosen offer in every format (/creatives/{offer}/{format}.png). With
// `preview`, the offers the campaign would publish if it were approved now, before approval
// (GET /api/v1/campaigns/{id}/preview?store=: each with its explanation) and their creatives
// (…/preview/creatives/{offer}/{format}.png), which the public /creatives/ URLs do not serve.
import { html, useEffect, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { euros } from '../format.js';
import { Problem, Loading } from './common.js';

const money = (s) => (s ? euros(Number(String(s).replace(/\s*EUR$/, ''))) : '—');

function Explanation({ offer }) {
  const [explain, setExplain] = useState(offer.explain ?? null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (offer.explain) return setExplain(offer.explain);  // a preview carries its own
    api('GET', `/api/v1/offers/${encodeURIComponent(offer.offer_id)}/explain?store=${encodeURIComponent(offer.store_id)}`)
      .then(setExplain)
      .catch(setError);
  }, [offer.offer_id, offer.store_id, offer.explain]);
  if (error) return html`<${Problem} error=${error} />`;
  if (!explain) return html`<${Loading} />`;
  return html`<div class="explain">
    <h4>${t('offers.explain_of', { product: offer.product_id, store: offer.store_id })}</h4>
    <ul>
      ${(explain.candidates ?? []).map(
        (c, i) => html`<li key=${i}>
          <strong>${c.promotion_id}</strong> (${c.campaign_id}) : ${c.outcome}
          ${c.reason ? html` — ${typeof c.reason === 'string' ? c.reason : JSON.stringify(c.reason)}` : ''}
          ${Array.isArray(c.steps) &&
          html`<ol>${c.steps.map((s, j) => html`<li key=${j}>${typeof s === 'string' ? s : JSON.stringify(s)}</li>`)}</ol>`}
        </li>`,
      )}
    </ul>
    <details>
      <summary>${t('offers.explain_raw')}</summary>
      <pre>${JSON.stringify(explain, null, 2)}</pre>
    </details>
  </div>`;
}

// `base`: where the creatives of the offer are, /creatives or a campaign's preview.
function Creatives({ offer, formats, base }) {
  return html`<div class="gallery">
    ${formats.map(
      (f) => html`<figure key=${f.name}>
        <img src=${`${base}/${encodeURIComponent(offer.offer_id)}/${encodeURIComponent(f.name)}.png?store=${encodeURIComponent(offer.store_id)}`} loading="lazy"
          width=${Math.min(f.width, 240)} height=${Math.round((Math.min(f.width, 240) * f.height) / f.width)}
          alt=${t('offers.creative_alt', { format: f.name, product: offer.product_id })} />
        <figcaption>${f.name} · ${f.width}×${f.height}</figcaption>
      </figure>`,
    )}
  </div>`;
}

// `loaded` changes whenever the editor reloads the campaign (a promotion added changes what
// it publishes, not the campaign's own version).
export function CampaignOffers({ campaign, preview = false, loaded = 0 }) {
  const [stores, setStores] = useState([]);
  const [store, setStore] = useState('');
  const [offers, setOffers] = useState(null);
  const [formats, setFormats] = useState([]);
  const [chosen, setChosen] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/stores?limit=500').then((p) => {
      setStores(p.items);
      setStore((s) => s || p.items[0]?.id || '');
    }).catch(setError);
    api('GET', '/api/v1/formats').then((p) => setFormats(p.items)).catch(() => setFormats([]));
  }, [campaign.id]);
  useEffect(() => {
    if (!store) return;
    setChosen(null);
    setOffers(null);
    const campaignId = encodeURIComponent(campaign.id);
    const storeId = encodeURIComponent(store);
    api('GET', preview
      ? `/api/v1/campaigns/${campaignId}/preview?store=${storeId}&limit=50`
      : `/api/v1/offers?campaign=${campaignId}&store=${storeId}&limit=50`)
      .then((p) => setOffers(p.items))
      .catch(setError);
  }, [campaign.id, store, campaign.version, preview, loaded]);
  const kind = preview ? 'preview' : 'offers';
  const base = preview ? `/api/v1/campaigns/${encodeURIComponent(campaign.id)}/preview/creatives` : '/creatives';
  return html`<section aria-labelledby=${kind + '-title'}>
    <h2 id=${kind + '-title'}>${t(preview ? 'offers.preview_title' : 'offers.title')}</h2>
    ${preview && html`<p class="hint">${t('offers.preview_hint')}</p>`}
    <label for=${kind + '-store'}>${t('product.store')}</label>
    <select id=${kind + '-store'} value=${store} onChange=${(e) => setStore(e.target.value)}>
      ${stores.map((s) => html`<option key=${s.id} value=${s.id}>${s.name}</option>`)}
    </select>
    <${Problem} error=${error} />
    ${offers === null
      ? html`<${Loading} />`
      : offers.length === 0
        ? html`<p>${t(preview ? 'offers.preview_none' : 'offers.none')}</p>`
        : html`<table class="list">
            <caption>${t('offers.count', { n: offers.length })}</caption>
            <thead><tr>
              <th scope="col">${t('products.id')}</th>
              <th scope="col">${t('offers.headline')}</th>
              <th scope="col">${t('offers.regular')}</th>
              <th scope="col">${t('offers.shelf')}</th>
              <th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th>
            </tr></thead>
            <tbody>
              ${offers.map(
                (o) => html`<tr key=${o.offer_id} class=${chosen?.offer_id === o.offer_id ? 'selected' : ''}>
                  <td><a href=${'#/products/' + encodeURIComponent(o.product_id)}>${o.product_id}</a></td>
                  <td>${o.texts?.headline ?? ''}</td>
                  <td>${money(o.prices?.regular)}</td>
                  <td>${money(o.prices?.shelf)}</td>
                  <td><button type="button" class="secondary" aria-label=${t('offers.show_named', { product: o.product_id })}
                    onClick=${() => setChosen(o)}>${t('offers.show')}</button></td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    ${chosen && html`<${Explanation} offer=${chosen} /><${Creatives} offer=${chosen} formats=${formats} base=${base} />`}
  </section>`;
}

// One store's promoted offers in one state of availability (GET /api/v1/offers?store=&availability=),
// the list the dashboard's counts link to: #/offers/S001/out_of_stock.
export function StoreOffers({ parts }) {
  const [store, availability = 'out_of_stock'] = parts;
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setPage(null);
    api('GET', `/api/v1/offers?store=${encodeURIComponent(store)}&availability=${encodeURIComponent(availability)}&limit=200`)
      .then(setPage)
      .catch(setError);
  }, [store, availability]);
  const title = t('offers.in_store_' + (availability === 'limited' ? 'limited' : 'out_of_stock'), { store });
  return html`<h1>${title}</h1>
    <p><a href="#/dashboard">${t('offers.back_to_dashboard')}</a></p>
    <${Problem} error=${error} />
    ${page === null
      ? !error && html`<${Loading} />`
      : page.items.length === 0
        ? html`<p>${t('offers.none')}</p>`
        : html`<table class="list">
            <caption>${t('offers.count', { n: page.items.length })}${page.next_cursor ? ' +' : ''}</caption>
            <thead><tr>
              <th scope="col">${t('products.id')}</th>
              <th scope="col">${t('offers.headline')}</th>
              <th scope="col">${t('offers.campaign')}</th>
              <th scope="col" class="num">${t('offers.quantity')}</th>
              <th scope="col">${t('offers.shelf')}</th>
            </tr></thead>
            <tbody>
              ${page.items.map(
                (o) => html`<tr key=${o.offer_id}>
                  <td><a href=${'#/products/' + encodeURIComponent(o.product_id)}>${o.product_id}</a></td>
                  <td>${o.texts?.headline ?? ''}</td>
                  <td><a href=${'#/campaigns/' + encodeURIComponent(o.campaign_id)}>${o.campaign_id}</a></td>
                  <td class="num">${o.stock?.quantity ?? '—'}</td>
                  <td>${money(o.prices?.shelf)}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}`;
}
