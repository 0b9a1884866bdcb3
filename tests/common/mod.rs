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
