// The hub's API, as the UI calls it: same origin, the session cookie, JSON in and out.
// Errors become ApiError carrying the problem+json (title, detail, errors[]).
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

// Called when the session is gone (401), so the shell can show the sign-in page.
let onSignedOut = () => {};
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export async function api(method, path, body, { lang } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (lang) headers['Accept-Language'] = lang;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return readAnswer(response, path !== '/api/v1/session');
}

// An image the API draws from a JSON body (a template being edited): a Blob, or an ApiError
// carrying the problem+json of a refusal (a 422 names each error by its JSON path).
export async function apiImage(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { Accept: 'image/png, application/problem+json', 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify(body),
  });
  if (!response.ok) return readAnswer(response, true);  // throws
  return response.blob();
}

// The JSON of an answer; an ApiError for a 4xx or 5xx (a 401 signs out, except where the
// caller is signing in).
async function readAnswer(response, signOutOn401) {
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    if (response.status === 401 && signOutOn401) onSignedOut();
    throw new ApiError(response.status, data);
  }
  return data;
}

// A conditional GET for a page that polls: sends the ETag of what it holds and gets null back
// on 304 (nothing changed, no body sent), else { etag, data }.
export async function poll(path, etag) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (etag) headers['If-None-Match'] = etag;
  // no-store: the browser's cache would turn a 304 into a 200 of its own copy.
  const response = await fetch(path, { headers, credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 304) return null;
  const data = await readAnswer(response, true);
  return { etag: response.headers.get('ETag'), data };
}
