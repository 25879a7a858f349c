// Sign-in: e-mail and password, POST /api/v1/session.
import { html, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { signIn } from '../session.js';

export function SignIn() {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError('');
    try {
      await signIn(form.get('user'), form.get('password'));
    } catch (e) {
      setError(e.status === 401 ? t('session.wrong') : e.message);
    } finally {
      setBusy(false);
    }
  }
  return html`<section class="signin">
    <h1>${t('session.title')}</h1>
    <form onSubmit=${submit}>
      <label for="user">${t('session.user')}</label>
      <input id="user" name="user" type="text" autocomplete="username" autocapitalize="none" spellcheck=${false} required />
      <label for="password">${t('session.password')}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy}>${t('session.submit')}</button>
    </form>
  </section>`;
}
