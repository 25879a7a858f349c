// Creative templates: the list, a template's JSON to edit (PUT /api/v1/templates/{id}: the
// server validates it and names every error by its JSON path; a click on an error selects that
// place in the text), and a preview of a published offer in every format with this template.
import { html, useEffect, useRef, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { Problem, Loading } from './common.js';

// Where the last key of a JSON path ("layouts.square.layers[2].font_size") is in `text`.
function placeOf(text, path) {
  const keys = path.split(/[.[\]]+/).filter((k) => k && !/^\d+$/.test(k));
  let at = 0;
  for (const key of keys) {
    const found = text.indexOf(`"${key}"`, at);
    if (found < 0) break;
    at = found;
  }
  return at;
}

function Preview({ template, saved }) {
  const [offer, setOffer] = useState(null);
  const [formats, setFormats] = useState([]);
  useEffect(() => {
    // Offers are published per store: the first store's first offer.
    api('GET', '/api/v1/stores?limit=1')
      .then((stores) => api('GET', `/api/v1/offers?store=${encodeURIComponent(stores.items[0]?.id ?? '')}&limit=1`))
      .then((p) => setOffer(p.items[0] ?? null))
      .catch(() => setOffer(null));
    api('GET', '/api/v1/formats').then((p) => setFormats(p.items)).catch(() => setFormats([]));
  }, []);
  if (!offer) return html`<p>${t('templates.no_offer')}</p>`;
  const q = `store=${encodeURIComponent(offer.store_id)}&template=${encodeURIComponent(template)}`;
  return html`<section aria-labelledby="preview-title">
    <h2 id="preview-title">${t('templates.preview', { product: offer.product_id, store: offer.store_id })}</h2>
    <div class="gallery" key=${saved}>
      ${formats.map(
        (f) => html`<figure key=${f.name}>
          <img src=${`/creatives/${encodeURIComponent(offer.offer_id)}/${encodeURIComponent(f.name)}.png?${q}`} loading="lazy"
            width=${Math.min(f.width, 200)} height=${Math.round((Math.min(f.width, 200) * f.height) / f.width)}
            alt=${t('offers.creative_alt', { format: f.name, product: offer.product_id })} />
          <figcaption>${f.name}</figcaption>
        </figure>`,
      )}
    </div>
  </section>`;
}

function Editor({ id }) {
  const [text, setText] = useState(null);
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(0);
  const area = useRef(null);
  useEffect(() => {
    api('GET', `/api/v1/templates/${encodeURIComponent(id)}`)
      .then((tpl) => setText(JSON.stringify(tpl, null, 2)))
      .catch(setError);
  }, [id]);
  async function save(event) {
    event.preventDefault();
    let body;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setError({ message: t('templates.not_json', { reason: e.message }), problem: {} });
      return;
    }
    try {
      const tpl = await api('PUT', `/api/v1/templates/${encodeURIComponent(id)}`, body);
      setText(JSON.stringify(tpl, null, 2));
      setError(null);
      setSaved((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  }
  function show(path) {
    const at = placeOf(text, path);
    area.current.focus();
    area.current.setSelectionRange(at, at + path.split('.').pop().length + 2);
  }
  if (text === null) return error ? html`<${Problem} error=${error} />` : html`<${Loading} />`;
  return html`<form class="grid wide" onSubmit=${save}>
      <label for="template-json">${t('templates.json', { id })}</label>
      <textarea id="template-json" ref=${area} rows="24" spellcheck="false" readOnly=${!can('editor')}
        value=${text} onInput=${(e) => setText(e.target.value)}></textarea>
      ${error &&
      html`<div class="error" role="alert">
        <p>${error.message}</p>
        <ul>
          ${(error.problem?.errors ?? []).map(
            (e, i) => html`<li key=${i}><button type="button" class="link" onClick=${() => show(e.field)}>${e.field}${e.line ? ' (' + t('common.line', { line: e.line }) + ')' : ''}</button> : ${e.message}</li>`,
          )}
        </ul>
      </div>`}
      ${can('editor') && html`<button type="submit">${t('templates.save')}</button>`}
    </form>
    <${Preview} template=${id} saved=${saved} />`;
}

export function Templates({ parts }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/templates').then((p) => setItems(p.items)).catch(setError);
  }, []);
  const id = parts?.[0];
  return html`<h1>${t('nav.templates')}</h1>
    <${Problem} error=${error} />
    ${items === null
      ? html`<${Loading} />`
      : html`<ul class="templates">
          ${items.map(
            (tpl) => html`<li key=${tpl.id}>
              <a href=${'#/templates/' + encodeURIComponent(tpl.id)} aria-current=${tpl.id === id ? 'page' : undefined}>${tpl.name ?? tpl.id}</a>
              <span class="hint"> · ${tpl.id} · v${tpl.version}</span>
            </li>`,
          )}
        </ul>`}
    ${id && html`<${Editor} key=${id} id=${id} />`}`;
}
