//! Adversarial review of the ECH codecs (RFC 9849 §4, §5, §5.1, §5.2,
//! §6.1.7, §7): what a peer or a DNS answer can send, and what an
//! operator's builder can be asked for. Expected bytes are built by hand
//! from the RFC's structs.

use tls13::crypto::{OsRandom, rustcrypto};
use tls13::ech::{
    EchConfigBuilder, EchConfigExtension, EchConfigList, EchError, Unusable,
    client_hello_outer_aad, decode_client_hello_inner, is_valid_public_name,
};
use tls13::error::InvalidMessage;
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::AlertDescription;
use tls13::unstable::msgs::handshake::HandshakeMessage;

fn h(s: &str) -> Vec<u8> {
    let clean: String = s
        .lines()
        .map(|line| line.split('#').next().unwrap())
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace() && *c != '|')
        .collect();
    hex::decode(clean).unwrap()
}

fn provider() -> &'static tls13::crypto::CryptoProvider {
    rustcrypto::provider()
}

/// legacy_version and random.
const HEAD: &str = "0303 0707070707070707070707070707070707070707070707070707070707070707";
/// cipher_suites and legacy_compression_methods.
const MIDDLE: &str = "0002 1301 | 01 00";
const SUPPORTED_VERSIONS: &str = "002b 0003 02 0304";
const SUPPORTED_GROUPS: &str = "000a 0004 0002 001d";
const ECH_INNER: &str = "fe0d 0001 01";

/// A ClientHello body with a 32-byte session id and `exts` as its block.
fn hello_body(exts: &[u8]) -> Vec<u8> {
    let mut v = h(HEAD);
    v.push(32);
    v.extend([0x55; 32]);
    v.extend(h(MIDDLE));
    v.extend((exts.len() as u16).to_be_bytes());
    v.extend(exts);
    v
}

/// An EncodedClientHelloInner (empty session id) with `exts` as its block.
fn encoded_inner(exts: &[u8]) -> Vec<u8> {
    let mut v = h(HEAD);
    v.push(0);
    v.extend(h(MIDDLE));
    v.extend((exts.len() as u16).to_be_bytes());
    v.extend(exts);
    v
}

/// An extension: type, u16 length, body.
fn ext(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut v = typ.to_be_bytes().to_vec();
    v.extend((body.len() as u16).to_be_bytes());
    v.extend(body);
    v
}

/// A whole ECHConfigList of one 0xfe0d config with `public_name`.
fn list_with_public_name(name: &[u8]) -> Vec<u8> {
    let mut contents = h("
        2a 0020 0020 1111111111111111111111111111111111111111111111111111111111111111
        0004 0001 0001 00
    ");
    contents.push(name.len() as u8);
    contents.extend(name);
    contents.extend(h("0000"));
    let mut cfg = h("fe0d");
    cfg.extend((contents.len() as u16).to_be_bytes());
    cfg.extend(contents);
    let mut list = (cfg.len() as u16).to_be_bytes().to_vec();
    list.extend(cfg);
    list
}

// ------------------------------------------------------------------ §7

/// §7: "If ECHClientHello.type is not a valid ECHClientHelloType, then
/// the server MUST abort with an "illegal_parameter" alert." The server
/// meets the ECHClientHello first in `client_hello_outer_aad`.
#[test]
fn an_unknown_ech_client_hello_type_is_illegal_parameter() {
    for typ in [2u8, 0xff] {
        let outer = hello_body(&[h(SUPPORTED_GROUPS), ext(0xfe0d, &[typ])].concat());
        let err = client_hello_outer_aad(&outer).unwrap_err();
        assert_eq!(
            err.alert(),
            AlertDescription::ILLEGAL_PARAMETER,
            "{typ}: {err}"
        );
    }
    // Whatever follows the type byte: still the type that is wrong.
    let outer = hello_body(&ext(0xfe0d, &h("07 0001 0001 2a 0000 0001 ff")));
    let err = client_hello_outer_aad(&outer).unwrap_err();
    assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER, "{err}");
    // A malformed outer(0) body stays the peer's decode_error.
    let outer = hello_body(&ext(0xfe0d, &h("00 0001")));
    assert_eq!(
        client_hello_outer_aad(&outer).unwrap_err().alert(),
        AlertDescription::DECODE_ERROR
    );
}

/// §7: "A shared mode server which receives a ClientHello with
/// ECHClientHello.type of inner MUST abort with an "illegal_parameter"
/// alert", and so must a split-mode client-facing server. Answering
/// `Ok(None)` ("no ECH here") invites the caller to carry on with the
/// handshake instead.
#[test]
fn an_inner_ech_client_hello_from_the_network_is_illegal_parameter() {
    let outer = hello_body(&[h(SUPPORTED_GROUPS), h(ECH_INNER)].concat());
    let err =
        client_hello_outer_aad(&outer).expect_err("inner type in a ClientHello from the wire");
    assert_eq!(err.alert(), AlertDescription::ILLEGAL_PARAMETER, "{err}");
    // No encrypted_client_hello at all: no ECH, not an error.
    assert_eq!(
        client_hello_outer_aad(&hello_body(&h(SUPPORTED_GROUPS))).unwrap(),
        None
    );
}

// -------------------------------------------------------------- §6.1.7

/// §6.1.7: a public_name must be "a valid host name in preferred name
/// syntax" (RFC 8499 §2, RFC 1034 §3.5): at most 255 octets in wire form
/// (RFC 1034 §3.1), so at most 253 characters in text. A longer name is
/// not a host name, and the crate's own SNI checks refuse it (the client
/// cannot place it in ClientHelloOuter's server_name, §6.1 rule 5; our
/// server answers such a server_name with illegal_parameter), so a config
/// carrying one must be skipped, not selected and then failed.
#[test]
fn a_public_name_longer_than_253_bytes_is_not_a_host_name() {
    let label = [b'a'; 63];
    // 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253.
    let max = [&label[..], &label, &label, &label[..61]].join(&b'.');
    assert_eq!(max.len(), 253);
    assert!(is_valid_public_name(&max));
    for len in [254usize, 255] {
        let name = [&label[..], &label, &label, &label[..len - 192]].join(&b'.');
        assert_eq!(name.len(), len);
        assert!(!is_valid_public_name(&name), "{len} bytes");
        let list = EchConfigList::from_bytes(&list_with_public_name(&name)).unwrap();
        assert_eq!(
            list.configs[0].usable_suite(provider()),
            Err(Unusable::InvalidPublicName),
            "{len} bytes"
        );
        assert!(list.select(provider()).is_none());
        // The builder refuses it too.
        let name = String::from_utf8(name).unwrap();
        assert_eq!(
            EchConfigBuilder::new(&name)
                .generate(provider(), &OsRandom)
                .unwrap_err(),
            EchError::InvalidPublicName
        );
    }
    // The same 253-byte name as a config: usable.
    let list = EchConfigList::from_bytes(&list_with_public_name(&max)).unwrap();
    assert!(list.select(provider()).is_some());
}

/// Edge cases of §6.1.7 that already hold (kept as regression tests).
#[test]
fn public_name_edge_cases() {
    for ok in [
        &b"EXAMPLE.COM"[..], // uppercase is LDH
        b"a-b.c",
        b"x.0xg",      // "0x" then a non-hex digit: not an IPv4 form
        b"1.2.3.4a",   // final label not all digits
        b"0x.example", // 0x not in the final label
    ] {
        assert!(is_valid_public_name(ok), "{}", String::from_utf8_lossy(ok));
    }
    for bad in [
        &b"x.0x"[..], // "0x" and an empty hex sequence
        b"x.0XFF",
        b"x.0xdeadBEEF",
        b"x.0123",
        b"127.1",
        b"example.com.", // trailing dot
        b".",
        b"a..b",
        b"a.-b",
        b"a.b\0",
        b"a b",
        b"\xff",
    ] {
        assert!(
            !is_valid_public_name(bad),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

// ------------------------------------------------------------------- §4

/// §4: `ECHConfigContents` sits behind a u16 `length`, and every vector
/// in it has a u16 (or u8) prefix. A builder that lets an extension, or
/// the sum of the fields, outgrow those prefixes publishes bytes whose
/// lengths were clamped: a list no client parses, or (worse) one that
/// parses as something else. It must refuse instead.
#[test]
fn the_builder_refuses_a_config_too_long_to_encode() {
    for data_len in [0xffffusize - 10, 0x1_0000, 70_000] {
        let built = EchConfigBuilder::new("public.example")
            .extension(EchConfigExtension {
                typ: 0x0001,
                data: vec![0; data_len],
            })
            .generate(provider(), &OsRandom);
        match built {
            Err(e) => assert!(matches!(e, EchError::InvalidConfig(_)), "{data_len}: {e}"),
            Ok(key) => {
                // Anything the builder accepts must publish bytes that
                // parse back to the same config.
                let bytes = key.config_list().to_bytes();
                let parsed = EchConfigList::from_bytes(&bytes)
                    .unwrap_or_else(|e| panic!("{data_len}: published list does not parse: {e}"));
                assert_eq!(parsed, key.config_list(), "{data_len}");
            }
        }
    }
    // Small extensions are fine.
    let key = EchConfigBuilder::new("public.example")
        .extension(EchConfigExtension {
            typ: 0x0001,
            data: vec![0; 1000],
        })
        .generate(provider(), &OsRandom)
        .unwrap();
    let bytes = key.config_list().to_bytes();
    assert_eq!(
        EchConfigList::from_bytes(&bytes).unwrap(),
        key.config_list()
    );
}

/// §4: a config list of 16383 minimal unknown-version configs (the most a
/// 2^16-1 list holds) parses and is skipped quickly; re-encoding is
/// byte-exact.
#[test]
fn the_largest_config_list_is_bounded_and_round_trips() {
    let n = 0xffff / 4;
    let mut list = ((n * 4) as u16).to_be_bytes().to_vec();
    for i in 0..n {
        list.extend((i as u16 | 0x8000).to_be_bytes());
        list.extend([0, 0]);
    }
    let parsed = EchConfigList::from_bytes(&list).unwrap();
    assert_eq!(parsed.configs.len(), n);
    assert!(parsed.select(provider()).is_none());
    assert_eq!(parsed.to_bytes(), list);

    // One 0xfe0d config with 16 000 extensions of distinct types
    // (duplicate check stays n log n) then one repeated: skipped.
    let mut exts = Vec::new();
    for t in 0..16_000u16 {
        exts.extend(t.to_be_bytes());
        exts.extend([0, 0]);
    }
    exts.extend(h("0005 0000"));
    let mut contents = h("
        2a 0020 0020 1111111111111111111111111111111111111111111111111111111111111111
        0004 0001 0001 00 01 61
    ");
    contents.extend((exts.len() as u16).to_be_bytes());
    contents.extend(exts);
    let mut cfg = h("fe0d");
    cfg.extend((contents.len() as u16).to_be_bytes());
    cfg.extend(contents);
    let mut bytes = (cfg.len() as u16).to_be_bytes().to_vec();
    bytes.extend(cfg);
    let parsed = EchConfigList::from_bytes(&bytes).unwrap();
    assert_eq!(
        parsed.configs[0].usable_suite(provider()),
        Err(Unusable::DuplicateExtension(5))
    );
    assert_eq!(parsed.to_bytes(), bytes);
}

// ------------------------------------------------------------------ §5.1

/// §5.1 / §10.12.4: references expand the inner block by at most the
/// outer extensions' size, and an expansion past `extensions<..2^16-1>`
/// is refused rather than framed with a clamped length.
#[test]
fn an_expanded_block_past_2_16_is_refused() {
    // Outer: one 40 000-byte extension of type 0x1000 and one of 0x1001.
    let big = vec![0xab; 40_000];
    let outer = hello_body(&[ext(0x1000, &big), ext(0x1001, &big[..20_000])].concat());
    // Inner: both referenced, plus its own 10 000-byte extension.
    let inner = encoded_inner(
        &[
            ext(0x2000, &vec![1; 10_000]),
            ext(0xfd00, &h("04 1000 1001")),
            h(ECH_INNER),
        ]
        .concat(),
    );
    let err = decode_client_hello_inner(&inner, &outer).unwrap_err();
    assert!(matches!(err, EchError::Decode(_)), "{err}");
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);

    // Just under: decodes, the block exactly as long as its parts.
    let inner = encoded_inner(&[ext(0xfd00, &h("04 1000 1001")), h(ECH_INNER)].concat());
    let message = decode_client_hello_inner(&inner, &outer).unwrap();
    assert!(message.len() <= 4 + inner.len() + outer.len());
    let HandshakeMessage::ClientHello(ch) = HandshakeMessage::read_exact(&message, "CH").unwrap()
    else {
        panic!()
    };
    assert_eq!(ch.extensions.len(), 3);
    assert_eq!(ch.legacy_session_id, [0x55; 32]);
}

/// §5.1: the structural refusals the RFC lists, on inputs the first
/// tests do not cover.
#[test]
fn outer_extension_references_edge_cases() {
    let outer = hello_body(
        &[
            h(SUPPORTED_GROUPS),
            ext(0x1000, b"x"),
            ext(0x1001, b"y"),
            ext(0xfe0d, &h("00 0001 0001 2a 0000 0001 ff")),
        ]
        .concat(),
    );
    let decode = |exts: &[u8]| decode_client_hello_inner(&encoded_inner(exts), &outer);

    // 255-byte OuterExtensions (odd, over <2..254>): refused (here on
    // the first reference, which ClientHelloOuter lacks; the references
    // are resolved as they are read).
    let mut refs = vec![255u8];
    refs.extend([0x10; 255]);
    assert!(decode(&[ext(0xfd00, &refs), h(ECH_INNER)].concat()).is_err());
    // The odd last byte after valid references: decode_error.
    let err = decode(&[ext(0xfd00, &h("05 000a 1000 10")), h(ECH_INNER)].concat()).unwrap_err();
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR, "{err}");

    // A list length that disagrees with the extension's length.
    let err = decode(&[ext(0xfd00, &h("04 1000")), h(ECH_INNER)].concat()).unwrap_err();
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);
    let err = decode(&[ext(0xfd00, &h("02 1000 1001")), h(ECH_INNER)].concat()).unwrap_err();
    assert_eq!(err.alert(), AlertDescription::DECODE_ERROR);

    // A reference the cursor has already passed (0x1000 after 0x1001):
    // out of order, illegal_parameter.
    assert_eq!(
        decode(&[ext(0xfd00, &h("04 1001 1000")), h(ECH_INNER)].concat()).unwrap_err(),
        EchError::OuterExtensionOutOfOrder(tls13::unstable::msgs::enums::ExtensionType(0x1000))
    );

    // Two ech_outer_extensions in the inner block: a repeated type.
    assert_eq!(
        decode(
            &[
                ext(0xfd00, &h("02 1000")),
                ext(0xfd00, &h("02 1001")),
                h(ECH_INNER)
            ]
            .concat()
        )
        .unwrap_err(),
        EchError::Decode(InvalidMessage::DuplicateExtension(0xfd00))
    );

    // Padding that is all zeros, of any length, is accepted; the session
    // id comes from the outer hello.
    let mut padded = encoded_inner(&[ext(0xfd00, &h("02 1000")), h(ECH_INNER)].concat());
    padded.extend([0; 300]);
    let message = decode_client_hello_inner(&padded, &outer).unwrap();
    let HandshakeMessage::ClientHello(ch) = HandshakeMessage::read_exact(&message, "CH").unwrap()
    else {
        panic!()
    };
    assert_eq!(ch.legacy_session_id, [0x55; 32]);

    // The outer hello with bytes after its extensions: decode_error.
    let mut long_outer = outer.clone();
    long_outer.push(0);
    assert!(matches!(
        decode_client_hello_inner(&encoded_inner(&h(ECH_INNER)), &long_outer),
        Err(EchError::Decode(_))
    ));
}

// ------------------------------------------------------------------ §5.2

/// §5.2: a ClientHelloOuter carrying two encrypted_client_hello
/// extensions has no single payload to zero: refused (a repeated type).
#[test]
fn outer_aad_refuses_two_ech_extensions_and_zeroes_only_the_payload() {
    let ech = ext(0xfe0d, &h("00 0001 0001 2a 0002 eeee 0003 ffffff"));
    let two = hello_body(&[ech.clone(), h(SUPPORTED_GROUPS), ech.clone()].concat());
    assert_eq!(
        client_hello_outer_aad(&two).unwrap_err(),
        EchError::Decode(InvalidMessage::DuplicateExtension(0xfe0d))
    );
    // ECH first, then another extension: only the 3 payload bytes zeroed,
    // enc and everything after untouched.
    let body = hello_body(&[ech, h(SUPPORTED_GROUPS)].concat());
    let (o, aad) = client_hello_outer_aad(&body).unwrap().unwrap();
    assert_eq!(o.enc, [0xee, 0xee]);
    let expected = hello_body(
        &[
            ext(0xfe0d, &h("00 0001 0001 2a 0002 eeee 0003 000000")),
            h(SUPPORTED_GROUPS),
        ]
        .concat(),
    );
    assert_eq!(aad, expected);
    assert_eq!(aad.len(), body.len());
    // The identity on a hello whose payload is already zero (the
    // client's placeholder, §6.1.1).
    assert_eq!(
        client_hello_outer_aad(&expected).unwrap().unwrap().1,
        expected
    );
    // SUPPORTED_VERSIONS unused elsewhere: keep the constant honest.
    assert_eq!(h(SUPPORTED_VERSIONS).len(), 7);
}

// ------------------------------------------------ seal.rs and server.rs

/// The sealer against trial decryption and the second open (§6.1.1,
/// §6.1.5, §7.1, §7.1.1), from an attacker's and a careless caller's side.
mod seal_review {
    use tls13::crypto::{OsRandom, rustcrypto};
    use tls13::ech::{
        ClientHelloViolation, EchConfigBuilder, EchError, EchKeyPair, EchOutcome, EchSealer,
        SelectedConfig, TrialPolicy, encode_client_hello_inner_padded, trial_decrypt,
    };
    use tls13::hpke::{HpkeAeadId, HpkeKdfId, HpkeKemId, Suite};
    use tls13::unstable::codec::Codec;
    use tls13::unstable::msgs::enums::{
        AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion,
    };
    use tls13::unstable::msgs::handshake::{
        ClientExtension, ClientHello, HandshakeMessage, KeyShareEntry, UnknownExtension,
    };

    fn provider() -> &'static tls13::crypto::CryptoProvider {
        rustcrypto::provider()
    }

    fn key(id: u8) -> EchKeyPair {
        EchConfigBuilder::new("public.example.com")
            .kem(HpkeKemId::DHKEM_X25519_HKDF_SHA256)
            .config_id(id)
            .generate(provider(), &OsRandom)
            .unwrap()
    }

    fn sealer(key: &EchKeyPair) -> EchSealer {
        let list = key.config_list();
        EchSealer::new(provider(), &list.select(provider()).unwrap(), &OsRandom).unwrap()
    }

    fn ech_ext(body: Vec<u8>) -> ClientExtension {
        ClientExtension::Unknown(UnknownExtension {
            typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
            body,
        })
    }

    fn inner(with_ech_inner: bool) -> ClientHello {
        let mut extensions = vec![
            ClientExtension::SupportedVersions(vec![ProtocolVersion::TLS1_3]),
            ClientExtension::SupportedGroups(vec![NamedGroup::X25519]),
            ClientExtension::KeyShare(vec![KeyShareEntry {
                group: NamedGroup::X25519,
                payload: vec![9; 32],
            }]),
        ];
        if with_ech_inner {
            extensions.push(ech_ext(vec![1]));
        }
        ClientHello {
            legacy_version: ProtocolVersion::TLS1_2,
            random: [7; 32],
            legacy_session_id: vec![],
            cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
            legacy_compression_methods: vec![0],
            extensions,
        }
    }

    /// An outer hello body carrying `echs` (raw extension bodies) last.
    fn outer(echs: &[Vec<u8>]) -> Vec<u8> {
        let mut extensions = vec![ClientExtension::SupportedVersions(vec![
            ProtocolVersion::TLS1_3,
        ])];
        extensions.extend(echs.iter().cloned().map(ech_ext));
        let hello = ClientHello {
            legacy_version: ProtocolVersion::TLS1_2,
            random: [0x0e; 32],
            legacy_session_id: vec![0x55; 32],
            cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
            legacy_compression_methods: vec![0],
            extensions,
        };
        HandshakeMessage::ClientHello(hello).to_bytes()[4..].to_vec()
    }

    fn seal_one(s: &mut EchSealer, hello: &ClientHello) -> Vec<u8> {
        let encoded = encode_client_hello_inner_padded(hello, &[], 0).unwrap();
        let mut body = outer(&[s.placeholder(encoded.len()).to_bytes()]);
        s.seal_client_hello(&encoded, &mut body).unwrap();
        body
    }

    #[test]
    fn a_selection_whose_contents_are_not_its_config_is_refused() {
        // SelectedConfig's fields are public: contents (public key,
        // config_id) from one config, info (the config) from another
        // would seal under a key no server's info matches (§6.1).
        let (a, b) = (key(1), key(2));
        let suite = Suite::new(
            HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            HpkeKdfId::HKDF_SHA256,
            HpkeAeadId::AES_128_GCM,
        );
        let mixed = SelectedConfig {
            config: a.config(),
            contents: b.config().contents().unwrap(),
            suite,
        };
        assert!(matches!(
            EchSealer::new(provider(), &mixed, &OsRandom),
            Err(EchError::InvalidConfig(_))
        ));
    }

    #[test]
    fn two_ech_extensions_or_a_truncated_hello_write_nothing() {
        let k = key(3);
        let mut s = sealer(&k);
        let encoded = encode_client_hello_inner_padded(&inner(true), &[], 0).unwrap();
        let ph = s.placeholder(encoded.len()).to_bytes();
        let mut two = outer(&[ph.clone(), ph.clone()]);
        let before = two.clone();
        assert!(s.seal_client_hello(&encoded, &mut two).is_err());
        assert_eq!(two, before);
        let mut cut = outer(&[ph]);
        cut.pop();
        let before = cut.clone();
        assert!(s.seal_client_hello(&encoded, &mut cut).is_err());
        assert_eq!(cut, before);
        assert_eq!(s.sealed(), 0);
        // The server refuses the duplicate too (as every duplicated
        // extension, illegal_parameter), before any trial.
        let e = trial_decrypt(provider(), &[k], &two, &TrialPolicy::default()).unwrap_err();
        assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);
    }

    #[test]
    fn a_second_inner_hello_that_opens_but_is_bad_is_illegal_parameter() {
        let k = key(4);
        let mut s = sealer(&k);
        let first = seal_one(&mut s, &inner(true));
        let EchOutcome::Accepted(a) =
            trial_decrypt(provider(), &[k], &first, &TrialPolicy::default()).unwrap()
        else {
            panic!("not accepted")
        };
        let mut ctx = a.context;
        let second = seal_one(&mut s, &inner(false));
        let e = ctx
            .open_second_client_hello(&second, &TrialPolicy::default().limits)
            .unwrap_err();
        assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);
        assert!(matches!(
            e,
            EchError::ClientHello(ClientHelloViolation::InnerWithoutInnerExtension)
        ));
    }

    #[test]
    fn nothing_past_the_second_hello_is_sealed_or_opened() {
        let k = key(5);
        let mut s = sealer(&k);
        let first = seal_one(&mut s, &inner(true));
        let EchOutcome::Accepted(a) =
            trial_decrypt(provider(), &[k], &first, &TrialPolicy::default()).unwrap()
        else {
            panic!("not accepted")
        };
        let mut ctx = a.context;
        let limits = TrialPolicy::default().limits;
        let second = seal_one(&mut s, &inner(true));
        assert!(ctx.open_second_client_hello(&second, &limits).is_ok());
        // The client: no third seal (one HRR at most).
        let encoded = encode_client_hello_inner_padded(&inner(true), &[], 0).unwrap();
        let mut third = outer(&[s.placeholder(encoded.len()).to_bytes()]);
        let before = third.clone();
        assert!(matches!(
            s.seal_client_hello(&encoded, &mut third),
            Err(EchError::InvalidConfig(_))
        ));
        assert_eq!((third == before, s.sealed()), (true, 2));
        // The server: the context opened its message 1; a second call
        // (the same hello replayed) is refused, not opened as message 2.
        assert!(matches!(
            ctx.open_second_client_hello(&second, &limits),
            Err(EchError::InvalidConfig(_))
        ));
    }

    #[test]
    fn a_second_open_whose_inner_was_refused_opens_nothing_more() {
        let k = key(6);
        let mut s = sealer(&k);
        let first = seal_one(&mut s, &inner(true));
        let EchOutcome::Accepted(a) =
            trial_decrypt(provider(), &[k], &first, &TrialPolicy::default()).unwrap()
        else {
            panic!("not accepted")
        };
        let mut ctx = a.context;
        let limits = TrialPolicy::default().limits;
        let bad = seal_one(&mut s, &inner(false));
        assert!(ctx.open_second_client_hello(&bad, &limits).is_err());
        assert!(matches!(
            ctx.open_second_client_hello(&bad, &limits),
            Err(EchError::InvalidConfig(_))
        ));
    }
}
