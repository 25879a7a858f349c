// Who is signed in (GET /api/v1/me), sign-in (POST /api/v1/session: the server sets the
// HttpOnly session cookie) and logout (DELETE /api/v1/session). What a role may do decides
// what the pages offer; the API refuses the rest anyway.
import { signal } from './vendor.js';
import { api, whenSignedOut } from './api.js';

export const me = signal(undefined); // undefined: not known yet; null: signed out

const RANKS = { viewer: 0, editor: 1, approver: 2, admin: 3 };
export function can(role) {
  const who = me.value;
  return !!who && (RANKS[who.role] ?? -1) >= RANKS[role];
}

export async function loadMe() {
  try {
    me.value = await api('GET', '/api/v1/me');
  } catch {
    me.value = null;
  }
}

export async function signIn(user, password) {
  await api('POST', '/api/v1/session', { user, password });
  await loadMe();
}

export async function signOut() {
  try {
    await api('DELETE', '/api/v1/session');
  } finally {
    me.value = null;
  }
}

whenSignedOut(() => {
  me.value = null;
});
