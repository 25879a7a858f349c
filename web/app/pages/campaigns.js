// Campaigns: the list (GET /api/v1/campaigns, filtered by status), a week calendar with each
// campaign's span, and the creation form (editors and above: POST /api/v1/campaigns).
import { html, useEffect, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { dateTime } from '../format.js';

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

function Calendar({ campaigns }) {
  const [offset, setOffset] = useState(0);
  const anchor = new Date();
  anchor.setDate(anchor.getDate() + 7 * offset);
  const days = weekOf(anchor);
  // A campaign covers a day when it starts before the day's end and ends after its start.
  const covers = (c, day) => c.start.slice(0, 10) <= day && c.end > day + 'T00:00';
  const shown = campaigns.filter((c) => days.some((day) => covers(c, day)));
  return html`<section aria-labelledby="calendar-title">
    <h2 id="calendar-title">${t('campaigns.calendar', { from: days[0], to: days[6] })}</h2>
    <div class="toolbar">
      <button type="button" onClick=${() => setOffset(offset - 1)}>${t('calendar.previous')}</button>
      <button type="button" onClick=${() => setOffset(0)}>${t('calendar.this')}</button>
      <button type="button" onClick=${() => setOffset(offset + 1)}>${t('calendar.next')}</button>
    </div>
    <table class="calendar">
      <thead>
        <tr>
          <th scope="col">${t('campaigns.name')}</th>
          ${days.map((day) => html`<th scope="col" key=${day}>${day.slice(5)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${shown.length === 0 &&
        html`<tr><td colspan="8">${t('calendar.empty')}</td></tr>`}
        ${shown.map(
          (c) => html`<tr key=${c.id}>
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
