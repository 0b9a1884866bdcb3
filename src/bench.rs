//! `casebook bench`: builds realistic case files in a throw-away vault and reports speed and
//! size, each as a ratio against a baseline measured in the same run (the same schema and
//! workload on plain, unencrypted SQLite). Figures are printed, never asserted.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value as Json};

use crate::entropy::{Entropy, OsEntropy, SeededEntropy, SystemClock};
use crate::error::{Error, Result};
use crate::secret::{DataKey, Passphrase};
use crate::store::read::CaseFilter;
use crate::store::{open_connection, DbKey, Store};
use crate::vault::header::{DbCipher, Header, PageHmac, SlotKind};
use crate::vault::{keyslot, CreateOptions, Vault};

/// Options of `casebook bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// How many cases to build
    #[arg(long, default_value_t = 100_000)]
    pub cases: usize,
    /// Cases per transaction in the bulk insert
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// Search-as-you-type queries to time
    #[arg(long, default_value_t = 1000)]
    pub queries: usize,
    /// Single-edit commits to time
    #[arg(long, default_value_t = 200)]
    pub edits: usize,
    /// Skip the unlock measurement at the default (slow, 256 MiB) KDF parameters
    #[arg(long)]
    pub skip_kdf: bool,
    /// Also measure what memory security, the page HMAC and the page size each cost
    #[arg(long)]
    pub compare_settings: bool,
    /// Work folder (default: a new temporary folder, removed afterwards)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

const GIVEN: &[(&str, &str)] = &[
    ("Александр", "Aleksandr"),
    ("Сергей", "Sergei"),
    ("Дмитрий", "Dmitrii"),
    ("Андрей", "Andrei"),
    ("Алексей", "Aleksei"),
    ("Максим", "Maksim"),
    ("Евгений", "Evgenii"),
    ("Иван", "Ivan"),
    ("Михаил", "Mikhail"),
    ("Артём", "Artem"),
    ("Юрий", "Iurii"),
    ("Николай", "Nikolai"),
    ("Павел", "Pavel"),
    ("Владимир", "Vladimir"),
    ("Кирилл", "Kirill"),
    ("Илья", "Ilia"),
    ("Фёдор", "Fedor"),
    ("Пётр", "Petr"),
    ("Григорий", "Grigorii"),
    ("Тимур", "Timur"),
    ("Руслан", "Ruslan"),
    ("Роман", "Roman"),
    ("Егор", "Egor"),
    ("Денис", "Denis"),
    ("Олег", "Oleg"),
    ("Вячеслав", "Viacheslav"),
    ("Станислав", "Stanislav"),
    ("Константин", "Konstantin"),
    ("Семён", "Semen"),
    ("Ярослав", "Iaroslav"),
];
const SURNAMES: &[(&str, &str)] = &[
    ("Иванов", "Ivanov"),
    ("Смирнов", "Smirnov"),
    ("Кузнецов", "Kuznetsov"),
    ("Попов", "Popov"),
    ("Васильев", "Vasilev"),
    ("Петров", "Petrov"),
    ("Соколов", "Sokolov"),
    ("Михайлов", "Mikhailov"),
    ("Новиков", "Novikov"),
    ("Фёдоров", "Fedorov"),
    ("Морозов", "Morozov"),
    ("Волков", "Volkov"),
    ("Алексеев", "Alekseev"),
    ("Лебедев", "Lebedev"),
    ("Семёнов", "Semenov"),
    ("Егоров", "Egorov"),
    ("Павлов", "Pavlov"),
    ("Козлов", "Kozlov"),
    ("Степанов", "Stepanov"),
    ("Николаев", "Nikolaev"),
    ("Орлов", "Orlov"),
    ("Андреев", "Andreev"),
    ("Макаров", "Makarov"),
    ("Никитин", "Nikitin"),
    ("Захаров", "Zakharov"),
    ("Зайцев", "Zaitsev"),
    ("Соловьёв", "Solovev"),
    ("Борисов", "Borisov"),
    ("Яковлев", "Iakovlev"),
    ("Григорьев", "Grigorev"),
    ("Щукин", "Shchukin"),
    ("Жуков", "Zhukov"),
    ("Хабаров", "Khabarov"),
    ("Цветков", "Tsvetkov"),
    ("Чернов", "Chernov"),
    ("Шевченко", "Shevchenko"),
    ("Юсупов", "Iusupov"),
    ("Ахмедов", "Akhmedov"),
    ("Гусев", "Gusev"),
    ("Тихонов", "Tikhonov"),
];
const PLACES: &[(&str, &str)] = &[
    ("AM", "Ереван"),
    ("AM", "Гюмри"),
    ("AM", "Yerevan"),
    ("GE", "Тбилиси"),
    ("GE", "Batumi"),
    ("GE", "Кутаиси"),
    ("KZ", "Алматы"),
    ("KZ", "Astana"),
    ("KZ", "Уральск"),
    ("RS", "Belgrade"),
    ("TR", "Istanbul"),
    ("UZ", "Ташкент"),
];
const STAGES: &[&str] = &[
    "first_contact",
    "vetting",
    "exit",
    "transit_stay",
    "visa_applied",
    "asylum_filed",
    "decision",
    "appeal",
    "closed",
];
const CATEGORIES: &[&str] =
    &["draft_evader", "mobilised_deserter", "contract_deserter", "conscientious_objector", "family_member"];
const RISKS: &[&str] = &["low", "medium", "high", "critical"];
const NOTE_WORDS: &[&str] = &[
    "позвонил",
    "через",
    "Signal",
    "граница",
    "паспорт",
    "повестка",
    "консульство",
    "встреча",
    "адвокат",
    "документы",
    "called",
    "border",
    "passport",
    "summons",
    "lawyer",
    "visa",
    "appointment",
    "hearing",
    "shelter",
    "transfer",
    "ВЧ",
    "часть",
    "мобилизован",
    "отказ",
    "статья",
    "338",
    "337",
    "Interpol",
    "рейс",
    "квартира",
];

/// A generated case: its JSON, (date, kind, text) of its events, and an optional task due date.
pub type GeneratedCase = (Map<String, Json>, Vec<(String, &'static str, String)>, Option<String>);

/// A deterministic generator of realistic case files.
pub struct Workload {
    rng: SeededEntropy,
}

impl Workload {
    /// A workload from a fixed seed, so two runs build the same cases.
    pub fn new(seed: u64) -> Self {
        Workload { rng: SeededEntropy::new(seed) }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.rng.next_u64() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.rng.next_u64() % 100 < percent
    }
    /// The JSON of one case (with 1–3 notes), plus (date, kind, text) of 1–2 events and an
    /// optional task due date.
    pub fn case(&mut self) -> GeneratedCase {
        let (g, gl) = *self.pick(GIVEN);
        let (s, sl) = *self.pick(SURNAMES);
        let (country, city) = *self.pick(PLACES);
        let mut case = Map::new();
        case.insert("full_name".into(), json!(format!("{s} {g}")));
        if self.chance(60) {
            case.insert("full_name_latin".into(), json!(format!("{sl} {gl}")));
        }
        if self.chance(30) {
            case.insert("aliases".into(), json!([format!("{}{}", &gl[..3], self.rng.next_u64() % 100)]));
        }
        let year = 1970 + self.rng.next_u64() % 36;
        case.insert(
            "birth_date".into(),
            json!(format!("{year}-{:02}-{:02}", 1 + self.rng.next_u64() % 12, 1 + self.rng.next_u64() % 28)),
        );
        case.insert("citizenship".into(), json!(["RU"]));
        case.insert("category".into(), json!(self.pick(CATEGORIES)));
        case.insert("stage".into(), json!(self.pick(STAGES)));
        case.insert("country".into(), json!(country));
        case.insert("city".into(), json!(city));
        case.insert("risk_level".into(), json!(self.pick(RISKS)));
        if self.chance(25) {
            case.insert("risk_flags".into(), json!(["wanted_federal"]));
            case.insert("criminal_articles".into(), json!([self.pick(&["328", "337", "338"])]));
        }
        if self.chance(50) {
            case.insert(
                "contacts".into(),
                json!([{"channel": "signal", "value": format!("+7 9{:09}", self.rng.next_u64() % 1_000_000_000)}]),
            );
        }
        let notes: Vec<String> = (0..1 + self.rng.next_u64() % 3)
            .map(|_| (0..12 + self.rng.next_u64() % 30).map(|_| *self.pick(NOTE_WORDS)).collect::<Vec<_>>().join(" "))
            .collect();
        case.insert("notes".into(), json!(notes));
        let events = (0..1 + self.rng.next_u64() % 2)
            .map(|_| {
                let date = format!("2025-{:02}-{:02}", 1 + self.rng.next_u64() % 12, 1 + self.rng.next_u64() % 28);
                let kind = *self.pick(&["contact", "border_crossing", "hearing", "application_submitted"]);
                (date, kind, "прибыл в аэропорт / arrived".to_string())
            })
            .collect();
        let due = self
            .chance(40)
            .then(|| format!("2026-{:02}-{:02}", 1 + self.rng.next_u64() % 12, 1 + self.rng.next_u64() % 28));
        (case, events, due)
    }
    /// A search-as-you-type query: a prefix (2 letters up to the whole word) of a name in a
    /// random spelling, sometimes followed by the start of a second name.
    pub fn query(&mut self) -> String {
        let (g, gl) = *self.pick(GIVEN);
        let (s, sl) = *self.pick(SURNAMES);
        let variants = [s, sl, g, gl];
        let word = *self.pick(&variants);
        let n = word.chars().count();
        let len = 2 + (self.rng.next_u64() as usize % (n - 1));
        let mut q: String = word.chars().take(len).collect();
        if self.chance(30) {
            let second = if word == s || word == sl { gl } else { sl };
            q.push(' ');
            q.extend(second.chars().take(3));
        }
        q
    }
}

fn add_generated(store: &mut Store, w: &mut Workload, n: usize, batch: usize) -> Result<Vec<[u8; 16]>> {
    let mut ids = Vec::with_capacity(n);
    let mut done = 0;
    while done < n {
        let k = batch.min(n - done);
        let cases: Vec<_> = (0..k).map(|_| w.case()).collect();
        let batch_ids = store.write(|wr| {
            let mut out = Vec::with_capacity(k);
            for (case, events, due) in cases {
                out.push(wr.add_case_in(&case)?);
                let id = *out.last().expect("pushed");
                for (date, kind, text) in events {
                    wr.add_child(&crate::model::EVENT, &id, &[("date", &date), ("kind", kind), ("text", &text)])?;
                }
                if let Some(due) = due {
                    wr.add_child(
                        &crate::model::TASK,
                        &id,
                        &[("title", "позвонить адвокату / call the lawyer"), ("due", &due)],
                    )?;
                }
            }
            Ok(out)
        })?;
        ids.extend(batch_ids.iter().map(|u: &uuid::Uuid| *u.as_bytes()));
        done += k;
    }
    Ok(ids)
}

fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Run {
    insert: Duration,
    edit_median: Duration,
    db_bytes: u64,
    store: Store,
}

fn run_workload(path: &Path, key: DbKey<'_>, args: &BenchArgs) -> Result<Run> {
    run_on(open_connection(path, key)?, path, args)
}

fn run_on(conn: rusqlite::Connection, path: &Path, args: &BenchArgs) -> Result<Run> {
    let mut store = Store::open(conn, Box::new(SystemClock), Box::new(OsEntropy))?;
    let mut w = Workload::new(42);
    let started = Instant::now();
    let ids = add_generated(&mut store, &mut w, args.cases, args.batch.max(1))?;
    // A bulk load ends by merging the search indexes (part of the measured time).
    store.optimize_search()?;
    let insert = started.elapsed();
    // Edits start from a checkpointed WAL, as after a normal open; the first 10 warm the cache.
    store.checkpoint()?;
    let mut edits = Vec::with_capacity(args.edits);
    let mut pick = SeededEntropy::new(7);
    for i in 0..args.edits + 10 {
        let id = ids[(pick.next_u64() % ids.len() as u64) as usize];
        let mut change = Map::new();
        change.insert("stage".into(), json!(STAGES[i % STAGES.len()]));
        change.insert("risk_level".into(), json!(RISKS[i % RISKS.len()]));
        let t = Instant::now();
        store.update_case(&id, &change)?;
        if i >= 10 {
            edits.push(t.elapsed());
        }
    }
    edits.sort();
    store.checkpoint()?;
    Ok(Run { insert, edit_median: percentile(&edits, 0.5), db_bytes: file_size(path), store })
}

/// Runs the benchmark and writes the report to `out`.
pub fn run(args: &BenchArgs, out: &mut dyn Write) -> Result<()> {
    if args.cases < 10 {
        return Err(Error::invalid("cases", "use at least 10 cases"));
    }
    let tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| Error::io(format!("could not create {}", d.display()), e))?;
            d.clone()
        }
        None => {
            tmp = TempDir::new()?;
            tmp.0.clone()
        }
    };
    let w = |out: &mut dyn Write, line: String| {
        out.write_all(format!("{line}\n").as_bytes()).map_err(|e| Error::io("could not write the report", e))
    };
    w(out, format!("casebook bench: {} cases, batches of {}, in {}", args.cases, args.batch, dir.display()))?;

    // Baseline: plain SQLite, same schema, same workload, same pragmas.
    let plain_path = dir.join("plain.db");
    let plain = run_workload(&plain_path, DbKey::Plain, args)?;
    drop(plain.store);
    // Diagnostic, before anything turns memory security on for the whole process.
    let no_memsec = if args.compare_settings {
        let p = dir.join("no-memory-security.db");
        let conn = crate::store::open_connection_without_memory_security(&p, &[9u8; 32], DbCipher::default())?;
        let r = run_on(conn, &p, args)?;
        Some((r.insert, r.edit_median))
    } else {
        None
    };

    // The real thing: a vault with our SQLCipher settings (weak KDF here; unlock is timed below).
    let vault_dir = dir.join("vault");
    let opts = CreateOptions {
        passphrase_kdf: crate::vault::header::KdfParams { m_kib: keyslot::MIN_M_KIB, t: 1, p: 1 },
        recovery_kdf: crate::vault::header::KdfParams { m_kib: keyslot::MIN_M_KIB, t: 1, p: 1 },
        db: DbCipher::default(),
    };
    let pass = Passphrase::new("bench passphrase".into())?;
    let (vault, _) = Vault::create(&vault_dir, &pass, opts, &mut OsEntropy)?;
    let key = vault.sqlcipher_key();
    let db_path = vault_dir.join(crate::vault::DB_FILE);
    let enc = run_workload(&db_path, DbKey::Raw(&key, DbCipher::default()), args)?;

    w(out, String::new())?;
    w(out, format!("{:<44} {:>12} {:>12} {:>7}", "measure", "sqlcipher", "plain", "ratio"))?;
    let row = |name: &str, a: f64, b: f64, unit: &str| {
        format!("{name:<44} {:>10.1}{unit} {:>10.1}{unit} {:>6.2}×", a, b, a / b)
    };
    w(out, row("bulk insert, whole workload (s)", enc.insert.as_secs_f64(), plain.insert.as_secs_f64(), " s"))?;
    w(
        out,
        format!(
            "{:<44} {:>10.0}/s {:>10.0}/s",
            "  cases per second",
            args.cases as f64 / enc.insert.as_secs_f64(),
            args.cases as f64 / plain.insert.as_secs_f64()
        ),
    )?;
    w(out, row("single edit commit (stage + risk), median (ms)", ms(enc.edit_median), ms(plain.edit_median), "ms"))?;

    // Search-as-you-type, hydrated results.
    let store = enc.store;
    let mut q = Workload::new(99);
    let queries: Vec<String> = (0..args.queries).map(|_| q.query()).collect();
    let mut times = Vec::with_capacity(queries.len());
    let mut hits = 0usize;
    for query in &queries {
        let t = Instant::now();
        hits += store.search(query, &CaseFilter::default(), 50)?.len();
        times.push(t.elapsed());
    }
    times.sort();
    w(
        out,
        format!(
            "{:<44} {:>10.2}ms p50, {:.2}ms p95, {:.2}ms max ({} queries, {:.1} hits avg)",
            "search-as-you-type, hydrated top 50",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(percentile(&times, 1.0)),
            queries.len(),
            hits as f64 / queries.len().max(1) as f64
        ),
    )?;

    // Open (after the KDF) + first page of the list.
    store.checkpoint()?;
    drop(store);
    let t = Instant::now();
    let store = vault.open_store(Box::new(SystemClock), Box::new(OsEntropy))?;
    let page = store.list_cases(&CaseFilter::default(), 0, 50)?;
    let open_ms = ms(t.elapsed());
    w(out, format!("{:<44} {:>10.1}ms ({} rows)", "open + first page of the case list", open_ms, page.len()))?;
    let t = Instant::now();
    let filtered = store.list_cases(
        &CaseFilter { stage: Some("vetting".into()), country: Some("AM".into()), ..Default::default() },
        0,
        50,
    )?;
    w(out, format!("{:<44} {:>10.1}ms ({} rows)", "filtered page (stage + country)", ms(t.elapsed()), filtered.len()))?;
    let t = Instant::now();
    let due = store.list_cases_sorted(
        &CaseFilter { tasks_due_by: Some("2026-03-01".into()), ..Default::default() },
        crate::store::read::CaseSort::NextDue,
        0,
        50,
    )?;
    w(out, format!("{:<44} {:>10.1}ms ({} rows)", "tasks-due filter page, by due date", ms(t.elapsed()), due.len()))?;

    // Sizes, with and without the change log, both compacted (VACUUM) so they compare.
    let n = args.cases as f64;
    store.connection().execute_batch("VACUUM;")?;
    store.checkpoint()?;
    let with_log = file_size(&db_path);
    let changes: i64 = store.connection().query_row("SELECT count(*) FROM changes", [], |r| r.get(0))?;
    store.connection().execute_batch("DELETE FROM changes; VACUUM;")?;
    store.checkpoint()?;
    let without_log = file_size(&db_path);
    w(
        out,
        format!(
            "{:<44} {:>10.0} B  with change log ({} changes), {:.0} B without: {:.2}×",
            "database size per case",
            with_log as f64 / n,
            changes,
            without_log as f64 / n,
            with_log as f64 / without_log as f64
        ),
    )?;
    w(out, format!("{:<44} {:>10.0} B  (plain SQLite, change log included)", "", plain.db_bytes as f64 / n))?;
    drop(store);

    if let Some((insert, edit)) = no_memsec {
        w(out, String::new())?;
        w(out, "what the settings cost (diagnostic runs of the same workload):".to_string())?;
        w(
            out,
            row("  bulk insert without memory security (s)", insert.as_secs_f64(), plain.insert.as_secs_f64(), " s"),
        )?;
        w(out, row("  single edit without memory security (ms)", ms(edit), ms(plain.edit_median), "ms"))?;
        for (page_size, hmac) in [(4096, PageHmac::Sha512), (8192, PageHmac::Sha256), (16384, PageHmac::Sha256)] {
            let p = dir.join(format!("page-{page_size}-{hmac:?}.db"));
            let key = [7u8; 32];
            let r = run_workload(&p, DbKey::Raw(&key, DbCipher { page_size, hmac }), args)?;
            w(
                out,
                row(
                    &format!("  bulk insert, {page_size} B pages, {hmac:?} (s)"),
                    r.insert.as_secs_f64(),
                    plain.insert.as_secs_f64(),
                    " s",
                ),
            )?;
            w(
                out,
                row(
                    &format!("  single edit, {page_size} B pages, {hmac:?} (ms)"),
                    ms(r.edit_median),
                    ms(plain.edit_median),
                    "ms",
                ),
            )?;
        }
    }

    if !args.skip_kdf {
        let mut rng = OsEntropy;
        let key = DataKey::generate(&mut rng);
        let mut h = Header { vault_id: [1; 16], db: DbCipher::default(), slots: vec![], mac: [0; 32] };
        let slot = keyslot::wrap(&h, &key, SlotKind::Passphrase, b"bench", keyslot::DEFAULT_PASSPHRASE_KDF, &mut rng)?;
        h.slots.push(slot);
        keyslot::seal_mac(&mut h, &key);
        let t = Instant::now();
        keyslot::unwrap(&h, SlotKind::Passphrase, b"bench")?;
        let d = keyslot::DEFAULT_PASSPHRASE_KDF;
        w(
            out,
            format!(
                "{:<44} {:>10.0}ms (Argon2id m={} MiB, t={}, p={})",
                "unlock at the default KDF",
                ms(t.elapsed()),
                d.m_kib / 1024,
                d.t,
                d.p
            ),
        )?;
    }
    Ok(())
}

/// A temporary folder removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir> {
        let mut r = [0u8; 8];
        OsEntropy.fill(&mut r);
        let p = std::env::temp_dir().join(format!("casebook-bench-{}", crate::hex::encode(&r)));
        std::fs::create_dir_all(&p).map_err(|e| Error::io(format!("could not create {}", p.display()), e))?;
        Ok(TempDir(p))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
