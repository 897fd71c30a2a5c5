//! Two services that authenticate each other with mutual TLS, on the
//! tokio driver, in one process: `orders` (the server) requires a client
//! certificate, `billing` (the client) presents one, and each prints the
//! peer identity it verified. A third connection without a certificate is
//! refused (`certificate_required`).
//!
//! ```text
//! cargo run --example mtls [-- --dir DIR]
//! ```
//!
//! An internal CA and one certificate per service are made at start
//! (`tls13::certgen`) and written as PEM files into DIR (default: a fresh
//! temporary directory); each service then loads its own files the way a
//! deployed one would, one call per file (`tls13::pki`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::pki_types::ServerName;
use tls13::tokio::{TlsAcceptor, TlsConnector};
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::x509::certificate_subject;
use tls13::{ClientAuth, ClientConfig, ServerConfig, pki};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Writes the CA and a certificate + key per service into `dir`.
fn issue_files(dir: &Path) -> Result<(), BoxError> {
    let rng = OsRandom;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
    let ca = Ca::new(
        "Internal Services CA",
        &ca_key,
        now - 3600,
        now + 86_400,
        &rng,
    )?;
    std::fs::write(
        dir.join("ca.pem"),
        certgen::to_pem("CERTIFICATE", ca.cert_der()),
    )?;
    for service in ["orders", "billing"] {
        let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
        let name = format!("{service}.internal");
        let cert = ca.issue(
            &[SubjectAltName::Dns(name)],
            &key,
            now - 3600,
            now + 86_400,
            &rng,
        )?;
        std::fs::write(
            dir.join(format!("{service}.pem")),
            certgen::to_pem("CERTIFICATE", &cert),
        )?;
        std::fs::write(
            dir.join(format!("{service}-key.pem")),
            certgen::to_pem("PRIVATE KEY", &key),
        )?;
    }
    Ok(())
}

/// The subject of the verified peer's certificate.
fn peer_identity(conn: &tls13::Connection) -> String {
    conn.peer_certificates()
        .first()
        .and_then(|c| certificate_subject(c).ok())
        .unwrap_or_else(|| "nobody".into())
}

/// `orders`: requires a client certificate from the internal CA.
async fn orders(listener: TcpListener, dir: PathBuf) -> Result<(), BoxError> {
    let chain = pki::load_certs(dir.join("orders.pem"))?;
    let key = pki::load_private_key(dir.join("orders-key.pem"))?;
    let clients = WebPkiClientVerifier::from_roots(&pki::load_certs(dir.join("ca.pem"))?)?;
    let config = ServerConfig::builder_with_cert_der(chain, &key)?
        .client_auth(ClientAuth::Required(Arc::new(clients)))
        .build()?;
    let acceptor = TlsAcceptor::new(Arc::new(config));
    for _ in 0..2 {
        let (sock, _) = listener.accept().await?;
        match acceptor.accept(sock).await {
            Ok(mut tls) => {
                let who = peer_identity(tls.conn());
                println!("orders: verified client {who}");
                // The server speaks first, so a refused client learns why
                // (the alert) before it has written anything.
                tls.write_all(format!("hello {who}\n").as_bytes()).await?;
                tls.flush().await?;
                let mut request = Vec::new();
                tls.read_to_end(&mut request).await?;
                let reply = format!("orders: {} for {who}", String::from_utf8_lossy(&request));
                tls.write_all(reply.as_bytes()).await?;
                tls.shutdown().await?;
            }
            Err(e) => println!("orders: refused a client: {e}"),
        }
    }
    Ok(())
}

/// `billing`: presents its certificate and checks that it reached `orders`.
async fn billing(port: u16, dir: &Path, with_cert: bool) -> Result<String, BoxError> {
    let servers = WebPkiServerVerifier::from_roots(&pki::load_certs(dir.join("ca.pem"))?)?;
    let mut builder = ClientConfig::builder(Arc::new(servers));
    if with_cert {
        let chain = pki::load_certs(dir.join("billing.pem"))?;
        let key = pki::load_private_key(dir.join("billing-key.pem"))?;
        builder = builder.client_auth_cert_der(chain, &key)?;
    }
    let connector = TlsConnector::new(Arc::new(builder.build()?));
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut tls = connector
        .connect(ServerName::try_from("orders.internal")?, tcp)
        .await?;
    println!("billing: verified server {}", peer_identity(tls.conn()));
    // The server checks our certificate after our Finished, so our
    // handshake is complete either way: a refusal arrives as its alert,
    // in place of the greeting.
    let mut greeting = Vec::new();
    while !greeting.ends_with(b"\n") {
        let mut byte = [0u8; 1];
        if tls.read(&mut byte).await? == 0 {
            return Err("the server closed before its greeting".into());
        }
        greeting.push(byte[0]);
    }
    print!(
        "billing: greeted with {}",
        String::from_utf8_lossy(&greeting)
    );
    tls.write_all(b"invoice #42").await?;
    // close_notify: the request is complete; the reply still comes back.
    tls.shutdown().await?;
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply).await?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let (dir, temporary) = match (args.next().as_deref(), args.next()) {
        (Some("--dir"), Some(d)) => (PathBuf::from(d), false),
        (None, _) => (
            std::env::temp_dir().join(format!("tls13-mtls-{}", std::process::id())),
            true,
        ),
        _ => return Err("usage: mtls [--dir DIR]".into()),
    };
    std::fs::create_dir_all(&dir)?;
    issue_files(&dir)?;
    println!("PEM files in {}", dir.display());

    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let server = tokio::spawn(orders(listener, dir.clone()));

    let reply = billing(port, &dir, true).await?;
    println!("billing: got \"{reply}\"");
    match billing(port, &dir, false).await {
        Ok(r) => return Err(format!("a client without a certificate got through: {r}").into()),
        Err(e) => println!("billing (no certificate): refused as expected: {e}"),
    }
    server.await??;
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
