// Every text in both languages: fr.js and en.js have the same keys, and every literal key the
// app asks t() for exists. Needs no browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fr from '../app/i18n/fr.js';
import en from '../app/i18n/en.js';

const app = fileURLToPath(new URL('../app/', import.meta.url));

function sources(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.js') ? [path] : [];
  });
}

test('French and English hold the same keys', () => {
  assert.deepEqual(Object.keys(en).sort(), Object.keys(fr).sort());
  for (const [key, text] of Object.entries(fr)) {
    const params = (s) => (s.match(/\{\w+\}/g) ?? []).sort();
    assert.deepEqual(params(en[key]), params(text), `the placeholders of ${key}`);
  }
});

test('every text the app names exists', () => {
  const missing = [];
  for (const file of sources(app)) {
    for (const [, key] of readFileSync(file, 'utf8').matchAll(/\bt\('([\w.]+)'\s*[,)]/g)) {
      if (!(key in fr)) missing.push(`${file}: ${key}`);
    }
  }
  assert.deepEqual(missing, []);
});
