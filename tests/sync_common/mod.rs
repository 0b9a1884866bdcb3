//! Replicas for the sync tests: stores on encrypted databases opened with raw keys (no KDF),
//! a shared clock the test moves, seeded randomness, and helpers to compare replicas.
#![allow(dead_code)]

pub mod hostile;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use casebook::entropy::{Clock, SeededEntropy};
use casebook::model::Value;
use casebook::secret::Passphrase;
use casebook::store::{open_connection, DbKey, Store};
use casebook::sync::engine::{self, SyncReport};
use casebook::sync::format::{Body, DeltaHeader, Dep, WireChange};
use casebook::sync::seal::{self, GroupKeys};
use casebook::vault::header::{DbCipher, KdfParams};
use casebook::vault::keyslot;
use ed25519_dalek::SigningKey;

pub const WEAK: KdfParams = KdfParams { m_kib: keyslot::MIN_M_KIB, t: 1, p: 1 };
pub const START_MS: u64 = 1_795_442_975_000;

/// A clock the test moves; each replica has its own (devices' clocks differ).
#[derive(Clone)]
pub struct TestClock(pub Arc<AtomicU64>);

impl Clock for TestClock {
    fn now_ms(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

impl TestClock {
    pub fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

pub struct Replica {
    pub store: Store,
    pub clock: TestClock,
    pub dir: PathBuf,
    pub seed: u64,
}

impl Replica {
    pub fn new(dir: &Path, seed: u64) -> Replica {
        std::fs::create_dir_all(dir).unwrap();
        let clock = TestClock(Arc::new(AtomicU64::new(START_MS + seed * 7)));
        let store = open_store(dir, seed, clock.clone());
        Replica { store, clock, dir: dir.to_path_buf(), seed }
    }

    /// Closes and opens the store again (as after a restart).
    pub fn reopen(&mut self) {
        let clock = self.clock.clone();
        // Drop the old store first so that its connection is closed.
        let placeholder = open_store(&self.dir.join("placeholder"), self.seed, clock.clone());
        drop(std::mem::replace(&mut self.store, placeholder));
        self.store = open_store(&self.dir, self.seed, clock);
    }

    pub fn sync(&mut self) -> engine::SyncReport {
        self.clock.advance(1000);
        engine::sync(&mut self.store).unwrap()
    }
}

pub fn key_of(seed: u64) -> [u8; 32] {
    [seed as u8 ^ 0x5a; 32]
}

pub fn open_store(dir: &Path, seed: u64, clock: TestClock) -> Store {
    std::fs::create_dir_all(dir).unwrap();
    let key = key_of(seed);
    let conn = open_connection(&dir.join("casebook.db"), DbKey::Raw(&key, DbCipher::default())).unwrap();
    // Seeded but distinct per opening, so device ids and nonces never repeat across reopenings.
    static OPENINGS: AtomicU64 = AtomicU64::new(0);
    let salt = OPENINGS.fetch_add(1, Ordering::SeqCst) << 40;
    Store::open(conn, Box::new(clock), Box::new(SeededEntropy::new(seed.wrapping_mul(1_000_003) ^ salt))).unwrap()
}

pub fn pass(s: &str) -> Passphrase {
    Passphrase::new(s.to_string()).unwrap()
}

/// `n` replicas in `root`, the first creating the share at `share`, the others joining it.
pub fn group(root: &Path, share: &Path, n: usize) -> Vec<Replica> {
    let mut rs: Vec<Replica> = (0..n).map(|i| Replica::new(&root.join(format!("r{i}")), i as u64 + 1)).collect();
    engine::create(&mut rs[0].store, share).unwrap();
    let invite = engine::invite(&mut rs[0].store, &pass("tobako-rimesu"), WEAK).unwrap();
    for r in rs.iter_mut().skip(1) {
        engine::join(&mut r.store, share, &invite, &pass("tobako-rimesu")).unwrap();
    }
    rs
}

/// `n` replicas in a group with a roster: the first creates it, each other one is invited,
/// joins, and is approved with its code (docs/formats/roster.md).
pub fn roster_group(root: &Path, share: &Path, n: usize) -> Vec<Replica> {
    use casebook::sync::engine::members;
    let mut rs: Vec<Replica> = (0..n).map(|i| Replica::new(&root.join(format!("r{i}")), i as u64 + 1)).collect();
    engine::set_label(&mut rs[0].store, "Replica 0").unwrap();
    members::create(&mut rs[0].store, share).unwrap();
    for i in 1..n {
        let invite = members::invite(&mut rs[0].store, &pass("tobako-rimesu"), WEAK).unwrap();
        let joined =
            members::join(&mut rs[i].store, share, &invite, &pass("tobako-rimesu"), Some(&format!("Replica {i}")))
                .unwrap();
        rs[0].sync();
        let device = members::requests(&mut rs[0].store).unwrap().remove(0).device;
        members::approve(&mut rs[0].store, &device, &joined.code).unwrap();
        rs[i].sync();
    }
    rs
}

/// Everything that must converge, as text: every record's fields and field clocks (device
/// as its 16-byte id), tombstones, and the conflicts (losing heads).
pub fn snapshot(store: &Store) -> String {
    let conn = store.connection();
    let mut out = String::new();
    let id_of = |idx: i64| -> String {
        conn.query_row("SELECT hex(id) FROM devices WHERE idx = ?1", [idx], |r| r.get::<_, String>(0)).unwrap()
    };
    for table in casebook::model::TABLES {
        let cols: Vec<&str> = table.fields.iter().map(|f| f.name).collect();
        let sql = format!(
            "SELECT hex(id), deleted, hlc, device, hex(coalesce(clocks, x'')), {} FROM {} ORDER BY id",
            cols.iter().map(|c| format!("quote({c})")).collect::<Vec<_>>().join(", "),
            table.table
        );
        let mut stmt = conn.prepare(&sql).unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let id: String = r.get(0).unwrap();
            let deleted: i64 = r.get(1).unwrap();
            let hlc: i64 = r.get(2).unwrap();
            let dev: i64 = r.get(3).unwrap();
            out.push_str(&format!("{} {id} del={deleted} created={hlc}/{}", table.noun, id_of(dev)));
            // Field clocks: decode entries (field, hlc, device idx) and map the device.
            let clocks: String = r.get(4).unwrap();
            let bytes: Vec<u8> =
                (0..clocks.len() / 2).map(|i| u8::from_str_radix(&clocks[2 * i..2 * i + 2], 16).unwrap()).collect();
            for e in bytes.chunks_exact(13) {
                let h = u64::from_be_bytes(e[1..9].try_into().unwrap());
                let d = u32::from_be_bytes(e[9..13].try_into().unwrap());
                out.push_str(&format!(" c{}={h}/{}", e[0], id_of(d as i64)));
            }
            for (i, c) in cols.iter().enumerate() {
                let v: String = r.get(5 + i).unwrap();
                out.push_str(&format!(" {c}={v}"));
            }
            out.push('\n');
        }
    }
    let mut stmt = conn
        .prepare("SELECT hex(rec), field, hlc, device, quote(value) FROM conflicts ORDER BY rec, field, hlc")
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut heads = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        let dev: i64 = r.get(3).unwrap();
        heads.push(format!(
            "conflict {} f{} {}/{} {}",
            r.get::<_, String>(0).unwrap(),
            r.get::<_, i64>(1).unwrap(),
            r.get::<_, i64>(2).unwrap(),
            id_of(dev),
            r.get::<_, String>(4).unwrap()
        ));
    }
    heads.sort();
    out.push_str(&heads.join("\n"));
    out
}

/// A case as JSON input.
pub fn case_json(name: &str) -> serde_json::Map<String, serde_json::Value> {
    serde_json::json!({"full_name": name, "stage": "first_contact", "country": "AM"}).as_object().unwrap().clone()
}

pub fn obj(v: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

// ---------------------------------------------------------------------------------------------
// Files as a hostile group member makes them

pub fn hex(bytes: &[u8]) -> String {
    casebook::hex::encode(bytes)
}

pub fn dev_hex(r: &Replica) -> String {
    hex(&r.store.device_id().unwrap())
}

pub fn delta(seq: u64) -> String {
    format!("{seq:012}.delta")
}

pub fn applied(report: &SyncReport) -> Vec<(String, u64)> {
    report.received.iter().map(|r| (r.device.clone(), r.seq)).collect()
}

/// The group's id and key as the vault holds them (to make files as a group member would).
pub fn group_secret(store: &Store) -> ([u8; 16], [u8; 32]) {
    store
        .connection()
        .query_row("SELECT group_id, group_key FROM shares", [], |r| {
            let g: Vec<u8> = r.get(0)?;
            let k: Vec<u8> = r.get(1)?;
            Ok((g.try_into().unwrap(), k.try_into().unwrap()))
        })
        .unwrap()
}

/// A hostile group member: it holds the group key and a signing key of its own, and writes
/// whatever it likes into its own folder.
pub struct Insider {
    pub id: [u8; 16],
    /// Dependencies its next deltas declare: (device id, seq) it claims to have applied.
    pub deps: Vec<([u8; 16], u64)>,
    /// Further entries of its device table (after itself), for clocks it names.
    pub devices: Vec<[u8; 16]>,
    /// The creation time its deltas declare.
    pub created_ms: u64,
    /// The delta format it writes (version 2 unless a test plays an older Casebook).
    pub version: u8,
    /// The `min_reader` its version-2 deltas declare (2 unless a test plays a newer Casebook).
    pub min_reader: u16,
    sk: SigningKey,
    seq: u64,
    prev: [u8; 32],
}

impl Insider {
    pub fn new(share: &Path, keys: &GroupKeys, group: &[u8; 16], n: u8) -> Insider {
        // Distinct for every n (the rule vectors alone are over 90 insiders).
        let mut id = [0xa0; 16];
        id[15] = n;
        let mut seed = [0x60; 32];
        seed[31] = n;
        let sk = SigningKey::from_bytes(&seed);
        let record = seal::seal_record(keys, &sk, group, &id, 1, "insider", &mut SeededEntropy::new(u64::from(n)));
        fs::create_dir_all(share.join(hex(&id))).unwrap();
        fs::write(share.join(hex(&id)).join("device"), record).unwrap();
        Insider {
            id,
            deps: vec![],
            devices: vec![],
            created_ms: START_MS,
            version: casebook::sync::format::DELTA_V2,
            min_reader: casebook::sync::format::READER,
            sk,
            seq: 0,
            prev: [0; 32],
        }
    }

    /// Writes its device record again, saying it reads delta versions up to `reads` (1: as an
    /// older Casebook's record).
    pub fn write_record(&self, share: &Path, keys: &GroupKeys, group: &[u8; 16], reads: u16) {
        let record =
            seal::seal_record_reading(keys, &self.sk, group, &self.id, 2, "insider", reads, &mut SeededEntropy::new(9));
        fs::write(share.join(hex(&self.id)).join("device"), record).unwrap();
    }

    /// Writes the next delta with `changes` (author: this insider); returns its share path.
    pub fn send(&mut self, share: &Path, keys: &GroupKeys, group: &[u8; 16], changes: Vec<WireChange>) -> String {
        self.seq += 1;
        let mut devices = vec![self.id];
        devices.extend(self.devices.iter().copied());
        let mut deps = self.deps.clone();
        deps.sort();
        // Version 2 names the id of each delta it follows: read from the share, as a member can.
        let v2 = self.version >= casebook::sync::format::DELTA_V2;
        let deps = deps
            .into_iter()
            .map(|(device, seq)| {
                let file = share.join(hex(&device)).join(delta(seq));
                let id = match fs::read(file) {
                    Ok(bytes) if v2 => seal::delta_id(&bytes),
                    _ if v2 => [0xee; 32],
                    _ => [0; 32],
                };
                Dep { device, seq, id }
            })
            .collect();
        let body = Body { created_ms: self.created_ms, deps, devices, changes };
        let mut header = DeltaHeader::new(self.version, *group, keys.epoch, self.id, self.seq, self.prev);
        if v2 {
            header.min_reader = self.min_reader;
        }
        let bytes = seal::seal_delta(keys, &self.sk, &header, &body);
        self.prev = seal::delta_id(&bytes);
        let name = format!("{}/{}", hex(&self.id), delta(self.seq));
        fs::create_dir_all(share.join(hex(&self.id))).unwrap();
        fs::write(share.join(&name), bytes).unwrap();
        name
    }
}

pub fn change(table: u8, record: [u8; 16], field: u8, hlc: u64, value: Value) -> WireChange {
    WireChange { table, record, field, hlc, prev: None, supersedes: vec![], value }
}
