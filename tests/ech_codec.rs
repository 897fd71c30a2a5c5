//! ECH (RFC 9849) wire formats: ECHConfig / ECHConfigList (§4), key
//! generation for operators, the `encrypted_client_hello` bodies (§5),
//! and EncodedClientHelloInner with `ech_outer_extensions` and padding
//! (§5.1, §6.1.3).
//!
//! RFC 9849 gives no byte examples, so the expected bytes here are
//! written by hand, field by field, from the RFC's structs (each line's
//! comment names the field); none comes from our own encoder.

mod common;

use common::ScriptedRandom;
use tls13::crypto::{OsRandom, rustcrypto};
use tls13::ech::{
    ECH_VERSION, EchClientHello, EchConfig, EchConfigBuilder, EchConfigList,
    EchEncryptedExtensions, EchError, EchHelloRetryRequest, EchKeyPair, EchOuter,
    HpkeSymmetricCipherSuite, Unusable, client_hello_outer_aad, decode_client_hello_inner,
    encode_client_hello_inner, encode_client_hello_inner_padded, is_valid_public_name,
    recommended_padding,
};
use tls13::error::InvalidMessage;
use tls13::hpke::{HpkeAeadId, HpkeError, HpkeKdfId, HpkeKemId, Suite};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion,
};
use tls13::unstable::msgs::handshake::{
    ClientExtension, ClientHello, HandshakeMessage, KeyShareEntry, ServerExtension,
    UnknownExtension,
};

/// Hex with spaces, newlines and `|` separators for readability, and
/// `#` comments to the end of a line.
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

// ---------------------------------------------------------------- §4

/// The contents of a version-0xfe0d ECHConfig (69 bytes), field by field.
const CONTENTS_HEX: &str = "
    2a                    # config_id
    0020                  # kem_id DHKEM(X25519, HKDF-SHA256)
    0020                  # public_key<1..2^16-1>: 32 bytes
    1111111111111111111111111111111111111111111111111111111111111111
    0008                  # cipher_suites<4..2^16-4>: two pairs
    0001 0001             # HKDF-SHA256, AES-128-GCM
    0001 0003             # HKDF-SHA256, ChaCha20-Poly1305
    20                    # maximum_name_length 32
    12                    # public_name<1..255>: 18 bytes
    7075626c69632e6578616d706c652e636f6d # \"public.example.com\"
    0000                  # extensions<0..2^16-1>: none
";

/// The ECHConfig around [`CONTENTS_HEX`]: version, then length 69.
fn config_bytes() -> Vec<u8> {
    let mut v = h("fe0d 0045");
    v.extend(h(CONTENTS_HEX));
    assert_eq!(v.len(), 4 + 0x45);
    v
}

/// An ECHConfigList: a u16 length, then the configs.
fn list_of(configs: &[Vec<u8>]) -> Vec<u8> {
    let body: Vec<u8> = configs.concat();
    let mut v = (body.len() as u16).to_be_bytes().to_vec();
    v.extend(body);
    v
}

#[test]
fn config_list_parses_field_by_field_and_round_trips() {
    let bytes = list_of(&[config_bytes()]);
    assert_eq!(&bytes[..2], &[0x00, 0x49]); // 73 = 4 + 69
    let list = EchConfigList::from_bytes(&bytes).unwrap();
    assert_eq!(list.configs.len(), 1);
    let c = list.configs[0].contents().unwrap();
    assert_eq!(list.configs[0].version(), ECH_VERSION);
    assert_eq!(c.key_config.config_id, 0x2a);
    assert_eq!(c.key_config.kem_id, HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    assert_eq!(c.key_config.public_key, [0x11; 32]);
    assert_eq!(
        c.key_config.cipher_suites,
        [
            HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM,
            HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305
        ]
    );
    assert_eq!(c.maximum_name_length, 32);
    assert_eq!(c.public_name, b"public.example.com");
    assert!(c.extensions.is_empty());
    assert_eq!(list.to_bytes(), bytes);
    // §6.1 / §7.1: info = "tls ech" || 0x00 || ECHConfig.
    let mut info = b"tls ech\0".to_vec();
    info.extend(config_bytes());
    assert_eq!(list.configs[0].hpke_info(), info);
}

#[test]
fn unknown_versions_are_kept_opaque_and_skipped() {
    // §4: "Clients MUST ignore any ECHConfig structure with a version
    // they do not support"; `length` lets them skip it.
    let unknown = h("fe0c 0003 616263"); // version 0xfe0c, 3 bytes "abc"
    let bytes = list_of(&[unknown, config_bytes()]);
    let list = EchConfigList::from_bytes(&bytes).unwrap();
    assert_eq!(
        list.configs[0],
        EchConfig::Unknown {
            version: 0xfe0c,
            contents: b"abc".to_vec()
        }
    );
    assert_eq!(
        list.configs[0].usable_suite(provider()),
        Err(Unusable::UnknownVersion(0xfe0c))
    );
    let chosen = list.select(provider()).unwrap();
    assert_eq!(chosen.contents.key_config.config_id, 0x2a);
    assert_eq!(chosen.suite, Suite::X25519_SHA256_AES_128_GCM);
    assert_eq!(list.to_bytes(), bytes);
    // An unknown version alone: nothing to select.
    let only = EchConfigList::from_bytes(&list_of(&[h("0001 0000")])).unwrap();
    assert!(only.select(provider()).is_none());
}

/// The 0xfe0d config with `extensions` replaced.
fn config_with_extensions(ext_block: &str) -> Vec<u8> {
    let mut contents = h(CONTENTS_HEX);
    contents.truncate(contents.len() - 2); // drop the empty extensions
    contents.extend(h(ext_block));
    let mut v = h("fe0d");
    v.extend((contents.len() as u16).to_be_bytes());
    v.extend(contents);
    v
}

#[test]
fn mandatory_and_repeated_extensions_make_a_config_unusable() {
    // §4.2: a type with the high bit set is mandatory; we support none.
    let mandatory = config_with_extensions("0004 | 8001 0000"); // type 0x8001, empty data
    let list = EchConfigList::from_bytes(&list_of(std::slice::from_ref(&mandatory))).unwrap();
    assert_eq!(
        list.configs[0].usable_suite(provider()),
        Err(Unusable::MandatoryExtension(0x8001))
    );
    assert!(list.select(provider()).is_none());
    assert_eq!(list.to_bytes(), list_of(&[mandatory]));

    // An optional unknown extension is ignored.
    let optional = config_with_extensions("0006 | 0001 0002 abcd");
    let list = EchConfigList::from_bytes(&list_of(std::slice::from_ref(&optional))).unwrap();
    let ext = &list.configs[0].contents().unwrap().extensions[0];
    assert_eq!(
        (ext.typ, ext.data.as_slice(), ext.is_mandatory()),
        (1, &[0xab, 0xcd][..], false)
    );
    assert!(list.select(provider()).is_some());

    // §4.2: "there MUST NOT be more than one extension of the same type".
    let repeated = config_with_extensions("0008 | 0001 0000 | 0001 0000");
    let list = EchConfigList::from_bytes(&list_of(&[repeated, config_bytes()])).unwrap();
    assert_eq!(
        list.configs[0].usable_suite(provider()),
        Err(Unusable::DuplicateExtension(1))
    );
    // The next config in the list is taken instead.
    assert!(std::ptr::eq(
        list.select(provider()).unwrap().config,
        &list.configs[1]
    ));
}

#[test]
fn selection_takes_the_first_supported_kem_and_pair() {
    let with = |kem: &str, suites: &str| {
        let mut contents = h(CONTENTS_HEX);
        // Bytes 1..3 are kem_id; the cipher_suites field starts at 37.
        contents.splice(1..3, h(kem));
        contents.splice(37..47, h(suites));
        let mut v = h("fe0d");
        v.extend((contents.len() as u16).to_be_bytes());
        v.extend(contents);
        v
    };
    // X448 (0x0021): no provider here has it; §4: ignore the config.
    let x448 = with("0021", "0008 0001 0001 0001 0003");
    // HKDF-SHA512 (0x0003) is not implemented, export-only (0xffff)
    // cannot seal: the third pair, HKDF-SHA384 + AES-256-GCM, is chosen.
    let odd_pairs = with("0020", "0010 0003 0001 0001 ffff 0002 0002 0001 0001");
    let list = EchConfigList::from_bytes(&list_of(&[x448, odd_pairs])).unwrap();
    assert_eq!(
        list.configs[0].usable_suite(provider()),
        Err(Unusable::UnsupportedAlgorithms)
    );
    let chosen = list.select(provider()).unwrap();
    assert_eq!(
        chosen.suite,
        Suite::new(
            HpkeKemId::DHKEM_X25519_HKDF_SHA256,
            HpkeKdfId::HKDF_SHA384,
            HpkeAeadId::AES_256_GCM
        )
    );
    // Only export-only and an unknown KDF: unusable.
    let none = with("0020", "0008 0001 ffff 0009 0001");
    let list = EchConfigList::from_bytes(&list_of(&[none])).unwrap();
    assert!(list.select(provider()).is_none());
}

#[test]
fn a_public_key_of_the_wrong_length_for_its_kem_is_passed_over() {
    let with_key = |kem: &str, key: &str| {
        let mut contents = h(CONTENTS_HEX);
        // Bytes 1..3 are kem_id, 3..37 the 32-byte key with its length.
        contents.splice(1..3, h(kem));
        contents.splice(3..37, h(key));
        let mut v = h("fe0d");
        v.extend((contents.len() as u16).to_be_bytes());
        v.extend(contents);
        v
    };
    // X25519 (0x0020) with a 1-byte key; P-256 (0x0010) with a 32-byte
    // one (Npk is 65, an uncompressed point).
    let short = with_key("0020", "0001 aa");
    let p256_short = with_key("0010", &format!("0020 {}", "11".repeat(32)));
    let list = EchConfigList::from_bytes(&list_of(&[short, p256_short, config_bytes()])).unwrap();
    for config in &list.configs[..2] {
        assert_eq!(
            config.usable_suite(provider()),
            Err(Unusable::InvalidPublicKey)
        );
    }
    // The well-formed config after them is chosen.
    assert!(std::ptr::eq(
        list.select(provider()).unwrap().config,
        &list.configs[2]
    ));
}

#[test]
fn public_name_rules_of_section_6_1_7() {
    for ok in [
        &b"example.com"[..],
        b"a",
        b"public-name.example",
        b"xn--bcher-kva.example",
        b"A1.B2.c3",
        b"example.0x1g", // not hex after 0x: not an IPv4 form
        b"1.2.3.a",
    ] {
        assert!(is_valid_public_name(ok), "{}", String::from_utf8_lossy(ok));
    }
    let long_label = [b'a'; 64];
    let max_label = [b'a'; 63];
    assert!(is_valid_public_name(&max_label));
    for bad in [
        &b""[..],
        b".example.com",    // begins with a dot
        b"example.com.",    // ends with a dot
        b"example..com",    // empty label
        b"under_score.com", // not LDH
        b"-lead.com",
        b"trail-.com",
        b"sp ace.com",
        b"1.2.3.4",    // final label all digits
        b"example.42", // likewise
        b"0x7f000001", // 0x + hex
        b"a.0X",       // 0X + empty hex
        b"::1",
        b"caf\xc3\xa9.example", // not ASCII
        &long_label,
    ] {
        assert!(
            !is_valid_public_name(bad),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
    // 253 bytes at most (a host name: 255 octets in wire form, RFC 1034
    // §3.1), although public_name<1..255> holds 255.
    let name = [&max_label[..], &max_label, &max_label, &max_label[..61]].join(&b'.');
    assert_eq!(name.len(), 253);
    assert!(is_valid_public_name(&name));
    let longer = [&b"a"[..], &name].concat();
    assert!(!is_valid_public_name(&longer));

    // An invalid public_name parses and is skipped (§6.1.7 SHOULD ignore).
    let mut contents = h(CONTENTS_HEX);
    let at = contents.len() - 2 - 18; // the 18 name bytes before extensions
    contents[at + 6] = b'_'; // "public_example.com"
    let mut cfg = h("fe0d 0045");
    cfg.extend(contents);
    let list = EchConfigList::from_bytes(&list_of(&[cfg])).unwrap();
    assert_eq!(
        list.configs[0].usable_suite(provider()),
        Err(Unusable::InvalidPublicName)
    );
}

#[test]
fn malformed_config_lists_are_refused() {
    let good = config_bytes();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty list", h("0000")),
        ("no length", h("")),
        ("list length past the end", {
            let mut v = list_of(std::slice::from_ref(&good));
            v.pop();
            v
        }),
        (
            "config length past the list",
            list_of(&[h("fe0d 0046"), h(CONTENTS_HEX)]),
        ),
        ("contents shorter than length", {
            let mut v = h("fe0d 0046");
            v.extend(h(CONTENTS_HEX));
            v.push(0x00); // one trailing byte inside the config
            list_of(&[v])
        }),
        (
            "bytes after the list",
            [list_of(std::slice::from_ref(&good)), vec![0]].concat(),
        ),
        ("empty public_key", {
            let mut c = h(CONTENTS_HEX);
            c.splice(3..37, h("0000"));
            let mut v = h("fe0d");
            v.extend((c.len() as u16).to_be_bytes());
            v.extend(c);
            list_of(&[v])
        }),
        ("no cipher suites", {
            let mut c = h(CONTENTS_HEX);
            c.splice(37..47, h("0000"));
            let mut v = h("fe0d");
            v.extend((c.len() as u16).to_be_bytes());
            v.extend(c);
            list_of(&[v])
        }),
        ("half a cipher suite", {
            let mut c = h(CONTENTS_HEX);
            c.splice(37..47, h("0006 0001 0001 0001"));
            let mut v = h("fe0d");
            v.extend((c.len() as u16).to_be_bytes());
            v.extend(c);
            list_of(&[v])
        }),
        ("empty public_name", {
            let mut c = h(CONTENTS_HEX);
            let n = c.len();
            c.splice(n - 2 - 19..n - 2, h("00"));
            let mut v = h("fe0d");
            v.extend((c.len() as u16).to_be_bytes());
            v.extend(c);
            list_of(&[v])
        }),
    ];
    for (what, bytes) in cases {
        let err = EchConfigList::from_bytes(&bytes).expect_err(what);
        assert_eq!(err.alert(), AlertDescription::DECODE_ERROR, "{what}: {err}");
    }
}

#[test]
fn base64_as_in_an_https_record() {
    let bytes = list_of(&[config_bytes()]);
    let list = EchConfigList::from_bytes(&bytes).unwrap();
    let text = list.to_base64();
    // RFC 4648 §4 by hand for the first 3 bytes: 00 49 fe -> "AEn+".
    assert!(text.starts_with("AEn+"), "{text}");
    assert_eq!(EchConfigList::from_base64(&text).unwrap(), list);
    assert!(EchConfigList::from_base64("not base64!").is_err());
}

// ------------------------------------------------------ key generation

#[test]
fn generated_keys_publish_a_config_clients_can_seal_to() {
    let key = EchConfigBuilder::new("public.example.com")
        .maximum_name_length(40)
        .generate(provider(), &OsRandom)
        .unwrap();
    let c = key.config().contents().unwrap();
    assert_eq!(c.key_config.kem_id, HpkeKemId::DHKEM_X25519_HKDF_SHA256);
    assert_eq!(c.key_config.public_key, key.private_key().public_key());
    assert_eq!(
        c.key_config.cipher_suites[0],
        HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM
    );
    assert_eq!(c.maximum_name_length, 40);
    assert_eq!(c.public_name, b"public.example.com");

    // Published as base64, read back by a client, which seals to it; the
    // server opens with its private key (both with info = the config).
    let published = key.config_list().to_base64();
    let list = EchConfigList::from_base64(&published).unwrap();
    let chosen = list.select(provider()).unwrap();
    assert_eq!(chosen.suite, Suite::X25519_SHA256_AES_128_GCM);
    let info = chosen.config.hpke_info();
    let (enc, ct) = chosen
        .suite
        .seal(
            provider(),
            &chosen.contents.key_config.public_key,
            &info,
            b"aad",
            b"inner",
            &OsRandom,
        )
        .unwrap();
    let pt = chosen
        .suite
        .open(
            provider(),
            &enc,
            key.private_key(),
            &key.config().hpke_info(),
            b"aad",
            &ct,
        )
        .unwrap();
    assert_eq!(pt, b"inner");

    // The operator stores the private key and loads it back with the config.
    let stored = key.private_key().to_bytes();
    let again = EchKeyPair::from_parts(provider(), key.config().clone(), &stored).unwrap();
    assert_eq!(
        again.private_key().public_key(),
        key.private_key().public_key()
    );
    // Another key does not match the published config.
    let other = EchConfigBuilder::new("public.example.com")
        .generate(provider(), &OsRandom)
        .unwrap();
    assert!(matches!(
        EchKeyPair::from_parts(
            provider(),
            key.config().clone(),
            &other.private_key().to_bytes()
        ),
        Err(EchError::InvalidConfig(_))
    ));
}

#[test]
fn builder_options_and_refusals() {
    // P-256, a fixed id, one pair.
    let key = EchConfigBuilder::new("ech.example")
        .kem(HpkeKemId::DHKEM_P256_HKDF_SHA256)
        .config_id(7)
        .cipher_suites(&[HpkeSymmetricCipherSuite {
            kdf_id: HpkeKdfId::HKDF_SHA256,
            aead_id: HpkeAeadId::AES_128_GCM,
        }])
        .generate(provider(), &OsRandom)
        .unwrap();
    let c = key.config().contents().unwrap();
    assert_eq!(
        (c.key_config.config_id, c.key_config.public_key.len()),
        (7, 65)
    );

    // §4.1 rejection sampling: draws 1 and 2 are known, 5 is not; the
    // key is drawn after the id (32 bytes).
    let rng = ScriptedRandom::new([&[1u8, 2, 5][..], &[0x42; 32]].concat());
    let key = EchConfigBuilder::new("ech.example")
        .avoid_config_ids(&[1, 2])
        .generate(provider(), &rng)
        .unwrap();
    assert_eq!(key.config().contents().unwrap().key_config.config_id, 5);
    assert_eq!(rng.remaining(), 0);

    let refuse = |b: EchConfigBuilder| b.generate(provider(), &OsRandom).unwrap_err();
    assert_eq!(
        refuse(EchConfigBuilder::new("1.2.3.4")),
        EchError::InvalidPublicName
    );
    assert_eq!(
        refuse(EchConfigBuilder::new("a_b.example")),
        EchError::InvalidPublicName
    );
    assert!(matches!(
        refuse(EchConfigBuilder::new("ok.example").cipher_suites(&[])),
        EchError::InvalidConfig(_)
    ));
    assert!(matches!(
        refuse(
            EchConfigBuilder::new("ok.example").cipher_suites(&[HpkeSymmetricCipherSuite {
                kdf_id: HpkeKdfId::HKDF_SHA256,
                aead_id: HpkeAeadId::EXPORT_ONLY,
            }])
        ),
        EchError::Hpke(HpkeError::Unsupported(_))
    ));
    assert!(matches!(
        refuse(EchConfigBuilder::new("ok.example").kem(HpkeKemId::DHKEM_X448_HKDF_SHA512)),
        EchError::Hpke(HpkeError::Unsupported(_))
    ));
    let all: Vec<u8> = (0..=255).collect();
    assert!(matches!(
        refuse(EchConfigBuilder::new("ok.example").avoid_config_ids(&all)),
        EchError::InvalidConfig(_)
    ));
}

// ---------------------------------------------------------------- §5

#[test]
fn ech_client_hello_outer_and_inner() {
    let outer = h("
        00                # type outer(0)
        0001 0003         # cipher_suite: HKDF-SHA256, ChaCha20-Poly1305
        2a                # config_id
        0003 aabbcc       # enc<0..2^16-1>
        0004 01020304     # payload<1..2^16-1>
    ");
    let parsed = EchClientHello::from_body(&outer).unwrap();
    assert_eq!(
        parsed,
        EchClientHello::Outer(EchOuter {
            cipher_suite: HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305,
            config_id: 0x2a,
            enc: vec![0xaa, 0xbb, 0xcc],
            payload: vec![1, 2, 3, 4],
        })
    );
    assert_eq!(parsed.to_bytes(), outer);
    // enc is empty in the ClientHelloOuter after HelloRetryRequest (§5).
    let after_hrr = h("00 0001 0001 07 0000 0001 ff");
    assert_eq!(
        EchClientHello::from_body(&after_hrr).unwrap().to_bytes(),
        after_hrr
    );

    // inner(1): Empty.
    assert_eq!(
        EchClientHello::from_body(&[1]).unwrap(),
        EchClientHello::Inner
    );
    assert_eq!(EchClientHello::Inner.to_bytes(), [1]);

    for (what, bad) in [
        ("inner with a body", h("01 00")),
        ("unknown type", h("02")),
        ("empty", h("")),
        ("empty payload", h("00 0001 0001 07 0000 0000")),
        ("truncated payload", h("00 0001 0001 07 0000 0002 ff")),
        ("trailing byte", [outer.clone(), vec![0]].concat()),
    ] {
        let err = EchClientHello::from_body(&bad).expect_err(what);
        assert_eq!(err.alert(), AlertDescription::DECODE_ERROR, "{what}");
    }
}

#[test]
fn encrypted_extensions_retry_configs_and_hrr_confirmation() {
    let list = list_of(&[config_bytes()]);
    let ee = EchEncryptedExtensions::from_body(&list).unwrap();
    assert_eq!(ee.retry_configs.configs.len(), 1);
    assert_eq!(ee.to_bytes(), list);
    assert!(EchEncryptedExtensions::from_body(&h("0000")).is_err());

    // §5: opaque confirmation[8]; §6.1.4: any other length is decode_error.
    let hrr = EchHelloRetryRequest::from_body(&h("0102030405060708")).unwrap();
    assert_eq!(hrr.confirmation, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(hrr.to_bytes(), h("0102030405060708"));
    for bad in [h("01020304050607"), h("010203040506070809"), h("")] {
        assert_eq!(
            EchHelloRetryRequest::from_body(&bad).unwrap_err().alert(),
            AlertDescription::DECODE_ERROR
        );
    }
}

#[test]
fn code_points_and_the_existing_parsers_carry_the_extension() {
    // RFC 9849 §11.1 and §11.2.
    assert_eq!(ExtensionType::ENCRYPTED_CLIENT_HELLO.0, 0xfe0d);
    assert_eq!(ExtensionType::ECH_OUTER_EXTENSIONS.0, 0xfd00);
    assert_eq!(AlertDescription::ECH_REQUIRED.0, 121);

    // In ClientHello and EncryptedExtensions the body is carried raw
    // (as Unknown) for now, and read with the codecs above.
    let body = h("00 0001 0001 2a 0000 0001 ff");
    let ch = ClientHello {
        legacy_version: ProtocolVersion::TLS1_2,
        random: [7; 32],
        legacy_session_id: vec![],
        cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
        legacy_compression_methods: vec![0],
        extensions: vec![ClientExtension::Unknown(UnknownExtension {
            typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
            body: body.clone(),
        })],
    };
    let bytes = HandshakeMessage::ClientHello(ch).to_bytes();
    let HandshakeMessage::ClientHello(back) = HandshakeMessage::read_exact(&bytes, "CH").unwrap()
    else {
        panic!()
    };
    let ClientExtension::Unknown(u) = &back.extensions[0] else {
        panic!("{:?}", back.extensions[0])
    };
    assert_eq!(u.typ, ExtensionType::ENCRYPTED_CLIENT_HELLO);
    assert!(matches!(
        EchClientHello::from_body(&u.body),
        Ok(EchClientHello::Outer(_))
    ));

    let retry = list_of(&[config_bytes()]);
    let ee =
        HandshakeMessage::EncryptedExtensions(vec![ServerExtension::Unknown(UnknownExtension {
            typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
            body: retry.clone(),
        })])
        .to_bytes();
    let HandshakeMessage::EncryptedExtensions(exts) =
        HandshakeMessage::read_exact(&ee, "EE").unwrap()
    else {
        panic!()
    };
    let ServerExtension::Unknown(u) = &exts[0] else {
        panic!()
    };
    assert_eq!(
        EchEncryptedExtensions::from_body(&u.body)
            .unwrap()
            .to_bytes(),
        retry
    );
}

// ---------------------------------------------------------- §5.1, §6.1.3

/// A ClientHelloInner: supported_versions, supported_groups, key_share
/// and encrypted_client_hello(inner), a 32-byte session id.
fn inner_hello() -> ClientHello {
    ClientHello {
        legacy_version: ProtocolVersion::TLS1_2,
        random: [7; 32],
        legacy_session_id: vec![0x55; 32],
        cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
        legacy_compression_methods: vec![0],
        extensions: vec![
            ClientExtension::SupportedVersions(vec![ProtocolVersion::TLS1_3]),
            ClientExtension::SupportedGroups(vec![NamedGroup::X25519]),
            ClientExtension::KeyShare(vec![KeyShareEntry {
                group: NamedGroup::X25519,
                payload: vec![0x99; 4],
            }]),
            ClientExtension::Unknown(UnknownExtension {
                typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
                body: vec![1],
            }),
        ],
    }
}

/// The fields of `inner_hello()` before the session id.
const HEAD: &str = "0303 0707070707070707070707070707070707070707070707070707070707070707";
/// cipher_suites and legacy_compression_methods of `inner_hello()`.
const MIDDLE: &str = "0002 1301 | 01 00";
/// supported_versions: type 43, length 3, versions<2..254> = [0x0304].
const SUPPORTED_VERSIONS: &str = "002b 0003 02 0304";
/// supported_groups: type 10, length 4, named_group_list = [x25519].
const SUPPORTED_GROUPS: &str = "000a 0004 0002 001d";
/// key_share: type 51, length 10, client_shares = [(x25519, 99999999)].
const KEY_SHARE: &str = "0033 000a 0008 001d 0004 99999999";
/// encrypted_client_hello: type 0xfe0d, length 1, inner(1).
const ECH_INNER: &str = "fe0d 0001 01";

#[test]
fn encoding_without_compression_empties_the_session_id() {
    let encoded = encode_client_hello_inner(&inner_hello(), &[]).unwrap();
    let expected = h(&format!(
        "{HEAD} | 00 | {MIDDLE} | 0022 | {SUPPORTED_VERSIONS} | {SUPPORTED_GROUPS} | {KEY_SHARE} | {ECH_INNER}"
    ));
    assert_eq!(encoded, expected);
}

#[test]
fn encoding_with_compression_inserts_ech_outer_extensions_in_place() {
    let encoded = encode_client_hello_inner(
        &inner_hello(),
        &[ExtensionType::SUPPORTED_GROUPS, ExtensionType::KEY_SHARE],
    )
    .unwrap();
    // ech_outer_extensions: type 0xfd00, length 5, OuterExtensions<2..254>
    // of 4 bytes: supported_groups, key_share.
    let expected = h(&format!(
        "{HEAD} | 00 | {MIDDLE} | 0015 | {SUPPORTED_VERSIONS} | fd00 0005 04 000a 0033 | {ECH_INNER}"
    ));
    assert_eq!(encoded, expected);

    use ExtensionType as T;
    let err = |c: &[ExtensionType]| encode_client_hello_inner(&inner_hello(), c).unwrap_err();
    assert_eq!(
        err(&[T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION]),
        EchError::CompressMissing(T::APPLICATION_LAYER_PROTOCOL_NEGOTIATION)
    );
    assert_eq!(
        err(&[T::SUPPORTED_VERSIONS, T::KEY_SHARE]),
        EchError::CompressNotConsecutive
    );
    assert_eq!(
        err(&[T::KEY_SHARE, T::SUPPORTED_GROUPS]),
        EchError::CompressNotConsecutive
    );
    assert_eq!(
        err(&[T::KEY_SHARE, T::KEY_SHARE]),
        EchError::CompressNotConsecutive
    );
    assert_eq!(
        err(&[T::KEY_SHARE, T::ENCRYPTED_CLIENT_HELLO]),
        EchError::CompressForbidden(T::ENCRYPTED_CLIENT_HELLO)
    );
    // §5.1: ech_outer_extensions never appears in ClientHelloInner itself.
    let mut with_marker = inner_hello();
    with_marker
        .extensions
        .push(ClientExtension::Unknown(UnknownExtension {
            typ: T::ECH_OUTER_EXTENSIONS,
            body: h("02 000a"),
        }));
    assert!(matches!(
        encode_client_hello_inner(&with_marker, &[]),
        Err(EchError::InvalidConfig(_))
    ));
}

#[test]
fn recommended_padding_of_section_6_1_3() {
    // With a name of length D: max(0, M - D), then round to 32.
    // 100 + (32 - 10) = 122; 31 - (121 % 32) = 6; 22 + 6 = 28.
    assert_eq!(recommended_padding(100, Some(10), 32), 28);
    // A name longer than M: no name padding; 31 - (99 % 32) = 28.
    assert_eq!(recommended_padding(100, Some(40), 32), 28);
    // No server_name: M + 9; 100 + 9 = 109; 31 - (108 % 32) = 19; 28.
    assert_eq!(recommended_padding(100, None, 0), 28);
    // Already a multiple of 32: nothing.
    assert_eq!(recommended_padding(128, Some(5), 0), 0);
    // 129: 31 - (128 % 32) = 31.
    assert_eq!(recommended_padding(129, Some(5), 0), 31);

    let padded = encode_client_hello_inner_padded(&inner_hello(), &[], 0).unwrap();
    let unpadded = encode_client_hello_inner(&inner_hello(), &[]).unwrap();
    // inner_hello() has no server_name: M + 9 = 9 bytes, then round up.
    assert_eq!(padded.len() % 32, 0);
    assert_eq!(padded.len(), (unpadded.len() + 9).div_ceil(32) * 32);
    assert!(padded[unpadded.len()..].iter().all(|b| *b == 0));
}

/// A ClientHelloOuter body: session id 0x55 x 32, extensions
/// supported_groups, a padding-type filler, key_share and an outer ECH.
fn outer_body(extensions: &str) -> Vec<u8> {
    let exts = h(extensions);
    let mut v = h(HEAD);
    v.extend(h("20"));
    v.extend([0x55; 32]);
    v.extend(h(MIDDLE));
    v.extend((exts.len() as u16).to_be_bytes());
    v.extend(exts);
    v
}

/// Outer extensions: supported_groups, padding (type 21, 2 zeros),
/// key_share, encrypted_client_hello(outer).
fn outer_extensions() -> String {
    format!(
        "{SUPPORTED_GROUPS} | 0015 0002 0000 | {KEY_SHARE} | fe0d 000b 00 0001 0001 2a 0000 0001 ff"
    )
}

#[test]
fn decoding_restores_the_inner_hello_from_the_outer() {
    // An EncodedClientHelloInner by hand: empty session id, the two
    // middle extensions as an ech_outer_extensions, 5 bytes of padding.
    let encoded = h(&format!(
        "{HEAD} | 00 | {MIDDLE} | 0015 | {SUPPORTED_VERSIONS} | fd00 0005 04 000a 0033 | {ECH_INNER} | 0000000000"
    ));
    let message = decode_client_hello_inner(&encoded, &outer_body(&outer_extensions())).unwrap();
    // The ClientHelloInner message: type 1, u24 length, the outer session id.
    let body = h(&format!(
        "{HEAD} | 20 {} | {MIDDLE} | 0022 | {SUPPORTED_VERSIONS} | {SUPPORTED_GROUPS} | {KEY_SHARE} | {ECH_INNER}",
        "55".repeat(32)
    ));
    let mut expected = vec![0x01, 0x00, 0x00, body.len() as u8];
    expected.extend(&body);
    assert_eq!(message, expected);
    assert_eq!(
        HandshakeMessage::read_exact(&message, "CH").unwrap(),
        HandshakeMessage::ClientHello(inner_hello())
    );
}

#[test]
fn encode_then_decode_gives_back_the_inner_hello() {
    use ExtensionType as T;
    for compress in [
        &[][..],
        &[T::SUPPORTED_GROUPS][..],
        &[T::SUPPORTED_GROUPS, T::KEY_SHARE],
    ] {
        for m in [0u8, 17, 255] {
            let encoded = encode_client_hello_inner_padded(&inner_hello(), compress, m).unwrap();
            let message =
                decode_client_hello_inner(&encoded, &outer_body(&outer_extensions())).unwrap();
            assert_eq!(
                HandshakeMessage::read_exact(&message, "CH").unwrap(),
                HandshakeMessage::ClientHello(inner_hello()),
                "{compress:?} {m}"
            );
        }
    }
}

#[test]
fn decoding_refuses_what_section_5_1_forbids() {
    let outer = outer_body(&outer_extensions());
    let with_refs = |refs: &str| {
        let refs = h(refs);
        let ext = [
            h("fd00"),
            ((refs.len() + 1) as u16).to_be_bytes().to_vec(),
            vec![refs.len() as u8],
            refs,
        ]
        .concat();
        let block = [h(SUPPORTED_VERSIONS), ext, h(ECH_INNER)].concat();
        [
            h(HEAD),
            h("00"),
            h(MIDDLE),
            (block.len() as u16).to_be_bytes().to_vec(),
            block,
        ]
        .concat()
    };
    use ExtensionType as T;
    let cases: Vec<(&str, Vec<u8>, &[u8], EchError)> = vec![
        (
            "missing",
            with_refs("000a 002b"),
            &outer,
            EchError::OuterExtensionMissing(T::SUPPORTED_VERSIONS),
        ),
        (
            "twice",
            with_refs("000a 000a"),
            &outer,
            EchError::OuterExtensionDuplicate(T::SUPPORTED_GROUPS),
        ),
        (
            "out of order",
            with_refs("0033 000a"),
            &outer,
            EchError::OuterExtensionOutOfOrder(T::SUPPORTED_GROUPS),
        ),
        (
            "ech",
            with_refs("000a fe0d"),
            &outer,
            EchError::OuterExtensionForbidden(T::ENCRYPTED_CLIENT_HELLO),
        ),
        (
            "itself",
            with_refs("fd00"),
            &outer,
            EchError::OuterExtensionForbidden(T::ECH_OUTER_EXTENSIONS),
        ),
        (
            "empty list",
            with_refs(""),
            &outer,
            EchError::Decode(InvalidMessage::EmptyVector("OuterExtensions")),
        ),
        (
            "non-zero padding",
            [with_refs("000a"), h("00 00 01")].concat(),
            &outer,
            EchError::NonZeroPadding,
        ),
        (
            "session id",
            {
                let mut v = with_refs("000a");
                v[34] = 1;
                v.insert(35, 0xab);
                v
            },
            &outer,
            EchError::InnerSessionIdNotEmpty,
        ),
    ];
    for (what, encoded, outer, want) in cases {
        let got = decode_client_hello_inner(&encoded, outer).expect_err(what);
        assert_eq!(got, want, "{what}");
        assert_eq!(
            got.alert(),
            if matches!(want, EchError::Decode(_)) {
                AlertDescription::DECODE_ERROR
            } else {
                AlertDescription::ILLEGAL_PARAMETER
            },
            "{what}"
        );
    }

    // ech_outer_extensions in the outer hello (§5.1 "MUST NOT appear").
    let bad_outer = outer_body(&format!("{SUPPORTED_GROUPS} | fd00 0003 02 000a"));
    assert_eq!(
        decode_client_hello_inner(&with_refs("000a"), &bad_outer).unwrap_err(),
        EchError::OuterExtensionsInOuter
    );
    // Syntax: an odd OuterExtensions, a truncated hello, no extensions.
    assert!(matches!(
        decode_client_hello_inner(&with_refs("000a 00"), &outer),
        Err(EchError::Decode(_))
    ));
    let full = with_refs("000a");
    assert!(matches!(
        decode_client_hello_inner(&full[..full.len() - 1], &outer),
        Err(EchError::Decode(_))
    ));
    let no_exts = h(&format!("{HEAD} | 00 | {MIDDLE}"));
    assert!(matches!(
        decode_client_hello_inner(&no_exts, &outer),
        Err(EchError::Decode(_))
    ));
    // A repeated type in the inner block.
    let dup = h(&format!(
        "{HEAD} | 00 | {MIDDLE} | 0011 | {ECH_INNER} | {ECH_INNER} | {SUPPORTED_VERSIONS}"
    ));
    assert!(matches!(
        decode_client_hello_inner(&dup, &outer),
        Err(EchError::Decode(InvalidMessage::DuplicateExtension(0xfe0d)))
    ));
}

/// §5.1 / §10.12.4: the references are resolved by one forward scan, so
/// a hello with many outer extensions and the longest reference list
/// decodes, each extension copied once; and the expanded block's
/// duplicates (an inner extension also referenced) are caught by the
/// ordinary ClientHello parse of the result.
#[test]
fn decoding_many_references_and_the_expanded_block() {
    // 2000 outer extensions of types 0x1000.., empty bodies.
    let outer_exts: String = (0..2000u16)
        .map(|i| format!("{:04x}0000", 0x1000 + i))
        .collect();
    let outer = outer_body(&outer_exts);
    // 127 references (254 bytes, the maximum), every 15th outer extension.
    let refs: String = (0..127u16)
        .map(|i| format!("{:04x}", 0x1000 + i * 15))
        .collect();
    let refs_len = refs.len() / 2;
    let encoded = h(&format!(
        "{HEAD} | 00 | {MIDDLE} | {:04x} | fd00 {:04x} {:02x} {refs} | {ECH_INNER}",
        4 + 1 + refs_len + 5,
        1 + refs_len,
        refs_len
    ));
    let message = decode_client_hello_inner(&encoded, &outer).unwrap();
    let HandshakeMessage::ClientHello(ch) = HandshakeMessage::read_exact(&message, "CH").unwrap()
    else {
        panic!()
    };
    assert_eq!(ch.extensions.len(), 128);
    assert_eq!(ch.extensions[126].typ(), ExtensionType(0x1000 + 126 * 15));

    // key_share both in the inner block and referenced: decodes, and the
    // parse of the result refuses the repeated type.
    let encoded = h(&format!(
        "{HEAD} | 00 | {MIDDLE} | 001a | {KEY_SHARE} | fd00 0003 02 0033 | {ECH_INNER}"
    ));
    let message = decode_client_hello_inner(&encoded, &outer_body(&outer_extensions())).unwrap();
    assert_eq!(
        HandshakeMessage::read_exact(&message, "CH").unwrap_err(),
        InvalidMessage::DuplicateExtension(0x0033)
    );
}

// ---------------------------------------------------------------- §5.2

#[test]
fn outer_aad_zeroes_the_payload_in_place() {
    // outer_extensions() ends with an outer ECHClientHello whose payload
    // is the one byte ff: the AAD has 00 there, nothing else changes.
    let (outer, aad) = client_hello_outer_aad(&outer_body(&outer_extensions()))
        .unwrap()
        .unwrap();
    assert_eq!(
        (outer.config_id, outer.payload.as_slice()),
        (0x2a, &[0xff][..])
    );
    let expected = outer_body(&format!(
        "{SUPPORTED_GROUPS} | 0015 0002 0000 | {KEY_SHARE} | fe0d 000b 00 0001 0001 2a 0000 0001 00"
    ));
    assert_eq!(aad, expected);
    // No ECH: no AAD.
    assert!(
        client_hello_outer_aad(&outer_body(SUPPORTED_GROUPS))
            .unwrap()
            .is_none()
    );
    // The inner variant from the network is §7's illegal_parameter.
    let with_inner = outer_body(&format!("{SUPPORTED_GROUPS} | {ECH_INNER}"));
    assert_eq!(
        client_hello_outer_aad(&with_inner).unwrap_err(),
        EchError::UnexpectedClientHelloType(1)
    );
    // A malformed ECH body is the peer's decode_error.
    let bad = outer_body("fe0d 0002 00 00");
    assert_eq!(
        client_hello_outer_aad(&bad).unwrap_err().alert(),
        AlertDescription::DECODE_ERROR
    );
}

/// The pure pieces end to end (§5.1, §5.2, §6.1, §6.1.1, §7.1): the
/// client seals the EncodedClientHelloInner under the AAD with a zero
/// placeholder; the server recomputes the AAD from the bytes it received,
/// opens, and decodes the inner hello; a changed outer byte fails to open.
#[test]
fn seal_and_open_an_inner_hello_through_the_outer_aad() {
    use ExtensionType as T;
    let key = EchConfigBuilder::new("public.example.com")
        .generate(provider(), &OsRandom)
        .unwrap();
    let list = key.config_list();
    let chosen = list.select(provider()).unwrap();
    let encoded =
        encode_client_hello_inner_padded(&inner_hello(), &[T::SUPPORTED_GROUPS, T::KEY_SHARE], 0)
            .unwrap();
    let (enc, mut sender) = chosen
        .suite
        .setup_sender(
            provider(),
            &chosen.contents.key_config.public_key,
            &chosen.config.hpke_info(),
            &OsRandom,
        )
        .unwrap();
    // §6.1.1: L = plaintext + the AES-128-GCM tag.
    let l = encoded.len() + 16;
    let ech = EchClientHello::Outer(EchOuter {
        cipher_suite: HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM,
        config_id: chosen.contents.key_config.config_id,
        enc,
        payload: vec![0; l],
    })
    .to_bytes();
    let placeholder = outer_body(&format!(
        "{SUPPORTED_GROUPS} | {KEY_SHARE} | fe0d {:04x} {}",
        ech.len(),
        hex::encode(&ech)
    ));
    let ct = sender.seal(&placeholder, &encoded).unwrap();
    assert_eq!(ct.len(), l);
    // The payload is the last field of the last extension.
    let mut sent = placeholder.clone();
    let n = sent.len();
    sent[n - l..].copy_from_slice(&ct);

    let open = |received: &[u8]| {
        let (outer, aad) = client_hello_outer_aad(received).unwrap().unwrap();
        let suite = Suite::new(
            key.config().contents().unwrap().key_config.kem_id,
            outer.cipher_suite.kdf_id,
            outer.cipher_suite.aead_id,
        );
        let mut receiver = suite
            .setup_receiver(
                provider(),
                &outer.enc,
                key.private_key(),
                &key.config().hpke_info(),
            )
            .unwrap();
        (aad.clone(), receiver.open(&aad, &outer.payload))
    };
    let (aad, opened) = open(&sent);
    assert_eq!(aad, placeholder);
    let opened = opened.unwrap();
    assert_eq!(opened, encoded);
    let message = decode_client_hello_inner(&opened, &sent).unwrap();
    assert_eq!(
        HandshakeMessage::read_exact(&message, "CH").unwrap(),
        HandshakeMessage::ClientHello(inner_hello())
    );

    // §10.12.3: the outer hello is bound — one bit of its random flipped.
    let mut tampered = sent.clone();
    tampered[2] ^= 1;
    assert_eq!(open(&tampered).1, Err(HpkeError::OpenFailed));
}
