// Builds dist/: server.js + public/ (CSS and JS with comments and blank lines stripped).
// No dependencies: the Docker image copies dist/ as is.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(appDir, 'dist');

/** Tiny, safe minification for our own hand-written assets: drop comment-only and blank lines, trim indentation. */
export function minify(/** @type {string} */ source, /** @type {string} */ extension) {
  let text = source;
  if (extension === '.css') text = text.replace(/\/\*[\s\S]*?\*\//g, '');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !(extension === '.js' && line.startsWith('//')))
    .join('\n')
    .concat('\n');
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(join(outDir, 'public'), { recursive: true });
copyFileSync(join(appDir, 'src/server.js'), join(outDir, 'server.js'));
writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
let count = 0;
for (const name of readdirSync(join(appDir, 'public'))) {
  const extension = extname(name);
  const source = readFileSync(join(appDir, 'public', name), 'utf8');
  writeFileSync(join(outDir, 'public', name), ['.css', '.js'].includes(extension) ? minify(source, extension) : source);
  count++;
}
console.log(`dist/ built: server.js + ${count} static files`);
