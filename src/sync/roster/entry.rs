//! Roster entries byte for byte (docs/formats/roster.md section 2): one valid encoding per
//! entry, every count bounded before anything is allocated. Pure: no keys, no clocks. The
//! sealed part is carried as bytes here; [`super::crypt`] opens it and [`Sealed`] reads it.

use crate::sync::format::{check_prefix, prefix_v, Bad, Cursor, KIND_ROSTER};

/// The roster format's first version (the prefix's last byte): every kind but the upgrade.
pub const ROSTER_V1: u8 = 1;
/// The newest version: adds kind 12, the upgrade of a group made without a roster, which alone
/// is written as version 2 (so a group that was never upgraded stays readable by builds of
/// version 1, and a build of version 1 shown an upgrade says "update Casebook").
pub const ROSTER_V2: u8 = 2;
/// Most devices of the old group an upgrade names (section 6).
pub const MAX_LEGACY: usize = 256;
pub const MAX_PARENTS: usize = 16;
/// Public fields: room for a rotation to 64 devices (each box at most 658 bytes).
pub const MAX_CLEAR: usize = 49_152;
pub const MAX_SEALED: usize = 4_096;
/// A sealed part is a 24-byte nonce and a 16-byte tag at least.
pub const MIN_SEALED: usize = 40;
pub const MAX_BOXES: usize = 64;
/// age's grease stanza makes a box 352 ..= about 560 bytes.
pub const MAX_BOX: usize = 640;
pub const MAX_PREVS: usize = 16;
pub const MAX_REASON: usize = 500;
pub const MAX_LABEL: usize = 200;
/// Bytes of an entry before its parents.
const FIXED: usize = 94;

pub type EntryId = [u8; 32];
pub type DeviceId = [u8; 16];
pub type EpochId = [u8; 16];

/// A device's role in the group (sealed wherever it is written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Member = 1,
    Coordinator = 2,
}

impl Role {
    fn from_byte(b: u8) -> Result<Role, Bad> {
        match b {
            1 => Ok(Role::Member),
            2 => Ok(Role::Coordinator),
            _ => Err(Bad::new(format!("role {b} does not exist (1 member, 2 coordinator)"))),
        }
    }
}

/// What a recovery entry does to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryAction {
    /// Void the target's entries from `from_seq` on, as if they never existed.
    Annul = 1,
    /// Void every revocation of the target in the recovery entry's ancestry.
    Admit = 2,
}

/// A new epoch key sealed to one device (section 3.2): an age file to its X25519 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBox {
    pub recipient: DeviceId,
    pub age: Vec<u8>,
}

/// A previous epoch's key, encrypted under the new one (section 3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrevKey {
    pub epoch: EpochId,
    pub nonce: [u8; 24],
    pub sealed: [u8; 48],
}

/// A new epoch: boxes for exactly the members, a key commitment, the keys it follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub boxes: Vec<KeyBox>,
    pub commitment: [u8; 32],
    pub prevs: Vec<PrevKey>,
}

/// A device of the group an upgrade replaces, and its last delta that counts (section 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyDevice {
    pub device: DeviceId,
    pub sign: [u8; 32],
    pub seq: u64,
    pub delta: [u8; 32],
}

/// The old group's key, sealed in the upgrade: zeroized when dropped, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct LegacyKey(pub zeroize::Zeroizing<[u8; 32]>);

impl std::fmt::Debug for LegacyKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LegacyKey(..)")
    }
}

/// An entry's kind and its public fields (section 2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clear {
    Genesis { nonce: [u8; 16], creator_sign: [u8; 32], creator_box: [u8; 32], recovery: [u8; 32], commitment: [u8; 32] },
    Invite { invite: [u8; 16], invite_sign: [u8; 32], request_box: [u8; 32] },
    Approve { invite: [u8; 16], request: EntryId, joiner_sign: [u8; 32], joiner_box: [u8; 32], key_box: KeyBox },
    Decline { invite: [u8; 16], request: EntryId },
    Role { target: DeviceId },
    Revoke { target: DeviceId, rotation: Rotation },
    Leave,
    KeyUpdate { sign: [u8; 32], boxk: [u8; 32], proof: [u8; 64] },
    Rotate(Rotation),
    Recovery { next: [u8; 32], target: DeviceId, action: RecoveryAction, from_seq: u32, rotation: Rotation },
    Head,
    Upgrade { legacy_group: [u8; 16], devices: Vec<LegacyDevice> },
}

impl Clear {
    pub fn kind(&self) -> u8 {
        match self {
            Clear::Genesis { .. } => 1,
            Clear::Invite { .. } => 2,
            Clear::Approve { .. } => 3,
            Clear::Decline { .. } => 4,
            Clear::Role { .. } => 5,
            Clear::Revoke { .. } => 6,
            Clear::Leave => 7,
            Clear::KeyUpdate { .. } => 8,
            Clear::Rotate(_) => 9,
            Clear::Recovery { .. } => 10,
            Clear::Head => 11,
            Clear::Upgrade { .. } => 12,
        }
    }
    /// The version an entry of this kind is written in.
    pub fn version(&self) -> u8 {
        if matches!(self, Clear::Upgrade { .. }) {
            ROSTER_V2
        } else {
            ROSTER_V1
        }
    }
    /// Whether the kind has sealed fields (then `sealed` is never empty, otherwise always).
    pub fn has_sealed(&self) -> bool {
        !matches!(self, Clear::Decline { .. } | Clear::KeyUpdate { .. } | Clear::Rotate(_))
    }
    /// The rotation an epoch-making entry carries.
    pub fn rotation(&self) -> Option<&Rotation> {
        match self {
            Clear::Revoke { rotation, .. } | Clear::Rotate(rotation) | Clear::Recovery { rotation, .. } => {
                Some(rotation)
            }
            _ => None,
        }
    }
}

/// One roster entry, as read from or written to the share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub group: [u8; 16],
    pub author: DeviceId,
    pub seq: u32,
    pub prev: EntryId,
    pub epoch: EpochId,
    pub parents: Vec<EntryId>,
    pub clear: Clear,
    /// Empty, or a 24-byte nonce and XChaCha20-Poly1305 of the kind's [`Sealed`] fields.
    pub sealed: Vec<u8>,
    pub signature: [u8; 64],
}

fn put_rotation(out: &mut Vec<u8>, r: &Rotation) {
    out.extend_from_slice(&(r.boxes.len() as u16).to_be_bytes());
    for b in &r.boxes {
        put_box(out, b);
    }
    out.extend_from_slice(&r.commitment);
    out.push(r.prevs.len() as u8);
    for p in &r.prevs {
        out.extend_from_slice(&p.epoch);
        out.extend_from_slice(&p.nonce);
        out.extend_from_slice(&p.sealed);
    }
}

fn put_box(out: &mut Vec<u8>, b: &KeyBox) {
    out.extend_from_slice(&b.recipient);
    out.extend_from_slice(&(b.age.len() as u16).to_be_bytes());
    out.extend_from_slice(&b.age);
}

pub fn encode_clear(c: &Clear) -> Vec<u8> {
    let mut out = Vec::new();
    match c {
        Clear::Genesis { nonce, creator_sign, creator_box, recovery, commitment } => {
            for part in [&nonce[..], creator_sign, creator_box, recovery, commitment] {
                out.extend_from_slice(part);
            }
        }
        Clear::Invite { invite, invite_sign, request_box } => {
            for part in [&invite[..], invite_sign, request_box] {
                out.extend_from_slice(part);
            }
        }
        Clear::Approve { invite, request, joiner_sign, joiner_box, key_box } => {
            for part in [&invite[..], request, joiner_sign, joiner_box] {
                out.extend_from_slice(part);
            }
            put_box(&mut out, key_box);
        }
        Clear::Decline { invite, request } => {
            out.extend_from_slice(invite);
            out.extend_from_slice(request);
        }
        Clear::Role { target } => out.extend_from_slice(target),
        Clear::Revoke { target, rotation } => {
            out.extend_from_slice(target);
            put_rotation(&mut out, rotation);
        }
        Clear::Leave | Clear::Head => {}
        Clear::KeyUpdate { sign, boxk, proof } => {
            for part in [&sign[..], boxk, proof] {
                out.extend_from_slice(part);
            }
        }
        Clear::Rotate(r) => put_rotation(&mut out, r),
        Clear::Recovery { next, target, action, from_seq, rotation } => {
            out.extend_from_slice(next);
            out.extend_from_slice(target);
            out.push(*action as u8);
            out.extend_from_slice(&from_seq.to_be_bytes());
            put_rotation(&mut out, rotation);
        }
        Clear::Upgrade { legacy_group, devices } => {
            out.extend_from_slice(legacy_group);
            out.extend_from_slice(&(devices.len() as u16).to_be_bytes());
            for d in devices {
                out.extend_from_slice(&d.device);
                out.extend_from_slice(&d.sign);
                out.extend_from_slice(&d.seq.to_be_bytes());
                out.extend_from_slice(&d.delta);
            }
        }
    }
    out
}

/// The bytes an entry's signature covers (everything before it). `sealed_len` and the parents'
/// order are part of them, so an entry has one encoding.
pub fn encode_unsigned(e: &Entry) -> Vec<u8> {
    let clear = encode_clear(&e.clear);
    let mut out = Vec::with_capacity(FIXED + 32 * e.parents.len() + 4 + clear.len() + e.sealed.len() + 64);
    out.extend_from_slice(&prefix_v(KIND_ROSTER, e.clear.version()));
    out.extend_from_slice(&e.group);
    out.push(e.clear.kind());
    out.extend_from_slice(&e.author);
    out.extend_from_slice(&e.seq.to_be_bytes());
    out.extend_from_slice(&e.prev);
    out.extend_from_slice(&e.epoch);
    out.push(e.parents.len() as u8);
    for p in &e.parents {
        out.extend_from_slice(p);
    }
    out.extend_from_slice(&(clear.len() as u16).to_be_bytes());
    out.extend_from_slice(&clear);
    out.extend_from_slice(&(e.sealed.len() as u16).to_be_bytes());
    out.extend_from_slice(&e.sealed);
    out
}

/// The additional data of the sealed part: every byte before `sealed_len`.
pub fn sealed_aad(unsigned: &[u8], sealed_len: usize) -> &[u8] {
    &unsigned[..unsigned.len() - 2 - sealed_len]
}

pub fn encode(e: &Entry) -> Vec<u8> {
    let mut out = encode_unsigned(e);
    out.extend_from_slice(&e.signature);
    out
}

fn rotation(c: &mut Cursor<'_>) -> Result<Rotation, Bad> {
    let n = c.u16()? as usize;
    if n == 0 || n > MAX_BOXES {
        return Err(Bad::new(format!("a rotation seals to 1 ..= {MAX_BOXES} devices, this one to {n}")));
    }
    let mut boxes: Vec<KeyBox> = Vec::with_capacity(n);
    for _ in 0..n {
        let b = key_box(c)?;
        if boxes.last().is_some_and(|last| last.recipient >= b.recipient) {
            return Err(Bad::new("a rotation's boxes must be in ascending device order, each device once"));
        }
        boxes.push(b);
    }
    let commitment = c.array()?;
    let np = c.u8()? as usize;
    if np == 0 || np > MAX_PREVS {
        return Err(Bad::new(format!("a rotation follows 1 ..= {MAX_PREVS} epochs, this one {np}")));
    }
    let mut prevs: Vec<PrevKey> = Vec::with_capacity(np);
    for _ in 0..np {
        let p = PrevKey { epoch: c.array()?, nonce: c.array()?, sealed: c.array()? };
        if prevs.last().is_some_and(|last| last.epoch >= p.epoch) {
            return Err(Bad::new("a rotation's previous keys must be in ascending epoch order, each once"));
        }
        prevs.push(p);
    }
    Ok(Rotation { boxes, commitment, prevs })
}

fn key_box(c: &mut Cursor<'_>) -> Result<KeyBox, Bad> {
    let recipient = c.array()?;
    let len = c.u16()? as usize;
    if len == 0 || len > MAX_BOX {
        return Err(Bad::new(format!("a key box holds 1 ..= {MAX_BOX} bytes, this one {len}")));
    }
    Ok(KeyBox { recipient, age: c.take(len)?.to_vec() })
}

fn upgrade(c: &mut Cursor<'_>) -> Result<Clear, Bad> {
    let legacy_group: [u8; 16] = c.array()?;
    if legacy_group == [0; 16] {
        return Err(Bad::new("an upgrade names the group it replaces (not all zero)"));
    }
    let n = c.u16()? as usize;
    if n == 0 || n > MAX_LEGACY {
        return Err(Bad::new(format!("an upgrade names 1 ..= {MAX_LEGACY} devices of the old group, this one {n}")));
    }
    let mut devices: Vec<LegacyDevice> = Vec::with_capacity(n);
    for _ in 0..n {
        let d = LegacyDevice { device: c.array()?, sign: c.array()?, seq: c.u64()?, delta: c.array()? };
        if devices.last().is_some_and(|last| last.device >= d.device) {
            return Err(Bad::new("an upgrade's devices must be in ascending order, each once"));
        }
        if d.seq == 0 || d.seq >= 1 << 62 || d.delta == [0; 32] {
            return Err(Bad::new(
                "an upgrade names, for each device, a delta it wrote (number from 1, an id not zero)",
            ));
        }
        devices.push(d);
    }
    Ok(Clear::Upgrade { legacy_group, devices })
}

fn decode_clear(kind: u8, bytes: &[u8]) -> Result<Clear, Bad> {
    let mut c = Cursor::new(bytes);
    let clear = match kind {
        1 => Clear::Genesis {
            nonce: c.array()?,
            creator_sign: c.array()?,
            creator_box: c.array()?,
            recovery: c.array()?,
            commitment: c.array()?,
        },
        2 => Clear::Invite { invite: c.array()?, invite_sign: c.array()?, request_box: c.array()? },
        3 => Clear::Approve {
            invite: c.array()?,
            request: c.array()?,
            joiner_sign: c.array()?,
            joiner_box: c.array()?,
            key_box: key_box(&mut c)?,
        },
        4 => Clear::Decline { invite: c.array()?, request: c.array()? },
        5 => Clear::Role { target: c.array()? },
        6 => Clear::Revoke { target: c.array()?, rotation: rotation(&mut c)? },
        7 => Clear::Leave,
        8 => Clear::KeyUpdate { sign: c.array()?, boxk: c.array()?, proof: c.array()? },
        9 => Clear::Rotate(rotation(&mut c)?),
        10 => Clear::Recovery {
            next: c.array()?,
            target: c.array()?,
            action: match c.u8()? {
                1 => RecoveryAction::Annul,
                2 => RecoveryAction::Admit,
                a => return Err(Bad::new(format!("recovery action {a} does not exist (1 annul, 2 admit)"))),
            },
            from_seq: c.u32()?,
            rotation: rotation(&mut c)?,
        },
        11 => Clear::Head,
        12 => upgrade(&mut c)?,
        k => return Err(Bad::new(format!("roster entry kind {k} does not exist (1 ..= 12)"))),
    };
    if c.remaining() != 0 {
        return Err(Bad::new(format!("the public fields of kind {kind} have {} bytes too many", c.remaining())));
    }
    Ok(clear)
}

/// Reads one entry. Refuses every encoding but the one [`encode`] writes.
pub fn decode(bytes: &[u8]) -> Result<Entry, Bad> {
    let version = check_prefix(bytes, KIND_ROSTER)?;
    let mut c = Cursor::new(&bytes[8..]);
    let group: [u8; 16] = c.array()?;
    let kind = c.u8()?;
    if (version == ROSTER_V2) != (kind == 12) {
        return Err(Bad::new(format!(
            "roster entry kind {kind} in version {version}: the upgrade (kind 12) is version 2, every other kind version 1"
        )));
    }
    let author: DeviceId = c.array()?;
    let seq = c.u32()?;
    let prev: EntryId = c.array()?;
    let epoch: EpochId = c.array()?;
    let n = c.u8()? as usize;
    if n > MAX_PARENTS {
        return Err(Bad::new(format!("an entry names at most {MAX_PARENTS} parents, this one {n}")));
    }
    let mut parents: Vec<EntryId> = Vec::with_capacity(n);
    for _ in 0..n {
        let p: EntryId = c.array()?;
        if parents.last().is_some_and(|last| *last >= p) {
            return Err(Bad::new("an entry's parents must be in ascending order, each once"));
        }
        parents.push(p);
    }
    let clear_len = c.u16()? as usize;
    if clear_len > MAX_CLEAR {
        return Err(Bad::new(format!("public fields of {clear_len} bytes (at most {MAX_CLEAR})")));
    }
    let clear = decode_clear(kind, c.take(clear_len)?)?;
    let sealed_len = c.u16()? as usize;
    if sealed_len != 0 && !(MIN_SEALED..=MAX_SEALED).contains(&sealed_len) {
        return Err(Bad::new(format!("a sealed part of {sealed_len} bytes ({MIN_SEALED} ..= {MAX_SEALED}, or none)")));
    }
    if (sealed_len != 0) != clear.has_sealed() {
        return Err(Bad::new(format!(
            "roster entry kind {kind} {} sealed fields",
            if clear.has_sealed() { "must have" } else { "has no" }
        )));
    }
    let sealed = c.take(sealed_len)?.to_vec();
    let signature: [u8; 64] = c.array()?;
    if c.remaining() != 0 {
        return Err(Bad::new(format!("{} bytes follow the signature", c.remaining())));
    }
    let genesis = kind == 1;
    let recovery = kind == 10;
    if genesis != (n == 0) {
        return Err(Bad::new("the genesis has no parents and every other entry has 1 ..= 16"));
    }
    if genesis && (group != [0; 16] || author != [0; 16] || seq != 1 || prev != [0; 32] || epoch != [0; 16]) {
        return Err(Bad::new("the genesis has group, author, previous entry and epoch all zero and number 1"));
    }
    if !genesis && (group == [0; 16] || epoch == [0; 16]) {
        return Err(Bad::new("an entry names its group and its epoch (all zero only in the genesis)"));
    }
    if recovery != (author == [0; 16]) && !genesis {
        return Err(Bad::new("only a recovery entry has no author"));
    }
    if seq == 0 || (seq == 1) != (prev == [0; 32]) {
        return Err(Bad::new("entries number from 1; number 1 has no previous entry and every later one has"));
    }
    Ok(Entry { group, author, seq, prev, epoch, parents, clear, sealed, signature })
}

// ---------------------------------------------------------------------------------------------
// Sealed fields (section 2.1, the last column): read after the sealed part is opened.

/// The sealed fields of an entry, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealed {
    None,
    Label(String),
    Expires(u64),
    Approve {
        label: String,
        role: Role,
    },
    Role {
        role: Role,
        from_seq: u32,
    },
    Revoke {
        cutoff_seq: u32,
        cutoff_entry: EntryId,
        cutoff_delta_seq: u64,
        cutoff_delta: [u8; 32],
        reason: String,
    },
    Reason(String),
    Time(u64),
    /// The upgrade's: the old group's key epoch and key.
    Legacy {
        epoch: u32,
        key: LegacyKey,
    },
}

fn put_text(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn text(c: &mut Cursor<'_>, max: usize, what: &str) -> Result<String, Bad> {
    let len = c.u16()? as usize;
    if len > max {
        return Err(Bad::new(format!("{what} of {len} bytes (at most {max})")));
    }
    String::from_utf8(c.take(len)?.to_vec()).map_err(|_| Bad::new(format!("{what} is not UTF-8")))
}

pub fn encode_sealed(s: &Sealed) -> Vec<u8> {
    let mut out = Vec::new();
    match s {
        Sealed::None => {}
        Sealed::Label(l) => put_text(&mut out, l),
        Sealed::Expires(t) | Sealed::Time(t) => out.extend_from_slice(&t.to_be_bytes()),
        Sealed::Approve { label, role } => {
            put_text(&mut out, label);
            out.push(*role as u8);
        }
        Sealed::Role { role, from_seq } => {
            out.push(*role as u8);
            out.extend_from_slice(&from_seq.to_be_bytes());
        }
        Sealed::Revoke { cutoff_seq, cutoff_entry, cutoff_delta_seq, cutoff_delta, reason } => {
            out.extend_from_slice(&cutoff_seq.to_be_bytes());
            out.extend_from_slice(cutoff_entry);
            out.extend_from_slice(&cutoff_delta_seq.to_be_bytes());
            out.extend_from_slice(cutoff_delta);
            put_text(&mut out, reason);
        }
        Sealed::Reason(r) => put_text(&mut out, r),
        Sealed::Legacy { epoch, key } => {
            out.extend_from_slice(&epoch.to_be_bytes());
            out.extend_from_slice(&key.0[..]);
        }
    }
    out
}

/// Reads the opened sealed fields of an entry of `kind`; exact lengths.
pub fn decode_sealed(kind: u8, bytes: &[u8]) -> Result<Sealed, Bad> {
    let mut c = Cursor::new(bytes);
    let s = match kind {
        1 => Sealed::Label(text(&mut c, MAX_LABEL, "a label")?),
        2 => Sealed::Expires(c.u64()?),
        3 => Sealed::Approve { label: text(&mut c, MAX_LABEL, "a label")?, role: Role::from_byte(c.u8()?)? },
        5 => Sealed::Role { role: Role::from_byte(c.u8()?)?, from_seq: c.u32()? },
        6 => Sealed::Revoke {
            cutoff_seq: c.u32()?,
            cutoff_entry: c.array()?,
            cutoff_delta_seq: c.u64()?,
            cutoff_delta: c.array()?,
            reason: text(&mut c, MAX_REASON, "a reason")?,
        },
        7 | 10 => Sealed::Reason(text(&mut c, MAX_REASON, "a reason")?),
        11 => Sealed::Time(c.u64()?),
        12 => Sealed::Legacy { epoch: c.u32()?, key: LegacyKey(zeroize::Zeroizing::new(c.array()?)) },
        _ => Sealed::None,
    };
    if c.remaining() != 0 {
        return Err(Bad::new(format!("the sealed fields of kind {kind} have {} bytes too many", c.remaining())));
    }
    Ok(s)
}
