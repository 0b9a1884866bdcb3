//! Tests of the text folding: names in their spellings meet, queries stay safe.

use super::*;

/// Keys of a name as the index sees it (one light token).
fn keys(name: &str) -> Vec<String> {
    let light = light_text(name);
    assert!(!light.contains(' '), "{name:?} is not one word: {light:?}");
    word_keys(&light)
}

fn assert_same_key(a: &str, b: &str) {
    let (ka, kb) = (keys(a), keys(b));
    assert!(ka.iter().any(|k| kb.contains(k)), "no shared key: {a:?} {ka:?} vs {b:?} {kb:?}");
}

/// Every spelling in a group must share a key with the first one.
const SAME: &[&[&str]] = &[
    &["Александр", "Aleksandr", "Alexander", "Aleksander", "Alexandr"],
    &["Сергей", "Sergei", "Sergey"],
    &["Юрий", "Yuri", "Yuriy", "Iurii", "Jurij", "Yury", "Juri"],
    &["Евгений", "Evgenii", "Yevgeniy", "Evgeny", "Evgeniy", "Yevgeny", "Jewgeni"],
    &["Щукин", "Shchukin", "Schukin", "Shtchukin", "Schtschukin"],
    &["Жуков", "Zhukov", "Jukov"],
    &["Хабаров", "Khabarov", "Habarov"],
    &["Цой", "Tsoi", "Tsoy"],
    &["Фёдор", "Федор", "Fedor", "Fyodor", "Fjodor", "Fiodor"],
    &["Пётр", "Петр", "Petr", "Pyotr", "Peter", "Pjotr"],
    &["Михаил", "Mikhail", "Mihail"],
    &["Дмитрий", "Dmitry", "Dmitrii", "Dmitriy", "Dmitri"],
    &["Алексей", "Aleksei", "Alexey", "Aleksey", "Alexei", "Aleksej"],
    &["Ксения", "Kseniia", "Ksenia", "Xenia", "Kseniya"],
    &["Наталья", "Natalia", "Natalya", "Natal'ya", "Natal’ya", "Natalʼja"],
    &["Илья", "Ilya", "Ilia", "Il'ya", "Ilja"],
    &["Кузнецов", "Kuznetsov", "Kuznetzov", "Kuznecov"],
    &["Цветков", "Tsvetkov", "Cvetkov"],
    &["Чайковский", "Chaikovskii", "Tchaikovsky", "Tschaikowski", "Chaykovskiy"],
    &["Соловьёв", "Соловьев", "Solovyov", "Soloviev", "Solovev", "Solovyev"],
    &["Хрущёв", "Khrushchev", "Khrushchyov"],
    &["Ёлкин", "Yolkin", "Elkin", "Jolkin"],
    &["Усманов", "Usmanov"],
    &["Васильев", "Vasiliev", "Vasilyev", "Vasilev", "Vassiliev", "Wassiljew"],
    &["Ходорковский", "Khodorkovsky", "Hodorkovskiy", "Khodorkovskii"],
    &["Дмитриев", "Dmitriev", "Dmitriyev"],
    &["Алексеев", "Alekseev", "Alekseyev", "Alexeyev"],
    &["Семён", "Semyon", "Semen", "Semion"],
    &["Артём", "Artyom", "Artem", "Artiom"],
    &["Женя", "Zhenya", "Jenya", "Zhenia"],
    &["Андрей", "Andrei", "Andrey", "Andrej"],
    &["Николай", "Nikolai", "Nikolay", "Nicolai", "Nikolaj"],
    &["Касымов", "Kasymov", "Kassymov", "Қасымов", "Kasimov"],
    &["Елена", "Yelena", "Elena", "Jelena"],
    &["Юлия", "Yulia", "Julia", "Iuliia", "Yuliya", "Julija"],
    &["Владимир", "Vladimir", "Wladimir"],
    &["Татьяна", "Tatiana", "Tatyana", "Tatjana"],
    &["Максим", "Maksim", "Maxim"],
    &["Мария", "Maria", "Mariya", "Mariia"],
    &["Константин", "Konstantin", "Constantin"],
    &["Анастасия", "Anastasia", "Anastasiya", "Anastasiia"],
    &["Екатерина", "Ekaterina", "Yekaterina", "Jekaterina"],
    &["Виктор", "Viktor", "Victor"],
    &["Василий", "Vasily", "Vasiliy", "Vasilii", "Wassili"],
    &["Ярослав", "Yaroslav", "Iaroslav", "Jaroslaw", "Jarosław"],
    &["Вячеслав", "Vyacheslav", "Viacheslav", "Wjatscheslaw"],
    &["Зайцев", "Zaitsev", "Zaytsev"],
    &["Яковлев", "Yakovlev", "Iakovlev", "Jakowlew"],
    &["Людмила", "Lyudmila", "Liudmila", "Ludmila", "Ljudmila"],
    &["Королёв", "Korolev", "Korolyov", "Koroljow"],
    &["Шевченко", "Shevchenko", "Schewtschenko"],
    &["Щербаков", "Shcherbakov", "Scherbakov", "Shtcherbakov"],
    &["Джугашвили", "Dzhugashvili", "Jugashvili"],
    &["Джамал", "Dzhamal", "Jamal"],
    &["Абдуллаев", "Abdullaev", "Abdullayev"],
    &["Юсупов", "Yusupov", "Iusupov", "Jusupow"],
    &["Ахмед", "Akhmed", "Ahmed"],
    &["Зоя", "Zoya", "Zoia", "Zoja"],
    &["Ильин", "Ilyin", "Iljin", "Il'in"],
    &["Жанна", "Zhanna", "Janna"],
    &["Олексій", "Oleksii", "Oleksiy"],
    &["Нұрсұлтан", "Nursultan"],
    &["Горбачёв", "Gorbachev", "Gorbachyov"],
    &["Григорьев", "Grigoryev", "Grigoriev", "Grigorev"],
    &["Красный", "Krasny", "Krasnyy", "Krasnyi"],
    &["Дьяченко", "Dyachenko", "Diachenko"],
    &["Тимофей", "Timofei", "Timofey", "Timofej"],
    &["Ольга", "Olga", "Ol'ga"],
    &["Müller", "Muller", "Мюллер"],
];

#[test]
fn spellings_share_a_key() {
    assert!(SAME.len() >= 40);
    for group in SAME {
        for other in &group[1..] {
            assert_same_key(group[0], other);
        }
    }
}

#[test]
fn different_names_do_not_collide() {
    let pairs = [
        ("Иванов", "Петров"),
        ("Сидоров", "Смирнов"),
        ("Kim", "Kit"),
        ("Shukin", "Zhukov"),
        ("Шукин", "Щукин"),
        ("Жуков", "Шуков"),
        ("Цветков", "Светков"),
        ("Чернов", "Шернов"),
        ("Иванова", "Иванов"),
        ("Мария", "Марина"),
        ("Юрий", "Юлий"),
        ("Олег", "Ольга"),
        ("Павел", "Павлов"),
        ("Zhenya", "Senya"),
        ("Dmitriev", "Dmitrieva"),
        ("Ivan", "Ian"),
    ];
    for (a, b) in pairs {
        let (ka, kb) = (keys(a), keys(b));
        assert!(!ka.iter().any(|k| kb.contains(k)), "{a:?} {ka:?} collides with {b:?} {kb:?}");
    }
}

#[test]
fn typed_prefix_key_is_prefix_of_full_key() {
    let cases = [
        ("Aleks", "Александр"),
        ("Aleks", "Алексей"),
        ("Alexa", "Александр"),
        ("Serge", "Сергей"),
        ("Dmitr", "Дмитрий"),
        ("Kuzne", "Кузнецов"),
        ("Mikha", "Михаил"),
        ("Natal", "Наталья"),
        ("Vasil", "Васильев"),
        ("Vladi", "Владимир"),
        ("Konst", "Константин"),
        ("Fyodo", "Фёдор"),
        ("Solov", "Соловьёв"),
        ("Zhuko", "Жуков"),
        ("Shchu", "Щукин"),
        ("Yevge", "Евгений"),
        ("Ekate", "Екатерина"),
        ("Tchai", "Чайковский"),
        ("Khodo", "Ходорковский"),
        ("Kasym", "Касымов"),
        ("Artyo", "Артём"),
        ("Semyo", "Семён"),
        ("Алекс", "Alexander"),
        ("Серге", "Sergey"),
    ];
    for (typed, full) in cases {
        let (kt, kf) = (keys(typed), keys(full));
        assert!(kt.iter().any(|t| kf.iter().any(|f| f.starts_with(t.as_str()))), "{typed:?} {kt:?} vs {full:?} {kf:?}");
    }
}

#[test]
fn word_keys_shape() {
    assert!(word_keys("").is_empty());
    assert!(word_keys("ь").is_empty());
    assert_eq!(word_keys("aleksandr"), ["aleksandr"]);
    assert_eq!(word_keys("жуков"), ["3ukov"]);
    assert_eq!(word_keys("хрущев"), ["hru6ev"]);
    assert_eq!(word_keys("jenya"), ["ena", "3ena"]);
    assert_eq!(word_keys("schukin"), ["6ukin", "5ukin"]);
    assert_eq!(word_keys("1985"), ["q1q9q8q5"]);
    assert_eq!(word_keys("東京"), ["x006771x004eac"]);
    // two ambiguous groups → 4 keys; a third one is capped
    assert_eq!(word_keys("juschjo").len(), 4);
    assert_eq!(word_keys("Юрий"), word_keys("юрий"));
}

#[test]
fn light_text_cases() {
    assert_eq!(light_text("ЁЛКИН ёжик"), "елкин ежик");
    assert_eq!(
        light_text("Müller Łukasz Dvořák Çelik Józef Straße İstanbul"),
        "muller lukasz dvorak celik jozef strasse istanbul"
    );
    assert_eq!(light_text("Vasil'yev Vasil’yev Natalʼya"), "vasilyev vasilyev natalya");
    assert_eq!(light_text("Petrov-Vodkin"), "petrov vodkin");
    assert_eq!(light_text("  Иван,  Петров!!😀(1985)—«Ж» "), "иван петров 1985 ж");
    assert_eq!(light_text("Cafe\u{301} Ren\u{e9}e"), "cafe renee");
    assert_eq!(light_text("Пьер Данильченко"), "пьер данильченко");
    assert_eq!(light_text(""), "");
    assert_eq!(light_text(" \t\n\u{a0} "), "");
    assert_eq!(light_text("'’-"), "");
}

#[test]
fn key_text_dedups() {
    assert_eq!(key_text("Юрий Yuri Iurii"), "uri");
    assert_eq!(key_text("Sergei, Sergey; Сергей!"), "sergei");
    assert_eq!(key_text("Jenya Zhenya Женя"), "ena 3ena");
    assert_eq!(key_text("Petrov-Vodkin"), "petrov vodkin");
    assert_eq!(key_text(""), "");
}

/// Replaces every FTS5 string literal by `Q` (panics on an unterminated one).
fn skeleton(expr: &str) -> String {
    let mut out = String::new();
    let mut chars = expr.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            out.push(c);
            continue;
        }
        loop {
            match chars.next() {
                Some('"') if chars.peek() == Some(&'"') => {
                    chars.next();
                }
                Some('"') => break,
                Some(_) => {}
                None => panic!("unterminated string in {expr:?}"),
            }
        }
        out.push('Q');
    }
    out
}

/// The expression has exactly the documented shape, whatever the input was.
fn assert_safe(expr: &str) -> usize {
    let sk = skeleton(expr);
    let groups: Vec<&str> = sk.split(" AND ").collect();
    for g in &groups {
        let rest = g.strip_prefix("(Q").and_then(|r| r.strip_suffix(')'));
        let rest = rest.unwrap_or_else(|| panic!("bad group {g:?} in {expr:?}"));
        let rest = rest.strip_prefix('*').unwrap_or(rest);
        assert!(rest.split(" OR Q").all(|t| t.is_empty() || t == "*"), "bad group {g:?} in {expr:?}");
    }
    groups.len()
}

#[test]
fn match_query_is_quoted_and_capped() {
    assert_eq!(match_query("Цой", Terms::NamePrefix), Some(r#"("цой"* OR "coi"*)"#.to_string()));
    assert_eq!(match_query("Цой", Terms::NameExact), Some(r#"("цой" OR "coi")"#.to_string()));
    assert_eq!(match_query("Цой Ivan", Terms::WordPrefix), Some(r#"("цой"*) AND ("ivan"*)"#.to_string()));
    assert_eq!(
        match_query("Jenya Ivanov", Terms::NamePrefix),
        Some(r#"("jenya"* OR "ena"* OR "3ena"*) AND ("ivanov"*)"#.to_string())
    );
    assert_eq!(match_query("ь", Terms::NamePrefix), Some(r#"("ь"*)"#.to_string()));
    for evil in
        [r#"foo" OR light:*"#, "NEAR(a b, 3)", "-x", "^a", "key:*", "a AND NOT b", "\"x\"\"", "{light key}: x + y"]
    {
        let expr = match_query(evil, Terms::NamePrefix).unwrap();
        assert_safe(&expr);
        assert!(!skeleton(&expr).contains("NOT") && !skeleton(&expr).contains("NEAR"), "{expr}");
    }
    assert_eq!(match_query(r#"foo" OR light:*"#, Terms::NamePrefix).map(|e| assert_safe(&e)), Some(3));
    let many: Vec<String> = (0..20).map(|i| format!("name{i}")).collect();
    assert_eq!(assert_safe(&match_query(&many.join(" "), Terms::NamePrefix).unwrap()), 8);
    for empty in ["", "   ", "\"\"\"", "«»—…“”!?", "😀🎉 ✓", "'’ʼ-"] {
        assert_eq!(match_query(empty, Terms::NamePrefix), None, "{empty:?}");
    }
}

fn check_all(s: &str) {
    let light = light_text(s);
    assert!(!light.starts_with(' ') && !light.ends_with(' ') && !light.contains("  "), "{s:?} → {light:?}");
    assert!(light.chars().all(|c| c == ' ' || c.is_alphanumeric()), "{s:?} → {light:?}");
    assert_eq!(light_text(&light), light, "light_text not idempotent for {s:?}");
    for w in light.split(' ').chain([s]) {
        let keys = word_keys(w);
        assert!(keys.len() <= MAX_KEYS, "{w:?} {keys:?}");
        for (i, k) in keys.iter().enumerate() {
            assert!(!k.is_empty() && k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()), "{w:?} {keys:?}");
            assert!(!keys[..i].contains(k), "{w:?} {keys:?}");
        }
    }
    let kt = key_text(s);
    assert!(kt.bytes().all(|b| b == b' ' || b.is_ascii_lowercase() || b.is_ascii_digit()), "{s:?} → {kt:?}");
    for terms in [Terms::NamePrefix, Terms::NameExact, Terms::WordPrefix] {
        match match_query(s, terms) {
            Some(expr) => assert!(assert_safe(&expr) <= MAX_QUERY_TOKENS),
            None => assert!(light.is_empty()),
        }
    }
}

#[test]
fn no_panics_on_arbitrary_input() {
    let ranges = [0..0x3000u32, 0xa640..0xa6a0, 0xfb00..0x10000, 0x1d400..0x1d800, 0x1f300..0x1fa00];
    for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
        check_all(&format!("{c}{c}j{c}Ж{c}-sch{c}"));
    }
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3000 {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let len = (seed >> 58) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|i| {
                let r = (seed.rotate_left(i as u32 * 7) >> 24) as u8;
                // bias towards ASCII letters and Cyrillic lead bytes
                match r % 4 {
                    0 => b'a' + r % 26,
                    1 => 0xd0 + r % 2,
                    _ => r,
                }
            })
            .collect();
        check_all(&String::from_utf8_lossy(&bytes));
    }
}
