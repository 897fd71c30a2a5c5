//! The handshake over QUIC (RFC 9001 §4, §8) between our client and our
//! server in memory: handshake bytes moved by encryption level, keys
//! compared by sealing with one side's and opening with the other's, and
//! every QUIC-specific rule refused with its error code.

mod pair;
mod providers;
mod quic_pair;

use std::sync::Arc;

use pair::*;
use providers::providers;
use quic_pair::Pair;
use quic_pair::*;
use tls13::certgen::KeyType;
use tls13::config::{ClientConfigBuilder, Limits, ServerConfigBuilder};
use tls13::crypto::CryptoProvider;
use tls13::quic::{
    self, ClientConnection, Connection, Direction, DirectionalKeys, KeyChange, Level, PacketKey,
    ServerConnection, Version,
};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{
    AlertDescription, CipherSuite, ExtensionType, NamedGroup, SignatureScheme,
};
use tls13::unstable::msgs::extensions::{
    CertReqExtension, ClientExtension, ServerExtension, TicketExtension,
};
use tls13::unstable::msgs::handshake::{CertificateRequest, HandshakeMessage, NewSessionTicket};
use tls13::{ClientAuth, ClientConfig, Error, Event, ServerConfig};

const SUITES: [CipherSuite; 3] = [
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
];

fn client_cfg(provider: &'static CryptoProvider, kind: KeyType) -> ClientConfigBuilder {
    client_builder(kind)
        .provider(provider)
        .alpn_protocols(&[H3])
}

fn server_cfg(provider: &'static CryptoProvider, kind: KeyType) -> ServerConfigBuilder {
    server_builder_with(provider, kind).alpn_protocols(&[b"h2", H3])
}

fn default_pair() -> Pair {
    let p = tls13::crypto::rustcrypto::provider();
    Pair::new(
        client_cfg(p, KeyType::EcdsaP256).build().unwrap(),
        server_cfg(p, KeyType::EcdsaP256).build().unwrap(),
    )
}

/// A short-header packet with a 2-byte packet number, sealed and
/// header-protected with `keys` (`packet` overrides its payload key).
fn seal(keys: &DirectionalKeys, packet: Option<&PacketKey>, pn: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x41];
    out.extend_from_slice(&[0xab; 8]); // DCID
    let pn_offset = out.len();
    out.extend_from_slice(&(pn as u16).to_be_bytes());
    let header_len = out.len();
    out.extend_from_slice(payload);
    let (header, body) = out.split_at_mut(header_len);
    let tag = packet
        .unwrap_or(&keys.packet)
        .seal_in_place(pn, header, body)
        .unwrap();
    out.extend_from_slice(&tag);
    keys.header.protect(&mut out, pn_offset).unwrap();
    out
}

fn open(
    keys: &DirectionalKeys,
    packet: Option<&PacketKey>,
    mut bytes: Vec<u8>,
) -> Result<Vec<u8>, Error> {
    let pn_offset = 9;
    let pn = keys.header.unprotect(&mut bytes, pn_offset)?;
    let header_len = pn_offset + pn.len();
    let number = pn.decode(None);
    let (header, body) = bytes.split_at_mut(header_len);
    let plain = packet
        .unwrap_or(&keys.packet)
        .open_in_place(number, header, body)?;
    Ok(plain.to_vec())
}

/// What `writer` seals at `level`, `reader` opens, and nothing else
/// does; at 1-RTT the same after two key updates on both sides.
fn assert_keys_agree(writer: &mut KeyChange, reader: &mut KeyChange, ctx: &str) {
    let ctx = &format!("{ctx} {:?}", writer.level);
    assert_eq!(writer.level, reader.level);
    assert_eq!(
        (writer.direction, reader.direction),
        (Direction::Write, Direction::Read)
    );
    let payload = b"0123456789abcdef0123456789abcdef-stream-frames";
    let packet = seal(&writer.keys, None, 7, payload);
    assert_eq!(
        open(&reader.keys, None, packet.clone()).unwrap(),
        payload,
        "{ctx}"
    );
    let mut damaged = packet;
    *damaged.last_mut().unwrap() ^= 1;
    assert!(open(&reader.keys, None, damaged).is_err(), "{ctx}");
    if writer.level != Level::OneRtt {
        assert!(
            writer.updates.is_none() && reader.updates.is_none(),
            "{ctx}"
        );
        return;
    }
    // RFC 9001 §6: both ends step their chains; only the payload key
    // changes, the header key stays.
    for generation in 1..=2 {
        let w = writer.updates.as_mut().unwrap().next_packet_key().unwrap();
        let r = reader.updates.as_mut().unwrap().next_packet_key().unwrap();
        assert_eq!(writer.updates.as_ref().unwrap().generation(), generation);
        let packet = seal(&writer.keys, Some(&w), 8, payload);
        assert_eq!(
            open(&reader.keys, Some(&r), packet.clone()).unwrap(),
            payload,
            "{ctx} generation {generation}"
        );
        assert!(
            open(&reader.keys, None, packet).is_err(),
            "{ctx}: old key opens the new phase"
        );
    }
}

/// Every key of one side agrees with the other side's opposite key (the
/// client's 0-RTT key when the server accepted 0-RTT).
fn assert_all_keys_agree(p: &mut Pair, ctx: &str) {
    for level in [Level::ZeroRtt, Level::Handshake, Level::OneRtt] {
        if p.client.has_key(level, Direction::Write)
            && (level != Level::ZeroRtt || p.server.has_key(level, Direction::Read))
        {
            let w = p.client.key(level, Direction::Write);
            assert_keys_agree(w, p.server.key(level, Direction::Read), ctx);
        }
        if level != Level::ZeroRtt {
            let w = p.server.key(level, Direction::Write);
            assert_keys_agree(w, p.client.key(level, Direction::Read), ctx);
        }
    }
}

fn levels(sent: &[(Level, Vec<u8>)]) -> Vec<Level> {
    sent.iter().map(|(l, _)| *l).collect()
}

/// The handshake message types of `bytes` (whole messages).
fn message_types(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while rest.len() >= 4 {
        let len = u32::from_be_bytes([0, rest[1], rest[2], rest[3]]) as usize;
        out.push(rest[0]);
        rest = &rest[4 + len..];
    }
    assert!(rest.is_empty());
    out
}

#[test]
fn full_handshake_every_provider_and_suite() {
    for provider in providers() {
        for suite in SUITES {
            for one_byte in [false, true] {
                let ctx = format!("{} {suite:?} one_byte={one_byte}", provider.name);
                let mut p = Pair::new(
                    client_cfg(provider, KeyType::EcdsaP256)
                        .suites(&[suite])
                        .build()
                        .unwrap(),
                    server_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
                );
                p.one_byte = one_byte;
                p.run().unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert!(p.client.complete() && p.server.complete(), "{ctx}");
                assert!(!p.client.conn.is_handshaking() && !p.server.conn.is_handshaking());
                // RFC 9001 §8.2: each side has the other's parameters.
                assert_eq!(
                    p.client.conn.peer_transport_parameters(),
                    Some(SERVER_PARAMS)
                );
                assert_eq!(
                    p.server.conn.peer_transport_parameters(),
                    Some(CLIENT_PARAMS)
                );
                for n in [p.client.conn.negotiated(), p.server.conn.negotiated()] {
                    assert_eq!(n.suite, Some(suite), "{ctx}");
                    assert_eq!(n.alpn.as_deref(), Some(H3), "{ctx}");
                }
                // The levels of each flight (RFC 9001 §4.1.5, Figure 5).
                assert_eq!(levels(&p.client.sent), [Level::Initial, Level::Handshake]);
                assert_eq!(levels(&p.server.sent), [Level::Initial, Level::Handshake]);
                assert_eq!(message_types(&p.client.sent[0].1), [1]);
                assert_eq!(message_types(&p.client.sent[1].1), [20]);
                assert_eq!(message_types(&p.server.sent[0].1), [2]);
                assert_eq!(message_types(&p.server.sent[1].1), [8, 11, 15, 20]);
                // No 0-RTT; Handshake and 1-RTT keys both ways, and they agree.
                assert_eq!(p.client.keys.len(), 4, "{ctx}");
                assert_eq!(p.server.keys.len(), 4, "{ctx}");
                assert_all_keys_agree(&mut p, &ctx);
                assert_eq!(p.client.conn.error_code(), None);
                let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
                p.client
                    .conn
                    .export_keying_material(b"quic test", b"", &mut a)
                    .unwrap();
                p.server
                    .conn
                    .export_keying_material(b"quic test", b"", &mut b)
                    .unwrap();
                assert_eq!(a, b);
            }
        }
    }
}

/// RFC 9001 §5.3/§5.4.3: TLS_AES_128_CCM_SHA256 (named on both sides,
/// as it is off by default) runs over QUIC with AES-128-CCM packet
/// protection, 16-byte tags and AES-128 header protection, and its §6.6
/// limits (2^21.5 both).
#[test]
fn ccm_suite_over_quic_every_provider() {
    use tls13::crypto::aead::AeadAlgorithm;
    use tls13::crypto::header_protection::HeaderProtectionAlgorithm;
    let suite = CipherSuite::TLS_AES_128_CCM_SHA256;
    for provider in providers() {
        let ctx = provider.name;
        let mut p = Pair::new(
            client_cfg(provider, KeyType::EcdsaP256)
                .suites(&[suite])
                .build()
                .unwrap(),
            server_cfg(provider, KeyType::EcdsaP256)
                .suites(&[CipherSuite::TLS_AES_128_GCM_SHA256, suite])
                .build()
                .unwrap(),
        );
        p.run().unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(p.client.conn.negotiated().suite, Some(suite), "{ctx}");
        for level in [Level::Handshake, Level::OneRtt] {
            let keys = &p.client.key(level, Direction::Write).keys;
            assert_eq!(keys.packet.algorithm(), AeadAlgorithm::Aes128Ccm, "{ctx}");
            assert_eq!(keys.packet.tag_len(), 16);
            assert_eq!(keys.packet.confidentiality_limit(), 2_965_820);
            assert_eq!(keys.packet.integrity_limit(), 2_965_820);
            assert_eq!(keys.header.algorithm(), HeaderProtectionAlgorithm::Aes128);
        }
        assert_all_keys_agree(&mut p, ctx);
    }
}

/// RFC 9001 §5.3: "QUIC can use any of the cipher suites defined in
/// [TLS13] with the exception of TLS_AES_128_CCM_8_SHA256." A QUIC
/// connection whose config names it is refused when it is made, client
/// or server, and no packet key is made for AES-128-CCM-8.
#[test]
fn ccm_8_is_refused_for_quic() {
    let provider = tls13::crypto::rustcrypto::provider();
    let ccm8 = CipherSuite::TLS_AES_128_CCM_8_SHA256;
    let client = client_cfg(provider, KeyType::EcdsaP256)
        .suites(&[CipherSuite::TLS_AES_128_GCM_SHA256, ccm8])
        .build()
        .unwrap();
    let err = ClientConnection::new(
        Arc::new(client),
        "localhost",
        Version::V1,
        CLIENT_PARAMS.to_vec(),
    )
    .err()
    .unwrap();
    assert!(
        matches!(&err, Error::BadConfig(m) if m.contains("CCM_8")),
        "{err:?}"
    );
    let server = server_cfg(provider, KeyType::EcdsaP256)
        .suites(&[ccm8])
        .build()
        .unwrap();
    let err = ServerConnection::new(Arc::new(server), Version::V1, SERVER_PARAMS.to_vec())
        .err()
        .unwrap();
    assert!(
        matches!(&err, Error::BadConfig(m) if m.contains("CCM_8")),
        "{err:?}"
    );
    let params = provider.suite(ccm8).unwrap();
    assert!(matches!(
        quic::Suite::from_tls(provider, params),
        Err(Error::BadConfig(_))
    ));
    let sneaked = quic::Suite {
        aead: params.aead,
        ..quic::Suite::initial(provider).unwrap()
    };
    assert!(matches!(
        PacketKey::new(sneaked, Version::V1, &[0x11; 32]),
        Err(Error::BadConfig(_))
    ));
    // A TCP connection may use it.
    assert!(
        tls13::ClientConnection::new(
            Arc::new(
                client_builder(KeyType::EcdsaP256)
                    .suites(&[ccm8])
                    .build()
                    .unwrap()
            ),
            "localhost"
        )
        .is_ok()
    );
}

/// RFC 9001 §5.7: the server has its 1-RTT write key with its own flight
/// (0.5-RTT data) and its 1-RTT read key only once the client's Finished
/// is verified, when the handshake is complete.
#[test]
fn server_1rtt_write_key_comes_before_its_read_key() {
    let mut p = default_pair();
    p.client_to_server().unwrap(); // ClientHello
    p.server_to_client().unwrap(); // the server's flight, and its keys
    assert!(p.server.has_key(Level::Handshake, Direction::Read));
    assert!(p.server.has_key(Level::Handshake, Direction::Write));
    assert!(p.server.has_key(Level::OneRtt, Direction::Write));
    assert!(!p.server.has_key(Level::OneRtt, Direction::Read));
    assert!(p.server.conn.is_handshaking());
    // The client has everything once it read the server's flight.
    drain(&mut p.client, &mut p.server.conn, false).unwrap();
    assert!(p.client.has_key(Level::OneRtt, Direction::Read));
    assert!(p.client.has_key(Level::OneRtt, Direction::Write));
    assert!(p.client.complete());
    drain(&mut p.server, &mut p.client.conn, false).unwrap();
    assert!(p.server.has_key(Level::OneRtt, Direction::Read));
    assert!(p.server.complete());
    assert_all_keys_agree(&mut p, "0.5-RTT");
}

#[test]
fn hello_retry_request() {
    for provider in providers() {
        let ctx = provider.name;
        let mut p = Pair::new(
            client_cfg(provider, KeyType::Ed25519)
                .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
                .build()
                .unwrap(),
            server_cfg(provider, KeyType::Ed25519)
                .groups(&[NamedGroup::SECP256R1])
                .build()
                .unwrap(),
        );
        p.run().unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert!(p.client.complete() && p.server.complete(), "{ctx}");
        assert!(p.client.conn.negotiated().hello_retry);
        assert_eq!(
            p.server.conn.negotiated().group,
            Some(NamedGroup::SECP256R1)
        );
        // Both ClientHellos and the HelloRetryRequest travel at Initial
        // (RFC 9001 §4.7).
        assert_eq!(
            levels(&p.client.sent),
            [Level::Initial, Level::Initial, Level::Handshake]
        );
        assert_eq!(
            levels(&p.server.sent)[..2],
            [Level::Initial, Level::Initial]
        );
        assert_eq!(
            p.server.conn.peer_transport_parameters(),
            Some(CLIENT_PARAMS)
        );
        assert_all_keys_agree(&mut p, ctx);
    }
}

#[test]
fn mutual_authentication() {
    for provider in providers() {
        let ctx = provider.name;
        let client_id = identity(KeyType::EcdsaP384);
        let mut p = Pair::new(
            client_cfg(provider, KeyType::EcdsaP256)
                .client_auth_cert(
                    vec![client_id.leaf.clone()],
                    provider.load_private_key(&client_id.key).unwrap(),
                )
                .build()
                .unwrap(),
            server_cfg(provider, KeyType::EcdsaP256)
                .client_auth(ClientAuth::Required(pinned_client(KeyType::EcdsaP384)))
                .build()
                .unwrap(),
        );
        p.run().unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert!(p.client.complete() && p.server.complete(), "{ctx}");
        assert_eq!(
            p.server.conn.negotiated().peer_certificates,
            std::slice::from_ref(&client_id.leaf)
        );
        // The client's second flight: Certificate, CertificateVerify,
        // Finished at Handshake; the server asked in its flight.
        assert_eq!(message_types(&p.client.sent[1].1), [11, 15, 20]);
        assert_eq!(message_types(&p.server.sent[1].1), [8, 13, 11, 15, 20]);
        // RFC 9001 §4.4: no post-handshake authentication over QUIC, so
        // the client does not offer it.
        let ch = client_hello(&p.client.sent[0].1);
        assert!(
            !ch.extensions
                .iter()
                .any(|e| e.typ() == ExtensionType::POST_HANDSHAKE_AUTH)
        );
        assert_all_keys_agree(&mut p, ctx);
    }
}

fn client_hello(bytes: &[u8]) -> tls13::unstable::msgs::handshake::ClientHello {
    match HandshakeMessage::read_exact(bytes, "ClientHello").unwrap() {
        HandshakeMessage::ClientHello(ch) => ch,
        other => panic!("not a ClientHello: {other:?}"),
    }
}

/// RFC 9001 §8.1: no application protocol in common closes the
/// connection with 0x0178 (no_application_protocol), on either side.
#[test]
fn alpn_mismatch_is_0x178() {
    let provider = tls13::crypto::rustcrypto::provider();
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256)
            .alpn_protocols(&[b"hq-interop"])
            .build()
            .unwrap(),
        server_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
    );
    let e = p.run().unwrap_err();
    assert!(matches!(e, Error::PeerIncompatible(_)), "{e:?}");
    assert_eq!(p.server.conn.error_code(), Some(0x178));
    assert_eq!(
        p.server.conn.alert(),
        Some(AlertDescription::NO_APPLICATION_PROTOCOL)
    );
    // No alert travels as handshake bytes: the server wrote nothing.
    assert_eq!(p.server.conn.write_handshake(), None);
    assert_eq!(p.client.conn.error_code(), None);
    // Every later call returns the same error.
    assert_eq!(
        p.server
            .conn
            .read_handshake(Level::Initial, &[1])
            .unwrap_err(),
        e
    );

    // The client's side: a server whose EncryptedExtensions lack ALPN.
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
        server_cfg(provider, KeyType::EcdsaP256)
            .encrypted_extensions_hook(Arc::new(|ee: &mut Vec<ServerExtension>| {
                ee.retain(|e| e.typ() != ExtensionType::APPLICATION_LAYER_PROTOCOL_NEGOTIATION)
            }))
            .build()
            .unwrap(),
    );
    p.run().unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(0x178));
    assert_eq!(p.server.conn.error_code(), None);
}

/// RFC 9001 §8.2: a ClientHello or EncryptedExtensions without
/// quic_transport_parameters closes the connection with 0x016d.
#[test]
fn missing_transport_parameters_is_0x16d() {
    let provider = tls13::crypto::rustcrypto::provider();
    let drop_params = |ch: &mut tls13::unstable::msgs::handshake::ClientHello| {
        ch.extensions
            .retain(|e| e.typ() != ExtensionType::QUIC_TRANSPORT_PARAMETERS)
    };
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256)
            .client_hello_hook(Arc::new(drop_params))
            .build()
            .unwrap(),
        server_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
    );
    let e = p.run().unwrap_err();
    assert!(matches!(e, Error::PeerMisbehaved(_)), "{e:?}");
    assert_eq!(p.server.conn.error_code(), Some(0x16d));
    assert_eq!(
        p.server.conn.alert(),
        Some(AlertDescription::MISSING_EXTENSION)
    );

    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
        server_cfg(provider, KeyType::EcdsaP256)
            .encrypted_extensions_hook(Arc::new(|ee: &mut Vec<ServerExtension>| {
                ee.retain(|e| e.typ() != ExtensionType::QUIC_TRANSPORT_PARAMETERS)
            }))
            .build()
            .unwrap(),
    );
    p.run().unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(0x16d));
    assert_eq!(p.client.conn.peer_transport_parameters(), None);
}

/// RFC 9001 §8.4: a ClientHello asking for middlebox compatibility mode
/// (a non-empty legacy_session_id) is a PROTOCOL_VIOLATION; our client
/// never sends one over QUIC, whatever its configuration says.
#[test]
fn legacy_session_id_is_empty_and_required_empty() {
    let provider = tls13::crypto::rustcrypto::provider();
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256)
            .middlebox_compat(true)
            .build()
            .unwrap(),
        server_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
    );
    p.run().unwrap();
    assert!(
        client_hello(&p.client.sent[0].1)
            .legacy_session_id
            .is_empty()
    );

    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256)
            .client_hello_hook(Arc::new(|ch| ch.legacy_session_id = vec![7; 32]))
            .build()
            .unwrap(),
        server_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
    );
    let e = p.run().unwrap_err();
    assert!(
        matches!(
            e,
            Error::PeerMisbehaved(tls13::error::PeerMisbehaved::QuicProtocolViolation(_))
        ),
        "{e:?}"
    );
    assert_eq!(p.server.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
}

/// RFC 9001 §4.1.3, §8.3: handshake bytes at a level the handshake is not
/// reading (0-RTT, a level left behind, one whose keys were not given
/// out) are a PROTOCOL_VIOLATION.
#[test]
fn bytes_at_the_wrong_level_are_refused() {
    for level in [Level::ZeroRtt, Level::Handshake, Level::OneRtt] {
        let mut p = default_pair();
        let (_, hello) = p.client.conn.write_handshake().unwrap();
        let e = p.server.conn.read_handshake(level, &hello).unwrap_err();
        assert!(
            matches!(
                e,
                Error::PeerMisbehaved(tls13::error::PeerMisbehaved::QuicProtocolViolation(_))
            ),
            "{level:?}: {e:?}"
        );
        assert_eq!(p.server.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
        assert!(p.server.conn.write_handshake().is_none());
    }
    // After the handshake: Initial and Handshake data are past.
    for level in [Level::Initial, Level::Handshake, Level::ZeroRtt] {
        let mut p = default_pair();
        p.run().unwrap();
        p.client.conn.read_handshake(level, &[4]).unwrap_err();
        assert_eq!(p.client.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
        p.server.conn.read_handshake(level, &[4]).unwrap_err();
        assert_eq!(p.server.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
    }
    // RFC 9001 §4.1.3: Initial data left unconsumed when the Handshake
    // keys arrive (here a message fragment after the ServerHello).
    let mut p = default_pair();
    p.client_to_server().unwrap();
    let (level, mut hello) = p.server.conn.write_handshake().unwrap();
    assert_eq!(level, Level::Initial);
    hello.extend_from_slice(&[8, 0]);
    p.client
        .conn
        .read_handshake(Level::Initial, &hello)
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
    // The Handshake keys of that ServerHello are not handed out: QUIC
    // closes at Initial, the level the server is sure to read.
    assert!(p.client.conn.next_key_change().is_none());
    // The same on the server: a ClientHello followed by more Initial bytes.
    let mut p = default_pair();
    let (_, mut hello) = p.client.conn.write_handshake().unwrap();
    hello.extend_from_slice(&[1, 0]);
    p.server
        .conn
        .read_handshake(Level::Initial, &hello)
        .unwrap_err();
    assert_eq!(p.server.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
    assert!(p.server.conn.next_key_change().is_none());
    assert!(p.server.conn.write_handshake().is_none());
}

/// RFC 9001 §6: a TLS KeyUpdate message is error 0x010a
/// (unexpected_message); RFC 9001 §8.4: there is no change_cipher_spec,
/// and its record bytes are no handshake message either.
#[test]
fn key_update_and_change_cipher_spec_are_refused() {
    let key_update = [24, 0, 0, 1, 0];
    let mut p = default_pair();
    p.run().unwrap();
    p.client
        .conn
        .read_handshake(Level::OneRtt, &key_update)
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(0x10a));
    p.server
        .conn
        .read_handshake(Level::OneRtt, &key_update)
        .unwrap_err();
    assert_eq!(p.server.conn.error_code(), Some(0x10a));

    // A change_cipher_spec record where the client expects the server's
    // Handshake flight: type 20 (Finished) announcing 0x030300 bytes.
    let ccs = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01];
    let mut p = default_pair();
    p.client_to_server().unwrap();
    let (_, sh) = p.server.conn.write_handshake().unwrap();
    p.client.conn.read_handshake(Level::Initial, &sh).unwrap();
    p.client
        .conn
        .read_handshake(Level::Handshake, &ccs)
        .unwrap_err();
    assert!(p.client.conn.error_code().is_some());
    // The same before a ClientHello.
    let mut p = default_pair();
    p.server
        .conn
        .read_handshake(Level::Initial, &ccs)
        .unwrap_err();
    assert!(p.server.conn.error_code().is_some());
}

/// RFC 9001 §4.4: a post-handshake CertificateRequest is a
/// PROTOCOL_VIOLATION for a QUIC client.
#[test]
fn post_handshake_certificate_request_is_a_protocol_violation() {
    let mut p = default_pair();
    p.run().unwrap();
    let cr = HandshakeMessage::CertificateRequest(CertificateRequest {
        context: vec![9; 16],
        extensions: vec![CertReqExtension::SignatureAlgorithms(vec![
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ])],
    })
    .to_bytes();
    p.client
        .conn
        .read_handshake(Level::OneRtt, &cr)
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
}

/// RFC 9001 §4.6.1: a NewSessionTicket whose early_data extension holds
/// anything but 0xffffffff is a PROTOCOL_VIOLATION.
#[test]
fn ticket_early_data_must_be_the_sentinel() {
    let ticket = |extensions| {
        HandshakeMessage::NewSessionTicket(NewSessionTicket {
            lifetime: 3600,
            age_add: 1,
            nonce: vec![0],
            ticket: vec![5; 32],
            extensions,
        })
        .to_bytes()
    };
    for (max, ok) in [(0xffff_ffff, true), (16384, false), (0, false)] {
        let mut p = default_pair();
        p.run().unwrap();
        let r = p.client.conn.read_handshake(
            Level::OneRtt,
            &ticket(vec![TicketExtension::EarlyData(max)]),
        );
        assert_eq!(r.is_ok(), ok, "{max}");
        if !ok {
            assert_eq!(p.client.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
        }
    }
    let mut p = default_pair();
    p.run().unwrap();
    p.client
        .conn
        .read_handshake(Level::OneRtt, &ticket(vec![]))
        .unwrap();
}

/// Buffered handshake bytes are bounded: a message announcing more than
/// `max_handshake_message` is refused from its header, and while a
/// decision is pending no more than `max_suspended_input` waits.
#[test]
fn oversized_input_is_capped() {
    let mut p = default_pair();
    // A ClientHello announcing 16 MiB - 1.
    let e = p
        .server
        .conn
        .read_handshake(Level::Initial, &[1, 0xff, 0xff, 0xff, 0, 0])
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::PeerMisbehaved(tls13::error::PeerMisbehaved::MessageTooLarge { .. })
        ),
        "{e:?}"
    );
    assert_eq!(p.server.conn.error_code(), Some(0x100 + 47));

    // A server whose certificate choice is pending takes no more than
    // max_suspended_input bytes meanwhile.
    let provider = tls13::crypto::rustcrypto::provider();
    let limits = Limits {
        max_suspended_input: 4096,
        ..Limits::default()
    };
    let server = ServerConfig::builder(Arc::new(Later))
        .provider(provider)
        .alpn_protocols(&[H3])
        .limits(limits)
        .build()
        .unwrap();
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
        server,
    );
    p.client_to_server().unwrap();
    let mut fed = 0;
    let e = loop {
        // Whole small messages of an unknown type, which would be
        // refused when handled, keep arriving while the server waits.
        match p
            .server
            .conn
            .read_handshake(Level::Initial, &[0xfe, 0, 0, 60])
        {
            Ok(()) => fed += 4,
            Err(e) => break e,
        }
        let Err(e) = p.server.conn.read_handshake(Level::Initial, &[0; 60]) else {
            fed += 60;
            continue;
        };
        break e;
    };
    assert!(fed <= 4096 + 64, "{fed}");
    assert!(
        matches!(
            e,
            Error::PeerMisbehaved(tls13::error::PeerMisbehaved::TooMany(_))
        ),
        "{e:?}"
    );
    assert_eq!(p.server.conn.error_code(), Some(0x10a));
}

/// A certificate resolver that always defers.
struct Later;

impl tls13::verify::ResolvesServerCert for Later {
    fn resolve(
        &self,
        _: &tls13::verify::ClientHelloInfo,
    ) -> tls13::verify::Decision<Result<Arc<tls13::verify::CertifiedKey>, Error>> {
        tls13::verify::Decision::Deferred
    }
}

/// A deferred certificate choice over QUIC: the flight follows the
/// answer.
#[test]
fn deferred_certificate_choice() {
    let provider = tls13::crypto::rustcrypto::provider();
    let server = ServerConfig::builder(Arc::new(Later))
        .provider(provider)
        .alpn_protocols(&[H3])
        .build()
        .unwrap();
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
        server,
    );
    p.run().unwrap();
    assert!(matches!(p.server.events[..], [Event::SelectCertificate(_)]));
    assert!(p.server.keys.is_empty());
    let id = identity(KeyType::EcdsaP256);
    let ck = tls13::verify::CertifiedKey::new(
        vec![id.leaf.clone(), id.ca.clone()],
        Arc::new(provider.load_private_key(&id.key).unwrap()),
    );
    p.server.conn.answer_certificate(Ok(Arc::new(ck))).unwrap();
    p.run().unwrap();
    assert!(p.client.complete() && p.server.complete());
    assert_all_keys_agree(&mut p, "deferred");
}

/// What QUIC needs of a configuration is checked when a connection is
/// made.
#[test]
fn configurations_without_alpn_are_refused() {
    let provider = tls13::crypto::rustcrypto::provider();
    let client = client_builder(KeyType::EcdsaP256)
        .provider(provider)
        .build()
        .unwrap();
    let e = ClientConnection::new(Arc::new(client), "localhost", Version::V1, vec![]).err();
    assert!(matches!(e, Some(Error::BadConfig(_))), "{e:?}");
    let server = server_builder_with(provider, KeyType::EcdsaP256)
        .build()
        .unwrap();
    let e = ServerConnection::new(Arc::new(server), Version::V1, vec![]).err();
    assert!(matches!(e, Some(Error::BadConfig(_))), "{e:?}");
    let client = client_cfg(provider, KeyType::EcdsaP256).build().unwrap();
    let e = ClientConnection::new(Arc::new(client), "localhost", Version::V1, vec![0; 65536]).err();
    assert!(matches!(e, Some(Error::BadConfig(_))), "{e:?}");
}

/// RFC 9001 §8.2: "A fatal unsupported_extension alert MUST be sent by an
/// implementation that supports this extension if the extension is
/// received when the transport is not QUIC."
#[test]
fn transport_parameters_over_tcp_are_unsupported_extension() {
    use tls13::unstable::msgs::extensions::UnknownExtension;
    let add = |ch: &mut tls13::unstable::msgs::handshake::ClientHello| {
        ch.extensions.insert(
            0,
            ClientExtension::Unknown(UnknownExtension {
                typ: ExtensionType::QUIC_TRANSPORT_PARAMETERS,
                body: CLIENT_PARAMS.to_vec(),
            }),
        )
    };
    let client = client_builder(KeyType::EcdsaP256)
        .client_hello_hook(Arc::new(add))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256).build().unwrap();
    let mut p = pair::Pair::new(client, server, Feed::Whole);
    let (client_receiving, e) = p.run().unwrap_err();
    assert!(!client_receiving);
    assert_eq!(e.alert(), Some(AlertDescription::UNSUPPORTED_EXTENSION));
    let alert = p.server.pending_output().to_vec();
    assert_eq!(
        p.client.receive(&alert).unwrap_err(),
        Error::AlertReceived(AlertDescription::UNSUPPORTED_EXTENSION)
    );

    // A TCP client never offered it, so in EncryptedExtensions it is
    // unsolicited: unsupported_extension too.
    let client = client_builder(KeyType::EcdsaP256).build().unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .encrypted_extensions_hook(Arc::new(|ee: &mut Vec<ServerExtension>| {
            ee.push(ServerExtension::Unknown(UnknownExtension {
                typ: ExtensionType::QUIC_TRANSPORT_PARAMETERS,
                body: SERVER_PARAMS.to_vec(),
            }))
        }))
        .build()
        .unwrap();
    let mut p = pair::Pair::new(client, server, Feed::Whole);
    let (client_receiving, e) = p.run().unwrap_err();
    assert!(client_receiving);
    assert_eq!(e.alert(), Some(AlertDescription::UNSUPPORTED_EXTENSION));
}

// ---- The same handshake over TCP and over QUIC, message by message ----

/// A deterministic random source: byte `i` of a fixed stream per call
/// order, with a range of the stream that is passed over. A QUIC
/// client draws no legacy_session_id; skipping those 32 bytes of the TCP
/// client's stream gives it the TCP client's every other draw.
struct StreamRandom {
    seed: u64,
    pos: std::sync::Mutex<u64>,
    skip: Option<std::ops::Range<u64>>,
}

impl StreamRandom {
    fn new(seed: u64, skip: Option<std::ops::Range<u64>>) -> Arc<Self> {
        Arc::new(Self {
            seed,
            pos: std::sync::Mutex::new(0),
            skip,
        })
    }

    fn byte(&self, i: u64) -> u8 {
        // splitmix64 of the 8-byte block's index.
        let mut z = self.seed ^ (i / 8).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        z.to_le_bytes()[(i % 8) as usize]
    }
}

impl tls13::crypto::SecureRandom for StreamRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        let mut pos = self.pos.lock().unwrap();
        for d in dest {
            if let Some(r) = self.skip.as_ref().filter(|r| r.contains(&*pos)) {
                *pos = r.end;
            }
            *d = self.byte(*pos);
            *pos += 1;
        }
        Ok(())
    }
}

/// Secrets by NSS label.
#[derive(Default)]
struct Secrets(std::sync::Mutex<Vec<(String, Vec<u8>)>>);

impl tls13::KeyLog for Secrets {
    fn log(&self, label: &str, _client_random: &[u8; 32], secret: &[u8]) {
        self.0.lock().unwrap().push((label.into(), secret.to_vec()));
    }
}

impl Secrets {
    fn get(&self, label: &str) -> Option<Vec<u8>> {
        let v = self.0.lock().unwrap();
        v.iter().find(|(l, _)| l == label).map(|(_, s)| s.clone())
    }
}

/// The handshake messages in records one TCP endpoint wrote, protected
/// ones opened with its write secrets (in the order it used them), and
/// how many change_cipher_spec records it sent.
fn tcp_messages(
    wire: &[u8],
    provider: &'static CryptoProvider,
    suite: CipherSuite,
    secrets: &[Vec<u8>],
) -> (Vec<Vec<u8>>, usize) {
    use tls13::unstable::msgs::enums::ContentType;
    use tls13::unstable::record::deframer::Deframer;
    use tls13::unstable::record::protect::RecordOpener;
    let suite = provider.suite(suite).unwrap();
    let mut deframer = Deframer::new();
    deframer.push(wire);
    let mut handshake = Vec::new();
    let mut ccs = 0;
    let mut secrets = secrets.iter();
    let mut opener: Option<RecordOpener> = None;
    while let Some(rec) = deframer.next_record().unwrap() {
        match rec.typ {
            ContentType::HANDSHAKE => handshake.extend_from_slice(rec.payload),
            ContentType::CHANGE_CIPHER_SPEC => ccs += 1,
            ContentType::APPLICATION_DATA => {
                let header = rec.header();
                let (typ, content) = loop {
                    if let Some(o) = &mut opener {
                        let mut buf = rec.payload.to_vec();
                        if let Ok((typ, n)) = o.open(&header, &mut buf, 1 << 15) {
                            buf.truncate(n);
                            break (typ, buf);
                        }
                    }
                    let next = secrets.next().expect("a record no secret opens");
                    opener = Some(RecordOpener::new(suite, next).unwrap());
                };
                assert_eq!(typ, ContentType::HANDSHAKE);
                handshake.extend_from_slice(&content);
            }
            other => panic!("unexpected record {other:?}"),
        }
    }
    (split_messages(&handshake), ccs)
}

/// Removes quic_transport_parameters and sets the session id: what a
/// QUIC ClientHello is in TCP.
/// Removes quic_transport_parameters and sets the session id: what a
/// QUIC ClientHello is in TCP. A PSK offer must have the TCP one's shape
/// (its ticket `ticket_extra` bytes longer: see [`QUIC_TICKET_EXTRA`]),
/// and takes its identity and binder (both cover other secrets).
fn as_tcp_client_hello(raw: &[u8], tcp: &[u8], session_id: &[u8], ticket_extra: usize) -> Vec<u8> {
    let mut ch = client_hello(raw);
    assert!(ch.legacy_session_id.is_empty(), "RFC 9001 §8.4");
    let n = ch.extensions.len();
    ch.extensions
        .retain(|e| e.typ() != ExtensionType::QUIC_TRANSPORT_PARAMETERS);
    assert_eq!(ch.extensions.len(), n - 1, "RFC 9001 §8.2");
    ch.legacy_session_id = session_id.to_vec();
    let tcp = client_hello(tcp);
    // QUIC has no records to limit: record_size_limit stays out of it.
    assert!(
        ch.extensions
            .iter()
            .all(|e| e.typ() != ExtensionType::RECORD_SIZE_LIMIT)
    );
    if let Some(i) = tcp
        .extensions
        .iter()
        .position(|e| e.typ() == ExtensionType::RECORD_SIZE_LIMIT)
    {
        ch.extensions.insert(i, tcp.extensions[i].clone());
    }
    if let (Some(ClientExtension::PreSharedKey(q)), Some(ClientExtension::PreSharedKey(t))) =
        (ch.extensions.last_mut(), tcp.extensions.last())
    {
        assert_eq!(q.identities.len(), t.identities.len());
        for (qi, ti) in q.identities.iter().zip(&t.identities) {
            assert_eq!(qi.identity.len(), ti.identity.len() + ticket_extra);
            assert_eq!(qi.obfuscated_ticket_age, ti.obfuscated_ticket_age);
        }
        assert_eq!(q.binders.len(), t.binders.len());
        assert!(
            q.binders
                .iter()
                .zip(&t.binders)
                .all(|(a, b)| a.len() == b.len())
        );
        *q = t.clone();
    }
    HandshakeMessage::ClientHello(ch).to_bytes()
}

/// What a QUIC ticket that allows 0-RTT holds more than a TCP one: the
/// early data context digest, with its length (`ServerSession`).
const QUIC_TICKET_EXTRA: usize = 2 + 32;

/// Compares the messages of one side, TCP against QUIC: equal but for the
/// documented differences (RFC 9001 §8) and for what covers the
/// transcript, which those differences change (CertificateVerify
/// signatures, Finished): of those the shape must match.
fn assert_same_messages(tcp: &[Vec<u8>], quic: &[Vec<u8>], session_id: &[u8], ctx: &str) {
    assert_same_messages_with(tcp, quic, session_id, 0, ctx)
}

/// As [`assert_same_messages`], QUIC tickets and PSK identities being
/// `ticket_extra` bytes longer, and QUIC tickets announcing 0-RTT with the
/// sentinel where TCP ones give a size (RFC 9001 §4.6.1).
fn assert_same_messages_with(
    tcp: &[Vec<u8>],
    quic: &[Vec<u8>],
    session_id: &[u8],
    ticket_extra: usize,
    ctx: &str,
) {
    let types = |m: &[Vec<u8>]| m.iter().map(|m| m[0]).collect::<Vec<_>>();
    assert_eq!(types(tcp), types(quic), "{ctx}: message types");
    for (i, (t, q)) in tcp.iter().zip(quic).enumerate() {
        let ctx = format!("{ctx}: message {i} (type {})", t[0]);
        match t[0] {
            1 => assert_eq!(
                *t,
                as_tcp_client_hello(q, t, session_id, ticket_extra),
                "{ctx}"
            ),
            2 => {
                let HandshakeMessage::ServerHello(mut sh) =
                    HandshakeMessage::read_exact(q, "ServerHello").unwrap()
                else {
                    panic!("{ctx}")
                };
                assert!(sh.legacy_session_id_echo.is_empty(), "{ctx}");
                sh.legacy_session_id_echo = session_id.to_vec();
                assert_eq!(*t, HandshakeMessage::ServerHello(sh).to_bytes(), "{ctx}");
            }
            8 => {
                let HandshakeMessage::EncryptedExtensions(mut ee) =
                    HandshakeMessage::read_exact(q, "EncryptedExtensions").unwrap()
                else {
                    panic!("{ctx}")
                };
                let n = ee.len();
                ee.retain(|e| e.typ() != ExtensionType::QUIC_TRANSPORT_PARAMETERS);
                assert_eq!(ee.len(), n - 1, "{ctx}");
                // No record_size_limit over QUIC; TCP's where it was.
                assert!(
                    ee.iter()
                        .all(|e| e.typ() != ExtensionType::RECORD_SIZE_LIMIT),
                    "{ctx}"
                );
                let HandshakeMessage::EncryptedExtensions(tcp_ee) =
                    HandshakeMessage::read_exact(t, "EncryptedExtensions").unwrap()
                else {
                    panic!("{ctx}")
                };
                if let Some(i) = tcp_ee
                    .iter()
                    .position(|e| e.typ() == ExtensionType::RECORD_SIZE_LIMIT)
                {
                    ee.insert(i, tcp_ee[i].clone());
                }
                assert_eq!(
                    *t,
                    HandshakeMessage::EncryptedExtensions(ee).to_bytes(),
                    "{ctx}"
                );
            }
            // The scheme and the signature's length (Ed25519: fixed).
            15 => {
                assert_eq!(t.len(), q.len(), "{ctx}");
                assert_eq!(t[..6], q[..6], "{ctx}");
            }
            20 => assert_eq!(t.len(), q.len(), "{ctx}"),
            // The ticket seals the resumption PSK, from the transcript:
            // the same length; everything else the same.
            4 => {
                let ticket = |m| match HandshakeMessage::read_exact(m, "NewSessionTicket") {
                    Ok(HandshakeMessage::NewSessionTicket(t)) => t,
                    other => panic!("{ctx}: {other:?}"),
                };
                let (mut t, mut q) = (ticket(t), ticket(q));
                assert_eq!(t.ticket.len() + ticket_extra, q.ticket.len(), "{ctx}");
                (t.ticket, q.ticket) = (Vec::new(), Vec::new());
                for e in &mut q.extensions {
                    if let TicketExtension::EarlyData(n) = e {
                        assert_eq!(*n, 0xffff_ffff, "{ctx}: RFC 9001 §4.6.1");
                        *n = match t.extensions.first() {
                            Some(TicketExtension::EarlyData(m)) => *m,
                            other => panic!("{ctx}: {other:?}"),
                        };
                    }
                }
                assert_eq!(t, q, "{ctx}");
            }
            _ => assert_eq!(t, q, "{ctx}"),
        }
    }
}

/// RFC 9001 §8: the same configurations and the same random draws give
/// the same handshake messages over TCP and over QUIC, but for
/// quic_transport_parameters (ClientHello, EncryptedExtensions), the empty
/// legacy_session_id (and its echo), the absent change_cipher_spec
/// records and record_size_limit (QUIC has no records); with a HelloRetryRequest, and with the middlebox
/// compatibility mode on or off in the TCP run.
#[test]
fn messages_match_tcp_but_for_the_documented_differences() {
    for provider in providers() {
        for (compat, hrr) in [(true, false), (false, false), (true, true), (false, true)] {
            let ctx = format!("{} compat={compat} hrr={hrr}", provider.name);
            let (client_groups, server_groups): (&[NamedGroup], &[NamedGroup]) = if hrr {
                (
                    &[NamedGroup::X25519, NamedGroup::SECP256R1],
                    &[NamedGroup::SECP256R1],
                )
            } else {
                (
                    &[NamedGroup::X25519MLKEM768, NamedGroup::X25519],
                    &[NamedGroup::X25519],
                )
            };
            let time = Arc::new(tls13::config::FixedTime(1_800_000_000));
            let client = |rng: Arc<StreamRandom>, log: Arc<Secrets>| {
                client_cfg(provider, KeyType::Ed25519)
                    .groups(client_groups)
                    .middlebox_compat(compat)
                    .rng(rng)
                    .time(time.clone())
                    .key_log(log)
                    .build()
                    .unwrap()
            };
            let server = |rng: Arc<StreamRandom>, log: Arc<Secrets>| {
                let tickets = tls13::resumption::StatelessTicketer::new(
                    StreamRandom::new(3, None),
                    time.clone(),
                    3600,
                );
                server_cfg(provider, KeyType::Ed25519)
                    .groups(server_groups)
                    .rng(rng)
                    .time(time.clone())
                    .key_log(log)
                    .tickets(Arc::new(tickets), 2, 7200)
                    .build()
                    .unwrap()
            };

            // Over TCP.
            let (client_log, server_log) =
                (Arc::new(Secrets::default()), Arc::new(Secrets::default()));
            let mut tcp = pair::Pair::new(
                client(StreamRandom::new(1, None), client_log.clone()),
                server(StreamRandom::new(2, None), server_log.clone()),
                Feed::Whole,
            );
            tcp.run().unwrap();
            let suite = tcp.client.negotiated().suite.unwrap();
            let (tcp_client, client_ccs) = tcp_messages(
                &tcp.client_wire,
                provider,
                suite,
                &[client_log.get("CLIENT_HANDSHAKE_TRAFFIC_SECRET").unwrap()],
            );
            let (tcp_server, server_ccs) = tcp_messages(
                &tcp.server_wire,
                provider,
                suite,
                &[
                    server_log.get("SERVER_HANDSHAKE_TRAFFIC_SECRET").unwrap(),
                    server_log.get("SERVER_TRAFFIC_SECRET_0").unwrap(),
                ],
            );
            assert_eq!(
                (client_ccs, server_ccs),
                (compat as usize, compat as usize),
                "{ctx}"
            );
            let session_id = client_hello(&tcp_client[0]).legacy_session_id;
            assert_eq!(session_id.len(), if compat { 32 } else { 0 }, "{ctx}");

            // Over QUIC: the client passes over the session id's draw.
            let skip = compat.then_some(32..64);
            let mut q = Pair::new(
                client(StreamRandom::new(1, skip), Arc::new(Secrets::default())),
                server(StreamRandom::new(2, None), Arc::new(Secrets::default())),
            );
            q.run().unwrap_or_else(|e| panic!("{ctx}: {e}"));
            let joined = |sent: &[(Level, Vec<u8>)]| {
                split_messages(
                    &sent
                        .iter()
                        .flat_map(|(_, b)| b.clone())
                        .collect::<Vec<u8>>(),
                )
            };
            let (quic_client, quic_server) = (joined(&q.client.sent), joined(&q.server.sent));
            let expected_server: &[u8] = if hrr {
                &[2, 2, 8, 11, 15, 20, 4, 4]
            } else {
                &[2, 8, 11, 15, 20, 4, 4]
            };
            assert_eq!(
                quic_server.iter().map(|m| m[0]).collect::<Vec<_>>(),
                expected_server,
                "{ctx}"
            );
            assert_same_messages(
                &tcp_client,
                &quic_client,
                &session_id,
                &format!("{ctx} client"),
            );
            assert_same_messages(
                &tcp_server,
                &quic_server,
                &session_id,
                &format!("{ctx} server"),
            );
            // The tickets travel at 1-RTT.
            assert_eq!(q.server.sent.last().unwrap().0, Level::OneRtt, "{ctx}");
        }
    }
}

// ---- Resumption and 0-RTT ----

/// A client configuration of `w` for QUIC with 0-RTT enabled.
fn quic_client_of(w: &World) -> Arc<ClientConfig> {
    Arc::new(
        w.client()
            .alpn_protocols(&[H3])
            .enable_early_data(true)
            .build()
            .unwrap(),
    )
}

/// A server configuration of `w` for QUIC; 0-RTT allowed in its tickets
/// when `early`.
fn quic_server_of(w: &World, early: bool) -> Arc<ServerConfig> {
    Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .max_early_data_size(if early { 16384 } else { 0 })
            .build()
            .unwrap(),
    )
}

/// The tickets the client reported.
fn tickets(events: &[Event]) -> Vec<&NewSessionTicket> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::NewSessionTicket(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// RFC 9001 §4.5, §4.6: tickets at 1-RTT, announcing 0-RTT with the
/// sentinel; the next connection resumes with 0-RTT keys on both sides
/// and no EndOfEarlyData (§8.3); sessions are filed apart from TCP's.
#[test]
fn resumption_with_0rtt_accepted() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, true);
    let mut p = quic_pair(&client, &server, SERVER_PARAMS);
    p.run().unwrap();
    let t = tickets(&p.client.events);
    assert_eq!(t.len(), 1);
    // RFC 9001 §4.6.1: the sentinel, not the configured size.
    assert_eq!(t[0].extensions, [TicketExtension::EarlyData(0xffff_ffff)]);
    assert_eq!(p.server.sent.last().unwrap().0, Level::OneRtt);
    assert!(!p.client.conn.negotiated().resumed);
    // Filed under the QUIC key of the configuration, not the TCP one.
    let key = tls13::resumption::SessionKey::for_config(&client, "localhost").unwrap();
    assert_eq!(w.cache.count(&key), 0);
    assert_eq!(w.cache.count(&key.clone().for_quic()), 1);
    assert!(key.clone().for_quic().to_string().contains(" #quic "));

    let mut p = quic_pair(&client, &server, SERVER_PARAMS);
    // The 0-RTT write key comes with the ClientHello (RFC 9001 §4.1.4),
    // with the server's parameters of the session (RFC 9000 §7.4.1).
    let first = p.client.conn.next_key_change().unwrap();
    assert_eq!(
        (first.level, first.direction),
        (Level::ZeroRtt, Direction::Write)
    );
    p.client.keys.push(first);
    assert_eq!(
        p.client.conn.early_transport_parameters(),
        Some(SERVER_PARAMS)
    );
    p.run().unwrap();
    assert!(p.client.complete() && p.server.complete());
    for n in [p.client.conn.negotiated(), p.server.conn.negotiated()] {
        assert!(n.resumed && n.early_data_accepted);
    }
    assert!(
        p.client
            .events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataAccepted))
    );
    assert!(p.server.has_key(Level::ZeroRtt, Direction::Read));
    assert!(!p.server.has_key(Level::ZeroRtt, Direction::Write));
    // RFC 9001 §8.3: no EndOfEarlyData: the client's Finished alone.
    assert_eq!(levels(&p.client.sent), [Level::Initial, Level::Handshake]);
    assert_eq!(message_types(&p.client.sent[1].1), [20]);
    assert_eq!(message_types(&p.server.sent[1].1), [8, 20]);
    assert_eq!(
        p.client.conn.peer_transport_parameters(),
        Some(SERVER_PARAMS)
    );
    assert_all_keys_agree(&mut p, "0-RTT");
    // And a ticket for the next one.
    assert_eq!(tickets(&p.client.events).len(), 1);
}

/// Resumed, but 0-RTT refused: the client learns it from the
/// EncryptedExtensions (RFC 9001 §4.6.2) and the server has no 0-RTT key.
fn assert_rejected(p: &mut Pair, ctx: &str) {
    p.run().unwrap_or_else(|e| panic!("{ctx}: {e}"));
    assert!(p.client.complete() && p.server.complete(), "{ctx}");
    assert!(p.client.has_key(Level::ZeroRtt, Direction::Write), "{ctx}");
    assert!(!p.server.has_key(Level::ZeroRtt, Direction::Read), "{ctx}");
    assert!(
        p.client
            .events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(b) if b.is_empty())),
        "{ctx}"
    );
    assert!(!p.client.conn.negotiated().early_data_accepted, "{ctx}");
    assert!(!p.server.conn.negotiated().early_data_accepted, "{ctx}");
    assert_eq!(
        message_types(&p.client.sent.last().unwrap().1),
        [20],
        "{ctx}"
    );
    assert_all_keys_agree(p, ctx);
}

/// RFC 9001 §4.6.2, §4.6.3; RFC 9000 §7.4.1: 0-RTT is refused when what
/// it assumed changed (the server's transport parameters, its early
/// data context), after a HelloRetryRequest, and by a server that
/// no longer takes early data; resumption goes on.
#[test]
fn zero_rtt_rejected() {
    // Other transport parameters.
    let w = World::new();
    let (client, server) = (quic_client_of(&w), quic_server_of(&w, true));
    quic_pair(&client, &server, SERVER_PARAMS).run().unwrap();
    let mut p = quic_pair(&client, &server, b"other parameters");
    assert_rejected(&mut p, "transport parameters");
    assert!(p.client.conn.negotiated().resumed);
    assert_eq!(
        p.client.conn.peer_transport_parameters(),
        Some(&b"other parameters"[..])
    );
    assert_eq!(
        p.client.conn.early_transport_parameters(),
        Some(SERVER_PARAMS)
    );

    // Another early data context (say, other HTTP/3 SETTINGS).
    let w = World::new();
    let (client, server) = (quic_client_of(&w), quic_server_of(&w, true));
    let conn = |ctx: &[u8]| {
        Pair::with(
            ClientConnection::new(
                client.clone(),
                "localhost",
                Version::V1,
                CLIENT_PARAMS.to_vec(),
            )
            .unwrap(),
            ServerConnection::new(server.clone(), Version::V1, SERVER_PARAMS.to_vec())
                .unwrap()
                .with_early_data_context(ctx.to_vec()),
        )
    };
    conn(b"settings 1").run().unwrap();
    assert_rejected(&mut conn(b"settings 2"), "early data context");
    // The same context is accepted (with the ticket of the last one).
    let mut p = conn(b"settings 2");
    p.run().unwrap();
    assert!(p.server.conn.negotiated().early_data_accepted);

    // A server configuration that takes no early data now.
    let w = World::new();
    let client = quic_client_of(&w);
    quic_pair(&client, &quic_server_of(&w, true), SERVER_PARAMS)
        .run()
        .unwrap();
    assert_rejected(
        &mut quic_pair(&client, &quic_server_of(&w, false), SERVER_PARAMS),
        "server without early data",
    );

    // RFC 9001 §4.6.2: "A server will always reject 0-RTT if it sends a
    // TLS HelloRetryRequest."
    let w = World::new();
    let client = Arc::new(
        w.client()
            .alpn_protocols(&[H3])
            .enable_early_data(true)
            .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
            .build()
            .unwrap(),
    );
    quic_pair(&client, &quic_server_of(&w, true), SERVER_PARAMS)
        .run()
        .unwrap();
    let retry = Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .max_early_data_size(16384)
            .groups(&[NamedGroup::SECP256R1])
            .build()
            .unwrap(),
    );
    let mut p = quic_pair(&client, &retry, SERVER_PARAMS);
    assert_rejected(&mut p, "HelloRetryRequest");
    assert!(p.client.conn.negotiated().hello_retry);
}

/// Tickets without early_data (a server that allows no 0-RTT) resume
/// without offering it; TCP sessions never meet QUIC connections.
#[test]
fn resumption_without_0rtt_and_apart_from_tcp() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, false);
    let mut p = quic_pair(&client, &server, SERVER_PARAMS);
    p.run().unwrap();
    assert_eq!(tickets(&p.client.events)[0].extensions, []);
    let mut p = quic_pair(&client, &server, SERVER_PARAMS);
    p.run().unwrap();
    assert!(p.client.conn.negotiated().resumed);
    assert!(p.client.keys.iter().all(|k| k.level != Level::ZeroRtt));
    assert_eq!(p.client.conn.early_transport_parameters(), None);
    assert!(
        !p.client
            .events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(_) | Event::EarlyDataAccepted))
    );

    // A TCP connection of the same configuration has no session, and
    // its own ticket is not offered over QUIC.
    let tcp_client = Arc::new(
        w.client()
            .alpn_protocols(&[H3])
            .enable_early_data(true)
            .build()
            .unwrap(),
    );
    let tcp_server = Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .max_early_data_size(16384)
            .build()
            .unwrap(),
    );
    let mut tcp = pair::Pair::from_connections(
        tls13::ClientConnection::new(tcp_client.clone(), "localhost").unwrap(),
        tls13::ServerConnection::new(tcp_server.clone()).unwrap(),
        Feed::Whole,
    );
    tcp.run().unwrap();
    assert!(!tcp.client.negotiated().resumed);
    let key = tls13::resumption::SessionKey::for_config(&tcp_client, "localhost").unwrap();
    assert_eq!(w.cache.count(&key), 1);
    let mut p = quic_pair(&tcp_client, &quic_server_of(&w, true), SERVER_PARAMS);
    p.run().unwrap();
    assert!(!p.client.conn.negotiated().resumed);
    assert_eq!(w.cache.count(&key), 1);
}

/// An external PSK and no certificates over QUIC: the same state
/// machine, the PSK's identity reported, no certificate messages.
#[test]
fn external_psk_only() {
    use tls13::crypto::hash::HashAlgorithm;
    use tls13::resumption::ExternalPsk;
    let psk = || ExternalPsk::new(b"sensor-1", &[7; 32], HashAlgorithm::Sha256).unwrap();
    let mut p = Pair::new(
        ClientConfig::builder_psk_only(psk())
            .alpn_protocols(&[H3])
            .build()
            .unwrap(),
        ServerConfig::builder_psk_only([psk()])
            .alpn_protocols(&[H3])
            .build()
            .unwrap(),
    );
    p.run().unwrap();
    assert!(p.client.complete() && p.server.complete());
    assert_eq!(
        p.server.conn.negotiated().psk_identity.as_deref(),
        Some(&b"sensor-1"[..])
    );
    assert_eq!(message_types(&p.server.sent[1].1), [8, 20]);
    assert_eq!(
        p.server.conn.peer_transport_parameters(),
        Some(CLIENT_PARAMS)
    );
    assert_all_keys_agree(&mut p, "external PSK");
}

/// Damaged handshake bytes, split anywhere and delivered at any level,
/// never panic: each connection either goes on or fails with an error
/// code, and a failed one keeps its error.
#[test]
fn damaged_flights_fail_cleanly() {
    let provider = tls13::crypto::rustcrypto::provider();
    let client_config = Arc::new(client_cfg(provider, KeyType::EcdsaP256).build().unwrap());
    let server_config = Arc::new(server_cfg(provider, KeyType::EcdsaP256).build().unwrap());
    // Honest flights to damage.
    let mut p = Pair::with(
        ClientConnection::new(
            client_config.clone(),
            "localhost",
            Version::V1,
            CLIENT_PARAMS.to_vec(),
        )
        .unwrap(),
        ServerConnection::new(server_config.clone(), Version::V1, SERVER_PARAMS.to_vec()).unwrap(),
    );
    p.run().unwrap();
    let (client_sent, server_sent) = (p.client.sent.clone(), p.server.sent.clone());
    let levels = [
        Level::Initial,
        Level::ZeroRtt,
        Level::Handshake,
        Level::OneRtt,
    ];
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut failed = 0;
    for round in 0..300 {
        let to_server = round % 2 == 0;
        let flights = if to_server {
            &client_sent
        } else {
            &server_sent
        };
        let mut client = ClientConnection::new(
            client_config.clone(),
            "localhost",
            Version::V1,
            CLIENT_PARAMS.to_vec(),
        )
        .unwrap();
        let mut server =
            ServerConnection::new(server_config.clone(), Version::V1, SERVER_PARAMS.to_vec())
                .unwrap();
        if !to_server {
            // The client's hello went out; the server's answer is damaged.
            while client.write_handshake().is_some() {}
        }
        let conn: &mut Connection = if to_server { &mut server } else { &mut client };
        let mut first_error = None;
        for (level, bytes) in flights {
            let mut bytes = bytes.clone();
            match rng.next() % 4 {
                0 => {
                    let i = rng.next() as usize % bytes.len();
                    bytes[i] ^= 1 << (rng.next() % 8);
                }
                1 => bytes.truncate(rng.next() as usize % bytes.len()),
                2 => {
                    let i = rng.next() as usize % bytes.len();
                    bytes.insert(i, rng.next() as u8);
                }
                _ => {}
            }
            let level = if rng.next().is_multiple_of(8) {
                levels[rng.next() as usize % 4]
            } else {
                *level
            };
            let mut rest = &bytes[..];
            while !rest.is_empty() {
                let n = 1 + rng.next() as usize % rest.len();
                let r = conn.read_handshake(level, &rest[..n]);
                rest = &rest[n..];
                match (r, &first_error) {
                    (Ok(()), None) => {}
                    (Err(e), None) => first_error = Some(e),
                    (r, Some(e)) => assert_eq!(r.as_ref().err(), Some(e), "round {round}"),
                }
            }
            while conn.next_key_change().is_some() {}
            while conn.next_event().is_some() {}
            while conn.write_handshake().is_some() {}
        }
        match &first_error {
            Some(e) => {
                failed += 1;
                let code = conn
                    .error_code()
                    .unwrap_or_else(|| panic!("round {round}: {e}"));
                assert!(
                    code == quic::PROTOCOL_VIOLATION || (0x100..0x200).contains(&code),
                    "round {round}: {code:#x}"
                );
                assert_eq!(conn.error(), Some(e));
                assert!(conn.write_handshake().is_none());
            }
            None => assert_eq!(conn.error_code(), None),
        }
    }
    // Most damage is caught; an intact round (or a harmless split) passes.
    eprintln!("{failed} of 300 damaged deliveries refused");
    assert!((150..300).contains(&failed), "{failed}");
}

/// The comparison for a resumption with 0-RTT accepted: besides the
/// differences above, no EndOfEarlyData over QUIC (RFC 9001 §8.3), the
/// 0xffffffff sentinel in tickets where TCP gives a size (§4.6.1), and
/// QUIC tickets (so PSK identities) longer by the early data context they
/// keep (§4.6.3). Each connection has configurations of its own, with
/// fresh random streams; a session scope, cache and ticketer per run.
#[test]
fn resumed_0rtt_messages_match_tcp_but_for_the_documented_differences() {
    use tls13::resumption::{ClientSessionCache, StatelessTicketer};
    for provider in providers() {
        for compat in [true, false] {
            let ctx = format!("{} compat={compat}", provider.name);
            let time = Arc::new(tls13::config::FixedTime(1_800_000_000));
            let client = |cache: &Arc<ClientSessionCache>, seed, quic: bool, log: &Arc<Secrets>| {
                let skip = (quic && compat).then_some(32..64);
                Arc::new(
                    client_cfg(provider, KeyType::Ed25519)
                        .middlebox_compat(compat)
                        .rng(StreamRandom::new(seed, skip))
                        .time(time.clone())
                        .key_log(log.clone())
                        .session_store(Some(cache.clone()))
                        .enable_early_data(true)
                        .build()
                        .unwrap(),
                )
            };
            let server = |tickets: &Arc<StatelessTicketer>, seed, log: &Arc<Secrets>| {
                Arc::new(
                    server_cfg(provider, KeyType::Ed25519)
                        .rng(StreamRandom::new(seed, None))
                        .time(time.clone())
                        .key_log(log.clone())
                        .tickets(tickets.clone(), 1, 7200)
                        .max_early_data_size(16384)
                        .build()
                        .unwrap(),
                )
            };
            let world = || {
                (
                    Arc::new(ClientSessionCache::default()),
                    Arc::new(StatelessTicketer::new(
                        StreamRandom::new(3, None),
                        time.clone(),
                        3600,
                    )),
                )
            };
            let logs = || (Arc::new(Secrets::default()), Arc::new(Secrets::default()));

            // Over TCP: a full handshake, then a resumed one with 0-RTT.
            let (cache, tickets) = world();
            let mut tcp = Vec::new();
            for (c_seed, s_seed) in [(1, 2), (4, 5)] {
                let (client_log, server_log) = logs();
                let mut p = pair::Pair::from_connections(
                    tls13::ClientConnection::with_session_scope(
                        client(&cache, c_seed, false, &client_log),
                        "localhost",
                        "comparison",
                    )
                    .unwrap(),
                    tls13::ServerConnection::new(server(&tickets, s_seed, &server_log)).unwrap(),
                    Feed::Whole,
                );
                p.run().unwrap();
                let suite = p.client.negotiated().suite.unwrap();
                let get = |log: &Secrets, labels: &[&str]| -> Vec<Vec<u8>> {
                    labels.iter().filter_map(|l| log.get(l)).collect()
                };
                let client_secrets = get(
                    &client_log,
                    &[
                        "CLIENT_EARLY_TRAFFIC_SECRET",
                        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                    ],
                );
                let server_secrets = get(
                    &server_log,
                    &["SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"],
                );
                let (c, _) = tcp_messages(&p.client_wire, provider, suite, &client_secrets);
                let (s, _) = tcp_messages(&p.server_wire, provider, suite, &server_secrets);
                tcp.push((c, s, p.client.negotiated().early_data_accepted));
            }
            assert!(!tcp[0].2 && tcp[1].2, "{ctx}: TCP 0-RTT");

            // Over QUIC, the same.
            let (cache, tickets) = world();
            let mut quic = Vec::new();
            for (c_seed, s_seed) in [(1, 2), (4, 5)] {
                let (client_log, server_log) = logs();
                let mut p = Pair::with(
                    ClientConnection::with_session_scope(
                        client(&cache, c_seed, true, &client_log),
                        "localhost",
                        "comparison",
                        Version::V1,
                        CLIENT_PARAMS.to_vec(),
                    )
                    .unwrap(),
                    ServerConnection::new(
                        server(&tickets, s_seed, &server_log),
                        Version::V1,
                        SERVER_PARAMS.to_vec(),
                    )
                    .unwrap(),
                );
                p.run().unwrap_or_else(|e| panic!("{ctx}: {e}"));
                let joined = |sent: &[(Level, Vec<u8>)]| {
                    split_messages(
                        &sent
                            .iter()
                            .flat_map(|(_, b)| b.clone())
                            .collect::<Vec<u8>>(),
                    )
                };
                quic.push((
                    joined(&p.client.sent),
                    joined(&p.server.sent),
                    p.client.conn.negotiated().early_data_accepted,
                ));
            }
            assert!(!quic[0].2 && quic[1].2, "{ctx}: QUIC 0-RTT");

            let session_id = |m: &[Vec<u8>]| client_hello(&m[0]).legacy_session_id;
            for (i, ((tc, ts, _), (qc, qs, _))) in tcp.iter().zip(&quic).enumerate() {
                let ctx = format!("{ctx} connection {i}");
                let mut tc = tc.clone();
                if i == 1 {
                    // RFC 9001 §8.3: the TCP client's EndOfEarlyData, before
                    // its Finished, has no QUIC counterpart.
                    assert_eq!(tc.iter().map(|m| m[0]).collect::<Vec<_>>(), [1, 5, 20]);
                    assert_eq!(tc.remove(1), [5, 0, 0, 0], "{ctx}");
                    assert_eq!(ts.iter().map(|m| m[0]).collect::<Vec<_>>(), [2, 8, 20, 4]);
                }
                let sid = session_id(&tc);
                // Identities in the hello of the resumption, the ticket of
                // each connection.
                let extra = QUIC_TICKET_EXTRA;
                assert_same_messages_with(&tc, qc, &sid, extra, &format!("{ctx} client"));
                assert_same_messages_with(ts, qs, &sid, extra, &format!("{ctx} server"));
            }
        }
    }
}

/// QUIC has no records (RFC 9001 §4): a configured record_size_limit is
/// neither offered by our client nor answered by our server over QUIC,
/// and a server that sends one anyway sends an unsolicited extension.
#[test]
fn record_size_limit_stays_out_of_quic() {
    let provider = tls13::crypto::rustcrypto::provider();
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256)
            .record_size_limit(Some(1024))
            .build()
            .unwrap(),
        server_cfg(provider, KeyType::EcdsaP256)
            .record_size_limit(Some(2048))
            .build()
            .unwrap(),
    );
    p.run().unwrap();
    assert!(p.client.complete() && p.server.complete());
    let ch = client_hello(&p.client.sent[0].1);
    assert!(
        ch.extensions
            .iter()
            .all(|e| e.typ() != ExtensionType::RECORD_SIZE_LIMIT),
        "{ch:?}"
    );
    assert!(
        ch.extensions
            .iter()
            .any(|e| e.typ() == ExtensionType::QUIC_TRANSPORT_PARAMETERS)
    );

    // A client that offers it anyway (here through a hook) gets no answer.
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256)
            .client_hello_hook(Arc::new(|ch| {
                ch.extensions
                    .insert(0, ClientExtension::RecordSizeLimit(1024))
            }))
            .build()
            .unwrap(),
        server_cfg(provider, KeyType::EcdsaP256)
            .record_size_limit(Some(2048))
            .build()
            .unwrap(),
    );
    p.run().unwrap();
    let ee = &p
        .server
        .sent
        .iter()
        .find(|(l, _)| *l == Level::Handshake)
        .unwrap()
        .1;
    let ee = split_messages(ee).remove(0);
    match HandshakeMessage::read_exact(&ee, "EE").unwrap() {
        HandshakeMessage::EncryptedExtensions(list) => {
            assert!(
                list.iter()
                    .all(|e| e.typ() != ExtensionType::RECORD_SIZE_LIMIT)
            );
        }
        other => panic!("not EncryptedExtensions: {other:?}"),
    }

    // A server that answers one unoffered.
    let mut p = Pair::new(
        client_cfg(provider, KeyType::EcdsaP256).build().unwrap(),
        server_cfg(provider, KeyType::EcdsaP256)
            .encrypted_extensions_hook(Arc::new(|ee: &mut Vec<ServerExtension>| {
                ee.insert(0, ServerExtension::RecordSizeLimit(2048))
            }))
            .build()
            .unwrap(),
    );
    let e = p.run().unwrap_err();
    assert!(matches!(e, Error::PeerMisbehaved(_)), "{e:?}");
    assert_eq!(p.client.conn.error_code(), Some(0x100 + 110)); // unsupported_extension
}

/// The client hello hook sees the QUIC hello, transport parameters
/// included, and a hook that changes nothing sends the same bytes.
#[test]
fn a_no_op_hello_hook_keeps_the_quic_hello() {
    let provider = tls13::crypto::rustcrypto::provider();
    let hello = |hooked: bool| {
        let mut b = client_cfg(provider, KeyType::EcdsaP256).rng(StreamRandom::new(7, None));
        if hooked {
            b = b.client_hello_hook(Arc::new(|_| {}));
        }
        let mut c = client_conn(b.build().unwrap());
        c.write_handshake().unwrap()
    };
    let (plain, hooked) = (hello(false), hello(true));
    assert_eq!(plain.0, Level::Initial);
    assert_eq!(plain, hooked);
}

/// `read_level` follows the read keys handed out (RFC 9001 §4.1.3): what
/// a stack that passes CRYPTO data without its level (quinn) reads at.
#[test]
fn read_level_follows_the_read_keys() {
    let mut p = default_pair();
    assert_eq!(p.client.conn.read_level(), Level::Initial);
    assert_eq!(p.server.conn.read_level(), Level::Initial);
    p.client_to_server().unwrap();
    // The server sent its flight: it reads the client's Handshake flight.
    assert_eq!(p.server.conn.read_level(), Level::Handshake);
    p.server_to_client().unwrap();
    assert_eq!(p.client.conn.read_level(), Level::OneRtt);
    p.client_to_server().unwrap();
    assert_eq!(p.server.conn.read_level(), Level::OneRtt);
}
