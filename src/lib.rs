//! Casebook core: the encrypted vault, the case store with its change log, search, and the
//! benchmark. No Tauri, no UI, no terminal IO: the `casebook` CLI and the desktop shell call
//! into this crate and only parse input and format output.
//!
//! Map: [`vault`] (header, key slots, unlocking) → [`store`] (SQLCipher database, the single
//! write path, reads) → [`cases`] (case-file operations) and [`search`]. [`model`] is the
//! domain; [`entropy`] injects time and randomness; [`secret`] holds typed secrets.

pub mod attach;
pub mod base32;
pub mod bench;
pub use store::cases;
pub mod contract;
pub mod dates;
pub mod entropy;
pub mod error;
pub mod export;
pub mod fold;
pub mod hex;
pub mod model;
pub mod search;
pub mod secret;
pub mod store;
pub mod sync;
pub mod vault;

pub use error::{Error, ErrorCode, Result};
