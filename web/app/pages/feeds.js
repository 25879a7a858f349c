// Feeds and platforms: each feed's URL, snapshot (size, items, generation) and last pull per
// platform (GET /api/v1/feeds), a sample of a feed's items as platforms find them (GET
// /api/v1/feeds/{feed}/sample: not a pull), the persistent pull log (GET /api/v1/feeds/pulls,
// filtered and paged), and for admins a platform token for a channel, shown once with the
// URL to give the platform.
import { html, useEffect, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { dateTime } from '../format.js';
import { Problem, Loading, query } from './common.js';
import { FeedTable } from './dashboard.js';

function bytes(n) {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} Mio`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} Kio`;
  return `${n} o`;
}

function PlatformToken({ feeds }) {
  // The channels the feeds serve (offers.csv, which serves them all, has none).
  const channels = [...new Set(feeds.map((f) => f.channel).filter(Boolean))];
  const [channel, setChannel] = useState(channels[0] ?? 'google');
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);
  async function create(event) {
    event.preventDefault();
    const name = new FormData(event.currentTarget).get('name').trim();
    try {
      setCreated(await api('POST', '/api/v1/tokens', { name, role: 'platform', channel }));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }
  const urls = feeds.filter((f) => f.channel === channel).map((f) => `${location.origin}${f.path}`);
  return html`<section aria-labelledby="feeds-token">
    <h2 id="feeds-token">${t('feeds.token_title')}</h2>
    <form class="inline" onSubmit=${create}>
      <label for="token-channel">${t('feeds.channel')}</label>
      <select id="token-channel" value=${channel} onChange=${(e) => setChannel(e.target.value)}>
        ${channels.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}
      </select>
      <label for="token-name">${t('feeds.token_name')}</label>
      <input id="token-name" name="name" required maxlength="100" />
      <button type="submit">${t('feeds.token_create')}</button>
    </form>
    <${Problem} error=${error} />
    ${created &&
    html`<div class="secret" role="status">
      <p>${t('feeds.token_once')}</p>
      <p><code>${created.token}</code></p>
      ${urls.length > 0 && html`<p>${t('feeds.token_urls')}</p>
        <ul>${urls.map((u) => html`<li key=${u}><code>${u}</code></li>`)}</ul>`}
    </div>`}
  </section>`;
}

function Sample({ feeds }) {
  const generated = feeds.filter((f) => f.generated_at);
  const [name, setName] = useState(generated[0]?.name ?? '');
  const [sample, setSample] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (!name) return;
    setSample(null);
    api('GET', `/api/v1/feeds/${encodeURIComponent(name)}/sample?limit=5`)
      .then((s) => {
        setSample(s);
        setError(null);
      })
      .catch(setError);
  }, [name]);
  return html`<section aria-labelledby="feeds-sample">
    <h2 id="feeds-sample">${t('feeds.sample')}</h2>
    <label for="sample-feed">${t('feeds.feed')}</label>
    <select id="sample-feed" value=${name} onChange=${(e) => setName(e.target.value)}>
      ${feeds.map((f) => html`<option key=${f.name} value=${f.name} disabled=${!f.generated_at}>${f.feed}</option>`)}
    </select>
    <${Problem} error=${error} />
    ${!name
      ? html`<p>${t('feeds.sample_none')}</p>`
      : sample === null
        ? !error && html`<${Loading} />`
        : sample.items.length === 0
          ? html`<p>${t('feeds.sample_none')}</p>`
          : html`<div class="samples">
              ${sample.items.map(
                (item, i) => html`<table class="list sample" key=${i}>
                  <caption>${t('feeds.sample_item', { n: i + 1, total: sample.items_in_feed })}</caption>
                  <tbody>
                    ${item.fields.map(
                      (f, j) => html`<tr key=${j}><th scope="row"><code>${f.name}</code></th><td>${f.value}</td></tr>`,
                    )}
                  </tbody>
                </table>`,
              )}
            </div>`}
  </section>`;
}

function PullLog({ feeds }) {
  const [filters, setFilters] = useState({ feed: '', platform: '' });
  const [cursor, setCursor] = useState('');
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/feeds/pulls' + query({ ...filters, cursor, limit: 50 }))
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch(setError);
  }, [filters, cursor]);
  function filter(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setCursor('');
    setFilters({ feed: form.get('feed'), platform: form.get('platform').trim() });
  }
  return html`<section aria-labelledby="feeds-pulls">
    <h2 id="feeds-pulls">${t('feeds.pull_log')}</h2>
    <form class="filters" onSubmit=${filter}>
      <label for="pull-feed">${t('feeds.feed')}</label>
      <select id="pull-feed" name="feed">
        <option value="">${t('common.all')}</option>
        ${feeds.map((f) => html`<option key=${f.feed} value=${f.feed}>${f.feed}</option>`)}
      </select>
      <label for="pull-platform">${t('feeds.platform')}</label>
      <input id="pull-platform" name="platform" />
      <button type="submit">${t('common.search')}</button>
    </form>
    <${Problem} error=${error} />
    ${page === null
      ? !error && html`<${Loading} />`
      : page.pulls.length === 0
        ? html`<p>${t('feeds.never_pulled')}</p>`
        : html`<table class="list">
            <thead><tr>
              <th scope="col">${t('feeds.when')}</th>
              <th scope="col">${t('feeds.feed')}</th>
              <th scope="col">${t('feeds.platform')}</th>
              <th scope="col" class="num">${t('feeds.status')}</th>
              <th scope="col" class="num">${t('feeds.bytes')}</th>
              <th scope="col">${t('feeds.version')}</th>
            </tr></thead>
            <tbody>
              ${page.pulls.map(
                (p, i) => html`<tr key=${i}>
                  <td>${dateTime(p.at)}</td>
                  <td>${p.feed}</td>
                  <td>${p.platform} <small>${p.actor}</small></td>
                  <td class="num">${p.status}</td>
                  <td class="num">${bytes(p.bytes)}</td>
                  <td class=${p.saw_latest ? 'fresh' : 'stale'}>${p.saw_latest ? t('feeds.saw_latest') : t('feeds.saw_older')}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
    ${page?.next_cursor && html`<button type="button" class="secondary" onClick=${() => setCursor(page.next_cursor)}>${t('common.more')}</button>`}
  </section>`;
}

export function Feeds() {
  const [feeds, setFeeds] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/feeds').then((p) => setFeeds(p.feeds)).catch(setError);
  }, []);
  return html`<h1>${t('nav.feeds')}</h1>
    <${Problem} error=${error} />
    ${feeds === null
      ? !error && html`<${Loading} />`
      : html`<${FeedTable} feeds=${feeds} />
          <table class="list">
            <caption>${t('feeds.snapshots')}</caption>
            <thead><tr>
              <th scope="col">${t('feeds.url')}</th>
              <th scope="col" class="num">${t('feeds.bytes')}</th>
              <th scope="col">ETag</th>
            </tr></thead>
            <tbody>
              ${feeds.map(
                (f) => html`<tr key=${f.feed}>
                  <td><code>${location.origin}${f.path}</code></td>
                  <td class="num">${f.generated_at ? bytes(f.bytes) : '—'}</td>
                  <td><code>${f.etag ?? '—'}</code></td>
                </tr>`,
              )}
            </tbody>
          </table>
          <${Sample} feeds=${feeds} />
          ${can('admin') && html`<${PlatformToken} feeds=${feeds} />`}
          <${PullLog} feeds=${feeds} />`}`;
}
