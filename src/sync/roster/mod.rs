//! Group membership (docs/formats/roster.md): a signed, hash-linked log of entries on the share
//! that every device folds to the same answer, whatever order it saw them in.
//!
//! Map: [`entry`] (bytes, pure) → [`crypt`] (ids, key checks, sealed fields, boxes, commitments)
//! → [`keyring`] (the epoch keys this device can open) → [`fold`] (the group's state from a set
//! of entries: members, roles, removals, the current epoch, alarms; pure) with [`removal`] (who
//! is removed, from revocations, cycles and forks) → [`author`] (writes this device's entries).

pub mod author;
pub mod crypt;
pub mod entry;
pub mod fold;
pub mod invite;
pub mod keyring;
pub mod removal;
pub mod sim;
pub mod state;

pub use entry::{Clear, DeviceId, Entry, EntryId, EpochId, Role, Sealed};
pub use fold::fold;
pub use keyring::Keyring;
pub use state::{Alarm, Device, Legacy, Roster};
