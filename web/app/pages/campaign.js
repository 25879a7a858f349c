// One campaign: its fields (PATCH), its promotions with a form per mechanic (the seven),
// the compliance findings after every change (GET …/checks, in the UI's language), the
// workflow (submit, approve, reject with a comment, the admin override with its reason), the
// audit history, and duplication to next week. Only what the role may do is offered.
import { html, useEffect, useState } from '../vendor.js';
import { t, lang } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { dateTime, euros } from '../format.js';
import { go } from '../router.js';
import { CampaignOffers } from './offers.js';

const CHANNELS = ['google', 'meta', 'leaflet', 'csv', 'webhooks'];
// Each mechanic and the fields its form asks for: [name, kind, min, max].
export const MECHANICS = {
  percent_off: [['percent', 'int', 1, 99]],
  amount_off: [['amount', 'money']],
  fixed_price: [['price', 'money']],
  nth_item_percent_off: [['n', 'int', 2, 1000], ['percent', 'int', 1, 100]],
  multibuy: [['buy', 'int', 2, 1000], ['pay', 'int', 1, 999]],
  bundle_price: [['quantity', 'int', 2, 1000], ['price', 'money']],
  loyalty_credit: [['percent', 'int', 1, 99]],
};

export function describeMechanic(m) {
  const money = (v) => euros(typeof v === 'string' ? v.replace(/\s*EUR$/, '').replace(',', '.') : v);
  switch (m.type) {
    case 'percent_off': return t('mechanic.percent_off.text', { percent: m.percent });
    case 'amount_off': return t('mechanic.amount_off.text', { amount: money(m.amount) });
    case 'fixed_price': return t('mechanic.fixed_price.text', { price: money(m.price) });
    case 'nth_item_percent_off': return t('mechanic.nth_item_percent_off.text', { n: m.n, percent: m.percent });
    case 'multibuy': return t('mechanic.multibuy.text', { buy: m.buy, pay: m.pay });
    case 'bundle_price': return t('mechanic.bundle_price.text', { quantity: m.quantity, price: money(m.price) });
    case 'loyalty_credit': return t('mechanic.loyalty_credit.text', { percent: m.percent });
    default: return m.type;
  }
}

function describeSelector(s) {
  if (s.kind === 'brand') return t('selector.brand.text', { brand: s.brand });
  if (s.kind === 'category') return t('selector.category.text', { category: s.category });
  return t('selector.products.text', { n: s.product_ids?.length ?? 0 });
}

function Problem({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert">
    <p>${error.message}</p>
    ${error.problem?.errors?.length > 0 &&
    html`<ul>${error.problem.errors.map((e, i) => html`<li key=${i}>${e.field}: ${e.message}</li>`)}</ul>`}
  </div>`;
}

function Fields({ campaign, onSaved }) {
  const [error, setError] = useState(null);
  const editable = can('editor') && ['draft', 'rejected'].includes(campaign.status);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const kind = form.get('scope_kind');
    const ids = String(form.get('scope_ids') || '').split(',').map((s) => s.trim()).filter(Boolean);
    try {
      await api('PATCH', `/api/v1/campaigns/${encodeURIComponent(campaign.id)}`, {
        name: form.get('name'),
        description: form.get('description'),
        start: form.get('start'),
        end: form.get('end'),
        channels: form.getAll('channels'),
        scope: kind === 'all' ? { kind } : { kind, ids },
      });
      setError(null);
      onSaved();
    } catch (e) {
      setError(e);
    }
  }
  const scope = campaign.scope ?? { kind: 'all' };
  return html`<section aria-labelledby="fields-title">
    <h2 id="fields-title">${t('campaign.fields')}</h2>
    <form class="grid" onSubmit=${submit}>
      <fieldset class="fields" disabled=${!editable}>
        <legend class="visually-hidden">${t('campaign.fields')}</legend>
        <label for="f-name">${t('campaigns.name')}</label>
        <input id="f-name" name="name" value=${campaign.name} required maxlength="150" />
        <label for="f-description">${t('campaign.description')}</label>
        <textarea id="f-description" name="description" rows="2">${campaign.description}</textarea>
        <label for="f-start">${t('campaigns.start')}</label>
        <input id="f-start" name="start" type="datetime-local" value=${campaign.start.slice(0, 16)} required />
        <label for="f-end">${t('campaigns.end')}</label>
        <input id="f-end" name="end" type="datetime-local" value=${campaign.end.slice(0, 16)} required />
        <fieldset>
          <legend>${t('campaigns.channels')}</legend>
          ${CHANNELS.map(
            (ch) => html`<label key=${ch}><input type="checkbox" name="channels" value=${ch}
              checked=${campaign.channels.includes(ch)} /> ${t('channel.' + ch)}</label>`,
          )}
        </fieldset>
        <label for="f-scope">${t('campaign.scope')}</label>
        <select id="f-scope" name="scope_kind" value=${scope.kind}>
          ${['all', 'zones', 'banners', 'stores'].map((k) => html`<option key=${k} value=${k}>${t('scope.' + k)}</option>`)}
        </select>
        <label for="f-scope-ids">${t('campaign.scope_ids')}</label>
        <input id="f-scope-ids" name="scope_ids" value=${(scope.ids ?? []).join(', ')} />
        ${editable && html`<button type="submit">${t('common.save')}</button>`}
      </fieldset>
      <${Problem} error=${error} />
    </form>
  </section>`;
}

// How many products a brand, a category or a list selects, read from the catalogue's search
// (up to 200, then "200+"), and a search to add products to a list.
function SelectionHelp({ kind, value, onAdd }) {
  const [found, setFound] = useState(null);
  const [search, setSearch] = useState('');
  const [results, setResults] = useState([]);
  useEffect(() => {
    const v = value.trim();
    if (!v || kind === 'products') return setFound(null);
    const timer = setTimeout(() => {
      api('GET', `/api/v1/products?${kind}=${encodeURIComponent(v)}&limit=200`)
        .then((p) => setFound(p.items.length + (p.next_cursor ? '+' : '')))
        .catch(() => setFound(null));
    }, 250);
    return () => clearTimeout(timer);
  }, [kind, value]);
  useEffect(() => {
    if (kind !== 'products' || search.trim().length < 2) return setResults([]);
    const timer = setTimeout(() => {
      api('GET', `/api/v1/products?q=${encodeURIComponent(search.trim())}&limit=8`)
        .then((p) => setResults(p.items))
        .catch(() => setResults([]));
    }, 250);
    return () => clearTimeout(timer);
  }, [kind, search]);
  if (kind !== 'products') {
    return found === null ? null : html`<p class="hint" aria-live="polite">${t('selector.selects', { n: found })}</p>`;
  }
  const ids = value.split(/[\s,]+/).filter(Boolean);
  return html`<div class="picker">
    <p class="hint" aria-live="polite">${t('selector.selects', { n: ids.length })}</p>
    <label for="p-search">${t('selector.search')}</label>
    <input id="p-search" type="search" value=${search} onInput=${(e) => setSearch(e.target.value)} />
    <ul>
      ${results.map(
        (p) => html`<li key=${p.id}>
          <button type="button" class="secondary" disabled=${ids.includes(p.id)}
            aria-label=${t('selector.add_named', { title: p.title })} onClick=${() => onAdd(p.id)}>${t('selector.add')}</button>
          ${' '}${p.title} <span class="hint">${p.brand} · ${p.id}</span>
        </li>`,
      )}
    </ul>
  </div>`;
}

function PromotionForm({ campaign, onSaved }) {
  const [type, setType] = useState('percent_off');
  const [kind, setKind] = useState('brand');
  const [value, setValue] = useState('');
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const mechanic = { type };
    for (const [name, k] of MECHANICS[type]) {
      const value = form.get('m_' + name);
      mechanic[name] = k === 'int' ? Number(value) : String(value);
    }
    const value = String(form.get('selector_value') || '').trim();
    const selector =
      kind === 'products'
        ? { kind, product_ids: value.split(/[\s,]+/).filter(Boolean) }
        : { kind, [kind]: value };
    const body = { selector, mechanic };
    const name = String(form.get('p_name') || '').trim();
    if (name) body.name = name;
    const badge = String(form.get('badge') || '').trim();
    if (badge) body.badge = badge;
    try {
      await api('POST', `/api/v1/campaigns/${encodeURIComponent(campaign.id)}/promotions`, body);
      event.target.reset();
      setValue('');
      setError(null);
      onSaved();
    } catch (e) {
      setError(e);
    }
  }
  return html`<form class="grid" onSubmit=${submit} aria-labelledby="promo-new-title">
    <h3 id="promo-new-title">${t('promotion.new')}</h3>
    <label for="p-name">${t('promotion.name')}</label>
    <input id="p-name" name="p_name" maxlength="80" />
    <label for="p-type">${t('promotion.mechanic')}</label>
    <select id="p-type" value=${type} onChange=${(e) => setType(e.target.value)}>
      ${Object.keys(MECHANICS).map((m) => html`<option key=${m} value=${m}>${t('mechanic.' + m)}</option>`)}
    </select>
    ${MECHANICS[type].map(
      ([name, k, min, max]) => html`<label key=${type + name + 'l'} for=${'m-' + name}>${t('mechanic.field.' + name)}</label>
        <input key=${type + name} id=${'m-' + name} name=${'m_' + name} required
          type=${k === 'int' ? 'number' : 'text'} min=${min} max=${max}
          inputmode=${k === 'money' ? 'decimal' : 'numeric'} placeholder=${k === 'money' ? '1,50' : ''} />`,
    )}
    <label for="p-kind">${t('promotion.selector')}</label>
    <select id="p-kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>
      ${['brand', 'category', 'products'].map((k) => html`<option key=${k} value=${k}>${t('selector.' + k)}</option>`)}
    </select>
    <label for="p-value">${t('selector.value.' + kind)}</label>
    <input id="p-value" name="selector_value" required value=${value} onInput=${(e) => setValue(e.target.value)} />
    <${SelectionHelp} kind=${kind} value=${value}
      onAdd=${(id) => setValue((v) => (v.trim() ? v.trim().replace(/,$/, '') + ', ' : '') + id)} />
    <label for="p-badge">${t('promotion.badge')}</label>
    <input id="p-badge" name="badge" maxlength="40" />
    <${Problem} error=${error} />
    <button type="submit">${t('promotion.add')}</button>
  </form>`;
}

function Promotions({ campaign, onChanged }) {
  const editable = can('editor') && ['draft', 'rejected'].includes(campaign.status);
  const [error, setError] = useState(null);
  async function remove(id) {
    try {
      await api('DELETE', `/api/v1/promotions/${encodeURIComponent(id)}`);
      onChanged();
    } catch (e) {
      setError(e);
    }
  }
  const promotions = campaign.promotions ?? [];
  return html`<section aria-labelledby="promos-title">
    <h2 id="promos-title">${t('campaign.promotions')}</h2>
    <table class="list">
      <caption>${t('promotion.count', { n: promotions.length })}</caption>
      <thead><tr>
        <th scope="col">${t('promotion.name')}</th>
        <th scope="col">${t('promotion.mechanic')}</th>
        <th scope="col">${t('promotion.selector')}</th>
        <th scope="col">${t('promotion.badge')}</th>
        ${editable && html`<th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th>`}
      </tr></thead>
      <tbody>
        ${promotions.map(
          (p) => html`<tr key=${p.id}>
            <td>${p.name ?? '—'}</td>
            <td>${describeMechanic(p.mechanic)}</td>
            <td>${describeSelector(p.selector)}</td>
            <td>${p.badge ?? ''}</td>
            ${editable && html`<td><button type="button" class="secondary"
              aria-label=${t('promotion.remove_named', { name: p.name ?? describeMechanic(p.mechanic) })}
              onClick=${() => remove(p.id)}>${t('common.remove')}</button></td>`}
          </tr>`,
        )}
      </tbody>
    </table>
    <${Problem} error=${error} />
    ${editable && html`<${PromotionForm} campaign=${campaign} onSaved=${onChanged} />`}
  </section>`;
}

function Findings({ checks }) {
  if (!checks) return html`<p>${t('common.loading')}</p>`;
  return html`<section aria-labelledby="findings-title" aria-live="polite">
    <h2 id="findings-title">${t('campaign.findings')}</h2>
    <p class=${checks.approvable ? 'ok' : 'error'}>
      ${t(checks.approvable ? 'checks.approvable' : 'checks.not_approvable')}
      ${' '}${t('checks.summary', { blocking: checks.blocking, warnings: checks.warnings, products: checks.products, stores: checks.stores })}
    </p>
    <ul class="findings">
      ${checks.findings.slice(0, 200).map(
        (f, i) => html`<li key=${i} class=${'finding ' + f.severity}>
          <strong>${t('severity.' + f.severity)}</strong> ${f.message}
        </li>`,
      )}
    </ul>
  </section>`;
}

function Workflow({ campaign, checks, onDone }) {
  const [error, setError] = useState(null);
  const status = campaign.status;
  async function step(to, event) {
    const form = event?.currentTarget?.form ?? document.getElementById('workflow-form');
    const data = new FormData(form);
    const body = { to };
    const comment = String(data.get('comment') || '').trim();
    const override = String(data.get('override_reason') || '').trim();
    if (comment) body.comment = comment;
    if (override && to === 'approved') body.override_reason = override;
    try {
      await api('POST', `/api/v1/campaigns/${encodeURIComponent(campaign.id)}/transitions`, body);
      setError(null);
      form.reset();
      onDone();
    } catch (e) {
      setError(e);
    }
  }
  const actions = [];
  if (can('editor') && status === 'draft') actions.push(['submitted', 'workflow.submit']);
  if (can('editor') && (status === 'submitted' || status === 'rejected')) actions.push(['draft', 'workflow.to_draft']);
  if (can('approver') && status === 'submitted') {
    actions.push(['approved', 'workflow.approve'], ['rejected', 'workflow.reject']);
  }
  if (can('editor') && status === 'approved') actions.push(['submitted', 'workflow.reopen']);
  if (actions.length === 0) return null;
  const blocked = checks && !checks.approvable;
  return html`<section aria-labelledby="workflow-title">
    <h2 id="workflow-title">${t('campaign.workflow')}</h2>
    <form id="workflow-form" class="grid" onSubmit=${(e) => e.preventDefault()}>
      <label for="w-comment">${t('workflow.comment')}</label>
      <textarea id="w-comment" name="comment" rows="2"></textarea>
      ${can('admin') && status === 'submitted' &&
      html`<label for="w-override">${t('workflow.override')}</label>
        <input id="w-override" name="override_reason" />`}
      <div class="toolbar">
        ${actions.map(
          ([to, label]) => html`<button key=${to} type="button" onClick=${(e) => step(to, e)}
            disabled=${to === 'approved' && blocked && !can('admin')}>${t(label)}</button>`,
        )}
      </div>
      <${Problem} error=${error} />
    </form>
  </section>`;
}

// The audit log is for approvers and above (GET /api/v1/audit).
function History({ campaign, version }) {
  const [items, setItems] = useState(null);
  useEffect(() => {
    if (!can('approver')) return;
    api('GET', `/api/v1/audit?entity=campaign&id=${encodeURIComponent(campaign.id)}&limit=50`)
      .then((page) => setItems(page.items))
      .catch(() => setItems([]));
  }, [campaign.id, version]);
  if (!can('approver')) return null;
  return html`<section aria-labelledby="history-title">
    <h2 id="history-title">${t('campaign.history')}</h2>
    ${items === null
      ? html`<p>${t('common.loading')}</p>`
      : html`<table class="list">
          <thead><tr>
            <th scope="col">${t('history.at')}</th>
            <th scope="col">${t('history.actor')}</th>
            <th scope="col">${t('history.action')}</th>
            <th scope="col">${t('history.comment')}</th>
          </tr></thead>
          <tbody>
            ${items.map(
              (e) => html`<tr key=${e.seq}>
                <td>${dateTime(e.at)}</td>
                <td>${e.actor}</td>
                <td>${e.action}</td>
                <td>${e.after?.comment ?? e.after?.override_reason ?? ''}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  </section>`;
}

// A copy a week later: the fields, then each promotion.
async function duplicateToNextWeek(campaign) {
  const shift = (local) => {
    const d = new Date(local.slice(0, 19) + 'Z');
    d.setUTCDate(d.getUTCDate() + 7);
    return d.toISOString().slice(0, 16);
  };
  const copy = await api('POST', '/api/v1/campaigns', {
    name: `${campaign.name} (+1 ${t('calendar.week')})`.slice(0, 150),
    description: campaign.description,
    start: shift(campaign.start),
    end: shift(campaign.end),
    channels: campaign.channels,
    scope: campaign.scope,
  });
  for (const p of campaign.promotions ?? []) {
    const body = { selector: p.selector, mechanic: p.mechanic, priority: p.priority, exclusive: p.exclusive };
    for (const field of ['name', 'badge', 'legal', 'per_customer_limit', 'scope']) {
      if (p[field] !== null && p[field] !== undefined) body[field] = p[field];
    }
    await api('POST', `/api/v1/campaigns/${encodeURIComponent(copy.id)}/promotions`, body);
  }
  return copy;
}

export function CampaignEditor({ id }) {
  const [campaign, setCampaign] = useState(null);
  const [checks, setChecks] = useState(null);
  const [error, setError] = useState(null);
  const [version, setVersion] = useState(0);
  async function load() {
    try {
      const c = await api('GET', `/api/v1/campaigns/${encodeURIComponent(id)}`);
      setCampaign(c);
      setError(null);
      setVersion((v) => v + 1);
      setChecks(null);
      setChecks(await api('GET', `/api/v1/campaigns/${encodeURIComponent(id)}/checks`, undefined, { lang: lang.value }));
    } catch (e) {
      setError(e);
    }
  }
  useEffect(() => {
    load();
  }, [id, lang.value]);
  if (error && !campaign) return html`<${Problem} error=${error} />`;
  if (!campaign) return html`<p>${t('common.loading')}</p>`;
  return html`<p><a href="#/campaigns">${t('campaign.back')}</a></p>
    <h1>${campaign.name}</h1>
    <p>
      <span class=${'status ' + campaign.effective_status}>${t('status.' + campaign.effective_status)}</span>
      ${' '}${dateTime(campaign.start)} → ${dateTime(campaign.end)}
    </p>
    ${can('editor') &&
    html`<p><button type="button" class="secondary" onClick=${async () => {
      try {
        const copy = await duplicateToNextWeek(campaign);
        go('campaigns/' + copy.id);
      } catch (e) {
        setError(e);
      }
    }}>${t('campaign.duplicate')}</button></p>`}
    ${campaign.last_review &&
    html`<div class=${'review ' + campaign.last_review.decision} role="note">
      <p><strong>${t('review.' + campaign.last_review.decision)}</strong>
        ${' '}${t('review.by', { who: campaign.last_review.reviewer.replace(/^user:/, ''), at: dateTime(campaign.last_review.at) })}</p>
      ${campaign.last_review.comment && html`<p>${t('workflow.comment_short')} : ${campaign.last_review.comment}</p>`}
      ${campaign.last_review.override_reason && html`<p>${t('workflow.override_short')} : ${campaign.last_review.override_reason}</p>`}
    </div>`}
    <${Problem} error=${error} />
    <div class="columns">
      <div>
        <${Fields} campaign=${campaign} onSaved=${load} />
        <${Promotions} campaign=${campaign} onChanged=${load} />
      </div>
      <div>
        <${Findings} checks=${checks} />
        <${Workflow} campaign=${campaign} checks=${checks} onDone=${load} />
        <${History} campaign=${campaign} version=${version} />
      </div>
    </div>
    ${['approved', 'live'].includes(campaign.effective_status) && html`<${CampaignOffers} campaign=${campaign} loaded=${version} />`}
    ${(['draft', 'submitted', 'rejected'].includes(campaign.status) || campaign.pending_revision) &&
    html`<${CampaignOffers} campaign=${campaign} loaded=${version} preview />`}`;
}
