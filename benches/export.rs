//! Export/import figures (`cargo bench --bench export`): 1,000 generated cases exported to an
//! age recipient, the same bundle imported into an empty vault, the bundle size per case, and
//! for reference in the same run: reading the same cases one by one (`Store::case`) and age
//! alone on the same zip; a passphrase bundle at age's default scrypt cost.

use std::path::Path;
use std::time::Instant;

use casebook::bench::Workload;
use casebook::entropy::{OsEntropy, SystemClock};
use casebook::export::{self, Profile, Protection, Selection};
use casebook::secret::Passphrase;
use casebook::store::{open_connection, DbKey, Store};
use casebook::vault::header::DbCipher;

fn store(dir: &Path, key: u8) -> Store {
    std::fs::create_dir_all(dir).unwrap();
    let conn = open_connection(&dir.join("casebook.db"), DbKey::Raw(&[key; 32], DbCipher::default())).unwrap();
    Store::open(conn, Box::new(SystemClock), Box::new(OsEntropy)).unwrap()
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("export bench: run with `cargo bench --bench export` for the figures");
        return;
    }
    let n: usize = std::env::var("CASEBOOK_BENCH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let base = std::env::var_os("CASEBOOK_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::Builder::new().prefix("casebook-exportbench").tempdir_in(base).unwrap();
    let mut a = store(&tmp.path().join("a"), 1);
    let mut b = store(&tmp.path().join("b"), 2);
    let mut w = Workload::new(5);
    let mut ids = Vec::new();
    for _ in 0..n {
        let (case, events, due) = w.case();
        let id = a.add_case(&case).unwrap();
        for (date, kind, text) in events {
            a.add_event(id.as_bytes(), &date, kind, &text).unwrap();
        }
        if let Some(d) = due {
            a.add_task(id.as_bytes(), "Follow up with the lawyer", Some(&d)).unwrap();
        }
        ids.push(id);
    }
    let key = export::public_key(&mut b).unwrap();
    let vault = uuid::Uuid::from_u128(1);
    let t = Instant::now();
    let (bytes, summary) = export::export_bundle(
        &mut a,
        vault,
        &Selection::All,
        Profile::Full,
        &Protection::Recipients(vec![key.clone()]),
    )
    .unwrap();
    let export_time = t.elapsed();
    let t = Instant::now();
    let bundle = export::read_bundle(&mut b, &bytes, None).unwrap();
    let report = export::apply(&mut b, &bundle).unwrap();
    let import_time = t.elapsed();
    assert_eq!(report.created as usize, n);
    // References in the same run.
    let t = Instant::now();
    for id in &ids {
        a.case(id.as_bytes()).unwrap();
    }
    let read_time = t.elapsed();
    let t = Instant::now();
    let _ = export::crypt::to_recipients(&vec![7u8; bytes.len()], &[key]).unwrap();
    let age_time = t.elapsed();
    let pass = Passphrase::new("bench-passphrase-words".into()).unwrap();
    let t = Instant::now();
    let _ = export::export_bundle(
        &mut a,
        vault,
        &Selection::All,
        Profile::Full,
        &Protection::Passphrase(pass, export::DEFAULT_SCRYPT_LOG_N),
    )
    .unwrap();
    let pass_time = t.elapsed();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "Export of {} cases ({} notes, {} tasks, {} events), profile full, to an age recipient",
        summary.cases, summary.notes, summary.tasks, summary.events
    );
    println!("  export to a recipient key            {:>8.0} ms (goal ≤ 1000 ms)", ms(export_time));
    println!("  import into an empty vault           {:>8.0} ms (goal ≤ 2000 ms)", ms(import_time));
    println!(
        "  bundle size                          {:>8} bytes, {:.0} bytes per case",
        bytes.len(),
        bytes.len() as f64 / n as f64
    );
    println!(
        "  reference: reading the same cases one by one {:>6.0} ms; export = {:.2}× that",
        ms(read_time),
        export_time.as_secs_f64() / read_time.as_secs_f64()
    );
    println!("  reference: age alone on {} bytes      {:>6.1} ms", bytes.len(), ms(age_time));
    println!("  a passphrase bundle (scrypt 2^18)    {:>8.0} ms", ms(pass_time));
}
