// The stores: a list with the price-zone filter, and their positions on a map of France drawn
// here (an SVG outline of metropolitan France, no map tiles, nothing fetched).
import { html, useEffect, useState } from '../vendor.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { Problem, Loading, query } from './common.js';

// Metropolitan France's outline, [longitude, latitude], coarse (about 10 km): the coast from
// Dunkirk westward round Brittany and down the Atlantic, the Pyrenees, the Mediterranean, the
// Alps, the Rhine and the northern border back to Dunkirk.
const OUTLINE = [
  [2.54, 51.09], [1.58, 50.87], [1.61, 50.36], [1.38, 50.07], [0.6, 49.87], [0.09, 49.71],
  [0.22, 49.43], [-0.22, 49.28], [-1.12, 49.35], [-1.27, 49.69], [-1.94, 49.72], [-1.61, 48.84],
  [-2.29, 48.67], [-3.08, 48.83], [-3.58, 48.8], [-4.34, 48.68], [-4.77, 48.52], [-4.33, 48.29],
  [-4.55, 48.01], [-4.36, 47.8], [-3.47, 47.73], [-2.95, 47.58], [-2.47, 47.45], [-2.16, 47.27],
  [-1.93, 47.04], [-2.14, 46.82], [-1.78, 46.49], [-1.2, 46.27], [-1.11, 45.87], [-1.25, 45.66],
  [-1.18, 45.22], [-1.26, 44.64], [-1.38, 44.02], [-1.53, 43.55], [-1.79, 43.37], [-1.38, 43.03],
  [-0.72, 42.92], [0.07, 42.71], [0.69, 42.82], [1.44, 42.6], [1.73, 42.5], [2.54, 42.43],
  [3.17, 42.43], [3.05, 42.93], [3.24, 43.21], [3.96, 43.54], [4.65, 43.35], [5.35, 43.33],
  [5.81, 43.1], [6.35, 43.09], [6.71, 43.2], [6.93, 43.45], [7.42, 43.76], [7.5, 43.9],
  [7.66, 44.17], [6.97, 44.25], [6.86, 44.53], [7.03, 44.82], [6.63, 45.11], [7.13, 45.26],
  [6.8, 45.83], [7.04, 45.93], [6.78, 46.13], [6.24, 46.3], [6.09, 46.15], [5.97, 46.21],
  [6.13, 46.59], [6.46, 46.95], [6.94, 47.29], [7.15, 47.49], [7.59, 47.58], [7.53, 47.98],
  [7.58, 48.12], [7.8, 48.59], [8.23, 48.96], [7.45, 49.17], [6.74, 49.16], [6.37, 49.46],
  [5.82, 49.55], [5.47, 49.5], [4.87, 49.8], [4.79, 49.98], [4.23, 49.96], [4.15, 50.27],
  [3.7, 50.31], [3.29, 50.53], [2.9, 50.7], [2.54, 51.09],
];
const CORSICA = [
  [9.45, 42.99], [9.56, 42.15], [9.4, 41.86], [9.22, 41.37], [8.8, 41.56], [8.61, 41.9],
  [8.6, 42.35], [9.07, 42.7], [9.34, 42.74], [9.45, 42.99],
];
const WEST = -5.3;
const NORTH = 51.3;
const SCALE = 60; // pixels per degree of latitude
const COS = Math.cos((46.5 * Math.PI) / 180);
const project = ([lon, lat]) => [((lon - WEST) * COS * SCALE).toFixed(1), ((NORTH - lat) * SCALE).toFixed(1)];
const path = (points) => 'M' + points.map((p) => project(p).join(',')).join('L') + 'Z';
const WIDTH = Math.ceil((10 - WEST) * COS * SCALE);
const HEIGHT = Math.ceil((NORTH - 41.2) * SCALE);

function FranceMap({ stores }) {
  return html`<figure class="map">
    <svg viewBox=${`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-labelledby="map-title">
      <title id="map-title">${t('stores.map', { n: stores.length })}</title>
      <path d=${path(OUTLINE)} class="land" />
      <path d=${path(CORSICA)} class="land" />
      ${stores.map((s) => {
        const [x, y] = project([s.lon, s.lat]);
        return html`<a key=${s.id} href=${'#/stores/' + encodeURIComponent(s.id)}>
          <circle cx=${x} cy=${y} r="5" class="store"><title>${s.name} · ${s.city ?? ''} · ${s.price_zone}</title></circle>
        </a>`;
      })}
    </svg>
    <figcaption>${t('stores.map', { n: stores.length })}</figcaption>
  </figure>`;
}

export function Stores({ parts }) {
  const [zone, setZone] = useState('');
  const [stores, setStores] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    api('GET', '/api/v1/stores' + query({ zone, limit: 500 }))
      .then((p) => setStores(p.items))
      .catch(setError);
  }, [zone]);
  const zones = [...new Set((stores ?? []).map((s) => s.price_zone))].sort();
  const selected = parts?.[0];
  return html`<h1>${t('nav.stores')}</h1>
    <div class="toolbar">
      <label for="zone">${t('stores.zone')}</label>
      <input id="zone" list="zones" value=${zone} onChange=${(e) => setZone(e.target.value.trim())} />
      <datalist id="zones">${zones.map((z) => html`<option key=${z} value=${z} />`)}</datalist>
    </div>
    <${Problem} error=${error} />
    ${stores === null
      ? html`<${Loading} />`
      : html`<div class="columns">
          <table class="list">
            <caption>${t('stores.count', { n: stores.length })}</caption>
            <thead><tr>
              <th scope="col">${t('stores.id')}</th>
              <th scope="col">${t('stores.name')}</th>
              <th scope="col">${t('stores.city')}</th>
              <th scope="col">${t('stores.banner')}</th>
              <th scope="col">${t('stores.zone')}</th>
            </tr></thead>
            <tbody>
              ${stores.map(
                (s) => html`<tr key=${s.id} class=${selected === s.id ? 'selected' : ''}>
                  <td>${s.id}</td><td>${s.name}</td><td>${s.city ?? ''}</td><td>${s.banner ?? ''}</td><td>${s.price_zone}</td>
                </tr>`,
              )}
            </tbody>
          </table>
          <${FranceMap} stores=${stores} />
        </div>`}`;
}
