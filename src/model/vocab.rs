//! The stored codes of the domain's vocabularies (category, stage, risk, documents, ...).
//!
//! Codes are stable identifiers written to the database, the change log and exports; labels in
//! the UI come from the translation catalogs, never from here.

/// A closed vocabulary: its name (for error messages) and its codes.
#[derive(Debug)]
pub struct Vocab {
    /// The JSON key the vocabulary is used for.
    pub name: &'static str,
    /// Accepted codes.
    pub codes: &'static [&'static str],
}

impl Vocab {
    /// Whether `code` belongs to the vocabulary.
    pub fn contains(&self, code: &str) -> bool {
        self.codes.contains(&code)
    }
    /// "a, b or c" for error messages.
    pub fn listing(&self) -> String {
        match self.codes.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            Some((last, _)) => last.to_string(),
            None => String::new(),
        }
    }
}

/// What a partner's key is for (docs/formats/bundle.md section 8).
pub const KEY_KIND: Vocab = Vocab { name: "key_kind", codes: &["recipient", "signing"] };

pub const CATEGORY: Vocab = Vocab {
    name: "category",
    codes: &["draft_evader", "mobilised_deserter", "contract_deserter", "conscientious_objector", "family_member"],
};

pub const STAGE: Vocab = Vocab {
    name: "stage",
    codes: &[
        "first_contact",
        "vetting",
        "exit",
        "transit_stay",
        "visa_applied",
        "asylum_filed",
        "decision",
        "appeal",
        "closed",
    ],
};

pub const RISK_LEVEL: Vocab = Vocab { name: "risk_level", codes: &["low", "medium", "high", "critical"] };

pub const RISK_FLAG: Vocab = Vocab {
    name: "risk_flags",
    codes: &[
        "wanted_federal",
        "wanted_international",
        "interpol_notice",
        "extradition_request",
        "detention",
        "deportation_order",
        "military_police_sighting",
        "travel_ban",
        "ordinary_criminal_charge",
    ],
};

pub const DOCUMENT_KIND: Vocab = Vocab {
    name: "documents.kind",
    codes: &[
        "internal_passport",
        "international_passport",
        "military_id",
        "summons_paper",
        "summons_electronic",
        "other",
    ],
};

pub const DOCUMENT_STATUS: Vocab =
    Vocab { name: "documents.status", codes: &["held", "surrendered", "expired", "none", "lost", "confiscated"] };

pub const CONTACT_CHANNEL: Vocab =
    Vocab { name: "contacts.channel", codes: &["signal", "telegram", "whatsapp", "phone", "email", "other"] };

pub const EVENT_KIND: Vocab = Vocab {
    name: "kind",
    codes: &[
        "contact",
        "border_crossing",
        "detention",
        "release",
        "hearing",
        "interview",
        "application_submitted",
        "decision",
        "appeal",
        "other",
    ],
};

/// ISO 3166-1 alpha-2 codes (officially assigned).
const COUNTRIES: &str =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG \
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Every ISO 3166-1 alpha-2 code this build accepts, in order.
pub fn countries() -> impl Iterator<Item = &'static str> {
    COUNTRIES.split(' ')
}

/// Whether `code` is an assigned ISO 3166-1 alpha-2 country code (upper case).
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_list_has_the_249_assigned_codes_sorted_and_unique() {
        let codes: Vec<&str> = COUNTRIES.split(' ').collect();
        assert_eq!(codes.len(), 249);
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, codes);
        for c in ["AM", "GE", "KZ", "RU", "DE", "FR", "RS", "TR", "UZ"] {
            assert!(is_country(c), "{c}");
        }
        for c in ["XX", "am", "SU", "", "A", "USA", "UK"] {
            assert!(!is_country(c), "{c}");
        }
    }

    #[test]
    fn listing_reads_naturally() {
        assert_eq!(RISK_LEVEL.listing(), "low, medium, high or critical");
    }
}
