//! Fixed keys for the sync targets, and raw sealers that wrap arbitrary plaintexts in a validly
//! encrypted and signed delta or device record, so that mutated plaintexts get past the AEAD
//! and the signature and reach the checks behind them (unpad, inflate, body, label). The
//! sealers repeat docs/formats/delta.md sections 1, 3 and 4 independently of `seal.rs`;
//! `Fixed::get` checks once that they produce the very bytes `seal::seal_delta` does.
#![allow(dead_code)]

use std::sync::OnceLock;

use casebook::model::Value;
use casebook::sync::format::{self, Body, DeltaHeader, RecordHeader, WireChange, WireClock};
use casebook::sync::seal::{self, GroupKeys};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const GROUP_KEY: [u8; 32] = [7; 32];
pub const GROUP: [u8; 16] = [1; 16];
pub const AUTHOR: [u8; 16] = [9; 16];

pub struct Fixed {
    pub keys: GroupKeys,
    pub signing: SigningKey,
    pub public: [u8; 32],
    delta_key: [u8; 32],
    nonce_key: [u8; 32],
    record_key: [u8; 32],
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// A small valid body (used to check the raw sealer against `seal::seal_delta`).
pub fn sample_body() -> Body {
    Body {
        created_ms: 1,
        deps: vec![format::Dep { device: [2; 16], seq: 4, id: [6; 32] }],
        devices: vec![AUTHOR, [2; 16]],
        changes: vec![WireChange {
            table: 1,
            record: [3; 16],
            field: 1,
            hlc: 10,
            prev: Some(WireClock { hlc: 5, device: 1 }),
            supersedes: vec![],
            value: Value::Text("fuzz".into()),
        }],
    }
}

impl Fixed {
    pub fn get() -> &'static Fixed {
        static FIXED: OnceLock<Fixed> = OnceLock::new();
        FIXED.get_or_init(|| {
            let signing = SigningKey::from_bytes(&[8; 32]);
            let f = Fixed {
                keys: GroupKeys::derive(1, &GROUP_KEY),
                public: signing.verifying_key().to_bytes(),
                signing,
                delta_key: hmac(&GROUP_KEY, &[b"casebook/v1/delta-key"]),
                nonce_key: hmac(&GROUP_KEY, &[b"casebook/v1/delta-nonce"]),
                record_key: hmac(&GROUP_KEY, &[b"casebook/v1/record-key"]),
            };
            let body = sample_body();
            let prev = [5; 32];
            for version in [format::DELTA_V1, format::DELTA_V2] {
                let padded = format::pad(&seal::compress(&format::encode_body(&body, version)));
                let header = DeltaHeader::new(version, GROUP, 1, AUTHOR, 2, prev);
                let real = seal::seal_delta(&f.keys, &f.signing, &header, &body);
                assert_eq!(f.seal_delta_raw(version, 2, &prev, &padded), real, "the raw sealer disagrees (v{version})");
            }
            f
        })
    }

    /// A delta of `AUTHOR` in format `version` whose sealed body is exactly `padded` (any
    /// bytes), validly encrypted under the delta key and signed (version 2: the header holds
    /// the body's SHA-256 and the signature covers the header; the body follows the signature).
    pub fn seal_delta_raw(&self, version: u8, seq: u64, prev: &[u8; 32], padded: &[u8]) -> Vec<u8> {
        let mut h = DeltaHeader::new(version, GROUP, 1, AUTHOR, seq, *prev);
        let ident = format::encode_delta_ident(&h);
        h.nonce.copy_from_slice(&hmac(&self.nonce_key, &[&ident, padded])[..24]);
        let mut out = format::encode_delta_head(&h, padded.len() + format::TAG);
        let sealed = XChaCha20Poly1305::new_from_slice(&self.delta_key)
            .unwrap()
            .encrypt(&XNonce::from(h.nonce), Payload { msg: padded, aad: &out })
            .unwrap();
        if version >= format::DELTA_V2 {
            out.extend_from_slice(&<[u8; 32]>::from(<Sha256 as sha2::Digest>::digest(&sealed)));
            let sig = self.signing.sign(&out);
            out.extend_from_slice(&sig.to_bytes());
            out.extend_from_slice(&sealed);
        } else {
            out.extend_from_slice(&sealed);
            let sig = self.signing.sign(&out);
            out.extend_from_slice(&sig.to_bytes());
        }
        out
    }

    /// A device record of `AUTHOR` whose sealed label is exactly `label` (any bytes, at most
    /// `format::MAX_LABEL`), validly encrypted under the record key and signed.
    pub fn seal_record_raw(&self, label: &[u8]) -> Vec<u8> {
        let h = RecordHeader {
            group: GROUP,
            epoch: 1,
            device: AUTHOR,
            signing_key: self.public,
            issued_ms: 3,
            reads: format::READER,
            nonce: [4; 24],
        };
        let mut out = format::encode_record_head(&h, label.len() + format::TAG);
        let sealed = XChaCha20Poly1305::new_from_slice(&self.record_key)
            .unwrap()
            .encrypt(&XNonce::from(h.nonce), Payload { msg: label, aad: &out })
            .unwrap();
        out.extend_from_slice(&sealed);
        let sig = self.signing.sign(&out);
        out.extend_from_slice(&sig.to_bytes());
        out
    }
}
