//! Record ids that name their kind (docs/formats/delta.md section 6.1): a UUIDv8 of 48 bits of
//! milliseconds (so ids sort by time, like UUIDv7), the record kind, and 66 random bits (so two
//! copies of one vault never mint the same id, whatever their clocks). Pure: the time and the
//! random bytes are passed in.

/// The id of a new record of kind `kind` (table code), created at `ms`, from 9 random bytes.
pub fn new(kind: u8, ms: u64, random: [u8; 9]) -> [u8; 16] {
    let ms = ms.min((1 << 48) - 1);
    let mut id = [0u8; 16];
    id[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    id[6] = 0x80 | (random[0] & 0x0F);
    id[7] = kind;
    id[8] = 0x80 | (random[1] & 0x3F);
    id[9..].copy_from_slice(&random[2..]);
    id
}

/// The kind a version-8 id names (None: another version, whose kind the id does not say).
pub fn kind_of(id: &[u8; 16]) -> Option<u8> {
    (id[6] >> 4 == 8 && id[8] >> 6 == 0b10).then_some(id[7])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_a_uuid_v8_that_names_its_kind_and_sorts_by_time() {
        let a = new(4, 1_795_442_975_000, [0xFF; 9]);
        let u = uuid::Uuid::from_bytes(a);
        assert_eq!(u.get_version_num(), 8);
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(kind_of(&a), Some(4));
        assert_eq!(u64::from_be_bytes([0, 0, a[0], a[1], a[2], a[3], a[4], a[5]]), 1_795_442_975_000);
        assert!(new(4, 1_795_442_975_001, [0; 9]) > a, "a later creation sorts after");
        assert_ne!(new(4, 1, [1; 9]), new(4, 1, [2; 9]), "the random bits tell two copies apart");
        // Pinned: a change of the layout is a format change.
        assert_eq!(u.to_string(), "01a208bd-a118-8f04-bfff-ffffffffffff");
    }

    #[test]
    fn a_uuid_v7_names_no_kind_and_the_far_future_saturates() {
        let v7 = *uuid::Builder::from_unix_timestamp_millis(1_795_442_975_000, &[9; 10]).into_uuid().as_bytes();
        assert_eq!(kind_of(&v7), None);
        assert_eq!(&new(1, u64::MAX, [0; 9])[..6], &[0xFF; 6]);
    }
}
