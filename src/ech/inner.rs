//! `EncodedClientHelloInner` (RFC 9849 §5.1): the client's inner
//! ClientHello as it is sealed — legacy_session_id emptied, extensions it
//! shares with ClientHelloOuter replaced by one `ech_outer_extensions`,
//! zeros appended (§6.1.3) — and the server's way back.
//!
//! Both directions are pure functions over bytes. The server's
//! [`decode_client_hello_inner`] works on the outer hello's received
//! bytes, so the extensions it copies are the exact bytes the client sent
//! (the inner hello enters the transcript), and it makes one pass over
//! each hello: §5.1 asks for linear time, since a quadratic lookup or a
//! repeated copy lets a small packet cost a large amount of work or
//! memory (§10.12.4). Its output is the framing of a ClientHello only;
//! the caller parses it with the ordinary ClientHello parser, which
//! checks everything a ClientHello must satisfy (duplicates across the
//! expanded block, pre_shared_key last, list limits).

use alloc::vec::Vec;
use core::ops::Range;

use super::EchError;
use crate::codec::{Codec, LengthPrefix, LengthPrefixed, Reader, SeenSet, put_list, put_vec};
use crate::error::InvalidMessage;
use crate::msgs::enums::{ExtensionType, HandshakeType};
use crate::msgs::extensions::{ClientExtension, walk_block, with_prefix};
use crate::msgs::handshake::ClientHello;

/// `ExtensionType OuterExtensions<2..254>` (§5.1) holds at most 127 types.
const MAX_OUTER_REFERENCES: usize = 127;

/// The largest extension block a ClientHello can carry
/// (`extensions<8..2^16-1>`).
const MAX_BLOCK: usize = 0xffff;

/// Client side, §5.1: the EncodedClientHelloInner of `inner` without
/// padding (see [`recommended_padding`] and [`pad`]).
///
/// `compress` names the extensions to replace with one
/// `ech_outer_extensions`; they must be consecutive in `inner`, in that
/// order (§6.1 rule 3), and the caller must copy them into
/// ClientHelloOuter in the same relative order (§6.1, outer rule 2).
/// `encrypted_client_hello` and `ech_outer_extensions` cannot be
/// compressed, at most 127 types can, and `inner` may not carry an
/// `ech_outer_extensions` of its own (§5.1). An empty `compress` encodes
/// every extension as is.
pub fn encode_client_hello_inner(
    inner: &ClientHello,
    compress: &[ExtensionType],
) -> Result<Vec<u8>, EchError> {
    let span = compressed_span(inner, compress)?;
    let mut out = Vec::new();
    inner.legacy_version.encode(&mut out);
    out.extend_from_slice(&inner.random);
    // §5.1: "setting the legacy_session_id field to the empty string".
    put_vec(&mut out, LengthPrefix::U8, &[]);
    put_list(&mut out, LengthPrefix::U16, &inner.cipher_suites);
    put_vec(
        &mut out,
        LengthPrefix::U8,
        &inner.legacy_compression_methods,
    );
    with_prefix(&mut out, LengthPrefix::U16, |out| {
        for (i, ext) in inner.extensions.iter().enumerate() {
            match span {
                // §5.1: "the "ech_outer_extensions" extension MUST be
                // inserted in the corresponding position".
                Some((start, _)) if i == start => {
                    ExtensionType::ECH_OUTER_EXTENSIONS.encode(out);
                    with_prefix(out, LengthPrefix::U16, |out| {
                        put_list(out, LengthPrefix::U8, compress);
                    });
                }
                Some((start, end)) if i > start && i < end => {}
                _ => ext.encode(out),
            }
        }
    });
    Ok(out)
}

/// Where the extensions to compress sit in `inner`: `[start, end)`, or
/// `None` when there are none.
fn compressed_span(
    inner: &ClientHello,
    compress: &[ExtensionType],
) -> Result<Option<(usize, usize)>, EchError> {
    // §5.1: ech_outer_extensions "MUST NOT appear in either
    // ClientHelloOuter or ClientHelloInner"; only the encoding adds it.
    if inner
        .extensions
        .iter()
        .any(|e| e.typ() == ExtensionType::ECH_OUTER_EXTENSIONS)
    {
        return Err(EchError::InvalidConfig(
            "ech_outer_extensions in the ClientHelloInner to encode",
        ));
    }
    let Some(first) = compress.first() else {
        return Ok(None);
    };
    if compress.len() > MAX_OUTER_REFERENCES {
        return Err(EchError::InvalidConfig(
            "more than 127 extensions to compress (OuterExtensions<2..254>)",
        ));
    }
    if let Some(t) = compress.iter().find(|t| {
        **t == ExtensionType::ENCRYPTED_CLIENT_HELLO || **t == ExtensionType::ECH_OUTER_EXTENSIONS
    }) {
        return Err(EchError::CompressForbidden(*t));
    }
    let types = || inner.extensions.iter().map(ClientExtension::typ);
    let start = types()
        .position(|t| t == *first)
        .ok_or(EchError::CompressMissing(*first))?;
    // The run starting at `start` must be exactly `compress`. Our own
    // caller's list, so its cost is not a peer's to inflate; still one pass.
    let run = types().skip(start).take(compress.len());
    if run.clone().count() != compress.len() || !run.eq(compress.iter().copied()) {
        return Err(match compress.iter().find(|t| !types().any(|u| u == **t)) {
            Some(t) => EchError::CompressMissing(*t),
            None => EchError::CompressNotConsecutive,
        });
    }
    Ok(Some((start, start.saturating_add(compress.len()))))
}

/// §6.1.3's recommended padding for an EncodedClientHelloInner of
/// `unpadded_len` bytes whose ClientHelloInner names a server of
/// `server_name_len` bytes (`None`: no server_name), under a config's
/// `maximum_name_length` M:
///
/// 1. with a name of length D, "add max(0, M - D) bytes of padding";
///    without one, "add M + 9 bytes", the length of a server_name
///    extension with an M-byte name;
/// 2. then, with L the length so far, "N = 31 - ((L - 1) % 32)" more,
///    rounding the whole up to a multiple of 32.
pub fn recommended_padding(
    unpadded_len: usize,
    server_name_len: Option<usize>,
    maximum_name_length: u8,
) -> usize {
    let m = usize::from(maximum_name_length);
    let name_pad = match server_name_len {
        Some(d) => m.saturating_sub(d),
        None => m.saturating_add(9),
    };
    let l = unpadded_len.saturating_add(name_pad);
    // L >= 1 for any real EncodedClientHelloInner; at 0 no rounding is due.
    let round = l
        .checked_sub(1)
        .map_or(0, |l1| 31usize.saturating_sub(l1 % 32));
    name_pad.saturating_add(round)
}

/// Appends `n` zero bytes: the `zeros` of EncodedClientHelloInner (§5.1).
pub fn pad(encoded: &mut Vec<u8>, n: usize) {
    encoded.resize(encoded.len().saturating_add(n), 0);
}

/// [`encode_client_hello_inner`], padded as §6.1.3 recommends for a
/// config's `maximum_name_length` (the server name's length is read from
/// `inner`'s server_name, if any).
pub fn encode_client_hello_inner_padded(
    inner: &ClientHello,
    compress: &[ExtensionType],
    maximum_name_length: u8,
) -> Result<Vec<u8>, EchError> {
    let mut encoded = encode_client_hello_inner(inner, compress)?;
    let name_len = inner.extensions.iter().find_map(|e| match e {
        ClientExtension::ServerName(names) => names.first().map(|(_, n)| n.len()),
        _ => None,
    });
    let n = recommended_padding(encoded.len(), name_len, maximum_name_length);
    pad(&mut encoded, n);
    Ok(encoded)
}

/// A ClientHello body cut into its fields, framing checked, in place.
struct HelloParts<'a> {
    /// legacy_version and random: 34 bytes, copied as they are.
    head: &'a [u8],
    session_id: &'a [u8],
    /// cipher_suites and legacy_compression_methods with their length
    /// prefixes, copied as they are.
    middle: &'a [u8],
    /// The extension block's content (without its length), if present.
    extensions: Option<&'a [u8]>,
}

impl<'a> HelloParts<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self, InvalidMessage> {
        let head = r.take_or(34, "ClientHello legacy_version and random")?;
        let session_id = r.vec_bytes(LengthPrefix::U8, "legacy_session_id")?;
        let mid_start = r.clone();
        r.vec_bytes(LengthPrefix::U16, "cipher_suites")?;
        r.vec_bytes(LengthPrefix::U8, "legacy_compression_methods")?;
        let middle = mid_start
            .clone()
            .take(r.used().saturating_sub(mid_start.used()))
            .ok_or(InvalidMessage::MissingData("ClientHello"))?;
        // §4.3 of RFC 9846: no type twice in a block. The cursor of
        // decode_client_hello_inner relies on it for the outer hello (each
        // type found once), and it leaves at most one ech_outer_extensions
        // in the inner one.
        let extensions = if r.any_left() {
            Some(walk_block(
                r,
                "ClientHello extensions",
                false,
                usize::MAX,
                |_, _| Ok(()),
            )?)
        } else {
            None
        };
        Ok(Self {
            head,
            session_id,
            middle,
            extensions,
        })
    }
}

/// One extension of a block whose framing was checked: its type and its
/// whole encoding (type, length and body).
fn extensions_raw(block: &[u8]) -> impl Iterator<Item = (ExtensionType, &[u8])> + Clone + '_ {
    let mut r = Reader::new(block);
    core::iter::from_fn(move || {
        let before = r.clone();
        let typ = ExtensionType::read(&mut r).ok()?;
        r.vec_bytes(LengthPrefix::U16, "extension_data").ok()?;
        let whole = before
            .clone()
            .take(r.used().saturating_sub(before.used()))?;
        Some((typ, whole))
    })
}

/// Server side, §5.1: ClientHelloInner from the opened
/// EncodedClientHelloInner and the body of the ClientHelloOuter it came
/// in (the handshake message without its 4-byte header). Returns the
/// whole handshake message — type, length, body — as it enters the
/// transcript; parse it with the ordinary ClientHello parser next.
///
/// Refuses (§5.1, all `illegal_parameter`): a non-zero padding byte; a
/// non-empty legacy_session_id (the client empties it, the server takes
/// the outer one); an `ech_outer_extensions` in ClientHelloOuter; and an
/// `OuterExtensions` list that names an extension ClientHelloOuter lacks,
/// names one twice, names `encrypted_client_hello` (or
/// `ech_outer_extensions`), or names them out of ClientHelloOuter's order.
/// Appendix A's procedure: one cursor over the outer extensions that
/// only moves forward, so the whole takes time linear in the two hellos
/// and each outer extension is copied at most once.
pub fn decode_client_hello_inner(encoded: &[u8], outer_body: &[u8]) -> Result<Vec<u8>, EchError> {
    let mut r = Reader::new(encoded);
    let inner = HelloParts::read(&mut r)?;
    // ClientHelloInner always has extensions (at least its
    // encrypted_client_hello, §6.1 rule 4); without the field the
    // padding would be read as one.
    let inner_block = inner
        .extensions
        .ok_or(InvalidMessage::MissingData("ClientHelloInner extensions"))?;
    // §5.1: "interpreting all bytes after client_hello as padding. If any
    // padding byte is non-zero, the server MUST abort the connection with
    // an "illegal_parameter" alert."
    if r.rest().iter().any(|b| *b != 0) {
        return Err(EchError::NonZeroPadding);
    }
    if !inner.session_id.is_empty() {
        return Err(EchError::InnerSessionIdNotEmpty);
    }

    let mut outer_reader = Reader::new(outer_body);
    let outer = HelloParts::read(&mut outer_reader)?;
    outer_reader.expect_empty("ClientHelloOuter")?;
    let outer_block = outer.extensions.unwrap_or_default();
    // §5.1: ech_outer_extensions "MUST NOT appear in either
    // ClientHelloOuter or ClientHelloInner".
    if extensions_raw(outer_block).any(|(t, _)| t == ExtensionType::ECH_OUTER_EXTENSIONS) {
        return Err(EchError::OuterExtensionsInOuter);
    }

    let mut out = Vec::with_capacity(
        4usize
            .saturating_add(encoded.len())
            .saturating_add(outer_body.len()),
    );
    HandshakeType::CLIENT_HELLO.encode(&mut out);
    let mut message = LengthPrefixed::start(&mut out, LengthPrefix::U24);
    let body = message.out();
    body.extend_from_slice(inner.head);
    // §5.1: "copies the legacy_session_id field from ClientHelloOuter".
    put_vec(body, LengthPrefix::U8, outer.session_id);
    body.extend_from_slice(inner.middle);
    let block_at = body.len();
    let mut block = LengthPrefixed::start(body, LengthPrefix::U16);
    let mut cursor = extensions_raw(outer_block);
    for (typ, whole) in extensions_raw(inner_block) {
        if typ != ExtensionType::ECH_OUTER_EXTENSIONS {
            block.out().extend_from_slice(whole);
            continue;
        }
        // `whole` is type (2), length (2), then OuterExtensions.
        let mut ext = Reader::new(whole.get(4..).unwrap_or_default());
        let mut refs = ext.sub(LengthPrefix::U8, "OuterExtensions")?;
        ext.expect_empty("ech_outer_extensions")?;
        // <2..254>: at least one type; an odd length fails in the loop.
        if !refs.any_left() {
            return Err(InvalidMessage::EmptyVector("OuterExtensions").into());
        }
        let mut seen = SeenSet::<ExtensionType, 16>::new();
        while refs.any_left() {
            let want = ExtensionType::read(&mut refs)?;
            if want == ExtensionType::ENCRYPTED_CLIENT_HELLO
                || want == ExtensionType::ECH_OUTER_EXTENSIONS
            {
                return Err(EchError::OuterExtensionForbidden(want));
            }
            if !seen.insert(want) {
                return Err(EchError::OuterExtensionDuplicate(want));
            }
            // Appendix A: "While I is less than N and the I-th extension
            // of ClientHelloOuter does not have type E, increment I."
            match cursor.find(|(t, _)| *t == want) {
                Some((_, found)) => block.out().extend_from_slice(found),
                // "If I is equal to N, abort": the one extra pass over
                // the outer block happens once, on the way out, and only
                // tells the two failures apart.
                None if extensions_raw(outer_block).any(|(t, _)| t == want) => {
                    return Err(EchError::OuterExtensionOutOfOrder(want));
                }
                None => return Err(EchError::OuterExtensionMissing(want)),
            }
        }
    }
    // The block's length prefix (2 bytes) sits at `block_at`.
    let block_len = block.out().len().saturating_sub(block_at).saturating_sub(2);
    if block_len > MAX_BLOCK {
        return Err(InvalidMessage::InvalidValue(
            "ClientHelloInner extensions longer than 2^16-1 bytes",
        )
        .into());
    }
    block.finish();
    message.finish();
    Ok(out)
}

/// ClientHelloOuterAAD (§5.2): the ClientHelloOuter body "except that the
/// payload field of the "encrypted_client_hello" is replaced with a byte
/// string of the same length but whose contents are zeros", and the
/// outer ECHClientHello it carries. `None` when the hello has no
/// `encrypted_client_hello`.
///
/// This is the client-facing server's first look at the extension, so it
/// applies §7: an `encrypted_client_hello` of type inner(1) (which "should
/// never be received directly from the network") or of a type that is no
/// `ECHClientHelloType` is
/// [`UnexpectedClientHelloType`](EchError::UnexpectedClientHelloType),
/// `illegal_parameter` — never `None`, which would let the handshake go on
/// as if ECH had not been offered. A malformed outer(0) body is
/// `decode_error`.
///
/// The payload is the last field of the extension's body, so it is the
/// last `payload.len()` bytes of the extension; they are zeroed in a copy
/// of the received bytes, nothing is re-encoded. The client builds its
/// AAD with a zero placeholder already in place (§6.1.1), so for it this
/// is the identity on the bytes; the server calls it on what it received.
pub fn client_hello_outer_aad(
    outer_body: &[u8],
) -> Result<Option<(super::EchOuter, Vec<u8>)>, EchError> {
    let Some((outer, payload)) = outer_extension(outer_body)? else {
        return Ok(None);
    };
    let mut aad = outer_body.to_vec();
    if let Some(bytes) = aad.get_mut(payload) {
        bytes.fill(0);
    }
    Ok(Some((outer, aad)))
}

/// The outer `encrypted_client_hello` of a ClientHello body and where its
/// payload lies in `outer_body`, with the checks of
/// [`client_hello_outer_aad`]: the one walk of the outer hello that the
/// AAD, the client's sealing (which writes the payload there) and the
/// server share.
pub(super) fn outer_extension(
    outer_body: &[u8],
) -> Result<Option<(super::EchOuter, Range<usize>)>, EchError> {
    let mut r = Reader::new(outer_body);
    let outer = HelloParts::read(&mut r)?;
    r.expect_empty("ClientHelloOuter")?;
    let Some(block) = outer.extensions else {
        return Ok(None);
    };
    // The block is the hello's last field: it ends where the body ends.
    let block_start = outer_body.len().saturating_sub(block.len());
    let mut end_in_block = 0usize;
    for (typ, whole) in extensions_raw(block) {
        end_in_block = end_in_block.saturating_add(whole.len());
        if typ != ExtensionType::ENCRYPTED_CLIENT_HELLO {
            continue;
        }
        let body = whole.get(4..).unwrap_or_default();
        // §7: only outer(0) may arrive from the network; the type decides
        // the alert before the rest of the body is read (an unknown type
        // has no syntax to check).
        match body.first() {
            Some(0) => {}
            Some(t) => return Err(EchError::UnexpectedClientHelloType(*t)),
            None => return Err(InvalidMessage::MissingData("ECHClientHelloType").into()),
        }
        let super::EchClientHello::Outer(o) = super::EchClientHello::from_body(body)? else {
            return Err(EchError::UnexpectedClientHelloType(1));
        };
        // The payload is the body's last field: the extension's last bytes.
        let end = block_start.saturating_add(end_in_block);
        let start = end.saturating_sub(o.payload.len());
        return Ok(Some((o, start..end)));
    }
    Ok(None)
}
