//! Sync through an untrusted share (docs/formats/delta.md): signed, encrypted deltas of the
//! change log in a folder that any sync tool carries between devices.
//!
//! Map: [`format`] (byte layouts, pure) → [`rules`] (what a
//! delta's content must satisfy, pure) → [`seal`] (keys, compression, padding, encryption,
//! signatures; pure) → [`share`] (the only code that touches the share folder, on the one IO
//! thread of [`share_io`], which holds only paths and ciphertext) → [`engine`]
//! (create, invite, join, sync, status; the vault-side state in the database).

pub mod auto;
pub mod engine;
pub mod format;
pub mod high_water;
pub mod plan;
pub mod roster;
pub mod rules;
pub mod seal;
pub mod share;
pub mod share_blobs;
pub mod share_io;
pub mod words;
