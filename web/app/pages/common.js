// Small pieces the pages share: a problem shown in words, a loading line, a paged fetch.
import { html } from '../vendor.js';
import { t } from '../i18n.js';

export function Problem({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert">
    <p>${error.message}</p>
    ${error.problem?.errors?.length > 0 &&
    html`<ul>
      ${error.problem.errors.map(
        (e, i) => html`<li key=${i}>${e.line ? t('common.line', { line: e.line }) + ' · ' : ''}${e.field}: ${e.message}</li>`,
      )}
    </ul>`}
  </div>`;
}

export function Loading() {
  return html`<p>${t('common.loading')}</p>`;
}

// "a=1&b=" without the empty values.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined && v !== null) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}
