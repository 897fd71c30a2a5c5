//! Pieces both state machines use: CertificateVerify content, Finished
//! checks, message encoding, extension helpers.

use alloc::vec::Vec;

use subtle::ConstantTimeEq;

use crate::codec::{Codec, StackBytes};
use crate::conn::core::Core;
use crate::crypto::hash::{Hash, Output};
use crate::error::{Error, InvalidMessage, PeerMisbehaved};
use crate::key_schedule::{self, MasterSchedule};
use crate::msgs::borrowed::{CodeList, HandshakeMessageRef};
use crate::msgs::enums::ExtensionType;
use crate::msgs::handshake::{HandshakeMessage, encode_certificate};

use super::transcript::Transcript;

/// Context string of the server's CertificateVerify (§4.5.2).
pub const SERVER_CV_CONTEXT: &[u8] = b"TLS 1.3, server CertificateVerify";
/// Context string of the client's CertificateVerify (§4.5.2).
pub const CLIENT_CV_CONTEXT: &[u8] = b"TLS 1.3, client CertificateVerify";

/// Longest CertificateVerify content: 64 spaces, the longer context
/// string, a zero byte and a SHA-384 transcript hash.
const MAX_SIGNED_CONTENT: usize = 64 + 33 + 1 + 48;

/// The content covered by a CertificateVerify signature (§4.5.2): 64
/// spaces, the context string, a zero byte, the transcript hash.
pub fn signed_content(context: &[u8], transcript_hash: &[u8]) -> StackBytes<MAX_SIGNED_CONTENT> {
    let mut c = StackBytes::filled_with(0x20, 64);
    for part in [context, &[0], transcript_hash] {
        c.push(part);
    }
    c
}

/// Longest Finished message: the 4-byte header and a SHA-384 verify_data.
const MAX_FINISHED: usize = 4 + 48;

/// The Finished message carrying `verify_data` (a hash output, so at
/// most 48 bytes): the same bytes as encoding
/// `HandshakeMessage::Finished`, without building one.
pub fn finished_message(verify_data: &[u8]) -> StackBytes<MAX_FINISHED> {
    let n = verify_data.len().min(MAX_FINISHED.saturating_sub(4));
    let [_, a, b, c] = (n as u32).to_be_bytes();
    let mut m = StackBytes::filled_with(0, 0);
    m.push(&[crate::msgs::enums::HandshakeType::FINISHED.0, a, b, c]);
    m.push(verify_data.get(..n).unwrap_or_default());
    m
}

/// Appends the encoding of `msg` to `out` and adds exactly those bytes to
/// the transcript: a flight is built in one buffer instead of a vector
/// per message.
pub fn append_message(out: &mut Vec<u8>, transcript: &mut Transcript, msg: &HandshakeMessage) {
    let start = out.len();
    msg.encode(out);
    transcript.add(out.get(start..).unwrap_or_default());
}

/// Appends our Certificate message (§4.5.1) for `chain` to `out` and adds
/// it to the transcript (see [`encode_our_certificate`]). The handshakes
/// encode it and pass it through `handshake::compress::compress_tail`.
#[cfg(test)]
pub fn append_certificate(
    out: &mut Vec<u8>,
    transcript: &mut Transcript,
    context: &[u8],
    chain: &[Vec<u8>],
    raw_public_key_type: bool,
) -> Result<(), Error> {
    let start = out.len();
    encode_our_certificate(out, context, chain, raw_public_key_type)?;
    transcript.add(out.get(start..).unwrap_or_default());
    Ok(())
}

/// Appends our Certificate message (§4.5.1) for `chain` to `out`. With a
/// negotiated raw public key (RFC 7250) the one entry is the
/// SubjectPublicKeyInfo; else the configured X.509 chain. The entries are
/// encoded from the configuration's bytes, not copied into a message
/// value first.
pub fn encode_our_certificate(
    out: &mut Vec<u8>,
    context: &[u8],
    chain: &[Vec<u8>],
    raw_public_key_type: bool,
) -> Result<(), Error> {
    if raw_public_key_type {
        let first = chain.first().ok_or(Error::Internal("empty chain"))?;
        let spki = raw_public_key(first)?;
        encode_certificate(out, context, core::iter::once(spki));
    } else {
        encode_certificate(out, context, chain.iter().map(Vec::as_slice));
    }
    Ok(())
}

/// Checks a received Finished (§4.5.3) in constant time.
///
/// RFC 9846 §4.5.3: `opaque verify_data[Hash.length]`. A body of another
/// length does not fit the message's syntax, so it is a `decode_error`
/// (§6.2), not a Finished that failed to verify (`decrypt_error`); the
/// length is public (the negotiated hash's), so the early return leaks
/// nothing.
pub fn check_finished(
    hash: Hash,
    base_key: &[u8],
    transcript_hash: &[u8],
    received: &[u8],
) -> Result<(), Error> {
    if received.len() != hash.output_len() {
        return Err(InvalidMessage::InvalidValue("Finished verify_data length").into());
    }
    let expected = key_schedule::finished_verify_data(hash, base_key, transcript_hash);
    let expected = expected.as_ref();
    if expected.len() == received.len() && bool::from(expected.ct_eq(received)) {
        Ok(())
    } else {
        Err(PeerMisbehaved::BadFinished.into())
    }
}

/// A PSK binder (§4.3.11.2): a Finished-style MAC under the binder key of
/// the PSK's early secret over `transcript_hash` (Hash of the ClientHello
/// truncated before the binders, with any HelloRetryRequest exchange
/// before it).
pub fn psk_binder(
    hash: Hash,
    psk: &[u8],
    external: bool,
    transcript_hash: &[u8],
) -> crate::crypto::hash::Output {
    let key = key_schedule::EarlySchedule::new(hash, Some(psk)).binder_key(external);
    key_schedule::finished_verify_data(hash, key.as_ref(), transcript_hash)
}

/// Parses one whole message from the peer, its lists bounded by the
/// connection's [`Limits`](crate::config::Limits): hellos,
/// EncryptedExtensions and Certificate in place, without copying their
/// lists (see [`HandshakeMessageRef`]).
pub fn parse<'a>(core: &Core, raw: &'a [u8]) -> Result<HandshakeMessageRef<'a>, Error> {
    let mut r = crate::codec::Reader::new(raw);
    let msg = HandshakeMessageRef::read_limited(&mut r, &core.limits().list_limits())?;
    r.expect_empty("handshake message")?;
    Ok(msg)
}

/// The verify_data of `raw` when it is one whole Finished message (§4.5.3),
/// read in place: parsing it into a [`HandshakeMessage`] would copy it.
/// `None` for any other message (which then goes through [`parse`]).
pub fn finished_body(raw: &[u8]) -> Option<&[u8]> {
    match raw {
        [typ, a, b, c, body @ ..]
            if *typ == crate::msgs::enums::HandshakeType::FINISHED.0
                && u32::from_be_bytes([0, *a, *b, *c]) as usize == body.len() =>
        {
            Some(body)
        }
        _ => None,
    }
}

/// The scheme and signature of `raw` when it is a CertificateVerify
/// (§4.5.2), read in place (parsing it into a [`HandshakeMessage`] would
/// copy the signature); `Ok(None)` for any other message type. A
/// malformed one fails exactly as [`parse`] would.
pub fn certificate_verify_body(
    raw: &[u8],
) -> Result<Option<(crate::msgs::enums::SignatureScheme, &[u8])>, Error> {
    use crate::codec::{LengthPrefix, Reader};
    use crate::msgs::enums::HandshakeType;
    let mut r = Reader::new(raw);
    if HandshakeType::read(&mut r)? != HandshakeType::CERTIFICATE_VERIFY {
        return Ok(None);
    }
    let mut body = r.sub(LengthPrefix::U24, "handshake message")?;
    let cv = crate::msgs::handshake::read_certificate_verify(&mut body)?;
    body.expect_empty("handshake message")?;
    r.expect_empty("handshake message")?;
    Ok(Some(cv))
}

/// The name of a message for errors.
pub fn name(msg: &HandshakeMessageRef<'_>) -> &'static str {
    match msg {
        HandshakeMessageRef::ClientHello(_) => "ClientHello",
        HandshakeMessageRef::ServerHello(sh) if sh.is_retry_request() => "HelloRetryRequest",
        HandshakeMessageRef::ServerHello(_) => "ServerHello",
        HandshakeMessageRef::EncryptedExtensions(_) => "EncryptedExtensions",
        HandshakeMessageRef::Certificate(_) => "Certificate",
        HandshakeMessageRef::Other(m) => owned_name(m),
    }
}

fn owned_name(msg: &HandshakeMessage) -> &'static str {
    match msg {
        HandshakeMessage::ClientHello(_) => "ClientHello",
        HandshakeMessage::ServerHello(sh) if sh.is_retry_request() => "HelloRetryRequest",
        HandshakeMessage::ServerHello(_) => "ServerHello",
        HandshakeMessage::NewSessionTicket(_) => "NewSessionTicket",
        HandshakeMessage::EndOfEarlyData => "EndOfEarlyData",
        HandshakeMessage::EncryptedExtensions(_) => "EncryptedExtensions",
        HandshakeMessage::Certificate(_) => "Certificate",
        HandshakeMessage::CertificateRequest(_) => "CertificateRequest",
        HandshakeMessage::CertificateVerify(_) => "CertificateVerify",
        HandshakeMessage::Finished(_) => "Finished",
        HandshakeMessage::KeyUpdate(_) => "KeyUpdate",
        HandshakeMessage::MessageHash(_) => "message_hash",
        HandshakeMessage::Unknown { typ, .. }
            if *typ == crate::msgs::enums::HandshakeType::COMPRESSED_CERTIFICATE =>
        {
            "CompressedCertificate"
        }
        HandshakeMessage::Unknown { .. } => "unknown handshake message",
    }
}

/// The error for a message that is not allowed now.
pub fn unexpected(msg: &HandshakeMessageRef<'_>, expected: &'static str) -> Error {
    PeerMisbehaved::UnexpectedMessage {
        got: name(msg),
        expected,
    }
    .into()
}

/// Whether `der` is exactly one DER SubjectPublicKeyInfo (RFC 5280
/// §4.1.2.7), as a raw public key entry must be (RFC 7250 §3).
pub fn is_spki(der: &[u8]) -> bool {
    p256::pkcs8::spki::SubjectPublicKeyInfoRef::try_from(der).is_ok()
}

/// The entry we send for a raw public key (RFC 9846 §4.5.1: "an
/// ASN1_subjectPublicKeyInfo value"): the configured entry itself when it
/// is an SPKI, else the key of the certificate it is.
pub fn raw_public_key(entry: &[u8]) -> Result<&[u8], Error> {
    if is_spki(entry) {
        return Ok(entry);
    }
    crate::crypto::sign::certificate_spki(entry).map_err(|_| {
        Error::BadConfig(
            "a raw public key must be a DER SubjectPublicKeyInfo or a certificate".into(),
        )
    })
}

/// Checks the peer's CertificateVerify (§4.5.2): the signature over
/// `context` and the transcript so far, by the key of the first entry of
/// `chain` (that entry is the key itself under a raw public key, RFC 7250).
// The verifier and RSA floor come from the config, the rest from the
// connection's state: grouping them would only move the list elsewhere.
#[allow(clippy::too_many_arguments)]
pub fn verify_certificate_verify(
    verifier: &dyn crate::crypto::sign::SignatureVerifier,
    chain: &[Vec<u8>],
    raw_public_key_type: bool,
    context: &[u8],
    transcript: &Transcript,
    scheme: crate::msgs::enums::SignatureScheme,
    signature: &[u8],
    min_rsa_bits: usize,
) -> Result<(), Error> {
    let ee = chain
        .first()
        .ok_or(Error::Internal("CertificateVerify without a certificate"))?;
    let spki = if raw_public_key_type {
        ee.as_slice()
    } else {
        crate::crypto::sign::certificate_spki(ee)?
    };
    let th = transcript.current()?;
    let content = signed_content(context, th.as_ref());
    crate::crypto::sign::verify_with(verifier, spki, scheme, &content, signature, min_rsa_bits)
        .map_err(super::client::verify_error)
}

/// The application's signature, with any failure reported as
/// `SigningFailed` (internal errors pass as they are).
pub fn signature_answer(result: Result<Vec<u8>, Error>) -> Result<Vec<u8>, Error> {
    result.map_err(|e| match e {
        Error::SigningFailed(_) | Error::Internal(_) => e,
        other => Error::SigningFailed(alloc::format!("{other}")),
    })
}

/// The client and server application traffic secrets and the exporter
/// secret (§7.1), over the transcript through the server Finished, written
/// to the key log.
pub fn application_secrets(
    core: &Core,
    master: &MasterSchedule,
    transcript_hash: &[u8],
) -> (Output, Output, Output) {
    let c_ap = master.client_application_traffic_secret(transcript_hash);
    let s_ap = master.server_application_traffic_secret(transcript_hash);
    let exporter = master.exporter_master_secret(transcript_hash);
    core.log_secret("CLIENT_TRAFFIC_SECRET_0", &c_ap);
    core.log_secret("SERVER_TRAFFIC_SECRET_0", &s_ap);
    core.log_secret("EXPORTER_SECRET", &exporter);
    (c_ap, s_ap, exporter)
}

/// The hash of the negotiated suite, for post-handshake messages.
pub fn negotiated_hash(core: &Core) -> Result<Hash, Error> {
    Ok(core.suite()?.hash)
}

/// The received raw public key of a Certificate message (RFC 9846
/// §4.5.1: "no more than one CertificateEntry", holding an SPKI).
pub fn received_raw_public_key(entries: &[Vec<u8>]) -> Result<&[u8], Error> {
    let [spki] = entries else {
        return Err(PeerMisbehaved::IllegalParameter(
            "a raw public key Certificate must hold exactly one entry",
        )
        .into());
    };
    if !is_spki(spki) {
        return Err(crate::error::CertificateError::BadEncoding(
            "the raw public key is not a DER SubjectPublicKeyInfo".into(),
        )
        .into());
    }
    Ok(spki)
}

/// Whether a list has a duplicate (n·log n).
pub fn has_duplicates<T: Ord>(items: &[T]) -> bool {
    has_duplicate_keys(items.iter())
}

/// Lists up to this long are searched in place (no allocation, at most
/// this many comparisons per lookup); longer ones are sorted first.
const SHORT_LIST: usize = 32;

/// Whether two of `keys` are equal: a short list is compared pairwise in
/// place, a longer one is collected, sorted and neighbours compared
/// (n·log n, whatever the peer put in the list).
pub fn has_duplicate_keys<K: Ord>(keys: impl Iterator<Item = K> + Clone) -> bool {
    let n = keys.clone().count();
    if n <= SHORT_LIST {
        return keys
            .clone()
            .enumerate()
            .any(|(i, a)| keys.clone().skip(i.saturating_add(1)).any(|b| b == a));
    }
    let mut sorted: Vec<K> = Vec::with_capacity(n);
    sorted.extend(keys);
    sorted.sort_unstable();
    sorted.windows(2).any(|w| matches!(w, [a, b] if a == b))
}

/// A peer's list for membership tests that stay n·log n however long it
/// is: a short list is searched in place, a longer one is copied, sorted
/// once and binary-searched.
pub enum SortedSet<'a, T: Ord> {
    /// At most [`SHORT_LIST`] items, searched where they lie.
    Short(Option<CodeList<'a, T>>),
    /// A sorted copy.
    Sorted(Vec<T>),
}

impl<'a, T: Ord + Copy + crate::codec::Codec<'a>> SortedSet<'a, T> {
    /// The set of `items` (empty for `None`).
    pub fn new(items: Option<CodeList<'a, T>>) -> Self {
        match items {
            Some(list) if list.len() > SHORT_LIST => {
                let mut v = list.to_vec();
                v.sort_unstable();
                Self::Sorted(v)
            }
            short => Self::Short(short),
        }
    }

    /// Whether `item` is in the set.
    pub fn contains(&self, item: &T) -> bool {
        match self {
            Self::Short(list) => list.is_some_and(|l| l.contains(item)),
            Self::Sorted(v) => v.binary_search(item).is_ok(),
        }
    }
}

/// The messages of RFC 9846 §4.3's extension table, as bit flags.
pub mod ext_in {
    /// ClientHello.
    pub const CH: u8 = 1;
    /// ServerHello.
    pub const SH: u8 = 2;
    /// HelloRetryRequest.
    pub const HRR: u8 = 4;
    /// EncryptedExtensions.
    pub const EE: u8 = 8;
    /// Certificate.
    pub const CT: u8 = 16;
    /// CertificateRequest.
    pub const CR: u8 = 32;
    /// NewSessionTicket.
    pub const NST: u8 = 64;
}

/// Whether an extension may appear in the message `msg` (an [`ext_in`]
/// flag): `Some(..)` for the extensions the table lists (RFC 9846
/// §4.3's Table 1, plus those 8446's table had), `None` for others. §4.3: "If an implementation
/// receives an extension which it recognizes and which is not specified
/// for the message in which it appears, it MUST abort the handshake with
/// an "illegal_parameter" alert."
pub fn extension_allowed_in(typ: ExtensionType, msg: u8) -> Option<bool> {
    use ExtensionType as T;
    use ext_in::*;
    let allowed = match typ {
        // RFC 9846 §4.3 Table 1 adds CR (RFC 9261 exported authenticators).
        T::SERVER_NAME => CH | EE | CR,
        T::MAX_FRAGMENT_LENGTH
        | T::SUPPORTED_GROUPS
        | T::USE_SRTP
        | T::HEARTBEAT
        | T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION
        | T::CLIENT_CERTIFICATE_TYPE
        | T::SERVER_CERTIFICATE_TYPE
        | T::RECORD_SIZE_LIMIT => CH | EE,
        T::STATUS_REQUEST | T::SIGNED_CERTIFICATE_TIMESTAMP => CH | CR | CT,
        T::SIGNATURE_ALGORITHMS | T::CERTIFICATE_AUTHORITIES | T::SIGNATURE_ALGORITHMS_CERT => {
            CH | CR
        }
        T::PADDING | T::PSK_KEY_EXCHANGE_MODES | T::POST_HANDSHAKE_AUTH => CH,
        T::PRE_SHARED_KEY => CH | SH,
        T::EARLY_DATA => CH | EE | NST,
        T::COOKIE => CH | HRR,
        T::SUPPORTED_VERSIONS | T::KEY_SHARE => CH | SH | HRR,
        T::OID_FILTERS => CR,
        // The rest of RFC 9846's Table 1, and cached_info (§11.1).
        T::COMPRESS_CERTIFICATE => CH | CR,
        T::DELEGATED_CREDENTIAL | T::TRANSPARENCY_INFO => CH | CR | CT,
        T::CACHED_INFO
        | T::SUPPORTED_EKT_CIPHERS
        | T::EXTERNAL_ID_HASH
        | T::EXTERNAL_SESSION_ID
        | T::QUIC_TRANSPORT_PARAMETERS
        | T::TICKET_REQUEST => CH | EE,
        T::ECH_OUTER_EXTENSIONS => CH,
        T::ENCRYPTED_CLIENT_HELLO => CH | HRR | EE,
        _ => return None,
    };
    Some(allowed & msg != 0)
}

/// The error for extension `typ` in a server message that does not handle
/// it: one §4.3 places in other messages is `illegal_parameter`, any other
/// was not asked for (`unsupported_extension`).
pub fn foreign_extension(typ: ExtensionType, msg: u8, what: &'static str) -> Error {
    if extension_allowed_in(typ, msg) == Some(false) {
        PeerMisbehaved::IllegalParameter(what).into()
    } else {
        PeerMisbehaved::UnsolicitedExtension(typ.0).into()
    }
}

/// Big-endian encoding of a ticket counter in at least `width` bytes
/// (more when the value needs them); width 1 gives the minimal encoding,
/// one byte 0x00 for the first ticket.
pub fn counter_nonce(n: u64, width: usize) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let minimal = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    let first = minimal.min(bytes.len().saturating_sub(width.clamp(1, 8)));
    bytes.get(first..).map(|s| s.to_vec()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_counter() {
        assert_eq!(counter_nonce(0, 1), [0]);
        assert_eq!(counter_nonce(1, 1), [1]);
        assert_eq!(counter_nonce(255, 1), [255]);
        assert_eq!(counter_nonce(256, 1), [1, 0]);
        assert_eq!(counter_nonce(0, 2), [0, 0]);
        assert_eq!(counter_nonce(0x10203, 2), [1, 2, 3]);
    }

    use alloc::vec;

    #[test]
    fn finished_body_reads_only_whole_finished_messages() {
        let vd = [7u8; 32];
        let msg = finished_message(&vd);
        assert_eq!(finished_body(&msg), Some(&vd[..]));
        assert_eq!(finished_body(&msg[..35]), None);
        assert_eq!(finished_body(&[24, 0, 0, 1, 0]), None);
    }

    #[test]
    fn certificate_verify_body_matches_parse() {
        use crate::msgs::enums::SignatureScheme;
        use crate::msgs::handshake::DigitallySigned;
        let cv = DigitallySigned {
            scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
            signature: vec![5; 71],
        };
        let raw = HandshakeMessage::CertificateVerify(cv.clone()).to_bytes();
        assert_eq!(
            certificate_verify_body(&raw).unwrap(),
            Some((cv.scheme, &cv.signature[..]))
        );
        // A signature length that overruns the body fails like parse().
        let mut bad = raw.clone();
        bad[7] = bad[7].wrapping_add(1);
        assert_eq!(
            certificate_verify_body(&bad).unwrap_err(),
            Error::from(HandshakeMessage::read_exact(&bad, "handshake message").unwrap_err())
        );
        assert_eq!(
            certificate_verify_body(&finished_message(&[1; 32])).unwrap(),
            None
        );
    }

    #[test]
    fn finished_message_is_the_encoded_message() {
        for len in [32usize, 48] {
            let vd: Vec<u8> = (0..len as u8).collect();
            let ours = finished_message(&vd);
            assert_eq!(&*ours, HandshakeMessage::Finished(vd).to_bytes());
        }
    }

    #[test]
    fn certificate_encoding_matches_the_message() {
        use crate::msgs::handshake::{CertificateEntry, CertificatePayload};
        let chain = vec![vec![1u8; 300], vec![2u8; 5]];
        let mut out = vec![9];
        let mut t = Transcript::default();
        append_certificate(&mut out, &mut t, b"ctx", &chain, false).unwrap();
        let msg = HandshakeMessage::Certificate(CertificatePayload {
            context: b"ctx".to_vec(),
            entries: chain
                .iter()
                .map(|c| CertificateEntry {
                    data: c.clone(),
                    extensions: Vec::new(),
                })
                .collect(),
        });
        assert_eq!(out[1..], msg.to_bytes());
    }

    /// RFC 9846 §4.3, Table 1: server_name may now appear in a
    /// CertificateRequest, and the table's other extensions are placed.
    /// Raw code points, as on the wire.
    #[test]
    fn server_name_is_allowed_in_certificate_request() {
        use ext_in::*;
        let t = ExtensionType;
        assert_eq!(extension_allowed_in(t(0), CR), Some(true));
        assert_eq!(extension_allowed_in(t(0), CT), Some(false));
        let table: [(u16, u8); 11] = [
            (25, CH | EE),           // cached_info (RFC 9846 §11.1)
            (27, CH | CR),           // compress_certificate
            (34, CH | CR | CT),      // delegated_credential
            (39, CH | EE),           // supported_ekt_ciphers
            (52, CH | CR | CT),      // transparency_info
            (55, CH | EE),           // external_id_hash
            (56, CH | EE),           // external_session_id
            (57, CH | EE),           // quic_transport_parameters
            (58, CH | EE),           // ticket_request
            (0xfd00, CH),            // ech_outer_extensions
            (0xfe0d, CH | HRR | EE), // encrypted_client_hello
        ];
        for (typ, allowed) in table {
            for msg in [CH, SH, HRR, EE, CT, CR, NST] {
                assert_eq!(
                    extension_allowed_in(t(typ), msg),
                    Some(allowed & msg != 0),
                    "extension {typ} in message flag {msg}"
                );
            }
        }
    }

    #[test]
    fn duplicate_and_membership_checks_short_and_long() {
        use crate::codec::{LengthPrefix, Reader};
        use crate::msgs::enums::NamedGroup;
        for n in [3usize, 32, 33, 1000] {
            let v: Vec<u16> = (0..n as u16).rev().collect();
            assert!(!has_duplicates(&v), "{n}");
            let mut d = v.clone();
            d.push(1);
            assert!(has_duplicates(&d), "{n}");
            let groups: Vec<NamedGroup> = v.iter().map(|g| NamedGroup(*g)).collect();
            let mut wire = Vec::new();
            crate::codec::put_list(&mut wire, LengthPrefix::U16, &groups);
            let list = CodeList::read(&mut Reader::new(&wire), LengthPrefix::U16, "groups", n);
            let set = SortedSet::new(Some(list.unwrap()));
            assert!(groups.iter().all(|x| set.contains(x)), "{n}");
            assert!(!set.contains(&NamedGroup(n as u16)), "{n}");
        }
    }

    #[test]
    fn cv_content_layout() {
        let m = signed_content(SERVER_CV_CONTEXT, &[0xab; 32]);
        assert_eq!(m.len(), 64 + 33 + 1 + 32);
        assert!(m[..64].iter().all(|b| *b == 0x20));
        assert_eq!(&m[64..97], SERVER_CV_CONTEXT);
        assert_eq!(m[97], 0);
    }
}
