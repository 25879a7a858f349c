// Administration: users (create), API tokens (create, revoke: the secret is shown once), and
// the audit log with its filters (approvers and above read it; users and tokens are admins').
import { html, useEffect, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { dateTime } from '../format.js';
import { Problem, Loading, query } from './common.js';

const ROLES = ['viewer', 'editor', 'approver', 'admin'];
const CHANNELS = ['google', 'meta', 'leaflet', 'csv', 'webhooks'];

function Users() {
  const [users, setUsers] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api('GET', '/api/v1/users').then((p) => setUsers(p.items)).catch(setError);
  useEffect(() => { load(); }, []);
  async function create(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await api('POST', '/api/v1/users', {
        id: form.get('id'), display_name: form.get('display_name'), role: form.get('role'), password: form.get('password'),
      });
      event.target.reset();
      setError(null);
      load();
    } catch (e) {
      setError(e);
    }
  }
  return html`<section aria-labelledby="users-title">
    <h2 id="users-title">${t('admin.users')}</h2>
    ${users === null ? html`<${Loading} />` : html`<table class="list">
      <thead><tr><th scope="col">${t('admin.login')}</th><th scope="col">${t('admin.display_name')}</th><th scope="col">${t('admin.role')}</th><th scope="col">${t('admin.created_at')}</th></tr></thead>
      <tbody>${users.map((u) => html`<tr key=${u.id}><td>${u.id}</td><td>${u.display_name}</td><td>${t('role.' + u.role)}${u.disabled ? ' · ' + t('admin.disabled') : ''}</td><td>${dateTime(u.created_at)}</td></tr>`)}</tbody>
    </table>`}
    <form class="grid" onSubmit=${create} aria-labelledby="user-new-title">
      <h3 id="user-new-title">${t('admin.new_user')}</h3>
      <label for="u-id">${t('admin.login')}</label><input id="u-id" name="id" required />
      <label for="u-name">${t('admin.display_name')}</label><input id="u-name" name="display_name" />
      <label for="u-role">${t('admin.role')}</label>
      <select id="u-role" name="role">${ROLES.map((r) => html`<option key=${r} value=${r}>${t('role.' + r)}</option>`)}</select>
      <label for="u-password">${t('admin.password')}</label><input id="u-password" name="password" type="password" minlength="12" autocomplete="new-password" required />
      <${Problem} error=${error} />
      <button type="submit">${t('admin.create_user')}</button>
    </form>
  </section>`;
}

function Tokens() {
  const [tokens, setTokens] = useState(null);
  const [created, setCreated] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api('GET', '/api/v1/tokens').then((p) => setTokens(p.items)).catch(setError);
  useEffect(() => { load(); }, []);
  async function create(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const role = form.get('role');
    try {
      const body = { name: form.get('name'), role };
      if (role === 'platform') body.channel = form.get('channel');
      setCreated(await api('POST', '/api/v1/tokens', body));
      event.target.reset();
      setError(null);
      load();
    } catch (e) {
      setError(e);
    }
  }
  async function revoke(id) {
    try {
      await api('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`);
      load();
    } catch (e) {
      setError(e);
    }
  }
  return html`<section aria-labelledby="tokens-title">
    <h2 id="tokens-title">${t('admin.tokens')}</h2>
    ${tokens === null ? html`<${Loading} />` : html`<table class="list">
      <thead><tr><th scope="col">${t('admin.token_name')}</th><th scope="col">${t('admin.role')}</th><th scope="col">${t('admin.channel')}</th><th scope="col">${t('admin.last_used')}</th><th scope="col"><span class="visually-hidden">${t('common.actions')}</span></th></tr></thead>
      <tbody>${tokens.map((k) => html`<tr key=${k.id}>
        <td>${k.name}</td><td>${k.role}</td><td>${k.channel ?? ''}</td><td>${dateTime(k.last_used_at)}</td>
        <td>${k.revoked_at ? t('admin.revoked') : html`<button type="button" class="secondary" aria-label=${t('admin.revoke_named', { name: k.name })} onClick=${() => revoke(k.id)}>${t('admin.revoke')}</button>`}</td>
      </tr>`)}</tbody>
    </table>`}
    ${created && html`<p class="secret" role="status">${t('admin.token_once')} <code>${created.token}</code></p>`}
    <form class="grid" onSubmit=${create} aria-labelledby="token-new-title">
      <h3 id="token-new-title">${t('admin.new_token')}</h3>
      <label for="k-name">${t('admin.token_name')}</label><input id="k-name" name="name" required />
      <label for="k-role">${t('admin.role')}</label>
      <select id="k-role" name="role">${[...ROLES, 'platform'].map((r) => html`<option key=${r} value=${r}>${r}</option>`)}</select>
      <label for="k-channel">${t('admin.channel')}</label>
      <select id="k-channel" name="channel">${CHANNELS.map((c) => html`<option key=${c} value=${c}>${c}</option>`)}</select>
      <${Problem} error=${error} />
      <button type="submit">${t('admin.create_token')}</button>
    </form>
  </section>`;
}

function AuditLog() {
  const [filters, setFilters] = useState({ entity: '', id: '' });
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/audit' + query({ ...filters, limit: 100 })).then(setPage).catch(setError);
  }, [filters]);
  return html`<section aria-labelledby="audit-title">
    <h2 id="audit-title">${t('admin.audit')}</h2>
    <form class="filters" onSubmit=${(e) => {
      e.preventDefault();
      const f = new FormData(e.currentTarget);
      setFilters({ entity: f.get('entity').trim(), id: f.get('id').trim() });
    }}>
      <label for="a-entity">${t('admin.entity')}</label><input id="a-entity" name="entity" list="entities" />
      <datalist id="entities">${['campaign', 'promotion', 'product', 'store', 'price', 'stock', 'import', 'user', 'token'].map((e) => html`<option key=${e} value=${e} />`)}</datalist>
      <label for="a-id">${t('admin.entity_id')}</label><input id="a-id" name="id" />
      <button type="submit">${t('common.search')}</button>
    </form>
    <${Problem} error=${error} />
    ${page === null ? html`<${Loading} />` : html`<table class="list">
      <thead><tr><th scope="col">${t('history.at')}</th><th scope="col">${t('history.actor')}</th><th scope="col">${t('history.action')}</th><th scope="col">${t('admin.entity')}</th><th scope="col">${t('admin.entity_id')}</th></tr></thead>
      <tbody>${page.items.map((e) => html`<tr key=${e.seq}><td>${dateTime(e.at)}</td><td>${e.actor}</td><td>${e.action}</td><td>${e.entity}</td><td>${e.entity_id}</td></tr>`)}</tbody>
    </table>`}
  </section>`;
}

export function Admin() {
  return html`<h1>${t('nav.admin')}</h1>
    ${can('admin') && html`<${Users} /><${Tokens} />`}
    <${AuditLog} />`;
}
