// A hash router (the dashboard when empty): #/campaigns/C1 → { page: 'campaigns', parts: ['C1'] }. The hash keeps every
// page reachable by URL with a server that serves one index.html.
import { signal } from './vendor.js';

function parse() {
  const path = location.hash.replace(/^#\/?/, '');
  const [page = '', ...parts] = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { page: page || 'dashboard', parts };
}

export const route = signal(parse());
addEventListener('hashchange', () => {
  route.value = parse();
});

export function go(path) {
  location.hash = '#/' + path;
}
