//! External-PSK-only configurations (issue 12, item 2): a device and a
//! gateway that share keys out of band and have no certificates — no
//! verifier or certificate resolver to fake, several identities on the
//! gateway, an unknown identity refused with `unknown_psk_identity` (RFC
//! 9846 §6.2; a full handshake is impossible without a certificate), and
//! psk_ke (no forward secrecy) only when both sides opt in.

use std::sync::Arc;

use tls13::crypto::hash::HashAlgorithm;
use tls13::error::PeerIncompatible;
use tls13::resumption::ExternalPsk;
use tls13::unstable::msgs::enums::{AlertDescription, PskKeyExchangeMode};
use tls13::{
    ClientAuth, ClientConfig, ClientConnection, Connection, Error, PinnedClientCertVerifier,
    ServerConfig, ServerConnection,
};

fn psk(identity: &str, byte: u8) -> ExternalPsk {
    ExternalPsk::new(identity.as_bytes(), &[byte; 32], HashAlgorithm::Sha256).unwrap()
}

fn gateway() -> Arc<ServerConfig> {
    Arc::new(
        ServerConfig::builder_psk_only([
            psk("sensor-1", 1),
            psk("sensor-2", 2),
            psk("sensor-3", 3),
        ])
        .build()
        .unwrap(),
    )
}

fn device(identity: &str, byte: u8) -> Arc<ClientConfig> {
    Arc::new(
        ClientConfig::builder_psk_only(psk(identity, byte))
            .build()
            .unwrap(),
    )
}

/// Moves bytes both ways until nothing moves or one side fails; the
/// first error of (client, server).
fn run(client: &mut Connection, server: &mut Connection) -> (Option<Error>, Option<Error>) {
    let (mut ce, mut se) = (None, None);
    loop {
        let c_out = client.pending_output().to_vec();
        client.consume_output(c_out.len());
        if !c_out.is_empty() && se.is_none() {
            se = server.receive(&c_out).err();
        }
        let s_out = server.pending_output().to_vec();
        server.consume_output(s_out.len());
        if !s_out.is_empty() && ce.is_none() {
            ce = client.receive(&s_out).err();
        }
        if c_out.is_empty() && s_out.is_empty() {
            return (ce, se);
        }
    }
}

fn connect(
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
) -> (
    ClientConnection,
    ServerConnection,
    Option<Error>,
    Option<Error>,
) {
    let mut c = ClientConnection::new(client, "gateway.local").unwrap();
    let mut s = ServerConnection::new(server).unwrap();
    let (ce, se) = run(&mut c, &mut s);
    (c, s, ce, se)
}

#[test]
fn psk_only_device_and_gateway_need_no_certificates() {
    let (mut c, mut s, ce, se) = connect(device("sensor-2", 2), gateway());
    assert!(ce.is_none() && se.is_none(), "{ce:?} {se:?}");
    assert!(!c.is_handshaking() && !s.is_handshaking());
    for n in [c.negotiated(), s.negotiated()] {
        assert!(n.resumed && n.external_psk, "{n:?}");
        assert!(n.peer_certificates.is_empty());
        assert!(n.signature_scheme.is_none(), "no CertificateVerify");
        // psk_dhe_ke by default: a fresh key exchange, forward secrecy.
        assert!(n.group.is_some(), "{n:?}");
    }
    c.send(b"21.5 C").unwrap();
    run(&mut c, &mut s);
    assert_eq!(s.received_data(), b"21.5 C");
}

#[test]
fn psk_only_gateway_accepts_each_of_its_identities() {
    let gw = gateway();
    for (id, byte) in [("sensor-1", 1), ("sensor-2", 2), ("sensor-3", 3)] {
        let (c, s, ce, se) = connect(device(id, byte), gw.clone());
        assert!(ce.is_none() && se.is_none(), "{id}: {ce:?} {se:?}");
        assert!(!c.is_handshaking() && !s.is_handshaking(), "{id}");
        // The gateway knows which device it talks to.
        assert_eq!(s.negotiated().psk_identity.as_deref(), Some(id.as_bytes()));
        assert_eq!(c.negotiated().psk_identity.as_deref(), Some(id.as_bytes()));
    }
}

#[test]
fn psk_only_gateway_refuses_an_unknown_identity_with_unknown_psk_identity() {
    let (_c, _s, ce, se) = connect(device("sensor-9", 9), gateway());
    assert_eq!(
        se,
        Some(Error::PeerIncompatible(
            PeerIncompatible::UnknownPskIdentity
        ))
    );
    assert_eq!(
        ce,
        Some(Error::AlertReceived(AlertDescription::UNKNOWN_PSK_IDENTITY))
    );
}

#[test]
fn psk_only_gateway_refuses_a_client_without_a_psk() {
    let client = Arc::new(
        ClientConfig::builder(Arc::new(tls13::PinnedCertVerifier::new(vec![0x30])))
            .build()
            .unwrap(),
    );
    let (_c, _s, ce, se) = connect(client, gateway());
    assert_eq!(
        se,
        Some(Error::PeerIncompatible(
            PeerIncompatible::UnknownPskIdentity
        ))
    );
    assert_eq!(
        ce,
        Some(Error::AlertReceived(AlertDescription::UNKNOWN_PSK_IDENTITY))
    );
}

#[test]
fn psk_only_known_identity_with_the_wrong_key_is_decrypt_error() {
    let (_c, _s, ce, se) = connect(device("sensor-1", 0xee), gateway());
    assert!(
        matches!(se, Some(Error::PeerMisbehaved(_))),
        "a wrong binder: {se:?}"
    );
    assert_eq!(
        ce,
        Some(Error::AlertReceived(AlertDescription::DECRYPT_ERROR))
    );
}

/// The device does not fall back to a certificate it cannot check.
#[test]
fn psk_only_device_refuses_a_server_that_does_not_take_its_psk() {
    let rng = tls13::crypto::OsRandom;
    let key = tls13::certgen::generate_key(tls13::certgen::KeyType::EcdsaP256, &rng).unwrap();
    let ca =
        tls13::certgen::Ca::new("PSK test CA", &key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let server = Arc::new(
        ServerConfig::builder_with_single_cert(
            vec![ca.cert_der().to_vec()],
            tls13::crypto::sign::SigningKey::from_der(&key).unwrap(),
        )
        .external_psk(psk("someone-else", 4))
        .build()
        .unwrap(),
    );
    let (_c, _s, ce, se) = connect(device("sensor-1", 1), server);
    match ce {
        Some(e @ Error::PeerIncompatible(_)) => {
            assert_eq!(e.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
            assert!(e.to_string().contains("did not accept our PSK"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        se,
        Some(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE))
    );
}

/// psk_ke gives up forward secrecy: the PSK-only builders offer and
/// accept psk_dhe_ke alone until the embedder opts in.
#[test]
fn psk_only_builders_default_to_psk_dhe_ke() {
    let client = ClientConfig::builder_psk_only(psk("sensor-1", 1))
        .build()
        .unwrap();
    assert_eq!(client.psk_modes(), [PskKeyExchangeMode::PSK_DHE_KE]);
    assert!(!gateway().allow_psk_ke());

    // A device that offers psk_ke only: the default gateway refuses.
    let ke_device = Arc::new(
        ClientConfig::builder_psk_only(psk("sensor-1", 1))
            .psk_modes(&[PskKeyExchangeMode::PSK_KE])
            .build()
            .unwrap(),
    );
    let (_c, _s, ce, se) = connect(ke_device.clone(), gateway());
    let se = se.expect("refused");
    assert_eq!(se.alert(), Some(AlertDescription::HANDSHAKE_FAILURE));
    assert!(se.to_string().contains("no PSK key exchange mode"), "{se}");
    assert_eq!(
        ce,
        Some(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE))
    );

    // A gateway that opted in: psk_ke, no key exchange at all.
    let ke_gateway = Arc::new(
        ServerConfig::builder_psk_only([psk("sensor-1", 1)])
            .allow_psk_ke(true)
            .build()
            .unwrap(),
    );
    let (c, s, ce, se) = connect(ke_device, ke_gateway.clone());
    assert!(ce.is_none() && se.is_none(), "{ce:?} {se:?}");
    assert!(c.negotiated().group.is_none() && s.negotiated().group.is_none());
    // A device offering both still gets psk_dhe_ke.
    let both = Arc::new(
        ClientConfig::builder_psk_only(psk("sensor-1", 1))
            .psk_modes(&[PskKeyExchangeMode::PSK_KE, PskKeyExchangeMode::PSK_DHE_KE])
            .build()
            .unwrap(),
    );
    let (c, _s, ce, se) = connect(both, ke_gateway);
    assert!(ce.is_none() && se.is_none(), "{ce:?} {se:?}");
    assert!(c.negotiated().group.is_some());
}

#[test]
fn psk_only_configuration_mistakes_are_build_errors() {
    let none: [ExternalPsk; 0] = [];
    let bad = |r: Result<ServerConfig, Error>| match r {
        Err(Error::BadConfig(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(
        bad(ServerConfig::builder_psk_only(none).build()).contains("at least one external PSK")
    );
    assert!(
        bad(ServerConfig::builder_psk_only([psk("a", 1), psk("b", 2), psk("a", 3)]).build())
            .contains("same identity")
    );
    let verifier = Arc::new(PinnedClientCertVerifier::new(Vec::new()));
    assert!(
        bad(ServerConfig::builder_psk_only([psk("a", 1)])
            .client_auth(ClientAuth::Required(verifier))
            .build())
        .contains("cannot ask for client certificates")
    );
    // Identities added later count, and a later PSK may be added.
    let gw = ServerConfig::builder_psk_only([psk("a", 1)])
        .external_psk(psk("b", 2))
        .build()
        .unwrap();
    assert_eq!(gw.external_psks().len(), 2);
    assert!(gw.cert_resolver().is_none());
}
