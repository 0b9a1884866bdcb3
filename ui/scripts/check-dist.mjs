#!/usr/bin/env node
// Checks the production bundle in ui/dist against the app's CSP rules: no inline scripts or
// styles in index.html, no remote URLs loaded, no data: or blob: sources, no test fake.
// Exit code 1 with one line per problem.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const problems = [];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

let html;
try {
  html = readFileSync(join(dist, 'index.html'), 'utf8');
} catch {
  console.error('check-dist: dist/index.html is missing; run `npm run build` first');
  process.exit(1);
}

for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  const [, attrs, body] = m;
  if (body.trim() !== '') problems.push(`index.html: inline <script> content: ${body.trim().slice(0, 60)}`);
  if (!/\bsrc=/.test(attrs)) problems.push('index.html: <script> without src');
}
if (/<style\b/i.test(html)) problems.push('index.html: inline <style>');
if (/\son[a-z]+\s*=/i.test(html)) problems.push('index.html: inline event handler attribute');
for (const m of html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']+)["']/gi)) {
  const url = m[1];
  if (/^(?:[a-z]+:)?\/\//i.test(url) || /^(?:data|blob|javascript):/i.test(url)) {
    problems.push(`index.html: not a local resource: ${url}`);
  }
}

const all = files(dist);
for (const file of all) {
  const name = relative(dist, file);
  if (!/\.(js|css|html)$/.test(name)) continue;
  const text = readFileSync(file, 'utf8');
  if (text.includes('casebook-fake-backend')) problems.push(`${name}: contains the test fake backend`);
  // URLs the code could load: CSS url(), import(), a src/href assignment. Plain strings such as
  // Svelte's error-documentation links or XML namespaces are not loads and are allowed.
  for (const m of text.matchAll(/url\(\s*["']?((?:https?:)?\/\/[^"')]+)/gi)) problems.push(`${name}: remote url(): ${m[1]}`);
  for (const m of text.matchAll(/@import\s+["']?((?:https?:)?\/\/[^"';]+)/gi)) problems.push(`${name}: remote @import: ${m[1]}`);
  for (const m of text.matchAll(/\bimport\(\s*["']((?:https?:)?\/\/[^"']+)/gi)) problems.push(`${name}: remote import(): ${m[1]}`);
  for (const m of text.matchAll(/\b(?:src|href)\s*=\s*["']((?:https?:)?\/\/[^"']+)/gi)) problems.push(`${name}: remote src/href: ${m[1]}`);
  if (/\bfetch\(\s*["']https?:/.test(text)) problems.push(`${name}: fetch of a remote URL`);
  if (/\.(?:woff2?|ttf|otf)\b/.test(text) && name.endsWith('.css')) problems.push(`${name}: web font`);
}

const kb = (all.reduce((n, f) => n + statSync(f).size, 0) / 1024).toFixed(1);
if (problems.length > 0) {
  for (const p of problems) console.error(`check-dist: ${p}`);
  process.exit(1);
}
console.log(`check-dist: ${all.length} files, ${kb} KB, no inline scripts, no remote URLs, no test fake`);
