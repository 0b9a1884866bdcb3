//! What each field of a record reveals about a person, as data (docs/formats/bundle.md section
//! 6): every field of `model` names its class next to its definition, and the parts of a
//! compound field (documents, contacts, family) name theirs here. A redaction profile is a
//! transform per class (`export::redact`), so a field added later is left out of redacted
//! bundles until it is classified. Pure.

/// What a value reveals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reveals {
    /// Who the person is: legal names, former names and nicknames, the birth date.
    Identity,
    /// A pseudonym chosen for sharing: the code name, which names nobody outside the exchange.
    Pseudonym,
    /// How to reach the person: phone numbers, messenger handles, addresses.
    Contact,
    /// Free text, which can say anything: notes, task titles, event texts.
    FreeText,
    /// Where the person is, finer than the country: the city.
    Place,
    /// The casework dates: timeline events, task due dates.
    CaseDate,
    /// Numbers looked up directly in state registers: document numbers, criminal case numbers.
    OfficialId,
    /// Other people and organisations: family members, the partner organisation.
    ThirdParty,
    /// The volunteers: who is assigned to the case.
    Staff,
    /// Data about criminal offences: risk flags (wanted, extradition), criminal articles.
    LegalStatus,
    /// The main facts of the case: category, stage, country, risk level.
    CaseCore,
    /// Other facts that, combined, can single a person out: citizenship, languages, document
    /// kinds and statuses, event kinds, whether a task is done.
    CaseFacts,
    /// A record's place in its case (the case a note belongs to): kept whenever the record is.
    Structure,
    /// Whether a value has parts with classes of their own (documents, contacts, family): see
    /// [`SUBFIELDS`].
    Compound,
}

impl Reveals {
    /// Every class, in a fixed order (the redaction table's rows).
    pub const ALL: [Reveals; 14] = [
        Reveals::Identity,
        Reveals::Pseudonym,
        Reveals::Contact,
        Reveals::FreeText,
        Reveals::Place,
        Reveals::CaseDate,
        Reveals::OfficialId,
        Reveals::ThirdParty,
        Reveals::Staff,
        Reveals::LegalStatus,
        Reveals::CaseCore,
        Reveals::CaseFacts,
        Reveals::Structure,
        Reveals::Compound,
    ];

    /// The class's name in docs, the contract file and the app.
    pub fn as_str(self) -> &'static str {
        match self {
            Reveals::Identity => "identity",
            Reveals::Pseudonym => "pseudonym",
            Reveals::Contact => "contact",
            Reveals::FreeText => "free_text",
            Reveals::Place => "place",
            Reveals::CaseDate => "case_date",
            Reveals::OfficialId => "official_id",
            Reveals::ThirdParty => "third_party",
            Reveals::Staff => "staff",
            Reveals::LegalStatus => "legal_status",
            Reveals::CaseCore => "case_core",
            Reveals::CaseFacts => "case_facts",
            Reveals::Structure => "structure",
            Reveals::Compound => "compound",
        }
    }
}

/// The parts of each compound field, with their classes: (field, part, class). Every key that
/// `model::input` accepts inside such a value must be listed (a tidy test reads both).
pub const SUBFIELDS: &[(&str, &str, Reveals)] = &[
    ("contacts", "channel", Reveals::Contact),
    ("contacts", "value", Reveals::Contact),
    ("documents", "kind", Reveals::CaseFacts),
    ("documents", "status", Reveals::CaseFacts),
    ("documents", "number", Reveals::OfficialId),
    ("family", "name", Reveals::ThirdParty),
    ("family", "relation", Reveals::ThirdParty),
    ("family", "birth_date", Reveals::ThirdParty),
];

/// The class of part `part` of compound field `field`; None: not classified (left out).
pub fn subfield(field: &str, part: &str) -> Option<Reveals> {
    SUBFIELDS.iter().find(|(f, p, _)| *f == field && *p == part).map(|s| s.2)
}
