// The home page: is every promoted offer live, right and in stock on every platform, now?
// One GET /api/v1/dashboard every 5 s with the ETag of what is shown: the server answers 304
// without a body while nothing changed, so a wall screen left open costs it next to nothing.
import { html, useEffect, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { poll } from '../api.js';
import { dateTime, count } from '../format.js';
import { Chart } from '../chart.js';
import { Problem, Loading } from './common.js';

export const POLL_MS = 5000;

function Tile({ label, value, href, tone }) {
  const figure = html`<span class="figure">${count(value)}</span><span class="label">${label}</span>`;
  return html`<li class=${'tile' + (tone && value > 0 ? ' ' + tone : '')}>
    ${href ? html`<a href=${href}>${figure}</a>` : figure}
  </li>`;
}

// Rows of [name, n] with a meter against the largest, biggest first.
function Breakdown({ id, title, rows, total }) {
  return html`<section aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    ${rows.length === 0
      ? html`<p>${t('dashboard.none')}</p>`
      : html`<table class="list breakdown">
          <tbody>
            ${rows.map(
              ([key, label, n]) => html`<tr key=${key}>
                <th scope="row">${label}</th>
                <td class="num">${count(n)}</td>
                <td><meter min="0" max=${Math.max(1, total)} value=${n} aria-label=${label}></meter></td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  </section>`;
}

function ChangesChart({ changes }) {
  const minutes = changes.per_minute ?? [];
  const data = [minutes.map((m) => Date.parse(m.minute) / 1000), minutes.map((m) => m.changes)];
  return html`<section aria-labelledby="dash-changes">
    <h2 id="dash-changes">${t('dashboard.changes')}</h2>
    <p>${t('dashboard.last_seq', { seq: count(changes.last_seq ?? 0) })}</p>
    ${minutes.length > 0
      ? html`<${Chart} title=${t('dashboard.changes_per_minute')} series=${[{ label: t('dashboard.changes_label') }]} data=${data} height=${200} />`
      : html`<p>${t('dashboard.no_changes')}</p>`}
  </section>`;
}

function Availability({ availability }) {
  const offersOf = (store, kind) => `#/offers/${encodeURIComponent(store)}/${kind}`;
  return html`<section aria-labelledby="dash-stock">
    <h2 id="dash-stock">${t('dashboard.availability')}</h2>
    ${availability.stores.length === 0
      ? html`<p>${t('dashboard.all_in_stock')}</p>`
      : html`<table class="list">
          <thead><tr>
            <th scope="col">${t('dashboard.store')}</th>
            <th scope="col" class="num">${t('dashboard.out_of_stock')}</th>
            <th scope="col" class="num">${t('dashboard.limited')}</th>
          </tr></thead>
          <tbody>
            ${availability.stores.map(
              (s) => html`<tr key=${s.store_id}>
                <th scope="row">${s.store_id} · ${s.name}</th>
                <td class="num">${s.out_of_stock > 0 ? html`<a href=${offersOf(s.store_id, 'out_of_stock')}>${count(s.out_of_stock)}</a>` : '0'}</td>
                <td class="num">${s.limited > 0 ? html`<a href=${offersOf(s.store_id, 'limited')}>${count(s.limited)}</a>` : '0'}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  </section>`;
}

// Feed freshness: when each snapshot was made and whether each platform's last pull got it.
export function FeedTable({ feeds }) {
  return html`<table class="list">
    <thead><tr>
      <th scope="col">${t('feeds.feed')}</th>
      <th scope="col">${t('feeds.generated')}</th>
      <th scope="col" class="num">${t('feeds.items')}</th>
      <th scope="col">${t('feeds.pulls')}</th>
    </tr></thead>
    <tbody>
      ${feeds.map(
        (f) => html`<tr key=${f.feed}>
          <th scope="row"><a href=${f.path}>${f.feed}</a></th>
          <td>${f.generated_at ? dateTime(f.generated_at) : t('feeds.never_generated')}</td>
          <td class="num">${count(f.items)}</td>
          <td>
            ${f.pulls.length === 0
              ? t('feeds.never_pulled')
              : html`<ul class="pulls">
                  ${f.pulls.map(
                    (p) => html`<li key=${p.platform} class=${p.saw_latest ? 'fresh' : 'stale'}>
                      ${p.platform} · ${dateTime(p.last_pull_at)} ·
                      ${p.saw_latest ? t('feeds.saw_latest') : t('feeds.saw_older')}
                    </li>`,
                  )}
                </ul>`}
          </td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Findings({ campaigns }) {
  return html`<section aria-labelledby="dash-findings">
    <h2 id="dash-findings">${t('dashboard.findings')}</h2>
    ${campaigns.findings.length === 0
      ? html`<p>${t('dashboard.no_findings')}</p>`
      : html`<table class="list">
          <thead><tr>
            <th scope="col">${t('campaigns.name')}</th>
            <th scope="col">${t('campaigns.status')}</th>
            <th scope="col" class="num">${t('dashboard.blocking')}</th>
            <th scope="col" class="num">${t('dashboard.warnings')}</th>
          </tr></thead>
          <tbody>
            ${campaigns.findings.map(
              (c) => html`<tr key=${c.campaign_id} class=${c.blocking > 0 ? 'blocking' : ''}>
                <th scope="row"><a href=${'#/campaigns/' + encodeURIComponent(c.campaign_id)}>${c.name}</a></th>
                <td>${t('status.' + c.status)}</td>
                <td class="num">${count(c.blocking)}</td>
                <td class="num">${count(c.warnings)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  </section>`;
}

export function Dashboard() {
  const [state, setState] = useState({ etag: null, data: null });
  const [error, setError] = useState(null);
  useEffect(() => {
    let etag = null;
    let stopped = false;
    async function refresh() {
      if (document.hidden) return; // a hidden tab asks nothing
      try {
        const answer = await poll('/api/v1/dashboard', etag);
        if (stopped) return;
        if (answer) {
          etag = answer.etag;
          setState(answer);
        }
        setError(null);
      } catch (e) {
        if (!stopped) setError(e);
      }
    }
    refresh();
    const timer = setInterval(refresh, POLL_MS);
    addEventListener('visibilitychange', refresh);
    return () => {
      stopped = true;
      clearInterval(timer);
      removeEventListener('visibilitychange', refresh);
    };
  }, []);
  const d = state.data;
  if (!d) return html`<h1>${t('nav.dashboard')}</h1><${Problem} error=${error} />${!error && html`<${Loading} />`}`;
  const o = d.offers;
  return html`<h1>${t('nav.dashboard')}</h1>
    <p class="as-of" aria-live="polite">${t('dashboard.as_of', { time: dateTime(d.as_of) })}</p>
    <${Problem} error=${error} />
    <ul class="tiles" aria-label=${t('dashboard.summary')}>
      <${Tile} label=${t('dashboard.published')} value=${o.published} />
      <${Tile} label=${t('dashboard.changed_last_hour')} value=${o.changed_last_hour} />
      <${Tile} label=${t('dashboard.out_of_stock')} value=${d.availability.out_of_stock} tone="alert" />
      <${Tile} label=${t('dashboard.limited')} value=${d.availability.limited} tone="warn" />
      <${Tile} label=${t('dashboard.awaiting_approval')} value=${d.campaigns.awaiting_approval} href="#/campaigns" tone="warn" />
    </ul>
    <div class="columns">
      <${Breakdown} id="dash-channel" title=${t('dashboard.by_channel')} total=${o.published}
        rows=${o.by_channel.map((c) => [c.channel, c.channel, c.offers])} />
      <${Breakdown} id="dash-zone" title=${t('dashboard.by_zone')} total=${o.published}
        rows=${o.by_zone.map((z) => [z.price_zone, z.price_zone, z.offers])} />
      <${Breakdown} id="dash-campaign" title=${t('dashboard.by_campaign')} total=${o.published}
        rows=${o.by_campaign.map((c) => [c.campaign_id, c.name, c.offers])} />
    </div>
    <${Availability} availability=${d.availability} />
    <section aria-labelledby="dash-feeds">
      <h2 id="dash-feeds">${t('dashboard.feeds')}</h2>
      <${FeedTable} feeds=${d.feeds} />
    </section>
    <${Findings} campaigns=${d.campaigns} />
    <${ChangesChart} changes=${d.changes} />
    <section aria-labelledby="dash-assembly">
      <h2 id="dash-assembly">${t('dashboard.assembly')}</h2>
      <p>
        ${d.assembly.last_run_at
          ? t('dashboard.assembly_run', {
              time: dateTime(d.assembly.last_run_at),
              ms: count(d.assembly.duration_ms),
              n: count(d.assembly.offers_written),
            })
          : t('dashboard.assembly_never')}
      </p>
    </section>`;
}
