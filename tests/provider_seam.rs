//! The provider seam holds what the library promises whatever the
//! provider: an embedder's group cannot weaken the key schedule, a
//! HelloRetryRequest is judged by the config's provider, and a key is
//! parsed and refused the same way before any provider sees it.

mod providers;

use std::sync::Arc;

use tls13::certgen::{self, KeyType, SubjectAltName};
use tls13::crypto::kx::{ActiveKeyExchange, KeyExchange, KxGroup, SharedSecret};
use tls13::crypto::sign::{self, SigningKey, VerifyError};
use tls13::crypto::{self, CryptoProvider, OsRandom, SecureRandom};
use tls13::{
    ClientConfig, ClientConnection, Connection, Error, NamedGroup, PinnedCertVerifier,
    ServerConfig, ServerConnection, SignatureScheme,
};

/// A group whose two sides end with independent random 66-byte secrets:
/// a correct handshake must fail at Finished.
struct Disagreeing;
struct DisagreeingClient([u8; 133]);

fn share(rng: &dyn SecureRandom) -> Result<[u8; 133], Error> {
    let mut pk = [0u8; 133];
    rng.fill(&mut pk)?;
    pk[0] = 4;
    Ok(pk)
}

fn random_secret() -> Result<SharedSecret, Error> {
    let mut secret = [0u8; 66];
    OsRandom.fill(&mut secret)?;
    SharedSecret::from_parts(&[&secret])
}

impl KxGroup for Disagreeing {
    fn group(&self) -> NamedGroup {
        NamedGroup::SECP521R1
    }
    fn start(&self, rng: &dyn SecureRandom) -> Result<KeyExchange, Error> {
        Ok(KeyExchange::boxed(
            NamedGroup::SECP521R1,
            Box::new(DisagreeingClient(share(rng)?)),
        ))
    }
    fn server_exchange(
        &self,
        _client_share: &[u8],
        rng: &dyn SecureRandom,
    ) -> Result<(Vec<u8>, SharedSecret), Error> {
        Ok((share(rng)?.to_vec(), random_secret()?))
    }
}

impl ActiveKeyExchange for DisagreeingClient {
    fn public_key(&self) -> &[u8] {
        &self.0
    }
    fn complete(self: Box<Self>, _server_share: &[u8]) -> Result<SharedSecret, Error> {
        random_secret()
    }
}

static DISAGREEING: Disagreeing = Disagreeing;
static ONLY_DISAGREEING: CryptoProvider = CryptoProvider {
    name: "disagreeing",
    groups: &[&DISAGREEING],
    ..crypto::rustcrypto::PROVIDER
};
static X25519_AND_DISAGREEING: CryptoProvider = CryptoProvider {
    name: "mix",
    groups: &[crypto::rustcrypto::PROVIDER.groups[1], &DISAGREEING],
    ..crypto::rustcrypto::PROVIDER
};

fn pump(from: &mut Connection, to: &mut Connection) -> Result<bool, Error> {
    let out = from.pending_output().to_vec();
    from.consume_output(out.len());
    if !out.is_empty() {
        to.receive(&out)?;
    }
    Ok(!out.is_empty())
}

fn handshake(
    provider: &'static CryptoProvider,
    server_groups: Option<&[NamedGroup]>,
    client_groups: Option<&[NamedGroup]>,
) -> Result<Vec<u8>, Error> {
    let key = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    let names = [SubjectAltName::Dns("a.example".into())];
    let cert = certgen::self_signed(&names, &key, 0, 4_000_000_000, &OsRandom).unwrap();
    let mut sb = ServerConfig::builder_with_single_cert(
        vec![cert.clone()],
        SigningKey::from_der(&key).unwrap(),
    )
    .provider(provider);
    if let Some(g) = server_groups {
        sb = sb.groups(g);
    }
    let mut cb = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(cert))).provider(provider);
    if let Some(g) = client_groups {
        cb = cb.groups(g);
    }
    let mut client = ClientConnection::new(Arc::new(cb.build().unwrap()), "a.example").unwrap();
    let mut server = ServerConnection::new(Arc::new(sb.build().unwrap())).unwrap();
    client.send(b"secret data").unwrap();
    while pump(&mut client, &mut server)? | pump(&mut server, &mut client)? {}
    Ok(server.received_data().to_vec())
}

#[test]
fn a_shared_secret_is_never_cut_short() {
    // 66 bytes (P-521's x-coordinate) is the longest; one more is refused.
    assert!(SharedSecret::from_parts(&[&[7u8; 67]]).is_err());
    assert_eq!(SharedSecret::from_parts(&[&[7u8; 66]]).unwrap().len(), 66);
    assert!(SharedSecret::from_parts(&[&[7u8; 32], &[8u8; 48]]).is_err());
    assert!(SharedSecret::from_parts(&[&[7u8; 34], &[8u8; 33]]).is_err());
    assert!(SharedSecret::from_parts(&[]).is_err());
    let s = SharedSecret::from_parts(&[&[7u8; 32], &[8u8; 32]]).unwrap();
    assert_eq!(s.len(), 64);
}

#[test]
fn a_group_whose_sides_disagree_fails_the_handshake() {
    let r = handshake(&ONLY_DISAGREEING, None, None);
    assert!(r.is_err(), "completed without a shared secret: {r:?}");
}

#[test]
fn hello_retry_to_a_group_only_the_configured_provider_has_is_followed() {
    // The server only takes the embedder's group: the client must retry
    // with it, judged by its own provider (not the default one); the
    // handshake then fails only at Finished (the group's sides disagree).
    let r = handshake(
        &X25519_AND_DISAGREEING,
        Some(&[NamedGroup::SECP521R1]),
        Some(&[NamedGroup::X25519, NamedGroup::SECP521R1]),
    );
    assert!(
        !matches!(r, Err(Error::PeerMisbehaved(_))),
        "the retry was refused: {r:?}"
    );
}

/// `spki` with its rsaEncryption AlgorithmIdentifier replaced.
fn rsa_spki_with_alg(spki: &[u8], replacement: &[u8]) -> Vec<u8> {
    let alg: [u8; 15] = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let pos = spki.windows(15).position(|w| w == alg).unwrap();
    let mut body = spki[4..pos].to_vec();
    body.extend_from_slice(replacement);
    body.extend_from_slice(&spki[pos + 15..]);
    let mut out = vec![0x30, 0x82];
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

#[test]
fn rsa_keys_in_certificate_verify_need_null_parameters() {
    let key =
        SigningKey::from_der(&certgen::generate_key(KeyType::Rsa2048, &OsRandom).unwrap()).unwrap();
    let spki = key.public_key_spki();
    let sig = key
        .sign(SignatureScheme::RSA_PSS_RSAE_SHA256, b"m", &OsRandom)
        .unwrap();
    assert_eq!(
        sign::verify(
            &spki,
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            b"m",
            &sig,
            2048
        ),
        Ok(())
    );
    let rsa_oid = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
    ];
    let absent = [&[0x30, 0x0b][..], &rsa_oid].concat();
    let p256_oid = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let oid_param = [&[0x30, 0x15][..], &rsa_oid, &p256_oid].concat();
    for alg in [absent, oid_param] {
        let s = rsa_spki_with_alg(&spki, &alg);
        for p in [crypto::rustcrypto::provider(), crypto::default_provider()] {
            assert_eq!(
                sign::verify_with(
                    p.signatures,
                    &s,
                    SignatureScheme::RSA_PSS_RSAE_SHA256,
                    b"m",
                    &sig,
                    2048
                ),
                Err(VerifyError::UnsupportedKey),
                "{}",
                p.name
            );
        }
    }
}

/// DER length octets.
fn der_len(n: usize) -> Vec<u8> {
    match n {
        0..=127 => vec![n as u8],
        128..=255 => vec![0x81, n as u8],
        _ => vec![0x82, (n >> 8) as u8, n as u8],
    }
}

fn der(tag: u8, body: &[u8]) -> Vec<u8> {
    [&[tag][..], &der_len(body.len()), body].concat()
}

/// An rsaEncryption SubjectPublicKeyInfo for modulus `n` and exponent `e`
/// (big-endian, without sign octets).
fn rsa_spki(n: &[u8], e: &[u8]) -> Vec<u8> {
    // Minimal DER: a sign octet only when the top bit is set.
    let int = |v: &[u8]| {
        let sign: &[u8] = if v[0] & 0x80 != 0 { &[0] } else { &[] };
        der(0x02, &[sign, v].concat())
    };
    let pkcs1 = der(0x30, &[int(n), int(e)].concat());
    let alg = [
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let bits = der(0x03, &[&[0u8][..], &pkcs1].concat());
    der(0x30, &[&alg[..], &bits].concat())
}

/// An embedder's verifier that accepts every signature: what the library
/// refuses before calling it, it refuses for every provider.
struct AcceptsAll;

impl sign::SignatureVerifier for AcceptsAll {
    fn verify(
        &self,
        _key: &sign::PublicKeyRef<'_>,
        _alg: sign::SignatureAlgorithm,
        _message: &[u8],
        _signature: &[u8],
    ) -> Result<(), sign::VerifyFailure> {
        Ok(())
    }
}

#[test]
fn rsa_keys_are_checked_before_any_provider_sees_them() {
    let n = vec![0xc5; 256]; // 2048 bits, odd
    let sig = vec![0x11; 256];
    let verify = |spki: &[u8]| {
        sign::verify_with(
            &AcceptsAll,
            spki,
            SignatureScheme::RSA_PSS_RSAE_SHA256,
            b"m",
            &sig,
            2048,
        )
    };
    // A well-formed key reaches the provider.
    assert_eq!(verify(&rsa_spki(&n, &[1, 0, 1])), Ok(()));
    let mut even_n = n.clone();
    *even_n.last_mut().unwrap() = 0xc4;
    let cases: [(&str, Vec<u8>); 6] = [
        ("exponent 1", rsa_spki(&n, &[1])),
        ("even exponent", rsa_spki(&n, &[1, 0, 0])),
        ("exponent 2^33", rsa_spki(&n, &[2, 0, 0, 0, 0])),
        (
            "exponent 2^64+1",
            rsa_spki(&n, &[1, 0, 0, 0, 0, 0, 0, 0, 1]),
        ),
        ("even modulus", rsa_spki(&even_n, &[1, 0, 1])),
        ("8200-bit modulus", rsa_spki(&[0xc5; 1025], &[1, 0, 1])),
    ];
    for (what, spki) in cases {
        assert_eq!(verify(&spki), Err(VerifyError::UnsupportedKey), "{what}");
        // The built-in providers agree.
        for p in [crypto::rustcrypto::provider(), crypto::default_provider()] {
            assert_eq!(
                sign::verify_with(
                    p.signatures,
                    &spki,
                    SignatureScheme::RSA_PSS_RSAE_SHA256,
                    b"m",
                    &sig,
                    2048
                ),
                Err(VerifyError::UnsupportedKey),
                "{what} with {}",
                p.name
            );
        }
    }
}

/// SHA-256 that drops the last byte of every output, as an embedder's
/// hash might by a length mix-up: HKDF would take the short outputs on
/// trust, so the config build must refuse the provider.
struct ShortSha256;

impl tls13::crypto::hash::HashFunction for ShortSha256 {
    fn algorithm(&self) -> tls13::crypto::hash::HashAlgorithm {
        tls13::crypto::hash::HashAlgorithm::Sha256
    }
    fn hash(&self, data: &[u8]) -> tls13::crypto::hash::Output {
        let full = self.real().hash(data);
        tls13::crypto::hash::Output::new(&full.as_ref()[..31])
    }
    fn start(&self) -> tls13::crypto::hash::HashContext {
        self.real().start()
    }
    fn hmac(&self, key: &[u8], parts: &[&[u8]]) -> tls13::crypto::hash::Output {
        self.real().hmac(key, parts)
    }
}

impl ShortSha256 {
    fn real(&self) -> tls13::crypto::hash::Hash {
        crypto::rustcrypto::PROVIDER.hash(tls13::crypto::hash::HashAlgorithm::Sha256)
    }
}

static SHORT_SHA256: ShortSha256 = ShortSha256;
static SHORT_SUITES: [crypto::suites::SuiteParams; 1] = [crypto::suites::SuiteParams {
    suite: tls13::CipherSuite::TLS_AES_128_GCM_SHA256,
    hash: tls13::crypto::hash::Hash::new(&SHORT_SHA256),
    aead: crypto::rustcrypto::PROVIDER.suites[0].aead,
}];
static SHORT_HASH_PROVIDER: CryptoProvider = CryptoProvider {
    name: "short-sha256",
    suites: &SHORT_SUITES,
    ..crypto::rustcrypto::PROVIDER
};

#[test]
fn a_provider_whose_hash_gives_wrong_answers_is_refused_at_build() {
    assert_eq!(
        crypto::rustcrypto::PROVIDER.suites[0].suite,
        tls13::CipherSuite::TLS_AES_128_GCM_SHA256
    );
    let key = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    let names = [SubjectAltName::Dns("a.example".into())];
    let cert = certgen::self_signed(&names, &key, 0, 4_000_000_000, &OsRandom).unwrap();
    let client = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(cert.clone())))
        .provider(&SHORT_HASH_PROVIDER)
        .build();
    let server =
        ServerConfig::builder_with_single_cert(vec![cert], SigningKey::from_der(&key).unwrap())
            .provider(&SHORT_HASH_PROVIDER)
            .build();
    for result in [client.map(|_| ()), server.map(|_| ())] {
        match result {
            Err(Error::BadConfig(msg)) => {
                assert!(
                    msg.contains("short-sha256") && msg.contains("wrong answers"),
                    "{msg}"
                )
            }
            other => panic!("expected BadConfig, got {other:?}"),
        }
    }
    // The same provider with the real hash builds.
    static REAL: CryptoProvider = CryptoProvider {
        name: "real",
        ..crypto::rustcrypto::PROVIDER
    };
    let key = certgen::generate_key(KeyType::EcdsaP256, &OsRandom).unwrap();
    let cert = certgen::self_signed(&names, &key, 0, 4_000_000_000, &OsRandom).unwrap();
    ClientConfig::builder(Arc::new(PinnedCertVerifier::new(cert)))
        .provider(&REAL)
        .build()
        .unwrap();
}

/// Static keys (`KxGroup::static_key`, which HPKE's DHKEM uses): every
/// built-in provider has them for X25519, P-256 and P-384, gives the same
/// public key for the same bytes, and refuses an encoding of the wrong
/// length, zero, or not below the group order. The hybrid has none, nor
/// has an embedder's group that does not implement them.
#[test]
fn static_keys_load_alike_and_refuse_bad_encodings() {
    let h = |s: &str| hex::decode(s).unwrap();
    // RFC 7748 §6.1: Alice's private and public keys.
    let alice = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let alice_pub = h("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    // SEC 2 §2.4.2 and §2.5.1: the orders and base points of P-256, P-384.
    let nist = [
        (
            NamedGroup::SECP256R1,
            h("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"),
            h(
                "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
               4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            ),
        ),
        (
            NamedGroup::SECP384R1,
            h("ffffffffffffffffffffffffffffffffffffffffffffffff\
               c7634d81f4372ddf581a0db248b0a77aecec196accc52973"),
            h("04aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b98\
               59f741e082542a385502f25dbf55296c3a545e3872760ab7\
               3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147c\
               e9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f"),
        ),
    ];
    for p in providers::providers() {
        let name = p.name;
        let x25519 = p.group(NamedGroup::X25519).unwrap();
        let key = x25519.static_key(&alice).unwrap().unwrap();
        assert_eq!(key.public_key(), alice_pub, "{name}");
        for len in [0, 31, 33] {
            assert!(
                x25519.static_key(&vec![1; len]).unwrap().is_err(),
                "{name}: {len} bytes"
            );
        }
        for (group, order, base) in &nist {
            let g = p.group(*group).unwrap();
            let len = order.len();
            let mut one = vec![0u8; len];
            one[len - 1] = 1;
            assert_eq!(
                g.static_key(&one).unwrap().unwrap().public_key(),
                base,
                "{name} {group:?}: 1G"
            );
            let mut below = order.clone();
            below[len - 1] -= 1;
            assert!(
                g.static_key(&below).unwrap().is_ok(),
                "{name} {group:?}: n-1"
            );
            assert!(g.static_key(order).unwrap().is_err(), "{name} {group:?}: n");
            assert!(
                g.static_key(&vec![0; len]).unwrap().is_err(),
                "{name} {group:?}: 0"
            );
            assert!(
                g.static_key(&vec![0xff; len]).unwrap().is_err(),
                "{name} {group:?}: > n"
            );
            assert!(
                g.static_key(&one[1..]).unwrap().is_err(),
                "{name} {group:?}: short"
            );
            assert!(
                g.static_key(&[&[0][..], &one].concat()).unwrap().is_err(),
                "{name} {group:?}: long"
            );
        }
        let hybrid = p.group(NamedGroup::X25519MLKEM768).unwrap();
        assert!(hybrid.static_key(&[1; 32]).is_none(), "{name}: hybrid");
    }
    assert!(Disagreeing.static_key(&[1; 66]).is_none());
}
