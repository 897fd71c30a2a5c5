//! Certificates with RSASSA-PSS keys (an `id-RSASSA-PSS`
//! SubjectPublicKeyInfo, RFC 4055 §3.1), in memory (tests/pair), with
//! every provider. The certificates and keys are OpenSSL's
//! (`tests/rsa_pss/`, made by `tests/rsa_pss/make.sh`): a root whose PSS
//! key is restricted to SHA-256, an intermediate restricted to SHA-384,
//! leaves with an unrestricted key, a SHA-256 key and a SHA-512 client key.
//!
//! What is checked: the keys load with their restrictions and sign only
//! what those allow; a server and a client authenticate with them
//! (`rsa_pss_pss_*`, RFC 9846 §4.2.3) through full chain validation; a
//! peer whose CertificateVerify uses a scheme its PSS key does not allow
//! (another hash, or an `rsa_pss_rsae_*` scheme) is refused with
//! `illegal_parameter`; a chain whose PSS-keyed CA signed outside its
//! parameters (another hash, PKCS#1 v1.5) is refused, and a PSS key below
//! 2048 bits too.

mod pair;
#[path = "providers/mod.rs"]
mod providers;

use std::sync::Arc;

use pair::{Clock, Feed, Pair, has_complete};
use providers::providers;
use tls13::config::ClientAuth;
use tls13::crypto::sign::{DigestAlgorithm, KeyKind, PssKeyParams, SigningKey};
use tls13::crypto::{CryptoProvider, SecureRandom};
use tls13::error::{CertificateError, PeerIncompatible, PeerMisbehaved};
use tls13::verify::SingleCertResolver;
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::x509::{Policy, TrustAnchor};
use tls13::{
    AlertDescription, CertifiedKey, ClientConfig, Decision, Error, ServerCertVerifier,
    ServerConfig, ServerName, SignatureScheme, Signer, SingleClientCert,
};

/// Inside the fixtures' validity (they were made on 2026-12-05 for a
/// century): 2027-01-15.
const NOW: u64 = 1_800_000_000;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/rsa_pss/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn cert(name: &str) -> Vec<u8> {
    let mut v = tls13::crypto::pem::certificates(&fixture(name)).unwrap();
    assert_eq!(v.len(), 1, "{name}");
    v.remove(0)
}

fn key(p: &'static CryptoProvider, name: &str) -> SigningKey {
    p.load_private_key_pem(&fixture(name))
        .unwrap_or_else(|e| panic!("{name} [{}]: {e}", p.name))
}

/// The same RSA key with an `rsaEncryption` identity: the RSAPrivateKey
/// inside the PKCS#8 of `name` (which signs `rsa_pss_rsae_*`).
fn plain_twin(name: &str) -> SigningKey {
    let der = tls13::crypto::pem::parse(&fixture(name))
        .unwrap()
        .remove(0)
        .1;
    // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING }
    let (_, body, _) = split_tlv(&der);
    let (_, _, rest) = split_tlv(body); // version
    let (_, _, rest) = split_tlv(rest); // algorithm
    let (tag, pkcs1, _) = split_tlv(rest);
    assert_eq!(tag, 0x04);
    let key = SigningKey::from_der(pkcs1).unwrap();
    assert!(matches!(key.kind(), KeyKind::Rsa(_)));
    key
}

/// (tag, contents, rest) of a DER TLV (definite lengths up to 2 octets).
fn split_tlv(b: &[u8]) -> (u8, &[u8], &[u8]) {
    let (len, hdr) = match b[1] {
        n if n < 0x80 => (n as usize, 2),
        0x81 => (b[2] as usize, 3),
        0x82 => (((b[2] as usize) << 8) | b[3] as usize, 4),
        _ => panic!("length form"),
    };
    (b[0], &b[hdr..hdr + len], &b[hdr + len..])
}

fn policy(p: &'static CryptoProvider) -> Policy {
    Policy {
        provider: p,
        ..Policy::default()
    }
}

fn anchors() -> Vec<TrustAnchor> {
    TrustAnchor::from_pem(&fixture("root.pem")).unwrap()
}

fn server_verifier(p: &'static CryptoProvider) -> WebPkiServerVerifier {
    WebPkiServerVerifier::new(anchors(), policy(p))
}

fn client_config(p: &'static CryptoProvider) -> tls13::config::ClientConfigBuilder {
    ClientConfig::builder(Arc::new(server_verifier(p)))
        .provider(p)
        .time(Clock::at(NOW * 1000))
}

fn server_config(
    p: &'static CryptoProvider,
    leaf: &str,
    key_file: &str,
) -> tls13::config::ServerConfigBuilder {
    ServerConfig::builder_with_single_cert(vec![cert(leaf), cert("int.pem")], key(p, key_file))
        .provider(p)
        .time(Clock::at(NOW * 1000))
}

#[test]
fn pss_keys_load_with_their_restrictions() {
    for p in providers() {
        let k = key(p, "server.key");
        assert_eq!(
            k.kind(),
            KeyKind::RsaPss {
                bits: 2048,
                params: PssKeyParams::UNRESTRICTED
            },
            "{}",
            p.name
        );
        assert_eq!(
            k.schemes(),
            [
                SignatureScheme::RSA_PSS_PSS_SHA256,
                SignatureScheme::RSA_PSS_PSS_SHA384,
                SignatureScheme::RSA_PSS_PSS_SHA512
            ]
        );
        // The SubjectPublicKeyInfo we derive is the certificate's, byte
        // for byte (the peer checks CertificateVerify against that).
        let spki = tls13::crypto::sign::certificate_spki(&cert("server.pem"))
            .unwrap()
            .to_vec();
        assert_eq!(k.public_key_spki(), spki, "{}", p.name);

        let k = key(p, "server256.key");
        assert_eq!(
            k.kind(),
            KeyKind::RsaPss {
                bits: 2048,
                params: PssKeyParams {
                    hash: Some(DigestAlgorithm::Sha256),
                    min_salt_len: 32
                }
            }
        );
        assert_eq!(k.schemes(), [SignatureScheme::RSA_PSS_PSS_SHA256]);
        assert!(
            k.matches_spki(tls13::crypto::sign::certificate_spki(&cert("server256.pem")).unwrap())
        );

        let k = key(p, "client512.key");
        assert_eq!(
            k.kind(),
            KeyKind::RsaPss {
                bits: 3072,
                params: PssKeyParams {
                    hash: Some(DigestAlgorithm::Sha512),
                    min_salt_len: 64
                }
            }
        );
        assert_eq!(k.schemes(), [SignatureScheme::RSA_PSS_PSS_SHA512]);

        // SHA-256 with a salt of at least 64: no TLS 1.3 scheme fits.
        let e = p
            .load_private_key_pem(&fixture("salt64.key"))
            .expect_err("a PSS key no scheme can use");
        assert!(
            matches!(&e, Error::BadConfig(m) if m.contains("salt")),
            "{e}"
        );
    }
}

#[test]
fn a_restricted_key_never_signs_with_another_hash() {
    let rng = tls13::crypto::OsRandom;
    for p in providers() {
        let k = key(p, "server256.key");
        let spki = k.public_key_spki();
        assert_eq!(
            k.choose_scheme(&[
                SignatureScheme::RSA_PSS_PSS_SHA512,
                SignatureScheme::RSA_PSS_PSS_SHA384,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme::ECDSA_SECP256R1_SHA256,
            ]),
            None
        );
        assert_eq!(
            k.choose_scheme(&[
                SignatureScheme::RSA_PSS_PSS_SHA384,
                SignatureScheme::RSA_PSS_PSS_SHA256
            ]),
            Some(SignatureScheme::RSA_PSS_PSS_SHA256)
        );
        for wrong in [
            SignatureScheme::RSA_PSS_PSS_SHA384,
            SignatureScheme::RSA_PSS_PSS_SHA512,
            SignatureScheme::RSA_PSS_RSAE_SHA256,
        ] {
            assert!(
                matches!(k.sign(wrong, b"m", &rng), Err(Error::SigningFailed(_))),
                "{wrong:?} [{}]",
                p.name
            );
        }
        let sig = k
            .sign(SignatureScheme::RSA_PSS_PSS_SHA256, b"m", &rng)
            .unwrap();
        for q in providers() {
            assert_eq!(
                tls13::crypto::sign::verify_with(
                    q.signatures,
                    &spki,
                    SignatureScheme::RSA_PSS_PSS_SHA256,
                    b"m",
                    &sig,
                    2048
                ),
                Ok(())
            );
            // The same bytes under the rsae scheme: refused, the key's OID
            // decides (RFC 9846 §4.2.3).
            assert_eq!(
                tls13::crypto::sign::verify_with(
                    q.signatures,
                    &spki,
                    SignatureScheme::RSA_PSS_RSAE_SHA256,
                    b"m",
                    &sig,
                    2048
                ),
                Err(tls13::crypto::sign::VerifyError::SchemeMismatch)
            );
        }
        // Through the provider's own signer too, not only `SigningKey`.
        let der = tls13::crypto::pem::parse(&fixture("server256.key"))
            .unwrap()
            .remove(0)
            .1;
        let raw = p.keys.load(&der).unwrap();
        assert!(
            raw.sign(SignatureScheme::RSA_PSS_PSS_SHA384, b"m", &rng)
                .is_err()
        );
        assert!(
            raw.sign(SignatureScheme::RSA_PSS_RSAE_SHA256, b"m", &rng)
                .is_err()
        );
    }
}

fn handshake(client: ClientConfig, server: ServerConfig) -> Pair {
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run()
        .unwrap_or_else(|(c, e)| panic!("handshake failed (client side: {c}): {e}"));
    assert!(has_complete(&p.client_events) && has_complete(&p.server_events));
    let mut data = b"over PSS".to_vec();
    p.client.send(&data).unwrap();
    p.run().unwrap();
    assert_eq!(p.server_data(), data);
    data.reverse();
    p.server.send(&data).unwrap();
    p.run().unwrap();
    assert_eq!(p.client_data(), data);
    p
}

#[test]
fn server_with_a_pss_certificate_through_a_pss_chain() {
    for p in providers() {
        for (leaf, key_file, offered, expected) in [
            (
                "server.pem",
                "server.key",
                None,
                SignatureScheme::RSA_PSS_PSS_SHA256,
            ),
            (
                "server.pem",
                "server.key",
                Some(&[SignatureScheme::RSA_PSS_PSS_SHA512][..]),
                SignatureScheme::RSA_PSS_PSS_SHA512,
            ),
            (
                "server256.pem",
                "server256.key",
                None,
                SignatureScheme::RSA_PSS_PSS_SHA256,
            ),
        ] {
            let mut c = client_config(p);
            if let Some(s) = offered {
                c = c.signature_schemes(s);
            }
            let pair = handshake(
                c.build().unwrap(),
                server_config(p, leaf, key_file).build().unwrap(),
            );
            let n = pair.client.negotiated();
            assert_eq!(n.signature_scheme, Some(expected), "{leaf} [{}]", p.name);
            assert_eq!(n.peer_certificates.first(), Some(&cert(leaf)));
        }
    }
}

#[test]
fn no_scheme_the_restricted_key_allows_is_handshake_failure() {
    for p in providers() {
        // Everything but rsa_pss_pss_sha256, which the key is restricted to.
        let offered: Vec<_> = tls13::crypto::sign::SUPPORTED_SCHEMES
            .iter()
            .copied()
            .filter(|s| *s != SignatureScheme::RSA_PSS_PSS_SHA256)
            .collect();
        let client = client_config(p)
            .signature_schemes(&offered)
            .build()
            .unwrap();
        let server = server_config(p, "server256.pem", "server256.key")
            .build()
            .unwrap();
        let mut pair = Pair::new(client, server, Feed::Whole);
        let (client_side, e) = pair.run().unwrap_err();
        assert!(!client_side);
        assert_eq!(e, PeerIncompatible::NoCommonSignatureScheme.into());
        let alert = pair.server.pending_output().to_vec();
        assert_eq!(
            pair.client.receive(&alert).unwrap_err(),
            Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE)
        );
    }
}

#[test]
fn client_with_a_pss_certificate() {
    for p in providers() {
        let server = server_config(p, "server.pem", "server.key")
            .client_auth(ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(
                anchors(),
                policy(p),
            ))))
            .build()
            .unwrap();
        let client = client_config(p)
            .client_auth_cert(
                vec![cert("client512.pem"), cert("int.pem")],
                key(p, "client512.key"),
            )
            .build()
            .unwrap();
        let pair = handshake(client, server);
        let n = pair.server.negotiated();
        assert_eq!(
            n.client_signature_scheme,
            Some(SignatureScheme::RSA_PSS_PSS_SHA512),
            "{}",
            p.name
        );
        assert_eq!(n.peer_certificates.first(), Some(&cert("client512.pem")));
    }
}

#[test]
fn a_client_key_the_server_schemes_exclude_is_not_used() {
    // The server accepts rsa_pss_pss_sha256 only; the client's key is
    // restricted to SHA-512: it sends no certificate rather than sign
    // outside its parameters, and the server requires one.
    for p in providers() {
        let verifier = tls13::PinnedClientCertVerifier::new(vec![cert("client512.pem")])
            .with_schemes(&[SignatureScheme::RSA_PSS_PSS_SHA256]);
        let server = server_config(p, "server.pem", "server.key")
            .client_auth(ClientAuth::Required(Arc::new(verifier)))
            .build()
            .unwrap();
        let client = client_config(p)
            .client_auth_cert(vec![cert("client512.pem")], key(p, "client512.key"))
            .build()
            .unwrap();
        let mut pair = Pair::new(client, server, Feed::Whole);
        let (client_side, e) = pair.run().unwrap_err();
        assert!(!client_side);
        assert_eq!(e, PeerIncompatible::CertificateRequired.into());
    }
}

/// Claims `claimed` and signs with `used` using the same RSA key as an
/// rsaEncryption key: a peer that signs outside what its certificate's
/// PSS key allows.
struct OutsideParameters {
    claimed: SignatureScheme,
    used: SignatureScheme,
    key: SigningKey,
}

impl Signer for OutsideParameters {
    fn schemes(&self) -> Vec<SignatureScheme> {
        vec![self.claimed]
    }
    fn sign(
        &self,
        _scheme: SignatureScheme,
        message: &[u8],
        rng: &dyn SecureRandom,
    ) -> Decision<Result<Vec<u8>, Error>> {
        Decision::Ready(self.key.sign(self.used, message, rng))
    }
}

fn outside(claimed: SignatureScheme, used: SignatureScheme, key_file: &str) -> Arc<dyn Signer> {
    Arc::new(OutsideParameters {
        claimed,
        used,
        key: plain_twin(key_file),
    })
}

fn scheme_mismatch() -> Error {
    PeerMisbehaved::IllegalParameter("signature scheme does not match the certificate key").into()
}

#[test]
fn a_server_signing_outside_its_pss_parameters_is_refused() {
    for p in providers() {
        for (claimed, used) in [
            // The certificate's key is restricted to SHA-256.
            (
                SignatureScheme::RSA_PSS_PSS_SHA384,
                SignatureScheme::RSA_PSS_RSAE_SHA384,
            ),
            // An rsae scheme with a PSS key (RFC 9846 §4.2.3).
            (
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ),
        ] {
            let ck = CertifiedKey::new(
                vec![cert("server256.pem"), cert("int.pem")],
                outside(claimed, used, "server256.key"),
            );
            let server = ServerConfig::builder(Arc::new(SingleCertResolver(Arc::new(ck))))
                .provider(p)
                .time(Clock::at(NOW * 1000))
                .build()
                .unwrap();
            let client = client_config(p).build().unwrap();
            let mut pair = Pair::new(client, server, Feed::Whole);
            let (client_side, e) = pair.run().unwrap_err();
            assert!(client_side, "the client detects it");
            assert_eq!(e, scheme_mismatch(), "{claimed:?} [{}]", p.name);
            assert_eq!(e.alert(), Some(AlertDescription::ILLEGAL_PARAMETER));
            let alert = pair.client.pending_output().to_vec();
            assert_eq!(
                pair.server.receive(&alert).unwrap_err(),
                Error::AlertReceived(AlertDescription::ILLEGAL_PARAMETER)
            );
        }
    }
}

#[test]
fn a_client_signing_outside_its_pss_parameters_is_refused() {
    for p in providers() {
        let server = server_config(p, "server.pem", "server.key")
            .client_auth(ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(
                anchors(),
                policy(p),
            ))))
            .build()
            .unwrap();
        // The client's key is restricted to SHA-512.
        let ck = CertifiedKey::new(
            vec![cert("client512.pem"), cert("int.pem")],
            outside(
                SignatureScheme::RSA_PSS_PSS_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                "client512.key",
            ),
        );
        let client = client_config(p)
            .client_cert_resolver(Arc::new(SingleClientCert(Arc::new(ck))))
            .build()
            .unwrap();
        let mut pair = Pair::new(client, server, Feed::Whole);
        let (client_side, e) = pair.run().unwrap_err();
        assert!(!client_side, "the server detects it");
        assert_eq!(e, scheme_mismatch(), "[{}]", p.name);
        let alert = pair.server.pending_output().to_vec();
        assert_eq!(
            pair.client.receive(&alert).unwrap_err(),
            Error::AlertReceived(AlertDescription::ILLEGAL_PARAMETER)
        );
    }
}

fn verify_chain(
    p: &'static CryptoProvider,
    leaf: &str,
    intermediate: &str,
) -> Result<(), CertificateError> {
    let name = ServerName::try_from("localhost").unwrap();
    match server_verifier(p).verify_server_cert(&cert(leaf), &[cert(intermediate)], &name, NOW) {
        Decision::Ready(r) => r,
        Decision::Deferred => panic!("deferred"),
    }
}

#[test]
fn chains_through_pss_keyed_cas() {
    for p in providers() {
        // Root (PSS, SHA-256) → intermediate (PSS, SHA-384) → leaves:
        // every signature within its signer's parameters.
        for leaf in ["server.pem", "server256.pem", "client512.pem"] {
            assert_eq!(
                verify_chain(p, leaf, "int.pem"),
                Ok(()),
                "{leaf} [{}]",
                p.name
            );
        }
        // Signed with the intermediate's key as rsaEncryption: RSASSA-PSS
        // with SHA-256, and PKCS#1 v1.5. Valid through the rsaEncryption
        // twin of the intermediate (the signatures are sound)…
        for leaf in ["wrong-hash.pem", "pkcs1v15.pem"] {
            assert_eq!(verify_chain(p, leaf, "int-plain.pem"), Ok(()), "{leaf}");
        }
        // …but not through the PSS intermediate, whose key allows only
        // RSASSA-PSS with SHA-384 (RFC 4055 §3.3, §1.2).
        for leaf in ["wrong-hash.pem", "pkcs1v15.pem"] {
            let e = verify_chain(p, leaf, "int.pem").unwrap_err();
            assert!(
                matches!(e, CertificateError::BadSignature { .. }),
                "{leaf} [{}]: {e}",
                p.name
            );
            assert!(e.to_string().contains("RSASSA-PSS parameters"), "{e}");
            assert_eq!(e.alert(), AlertDescription::BAD_CERTIFICATE);
        }
        // A PSS key below 2048 bits is refused like any RSA key.
        let e = verify_chain(p, "small.pem", "int.pem").unwrap_err();
        assert!(e.to_string().contains("RSA-1024"), "{e}");
    }
}

#[test]
fn a_pss_certificate_needs_its_own_key() {
    // The rsaEncryption twin of the key is the same RSA key, but not the
    // certificate's SubjectPublicKeyInfo: the peer would refuse its
    // rsae signatures, so the configuration is refused.
    let e = ServerConfig::builder_with_single_cert(
        vec![cert("server256.pem")],
        plain_twin("server256.key"),
    )
    .build()
    .unwrap_err();
    assert!(
        matches!(&e, Error::BadConfig(m) if m.contains("does not match")),
        "{e}"
    );
    let e = ServerConfig::builder_with_single_cert(
        vec![cert("server256.pem")],
        key(tls13::crypto::rustcrypto::provider(), "server.key"),
    )
    .build()
    .unwrap_err();
    assert!(matches!(e, Error::BadConfig(_)));
}
