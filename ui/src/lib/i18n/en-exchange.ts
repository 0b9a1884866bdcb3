/**
 * English catalog, the exchange-trust part: who signed a file and what it may change, the
 * field-by-field plan of an import, this vault's signing key, and the partner contact book.
 * Merged into `en` (`en.ts`).
 */
export const enExchange = {
  'exchange.signer_own': 'Signed by this vault',
  'exchange.signer_partner': 'Signed by {partner} (known key)',
  'exchange.signer_unknown': 'Signed by a key that is not in your contact book',
  'exchange.signer_unsigned': 'Not signed (made by an older Casebook, or its signature was removed)',
  'exchange.forwarded': 'It was made for {partner}, not for you: someone passed it on.',
  'exchange.forwarded_unnamed': 'It was made for someone else, not for you: someone passed it on.',
  'exchange.fingerprint': 'Signing key {fingerprint}',
  'exchange.not_verified':
    'Casebook cannot confirm who sent this file, so it will only add new cases. Cases you already have are left exactly as they are.',
  'exchange.verified': 'This file comes from a key you confirmed. It may update cases you have; each change is listed below.',
  'exchange.refused': '{count} case you already have is left unchanged|{count} cases you already have are left unchanged',
  'exchange.already_imported': 'This file was imported before ({when}). Importing it again changes nothing.',
  'exchange.changes_title': 'Changes, field by field',
  'exchange.change_apply': 'will change',
  'exchange.change_conflict': 'conflict: you decide',
  'exchange.change_conflict_note':
    'A field marked “conflict” was also changed here since the file was made. Both values are kept for you to choose in Conflicts.',
  'exchange.empty_value': '(empty)',
  'exchange.changes_more': 'and {count} more change|and {count} more changes',
  'exchange.signing_title': 'Your signing key',
  'exchange.signing_intro':
    'Every file you export is signed with this key, so a partner can check that it comes from you and was not changed. Give partners this line once, and compare the words by phone.',
  'exchange.signing_words': 'Words to compare by phone: {words}',
  'exchange.signing_check': 'Partners without Casebook check a file with ssh-keygen; the file’s README.txt says how.',
  'exchange.partners_title': 'Partners',
  'exchange.partners_intro':
    'Organisations you exchange files with. Export to a partner by name; files signed with a partner’s key are shown as coming from it. Add a key only after comparing its words with the partner by phone.',
  'exchange.partners_none': 'No partner yet.',
  'exchange.partner_name': 'Name of the organisation',
  'exchange.partner_recipient': 'Their public key (age1…)',
  'exchange.partner_signing': 'Their signing key (ssh-ed25519 …), to recognise their files',
  'exchange.partner_note': 'Note (optional)',
  'exchange.partner_add': 'Add partner',
  'exchange.partner_adding': 'Adding…',
  'exchange.partner_remove': 'Remove',
  'exchange.partner_remove_confirm':
    'Remove {name}? Its keys stop working on every computer of your group: nobody can export to it any more, and its files are no longer recognised.',
  'exchange.partner_key_recipient': 'public key',
  'exchange.partner_key_signing': 'signing key',
  'exchange.partner_unconfirmed': 'not confirmed on this computer',
  'exchange.partner_unconfirmed_by': 'added on {device}, not confirmed on this computer: not used until you confirm it',
  'exchange.partner_confirm': 'Confirm…',
  'exchange.partner_confirm_title': 'Confirm a key of {name}',
  'exchange.partner_confirm_text':
    'Call {name} on a number you already know (not one from an e-mail or a message) and read these words together. Confirm only if they are exactly the words the partner reads out to you. If they differ, somebody may be trying to receive your files: do not confirm, and tell your coordinator.',
  'exchange.partner_confirm_yes': 'The words match',
  'exchange.partner_choose': 'Choose a partner.',
  'exchange.partner_no_key':
    'This partner has no public key confirmed on this computer. Compare its words with the partner by phone, then confirm the key under Import → Partners.',
  'exchange.protection_partner_unconfirmed':
    'This partner also has a key that was added on another computer and is not confirmed here. Files are not encrypted to it until you compare its words with the partner by phone and confirm it under Import → Partners.',
  'exchange.rarity_warning':
    'Rare in your own files: only {count} case in your vault (that case included) has the category, stage, country, risk level and citizenship of the rarest of these cases. A partner may recognise the person without a name: the world is larger than your vault, but do not count on it.|Rare in your own files: only {count} cases in your vault (that case included) have the category, stage, country, risk level and citizenship of the rarest of these cases. A partner may recognise the person without a name: the world is larger than your vault, but do not count on it.',
  'exchange.protection_partner': 'A partner from your contact book (recommended)',
  'exchange.protection_partner_use': 'Encrypted to the partner’s confirmed keys; the file names the partner it was made for.',
  'exchange.locked_partner': 'For {partner}, with its confirmed keys',
  'exchange.protection_partner_label': 'Partner',
  'exchange.protection_partner_keys': 'The file will be locked for these keys (compare the words if in doubt):',
  'exchange.protection_no_partners': 'No partner in your contact book yet: add one under Import → Partners, or paste a key.',
  'export.class.identity': 'Real names, aliases and nicknames, date of birth',
  'export.class.pseudonym': 'The code name chosen for sharing',
  'export.class.contact': 'Contacts: phone numbers, messenger names, e-mail addresses',
  'export.class.free_text': 'Everything written as text: notes, task titles, details of timeline events',
  'export.class.place': 'The city where the person is (the country stays)',
  'export.class.case_date': 'Dates of timeline events and task due dates',
  'export.class.official_id': 'Document numbers and the criminal case number',
  'export.class.third_party': 'Other people: family members, the partner organisation',
  'export.class.staff': 'Who in your group works on the case',
  'export.class.legal_status': 'Risk flags (wanted, extradition) and Criminal Code articles',
  'export.class.case_core': 'Category, stage, country and risk level',
  'export.class.case_facts': 'Citizenship, languages, which documents the person has (without numbers), kinds of events, which tasks are done',
  'export.class.metadata': 'When each record was made or changed; the record ids are made for this partner alone',
  'exchange.include_city': 'Also include the city',
  'exchange.not_anonymous': 'Without identity is not anonymous: the facts it keeps can still point to one person. Send only what the partner needs.',
};
