//! Attachment blob figures (`cargo bench --bench attach`): sealing and opening a 20 MiB and a
//! 256 MiB file, file to file, against copying the same file (`std::fs::copy`) in the same run,
//! and the peak memory above idle while doing it (issue 13: attach 20 MiB ≤ 300 ms; memory
//! while handling a 256 MiB file ≤ 64 MiB above idle).

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::{Duration, Instant};

use casebook::attach::blob::{self, BlobKey};

/// Peak resident memory of this process so far (`VmHWM`), in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn write_content(path: &std::path::Path, mib: usize) {
    let mut f = BufWriter::new(File::create(path).unwrap());
    let mut chunk = vec![0u8; 1 << 20];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..mib {
        for b in chunk.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
        f.write_all(&chunk).unwrap();
    }
    f.flush().unwrap();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("attach bench: run with `cargo bench --bench attach` for the figures");
        return;
    }
    let base = std::env::var_os("CASEBOOK_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::Builder::new().prefix("casebook-attachbench").tempdir_in(base).unwrap();
    let key = BlobKey::from_bytes([7; 32]);
    let idle = peak_kib();
    for mib in [20usize, 256] {
        let plain = tmp.path().join(format!("plain-{mib}"));
        write_content(&plain, mib);
        let size = std::fs::metadata(&plain).unwrap().len();
        let t = Instant::now();
        std::fs::copy(&plain, tmp.path().join("copy")).unwrap();
        let copy = t.elapsed();
        let sealed_path = tmp.path().join(format!("blob-{mib}"));
        let t = Instant::now();
        let rec = {
            let mut input = BufReader::new(File::open(&plain).unwrap());
            let mut out = BufWriter::new(File::create(&sealed_path).unwrap());
            let rec = blob::seal(&[1; 16], &key, &[2; 19], &mut input, size, &mut out).unwrap();
            out.into_inner().unwrap().sync_all().unwrap();
            rec
        };
        let seal = t.elapsed();
        let t = Instant::now();
        {
            let mut input = BufReader::new(File::open(&sealed_path).unwrap());
            let mut out = BufWriter::new(File::create(tmp.path().join("opened")).unwrap());
            blob::open(&mut input, &key, &rec, &mut out).unwrap();
        }
        let open = t.elapsed();
        println!(
            "{mib} MiB: copy {:.0} ms; seal {:.0} ms ({:.2}x copy); verify+open {:.0} ms ({:.2}x copy); blob {} bytes (+{:.2} %)",
            ms(copy),
            ms(seal),
            seal.as_secs_f64() / copy.as_secs_f64(),
            ms(open),
            open.as_secs_f64() / copy.as_secs_f64(),
            blob::blob_len(size),
            (blob::blob_len(size) as f64 / size as f64 - 1.0) * 100.0
        );
        std::fs::remove_file(&plain).unwrap();
        std::fs::remove_file(&sealed_path).unwrap();
    }
    println!("peak memory above idle: {} KiB (idle peak {} KiB)", peak_kib().saturating_sub(idle), idle);
}
