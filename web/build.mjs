// Builds the web UI into OUT_DIR (default ../build/web): the vendor bundle (esbuild), the app's
// ES modules copied unchanged, the stylesheets, all under assets/<hash>/ where <hash> is a
// digest of their content, so the server may let browsers cache them forever. index.html
// names that directory. Every text file gets a gzip twin (.gz) that the server sends to
// clients accepting gzip. Needs `npm ci` in web/ first (scripts/install-deps does it).
// Usage: node web/build.mjs OUT_DIR
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] ?? join(here, '..', 'build', 'web');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error(`web/build.mjs: esbuild is missing: run scripts/install-deps (npm ci in ${here})`);
  process.exit(1);
}

const vendor = await esbuild.build({
  entryPoints: [join(here, 'vendor-entry.js')],
  bundle: true,
  format: 'esm',
  minify: true,
  legalComments: 'eof',
  write: false,
  logLevel: 'error',
});

// Relative path -> content of every asset.
const assets = new Map();
assets.set('vendor.js', Buffer.from(vendor.outputFiles[0].contents));
assets.set('uplot.css', readFileSync(join(here, 'node_modules', 'uplot', 'dist', 'uPlot.min.css')));
function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else assets.set(relative(join(here, 'app'), path), readFileSync(path));
  }
}
walk(join(here, 'app'));

const digest = createHash('sha256');
for (const [name, content] of assets) digest.update(name).update('\0').update(content).update('\0');
const version = digest.digest('hex').slice(0, 16);

rmSync(join(out, 'assets'), { recursive: true, force: true });
const write = (path, content) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  writeFileSync(path + '.gz', gzipSync(content, { level: 9 }));
};
for (const [name, content] of assets) write(join(out, 'assets', version, name), content);
const index = readFileSync(join(here, 'index.html'), 'utf8').replaceAll('{{assets}}', `/assets/${version}`);
write(join(out, 'index.html'), Buffer.from(index));
if (!existsSync(join(out, 'index.html'))) process.exit(1);
console.log(`web: built ${assets.size} assets into ${out}/assets/${version}`);
