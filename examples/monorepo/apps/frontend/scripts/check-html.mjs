// Lint for the static files: every local asset that index.html references exists, and the page
// declares its language and charset.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const publicDir = join(dirname(fileURLToPath(import.meta.url)), '../public');
const html = readFileSync(join(publicDir, 'index.html'), 'utf8');
const problems = [];
if (!/<html lang="[a-z-]+"/i.test(html)) problems.push('index.html: <html> has no lang attribute');
if (!/<meta charset="utf-8"/i.test(html)) problems.push('index.html: no <meta charset="utf-8">');
for (const [, ref] of html.matchAll(/(?:src|href)="(\/[^"]*)"/g)) {
  if (ref && !existsSync(join(publicDir, ref))) problems.push(`index.html: ${ref} does not exist in public/`);
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('public/: index.html and its assets are consistent');
