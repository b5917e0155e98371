// Prints the gzipped size of the initial JavaScript of web/dist: the entry script plus its
// modulepreloaded chunks, as listed in index.html. Lazy chunks (the editor) are listed apart.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('./dist/', import.meta.url).pathname;
const BUDGET_KB = 350;

if (!existsSync(join(dist, 'index.html'))) {
  console.error('web/dist/index.html is missing: run `npm run build:web` first');
  process.exit(1);
}
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set(
  [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/?([^"]+\.js)"/g)].map((m) => m[1]),
);
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(1);

let total = 0;
for (const file of initial) {
  const size = gz(file);
  total += size;
  console.log(`initial  ${kb(size).padStart(7)} kB gz  ${file}`);
}
for (const file of readdirSync(join(dist, 'assets'))) {
  if (file.endsWith('.js') && !initial.has(`assets/${file}`)) console.log(`lazy     ${kb(gz(`assets/${file}`)).padStart(7)} kB gz  assets/${file}`);
}
console.log(`initial JavaScript: ${kb(total)} kB gzipped (budget ${BUDGET_KB} kB)`);
if (total > BUDGET_KB * 1024) {
  console.error('over budget');
  process.exit(1);
}
