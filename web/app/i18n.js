// The UI's language: French first, English switchable (kept in localStorage). Every text is in
// i18n/fr.js and i18n/en.js under the same keys; t() falls back to French, then to the key.
import { signal } from './vendor.js';
import fr from './i18n/fr.js';
import en from './i18n/en.js';

const texts = { fr, en };
const saved = globalThis.localStorage?.getItem('vitrine.lang');
export const lang = signal(saved === 'en' ? 'en' : 'fr');

export function setLang(value) {
  lang.value = value === 'en' ? 'en' : 'fr';
  localStorage.setItem('vitrine.lang', lang.value);
  document.documentElement.lang = lang.value;
}

// t('campaigns.count', { n: 3 }) replaces {n} in the text.
export function t(key, params = {}) {
  const text = texts[lang.value][key] ?? fr[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

export const locale = () => (lang.value === 'en' ? 'en-GB' : 'fr-FR');
