//! Attachments: scans, photos and PDFs kept with a case (issue 13, DESIGN section 9). So far the
//! blob codec: one encrypted, padded file per attachment ([`blob`], docs/formats/attachment.md).

pub mod blob;
