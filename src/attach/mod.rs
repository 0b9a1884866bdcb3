//! Attachments: scans, photos and PDFs kept with a case (issue 13, DESIGN section 9,
//! docs/formats/attachment.md): the blob codec, one encrypted, padded file per attachment
//! ([`blob`]); what a file is and what it may be called ([`kind`]); what it reveals
//! ([`reveal`]) and removing that losslessly ([`strip`]); and the blobs in the vault folder
//! ([`vault`]).

pub mod blob;
pub mod kind;
pub mod reveal;
pub mod strip;
pub mod vault;
