// The shell: the sign-in page until a session exists, then the navigation and the page the
// hash names. Text is escaped by Preact: no page ever sets HTML from data.
import { html, render, useEffect } from './vendor.js';
import { t, lang, setLang } from './i18n.js';
import { route } from './router.js';
import { me, can, loadMe, signOut } from './session.js';
import { SignIn } from './pages/signin.js';
import { Campaigns } from './pages/campaigns.js';
import { CampaignEditor } from './pages/campaign.js';
import { Products, ProductPage } from './pages/products.js';
import { Stores } from './pages/stores.js';
import { Imports } from './pages/imports.js';
import { Admin } from './pages/admin.js';
import { Templates } from './pages/templates.js';
import { Dashboard } from './pages/dashboard.js';
import { Feeds } from './pages/feeds.js';
import { StoreOffers } from './pages/offers.js';

// Each page, its title and the least role it is offered to (the API enforces the same).
const PAGES = {
  dashboard: { title: 'nav.dashboard', role: 'viewer', view: Dashboard },
  // #/campaigns lists them; #/campaigns/C1 opens one.
  campaigns: {
    title: 'nav.campaigns',
    role: 'viewer',
    view: ({ parts }) => (parts[0] ? html`<${CampaignEditor} id=${parts[0]} />` : html`<${Campaigns} />`),
  },
  products: {
    title: 'nav.products',
    role: 'viewer',
    view: ({ parts }) => (parts[0] ? html`<${ProductPage} id=${parts[0]} />` : html`<${Products} />`),
  },
  stores: { title: 'nav.stores', role: 'viewer', view: Stores },
  feeds: { title: 'nav.feeds', role: 'viewer', view: Feeds },
  // #/offers/S001/out_of_stock: a store's promoted offers in that state (from the dashboard).
  offers: { title: 'nav.offers', role: 'viewer', view: StoreOffers, hidden: true },
  templates: { title: 'nav.templates', role: 'viewer', view: Templates },
  imports: { title: 'nav.imports', role: 'editor', view: Imports },
  admin: { title: 'nav.admin', role: 'approver', view: Admin },
};

function Nav() {
  const current = route.value.page;
  return html`<nav aria-label=${t('nav.label')}>
    <ul>
      ${Object.entries(PAGES).filter(([, p]) => !p.hidden && can(p.role)).map(
        ([page, { title }]) => html`<li key=${page}>
          <a href=${'#/' + page} aria-current=${current === page ? 'page' : undefined}>${t(title)}</a>
        </li>`,
      )}
    </ul>
  </nav>`;
}

function Header() {
  const who = me.value;
  const other = lang.value === 'fr' ? 'en' : 'fr';
  return html`<header class="top">
    <a class="brand" href="#/dashboard">Vitrine</a>
    ${who && html`<${Nav} />`}
    <div class="who">
      <button type="button" class="link" lang=${other} onClick=${() => setLang(other)}>
        ${t('lang.switch')}
      </button>
      ${who &&
      html`<span class="user">${who.subject.replace(/^user:/, '')} · ${t('role.' + who.role)}</span>
        <button type="button" onClick=${signOut}>${t('session.logout')}</button>`}
    </div>
  </header>`;
}

function App() {
  useEffect(() => {
    document.documentElement.lang = lang.value;
    loadMe();
  }, []);
  useEffect(() => {
    document.documentElement.lang = lang.value;
  }, [lang.value]);
  const wanted = PAGES[route.value.page];
  const page = wanted && (me.value === undefined || !me.value || can(wanted.role)) ? wanted : PAGES.dashboard;
  useEffect(() => {
    document.title = `${t(page.title)} · Vitrine`;
  }, [page, lang.value]);
  if (me.value === undefined) return html`<main id="main"><p>${t('common.loading')}</p></main>`;
  const View = me.value ? page.view : SignIn;
  return html`<${Header} />
    <main id="main"><${View} parts=${page === wanted ? route.value.parts : []} /></main>`;
}

render(html`<${App} />`, document.getElementById('root'));
