//! An adversarial review of the QUIC mode (RFC 9001 §4–§8): what a
//! hostile peer, a real QUIC stack or a configuration shared with TCP
//! does that tests/quic_handshake.rs does not.

mod pair;
mod quic_pair;

use std::sync::Arc;

use pair::*;
use quic_pair::Pair;
use quic_pair::*;
use tls13::certgen::KeyType;
use tls13::crypto::SecureRandom;
use tls13::quic::{self, ClientConnection, Direction, KeyChange, Level, ServerConnection, Version};
use tls13::resumption::{ClientSessionStore, SessionKey};
use tls13::unstable::codec::Codec;
use tls13::unstable::msgs::enums::{ExtensionType, NamedGroup, SignatureScheme};
use tls13::unstable::msgs::extensions::{
    ClientExtension, ServerExtension, TicketExtension, UnknownExtension,
};
use tls13::unstable::msgs::handshake::{HandshakeMessage, NewSessionTicket};
use tls13::verify::{CertifiedKey, ClientHelloInfo, Decision, ResolvesServerCert, Signer};
use tls13::{ClientConfig, Error, Event, ServerConfig};

const ILLEGAL_PARAMETER: u64 = 0x100 + 47;
const UNSUPPORTED_EXTENSION: u64 = 0x100 + 110;
const UNEXPECTED_MESSAGE: u64 = 0x100 + 10;

// ---- A pair moved by the test (as in tests/quic_handshake.rs) ----

fn client_cfg() -> ClientConfig {
    client_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .build()
        .unwrap()
}

fn server_cfg() -> ServerConfig {
    server_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .build()
        .unwrap()
}

fn default_pair() -> Pair {
    Pair::with(client_conn(client_cfg()), server_conn(server_cfg()))
}

fn quic_client_of(w: &World) -> Arc<ClientConfig> {
    Arc::new(
        w.client()
            .alpn_protocols(&[H3])
            .enable_early_data(true)
            .build()
            .unwrap(),
    )
}

fn quic_server_of(w: &World, max_early_data: u32) -> Arc<ServerConfig> {
    Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .max_early_data_size(max_early_data)
            .build()
            .unwrap(),
    )
}

fn transport_parameters_ext(body: &[u8]) -> UnknownExtension {
    UnknownExtension {
        typ: ExtensionType::QUIC_TRANSPORT_PARAMETERS,
        body: body.to_vec(),
    }
}

// ---- Transport parameters as a QUIC stack encodes them (RFC 9000 §18) ----

fn varint(v: u64, out: &mut Vec<u8>) {
    if v < 1 << 6 {
        out.push(v as u8);
    } else if v < 1 << 14 {
        out.extend_from_slice(&(v as u16 | 0x4000).to_be_bytes());
    } else if v < 1 << 30 {
        out.extend_from_slice(&(v as u32 | 0x8000_0000).to_be_bytes());
    } else {
        out.extend_from_slice(&(v | 0xc000_0000_0000_0000).to_be_bytes());
    }
}

fn int(v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(v, &mut out);
    out
}

/// What a server's transport parameters hold on one connection.
#[derive(Clone)]
struct ServerParams {
    /// original_destination_connection_id (0x00): the client's first
    /// Destination Connection ID, random per connection.
    odcid: Vec<u8>,
    /// initial_source_connection_id (0x0f): the server's, random per
    /// connection.
    iscid: Vec<u8>,
    /// stateless_reset_token (0x02): one per connection ID.
    reset_token: Vec<u8>,
    /// initial_max_data (0x04).
    max_data: u64,
    /// max_ack_delay (0x0b), which 0-RTT does not use (RFC 9000 §7.4.1).
    max_ack_delay: u64,
    /// A reserved (greasing) parameter 31 * n + 27 with a random value
    /// (RFC 9000 §18.1), as quinn sends one.
    grease: (u64, Vec<u8>),
    /// Written in reverse order (quinn randomizes the order).
    reversed: bool,
}

impl ServerParams {
    fn fresh(rng_byte: u8) -> Self {
        Self {
            odcid: vec![rng_byte; 8],
            iscid: vec![rng_byte ^ 0x55; 8],
            reset_token: vec![rng_byte ^ 0xaa; 16],
            max_data: 1 << 20,
            max_ack_delay: 25,
            grease: (31 * u64::from(rng_byte) + 27, vec![rng_byte; 3]),
            reversed: false,
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut params = vec![
            (0x00, self.odcid.clone()),
            (0x01, int(30_000)),
            (0x02, self.reset_token.clone()),
            (0x03, int(1472)),
            (0x04, int(self.max_data)),
            (0x05, int(1 << 18)),
            (0x06, int(1 << 18)),
            (0x07, int(1 << 18)),
            (0x08, int(100)),
            (0x09, int(100)),
            (0x0b, int(self.max_ack_delay)),
            (0x0e, int(4)),
            (0x0f, self.iscid.clone()),
            self.grease.clone(),
        ];
        if self.reversed {
            params.reverse();
        }
        let mut out = Vec::new();
        for (id, value) in params {
            varint(id, &mut out);
            varint(value.len() as u64, &mut out);
            out.extend_from_slice(&value);
        }
        out
    }
}

/// RFC 9000 §7.4.1: 0-RTT under a ticket depends on the server's
/// transport parameters that the client remembers. Those that differ on
/// every connection by construction (the connection IDs and the stateless
/// reset token, which the client MUST NOT remember), the ones 0-RTT does
/// not use (max_ack_delay), greasing parameters and the order must not
/// make the server refuse 0-RTT, or a real QUIC stack never gets any.
#[test]
fn zero_rtt_survives_per_connection_transport_parameters() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, 16384);
    let first = ServerParams::fresh(1);
    quic_pair(&client, &server, &first.encode()).run().unwrap();

    let second = ServerParams {
        max_ack_delay: 40,
        reversed: true,
        ..ServerParams::fresh(2)
    };
    let mut p = quic_pair(&client, &server, &second.encode());
    p.run().unwrap();
    assert!(p.client.complete() && p.server.complete());
    assert!(p.client.conn.negotiated().resumed);
    assert_eq!(
        p.client.conn.early_transport_parameters(),
        Some(&first.encode()[..])
    );
    assert!(
        p.server.conn.negotiated().early_data_accepted,
        "0-RTT refused because connection IDs / reset token / grease / order differ"
    );
    assert!(p.server.has_key(Level::ZeroRtt, Direction::Read));
}

/// The other side of RFC 9000 §7.4.1: a limit 0-RTT relies on that
/// shrank (initial_max_data here) refuses 0-RTT.
#[test]
fn zero_rtt_refused_when_a_remembered_limit_shrinks() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, 16384);
    quic_pair(&client, &server, &ServerParams::fresh(1).encode())
        .run()
        .unwrap();
    let smaller = ServerParams {
        max_data: 1 << 10,
        ..ServerParams::fresh(1)
    };
    let mut p = quic_pair(&client, &server, &smaller.encode());
    p.run().unwrap();
    assert!(p.client.conn.negotiated().resumed);
    assert!(!p.server.conn.negotiated().early_data_accepted);
    assert!(!p.server.has_key(Level::ZeroRtt, Direction::Read));
    assert!(
        p.client
            .events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(_)))
    );
}

// ---- Tickets across transports ----

fn tcp_pair(client: &Arc<ClientConfig>, server: &Arc<ServerConfig>) -> pair::Pair {
    pair::Pair::from_connections(
        tls13::ClientConnection::new(client.clone(), "localhost").unwrap(),
        tls13::ServerConnection::new(server.clone()).unwrap(),
        Feed::Whole,
    )
}

/// A QUIC ticket says max_early_data_size 0xffffffff (RFC 9001 §4.6.1:
/// "a sentinel value"; QUIC limits 0-RTT by its transport parameters).
/// Over TCP that is no promise of 4 GiB: a TCP client holding a QUIC
/// session (a store keyed by name alone hands it out) must not offer
/// 0-RTT under it, and a TCP server must not accept 0-RTT under a QUIC
/// ticket, even one whose configuration allows u32::MAX bytes.
#[test]
fn a_quic_ticket_starts_no_0rtt_over_tcp() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, u32::MAX);
    quic_pair(&client, &server, SERVER_PARAMS).run().unwrap();
    let tcp_key = SessionKey::for_config(&client, "localhost").unwrap();
    let quic_key = tcp_key.clone().for_quic();
    let session = w.cache.take(&quic_key).unwrap();
    assert_eq!(session.max_early_data, 0xffff_ffff);

    // Client side: the session as a store that ignores the transport
    // returns it.
    w.cache.put(&tcp_key, session.clone());
    let mut tcp = tcp_pair(&client, &quic_server_of(&w, 16384));
    tcp.run().unwrap();
    assert!(tcp.client.negotiated().resumed);
    assert!(
        !tcp.client_events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(_) | Event::EarlyDataAccepted)),
        "the TCP client offered 0-RTT under a QUIC session"
    );

    // Server side: a client that offers it anyway (the session stripped
    // of what marks it as QUIC's) to a server that takes u32::MAX bytes.
    quic_pair(&client, &server, SERVER_PARAMS).run().unwrap();
    let mut session = w.cache.take(&quic_key).unwrap();
    session.quic_transport_parameters = None;
    w.cache.put(&tcp_key, session);
    let mut tcp = tcp_pair(&client, &server);
    tcp.run().unwrap();
    assert!(tcp.server.negotiated().resumed);
    assert!(
        !tcp.server.negotiated().early_data_accepted,
        "the TCP server accepted 0-RTT under a QUIC ticket"
    );
}

/// The reverse: a TCP ticket of a server that takes u32::MAX bytes of
/// early data also says 0xffffffff, but it carries no QUIC early data
/// context, and a QUIC server refuses 0-RTT under it.
#[test]
fn a_tcp_ticket_with_the_sentinel_value_starts_no_0rtt_over_quic() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, u32::MAX);
    tcp_pair(&client, &server).run().unwrap();
    let tcp_key = SessionKey::for_config(&client, "localhost").unwrap();
    let mut session = w.cache.take(&tcp_key).unwrap();
    assert_eq!(session.max_early_data, 0xffff_ffff);
    session.quic_transport_parameters = Some(SERVER_PARAMS.to_vec());
    w.cache.put(&tcp_key.clone().for_quic(), session);
    let mut p = quic_pair(&client, &server, SERVER_PARAMS);
    assert!(p.client.conn.early_transport_parameters().is_some());
    p.run().unwrap();
    assert!(p.server.conn.negotiated().resumed);
    assert!(!p.server.conn.negotiated().early_data_accepted);
    assert!(!p.server.has_key(Level::ZeroRtt, Direction::Read));
}

/// RFC 9846 §8 over QUIC: the same 0-RTT ClientHello replayed to another
/// server sharing the ticket key and strike register gets no 0-RTT.
#[test]
fn a_replayed_0rtt_client_hello_is_refused() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, 16384);
    quic_pair(&client, &server, SERVER_PARAMS).run().unwrap();
    let mut c = ClientConnection::new(
        client.clone(),
        "localhost",
        Version::V1,
        CLIENT_PARAMS.to_vec(),
    )
    .unwrap();
    let (level, hello) = c.write_handshake().unwrap();
    assert_eq!(level, Level::Initial);
    let mut accepted = Vec::new();
    for _ in 0..2 {
        let mut s =
            ServerConnection::new(server.clone(), Version::V1, SERVER_PARAMS.to_vec()).unwrap();
        s.read_handshake(Level::Initial, &hello).unwrap();
        let zero_rtt =
            std::iter::from_fn(|| s.next_key_change()).any(|k| k.level == Level::ZeroRtt);
        assert_eq!(zero_rtt, s.negotiated().early_data_accepted);
        accepted.push(zero_rtt);
    }
    assert_eq!(accepted, [true, false]);
}

// ---- quic_transport_parameters where it does not belong ----

/// RFC 9001 §8.2 / RFC 9846 §4.3: quic_transport_parameters belongs in
/// ClientHello and EncryptedExtensions only. A ServerHello, a
/// HelloRetryRequest, a server Certificate entry or a NewSessionTicket
/// carrying it is illegal_parameter.
#[test]
fn transport_parameters_in_other_server_messages_are_refused() {
    // ServerHello.
    let mut p = default_pair();
    p.client_to_server().unwrap();
    let (level, sh) = p.server.conn.write_handshake().unwrap();
    assert_eq!(level, Level::Initial);
    let HandshakeMessage::ServerHello(mut sh) = HandshakeMessage::read_exact(&sh, "SH").unwrap()
    else {
        panic!()
    };
    sh.extensions
        .push(ServerExtension::Unknown(transport_parameters_ext(
            SERVER_PARAMS,
        )));
    let sh = HandshakeMessage::ServerHello(sh).to_bytes();
    p.client
        .conn
        .read_handshake(Level::Initial, &sh)
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(ILLEGAL_PARAMETER));

    // HelloRetryRequest.
    let client = client_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let mut p = Pair::with(client_conn(client), server_conn(server));
    p.client_to_server().unwrap();
    let (_, hrr) = p.server.conn.write_handshake().unwrap();
    let HandshakeMessage::ServerHello(mut hrr) = HandshakeMessage::read_exact(&hrr, "HRR").unwrap()
    else {
        panic!()
    };
    assert!(hrr.is_retry_request());
    hrr.extensions
        .push(ServerExtension::Unknown(transport_parameters_ext(
            SERVER_PARAMS,
        )));
    let hrr = HandshakeMessage::ServerHello(hrr).to_bytes();
    p.client
        .conn
        .read_handshake(Level::Initial, &hrr)
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(ILLEGAL_PARAMETER));

    // The leaf's CertificateEntry.
    let mut p = default_pair();
    p.client_to_server().unwrap();
    let (_, sh) = p.server.conn.write_handshake().unwrap();
    p.client.conn.read_handshake(Level::Initial, &sh).unwrap();
    let (level, flight) = p.server.conn.write_handshake().unwrap();
    assert_eq!(level, Level::Handshake);
    let mut flight = split_messages(&flight);
    assert_eq!(flight[1][0], 11);
    let HandshakeMessage::Certificate(mut cert) =
        HandshakeMessage::read_exact(&flight[1], "Certificate").unwrap()
    else {
        panic!()
    };
    cert.entries[0]
        .extensions
        .push(transport_parameters_ext(SERVER_PARAMS));
    flight[1] = HandshakeMessage::Certificate(cert).to_bytes();
    p.client
        .conn
        .read_handshake(Level::Handshake, &flight.concat())
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(ILLEGAL_PARAMETER));

    // NewSessionTicket.
    let mut p = default_pair();
    p.run().unwrap();
    let nst = HandshakeMessage::NewSessionTicket(NewSessionTicket {
        lifetime: 3600,
        age_add: 1,
        nonce: vec![0],
        ticket: vec![5; 32],
        extensions: vec![TicketExtension::Unknown(transport_parameters_ext(
            SERVER_PARAMS,
        ))],
    })
    .to_bytes();
    p.client
        .conn
        .read_handshake(Level::OneRtt, &nst)
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(ILLEGAL_PARAMETER));
}

/// RFC 9846 §4.3: an extension type appears once per message; a second
/// quic_transport_parameters in a ClientHello or EncryptedExtensions is
/// refused (never two sets of parameters to choose from).
#[test]
fn duplicated_transport_parameters_are_refused() {
    let client = client_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .client_hello_hook(Arc::new(
            |ch: &mut tls13::unstable::msgs::handshake::ClientHello| {
                ch.extensions.insert(
                    0,
                    ClientExtension::Unknown(transport_parameters_ext(b"second set")),
                )
            },
        ))
        .build()
        .unwrap();
    let mut p = Pair::with(client_conn(client), server_conn(server_cfg()));
    p.run().unwrap_err();
    let code = p.server.conn.error_code().unwrap();
    assert!((0x100..0x200).contains(&code), "{code:#x}");
    assert!(p.server.conn.peer_transport_parameters().is_none());

    let server = server_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .encrypted_extensions_hook(Arc::new(|ee: &mut Vec<ServerExtension>| {
            ee.insert(
                0,
                ServerExtension::Unknown(transport_parameters_ext(b"second set")),
            )
        }))
        .build()
        .unwrap();
    let mut p = Pair::with(client_conn(client_cfg()), server_conn(server));
    p.run().unwrap_err();
    let code = p.client.conn.error_code().unwrap();
    assert!((0x100..0x200).contains(&code), "{code:#x}");
    assert!(p.client.conn.peer_transport_parameters().is_none());
}

// ---- 0-RTT the client did not offer; EndOfEarlyData ----

/// A server that accepts 0-RTT in its EncryptedExtensions when none was
/// offered (first connection; and after a HelloRetryRequest of a
/// resumption that offered it) is unsupported_extension.
#[test]
fn unoffered_0rtt_acceptance_is_refused() {
    let add_early = |ee: &mut Vec<ServerExtension>| ee.push(ServerExtension::EarlyData);
    let server = server_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .encrypted_extensions_hook(Arc::new(add_early))
        .build()
        .unwrap();
    let mut p = Pair::with(client_conn(client_cfg()), server_conn(server));
    p.run().unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(UNSUPPORTED_EXTENSION));
    assert!(!p.client.has_key(Level::OneRtt, Direction::Read));

    let w = World::new();
    let client = Arc::new(
        w.client()
            .alpn_protocols(&[H3])
            .enable_early_data(true)
            .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
            .build()
            .unwrap(),
    );
    quic_pair(&client, &quic_server_of(&w, 16384), SERVER_PARAMS)
        .run()
        .unwrap();
    let retry = Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .max_early_data_size(16384)
            .groups(&[NamedGroup::SECP256R1])
            .encrypted_extensions_hook(Arc::new(add_early))
            .build()
            .unwrap(),
    );
    let mut p = quic_pair(&client, &retry, SERVER_PARAMS);
    p.run().unwrap_err();
    assert!(p.client.conn.negotiated().hello_retry);
    assert_eq!(p.client.conn.error_code(), Some(UNSUPPORTED_EXTENSION));
    assert!(
        p.client
            .events
            .iter()
            .any(|e| matches!(e, Event::EarlyDataRejected(_)))
    );
}

/// RFC 9001 §8.3: there is no EndOfEarlyData over QUIC. A QUIC server
/// that accepted 0-RTT takes one in the Handshake flight as
/// unexpected_message, not as the end of early data.
#[test]
fn end_of_early_data_is_refused_by_a_quic_server() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, 16384);
    quic_pair(&client, &server, SERVER_PARAMS).run().unwrap();
    let mut p = quic_pair(&client, &server, SERVER_PARAMS);
    p.client_to_server().unwrap();
    assert!(p.server.conn.negotiated().early_data_accepted);
    p.server
        .conn
        .read_handshake(Level::Handshake, &[5, 0, 0, 0])
        .unwrap_err();
    assert_eq!(p.server.conn.error_code(), Some(UNEXPECTED_MESSAGE));
}

// ---- Levels ----

/// RFC 9001 §4.1.3: data of a level left behind must not extend past
/// what was received there. An empty piece extends nothing (a stack that
/// hands over "whatever is new" after a retransmitted Initial packet),
/// so it is no violation; one new byte is.
#[test]
fn empty_data_at_a_past_level_is_no_violation() {
    let mut p = default_pair();
    p.run().unwrap();
    for level in [Level::Initial, Level::Handshake, Level::OneRtt] {
        p.client.conn.read_handshake(level, &[]).unwrap();
        p.server.conn.read_handshake(level, &[]).unwrap();
    }
    assert!(p.client.conn.error().is_none() && p.server.conn.error().is_none());
    p.client
        .conn
        .read_handshake(Level::Initial, &[2])
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
    // 0-RTT packets carry no CRYPTO frame at all (§8.3), empty or not.
    let mut p = default_pair();
    p.run().unwrap();
    p.server
        .conn
        .read_handshake(Level::ZeroRtt, &[])
        .unwrap_err();
    assert_eq!(p.server.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
}

// ---- Keys after a failure ----

/// A signer that refuses.
struct Refusing(Arc<dyn Signer>);

impl Signer for Refusing {
    fn schemes(&self) -> Vec<SignatureScheme> {
        self.0.schemes()
    }
    fn sign(
        &self,
        _: SignatureScheme,
        _: &[u8],
        _: &dyn SecureRandom,
    ) -> Decision<Result<Vec<u8>, Error>> {
        Decision::Ready(Err(Error::BadConfig("HSM unavailable".into())))
    }
}

struct RefusingResolver(Arc<CertifiedKey>);

impl ResolvesServerCert for RefusingResolver {
    fn resolve(&self, _: &ClientHelloInfo) -> Decision<Result<Arc<CertifiedKey>, Error>> {
        Decision::Ready(Ok(self.0.clone()))
    }
}

/// A connection that failed hands out no more keys: the server whose
/// signature fails while it builds its flight had queued its Handshake
/// (and 1-RTT write) keys for a ServerHello that is never sent (its
/// output is dropped). A QUIC stack that took them would protect its
/// CONNECTION_CLOSE with keys the client cannot have, and they are
/// secrets of a dead connection.
#[test]
fn a_failed_connection_hands_out_no_keys() {
    let id = identity(KeyType::EcdsaP256);
    let provider = tls13::crypto::rustcrypto::provider();
    let real: Arc<dyn Signer> = Arc::new(provider.load_private_key(&id.key).unwrap());
    let ck = CertifiedKey::new(
        vec![id.leaf.clone(), id.ca.clone()],
        Arc::new(Refusing(real)),
    );
    let server = ServerConfig::builder(Arc::new(RefusingResolver(Arc::new(ck))))
        .provider(provider)
        .alpn_protocols(&[H3])
        .build()
        .unwrap();
    let mut client = client_conn(client_cfg());
    let mut server =
        ServerConnection::new(Arc::new(server), Version::V1, SERVER_PARAMS.to_vec()).unwrap();
    let (level, hello) = client.write_handshake().unwrap();
    server.read_handshake(level, &hello).unwrap_err();
    assert_eq!(server.error_code(), Some(0x100 + 80));
    assert!(server.write_handshake().is_none());
    let keys: Vec<_> = std::iter::from_fn(|| server.next_key_change())
        .map(|k| (k.level, k.direction))
        .collect();
    assert_eq!(keys, [], "keys of a failed connection");
}

// ---- Deferred decisions over QUIC ----

/// A client verifier that always defers.
struct LaterClient;

impl tls13::verify::ClientCertVerifier for LaterClient {
    fn verify_client_cert(
        &self,
        _: &[u8],
        _: &[Vec<u8>],
        _: u64,
    ) -> Decision<Result<(), tls13::error::CertificateError>> {
        Decision::Deferred
    }
}

/// RFC 9001 §5.7: while the client's certificate waits for the
/// application, its CertificateVerify and Finished wait too, and so does
/// the server's 1-RTT read key; a refusal ends the connection without
/// it, an acceptance brings it.
#[test]
fn deferred_client_verification_holds_the_1rtt_read_key() {
    for accept in [false, true] {
        let client_id = identity(KeyType::EcdsaP384);
        let client = client_builder(KeyType::EcdsaP256)
            .alpn_protocols(&[H3])
            .client_auth_cert(
                vec![client_id.leaf.clone()],
                tls13::crypto::sign::SigningKey::from_der(&client_id.key).unwrap(),
            )
            .build()
            .unwrap();
        let server = server_builder(KeyType::EcdsaP256)
            .alpn_protocols(&[H3])
            .client_auth(tls13::ClientAuth::Required(Arc::new(LaterClient)))
            .build()
            .unwrap();
        let mut p = Pair::with(client_conn(client), server_conn(server));
        p.run().unwrap();
        assert!(
            p.server
                .events
                .iter()
                .any(|e| matches!(e, Event::VerifyClientCert(_)))
        );
        assert!(!p.server.has_key(Level::OneRtt, Direction::Read));
        assert!(p.server.has_key(Level::OneRtt, Direction::Write));
        assert!(!p.server.complete());
        if accept {
            p.server.conn.answer_verify(Ok(())).unwrap();
            p.run().unwrap();
            assert!(p.server.complete());
            assert!(p.server.has_key(Level::OneRtt, Direction::Read));
        } else {
            p.server
                .conn
                .answer_verify(Err(tls13::error::CertificateError::NotPinned))
                .unwrap_err();
            assert!(p.server.conn.next_key_change().is_none());
            assert!(p.server.conn.write_handshake().is_none());
            assert_eq!(p.server.conn.error_code(), Some(0x100 + 42));
        }
    }
}

/// Forwards to the world's ticket producer but defers every redemption.
struct DeferredRedeem(Arc<dyn tls13::config::TicketProducer>);

impl tls13::config::TicketProducer for DeferredRedeem {
    fn produce(&self, info: &tls13::config::TicketInfo<'_>) -> Option<Vec<u8>> {
        self.0.produce(info)
    }
    fn redeem(&self, ticket: &[u8]) -> Option<tls13::resumption::ServerSession> {
        self.0.redeem(ticket)
    }
    fn redeem_or_defer(&self, _: &[u8]) -> Decision<Option<tls13::resumption::ServerSession>> {
        Decision::Deferred
    }
    fn anti_replay(&self) -> tls13::resumption::AntiReplay<'_> {
        self.0.anti_replay()
    }
}

/// A ticket redeemed later (answer_ticket) over QUIC: the 0-RTT
/// decision is made on the answer, with the QUIC context, once.
#[test]
fn deferred_ticket_redemption_keeps_0rtt() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .max_early_data_size(16384)
            .tickets(Arc::new(DeferredRedeem(w.tickets.clone())), 1, 7200)
            .build()
            .unwrap(),
    );
    quic_pair(&client, &server, SERVER_PARAMS).run().unwrap();
    let mut p = quic_pair(&client, &server, SERVER_PARAMS);
    p.run().unwrap();
    let ticket = p
        .server
        .events
        .iter()
        .find_map(|e| match e {
            Event::RedeemTicket(t) => Some(t.clone()),
            _ => None,
        })
        .unwrap();
    assert!(p.server.keys.is_empty());
    let session = w.tickets.redeem(&ticket);
    assert!(session.is_some());
    p.server.conn.answer_ticket(session).unwrap();
    p.run().unwrap();
    assert!(p.client.complete() && p.server.complete());
    assert!(p.server.conn.negotiated().early_data_accepted);
    assert!(p.server.has_key(Level::ZeroRtt, Direction::Read));
    // An answer nobody asked for leaves the connection usable.
    let e = p.server.conn.answer_ticket(None).unwrap_err();
    assert!(matches!(e, Error::BadConfig(_)), "{e:?}");
    assert!(p.server.conn.error().is_none());
}

// ---- The second ClientHello ----

/// RFC 9846 §4.1.2: apart from what the HelloRetryRequest asked for, the
/// second ClientHello repeats the first; other transport parameters in
/// it are refused, not taken over.
#[test]
fn other_transport_parameters_after_a_retry_are_refused() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let client = client_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .client_hello_hook(Arc::new(
            move |ch: &mut tls13::unstable::msgs::handshake::ClientHello| {
                if counter.fetch_add(1, Ordering::SeqCst) == 1 {
                    for e in &mut ch.extensions {
                        if let ClientExtension::Unknown(u) = e
                            && u.typ == ExtensionType::QUIC_TRANSPORT_PARAMETERS
                        {
                            u.body = b"bigger limits".to_vec();
                        }
                    }
                }
            },
        ))
        .build()
        .unwrap();
    let server = server_builder(KeyType::EcdsaP256)
        .alpn_protocols(&[H3])
        .groups(&[NamedGroup::SECP256R1])
        .build()
        .unwrap();
    let mut p = Pair::with(client_conn(client), server_conn(server));
    p.run().unwrap_err();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(p.server.conn.error_code(), Some(ILLEGAL_PARAMETER));
    // (The refused second set is what peer_transport_parameters shows
    // on the failed connection: it is stored before the comparison.)
}

// ---- What the client says about 0-RTT ----

/// `early_transport_parameters` is documented as `None` without 0-RTT:
/// a resumption whose hello hook took early_data out gets no 0-RTT key,
/// and must not report the session's parameters as those 0-RTT packets
/// respect.
#[test]
fn no_early_transport_parameters_without_a_0rtt_key() {
    let w = World::new();
    let client = quic_client_of(&w);
    let server = quic_server_of(&w, 16384);
    quic_pair(&client, &server, SERVER_PARAMS).run().unwrap();
    let hooked = Arc::new(
        w.client()
            .alpn_protocols(&[H3])
            .enable_early_data(true)
            .client_hello_hook(Arc::new(
                |ch: &mut tls13::unstable::msgs::handshake::ClientHello| {
                    ch.extensions
                        .retain(|e| e.typ() != ExtensionType::EARLY_DATA)
                },
            ))
            .build()
            .unwrap(),
    );
    // The hooked configuration files sessions under its own scope: give
    // it the one the first connection got.
    let key = SessionKey::for_config(&client, "localhost")
        .unwrap()
        .for_quic();
    let session = w.cache.take(&key).unwrap();
    w.cache.put(
        &SessionKey::for_config(&hooked, "localhost")
            .unwrap()
            .for_quic(),
        session,
    );
    let mut p = quic_pair(&hooked, &server, SERVER_PARAMS);
    p.run().unwrap();
    assert!(p.client.conn.negotiated().resumed);
    assert!(!p.client.has_key(Level::ZeroRtt, Direction::Write));
    assert_eq!(p.client.conn.early_transport_parameters(), None);
}

// ---- Each key once, at its level ----

/// Every (level, direction) comes once at most, in the order of the
/// documented table, over a full handshake, a 0-RTT resumption, and a
/// resumption whose 0-RTT a HelloRetryRequest refused.
#[test]
fn each_key_is_handed_out_once() {
    use Direction::{Read, Write};
    use Level::{Handshake, OneRtt, ZeroRtt};
    let order = |side: &[KeyChange]| {
        side.iter()
            .map(|k| (k.level, k.direction))
            .collect::<Vec<_>>()
    };

    let mut p = default_pair();
    p.run().unwrap();
    assert_eq!(
        order(&p.client.keys),
        [
            (Handshake, Read),
            (Handshake, Write),
            (OneRtt, Read),
            (OneRtt, Write)
        ]
    );
    assert_eq!(
        order(&p.server.keys),
        [
            (Handshake, Write),
            (Handshake, Read),
            (OneRtt, Write),
            (OneRtt, Read)
        ]
    );

    let w = World::new();
    let client = Arc::new(
        w.client()
            .alpn_protocols(&[H3])
            .enable_early_data(true)
            .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
            .build()
            .unwrap(),
    );
    let server = quic_server_of(&w, 16384);
    quic_pair(&client, &server, SERVER_PARAMS).run().unwrap();
    let mut p = quic_pair(&client, &server, SERVER_PARAMS);
    p.run().unwrap();
    assert!(p.server.conn.negotiated().early_data_accepted);
    assert_eq!(
        order(&p.client.keys),
        [
            (ZeroRtt, Write),
            (Handshake, Read),
            (Handshake, Write),
            (OneRtt, Read),
            (OneRtt, Write)
        ]
    );
    assert_eq!(
        order(&p.server.keys),
        [
            (Handshake, Write),
            (ZeroRtt, Read),
            (Handshake, Read),
            (OneRtt, Write),
            (OneRtt, Read)
        ]
    );

    let retry = Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .max_early_data_size(16384)
            .groups(&[NamedGroup::SECP256R1])
            .build()
            .unwrap(),
    );
    let mut p = quic_pair(&client, &retry, SERVER_PARAMS);
    p.run().unwrap();
    assert!(p.client.conn.negotiated().hello_retry && p.client.conn.negotiated().resumed);
    assert_eq!(
        order(&p.client.keys),
        [
            (ZeroRtt, Write),
            (Handshake, Read),
            (Handshake, Write),
            (OneRtt, Read),
            (OneRtt, Write)
        ]
    );
    assert_eq!(
        order(&p.server.keys),
        [
            (Handshake, Write),
            (Handshake, Read),
            (OneRtt, Write),
            (OneRtt, Read)
        ]
    );
}

/// RFC 9001 §4.1.3 at the client's last key change: a NewSessionTicket
/// sent at the Handshake level right after the server's Finished is data
/// left unconsumed when the 1-RTT keys arrive, a PROTOCOL_VIOLATION, and
/// no 1-RTT key is handed out.
#[test]
fn handshake_data_after_the_server_finished_is_refused() {
    let mut p = default_pair();
    p.client_to_server().unwrap();
    let (_, sh) = p.server.conn.write_handshake().unwrap();
    p.client.conn.read_handshake(Level::Initial, &sh).unwrap();
    let (level, mut flight) = p.server.conn.write_handshake().unwrap();
    assert_eq!(level, Level::Handshake);
    flight.extend_from_slice(
        &HandshakeMessage::NewSessionTicket(NewSessionTicket {
            lifetime: 3600,
            age_add: 1,
            nonce: vec![0],
            ticket: vec![5; 32],
            extensions: vec![],
        })
        .to_bytes(),
    );
    p.client
        .conn
        .read_handshake(Level::Handshake, &flight)
        .unwrap_err();
    assert_eq!(p.client.conn.error_code(), Some(quic::PROTOCOL_VIOLATION));
    let keys: Vec<_> = std::iter::from_fn(|| p.client.conn.next_key_change())
        .map(|k| k.level)
        .collect();
    assert!(!keys.contains(&Level::OneRtt), "{keys:?}");
    assert!(p.client.conn.write_handshake().is_none());
}

/// RFC 9846 §4.3.10: a server accepts early data only under the ticket's
/// cipher suite and ALPN protocol, which the 0-RTT data was protected and
/// written for. A server that says it accepted under another one is
/// refused by the client (illegal_parameter), before any 1-RTT key.
#[test]
fn zero_rtt_accepted_under_another_alpn_or_suite_is_refused() {
    use tls13::unstable::msgs::enums::CipherSuite;
    let add_early = |ee: &mut Vec<ServerExtension>| {
        if !ee.iter().any(|e| matches!(e, ServerExtension::EarlyData)) {
            ee.push(ServerExtension::EarlyData)
        }
    };
    // Another ALPN protocol.
    let w = World::new();
    let client = Arc::new(
        w.client()
            .alpn_protocols(&[H3, b"h3-29"])
            .enable_early_data(true)
            .build()
            .unwrap(),
    );
    quic_pair(&client, &quic_server_of(&w, 16384), SERVER_PARAMS)
        .run()
        .unwrap();
    let other_alpn = Arc::new(
        w.server()
            .alpn_protocols(&[b"h3-29"])
            .max_early_data_size(16384)
            .encrypted_extensions_hook(Arc::new(add_early))
            .build()
            .unwrap(),
    );
    let mut p = quic_pair(&client, &other_alpn, SERVER_PARAMS);
    let e = p.run().unwrap_err();
    assert!(format!("{e}").contains("ALPN"), "{e}");
    assert_eq!(p.client.conn.error_code(), Some(ILLEGAL_PARAMETER));
    assert!(!p.client.has_key(Level::OneRtt, Direction::Write));

    // Another cipher suite of the same hash (the PSK still fits it).
    let w = World::new();
    let client = Arc::new(
        w.client()
            .alpn_protocols(&[H3])
            .suites(&[
                CipherSuite::TLS_AES_128_GCM_SHA256,
                CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            ])
            .enable_early_data(true)
            .build()
            .unwrap(),
    );
    let first = Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .suites(&[CipherSuite::TLS_AES_128_GCM_SHA256])
            .max_early_data_size(16384)
            .build()
            .unwrap(),
    );
    quic_pair(&client, &first, SERVER_PARAMS).run().unwrap();
    let other_suite = Arc::new(
        w.server()
            .alpn_protocols(&[H3])
            .suites(&[CipherSuite::TLS_CHACHA20_POLY1305_SHA256])
            .max_early_data_size(16384)
            .encrypted_extensions_hook(Arc::new(add_early))
            .build()
            .unwrap(),
    );
    let mut p = quic_pair(&client, &other_suite, SERVER_PARAMS);
    let e = p.run().unwrap_err();
    assert!(p.client.conn.negotiated().resumed, "{e}");
    assert!(format!("{e}").contains("cipher suite"), "{e}");
    assert_eq!(p.client.conn.error_code(), Some(ILLEGAL_PARAMETER));
}
