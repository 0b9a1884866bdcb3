//! Shared helpers of the integration tests: weak KDF parameters passed explicitly, fresh temp
//! folders, and a `casebook` command with a hermetic environment.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use casebook::entropy::{FixedClock, OsEntropy, SeededEntropy};
use casebook::secret::{Passphrase, RecoveryKey};
use casebook::store::Store;
use casebook::vault::header::KdfParams;
use casebook::vault::{keyslot, CreateOptions, Vault};

/// Test-only KDF cost: the floor, passed explicitly (the defaults are never weakened).
pub const WEAK: KdfParams = KdfParams { m_kib: keyslot::MIN_M_KIB, t: 1, p: 1 };
pub const PASS: &str = "correct horse battery staple";

pub fn weak_options() -> CreateOptions {
    CreateOptions { passphrase_kdf: WEAK, recovery_kdf: WEAK, ..CreateOptions::default() }
}

pub fn pass(s: &str) -> Passphrase {
    Passphrase::new(s.to_string()).unwrap()
}

/// A new vault in `dir` with the weak test KDF.
pub fn new_vault(dir: &Path) -> (Vault, RecoveryKey) {
    Vault::create(dir, &pass(PASS), weak_options(), &mut OsEntropy).unwrap()
}

/// A store with a fixed clock (2026-11-23) and seeded randomness.
pub fn store_of(vault: &Vault, seed: u64) -> Store {
    vault.open_store(Box::new(FixedClock::new(1_795_442_975_000)), Box::new(SeededEntropy::new(seed))).unwrap()
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// The `casebook` binary with a clean, hermetic environment.
pub struct Cli {
    pub vault: PathBuf,
    pub tmp: PathBuf,
    pub home: PathBuf,
}

impl Cli {
    pub fn new(root: &Path) -> Cli {
        let cli = Cli { vault: root.join("vault"), tmp: root.join("tmp"), home: root.join("home") };
        std::fs::create_dir_all(&cli.tmp).unwrap();
        std::fs::create_dir_all(&cli.home).unwrap();
        cli
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_casebook"));
        c.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("TMPDIR", &self.tmp)
            .env("CASEBOOK_VAULT", &self.vault)
            .env("CASEBOOK_PASSPHRASE", PASS)
            .stdin(std::process::Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "casebook {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs with `stdin` as standard input and expects success.
    pub fn ok_stdin(&self, args: &[&str], stdin: &str) -> String {
        use std::io::Write;
        let mut child = self
            .cmd(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "casebook {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn init(&self) -> String {
        self.ok(&["init", "--kdf-memory-mib", "8", "--kdf-iterations", "1", "--kdf-parallelism", "1"])
    }
}

/// A minimal JPEG container whose Exif has a GPS position and a camera make (the canary).
pub fn jpeg_with_exif(make: &[u8]) -> Vec<u8> {
    // Big-endian TIFF: IFD0 with Make and a GPS IFD pointer; the GPS IFD with GPSLatitudeRef.
    let n0 = 2u16;
    let ifd0_len = 2 + 12 * n0 as usize + 4;
    let gps_at = 8 + ifd0_len;
    let gps_len = 2 + 12 + 4;
    let make_at = gps_at + gps_len;
    let mut t = b"MM\0\x2a\0\0\0\x08".to_vec();
    t.extend_from_slice(&n0.to_be_bytes());
    t.extend_from_slice(&0x010Fu16.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&(make.len() as u32 + 1).to_be_bytes());
    t.extend_from_slice(&(make_at as u32).to_be_bytes());
    t.extend_from_slice(&0x8825u16.to_be_bytes());
    t.extend_from_slice(&4u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&(gps_at as u32).to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(&1u16.to_be_bytes());
    t.extend_from_slice(&0x0001u16.to_be_bytes()); // GPSLatitudeRef
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&2u32.to_be_bytes());
    t.extend_from_slice(b"N\0\0\0");
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(make);
    t.push(0);
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16];
    j.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
    j.extend_from_slice(&[0xFF, 0xE1]);
    j.extend_from_slice(&((2 + 6 + t.len()) as u16).to_be_bytes());
    j.extend_from_slice(b"Exif\0\0");
    j.extend_from_slice(&t);
    j.extend_from_slice(&[0xFF, 0xDB, 0, 4, 0, 1, 0xFF, 0xC0, 0, 5, 8, 0, 1, 0xFF, 0xDA, 0, 3, 1]);
    j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD9]);
    j
}
