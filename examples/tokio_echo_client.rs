//! A tokio TLS 1.3 echo client: sends a message (or standard input, or
//! `--bytes N` of a checked pattern), half-closes with close_notify, and
//! reads the echo until the server's close_notify. The server's chain is
//! verified against `--ca`.
//!
//! ```text
//! cargo run --example tokio_echo_client -- --ca PEM [--port N]
//!     [--server-name NAME] [--alpn P]... [--message TEXT | --bytes N]
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tls13::pki_types::ServerName;
use tls13::tokio::TlsConnector;
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::{ClientConfig, pki};

const HELP: &str = "\
usage: tokio_echo_client --ca PEM [options]

Connects to 127.0.0.1, sends the data, closes its sending side with
close_notify and prints the echo on standard output (the negotiated
parameters on standard error). With --bytes N it sends N bytes of a
position-dependent pattern and checks every byte of the echo instead,
reading and writing at the same time.

options:
  --ca PEM            trust the CA certificates in PEM
  --port N            server port (default 4433)
  --server-name NAME  name to ask for (SNI) and verify (default localhost)
  --alpn P            offer ALPN protocol P (repeatable)
  --message TEXT      send TEXT (default: standard input)
  --bytes N           send N pattern bytes and check the echo
";

struct Options {
    ca: String,
    port: u16,
    server_name: String,
    alpn: Vec<String>,
    message: Option<String>,
    bytes: Option<u64>,
}

fn parse() -> Result<Option<Options>, String> {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        ca: String::new(),
        port: 4433,
        server_name: "localhost".into(),
        alpn: Vec::new(),
        message: None,
        bytes: None,
    };
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--ca" => o.ca = value()?,
            "--port" => o.port = value()?.parse().map_err(|_| "--port: not a port")?,
            "--server-name" => o.server_name = value()?,
            "--alpn" => o.alpn.push(value()?),
            "--message" => o.message = Some(value()?),
            "--bytes" => o.bytes = Some(value()?.parse().map_err(|_| "--bytes: not a number")?),
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if o.ca.is_empty() {
        return Err("--ca is required".into());
    }
    Ok(Some(o))
}

/// The byte at offset `pos` of the `--bytes` stream.
fn pattern(pos: u64) -> u8 {
    (pos.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as u8
}

#[tokio::main]
async fn main() -> ExitCode {
    let o = match parse() {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    match run(o).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(o: Options) -> Result<(), Box<dyn std::error::Error>> {
    let roots = pki::load_certs(&o.ca)?;
    let verifier = WebPkiServerVerifier::from_roots(&roots)?;
    let alpn: Vec<&[u8]> = o.alpn.iter().map(|p| p.as_bytes()).collect();
    let config = ClientConfig::builder(Arc::new(verifier))
        .alpn_protocols(&alpn)
        .build()?;
    let connector = TlsConnector::new(Arc::new(config));
    let name = ServerName::try_from(o.server_name.clone())?;
    // What to send: `None` for the `--bytes` pattern.
    let message = match (o.bytes, o.message) {
        (Some(_), _) => None,
        (None, Some(m)) => Some(m.into_bytes()),
        (None, None) => {
            let mut m = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut m)?;
            Some(m)
        }
    };

    let tcp = TcpStream::connect(("127.0.0.1", o.port)).await?;
    let tls = connector.connect(name, tcp).await?;
    let n = tls.conn().negotiated();
    eprintln!(
        "connected: suite={:?} group={:?} alpn={}",
        n.suite,
        n.group,
        n.alpn
            .as_deref()
            .map_or("none".into(), |p| String::from_utf8_lossy(p).into_owned())
    );

    let Some(message) = message else {
        return bulk(tls, o.bytes.unwrap_or(0)).await;
    };
    let mut tls = tls;
    tls.write_all(&message).await?;
    // close_notify: "that is all"; the echo still comes back.
    tls.shutdown().await?;
    let mut echo = Vec::new();
    tls.read_to_end(&mut echo).await?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(&echo)?;
        out.flush()?;
    }
    Ok(())
}

/// Sends `total` pattern bytes while reading the echo, checking each byte.
async fn bulk(
    tls: tls13::tokio::ClientTlsStream<TcpStream>,
    total: u64,
) -> Result<(), Box<dyn std::error::Error>> {
    let started = std::time::Instant::now();
    let (mut r, mut w) = tokio::io::split(tls);
    let writer = tokio::spawn(async move {
        let mut buf = vec![0u8; 65_521];
        let mut sent = 0u64;
        while sent < total {
            let n = (total - sent).min(buf.len() as u64) as usize;
            for (i, b) in buf[..n].iter_mut().enumerate() {
                *b = pattern(sent + i as u64);
            }
            w.write_all(&buf[..n]).await?;
            sent += n as u64;
        }
        w.shutdown().await
    });
    let mut buf = vec![0u8; 70_001];
    let mut got = 0u64;
    loop {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        for (i, b) in buf[..n].iter().enumerate() {
            if *b != pattern(got + i as u64) {
                return Err(format!("echo differs at byte {}", got + i as u64).into());
            }
        }
        got += n as u64;
    }
    writer.await??;
    if got != total {
        return Err(format!("echo ended after {got} of {total} bytes").into());
    }
    let secs = started.elapsed().as_secs_f64();
    println!("echoed {total} bytes, all verified ({secs:.1} s)");
    Ok(())
}
