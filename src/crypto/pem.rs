//! A small PEM (RFC 7468) reader for certificates and keys.

use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Error;

/// Every PEM block in `text`, as (label, DER bytes), in order. Text
/// outside blocks is ignored.
pub fn parse(_text: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
    todo!()
}

/// The DER bodies of every `CERTIFICATE` block, in order (leaf first in
/// a chain file).
pub fn certificates(text: &str) -> Result<Vec<Vec<u8>>, Error> {
    Ok(parse(text)?
        .into_iter()
        .filter(|(label, _)| label == "CERTIFICATE")
        .map(|(_, der)| der)
        .collect())
}
