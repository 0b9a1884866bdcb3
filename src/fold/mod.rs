//! Text folding for the cross-script name search.
//!
//! Names of people are written in Cyrillic and in many Latin spellings (ICAO, BGN/PCGN,
//! German, scientific and everyday ones). This module turns text into the two columns of
//! the FTS5 index and turns a typed query into a safe MATCH expression:
//!
//! * `light`: lower-cased words in their own script, `ё`→`е`, Latin accents removed;
//! * `key`: phonetic keys, one deterministic fold applied to indexed names and to queries,
//!   so that `Юрий`, `Yuri`, `Yuriy`, `Iurii` and `Jurij` all end up as the same key.
//!
//! Pure, deterministic functions over strings: no IO, no state, no panics.

use std::collections::HashSet;
use std::fmt::Write as _;

/// At most this many phonetic keys per word (ambiguous spellings double the variants).
const MAX_KEYS: usize = 4;
/// At most this many query words become MATCH groups; the rest is ignored.
const MAX_QUERY_TOKENS: usize = 8;

/// Words of `text` for the `light` column: lower case, `ё`→`е`, Latin diacritics removed,
/// Cyrillic kept as Cyrillic. Apostrophes and soft-sign marks (`'`, `’`, `ʼ`, `ʹ`, …) vanish
/// inside words (`Vasil'yev` → `vasilyev`); every other run of characters that are not
/// letters or digits (hyphens, punctuation, emoji, spaces) becomes one space.
/// The result has no leading, trailing or doubled spaces.
pub fn light_text(text: &str) -> String {
    fn push(out: &mut String, c: char, gap: &mut bool) {
        if *gap && !out.is_empty() {
            out.push(' ');
        }
        *gap = false;
        out.push(c);
    }
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_silent(c) {
            continue;
        }
        match fold_latin(c) {
            Some(s) => s.chars().for_each(|f| push(&mut out, f, &mut gap)),
            None if c.is_alphanumeric() => push(&mut out, c, &mut gap),
            None => gap = true,
        }
    }
    out
}

/// Text for the `key` column: all phonetic keys ([`word_keys`]) of every word of
/// [`light_text`]`(text)`, each key once (first occurrence kept), separated by spaces.
pub fn key_text(text: &str) -> String {
    let mut seen = HashSet::new();
    let mut out = String::new();
    for key in light_text(text).split(' ').flat_map(word_keys) {
        if seen.insert(key.clone()) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&key);
        }
    }
    out
}

/// The phonetic keys of one word (normally a token of [`light_text`]): 1 to 4 distinct,
/// non-empty strings of ASCII `[a-z0-9]`. Several keys come from ambiguous Latin spellings
/// (`j` is ж in English, й in German; `sch` is щ or German ш; `c` before a/o/u or a
/// consonant is k, or ц in scientific transliteration). Empty input gives an empty
/// vec, and so does a word with nothing to key (a lone `ь` or `ъ`).
///
/// Key alphabet: `a`–`z` letters of the fold, `3` ж, `4` ч, `5` ш, `6` щ; a digit of the
/// word is written `q` + digit and any other character (Greek, CJK, …) `x` + 6 hex digits,
/// so such words still match themselves (`q` and `x` never occur in folded Latin).
pub fn word_keys(word: &str) -> Vec<String> {
    let latin = to_latin(word);
    let mut keys: Vec<String> = Vec::new();
    if latin.is_empty() {
        return keys;
    }
    for variant in fold_variants(&latin) {
        let key = encode(&simplify(&variant));
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Which terms a MATCH expression looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terms {
    /// Names as typed so far: every word as a prefix, in its own script or by phonetic key.
    NamePrefix,
    /// Names typed in full: every word exactly, in its own script or by phonetic key
    /// (ranks "Пётр" above "Петров" for the query "Петр").
    NameExact,
    /// Free text (notes): every word as a prefix, in its own script only.
    WordPrefix,
}

/// FTS5 MATCH expression for search-as-you-type over a one-column index whose rows hold
/// [`light_text`] words and, for names, [`key_text`] keys. `None` when `query` has no words.
/// Each of the first 8 words `t` of [`light_text`]`(query)` becomes `("t"* OR "k1"* OR …)`
/// (keys from [`word_keys`] for names; no `*` for [`Terms::NameExact`]); groups are joined
/// with ` AND `. Every term is double-quoted (inner `"` doubled), so user input can never be
/// read as FTS5 syntax (operators, column filters, `*`, `^`, `NEAR`).
pub fn match_query(query: &str, terms: Terms) -> Option<String> {
    let star = if terms == Terms::NameExact { "" } else { "*" };
    let groups: Vec<String> = light_text(query)
        .split(' ')
        .filter(|t| !t.is_empty())
        .take(MAX_QUERY_TOKENS)
        .map(|t| {
            let mut g = format!("({}{star}", fts_string(t));
            if terms != Terms::WordPrefix {
                for k in word_keys(t) {
                    if k != t {
                        let _ = write!(g, " OR {}{star}", fts_string(&k));
                    }
                }
            }
            g.push(')');
            g
        })
        .collect();
    if groups.is_empty() {
        None
    } else {
        Some(groups.join(" AND "))
    }
}

/// An FTS5 string literal.
fn fts_string(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Characters that disappear without splitting a word: apostrophes and primes used for
/// the soft/hard sign in transliteration, combining accents (decomposed input),
/// soft hyphen and zero-width characters.
fn is_silent(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '\u{b4}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{2032}'
            | '\u{2033}'
            | '\u{2b9}'..='\u{2bc}'
            | '\u{ad}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'
            | '\u{feff}'
            | '\u{300}'..='\u{36f}'
    )
}

/// `ё`→`е` and accent removal for lower-case Latin-1 / Latin Extended-A letters
/// (plus a few from Extended-B: ș ț ǎ ǐ ǒ ǔ ə). `None`: keep the character as it is.
fn fold_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'ё' => "е",
        'à'..='å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ə' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ĸ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ŋ' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Step 1: lower-case Cyrillic → Latin intermediate (Russian, Ukrainian, Belarusian,
/// Kazakh and a few Serbian/pre-1918 letters). The output is then folded like any Latin
/// spelling, so e.g. `х`→`kh` and `Khabarov` meet in the same rule.
fn cyrillic(c: char) -> Option<&'static str> {
    Some(match c {
        'а' | 'ә' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ґ' | 'ғ' | 'ѓ' => "g",
        'д' => "d",
        'е' | 'ё' | 'э' | 'ѣ' => "e",
        'ж' | 'җ' => "zh",
        'з' => "z",
        'и' | 'й' | 'і' | 'ѵ' => "i",
        'к' | 'қ' | 'ќ' => "k",
        'л' | 'љ' => "l",
        'м' => "m",
        'н' | 'ң' | 'њ' => "n",
        'о' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ў' | 'ұ' | 'ү' => "u",
        'ф' | 'ѳ' => "f",
        'х' => "kh",
        'һ' => "h",
        'ц' => "ts",
        'ч' | 'ћ' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        'ї' => "yi",
        'є' => "ye",
        'ј' => "j",
        'џ' => "dzh",
        'ђ' => "dj",
        'ѕ' => "dz",
        _ => return None,
    })
}

/// The word as lower-case Latin intermediate: light folding (defensive, the word should
/// already be light) plus Cyrillic transliteration; non-alphanumerics are skipped.
fn to_latin(word: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(word.len());
    let mut push = |c: char| match cyrillic(c) {
        Some(s) => out.extend(s.chars()),
        None => out.push(c),
    };
    for c in word.chars().flat_map(char::to_lowercase) {
        if is_silent(c) || !c.is_alphanumeric() {
            continue;
        }
        match fold_latin(c) {
            Some(s) => s.chars().for_each(&mut push),
            None => push(c),
        }
    }
    out
}

/// Step 2 table: Latin letter groups → class, longest first so the first hit is the
/// greedy longest match. `(spelling, class, alternative class or "")`. Upper-case letters
/// are internal class markers (the input is lower case): `Z` ж, `C` ч, `S` ш, `Q` щ.
const GROUPS: &[(&str, &str, &str)] = &[
    ("schtsch", "Q", ""), // German щ
    ("shtch", "Q", ""),
    ("shtsh", "Q", ""),
    ("shch", "Q", ""), // ICAO/BGN щ
    ("szcz", "Q", ""), // Polish щ
    ("tsch", "C", ""), // German ч (before "sch" so Tschaikowski is ч)
    ("sch", "Q", "S"), // Schukin = Щукин, but German Schewtschenko = Шевченко: both
    ("tch", "C", ""),  // English/French ч: Tchaikovsky
    ("dzh", "Z", ""),  // дж = English j: Dzhugashvili / Jugashvili
    ("dzj", "Z", ""),
    ("sh", "S", ""),
    ("sz", "S", ""), // Polish ш
    ("ch", "C", ""),
    ("cz", "C", ""), // Polish ч
    ("zh", "Z", ""),
    ("zs", "Z", ""), // Hungarian ж
    ("kh", "h", ""), // х: Khabarov / Habarov
    ("ph", "f", ""),
    ("ck", "k", ""),
    ("ts", "c", ""), // ц: Tsoi; Kuznetsov / Kuznetzov / Kuznecov
    ("tz", "c", ""),
    ("tc", "c", ""),
];

fn is_spelling_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

/// Vowels of the class string (after `y`→`i`); everything else counts as a consonant.
fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u')
}

/// One step of the Latin fold at `s[i]`: `(chars consumed, class, alternative or "")`,
/// or `None` to keep `s[i]` unchanged.
fn fold_step(s: &[char], i: usize) -> Option<(usize, &'static str, &'static str)> {
    for &(spelling, class, alt) in GROUPS {
        if spelling.chars().enumerate().all(|(k, p)| s.get(i + k) == Some(&p)) {
            return Some((spelling.len(), class, alt));
        }
    }
    let next = s.get(i + 1).copied();
    let class = match s[i] {
        // j after a vowel is the glide й (Andrej, Aleksej). At the start or after a
        // consonant and before a vowel it is ж in English (Jenya, Jamal) but й in German
        // or scientific spellings (Julia, Jurij, Jakow, Fjodor): keep both readings.
        'j' if (i == 0 || !is_spelling_vowel(s[i - 1])) && next.is_some_and(is_spelling_vowel) => {
            return Some((1, "i", "Z"))
        }
        'j' | 'y' => "i", // y is a vowel or the glide й: Yuriy = Iurii
        'c' if matches!(next, Some('e' | 'i' | 'y')) => "c", // Cecilia: ц-like
        // elsewhere c is k in English/Romance spellings (Nicolai, Victor) but ц in the
        // scientific transliteration (Kuznecov, Cvetkov): keep both readings
        'c' => return Some((1, "k", "c")),
        'q' => "k",
        'w' => "v",  // German: Wladimir, Tschaikowski
        'x' => "ks", // Alexander = Aleksandr
        _ => return None,
    };
    Some((1, class, ""))
}

/// Step 2: the Latin fold into class strings, one per reading of the ambiguous groups
/// (at most [`MAX_KEYS`]; once the cap is hit only the first reading is kept).
fn fold_variants(s: &[char]) -> Vec<Vec<char>> {
    let mut variants = vec![Vec::with_capacity(s.len())];
    let mut i = 0;
    while i < s.len() {
        let (used, class, alt) = fold_step(s, i).unwrap_or((1, "", ""));
        let before = variants.len();
        if !alt.is_empty() && before * 2 <= MAX_KEYS {
            variants.extend_from_within(..);
            variants[before..].iter_mut().for_each(|v| v.extend(alt.chars()));
        }
        for v in &mut variants[..before] {
            if class.is_empty() {
                v.push(s[i]);
            } else {
                v.extend(class.chars());
            }
        }
        i += used;
    }
    variants
}

/// Step 3: vowel-glide and spelling-noise rules on a class string, in this order:
///
/// 1. `io` at the word start or after a consonant → `e`: that is ё written `yo`/`io`/`jo`
///    where Russian spelling (and light text) has `е` (Fyodor = Fedor, Pyotr = Petr,
///    Semyon, Artyom, Gorbachyov, Yolkin = Ёлкин = Elkin). Must run before rule 2, which
///    would otherwise eat the `i` and leave `o`.
/// 2. an `i` directly before a vowel is dropped. This is the glide of е/ё/ю/я/ья/ие
///    written `y`/`i`/`j` or not at all: word start (Yuri = Iurii = Юрий → `uri`,
///    Yelena = Elena), after a consonant (Mariya = Mariia = Maria, Vasilyev = Vasiliev =
///    Vasilev, Dmitriyev = Dmitriev) and between vowels (Alekseyev = Alekseev, Zoya).
///    Decided on the string before the rule, so `iia` loses both `i`s.
/// 3. doubled letters collapse (`ii` of Dmitrii/Iurii, Kassymov, Vassiliev, Anna). After
///    rule 2 so that Alekse(i)ev → `alekseev` → `aleksev` like Алексеев.
/// 4. a final consonant + `er` → consonant + `r`: Western forms of names ending in a
///    consonant cluster (Alexander = Aleksandr, Peter = Petr). Last, on the final shape.
fn simplify(v: &[char]) -> Vec<char> {
    let mut a: Vec<char> = Vec::with_capacity(v.len());
    let mut k = 0;
    while k < v.len() {
        if v[k] == 'i' && v.get(k + 1) == Some(&'o') && a.last().is_none_or(|&p| !is_vowel(p)) {
            a.push('e');
            k += 2;
        } else {
            a.push(v[k]);
            k += 1;
        }
    }
    // Rules 2 and 3 share one pass: a dropped `i` is never pushed, so `b.last()` already
    // sees the string after rule 2.
    let mut b: Vec<char> = Vec::with_capacity(a.len());
    for (k, &c) in a.iter().enumerate() {
        let glide = c == 'i' && a.get(k + 1).is_some_and(|&n| is_vowel(n));
        let double = c.is_ascii_alphabetic() && b.last() == Some(&c);
        if !glide && !double {
            b.push(c);
        }
    }
    let n = b.len();
    if n >= 4 && b[n - 2] == 'e' && b[n - 1] == 'r' && !is_vowel(b[n - 3]) {
        b.remove(n - 2);
    }
    b
}

/// The class string as an ASCII key (see [`word_keys`] for the alphabet).
fn encode(v: &[char]) -> String {
    let mut key = String::with_capacity(v.len());
    for &c in v {
        match c {
            'Z' => key.push('3'),
            'C' => key.push('4'),
            'S' => key.push('5'),
            'Q' => key.push('6'),
            'a'..='z' => key.push(c),
            '0'..='9' => {
                key.push('q');
                key.push(c);
            }
            _ => {
                let _ = write!(key, "x{:06x}", c as u32);
            }
        }
    }
    key
}

#[cfg(test)]
mod tests;
