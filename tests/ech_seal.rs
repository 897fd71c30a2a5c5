//! ECH (RFC 9849) sealing and server trial decryption: the client's
//! EchSealer (§6.1, §6.1.1, §6.1.5) against the server's trial_decrypt
//! (§7.1) and the second ClientHello after HelloRetryRequest (§7.1.1).
//!
//! Every server-side HPKE decapsulation is counted by a provider whose
//! groups wrap the built-in ones (`counting()`), so "no trial" and "at
//! most N trials" are observed at the Diffie-Hellman, not only as the
//! count trial_decrypt reports.

use std::sync::atomic::{AtomicUsize, Ordering};

use tls13::crypto::kx::{KeyExchange, KxGroup, SharedSecret, StaticKey};
use tls13::crypto::{CryptoProvider, OsRandom, SecureRandom, rustcrypto};
use tls13::ech::{
    Candidates, ClientHelloViolation, EchClientHello, EchConfigBuilder, EchConfigList, EchError,
    EchKeyPair, EchOutcome, EchOuter, EchSealer, HpkeSymmetricCipherSuite, TrialPolicy,
    client_hello_outer_aad, encode_client_hello_inner_padded, open_client_hello, trial_decrypt,
};
use tls13::error::Error;
use tls13::hpke::{HpkeAeadId, HpkeKdfId, HpkeKemId};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, ProtocolVersion, ServerNameType,
};
use tls13::unstable::msgs::handshake::{
    ClientExtension, ClientHello, HandshakeMessage, KeyShareEntry, UnknownExtension,
};

fn provider() -> &'static CryptoProvider {
    rustcrypto::provider()
}

// ------------------------------------------------ a counting provider

/// A group whose static keys count their Diffie-Hellmans in `count`.
struct CountingGroup {
    inner: &'static dyn KxGroup,
    count: &'static AtomicUsize,
}

struct CountingKey {
    inner: Box<dyn StaticKey>,
    count: &'static AtomicUsize,
}

impl StaticKey for CountingKey {
    fn public_key(&self) -> &[u8] {
        self.inner.public_key()
    }
    fn agree(&self, peer: &[u8]) -> Result<SharedSecret, Error> {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.agree(peer)
    }
}

impl KxGroup for CountingGroup {
    fn group(&self) -> NamedGroup {
        self.inner.group()
    }
    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        self.inner.start(rng)
    }
    fn server_exchange(
        &self,
        client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SharedSecret), Error> {
        self.inner.server_exchange(client_share, rng)
    }
    fn static_key(&self, secret: &[u8]) -> Option<Result<Box<dyn StaticKey>, Error>> {
        let count = self.count;
        Some(
            self.inner
                .static_key(secret)?
                .map(|inner| Box::new(CountingKey { inner, count }) as Box<dyn StaticKey>),
        )
    }
}

/// The built-in provider with every group counting into the returned
/// counter (one per test: tests run in parallel).
fn counting() -> (&'static CryptoProvider, &'static AtomicUsize) {
    let count: &'static AtomicUsize = Box::leak(Box::new(AtomicUsize::new(0)));
    let groups: Vec<&'static dyn KxGroup> = rustcrypto::PROVIDER
        .groups
        .iter()
        .map(|g| &*Box::leak(Box::new(CountingGroup { inner: *g, count })) as &'static dyn KxGroup)
        .collect();
    let p = Box::leak(Box::new(CryptoProvider {
        groups: Box::leak(groups.into_boxed_slice()),
        ..rustcrypto::PROVIDER
    }));
    (p, count)
}

// ------------------------------------------------ hellos

const AES128: HpkeSymmetricCipherSuite = HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM;
const CHACHA: HpkeSymmetricCipherSuite = HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305;
const AES256: HpkeSymmetricCipherSuite = HpkeSymmetricCipherSuite {
    kdf_id: HpkeKdfId::HKDF_SHA384,
    aead_id: HpkeAeadId::AES_256_GCM,
};

fn ech_inner_ext() -> ClientExtension {
    ClientExtension::Unknown(UnknownExtension {
        typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
        body: vec![1],
    })
}

/// ClientHelloInner: TLS 1.3 only, the share `share`, ECH inner last.
fn inner_hello(share: u8) -> ClientHello {
    ClientHello {
        legacy_version: ProtocolVersion::TLS1_2,
        random: [7; 32],
        legacy_session_id: vec![],
        cipher_suites: vec![CipherSuite::TLS_AES_128_GCM_SHA256],
        legacy_compression_methods: vec![0],
        extensions: vec![
            ClientExtension::ServerName(vec![(
                ServerNameType::HOST_NAME,
                b"secret.example".to_vec(),
            )]),
            ClientExtension::SupportedVersions(vec![ProtocolVersion::TLS1_3]),
            ClientExtension::SupportedGroups(vec![NamedGroup::X25519]),
            ClientExtension::KeyShare(vec![KeyShareEntry {
                group: NamedGroup::X25519,
                payload: vec![share; 32],
            }]),
            ech_inner_ext(),
        ],
    }
}

/// The body (no 4-byte header) of a ClientHelloOuter: a fresh random,
/// the session id `0x55 * 32`, the compressed extensions copied from
/// `inner`, then `ech` (if any) as the last extension.
fn outer_body(inner: &ClientHello, ech: Option<&EchClientHello>) -> Vec<u8> {
    let copied = |t| inner.find(t).unwrap().clone();
    let mut extensions = vec![
        ClientExtension::ServerName(vec![(
            ServerNameType::HOST_NAME,
            b"public.example.com".to_vec(),
        )]),
        ClientExtension::SupportedVersions(vec![ProtocolVersion::TLS1_3]),
        copied(ExtensionType::SUPPORTED_GROUPS),
        copied(ExtensionType::KEY_SHARE),
    ];
    if let Some(ech) = ech {
        extensions.push(ClientExtension::Unknown(UnknownExtension {
            typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
            body: ech.to_bytes(),
        }));
    }
    let hello = ClientHello {
        legacy_version: ProtocolVersion::TLS1_2,
        random: [0x0e; 32],
        legacy_session_id: vec![0x55; 32],
        cipher_suites: inner.cipher_suites.clone(),
        legacy_compression_methods: vec![0],
        extensions,
    };
    HandshakeMessage::ClientHello(hello).to_bytes()[4..].to_vec()
}

const COMPRESS: [ExtensionType; 2] = [ExtensionType::SUPPORTED_GROUPS, ExtensionType::KEY_SHARE];

/// What a client sends: the EncodedClientHelloInner, the placeholder
/// outer hello (the AAD) and the sealed one.
struct Sent {
    encoded: Vec<u8>,
    placeholder: Vec<u8>,
    sealed: Vec<u8>,
}

fn seal(sealer: &mut EchSealer, inner: &ClientHello) -> Sent {
    let encoded = encode_client_hello_inner_padded(inner, &COMPRESS, 32).unwrap();
    let placeholder = outer_body(inner, Some(&sealer.placeholder(encoded.len())));
    let mut sealed = placeholder.clone();
    sealer.seal_client_hello(&encoded, &mut sealed).unwrap();
    Sent {
        encoded,
        placeholder,
        sealed,
    }
}

fn key(kem: HpkeKemId, suites: &[HpkeSymmetricCipherSuite], id: u8) -> EchKeyPair {
    key_with(provider(), kem, suites, id)
}

fn key_with(
    p: &CryptoProvider,
    kem: HpkeKemId,
    suites: &[HpkeSymmetricCipherSuite],
    id: u8,
) -> EchKeyPair {
    EchConfigBuilder::new("public.example.com")
        .kem(kem)
        .cipher_suites(suites)
        .config_id(id)
        .maximum_name_length(32)
        .generate(p, &OsRandom)
        .unwrap()
}

fn sealer_for(key: &EchKeyPair) -> EchSealer {
    let list = key.config_list();
    let chosen = list.select(provider()).unwrap();
    EchSealer::new(provider(), &chosen, &OsRandom).unwrap()
}

/// The ClientHelloInner message the server must reconstruct: `inner`
/// with ClientHelloOuter's session id (§5.1).
fn expected_inner(inner: &ClientHello) -> Vec<u8> {
    let mut hello = inner.clone();
    hello.legacy_session_id = vec![0x55; 32];
    HandshakeMessage::ClientHello(hello).to_bytes()
}

fn accepted(outcome: EchOutcome) -> Box<tls13::ech::EchAccepted> {
    match outcome {
        EchOutcome::Accepted(a) => a,
        other => panic!("not accepted: {other:?}"),
    }
}

fn rejected_trials(outcome: EchOutcome) -> (Option<EchConfigList>, usize) {
    match outcome {
        EchOutcome::Rejected {
            retry_configs,
            trials,
        } => (retry_configs, trials),
        other => panic!("not rejected: {other:?}"),
    }
}

fn violation(e: EchError) -> ClientHelloViolation {
    match e {
        EchError::ClientHello(v) => v,
        other => panic!("not a ClientHello violation: {other:?}"),
    }
}

// ------------------------------------------------ round trips

#[test]
fn round_trip_for_each_kem_and_aead() {
    for kem in [
        HpkeKemId::DHKEM_X25519_HKDF_SHA256,
        HpkeKemId::DHKEM_P256_HKDF_SHA256,
    ] {
        for cs in [AES128, CHACHA, AES256] {
            let (server_provider, dh) = counting();
            let key = key_with(server_provider, kem, &[cs], 0x2a);
            let mut sealer = sealer_for(&key);
            assert_eq!(sealer.cipher_suite(), cs);
            assert_eq!(sealer.config_id(), 0x2a);
            let inner = inner_hello(0x99);
            let sent = seal(&mut sealer, &inner);
            assert_eq!(sealer.sealed(), 1);

            // §6.1.1: the payload is |EncodedClientHelloInner| + tag, and
            // it is the last field of the last extension, so the last L
            // bytes of the body; the AAD is the sent hello with them zeroed.
            let l = sent.encoded.len() + 16;
            let n = sent.sealed.len();
            assert_eq!(sent.sealed.len(), sent.placeholder.len());
            assert_eq!(sent.sealed[..n - l], sent.placeholder[..n - l]);
            assert!(sent.placeholder[n - l..].iter().all(|b| *b == 0));
            assert_ne!(sent.sealed[n - l..], sent.placeholder[n - l..]);
            let mut zeroed = sent.sealed.clone();
            zeroed[n - l..].fill(0);
            let (ech, aad) = client_hello_outer_aad(&sent.sealed).unwrap().unwrap();
            assert_eq!(aad, zeroed);
            assert_eq!(ech.payload.len(), l);
            assert_eq!(
                ech.enc.len(),
                if kem == HpkeKemId::DHKEM_X25519_HKDF_SHA256 {
                    32
                } else {
                    65
                }
            );

            // The one-key open gives EncodedClientHelloInner back.
            let (encoded, ctx) = open_client_hello(server_provider, &key, &ech, &aad).unwrap();
            assert_eq!(encoded, sent.encoded);
            assert_eq!(ctx.sequence_number(), 1);

            let before = dh.load(Ordering::SeqCst);
            let outcome = trial_decrypt(
                server_provider,
                std::slice::from_ref(&key),
                &sent.sealed,
                &TrialPolicy::default(),
            )
            .unwrap();
            assert_eq!(dh.load(Ordering::SeqCst) - before, 1, "{kem:?} {cs:?}");
            let a = accepted(outcome);
            assert_eq!(a.trials, 1);
            assert_eq!(a.inner, expected_inner(&inner), "{kem:?} {cs:?}");
            assert_eq!(a.context.key_index(), 0);
            assert_eq!(a.context.config_id(), 0x2a);
            assert_eq!(a.context.cipher_suite(), cs);
        }
    }
}

#[test]
fn the_right_key_among_several_is_found() {
    let keys = [
        key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 1),
        key(HpkeKemId::DHKEM_P256_HKDF_SHA256, &[AES128], 2),
        key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[CHACHA], 3),
    ];
    let mut sealer = sealer_for(&keys[2]);
    let sent = seal(&mut sealer, &inner_hello(1));
    let a =
        accepted(trial_decrypt(provider(), &keys, &sent.sealed, &TrialPolicy::default()).unwrap());
    assert_eq!((a.context.key_index(), a.trials), (2, 1));
}

// ------------------------------------------------ §7.1: rejections

#[test]
fn wrong_key_tampered_outer_or_tampered_enc_is_rejected_not_an_error() {
    for kem in [
        HpkeKemId::DHKEM_X25519_HKDF_SHA256,
        HpkeKemId::DHKEM_P256_HKDF_SHA256,
    ] {
        let key = key(kem, &[AES128], 7);
        let mut sealer = sealer_for(&key);
        let sent = seal(&mut sealer, &inner_hello(1));
        let keys = std::slice::from_ref(&key);
        let policy = TrialPolicy::default();

        // Another key under the same config_id: one trial, it fails.
        let stranger = self::key(kem, &[AES128], 7);
        let (retry, trials) = rejected_trials(
            trial_decrypt(
                provider(),
                std::slice::from_ref(&stranger),
                &sent.sealed,
                &policy,
            )
            .unwrap(),
        );
        assert_eq!(trials, 1);
        assert_eq!(retry, Some(stranger.config_list()));

        // §10.12.3: every byte of the outer hello outside the payload is
        // bound: a byte of the random, of the session id, of the
        // extensions.
        let (ech, _) = client_hello_outer_aad(&sent.sealed).unwrap().unwrap();
        for at in [2, 40, 100] {
            let mut tampered = sent.sealed.clone();
            tampered[at] ^= 0x01;
            let (retry, trials) =
                rejected_trials(trial_decrypt(provider(), keys, &tampered, &policy).unwrap());
            assert_eq!((retry, trials), (Some(key.config_list()), 1), "byte {at}");
        }
        // A payload byte.
        let mut tampered = sent.sealed.clone();
        let n = tampered.len();
        tampered[n - 1] ^= 0x80;
        assert_eq!(
            rejected_trials(trial_decrypt(provider(), keys, &tampered, &policy).unwrap()).1,
            1
        );

        // enc altered: for P-256 a byte of the x coordinate usually leaves
        // the curve (setup fails), for X25519 it is another key (open
        // fails); either way the server proceeds with the outer hello.
        for at in [0, 5, ech.enc.len() - 1] {
            let mut bad = ech.clone();
            bad.enc[at] ^= 0x04;
            let body = outer_body(&inner_hello(1), Some(&EchClientHello::Outer(bad)));
            let (retry, trials) =
                rejected_trials(trial_decrypt(provider(), keys, &body, &policy).unwrap());
            assert_eq!((retry, trials), (Some(key.config_list()), 1));
        }
        // An empty enc in a first ClientHello opens nothing either.
        let mut bad = ech.clone();
        bad.enc.clear();
        let body = outer_body(&inner_hello(1), Some(&EchClientHello::Outer(bad)));
        assert_eq!(
            rejected_trials(trial_decrypt(provider(), keys, &body, &policy).unwrap()).1,
            1
        );
    }
}

#[test]
fn config_id_mismatch_tries_nothing_by_default_and_method_2_tries_all() {
    let (p, dh) = counting();
    let key = key_with(p, HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 9);
    let mut sealer = sealer_for(&key);
    let sent = seal(&mut sealer, &inner_hello(1));
    // The server's config_id changed (say, a GREASE ECH or a stale id):
    // the same key published under id 10.
    let renamed = EchKeyPair::from_parts(
        p,
        match key.config().clone() {
            tls13::ech::EchConfig::Rfc9849(mut c) => {
                c.key_config.config_id = 10;
                tls13::ech::EchConfig::Rfc9849(c)
            }
            other => other,
        },
        &key.private_key().to_bytes(),
    )
    .unwrap();
    let keys = std::slice::from_ref(&renamed);
    let before = dh.load(Ordering::SeqCst);
    let (retry, trials) =
        rejected_trials(trial_decrypt(p, keys, &sent.sealed, &TrialPolicy::default()).unwrap());
    assert_eq!(trials, 0);
    assert_eq!(
        dh.load(Ordering::SeqCst),
        before,
        "no Diffie-Hellman at all"
    );
    assert_eq!(retry, Some(renamed.config_list()));

    // Method 2 (§7.1, for randomized config_ids): the key is tried and,
    // the info being the config with id 10, the payload sealed under the
    // id-9 config does not open — the config is bound, not only the key.
    let all = TrialPolicy {
        candidates: Candidates::All,
        ..TrialPolicy::default()
    };
    let (_, trials) = rejected_trials(trial_decrypt(p, keys, &sent.sealed, &all).unwrap());
    assert_eq!(trials, 1);
    assert_eq!(dh.load(Ordering::SeqCst), before + 1);
    // ... and with the original config among others it is found.
    let others = [
        key_with(p, HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 1),
        key_with(p, HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 2),
        key,
    ];
    let a = accepted(trial_decrypt(p, &others, &sent.sealed, &all).unwrap());
    assert_eq!((a.context.key_index(), a.trials), (2, 3));
}

#[test]
fn trial_decryption_is_capped() {
    let (p, dh) = counting();
    // Six keys under one config_id; the client's is the last.
    let mut keys: Vec<EchKeyPair> = (0..5)
        .map(|_| key_with(p, HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 4))
        .collect();
    keys.push(key_with(
        p,
        HpkeKemId::DHKEM_X25519_HKDF_SHA256,
        &[AES128],
        4,
    ));
    let mut sealer = sealer_for(keys.last().unwrap());
    let sent = seal(&mut sealer, &inner_hello(1));

    for (cap, expected) in [(0, 0), (1, 1), (4, 4), (5, 5)] {
        let policy = TrialPolicy {
            max_opens: cap,
            ..TrialPolicy::default()
        };
        let before = dh.load(Ordering::SeqCst);
        let (retry, trials) =
            rejected_trials(trial_decrypt(p, &keys, &sent.sealed, &policy).unwrap());
        assert_eq!(trials, expected);
        assert_eq!(dh.load(Ordering::SeqCst) - before, expected);
        assert_eq!(retry.unwrap().configs.len(), 6);
    }
    // The default cap is 4.
    assert_eq!(TrialPolicy::default().max_opens, 4);
    let policy = TrialPolicy {
        max_opens: 6,
        ..TrialPolicy::default()
    };
    let a = accepted(trial_decrypt(p, &keys, &sent.sealed, &policy).unwrap());
    assert_eq!((a.context.key_index(), a.trials), (5, 6));
}

#[test]
fn a_suite_the_config_does_not_advertise_is_not_tried() {
    let (p, dh) = counting();
    let key = key_with(p, HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128, CHACHA], 3);
    let mut sealer = sealer_for(&key);
    let sent = seal(&mut sealer, &inner_hello(1));
    // The server now advertises ChaCha20 only, same key and id.
    let narrowed = EchKeyPair::from_parts(
        p,
        match key.config().clone() {
            tls13::ech::EchConfig::Rfc9849(mut c) => {
                c.key_config.cipher_suites = vec![CHACHA];
                tls13::ech::EchConfig::Rfc9849(c)
            }
            other => other,
        },
        &key.private_key().to_bytes(),
    )
    .unwrap();
    let before = dh.load(Ordering::SeqCst);
    let (_, trials) = rejected_trials(
        trial_decrypt(
            p,
            std::slice::from_ref(&narrowed),
            &sent.sealed,
            &TrialPolicy::default(),
        )
        .unwrap(),
    );
    assert_eq!(trials, 0);
    assert_eq!(dh.load(Ordering::SeqCst), before);
}

#[test]
fn no_extension_is_not_offered_and_no_key_sends_no_retry_configs() {
    let key = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 1);
    let plain = outer_body(&inner_hello(1), None);
    assert!(matches!(
        trial_decrypt(
            provider(),
            std::slice::from_ref(&key),
            &plain,
            &TrialPolicy::default()
        )
        .unwrap(),
        EchOutcome::NotOffered
    ));
    let mut sealer = sealer_for(&key);
    let sent = seal(&mut sealer, &inner_hello(1));
    assert_eq!(
        rejected_trials(
            trial_decrypt(provider(), &[], &sent.sealed, &TrialPolicy::default()).unwrap()
        ),
        (None, 0)
    );
}

// ------------------------------------------------ §7: refusals

#[test]
fn inner_type_or_unknown_type_from_the_network_is_illegal_parameter() {
    let key = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 1);
    let keys = std::slice::from_ref(&key);
    let policy = TrialPolicy::default();
    let inner = outer_body(&inner_hello(1), Some(&EchClientHello::Inner));
    let e = trial_decrypt(provider(), keys, &inner, &policy).unwrap_err();
    assert_eq!(
        violation(e.clone()),
        ClientHelloViolation::InnerTypeFromNetwork
    );
    assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);

    // ECHClientHelloType 2: a body of one byte, spliced in by hand.
    let mut unknown = inner.clone();
    let n = unknown.len();
    assert_eq!(unknown[n - 5..], [0xfe, 0x0d, 0x00, 0x01, 0x01]);
    unknown[n - 1] = 2;
    let e = trial_decrypt(provider(), keys, &unknown, &policy).unwrap_err();
    assert_eq!(violation(e.clone()), ClientHelloViolation::UnknownType(2));
    assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);

    // An outer body that does not parse (payload<1..> empty) is decode_error.
    let mut empty = sealer_for(&key).placeholder(0);
    if let EchClientHello::Outer(o) = &mut empty {
        o.payload.clear();
    }
    let body = outer_body(&inner_hello(1), Some(&empty));
    let e = trial_decrypt(provider(), keys, &body, &policy).unwrap_err();
    assert!(matches!(e, EchError::Decode(_)), "{e:?}");
    assert_eq!(e.alert(), AlertDescription::DECODE_ERROR);
}

#[test]
fn an_inner_hello_without_ech_inner_or_offering_tls12_is_illegal_parameter() {
    let key = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 1);
    let keys = std::slice::from_ref(&key);
    let try_inner = |inner: ClientHello| {
        let mut sealer = sealer_for(&key);
        let sent = seal(&mut sealer, &inner);
        trial_decrypt(provider(), keys, &sent.sealed, &TrialPolicy::default()).unwrap_err()
    };
    let mut no_ech = inner_hello(1);
    no_ech.extensions.pop();
    let e = try_inner(no_ech);
    assert_eq!(
        violation(e.clone()),
        ClientHelloViolation::InnerWithoutInnerExtension
    );
    assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);

    // ECH of type outer inside the inner hello is not "of type inner".
    let mut outer_in_inner = inner_hello(1);
    *outer_in_inner.extensions.last_mut().unwrap() = ClientExtension::Unknown(UnknownExtension {
        typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
        body: sealer_for(&key).placeholder(1).to_bytes(),
    });
    assert_eq!(
        violation(try_inner(outer_in_inner)),
        ClientHelloViolation::InnerWithoutInnerExtension
    );
    // Type inner with trailing bytes is not well-formed.
    let mut long = inner_hello(1);
    *long.extensions.last_mut().unwrap() = ClientExtension::Unknown(UnknownExtension {
        typ: ExtensionType::ENCRYPTED_CLIENT_HELLO,
        body: vec![1, 0],
    });
    assert_eq!(
        violation(try_inner(long)),
        ClientHelloViolation::InnerWithoutInnerExtension
    );

    for versions in [
        vec![ProtocolVersion::TLS1_3, ProtocolVersion::TLS1_2],
        vec![
            ProtocolVersion(0x0a0a),
            ProtocolVersion(0x0301),
            ProtocolVersion::TLS1_3,
        ],
    ] {
        let mut old = inner_hello(1);
        old.extensions[1] = ClientExtension::SupportedVersions(versions);
        let e = try_inner(old);
        assert_eq!(
            violation(e.clone()),
            ClientHelloViolation::InnerOffersOldVersion
        );
        assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);
    }
    // Without supported_versions the hello offers TLS 1.2 only.
    let mut none = inner_hello(1);
    none.extensions.remove(1);
    assert_eq!(
        violation(try_inner(none)),
        ClientHelloViolation::InnerOffersOldVersion
    );

    // GREASE versions beside TLS 1.3 are fine.
    let mut grease = inner_hello(1);
    grease.extensions[1] =
        ClientExtension::SupportedVersions(vec![ProtocolVersion(0x3a3a), ProtocolVersion::TLS1_3]);
    let mut sealer = sealer_for(&key);
    let sent = seal(&mut sealer, &grease);
    accepted(trial_decrypt(provider(), keys, &sent.sealed, &TrialPolicy::default()).unwrap());
}

#[test]
fn the_inner_hello_is_parsed_under_the_policy_limits() {
    let key = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 1);
    let mut sealer = sealer_for(&key);
    let sent = seal(&mut sealer, &inner_hello(1));
    let mut policy = TrialPolicy::default();
    policy.limits.max_extensions = 4; // the inner hello has 5
    let e = trial_decrypt(
        provider(),
        std::slice::from_ref(&key),
        &sent.sealed,
        &policy,
    )
    .unwrap_err();
    assert!(matches!(e, EchError::Decode(_)), "{e:?}");
    assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);
}

// ------------------------------------------------ §6.1.5, §7.1.1: after HRR

/// A first exchange accepted; the sealer and the server context.
fn first_exchange(key: &EchKeyPair) -> (EchSealer, tls13::ech::EchServerContext, Sent) {
    let mut sealer = sealer_for(key);
    let sent = seal(&mut sealer, &inner_hello(1));
    let a = accepted(
        trial_decrypt(
            provider(),
            std::slice::from_ref(key),
            &sent.sealed,
            &TrialPolicy::default(),
        )
        .unwrap(),
    );
    (sealer, a.context, sent)
}

#[test]
fn the_second_hello_is_sealed_with_the_same_context_and_an_empty_enc() {
    for kem in [
        HpkeKemId::DHKEM_X25519_HKDF_SHA256,
        HpkeKemId::DHKEM_P256_HKDF_SHA256,
    ] {
        let key = key(kem, &[CHACHA], 5);
        let (mut sealer, mut server, _) = first_exchange(&key);
        assert!(sealer.enc().is_empty());
        let second_inner = inner_hello(2);
        let sent = seal(&mut sealer, &second_inner);
        assert_eq!(sealer.sealed(), 2);
        let (ech, _) = client_hello_outer_aad(&sent.sealed).unwrap().unwrap();
        assert!(ech.enc.is_empty());
        assert_eq!((ech.config_id, ech.cipher_suite), (5, CHACHA));
        let inner = server
            .open_second_client_hello(&sent.sealed, &TrialPolicy::default().limits)
            .unwrap();
        assert_eq!(inner, expected_inner(&second_inner));
    }
}

#[test]
fn second_hello_rules() {
    let key = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128, CHACHA], 5);
    let limits = TrialPolicy::default().limits;
    let (mut sealer, mut server, first) = first_exchange(&key);
    let second = seal(&mut sealer, &inner_hello(2));
    let (ech, _) = client_hello_outer_aad(&second.sealed).unwrap().unwrap();
    let with = |o: EchOuter| outer_body(&inner_hello(2), Some(&EchClientHello::Outer(o)));

    let cases: Vec<(Vec<u8>, ClientHelloViolation, AlertDescription)> = vec![
        // No ECH at all: missing_extension.
        (
            outer_body(&inner_hello(2), None),
            ClientHelloViolation::RetryWithoutExtension,
            AlertDescription::MISSING_EXTENSION,
        ),
        // config_id changed.
        (
            with(EchOuter {
                config_id: 6,
                ..ech.clone()
            }),
            ClientHelloViolation::RetryChangedConfig,
            AlertDescription::ILLEGAL_PARAMETER,
        ),
        // cipher_suite changed (to another the config advertises).
        (
            with(EchOuter {
                cipher_suite: CHACHA,
                ..ech.clone()
            }),
            ClientHelloViolation::RetryChangedConfig,
            AlertDescription::ILLEGAL_PARAMETER,
        ),
        // enc not empty: the first hello replayed as the second.
        (
            first.sealed.clone(),
            ClientHelloViolation::RetryEncNotEmpty,
            AlertDescription::ILLEGAL_PARAMETER,
        ),
        // A payload that does not open.
        (
            {
                let mut t = second.sealed.clone();
                let n = t.len();
                t[n - 3] ^= 1;
                t
            },
            ClientHelloViolation::RetryDecryptFailed,
            AlertDescription::DECRYPT_ERROR,
        ),
        // The outer hello changed under the payload (AAD): decrypt_error.
        (
            {
                let mut t = second.sealed.clone();
                t[3] ^= 1;
                t
            },
            ClientHelloViolation::RetryDecryptFailed,
            AlertDescription::DECRYPT_ERROR,
        ),
        // Type inner from the network.
        (
            outer_body(&inner_hello(2), Some(&EchClientHello::Inner)),
            ClientHelloViolation::InnerTypeFromNetwork,
            AlertDescription::ILLEGAL_PARAMETER,
        ),
    ];
    for (body, want, alert) in cases {
        let e = server.open_second_client_hello(&body, &limits).unwrap_err();
        assert_eq!(e.alert(), alert, "{want:?}");
        assert_eq!(violation(e), want);
    }
    // None of the failures moved the context: the genuine second hello
    // still opens, as message 1.
    assert_eq!(
        server
            .open_second_client_hello(&second.sealed, &limits)
            .unwrap(),
        expected_inner(&inner_hello(2))
    );
}

#[test]
fn a_second_hello_from_a_fresh_context_does_not_open() {
    // §10.12.2: the second hello must come from the first's context; one
    // sealed under a new setup (its enc dropped) is decrypt_error.
    let key = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 5);
    let (_, mut server, _) = first_exchange(&key);
    let mut fresh = sealer_for(&key);
    let inner = inner_hello(2);
    let encoded = encode_client_hello_inner_padded(&inner, &COMPRESS, 32).unwrap();
    // A sealer seals an empty enc only as its second message, so it
    // refuses this placeholder for its first.
    let mut ph = fresh.placeholder(encoded.len());
    if let EchClientHello::Outer(o) = &mut ph {
        o.enc.clear();
    }
    let mut body = outer_body(&inner, Some(&ph));
    // The sealer refuses a placeholder that is not its own (enc differs).
    assert!(matches!(
        fresh.seal_client_hello(&encoded, &mut body),
        Err(EchError::InvalidConfig(_))
    ));
    assert_eq!(fresh.sealed(), 0);
    // Sealed for real as its first message, then enc emptied.
    let mut sent = outer_body(&inner, Some(&fresh.placeholder(encoded.len())));
    fresh.seal_client_hello(&encoded, &mut sent).unwrap();
    let (mut ech, _) = client_hello_outer_aad(&sent).unwrap().unwrap();
    ech.enc.clear();
    let replaced = outer_body(&inner, Some(&EchClientHello::Outer(ech)));
    let e = server
        .open_second_client_hello(&replaced, &TrialPolicy::default().limits)
        .unwrap_err();
    assert_eq!(violation(e), ClientHelloViolation::RetryDecryptFailed);
}

// ------------------------------------------------ the sealer's own checks

#[test]
fn the_sealer_refuses_what_is_not_its_placeholder() {
    let key = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 5);
    let mut sealer = sealer_for(&key);
    let inner = inner_hello(1);
    let encoded = encode_client_hello_inner_padded(&inner, &COMPRESS, 32).unwrap();
    let refuse = |sealer: &mut EchSealer, ech: Option<EchClientHello>, encoded: &[u8]| {
        let mut body = outer_body(&inner, ech.as_ref());
        let before = body.clone();
        let e = sealer.seal_client_hello(encoded, &mut body).unwrap_err();
        assert!(matches!(e, EchError::InvalidConfig(_)), "{e:?}");
        assert_eq!(e.alert(), AlertDescription::INTERNAL_ERROR);
        assert_eq!(body, before, "nothing written");
        assert_eq!(sealer.sealed(), 0, "nothing sealed");
    };
    // No ECH, or ECH inner.
    refuse(&mut sealer, None, &encoded);
    refuse(&mut sealer, Some(EchClientHello::Inner), &encoded);
    // A placeholder for another length.
    let longer = sealer.placeholder(encoded.len() + 1);
    refuse(&mut sealer, Some(longer), &encoded);
    // Another config_id or suite.
    for change in [
        |o: &mut EchOuter| o.config_id ^= 1,
        |o: &mut EchOuter| o.cipher_suite = CHACHA,
    ] {
        let mut ph = sealer.placeholder(encoded.len());
        if let EchClientHello::Outer(o) = &mut ph {
            change(o);
        }
        refuse(&mut sealer, Some(ph), &encoded);
    }

    // A hand-made choice the config does not advertise.
    let list = key.config_list();
    let mut chosen = list.select(provider()).unwrap();
    chosen.suite.aead = HpkeAeadId::CHACHA20_POLY1305;
    assert!(matches!(
        EchSealer::new(provider(), &chosen, &OsRandom),
        Err(EchError::InvalidConfig(_))
    ));
}

#[test]
fn sealing_is_deterministic_under_a_scripted_source() {
    // Sans-IO: the ephemeral key is the only randomness (32 bytes drawn).
    struct Fixed;
    impl SecureRandom for Fixed {
        fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
            dest.fill(0x42);
            Ok(())
        }
    }
    let key = key(HpkeKemId::DHKEM_X25519_HKDF_SHA256, &[AES128], 5);
    let list = key.config_list();
    let chosen = list.select(provider()).unwrap();
    let run = || {
        let mut s = EchSealer::new(provider(), &chosen, &Fixed).unwrap();
        seal(&mut s, &inner_hello(1)).sealed
    };
    assert_eq!(run(), run());
}
