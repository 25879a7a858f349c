// Imports: drop (or choose) a CSV, JSON or NDJSON file of products, stores, prices or stock;
// POST /api/v1/imports/{kind}; the report with every rejected row (line, field, reason),
// downloadable as CSV.
import { html, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api, ApiError } from '../api.js';
import { count } from '../format.js';
import { Problem } from './common.js';

const KINDS = ['products', 'stores', 'prices', 'stock'];

function contentTypeOf(name) {
  if (/\.ndjson$|\.jsonl$/i.test(name)) return 'application/x-ndjson';
  if (/\.json$/i.test(name)) return 'application/json';
  return 'text/csv';
}

// The rejected rows as CSV, every cell quoted.
function rejectedCsv(report) {
  const cell = (v) => '"' + String(v ?? '').replaceAll('"', '""') + '"';
  const rows = [['line', 'id', 'field', 'reason'], ...report.errors.map((e) => [e.line, e.id, e.field, e.reason])];
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

async function send(kind, file) {
  const response = await fetch(`/api/v1/imports/${kind}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': contentTypeOf(file.name), Accept: 'application/json' },
    body: file,
  });
  const body = await response.json().catch(() => null);
  // 422: nothing committed (strict), the report still lists the rows.
  if (!response.ok && !(body && Array.isArray(body.errors) && 'rows_read' in body)) {
    throw new ApiError(response.status, body);
  }
  return body;
}

export function Imports() {
  const [kind, setKind] = useState('products');
  const [report, setReport] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [over, setOver] = useState(false);
  const [download, setDownload] = useState(null);
  async function importFile(file) {
    if (!file) return;
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      const r = await send(kind, file);
      setReport({ ...r, file: file.name });
      if (download) URL.revokeObjectURL(download);
      setDownload(URL.createObjectURL(new Blob([rejectedCsv(r)], { type: 'text/csv' })));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return html`<h1>${t('nav.imports')}</h1>
    <form class="grid" onSubmit=${(e) => e.preventDefault()}>
      <label for="kind">${t('imports.kind')}</label>
      <select id="kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>
        ${KINDS.map((k) => html`<option key=${k} value=${k}>${t('imports.kind.' + k)}</option>`)}
      </select>
      <div class=${'drop' + (over ? ' over' : '')}
        onDragOver=${(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave=${() => setOver(false)}
        onDrop=${(e) => { e.preventDefault(); setOver(false); importFile(e.dataTransfer.files[0]); }}>
        <p>${t('imports.drop')}</p>
        <label for="file">${t('imports.choose')}</label>
        <input id="file" type="file" accept=".csv,.tsv,.txt,.json,.ndjson,.jsonl"
          onChange=${(e) => importFile(e.target.files[0])} disabled=${busy} />
      </div>
    </form>
    ${busy && html`<p role="status">${t('imports.busy')}</p>`}
    <${Problem} error=${error} />
    ${report &&
    html`<section aria-labelledby="report-title" aria-live="polite">
      <h2 id="report-title">${t('imports.report', { file: report.file })}</h2>
      <p>${t('imports.summary', {
        read: count(report.rows_read), inserted: count(report.inserted), updated: count(report.updated),
        unchanged: count(report.unchanged), rejected: count(report.rejected),
      })}${report.committed ? '' : ' ' + t('imports.not_committed')}</p>
      ${report.errors.length > 0 &&
      html`<p><a href=${download} download=${report.file.replace(/\.\w+$/, '') + '-rejected.csv'}>${t('imports.download')}</a></p>
        <table class="list">
          <caption>${t('imports.rejected', { n: report.errors.length })}</caption>
          <thead><tr>
            <th scope="col">${t('imports.line')}</th>
            <th scope="col">${t('imports.id')}</th>
            <th scope="col">${t('imports.field')}</th>
            <th scope="col">${t('imports.reason')}</th>
          </tr></thead>
          <tbody>
            ${report.errors.map(
              (e, i) => html`<tr key=${i}><td>${e.line}</td><td>${e.id ?? ''}</td><td>${e.field}</td><td>${e.reason}</td></tr>`,
            )}
          </tbody>
        </table>`}
      ${report.errors_not_listed > 0 && html`<p>${t('imports.not_listed', { n: count(report.errors_not_listed) })}</p>`}
    </section>`}`;
}
