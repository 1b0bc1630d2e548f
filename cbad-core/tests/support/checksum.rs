//! For tests that forge snapshots: a snapshot ends with the CRC-32 (ISO-HDLC) of everything
//! before it. Computed bit by bit here, independently of the library's table-driven one.
//! Shared by the integration tests and the `restore` fuzz target (included by path).

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// `body` with its checksum appended, as a snapshot ends.
pub fn with_crc(mut body: Vec<u8>) -> Vec<u8> {
    let crc = crc32(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    body
}
