// The shell: the sign-in page until a session exists, then the navigation and the page the
// hash names. Text is escaped by Preact: no page ever sets HTML from data.
import { html, render, useEffect } from './vendor.js';
import { t, lang, setLang } from './i18n.js';
import { route } from './router.js';
import { me, loadMe, signOut } from './session.js';
import { SignIn } from './pages/signin.js';
import { Campaigns } from './pages/campaigns.js';
import { CampaignEditor } from './pages/campaign.js';

const PAGES = {
  // #/campaigns lists them; #/campaigns/C1 opens one.
  campaigns: {
    title: 'nav.campaigns',
    view: ({ parts }) => (parts[0] ? html`<${CampaignEditor} id=${parts[0]} />` : html`<${Campaigns} />`),
  },
};

function Nav() {
  const current = route.value.page;
  return html`<nav aria-label=${t('nav.label')}>
    <ul>
      ${Object.entries(PAGES).map(
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
    <a class="brand" href="#/campaigns">Vitrine</a>
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
  const page = PAGES[route.value.page] ?? PAGES.campaigns;
  useEffect(() => {
    document.title = `${t(page.title)} · Vitrine`;
  }, [page, lang.value]);
  if (me.value === undefined) return html`<main id="main"><p>${t('common.loading')}</p></main>`;
  const View = me.value ? page.view : SignIn;
  return html`<${Header} />
    <main id="main"><${View} parts=${route.value.parts} /></main>`;
}

render(html`<${App} />`, document.getElementById('root'));
