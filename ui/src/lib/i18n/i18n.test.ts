import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { en } from './en';
import { ru } from './ru';
import { formatDate, label, language, setLanguage, t, tn } from './index.svelte';
import { VOCABS } from '../vocab';
import { ERROR_CODES } from '../types';

/** ui/src (tests run from ui/, see package.json). */
const SRC = join(process.cwd(), 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(svelte|ts)$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

const catalogs = { en: en as Record<string, string>, ru: ru as Record<string, string> };
const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('catalogs', () => {
  it('have the same keys in English and Russian', () => {
    const enKeys = Object.keys(en).sort();
    const ruKeys = Object.keys(ru).sort();
    expect(enKeys.filter((k) => !(k in ru)), 'missing in ru').toEqual([]);
    expect(ruKeys.filter((k) => !(k in en)), 'missing in en').toEqual([]);
  });

  it('have no empty strings and the same {params} in both languages', () => {
    for (const key of Object.keys(en)) {
      expect(catalogs.en[key].trim(), key).not.toBe('');
      expect(catalogs.ru[key].trim(), key).not.toBe('');
      expect([...new Set(params(catalogs.ru[key]))], key).toEqual([...new Set(params(catalogs.en[key]))]);
    }
  });

  it('give counted phrases two English forms and three Russian ones', () => {
    const counted = Object.keys(en).filter((k) => catalogs.en[k].includes('|'));
    expect(counted.length).toBeGreaterThan(2);
    for (const key of counted) {
      expect(catalogs.en[key].split('|'), key).toHaveLength(2);
      expect(catalogs.ru[key].split('|'), key).toHaveLength(3);
    }
  });

  it('label every vocabulary code and every error code in both languages', () => {
    for (const [vocab, codes] of Object.entries(VOCABS)) {
      for (const code of codes) {
        for (const [lang, cat] of Object.entries(catalogs)) {
          expect(cat[`vocab.${vocab}.${code}`], `${lang} vocab.${vocab}.${code}`).toBeTruthy();
        }
      }
    }
    for (const code of ERROR_CODES) {
      for (const [lang, cat] of Object.entries(catalogs)) {
        expect(cat[`error.${code}`], `${lang} error.${code}`).toBeTruthy();
      }
    }
  });

  it('contain every key that the source calls t() or tn() with', () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(10);
    const missing: string[] = [];
    let found = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\btn?\(\s*'([^'$`]+)'/g)) {
        found++;
        if (!(m[1] in en)) missing.push(`${relative(SRC, file)}: ${m[1]}`);
      }
      for (const m of text.matchAll(/\bkey:\s*'([a-z_]+\.[a-z_.]+)'/g)) {
        found++;
        if (!(m[1] in en)) missing.push(`${relative(SRC, file)}: ${m[1]}`);
      }
    }
    expect(found).toBeGreaterThan(100);
    expect(missing).toEqual([]);
  });

  it('are used for every visible text: no English words between tags in components', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC).filter((f) => f.endsWith('.svelte'))) {
      let markup = readFileSync(file, 'utf8')
        .replace(/<script[\s\S]*?<\/script>/g, '')
        .replace(/<style[\s\S]*?<\/style>/g, '')
        .replace(/<!--[\s\S]*?-->/g, '');
      for (let prev = ''; prev !== markup; ) {
        prev = markup;
        markup = markup.replace(/\{[^{}]*\}/g, '');
      }
      for (const m of markup.matchAll(/>([^<>]*[A-Za-z]{2,}[^<>]*)</g)) offenders.push(`${relative(SRC, file)}: ${m[1].trim()}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('t() and tn()', () => {
  it('switch language at once and fill in params', () => {
    expect(t('nav.lock')).toBe('Lock');
    setLanguage('ru');
    expect(language()).toBe('ru');
    expect(t('nav.lock')).toBe('Заблокировать');
    expect(t('unlock.vault_at', { path: '/v' })).toBe('Хранилище: /v');
    expect(label('stage', 'transit_stay')).toBe('В транзитной стране');
    expect(label('stage', 'from_the_future')).toBe('from_the_future');
  });

  it('choose Russian plural forms one/few/many and group digits', () => {
    setLanguage('ru');
    const count = (n: number) => tn('list.count', n).replace(/\s/g, ' ');
    expect(count(1)).toBe('1 дело');
    expect(count(3)).toBe('3 дела');
    expect(count(5)).toBe('5 дел');
    expect(count(11)).toBe('11 дел');
    expect(count(21)).toBe('21 дело');
    expect(count(1234)).toBe('1 234 дела');
    expect(count(20000)).toBe('20 000 дел');
  });

  it('choose English plural forms and format dates in the chosen language', () => {
    expect(tn('list.count', 1)).toBe('1 case');
    expect(tn('list.count', 1234)).toBe('1,234 cases');
    expect(formatDate('2026-11-05')).toBe('5 Nov 2026');
    setLanguage('ru');
    expect(formatDate('2026-11-05')).toMatch(/^5 нояб\.? 2026/);
  });
});
