//! quinn client ↔ quinn server, both on tls13 through this crate, over
//! real UDP on 127.0.0.1: the handshake and what it negotiated, bulk and
//! many-stream transfers checked byte for byte, key updates, resumption
//! and 0-RTT (accepted, and rejected with the data resent), mutual TLS,
//! ALPN mismatch, HelloRetryRequest, Retry, and what configurations are
//! refused. Every wait is bounded (`common::within`).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    ALPN, Pki, client_endpoint, close_code, first_difference, handshake_data, pattern,
    server_endpoint, within,
};
use quinn::{Connection, Endpoint};
use tls13::config::ClientAuth;
use tls13::error::CertificateError;
use tls13::pki_types::CertificateDer;
use tls13::resumption::ClientSessionCache;
use tls13::{Decision, NamedGroup, ServerCertVerifier, ServerName};
use tls13_quinn::{QuicClientConfig, QuicServerConfig};

/// A server that accepts connections and echoes every bidirectional
/// stream (each in its own task) until the endpoint closes. Returns
/// the endpoint's address.
fn echo_server(config: quinn::ServerConfig) -> (Endpoint, std::net::SocketAddr) {
    let (endpoint, addr) = server_endpoint(config);
    let accepting = endpoint.clone();
    tokio::spawn(async move {
        while let Some(incoming) = accepting.accept().await {
            tokio::spawn(async move {
                let Ok(conn) = incoming.await else { return };
                echo(conn).await;
            });
        }
    });
    (endpoint, addr)
}

/// Echoes each bidirectional stream of `conn` until it closes.
async fn echo(conn: Connection) {
    while let Ok((mut send, mut recv)) = conn.accept_bi().await {
        tokio::spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(Some(n)) = recv.read(&mut buf).await {
                if send.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
            let _ = send.finish();
            let _ = send.stopped().await;
        });
    }
}

/// Sends `data` on a new stream of `conn` and returns what comes back.
async fn round_trip(conn: &Connection, data: &[u8]) -> Vec<u8> {
    let (mut send, mut recv) = within("open a stream", conn.open_bi()).await.unwrap();
    let data = data.to_vec();
    let writer = tokio::spawn(async move {
        send.write_all(&data).await.unwrap();
        send.finish().unwrap();
    });
    let back = within("the echo", recv.read_to_end(usize::MAX))
        .await
        .unwrap();
    writer.await.unwrap();
    back
}

fn client_config(tls: tls13::ClientConfig) -> quinn::ClientConfig {
    tls13_quinn::client_config(tls).unwrap()
}

fn server_config(tls: tls13::ServerConfig) -> quinn::ServerConfig {
    tls13_quinn::server_config(tls).unwrap()
}

async fn connect(
    endpoint: &Endpoint,
    config: &quinn::ClientConfig,
    addr: std::net::SocketAddr,
) -> Result<Connection, quinn::ConnectionError> {
    let connecting = endpoint
        .connect_with(config.clone(), addr, "localhost")
        .unwrap();
    within("the handshake", connecting).await
}

#[tokio::test]
async fn handshake_negotiates_alpn_server_name_and_identities() {
    let pki = Pki::new();
    let (server, addr) = server_endpoint(server_config(
        pki.server()
            .alpn_protocols(&[b"other", ALPN])
            .build()
            .unwrap(),
    ));
    let accept = tokio::spawn(async move {
        let conn = within("accept", server.accept()).await.unwrap();
        let conn = within("the server's handshake", conn).await.unwrap();
        let data = handshake_data(&conn);
        assert!(conn.peer_identity().is_none(), "no client certificate");
        echo(conn).await;
        data
    });
    let client = client_endpoint();
    let config = client_config(pki.client().alpn_protocols(&[ALPN]).build().unwrap());
    let conn = connect(&client, &config, addr).await.unwrap();

    let data = handshake_data(&conn);
    assert_eq!(data.protocol.as_deref(), Some(ALPN));
    assert_eq!(data.server_name.as_deref(), Some("localhost"));
    assert!(!data.resumed && !data.hello_retry && !data.early_data_accepted);
    assert!(data.suite.is_some() && data.group.is_some());
    let chain = conn
        .peer_identity()
        .unwrap()
        .downcast::<Vec<CertificateDer<'static>>>()
        .unwrap();
    let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.to_vec()).collect();
    assert_eq!(chain, pki.server_chain);

    // 1-RTT both ways.
    assert_eq!(round_trip(&conn, b"ping").await, b"ping");
    conn.close(0u32.into(), b"done");
    drop(conn);
    let server_data = within("the server task", accept).await.unwrap();
    assert_eq!(server_data.protocol.as_deref(), Some(ALPN));
    assert_eq!(server_data.server_name.as_deref(), Some("localhost"));
    assert_eq!(server_data.suite, data.suite);
    assert_eq!(server_data.group, data.group);
}

/// 16 MiB each way on one bidirectional stream, at the same time, every
/// byte checked.
#[tokio::test]
async fn sixteen_mib_each_way() {
    const LEN: usize = 16 << 20;
    let pki = Pki::new();
    let (server, addr) = server_endpoint(server_config(
        pki.server().alpn_protocols(&[ALPN]).build().unwrap(),
    ));
    let serve = tokio::spawn(async move {
        let conn = within("accept", server.accept()).await.unwrap();
        let conn = within("handshake", conn).await.unwrap();
        let (mut send, mut recv) = within("the client's stream", conn.accept_bi())
            .await
            .unwrap();
        let writer = tokio::spawn(async move {
            send.write_all(&pattern(LEN, 2)).await.unwrap();
            send.finish().unwrap();
            send.stopped().await.unwrap();
        });
        let got = within("16 MiB from the client", recv.read_to_end(LEN))
            .await
            .unwrap();
        within("the server's writer", writer).await.unwrap();
        conn.closed().await;
        got
    });
    let client = client_endpoint();
    let config = client_config(pki.client().alpn_protocols(&[ALPN]).build().unwrap());
    let conn = connect(&client, &config, addr).await.unwrap();
    let (mut send, mut recv) = conn.open_bi().await.unwrap();
    let writer = tokio::spawn(async move {
        send.write_all(&pattern(LEN, 1)).await.unwrap();
        send.finish().unwrap();
        // Until the server has it all: closing earlier would drop the
        // data still in flight.
        send.stopped().await.unwrap();
    });
    let got = within("16 MiB from the server", recv.read_to_end(LEN))
        .await
        .unwrap();
    within("the client's writer", writer).await.unwrap();
    let want = pattern(LEN, 2);
    assert_eq!(first_difference(&got, &want), None, "server → client");
    conn.close(0u32.into(), b"done");
    let got = within("the server task", serve).await.unwrap();
    let want = pattern(LEN, 1);
    assert_eq!(first_difference(&got, &want), None, "client → server");
}

/// 100 bidirectional streams at once (quinn's default limit), each with
/// its own content, each echoed and checked.
#[tokio::test]
async fn hundred_concurrent_streams() {
    let pki = Pki::new();
    let (_server, addr) = echo_server(server_config(
        pki.server().alpn_protocols(&[ALPN]).build().unwrap(),
    ));
    let client = client_endpoint();
    let config = client_config(pki.client().alpn_protocols(&[ALPN]).build().unwrap());
    let conn = connect(&client, &config, addr).await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..100u64 {
        let conn = conn.clone();
        tasks.spawn(async move {
            let data = pattern(10_000 + i as usize * 101, 1000 + i);
            let back = round_trip(&conn, &data).await;
            (i, first_difference(&back, &data))
        });
    }
    let mut done = 0;
    while let Some(result) = within("the streams", tasks.join_next()).await {
        let (i, difference) = result.unwrap();
        assert_eq!(difference, None, "stream {i}");
        done += 1;
    }
    assert_eq!(done, 100);
}

/// With a low confidentiality limit, quinn updates 1-RTT keys every few
/// hundred packets (RFC 9001 §6); data keeps flowing intact across the
/// updates, which both sides derive (`next_1rtt_keys`) and count.
#[tokio::test]
async fn key_updates_while_data_flows() {
    let pki = Pki::new();
    // quinn updates at the limit less 10 000 packets: every 300 packets.
    let limit = 10_300;
    let server_tls = QuicServerConfig::new(pki.server().alpn_protocols(&[ALPN]).build().unwrap())
        .unwrap()
        .with_confidentiality_limit(limit);
    let server_tls = Arc::new(server_tls);
    let token_key =
        tls13_quinn::TokenKey::new(tls13::crypto::default_provider(), &tls13::crypto::OsRandom)
            .unwrap();
    let (_server, addr) = echo_server(quinn::ServerConfig::new(
        server_tls.clone(),
        Arc::new(token_key),
    ));
    let client_tls = Arc::new(
        QuicClientConfig::new(pki.client().alpn_protocols(&[ALPN]).build().unwrap())
            .unwrap()
            .with_confidentiality_limit(limit),
    );
    let client = client_endpoint();
    let config = quinn::ClientConfig::new(client_tls.clone());
    let conn = connect(&client, &config, addr).await.unwrap();

    // quinn keeps the previous keys for 3 PTOs after an update and starts
    // no other meanwhile: send rounds until several updates happened.
    let mut round = 0u64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(45);
    while client_tls.key_updates() < 8 || server_tls.key_updates() < 8 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} client and {} server key updates after {round} rounds",
            client_tls.key_updates(),
            server_tls.key_updates()
        );
        let data = pattern(1 << 20, 50 + round);
        let back = round_trip(&conn, &data).await;
        assert_eq!(first_difference(&back, &data), None, "round {round}");
        round += 1;
    }
    // And after the last one.
    assert_eq!(round_trip(&conn, b"still here").await, b"still here");
}

/// A server configuration with tickets that allow 0-RTT.
fn early_server(pki: &Pki) -> Arc<tls13::ServerConfig> {
    Arc::new(
        pki.server()
            .alpn_protocols(&[ALPN])
            .session_tickets(2)
            .max_early_data_size(16384)
            .build()
            .unwrap(),
    )
}

/// A client configuration with its own session cache (to see tickets
/// arrive), 0-RTT on or off.
fn resuming_client(pki: &Pki, early: bool) -> (quinn::ClientConfig, Arc<ClientSessionCache>) {
    let cache = Arc::new(ClientSessionCache::new(8, 4, true));
    let tls = pki
        .client()
        .alpn_protocols(&[ALPN])
        .session_store(Some(cache.clone()))
        .enable_early_data(early)
        .build()
        .unwrap();
    (client_config(tls), cache)
}

/// Waits until the client holds a ticket for localhost (they arrive
/// after the handshake, at 1-RTT).
async fn ticket_arrives(cache: &ClientSessionCache) {
    within("a session ticket", async {
        while cache.count_for_name("localhost") == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

/// The second connection with the same client configuration resumes
/// the first's session; without 0-RTT enabled, `into_0rtt` is refused.
#[tokio::test]
async fn resumption_across_connections() {
    let pki = Pki::new();
    let server = QuicServerConfig::new(early_server(&pki)).unwrap();
    let (_server, addr) = echo_server(with_token_key(server));
    let client = client_endpoint();
    let (config, cache) = resuming_client(&pki, false);

    let first = connect(&client, &config, addr).await.unwrap();
    assert!(!handshake_data(&first).resumed);
    ticket_arrives(&cache).await;
    first.close(0u32.into(), b"");

    let connecting = client
        .connect_with(config.clone(), addr, "localhost")
        .unwrap();
    let connecting = match connecting.into_0rtt() {
        Ok(_) => panic!("0-RTT without enable_early_data"),
        Err(connecting) => connecting,
    };
    let second = within("the resumed handshake", connecting).await.unwrap();
    let data = handshake_data(&second);
    assert!(data.resumed && !data.early_data_accepted);
    assert_eq!(round_trip(&second, b"resumed").await, b"resumed");
}

fn with_token_key(config: QuicServerConfig) -> quinn::ServerConfig {
    let key =
        tls13_quinn::TokenKey::new(tls13::crypto::default_provider(), &tls13::crypto::OsRandom)
            .unwrap();
    quinn::ServerConfig::new(Arc::new(config), Arc::new(key))
}

/// 0-RTT: the client's stream data leaves before the handshake ends, the
/// server reads it, and `accepted` resolves true on the client; both
/// sides report a resumed handshake with early data.
#[tokio::test]
async fn zero_rtt_accepted() {
    let pki = Pki::new();
    let tls = early_server(&pki);
    let (server, addr) = server_endpoint(with_token_key(QuicServerConfig::new(tls).unwrap()));
    let client = client_endpoint();
    let (config, cache) = resuming_client(&pki, true);

    let serve = tokio::spawn(async move {
        let mut seen = Vec::new();
        for _ in 0..2 {
            let conn = within("accept", server.accept()).await.unwrap();
            let conn = within("handshake", conn).await.unwrap();
            let (mut send, mut recv) = within("a stream", conn.accept_bi()).await.unwrap();
            let got = within("its data", recv.read_to_end(1 << 20)).await.unwrap();
            send.write_all(b"thanks").await.unwrap();
            send.finish().unwrap();
            seen.push((got, handshake_data(&conn)));
            let _ = within("the client's close", conn.closed()).await;
        }
        seen
    });

    let first = connect(&client, &config, addr).await.unwrap();
    let (mut send, mut recv) = first.open_bi().await.unwrap();
    send.write_all(b"first").await.unwrap();
    send.finish().unwrap();
    within("reply", recv.read_to_end(100)).await.unwrap();
    ticket_arrives(&cache).await;
    first.close(0u32.into(), b"");

    let connecting = client
        .connect_with(config.clone(), addr, "localhost")
        .unwrap();
    let Ok((conn, accepted)) = connecting.into_0rtt() else {
        panic!("no 0-RTT with a ticket that allows it");
    };
    let (mut send, mut recv) = conn.open_bi().await.unwrap();
    send.write_all(b"sent in 0-RTT").await.unwrap();
    send.finish().unwrap();
    assert!(within("0-RTT accepted", accepted).await, "0-RTT refused");
    assert_eq!(
        within("reply", recv.read_to_end(100)).await.unwrap(),
        b"thanks"
    );
    let data = handshake_data(&conn);
    assert!(data.resumed && data.early_data_accepted);
    conn.close(0u32.into(), b"");

    let seen = within("the server task", serve).await.unwrap();
    assert_eq!(seen[0].0, b"first");
    assert!(!seen[0].1.resumed);
    assert_eq!(seen[1].0, b"sent in 0-RTT");
    assert!(seen[1].1.resumed && seen[1].1.early_data_accepted);
}

/// 0-RTT refused by a server whose 0-RTT assumptions changed since the
/// ticket: another early data context, or a lower limit in quinn's
/// transport configuration (RFC 9000 §7.4.1). The session still resumes;
/// the 0-RTT stream fails with ZeroRttRejected, and the client sends its
/// data again at 1-RTT, which the server reads (and only that).
#[tokio::test]
async fn zero_rtt_rejected_and_data_resent() {
    let pki = Pki::new();
    let tls = early_server(&pki);
    let original = || QuicServerConfig::new(tls.clone()).unwrap();
    let lower_limits = || {
        let mut config = with_token_key(original());
        let mut transport = quinn::TransportConfig::default();
        transport.max_concurrent_bidi_streams(10u32.into());
        config.transport_config(Arc::new(transport));
        config
    };
    let cases: [(&str, quinn::ServerConfig); 2] = [
        (
            "another early data context",
            with_token_key(original().with_early_data_context(b"SETTINGS v2")),
        ),
        ("a lower stream limit", lower_limits()),
    ];
    for (case, changed) in cases {
        let (server, addr) = server_endpoint(with_token_key(original()));
        let client = client_endpoint();
        let (config, cache) = resuming_client(&pki, true);
        let accepting = server.clone();
        let serve = tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..2 {
                let conn = within("accept", accepting.accept()).await.unwrap();
                let conn = within("handshake", conn).await.unwrap();
                let (mut send, mut recv) = within("a stream", conn.accept_bi()).await.unwrap();
                let got = within("its data", recv.read_to_end(1 << 20)).await.unwrap();
                send.write_all(b"thanks").await.unwrap();
                send.finish().unwrap();
                seen.push((got, handshake_data(&conn)));
                let _ = within("the client's close", conn.closed()).await;
            }
            seen
        });

        let first = connect(&client, &config, addr).await.unwrap();
        let (mut send, mut recv) = first.open_bi().await.unwrap();
        send.write_all(b"first").await.unwrap();
        send.finish().unwrap();
        within("reply", recv.read_to_end(100)).await.unwrap();
        ticket_arrives(&cache).await;
        first.close(0u32.into(), b"");

        server.set_server_config(Some(changed));
        let connecting = client
            .connect_with(config.clone(), addr, "localhost")
            .unwrap();
        let Ok((conn, accepted)) = connecting.into_0rtt() else {
            panic!("{case}: no 0-RTT attempt");
        };
        let (mut send, _recv) = conn.open_bi().await.unwrap();
        send.write_all(b"sent in 0-RTT").await.unwrap();
        let _ = send.finish();
        assert!(!within("0-RTT verdict", accepted).await, "{case}: accepted");
        assert!(
            matches!(
                within("the 0-RTT stream", send.stopped()).await,
                Err(quinn::StoppedError::ZeroRttRejected)
            ),
            "{case}"
        );
        // Sent again, now at 1-RTT.
        let (mut send, mut recv) = conn.open_bi().await.unwrap();
        send.write_all(b"sent again").await.unwrap();
        send.finish().unwrap();
        assert_eq!(
            within("reply", recv.read_to_end(100)).await.unwrap(),
            b"thanks",
            "{case}"
        );
        let data = handshake_data(&conn);
        assert!(data.resumed && !data.early_data_accepted, "{case}");
        conn.close(0u32.into(), b"");

        let seen = within("the server task", serve).await.unwrap();
        assert_eq!(seen[1].0, b"sent again", "{case}");
        assert!(
            seen[1].1.resumed && !seen[1].1.early_data_accepted,
            "{case}"
        );
    }
}

/// Client certificates: required by the server, checked against its CA
/// and visible as the peer identity; a client without one is refused
/// with certificate_required (CRYPTO_ERROR 0x100 + 116), seen by both.
#[tokio::test]
async fn mutual_tls() {
    let pki = Pki::new();
    let (server, addr) = server_endpoint(server_config(
        pki.server()
            .alpn_protocols(&[ALPN])
            .client_auth(ClientAuth::Required(pki.client_verifier()))
            .build()
            .unwrap(),
    ));
    let serve = tokio::spawn(async move {
        let mut outcomes = Vec::new();
        for _ in 0..2 {
            let incoming = within("accept", server.accept()).await.unwrap();
            let outcome = match within("handshake", incoming).await {
                Ok(conn) => {
                    let chain = conn
                        .peer_identity()
                        .unwrap()
                        .downcast::<Vec<CertificateDer<'static>>>()
                        .unwrap();
                    let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.to_vec()).collect();
                    tokio::spawn(echo(conn));
                    Ok(chain)
                }
                Err(e) => Err(close_code(&e)),
            };
            outcomes.push(outcome);
        }
        outcomes
    });
    let client = client_endpoint();

    let with_cert = client_config(
        pki.client_with_cert()
            .alpn_protocols(&[ALPN])
            .build()
            .unwrap(),
    );
    let conn = connect(&client, &with_cert, addr).await.unwrap();
    assert_eq!(round_trip(&conn, b"authenticated").await, b"authenticated");
    conn.close(0u32.into(), b"");

    let without = client_config(pki.client().alpn_protocols(&[ALPN]).build().unwrap());
    // The client's handshake may complete before the server reads its
    // empty Certificate: the refusal then closes the connection.
    let error = match connect(&client, &without, addr).await {
        Ok(conn) => within("the server's refusal", conn.closed()).await,
        Err(e) => e,
    };
    assert_eq!(close_code(&error), Some(0x100 + 116), "{error}");

    let outcomes = within("the server task", serve).await.unwrap();
    assert_eq!(outcomes[0], Ok(pki.client_chain.clone()));
    assert_eq!(outcomes[1], Err(Some(0x100 + 116)));
}

/// No application protocol in common: the server refuses the ClientHello
/// with no_application_protocol (RFC 9001 §8.1), QUIC error 0x178, on
/// both sides.
#[tokio::test]
async fn alpn_mismatch_is_0x178_on_both_sides() {
    let pki = Pki::new();
    let (server, addr) = server_endpoint(server_config(
        pki.server().alpn_protocols(&[b"h3"]).build().unwrap(),
    ));
    let serve = tokio::spawn(async move {
        let incoming = within("accept", server.accept()).await.unwrap();
        within("handshake", incoming).await.err()
    });
    let client = client_endpoint();
    let config = client_config(
        pki.client()
            .alpn_protocols(&[b"hq-interop"])
            .build()
            .unwrap(),
    );
    let error = connect(&client, &config, addr).await.unwrap_err();
    assert_eq!(close_code(&error), Some(0x178), "{error}");
    let server_error = within("the server task", serve).await.unwrap().unwrap();
    assert_eq!(close_code(&server_error), Some(0x178), "{server_error}");
    assert!(
        server_error.to_string().contains("application protocol"),
        "{server_error}"
    );
}

/// The client's first key share is for a group the server does not take:
/// a HelloRetryRequest (in Initial packets), then the handshake on the
/// server's group.
#[tokio::test]
async fn hello_retry_request() {
    let pki = Pki::new();
    let (server, addr) = server_endpoint(server_config(
        pki.server()
            .alpn_protocols(&[ALPN])
            .groups(&[NamedGroup::SECP256R1])
            .build()
            .unwrap(),
    ));
    let serve = tokio::spawn(async move {
        let incoming = within("accept", server.accept()).await.unwrap();
        let conn = within("handshake", incoming).await.unwrap();
        let data = handshake_data(&conn);
        echo(conn).await;
        data
    });
    let client = client_endpoint();
    let config = client_config(
        pki.client()
            .alpn_protocols(&[ALPN])
            .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
            .build()
            .unwrap(),
    );
    let conn = connect(&client, &config, addr).await.unwrap();
    let data = handshake_data(&conn);
    assert!(data.hello_retry);
    assert_eq!(data.group, Some(NamedGroup::SECP256R1));
    assert_eq!(round_trip(&conn, b"after HRR").await, b"after HRR");
    conn.close(0u32.into(), b"");
    let server_data = within("the server task", serve).await.unwrap();
    assert!(server_data.hello_retry);
    assert_eq!(server_data.group, Some(NamedGroup::SECP256R1));
}

/// A server that validates addresses first: its Retry carries our
/// integrity tag (RFC 9001 §5.8), the client checks it and comes back
/// with the token (sealed by our token key), and the handshake goes on.
#[tokio::test]
async fn retry_then_handshake() {
    let pki = Pki::new();
    let (server, addr) = server_endpoint(server_config(
        pki.server().alpn_protocols(&[ALPN]).build().unwrap(),
    ));
    let serve = tokio::spawn(async move {
        let mut retries = 0;
        loop {
            let incoming = within("accept", server.accept()).await.unwrap();
            if !incoming.remote_address_validated() {
                retries += 1;
                incoming.retry().unwrap();
                continue;
            }
            let conn = within("handshake", incoming).await.unwrap();
            tokio::spawn(echo(conn));
            return retries;
        }
    });
    let client = client_endpoint();
    let config = client_config(pki.client().alpn_protocols(&[ALPN]).build().unwrap());
    let conn = connect(&client, &config, addr).await.unwrap();
    assert_eq!(round_trip(&conn, b"validated").await, b"validated");
    assert_eq!(within("the server task", serve).await.unwrap(), 1);
}

/// A verifier that always defers (it would answer later, e.g. from a
/// remote service).
struct Deferring;

impl ServerCertVerifier for Deferring {
    fn verify_server_cert(
        &self,
        _end_entity: &[u8],
        _intermediates: &[Vec<u8>],
        _server_name: &ServerName<'_>,
        _now: u64,
    ) -> Decision<Result<(), CertificateError>> {
        Decision::Deferred
    }
}

/// quinn's session cannot wait for a deferred decision: the connection
/// fails with internal_error (0x150) and a reason that says why.
#[tokio::test]
async fn deferred_decision_fails_the_connection() {
    let pki = Pki::new();
    let (_server, addr) = echo_server(server_config(
        pki.server().alpn_protocols(&[ALPN]).build().unwrap(),
    ));
    let client = client_endpoint();
    let config = client_config(
        tls13::ClientConfig::builder(Arc::new(Deferring))
            .alpn_protocols(&[ALPN])
            .build()
            .unwrap(),
    );
    let error = connect(&client, &config, addr).await.unwrap_err();
    assert_eq!(close_code(&error), Some(0x150), "{error}");
    assert!(error.to_string().contains("deferred"), "{error}");
}

/// RFC 9001 §8.1: QUIC needs ALPN; a configuration without it is refused
/// when it is wrapped, not at each connection.
#[test]
fn configurations_without_alpn_are_refused() {
    let pki = Pki::new();
    let client = QuicClientConfig::new(pki.client().build().unwrap()).unwrap_err();
    assert!(client.to_string().contains("ALPN"), "{client}");
    let server = tls13_quinn::server_config(pki.server().build().unwrap()).unwrap_err();
    assert!(server.to_string().contains("ALPN"), "{server}");
    assert!(
        tls13_quinn::client_config(pki.client().alpn_protocols(&[ALPN]).build().unwrap()).is_ok()
    );
}
