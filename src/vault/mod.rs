//! A vault is a folder: the header file `casebook.vault` (key slots) and the SQLCipher
//! database `casebook.db`. This module does the folder's file IO — atomic header writes —
//! and hands the unlocked data key's SQLCipher subkey to the store.
//!
//! Architecture invariant: header bytes are parsed only by [`header`], keys are handled only
//! by [`keyslot`]; this module never logs or prints key material.

pub mod header;
pub mod keyslot;
pub mod location;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::entropy::{Clock, Entropy};
use crate::error::{Error, Result};
use crate::secret::{DataKey, Passphrase, RecoveryKey};
use crate::store::{open_connection, DbKey, Store};
use header::{DbCipher, Header, HeaderError, KdfParams, SlotKind};

/// The header file's name inside the vault folder.
pub const HEADER_FILE: &str = "casebook.vault";
/// The database file's name inside the vault folder.
pub const DB_FILE: &str = "casebook.db";

/// Settings for a new vault. `Default` gives the production settings; tests pass weaker KDF
/// parameters explicitly.
#[derive(Debug, Clone, Copy)]
pub struct CreateOptions {
    pub passphrase_kdf: KdfParams,
    pub recovery_kdf: KdfParams,
    pub db: DbCipher,
}

impl Default for CreateOptions {
    fn default() -> Self {
        CreateOptions {
            passphrase_kdf: keyslot::DEFAULT_PASSPHRASE_KDF,
            recovery_kdf: keyslot::DEFAULT_RECOVERY_KDF,
            db: DbCipher::default(),
        }
    }
}

/// An unlocked vault: its folder, header and data key (zeroized when dropped).
pub struct Vault {
    dir: PathBuf,
    header: Header,
    key: DataKey,
    /// The slot that opened the vault.
    opened_slot: usize,
}

impl Vault {
    /// Creates a vault in `dir` (new, or existing and empty). Returns the unlocked vault and
    /// the recovery key, which is shown to the user once and never stored in the clear.
    pub fn create(
        dir: &Path,
        passphrase: &Passphrase,
        opts: CreateOptions,
        entropy: &mut dyn Entropy,
    ) -> Result<(Vault, RecoveryKey)> {
        opts.passphrase_kdf.check()?;
        opts.recovery_kdf.check()?;
        prepare_empty_dir(dir)?;
        let key = DataKey::generate(entropy);
        let recovery = RecoveryKey::generate(entropy);
        let mut vault_id = [0u8; 16];
        entropy.fill(&mut vault_id);
        // Version-4 layout bits, so the id reads as a standard UUID.
        let vault_id = *uuid::Builder::from_random_bytes(vault_id).into_uuid().as_bytes();
        let mut header = Header { vault_id, db: opts.db, slots: Vec::new(), mac: [0; 32] };
        let p = keyslot::wrap(&header, &key, SlotKind::Passphrase, passphrase.expose(), opts.passphrase_kdf, entropy)?;
        let r = keyslot::wrap(&header, &key, SlotKind::RecoveryKey, recovery.expose(), opts.recovery_kdf, entropy)?;
        header.slots = vec![p, r];
        keyslot::seal_mac(&mut header, &key);
        // The database first, the header last: a folder with a header always has its database.
        {
            let sql_key = keyslot::subkey(&key, "casebook/v1/sqlcipher");
            let conn = open_connection(&dir.join(DB_FILE), DbKey::Raw(&sql_key, header.db))?;
            let mut conn = conn;
            crate::store::schema::ensure(&mut conn)?;
            conn.close().map_err(|(_, e)| Error::Database(e))?;
        }
        write_atomically(dir, HEADER_FILE, &header.encode())?;
        Ok((Vault { dir: dir.to_path_buf(), header, key, opened_slot: 0 }, recovery))
    }

    /// Unlocks with the passphrase. A wrong one gives [`Error::WrongKey`]; nothing is written.
    pub fn unlock(dir: &Path, passphrase: &Passphrase) -> Result<Vault> {
        Self::unlock_slot(dir, SlotKind::Passphrase, passphrase.expose())
    }

    /// Unlocks with the recovery key.
    pub fn unlock_with_recovery_key(dir: &Path, key: &RecoveryKey) -> Result<Vault> {
        Self::unlock_slot(dir, SlotKind::RecoveryKey, key.expose())
    }

    fn unlock_slot(dir: &Path, kind: SlotKind, secret: &[u8]) -> Result<Vault> {
        let header = read_header(dir)?;
        let (key, opened_slot) = keyslot::unwrap(&header, kind, secret).map_err(|e| match e {
            Error::Crypto(reason) => Error::HeaderDamaged { path: dir.join(HEADER_FILE), reason: reason.to_string() },
            Error::KdfParams { reason } => Error::HeaderDamaged {
                path: dir.join(HEADER_FILE),
                reason: format!("its key-derivation parameters are refused ({reason})"),
            },
            e => e,
        })?;
        Ok(Vault { dir: dir.to_path_buf(), header, key, opened_slot })
    }

    /// Replaces the passphrase that opened the vault (or, after unlocking with the recovery
    /// key, every passphrase slot). The new slot is written and synced to disk before the old
    /// one is removed, so a crash in between leaves a vault that both passphrases open.
    pub fn change_passphrase(&mut self, new: &Passphrase, kdf: KdfParams, entropy: &mut dyn Entropy) -> Result<()> {
        let opened = &self.header.slots[self.opened_slot];
        let retire: Vec<[u8; 16]> = match opened.kind {
            SlotKind::Passphrase => vec![opened.id],
            SlotKind::RecoveryKey => {
                self.header.slots.iter().filter(|s| s.kind == SlotKind::Passphrase).map(|s| s.id).collect()
            }
        };
        let new_id = self.add_passphrase_slot(new, kdf, entropy)?;
        self.remove_slots(&retire)?;
        self.opened_slot = self.header.slots.iter().position(|s| s.id == new_id).expect("new slot kept");
        Ok(())
    }

    /// First half of a passphrase change, durable on its own: adds a passphrase slot and
    /// writes the header. Returns the new slot's id.
    pub fn add_passphrase_slot(
        &mut self,
        new: &Passphrase,
        kdf: KdfParams,
        entropy: &mut dyn Entropy,
    ) -> Result<[u8; 16]> {
        if self.header.slots.len() >= header::MAX_SLOTS {
            return Err(Error::invalid("passphrase", "the vault already has the most key slots it can hold"));
        }
        let slot = keyslot::wrap(&self.header, &self.key, SlotKind::Passphrase, new.expose(), kdf, entropy)?;
        let id = slot.id;
        let mut next = self.header.clone();
        next.slots.push(slot);
        self.store_header(next)?;
        Ok(id)
    }

    fn remove_slots(&mut self, ids: &[[u8; 16]]) -> Result<()> {
        let mut next = self.header.clone();
        next.slots.retain(|s| !ids.contains(&s.id));
        if next.slots.is_empty() {
            return Err(Error::invalid("key slots", "removing them would lock the vault for good"));
        }
        self.store_header(next)
    }

    fn store_header(&mut self, mut next: Header) -> Result<()> {
        keyslot::seal_mac(&mut next, &self.key);
        write_atomically(&self.dir, HEADER_FILE, &next.encode())?;
        let opened_id = self.header.slots[self.opened_slot].id;
        self.opened_slot = next.slots.iter().position(|s| s.id == opened_id).unwrap_or(0);
        self.header = next;
        Ok(())
    }

    /// Opens the case store. The store keeps only SQLCipher's copy of its key.
    pub fn open_store(&self, clock: Box<dyn Clock>, entropy: Box<dyn Entropy>) -> Result<Store> {
        let db = self.dir.join(DB_FILE);
        if !db.exists() {
            return Err(Error::HeaderDamaged { path: db, reason: "the database file is missing".into() });
        }
        let sql_key = keyslot::subkey(&self.key, "casebook/v1/sqlcipher");
        let conn = open_connection(&db, DbKey::Raw(&sql_key, self.header.db))?;
        let mut store = Store::open(conn, clock, entropy)?;
        if let Some(dir) = high_water_dir() {
            store.keep_high_water_in(dir);
        }
        // Blobs whose record never committed, temp files, deleted attachments' files.
        crate::attach::vault::sweep(&mut store)?;
        Ok(store)
    }

    /// The SQLCipher key of this vault's database (for the benchmark, which opens the same
    /// database under its own workload).
    pub fn sqlcipher_key(&self) -> zeroize::Zeroizing<[u8; 32]> {
        keyslot::subkey(&self.key, "casebook/v1/sqlcipher")
    }

    /// The vault's id.
    pub fn id(&self) -> Uuid {
        Uuid::from_bytes(self.header.vault_id)
    }

    /// The vault folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The parsed header (no secrets in it).
    pub fn header(&self) -> &Header {
        &self.header
    }
}

/// The vault folder used when none is given: `$CASEBOOK_VAULT`, else `vault` in the
/// platform's data folder (`~/.local/share/casebook/vault` on Linux). The CLI and the desktop
/// app share it.
pub fn default_dir() -> Result<PathBuf> {
    if let Some(v) = std::env::var_os("CASEBOOK_VAULT").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(v));
    }
    directories::ProjectDirs::from("org", "Casebook", "Casebook")
        .map(|d| d.data_dir().join("vault"))
        .ok_or_else(|| Error::invalid("vault", "no home folder found; pass --vault DIR or set CASEBOOK_VAULT"))
}

/// Where sync keeps the high-water marks of this user's vaults (outside every vault folder):
/// `CASEBOOK_STATE_DIR`, else the user's state folder (`$XDG_STATE_HOME/casebook`, or
/// `~/.local/state/casebook`), `high-water` in it.
pub fn high_water_dir() -> Option<PathBuf> {
    if let Some(v) = std::env::var_os("CASEBOOK_STATE_DIR").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(v).join("high-water"));
    }
    let dirs = directories::ProjectDirs::from("org", "Casebook", "Casebook")?;
    Some(dirs.state_dir().unwrap_or_else(|| dirs.data_local_dir()).join("high-water"))
}

/// Reads and structurally checks the header of the vault in `dir`.
pub fn read_header(dir: &Path) -> Result<Header> {
    let path = dir.join(HEADER_FILE);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Error::HeaderMissing { path }),
        Err(e) => return Err(Error::io(format!("could not read {}", path.display()), e)),
    };
    if bytes.len() > 64 * 1024 {
        return Err(Error::HeaderDamaged {
            path,
            reason: format!("it is {} bytes, far larger than a header", bytes.len()),
        });
    }
    Header::decode(&bytes).map_err(|e| match e {
        HeaderError::TooNew { version } => Error::HeaderTooNew { path, version, reads: header::FORMAT_VERSION },
        e => Error::HeaderDamaged { path, reason: e.to_string() },
    })
}

fn prepare_empty_dir(dir: &Path) -> Result<()> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(Error::VaultExists { path: dir.to_path_buf() });
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|e| Error::io(format!("could not create {}", dir.display()), e))?;
        }
        Err(e) => return Err(Error::io(format!("could not read {}", dir.display()), e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(format!("could not restrict access to {}", dir.display()), e))?;
    }
    Ok(())
}

/// Writes `name` in `dir` so that it is either the old or the complete new file, even after
/// a crash: a temporary file in the same folder, fsync, rename, fsync of the folder.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    let mut suffix = [0u8; 8];
    crate::entropy::Entropy::fill(&mut crate::entropy::OsEntropy, &mut suffix);
    let tmp = dir.join(format!(".{name}.tmp-{}", crate::hex::encode(&suffix)));
    let ctx = |what: &str| format!("could not {what} {}", tmp.display());
    let result = (|| -> Result<()> {
        let mut f =
            fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(|e| Error::io(ctx("create"), e))?;
        f.write_all(bytes).map_err(|e| Error::io(ctx("write"), e))?;
        f.sync_all().map_err(|e| Error::io(ctx("sync"), e))?;
        drop(f);
        let dest = dir.join(name);
        fs::rename(&tmp, &dest).map_err(|e| Error::io(format!("could not replace {}", dest.display()), e))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `fsync` of a folder (after a rename in it), where the platform has it.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let d = fs::File::open(dir).map_err(|e| Error::io(format!("could not open {}", dir.display()), e))?;
        d.sync_all().map_err(|e| Error::io(format!("could not sync {}", dir.display()), e))?;
    }
    Ok(())
}
