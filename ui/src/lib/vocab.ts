/**
 * The stored codes of every vocabulary, as in `src/model/vocab.rs`. Labels come from the
 * i18n catalogs (`vocab.<name>.<code>`), never from here.
 */

export const CATEGORIES = [
  'draft_evader',
  'mobilised_deserter',
  'contract_deserter',
  'conscientious_objector',
  'family_member',
] as const;

export const STAGES = [
  'first_contact',
  'vetting',
  'exit',
  'transit_stay',
  'visa_applied',
  'asylum_filed',
  'decision',
  'appeal',
  'closed',
] as const;

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;

export const RISK_FLAGS = [
  'wanted_federal',
  'wanted_international',
  'interpol_notice',
  'extradition_request',
  'detention',
  'deportation_order',
  'military_police_sighting',
  'travel_ban',
  'ordinary_criminal_charge',
] as const;

export const DOCUMENT_KINDS = [
  'internal_passport',
  'international_passport',
  'military_id',
  'summons_paper',
  'summons_electronic',
  'other',
] as const;

export const DOCUMENT_STATUSES = ['held', 'surrendered', 'expired', 'none', 'lost', 'confiscated'] as const;

export const CONTACT_CHANNELS = ['signal', 'telegram', 'whatsapp', 'phone', 'email', 'other'] as const;

export const EVENT_KINDS = [
  'contact',
  'border_crossing',
  'detention',
  'release',
  'hearing',
  'interview',
  'application_submitted',
  'decision',
  'appeal',
  'other',
] as const;

/** Every vocabulary by the name used in catalog keys (`vocab.<name>.<code>`). */
export const VOCABS = {
  category: CATEGORIES,
  stage: STAGES,
  risk_level: RISK_LEVELS,
  risk_flag: RISK_FLAGS,
  document_kind: DOCUMENT_KINDS,
  document_status: DOCUMENT_STATUSES,
  contact_channel: CONTACT_CHANNELS,
  event_kind: EVENT_KINDS,
} as const;

export type VocabName = keyof typeof VOCABS;

/** ISO 3166-1 alpha-2 codes (officially assigned), as accepted by the core. */
export const COUNTRIES: readonly string[] = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT ' +
  'MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG ' +
  'UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW'
).split(' ');

/** The transit countries the caseworkers work in, listed first in every country picker. */
export const TRANSIT_COUNTRIES: readonly string[] = ['AM', 'GE', 'KZ'];

export function isCountry(code: string): boolean {
  return COUNTRIES.includes(code);
}

/** Higher is more urgent; unknown or unset levels sort last. */
export function riskRank(level: string | null | undefined): number {
  const i = level ? (RISK_LEVELS as readonly string[]).indexOf(level) : -1;
  return i;
}
