//! The ClientHello is encoded straight from the configuration; only a
//! client hello hook makes it a `ClientHello` value first (read back, edited,
//! encoded again). Both ways must give the same bytes, binder included,
//! with the extensions in the order the replays of RFC 8448 rely on.

use std::sync::Arc;

use tls13::ClientConnection;
use tls13::certgen::KeyType;
use tls13::crypto::SecureRandom;
use tls13::crypto::hash::HashAlgorithm;
use tls13::error::Error;
use tls13::resumption::ExternalPsk;
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{CertificateType, ExtensionType, NamedGroup};
use tls13::unstable::msgs::handshake::{ClientHello, HandshakeMessage};
use tls13::verify::SingleClientCert;

#[path = "pair/mod.rs"]
mod pair;

/// The same bytes on every draw, so that two connections built alike
/// send the same hello.
struct Fixed;

impl SecureRandom for Fixed {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        dest.fill(0x42);
        Ok(())
    }
}

type Variant = fn(tls13::config::ClientConfigBuilder) -> tls13::config::ClientConfigBuilder;

/// The first ClientHello `builder` sends, and its parsed value.
fn first_hello(builder: tls13::config::ClientConfigBuilder) -> (Vec<u8>, ClientHello) {
    let config = Arc::new(builder.rng(Arc::new(Fixed)).build().unwrap());
    let c = ClientConnection::new(config, "example.com").unwrap();
    // One plaintext handshake record (middlebox mode sends no CCS before it).
    let out = c.pending_output();
    let raw = out[5..].to_vec();
    assert_eq!(usize::from(u16::from_be_bytes([out[3], out[4]])), raw.len());
    match HandshakeMessage::read_exact(&raw, "ClientHello").unwrap() {
        HandshakeMessage::ClientHello(ch) => (raw, ch),
        other => panic!("not a ClientHello: {other:?}"),
    }
}

fn variants() -> Vec<(&'static str, Variant)> {
    vec![
        ("defaults", |b| b),
        ("no middlebox compatibility", |b| b.middlebox_compat(false)),
        ("hybrid with an X25519 share", |b| {
            b.groups(&[NamedGroup::X25519MLKEM768, NamedGroup::X25519])
                .hybrid_x25519_share(true)
        }),
        ("ALPN, record size limit, raw public keys", |b| {
            b.alpn_protocols(&[b"h2", b"http/1.1"])
                .record_size_limit(Some(4096))
                .server_certificate_types(&[CertificateType::RAW_PUBLIC_KEY, CertificateType::X509])
        }),
        ("post-handshake auth", |b| {
            let id = pair::identity(KeyType::EcdsaP256);
            let key = tls13::crypto::sign::SigningKey::from_der(&id.key).unwrap();
            let ck = tls13::verify::CertifiedKey::new(vec![id.leaf.clone()], Arc::new(key));
            b.client_cert_resolver(Arc::new(SingleClientCert(Arc::new(ck))))
        }),
        ("external PSK", |b| {
            b.external_psk(
                ExternalPsk::new(b"psk identity", &[7; 32], HashAlgorithm::Sha256).unwrap(),
            )
        }),
    ]
}

#[test]
fn encoded_from_the_configuration_as_a_no_op_hook_would() {
    for (name, variant) in variants() {
        let (direct, hello) = first_hello(variant(pair::client_builder(KeyType::EcdsaP256)));
        let (hooked, _) = first_hello(
            variant(pair::client_builder(KeyType::EcdsaP256)).client_hello_hook(Arc::new(|_| {})),
        );
        assert_eq!(direct, hooked, "{name}");
        if name == "external PSK" {
            // The binder was filled in (not left zero).
            assert!(hello.find(ExtensionType::PRE_SHARED_KEY).is_some());
            assert_ne!(direct[direct.len() - 32..], [0; 32]);
        }
        // Canonical: the value encodes to the same bytes.
        assert_eq!(
            HandshakeMessage::ClientHello(hello.clone()).to_bytes(),
            direct,
            "{name}"
        );
        // The order RFC 8446's examples and our RFC 8448 replays use.
        let order: Vec<ExtensionType> = hello.extensions.iter().map(|e| e.typ()).collect();
        let rank = |t: &ExtensionType| {
            [
                ExtensionType::SERVER_NAME,
                ExtensionType::SUPPORTED_GROUPS,
                ExtensionType::SIGNATURE_ALGORITHMS,
                ExtensionType::RECORD_SIZE_LIMIT,
                ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION,
                ExtensionType::CLIENT_CERTIFICATE_TYPE,
                ExtensionType::SERVER_CERTIFICATE_TYPE,
                ExtensionType::SUPPORTED_VERSIONS,
                ExtensionType::KEY_SHARE,
                ExtensionType::PSK_KEY_EXCHANGE_MODES,
                ExtensionType::COOKIE,
                ExtensionType::POST_HANDSHAKE_AUTH,
                ExtensionType::EARLY_DATA,
                ExtensionType::PRE_SHARED_KEY,
            ]
            .iter()
            .position(|x| x == t)
            .unwrap_or_else(|| panic!("{name}: unexpected extension {t:?}"))
        };
        assert!(order.is_sorted_by_key(rank), "{name}: {order:?}");
    }
}

/// A hook that edits the hello still has its edits sent, and the binder
/// is computed over the edited hello.
#[test]
fn a_hook_edits_what_is_sent() {
    let (plain, _) = first_hello(pair::client_builder(KeyType::EcdsaP256));
    let (edited, hello) = first_hello(pair::client_builder(KeyType::EcdsaP256).client_hello_hook(
        Arc::new(|ch: &mut ClientHello| {
            ch.random = [9; 32];
            ch.extensions
                .retain(|e| e.typ() != ExtensionType::SERVER_NAME);
        }),
    ));
    assert_ne!(plain, edited);
    assert_eq!(hello.random, [9; 32]);
    assert!(hello.find(ExtensionType::SERVER_NAME).is_none());
}
