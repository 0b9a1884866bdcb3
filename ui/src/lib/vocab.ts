/**
 * The stored codes of every vocabulary and the countries, read from the contract the core
 * generates (`generated/model.json`, from `src/contract.rs`; a Rust test keeps it current).
 * Labels come from the i18n catalogs (`vocab.<name>.<code>`), never from here.
 */
import model from './generated/model.json';

export const CATEGORIES: readonly string[] = model.vocabularies.category;
export const STAGES: readonly string[] = model.vocabularies.stage;
export const RISK_LEVELS: readonly string[] = model.vocabularies.risk_level;
export const RISK_FLAGS: readonly string[] = model.vocabularies.risk_flag;
export const DOCUMENT_KINDS: readonly string[] = model.vocabularies.document_kind;
export const DOCUMENT_STATUSES: readonly string[] = model.vocabularies.document_status;
export const CONTACT_CHANNELS: readonly string[] = model.vocabularies.contact_channel;
export const EVENT_KINDS: readonly string[] = model.vocabularies.event_kind;

/** Every vocabulary by the name used in catalog keys (`vocab.<name>.<code>`). */
export const VOCABS: { readonly [K in keyof typeof model.vocabularies]: readonly string[] } = model.vocabularies;

export type VocabName = keyof typeof VOCABS;

/** ISO 3166-1 alpha-2 codes (officially assigned), as accepted by the core. */
export const COUNTRIES: readonly string[] = model.countries;

/** The transit countries the caseworkers work in, listed first in every country picker. */
export const TRANSIT_COUNTRIES: readonly string[] = ['AM', 'GE', 'KZ'];

export function isCountry(code: string): boolean {
  return COUNTRIES.includes(code);
}

/** Higher is more urgent; unknown or unset levels sort last. */
export function riskRank(level: string | null | undefined): number {
  const i = level ? RISK_LEVELS.indexOf(level) : -1;
  return i;
}
