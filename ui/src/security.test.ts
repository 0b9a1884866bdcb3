import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/** ui/src (tests run from ui/, see package.json). */
const SRC = join(process.cwd(), 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(svelte|ts)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

describe('the UI source', () => {
  const sources = files(SRC).map((f) => ({ name: relative(SRC, f), text: readFileSync(f, 'utf8') }));

  it('never uses web storage, raw HTML or eval', () => {
    const banned = [/localStorage/, /sessionStorage/, /indexedDB/, /\{@html/, /innerHTML/, /outerHTML/, /\beval\(/, /new Function\(/, /document\.write/];
    const hits = sources.flatMap((s) => banned.filter((re) => re.test(s.text)).map((re) => `${s.name}: ${re}`));
    expect(hits).toEqual([]);
  });

  it('loads nothing from the network', () => {
    const hits = sources.filter((s) => /https?:\/\//.test(s.text) || /\bfetch\(/.test(s.text)).map((s) => s.name);
    expect(hits).toEqual([]);
  });

  it('touches Tauri only in lib/ipc.ts', () => {
    const hits = sources.filter((s) => s.text.includes('@tauri-apps/')).map((s) => s.name);
    expect(hits).toEqual(['lib/ipc.ts']);
  });
});
