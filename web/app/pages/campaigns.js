// Campaigns: the list (GET /api/v1/campaigns, filtered by status), a week calendar with each
// campaign's span, and the creation form (editors and above: POST /api/v1/campaigns).
import { html, useEffect, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { dateTime, dateOnly, weekday } from '../format.js';

const STATUSES = ['draft', 'submitted', 'approved', 'rejected', 'archived'];
const CHANNELS = ['google', 'meta', 'leaflet', 'csv'];

// Monday 00:00 of the week holding `day`, as "YYYY-MM-DD" strings of its seven days.
function weekOf(day) {
  const monday = new Date(Date.UTC(day.getFullYear(), day.getMonth(), day.getDate()));
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  return Array.from({ length: 7 }, (_, i) => {
    const d = new Date(monday);
    d.setUTCDate(d.getUTCDate() + i);
    return d.toISOString().slice(0, 10);
  });
}

// The price zones a campaign covers, from its store scope and the stores.
function zonesOf(campaign, stores) {
  const scope = campaign.scope ?? { kind: 'all' };
  const ids = new Set((scope.ids ?? []).map((i) => i.toLowerCase()));
  const covered = stores.filter((s) =>
    scope.kind === 'all' ? true
      : scope.kind === 'zones' ? ids.has(s.price_zone.toLowerCase())
        : scope.kind === 'banners' ? ids.has((s.banner ?? '').toLowerCase())
          : ids.has(s.id.toLowerCase()));
  return [...new Set(covered.map((s) => s.price_zone))].sort();
}

// A week, one row per price zone and campaign: each campaign's span in each zone it covers
// (dates are on each store's wall clock, so a span reads the same in every zone).
function Calendar({ campaigns }) {
  const [offset, setOffset] = useState(0);
  const [stores, setStores] = useState([]);
  useEffect(() => {
    api('GET', '/api/v1/stores?limit=500').then((p) => setStores(p.items)).catch(() => setStores([]));
  }, []);
  const anchor = new Date();
  anchor.setDate(anchor.getDate() + 7 * offset);
  const days = weekOf(anchor);
  // A campaign covers a day when it starts before the day's end and ends after its start.
  const covers = (c, day) => c.start.slice(0, 10) <= day && c.end > day + 'T00:00';
  const shown = campaigns.filter((c) => c.status !== 'archived' && days.some((day) => covers(c, day)));
  const rows = [];
  for (const c of shown) {
    const zones = zonesOf(c, stores);
    for (const zone of zones.length ? zones : ['—']) rows.push({ zone, c });
  }
  rows.sort((a, b) => a.zone.localeCompare(b.zone) || a.c.start.localeCompare(b.c.start));
  return html`<section aria-labelledby="calendar-title">
    <h2 id="calendar-title">${t('campaigns.calendar', { from: dateOnly(days[0]), to: dateOnly(days[6]) })}</h2>
    <div class="toolbar">
      <button type="button" onClick=${() => setOffset(offset - 1)}>${t('calendar.previous')}</button>
      <button type="button" onClick=${() => setOffset(0)}>${t('calendar.this')}</button>
      <button type="button" onClick=${() => setOffset(offset + 1)}>${t('calendar.next')}</button>
    </div>
    <table class="calendar">
      <thead>
        <tr>
          <th scope="col">${t('stores.zone')}</th>
          <th scope="col">${t('campaigns.name')}</th>
          ${days.map((day) => html`<th scope="col" key=${day}>${weekday(day)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${rows.length === 0 && html`<tr><td colspan="9">${t('calendar.empty')}</td></tr>`}
        ${rows.map(
          ({ zone, c }) => html`<tr key=${zone + c.id}>
            <td>${zone}</td>
            <th scope="row"><a href=${'#/campaigns/' + c.id}>${c.name}</a></th>
            ${days.map(
              (day) => html`<td key=${day} class=${covers(c, day) ? 'on ' + c.effective_status : ''}>
                ${covers(c, day) ? html`<span class="visually-hidden">${t('calendar.running')}</span>` : ''}
              </td>`,
            )}
          </tr>`,
        )}
      </tbody>
    </table>
  </section>`;
}

function NewCampaign({ onCreated }) {
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      const created = await api('POST', '/api/v1/campaigns', {
        name: form.get('name'),
        start: form.get('start'),
        end: form.get('end'),
        channels: form.getAll('channels'),
      });
      event.target.reset();
      setError(null);
      onCreated(created);
    } catch (e) {
      setError(e);
    }
  }
  return html`<section aria-labelledby="new-title">
    <h2 id="new-title">${t('campaigns.new')}</h2>
    <form onSubmit=${submit} class="grid">
      <label for="c-name">${t('campaigns.name')}</label>
      <input id="c-name" name="name" required maxlength="200" />
      <label for="c-start">${t('campaigns.start')}</label>
      <input id="c-start" name="start" type="datetime-local" required />
      <label for="c-end">${t('campaigns.end')}</label>
      <input id="c-end" name="end" type="datetime-local" required />
      <fieldset>
        <legend>${t('campaigns.channels')}</legend>
        ${CHANNELS.map(
          (ch) => html`<label key=${ch}><input type="checkbox" name="channels" value=${ch} checked=${ch === 'google'} /> ${t('channel.' + ch)}</label>`,
        )}
      </fieldset>
      ${error &&
      html`<div class="error" role="alert">
        <p>${error.message}</p>
        ${error.problem?.errors?.length > 0 &&
        html`<ul>${error.problem.errors.map((e, i) => html`<li key=${i}>${e.field}: ${e.message}</li>`)}</ul>`}
      </div>`}
      <button type="submit">${t('campaigns.create')}</button>
    </form>
  </section>`;
}

export function Campaigns() {
  const [status, setStatus] = useState('');
  const [items, setItems] = useState(null);
  const [error, setError] = useState('');
  async function load() {
    try {
      const page = await api('GET', '/api/v1/campaigns?limit=200' + (status ? '&status=' + status : ''));
      setItems(page.items);
      setError('');
    } catch (e) {
      setError(e.message);
    }
  }
  useEffect(() => {
    load();
  }, [status]);
  return html`<h1>${t('nav.campaigns')}</h1>
    <div class="toolbar">
      <label for="status-filter">${t('campaigns.status')}</label>
      <select id="status-filter" value=${status} onChange=${(e) => setStatus(e.target.value)}>
        <option value="">${t('common.all')}</option>
        ${STATUSES.map((s) => html`<option key=${s} value=${s}>${t('status.' + s)}</option>`)}
      </select>
    </div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${items === null
      ? html`<p>${t('common.loading')}</p>`
      : html`<table class="list">
          <caption>${t('campaigns.count', { n: items.length })}</caption>
          <thead>
            <tr>
              <th scope="col">${t('campaigns.name')}</th>
              <th scope="col">${t('campaigns.start')}</th>
              <th scope="col">${t('campaigns.end')}</th>
              <th scope="col">${t('campaigns.channels')}</th>
              <th scope="col">${t('campaigns.status')}</th>
            </tr>
          </thead>
          <tbody>
            ${items.map(
              (c) => html`<tr key=${c.id}>
                <td><a href=${'#/campaigns/' + c.id}>${c.name}</a></td>
                <td>${dateTime(c.start)}</td>
                <td>${dateTime(c.end)}</td>
                <td>${c.channels.map((ch) => t('channel.' + ch)).join(', ')}</td>
                <td><span class=${'status ' + c.effective_status}>${t('status.' + c.effective_status)}</span></td>
              </tr>`,
            )}
          </tbody>
        </table>
        <${Calendar} campaigns=${items} />`}
    ${can('editor') && html`<${NewCampaign} onCreated=${load} />`}`;
}
