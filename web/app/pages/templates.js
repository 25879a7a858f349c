// Creative templates: the list, a template's JSON to edit (PUT /api/v1/templates/{id}: the
// server validates it and names every error by its JSON path; a click on an error selects that
// place in the text), a live preview of the text being edited (POST …/preview, drawn for a
// chosen published offer in every format the text lays out, half a second after the last
// keystroke), and the saved template's creatives of that offer.
import { html, useEffect, useRef, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api, apiImage } from '../api.js';
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

const thumbWidth = (f, max) => Math.min(f.width, max);
const thumbHeight = (f, max) => Math.round((thumbWidth(f, max) * f.height) / f.width);

// The offers a preview can show: a store's first published offers, one to choose.
function useOffers() {
  const [offers, setOffers] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/stores?limit=1')
      .then((stores) => api('GET', `/api/v1/offers?store=${encodeURIComponent(stores.items[0]?.id ?? '')}&limit=20`))
      .then((p) => setOffers(p.items))
      .catch(() => setOffers([]));
  }, []);
  return offers;
}

const INVALID = ' invalid';  // not a format name
const describe = (error) =>
  [error.message, ...(error.problem?.errors ?? []).map((e) => `${e.field} : ${e.message}`)].join(' · ');

// The text being edited drawn in every format it has a layout for, without saving it.
function LivePreview({ template, text, offer, formats }) {
  const [drawn, setDrawn] = useState({});  // format name → { url } or { error }
  const urls = useRef([]);
  useEffect(() => () => urls.current.forEach((u) => URL.revokeObjectURL(u)), []);
  useEffect(() => {
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      return undefined;  // the form says why it is not JSON
    }
    const layouts = body && typeof body.layouts === 'object' && body.layouts !== null ? body.layouts : {};
    const laidOut = formats.filter((f) => Object.hasOwn(layouts, f.name));
    let stale = false;
    const timer = setTimeout(async () => {
      const next = {};
      const made = [];
      await Promise.all(laidOut.map(async (f) => {
        const q = `offer=${encodeURIComponent(offer.offer_id)}&store=${encodeURIComponent(offer.store_id)}&format=${encodeURIComponent(f.name)}`;
        try {
          const blob = await apiImage(`/api/v1/templates/${encodeURIComponent(template)}/preview?${q}`, body);
          const url = URL.createObjectURL(blob);
          made.push(url);
          next[f.name] = { url };
        } catch (e) {
          next[f.name] = { error: e };
        }
      }));
      if (stale) return made.forEach((u) => URL.revokeObjectURL(u));
      urls.current.forEach((u) => URL.revokeObjectURL(u));
      urls.current = made;
      // An invalid template (400) is refused whole, the same for every format: said once.
      // A text that cannot fit (422) is one layout's, said under that format.
      const invalid = Object.values(next).find((d) => d.error?.status === 400);
      setDrawn(invalid ? { [INVALID]: invalid } : next);
    }, 500);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [template, text, offer.offer_id, offer.store_id, formats]);
  const invalid = drawn[INVALID]?.error;
  return html`<section aria-labelledby="live-title">
    <h2 id="live-title">${t('templates.live')}</h2>
    ${invalid && html`<p class="error">${t('templates.live_error', { reason: describe(invalid) })}</p>`}
    <div class="gallery" aria-live="polite">
      ${formats.filter((f) => drawn[f.name]).map((f) => {
        const d = drawn[f.name];
        return html`<figure key=${f.name}>
          ${d.url
            ? html`<img src=${d.url} width=${thumbWidth(f, 200)} height=${thumbHeight(f, 200)}
                alt=${t('offers.creative_alt', { format: f.name, product: offer.product_id })} />`
            : html`<p class="error">${t('templates.live_error', { reason: describe(d.error) })}</p>`}
          <figcaption>${f.name}</figcaption>
        </figure>`;
      })}
    </div>
  </section>`;
}

// The saved template's creatives of the offer, as platforms fetch them.
function SavedPreview({ template, saved, offer, formats }) {
  const q = `store=${encodeURIComponent(offer.store_id)}&template=${encodeURIComponent(template)}`;
  return html`<section aria-labelledby="preview-title">
    <h2 id="preview-title">${t('templates.preview', { product: offer.product_id, store: offer.store_id })}</h2>
    <div class="gallery" key=${saved}>
      ${formats.map(
        (f) => html`<figure key=${f.name}>
          <img src=${`/creatives/${encodeURIComponent(offer.offer_id)}/${encodeURIComponent(f.name)}.png?${q}`} loading="lazy"
            width=${thumbWidth(f, 200)} height=${thumbHeight(f, 200)}
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
  const offers = useOffers();
  const [chosen, setChosen] = useState('');
  const [formats, setFormats] = useState([]);
  useEffect(() => {
    api('GET', `/api/v1/templates/${encodeURIComponent(id)}`)
      .then((tpl) => setText(JSON.stringify(tpl, null, 2)))
      .catch(setError);
    api('GET', '/api/v1/formats').then((p) => setFormats(p.items)).catch(() => setFormats([]));
  }, [id]);
  const offer = offers?.find((o) => o.offer_id === chosen) ?? offers?.[0];
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
      <textarea id="template-json" ref=${area} rows="24" spellcheck=${false} readOnly=${!can('editor')}
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
    ${offers !== null && !offer && html`<p>${t('templates.no_offer')}</p>`}
    ${offer &&
    html`<label for="template-offer">${t('templates.offer')}</label>
      <select id="template-offer" value=${offer.offer_id} onChange=${(e) => setChosen(e.target.value)}>
        ${offers.map((o) => html`<option key=${o.offer_id} value=${o.offer_id}>${o.product_id} · ${o.texts?.headline ?? o.offer_id}</option>`)}
      </select>
      <${LivePreview} template=${id} text=${text} offer=${offer} formats=${formats} />
      <${SavedPreview} template=${id} saved=${saved} offer=${offer} formats=${formats} />`}`;
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
