//! The whole library in one process: fresh certificates, a server thread
//! on 127.0.0.1, a client, a full TLS 1.3 handshake over loopback TCP
//! through the blocking stream driver, one message each way, and what
//! both sides negotiated.
//!
//! ```text
//! cargo run --example demo [-- --key-type p256|p384|p521|ed25519|rsa2048|rsa-pss]
//!                          [--groups g1,g2] [--suites s1,s2]
//! ```

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::stream::{ClientStream, ServerStream};
use tls13::{CipherSuite, NamedGroup};
use tls13::{ClientConfig, ClientConnection, Negotiated, ServerConfig, ServerConnection};

use common::{AnyOfPinned, Args};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Options {
    key_type: KeyType,
    groups: Option<Vec<NamedGroup>>,
    suites: Option<Vec<CipherSuite>>,
}

fn parse_args() -> Result<Options, String> {
    let mut args = Args::from_env();
    let mut o = Options {
        key_type: KeyType::EcdsaP256,
        groups: None,
        suites: None,
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--key-type" => {
                o.key_type = match args.value(&a)?.to_ascii_lowercase().as_str() {
                    "p256" | "ecdsa-p256" => KeyType::EcdsaP256,
                    "p384" | "ecdsa-p384" => KeyType::EcdsaP384,
                    "p521" | "ecdsa-p521" => KeyType::EcdsaP521,
                    "ed25519" => KeyType::Ed25519,
                    "rsa2048" | "rsa" => KeyType::Rsa2048,
                    "rsa-pss" | "rsapss2048" => KeyType::RsaPss2048,
                    k => {
                        return Err(format!(
                            "unknown key type {k:?} (p256, p384, p521, ed25519, rsa2048, rsa-pss)"
                        ));
                    }
                }
            }
            "--groups" => o.groups = Some(common::parse_groups(&args.value(&a)?)?),
            "--suites" => o.suites = Some(common::parse_suites(&args.value(&a)?)?),
            _ => return Err(format!("unexpected argument {a:?}")),
        }
    }
    Ok(o)
}

fn describe(side: &str, n: &Negotiated) {
    println!("{side}:");
    println!("  version:          {}", common::version_name(n.version));
    println!("  suite:            {}", common::suite_name(n.suite));
    println!("  group:            {}", common::group_name(n.group));
    println!(
        "  alpn:             {}",
        common::alpn_name(n.alpn.as_deref())
    );
    println!(
        "  signature_scheme: {}",
        common::scheme_name(n.signature_scheme)
    );
    println!("  hello_retry:      {}", n.hello_retry);
    println!(
        "  server_name:      {}",
        n.server_name.as_deref().unwrap_or("none")
    );
}

fn run(o: Options) -> Result<(), BoxError> {
    let rng = OsRandom;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
    let (not_before, not_after) = (now.saturating_sub(3600), now + 24 * 3600);

    // A fresh CA and a leaf for "localhost" / 127.0.0.1.
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
    let ca = Ca::new("tls13 demo CA", &ca_key, not_before, not_after, &rng)?;
    let leaf_key = certgen::generate_key(o.key_type, &rng)?;
    let names = [
        SubjectAltName::Dns("localhost".into()),
        SubjectAltName::Ip([127, 0, 0, 1].into()),
    ];
    let leaf = ca.issue(&names, &leaf_key, not_before, not_after, &rng)?;
    println!(
        "generated a {:?} leaf certificate for localhost ({} bytes), issued by a fresh P-256 CA",
        o.key_type,
        leaf.len()
    );

    let chain = vec![leaf.clone(), ca.cert_der().to_vec()];
    let mut server_builder =
        ServerConfig::builder_with_single_cert(chain, SigningKey::from_der(&leaf_key)?)
            .alpn_protocols(&[b"demo/1"]);
    // Until chain validation exists the client pins the leaf it was given
    // out of band (here: in memory).
    let mut client_builder = ClientConfig::builder(Arc::new(AnyOfPinned::new(vec![leaf])))
        .alpn_protocols(&[b"demo/1", b"http/1.1"]);
    if let Some(g) = &o.groups {
        server_builder = server_builder.groups(g);
        client_builder = client_builder.groups(g);
    }
    if let Some(s) = &o.suites {
        server_builder = server_builder.suites(s);
        client_builder = client_builder.suites(s);
    }
    let server_config = Arc::new(server_builder.build()?);
    let client_config = Arc::new(client_builder.build()?);

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("server listening on {addr}");

    let (tx, rx) = mpsc::channel::<Result<(Negotiated, String), String>>();
    let server = std::thread::spawn(move || {
        let r = (|| -> Result<(Negotiated, String), BoxError> {
            let (sock, _) = listener.accept()?;
            sock.set_read_timeout(Some(Duration::from_secs(10)))?;
            let mut tls = ServerStream::new(ServerConnection::new(server_config)?, sock);
            tls.handshake()?;
            let mut msg = Vec::new();
            tls.read_to_end(&mut msg)?; // until the client's close_notify
            let msg = String::from_utf8_lossy(&msg).into_owned();
            tls.write_all(format!("server got {} bytes: {msg:?}", msg.len()).as_bytes())?;
            tls.close()?;
            Ok((tls.conn().negotiated().clone(), msg))
        })();
        let _ = tx.send(r.map_err(|e| e.to_string()));
    });

    let sock = TcpStream::connect(addr)?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = ClientStream::new(ClientConnection::new(client_config, "localhost")?, sock);
    tls.handshake()?;
    tls.write_all(b"hello from the tls13 demo client")?;
    tls.close()?; // close_notify: the server reads to the end
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply)?; // Ok only after the server's close_notify
    let client_view = tls.conn().negotiated().clone();

    let (server_view, got) = rx.recv_timeout(Duration::from_secs(20))??;
    let _ = server.join();

    println!("client sent:   {:?}", "hello from the tls13 demo client");
    println!("server read:   {got:?}");
    println!("client read:   {:?}", String::from_utf8_lossy(&reply));
    describe("client negotiated", &client_view);
    describe("server negotiated", &server_view);
    Ok(())
}

fn main() -> ExitCode {
    let result = parse_args().map_err(BoxError::from).and_then(run);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
