//! End to end (in-memory pair, every provider): the AES-CCM suites, which
//! are off by default, and P-521 — secp521r1 key exchange,
//! ecdsa_secp521r1_sha512 in CertificateVerify on both sides, and chains
//! whose CA signs with ecdsa-with-SHA512 on a P-521 key, validated by the
//! WebPKI verifiers.

mod pair;
mod providers;

use std::sync::{Arc, OnceLock};

use pair::*;
use providers::providers;
use tls13::certgen::{self, Ca, ExtKeyUsage, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::{KeyKind, SigningKey};
use tls13::unstable::msgs::enums::{AlertDescription, CipherSuite, NamedGroup, SignatureScheme};
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::x509::{Policy, TrustAnchor};
use tls13::{ClientAuth, ClientConfig, Error, ServerConfig};

const CCM: [CipherSuite; 2] = [
    CipherSuite::TLS_AES_128_CCM_SHA256,
    CipherSuite::TLS_AES_128_CCM_8_SHA256,
];

/// Handshake, then 40 000 bytes each way (three records, two of them
/// full) and a KeyUpdate, under each CCM suite named on both sides.
#[test]
fn ccm_suites_handshake_and_data_every_provider() {
    let big: Vec<u8> = (0..40_000u32).map(|i| (i * 7) as u8).collect();
    for provider in providers() {
        for suite in CCM {
            for feed in [Feed::Whole, Feed::OneByte] {
                let ctx = format!("{} {suite:?} {feed:?}", provider.name);
                let client = client_builder(KeyType::EcdsaP256)
                    .provider(provider)
                    .suites(&[suite])
                    .build()
                    .unwrap();
                let server = server_builder_with(provider, KeyType::EcdsaP256)
                    .suites(&[CipherSuite::TLS_AES_128_GCM_SHA256, suite])
                    .build()
                    .unwrap();
                let mut p = Pair::new(client, server, feed);
                p.run().unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                for n in [p.client.negotiated(), p.server.negotiated()] {
                    assert_eq!(n.suite, Some(suite), "{ctx}");
                }
                if matches!(feed, Feed::OneByte) {
                    continue;
                }
                p.client.send(&big).unwrap();
                p.server.send(&big).unwrap();
                p.run().unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                assert_eq!(p.server_data(), big, "{ctx}");
                assert_eq!(p.client_data(), big, "{ctx}");
                p.client.update_keys(true).unwrap();
                p.client.send(b"after the update").unwrap();
                p.run().unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                assert_eq!(p.server_data(), b"after the update", "{ctx}");
            }
        }
    }
}

/// Off by default: a default client never offers them (a server that
/// takes only CCM fails the handshake), a default server never picks
/// them (a client offering CCM first and GCM after gets GCM; one
/// offering only CCM fails).
#[test]
fn ccm_suites_are_used_only_where_named() {
    let p = tls13::crypto::rustcrypto::provider();
    let ccm_server = || {
        server_builder_with(p, KeyType::EcdsaP256)
            .suites(&CCM)
            .build()
            .unwrap()
    };
    let default_client = || {
        client_builder(KeyType::EcdsaP256)
            .provider(p)
            .build()
            .unwrap()
    };
    let mut pair = Pair::new(default_client(), ccm_server(), Feed::Whole);
    let (_, e) = pair.run().unwrap_err();
    assert_eq!(
        e.alert(),
        Some(AlertDescription::HANDSHAKE_FAILURE),
        "{e:?}"
    );

    let client = client_builder(KeyType::EcdsaP256)
        .provider(p)
        .suites(&[
            CipherSuite::TLS_AES_128_CCM_SHA256,
            CipherSuite::TLS_AES_128_GCM_SHA256,
        ])
        .build()
        .unwrap();
    let server = server_builder_with(p, KeyType::EcdsaP256).build().unwrap();
    let mut pair = Pair::new(client, server, Feed::Whole);
    pair.run().unwrap();
    assert_eq!(
        pair.client.negotiated().suite,
        Some(CipherSuite::TLS_AES_128_GCM_SHA256)
    );

    let client = client_builder(KeyType::EcdsaP256)
        .provider(p)
        .suites(&CCM)
        .build()
        .unwrap();
    let server = server_builder_with(p, KeyType::EcdsaP256).build().unwrap();
    let mut pair = Pair::new(client, server, Feed::Whole);
    let (_, e) = pair.run().unwrap_err();
    assert_eq!(
        e.alert(),
        Some(AlertDescription::HANDSHAKE_FAILURE),
        "{e:?}"
    );

    for cfg_suites in [
        default_client().suites().to_vec(),
        server_builder_with(p, KeyType::EcdsaP256)
            .build()
            .unwrap()
            .suites()
            .to_vec(),
    ] {
        assert!(cfg_suites.iter().all(|s| !CCM.contains(&s.suite)));
    }
}

/// A P-521 root, a P-521 server leaf and a P-521 client leaf, both
/// issued (ecdsa-with-SHA512) by the root.
struct P521Pki {
    root: Vec<u8>,
    server_chain: Vec<Vec<u8>>,
    server_key: Vec<u8>,
    client_chain: Vec<Vec<u8>>,
    client_key: Vec<u8>,
}

fn p521_pki() -> &'static P521Pki {
    static PKI: OnceLock<P521Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let rng = OsRandom;
        let root_key = certgen::generate_key(KeyType::EcdsaP521, &rng).unwrap();
        let root = Ca::new("P-521 test root", &root_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
        let server_key = certgen::generate_key(KeyType::EcdsaP521, &rng).unwrap();
        let server = root
            .issue(
                &[SubjectAltName::Dns("localhost".into())],
                &server_key,
                NOT_BEFORE,
                NOT_AFTER,
                &rng,
            )
            .unwrap();
        let client_key = certgen::generate_key(KeyType::EcdsaP521, &rng).unwrap();
        let client = root
            .issue_with_eku(
                &[SubjectAltName::Dns("client.test".into())],
                &SigningKey::from_der(&client_key).unwrap().public_key_spki(),
                &[ExtKeyUsage::ClientAuth],
                NOT_BEFORE,
                NOT_AFTER,
                &rng,
            )
            .unwrap();
        P521Pki {
            root: root.cert_der().to_vec(),
            server_chain: vec![server],
            server_key: server_key.to_vec(),
            client_chain: vec![client],
            client_key: client_key.to_vec(),
        }
    })
}

fn p521_configs(
    provider: &'static tls13::crypto::CryptoProvider,
    client_groups: &[NamedGroup],
) -> (ClientConfig, ServerConfig) {
    let pki = p521_pki();
    let anchor = || TrustAnchor::from_der(pki.root.clone()).unwrap();
    let client = ClientConfig::builder(Arc::new(WebPkiServerVerifier::new(
        vec![anchor()],
        Policy::default(),
    )))
    .provider(provider)
    .groups(client_groups)
    .client_auth_cert(
        pki.client_chain.clone(),
        provider.load_private_key(&pki.client_key).unwrap(),
    )
    .build()
    .unwrap();
    let server = ServerConfig::builder_with_single_cert(
        pki.server_chain.clone(),
        provider.load_private_key(&pki.server_key).unwrap(),
    )
    .provider(provider)
    .client_auth(ClientAuth::Required(Arc::new(WebPkiClientVerifier::new(
        vec![anchor()],
        Policy::default(),
    ))))
    .build()
    .unwrap();
    (client, server)
}

/// secp521r1 key exchange, P-521 CertificateVerify both ways and P-521
/// chains checked by the WebPKI verifiers, for every provider.
#[test]
fn p521_key_exchange_certificates_and_client_auth() {
    for provider in providers() {
        let ctx = provider.name;
        let (client, server) = p521_configs(provider, &[NamedGroup::SECP521R1]);
        let mut p = Pair::new(client, server, Feed::Whole);
        p.run().unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
        assert!(has_complete(&p.client_events) && has_complete(&p.server_events));
        for n in [p.client.negotiated(), p.server.negotiated()] {
            assert_eq!(n.group, Some(NamedGroup::SECP521R1), "{ctx}");
            assert_eq!(
                n.signature_scheme,
                Some(SignatureScheme::ECDSA_SECP521R1_SHA512),
                "{ctx}"
            );
            assert_eq!(
                n.client_signature_scheme,
                Some(SignatureScheme::ECDSA_SECP521R1_SHA512),
                "{ctx}"
            );
            assert!(!n.hello_retry, "{ctx}");
        }
        assert_eq!(
            p.server.negotiated().peer_certificates,
            p521_pki().client_chain
        );
        p.client.send(b"over P-521").unwrap();
        p.run().unwrap();
        assert_eq!(p.server_data(), b"over P-521");
    }
}

/// Defaults: a server takes a P-521-only client's share; a default
/// client lists secp521r1 without a share for it, so a server that
/// takes only P-521 gets it after a HelloRetryRequest.
#[test]
fn p521_is_in_the_default_groups_without_a_default_share() {
    let provider = tls13::crypto::rustcrypto::provider();
    let groups = |c: &ClientConfig| c.groups().to_vec();
    let default_client = client_builder(KeyType::EcdsaP256)
        .provider(provider)
        .build()
        .unwrap();
    assert_eq!(groups(&default_client).last(), Some(&NamedGroup::SECP521R1));

    let client = client_builder(KeyType::EcdsaP256)
        .provider(provider)
        .groups(&[NamedGroup::SECP521R1])
        .build()
        .unwrap();
    let server = server_builder_with(provider, KeyType::EcdsaP256)
        .build()
        .unwrap();
    let mut p = Pair::new(client, server, Feed::Whole);
    p.run().unwrap();
    assert_eq!(p.server.negotiated().group, Some(NamedGroup::SECP521R1));
    assert!(!p.server.negotiated().hello_retry);

    let server = server_builder_with(provider, KeyType::EcdsaP256)
        .groups(&[NamedGroup::SECP521R1])
        .build()
        .unwrap();
    let mut p = Pair::new(default_client, server, Feed::Whole);
    p.run().unwrap();
    assert_eq!(p.client.negotiated().group, Some(NamedGroup::SECP521R1));
    assert!(p.client.negotiated().hello_retry);
}

/// P-521 keys load from PKCS#8 and SEC1, DER and PEM, with every
/// provider, and sign only with ecdsa_secp521r1_sha512.
#[test]
fn p521_keys_load_from_pkcs8_and_sec1() {
    use p521::elliptic_curve::pkcs8::DecodePrivateKey;
    let pkcs8 = certgen::generate_key(KeyType::EcdsaP521, &OsRandom).unwrap();
    let sec1 = p521::SecretKey::from_pkcs8_der(&pkcs8)
        .unwrap()
        .to_sec1_der()
        .unwrap();
    for provider in providers() {
        let a = provider.load_private_key(&pkcs8).unwrap();
        let b = provider.load_private_key(&sec1).unwrap();
        let c = provider
            .load_private_key_pem(&certgen::to_pem("EC PRIVATE KEY", &sec1))
            .unwrap();
        let d = provider
            .load_private_key_pem(&certgen::to_pem("PRIVATE KEY", &pkcs8))
            .unwrap();
        for k in [&a, &b, &c, &d] {
            assert_eq!(k.kind(), KeyKind::EcdsaP521, "{}", provider.name);
            assert_eq!(k.public_key_spki(), a.public_key_spki());
            assert_eq!(k.schemes(), [SignatureScheme::ECDSA_SECP521R1_SHA512]);
        }
        let sig = a
            .sign(SignatureScheme::ECDSA_SECP521R1_SHA512, b"m", &OsRandom)
            .unwrap();
        assert_eq!(
            tls13::crypto::sign::verify_with(
                provider.signatures,
                &a.public_key_spki(),
                SignatureScheme::ECDSA_SECP521R1_SHA512,
                b"m",
                &sig,
                2048
            ),
            Ok(())
        );
        assert!(matches!(
            a.sign(SignatureScheme::ECDSA_SECP384R1_SHA384, b"m", &OsRandom),
            Err(Error::SigningFailed(_))
        ));
    }
    assert_eq!(
        SigningKey::from_der(&pkcs8).unwrap().kind(),
        KeyKind::EcdsaP521
    );
}
