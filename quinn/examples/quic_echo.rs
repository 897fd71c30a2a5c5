//! A QUIC echo server and client: quinn with tls13's TLS 1.3, no C.
//!
//! ```text
//! cargo run -p tls13-quinn --example quic_echo -- server \
//!     --listen 127.0.0.1:4433 --cert chain.pem --key key.pem --alpn echo
//! cargo run -p tls13-quinn --example quic_echo -- client \
//!     --connect 127.0.0.1:4433 --ca ca.pem --alpn echo --message hello
//! ```
//!
//! The server echoes every bidirectional stream of every connection
//! until killed. The client sends its message (or standard input) on
//! one stream, prints what comes back, and closes.

use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::Arc;

use tls13::pki;
use tls13::verify_webpki::WebPkiServerVerifier;

const HELP: &str = "\
usage: quic_echo server --listen ADDR --cert PEM --key PEM --alpn P...
       quic_echo client --connect ADDR --ca PEM --alpn P... [--name NAME]
                        [--message TEXT]

server: echoes QUIC streams on ADDR (port 0 picks one) until killed; logs
        `listening on ADDR`, then per connection its ALPN and SNI and how
        many bytes it echoed, on standard error.
client: connects to ADDR as NAME (default localhost), trusting the CA
        certificates in PEM, sends TEXT (default: standard input) on one
        stream and prints the echo on standard output; logs the connection
        on standard error. Exits with 1 if the connection fails.
--alpn may be repeated (preference order); QUIC requires at least one.
";

#[derive(Default)]
struct Args {
    mode: String,
    addr: Option<SocketAddr>,
    cert: Option<String>,
    key: Option<String>,
    ca: Option<String>,
    alpn: Vec<String>,
    name: Option<String>,
    message: Option<String>,
}

fn parse() -> Result<Args, String> {
    let mut raw = std::env::args().skip(1);
    let mut args = Args {
        mode: raw.next().ok_or("a mode: server or client")?,
        ..Args::default()
    };
    while let Some(flag) = raw.next() {
        let mut value = || raw.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" | "--connect" => {
                args.addr = Some(value()?.parse().map_err(|e| format!("{flag}: {e}"))?)
            }
            "--cert" => args.cert = Some(value()?),
            "--key" => args.key = Some(value()?),
            "--ca" => args.ca = Some(value()?),
            "--alpn" => args.alpn.push(value()?),
            "--name" => args.name = Some(value()?),
            "--message" => args.message = Some(value()?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn alpn(args: &Args) -> Vec<&[u8]> {
    args.alpn.iter().map(|p| p.as_bytes()).collect()
}

fn endpoint(
    addr: SocketAddr,
    server: Option<quinn::ServerConfig>,
) -> Result<quinn::Endpoint, String> {
    let socket = UdpSocket::bind(addr).map_err(|e| format!("bind {addr}: {e}"))?;
    let config = tls13_quinn::endpoint_config().map_err(|e| e.to_string())?;
    quinn::Endpoint::new(config, server, socket, Arc::new(quinn::TokioRuntime))
        .map_err(|e| e.to_string())
}

async fn server(args: Args) -> Result<(), String> {
    let (Some(addr), Some(cert), Some(key)) = (args.addr, &args.cert, &args.key) else {
        return Err("server needs --listen, --cert and --key".into());
    };
    let chain = pki::load_certs(cert).map_err(|e| e.to_string())?;
    let key = pki::load_private_key(key).map_err(|e| e.to_string())?;
    let tls = tls13::ServerConfig::builder_with_cert_der(chain, &key)
        .and_then(|b| b.alpn_protocols(&alpn(&args)).build())
        .map_err(|e| e.to_string())?;
    // Refuses a configuration without ALPN, with the reason.
    let config = tls13_quinn::server_config(tls).map_err(|e| e.to_string())?;
    let endpoint = endpoint(addr, Some(config))?;
    let local = endpoint.local_addr().map_err(|e| e.to_string())?;
    eprintln!("listening on {local}");
    let mut n = 0u64;
    while let Some(incoming) = endpoint.accept().await {
        n += 1;
        tokio::spawn(async move {
            match incoming.await {
                Ok(conn) => serve(n, conn).await,
                Err(e) => eprintln!("[{n}] error: {e}"),
            }
        });
    }
    Ok(())
}

async fn serve(n: u64, conn: quinn::Connection) {
    if let Some(data) = handshake_data(&conn) {
        eprintln!(
            "[{n}] connected: alpn={:?} sni={:?} resumed={}",
            data.protocol.as_deref().map(String::from_utf8_lossy),
            data.server_name,
            data.resumed
        );
    }
    while let Ok((mut send, mut recv)) = conn.accept_bi().await {
        tokio::spawn(async move {
            let mut buf = vec![0u8; 64 * 1024];
            let mut total = 0usize;
            while let Ok(Some(len)) = recv.read(&mut buf).await {
                if send.write_all(&buf[..len]).await.is_err() {
                    return;
                }
                total += len;
            }
            let _ = send.finish();
            let _ = send.stopped().await;
            eprintln!("[{n}] echoed {total} bytes");
        });
    }
}

fn handshake_data(conn: &quinn::Connection) -> Option<tls13_quinn::HandshakeData> {
    conn.handshake_data()?
        .downcast::<tls13_quinn::HandshakeData>()
        .ok()
        .map(|d| *d)
}

async fn client(args: Args) -> Result<(), String> {
    let (Some(addr), Some(ca)) = (args.addr, &args.ca) else {
        return Err("client needs --connect and --ca".into());
    };
    let ca_pem = std::fs::read_to_string(ca).map_err(|e| format!("{ca}: {e}"))?;
    let verifier = WebPkiServerVerifier::from_pem(&ca_pem).map_err(|e| e.to_string())?;
    let tls = tls13::ClientConfig::builder(Arc::new(verifier))
        .alpn_protocols(&alpn(&args))
        .build()
        .map_err(|e| e.to_string())?;
    let config = tls13_quinn::client_config(tls).map_err(|e| e.to_string())?;
    let message = match &args.message {
        Some(m) => m.clone().into_bytes(),
        None => {
            let mut input = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut input)
                .map_err(|e| e.to_string())?;
            input
        }
    };
    let local: SocketAddr = if addr.is_ipv4() {
        "127.0.0.1:0"
    } else {
        "[::1]:0"
    }
    .parse()
    .map_err(|e| format!("{e}"))?;
    let endpoint = endpoint(local, None)?;
    let name = args.name.as_deref().unwrap_or("localhost");
    let conn = endpoint
        .connect_with(config, addr, name)
        .map_err(|e| e.to_string())?
        .await
        .map_err(|e| format!("connection failed: {e}"))?;
    if let Some(data) = handshake_data(&conn) {
        eprintln!(
            "connected: alpn={:?} suite={:?} group={:?}",
            data.protocol.as_deref().map(String::from_utf8_lossy),
            data.suite,
            data.group
        );
    }
    let (mut send, mut recv) = conn.open_bi().await.map_err(|e| e.to_string())?;
    send.write_all(&message).await.map_err(|e| e.to_string())?;
    send.finish().map_err(|e| e.to_string())?;
    let echo = recv
        .read_to_end(message.len().saturating_add(1))
        .await
        .map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut std::io::stdout(), &echo).map_err(|e| e.to_string())?;
    conn.close(0u32.into(), b"done");
    endpoint.wait_idle().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprint!("{HELP}");
            return ExitCode::from(2);
        }
    };
    let result = match args.mode.as_str() {
        "server" => server(args).await,
        "client" => client(args).await,
        other => Err(format!("unknown mode {other}: server or client")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
