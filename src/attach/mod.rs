//! Attachments: scans, photos and PDFs kept with a case (issue 13, DESIGN section 9). So far the
//! blob codec: one encrypted, padded file per attachment ([`blob`], docs/formats/attachment.md),
//! and what a file is and what it may be called ([`kind`]).

pub mod blob;
pub mod kind;
