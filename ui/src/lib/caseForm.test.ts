import { describe, expect, it } from 'vitest';
import { createInput, draftOf, emptyDraft, fieldMatches, updateInput } from './caseForm';
import type { CaseFields } from './types';
import { clone, EMPTY_FIELDS } from './fake/input';

const base: CaseFields = {
  ...clone(EMPTY_FIELDS),
  full_name: 'Юрий Жуков',
  full_name_latin: 'Yuri Zhukov',
  aliases: ['Юра'],
  citizenship: ['RU'],
  languages: ['ru'],
  stage: emptyDraft().stage,
  country: 'KZ',
  city: 'Алматы',
  risk_level: 'high',
};

describe('case form', () => {
  it('creates input with only the fields that were filled in, lists split at commas, and the note', () => {
    const d = emptyDraft();
    d.full_name = '  Иван Щукин ';
    d.aliases = 'Ваня, , Ваня,  Щука';
    d.country = 'AM';
    d.contacts = [{ channel: 'signal', value: ' +374 ' }];
    expect(createInput(d, ' first meeting ')).toEqual({
      full_name: 'Иван Щукин',
      aliases: ['Ваня', 'Щука'],
      contacts: [{ channel: 'signal', value: '+374' }],
      stage: 'first_contact',
      country: 'AM',
      notes: ['first meeting'],
    });
  });

  it('updates only what changed, and clears with null', () => {
    const d = draftOf(base);
    d.city = '';
    d.languages = 'ru, en';
    d.full_name_latin = 'Yuri Zhukov';
    expect(updateInput(d, base, ['full_name_latin', 'city', 'languages', 'country'])).toEqual({
      city: null,
      languages: ['ru', 'en'],
    });
  });

  it('matches nested error fields to their form field', () => {
    expect(fieldMatches('contacts.value', 'contacts')).toBe(true);
    expect(fieldMatches('contacts', 'contacts')).toBe(true);
    expect(fieldMatches('country', 'contacts')).toBe(false);
    expect(fieldMatches(undefined, 'contacts')).toBe(false);
  });
});
