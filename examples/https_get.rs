//! An HTTPS GET client on the tokio driver: SNI, ALPN `http/1.1`, the
//! chain verified against trust anchors, the response on standard output.
//!
//! ```text
//! cargo run --example https_get -- https://example.com/ [--ca PEM] [--connect HOST:PORT]
//! ```
//!
//! Trust anchors come from `--ca`; else, built with `--features
//! webpki-roots`, Mozilla's root set; else `$SSL_CERT_FILE` or the system
//! bundle (`/etc/ssl/certs/ca-certificates.crt`), skipping certificates of
//! the bundle that the validator cannot parse.

use std::process::ExitCode;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tls13::pki_types::ServerName;
use tls13::tokio::TlsConnector;
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::{Policy, TrustAnchor};
use tls13::{ClientConfig, pki};

const HELP: &str = "\
usage: https_get URL [options]

Fetches URL (https://HOST[:PORT][/PATH]) with HTTP/1.1 over TLS 1.3 and
prints the response (head and body) on standard output; the negotiated
parameters and the verified server go to standard error.

options:
  --ca PEM             trust only the CA certificates in PEM (default:
                       Mozilla's roots when built with --features
                       webpki-roots, else $SSL_CERT_FILE or the system bundle)
  --connect HOST:PORT  connect here instead of the URL's host and port
                       (SNI, Host and the certificate check still use the
                       URL's host)
";

struct Url {
    host: String,
    port: u16,
    path: String,
}

fn parse_url(url: &str) -> Result<Url, String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or("the URL must start with https://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    // [v6]:port, host:port or host.
    let (host, port) = if let Some(r) = authority.strip_prefix('[') {
        let (h, p) = r.split_once(']').ok_or("unclosed [ in the URL")?;
        (h, p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().map_err(|_| format!("bad port {p}"))?,
        None => 443,
    };
    if host.is_empty() {
        return Err("no host in the URL".into());
    }
    Ok(Url {
        host: host.to_ascii_lowercase(),
        port,
        path: path.to_string(),
    })
}

fn anchors(ca: Option<&str>) -> Result<Vec<TrustAnchor>, Box<dyn std::error::Error>> {
    match ca {
        Some(ca) => Ok(pki::load_trust_anchors(ca)?),
        None => default_anchors(),
    }
}

/// Built with `--features webpki-roots`: Mozilla's root set.
#[cfg(feature = "webpki-roots")]
fn default_anchors() -> Result<Vec<TrustAnchor>, Box<dyn std::error::Error>> {
    let anchors = TrustAnchor::mozilla();
    eprintln!("trusting Mozilla's {} roots (webpki-roots)", anchors.len());
    Ok(anchors)
}

/// Otherwise: `$SSL_CERT_FILE` or the system bundle.
#[cfg(not(feature = "webpki-roots"))]
fn default_anchors() -> Result<Vec<TrustAnchor>, Box<dyn std::error::Error>> {
    let bundle = std::env::var("SSL_CERT_FILE")
        .unwrap_or_else(|_| "/etc/ssl/certs/ca-certificates.crt".into());
    let certs = pki::load_certs(&bundle)
        .map_err(|e| format!("no trust anchors: pass --ca PEM or set SSL_CERT_FILE ({e})"))?;
    let total = certs.len();
    let anchors: Vec<TrustAnchor> = certs
        .into_iter()
        .filter_map(|c| TrustAnchor::from_der(c.as_ref().to_vec()).ok())
        .collect();
    eprintln!(
        "trusting {} of the {total} certificates in {bundle}",
        anchors.len()
    );
    Ok(anchors)
}

async fn run(
    url: Url,
    ca: Option<String>,
    connect: Option<String>,
) -> Result<bool, Box<dyn std::error::Error>> {
    let verifier = WebPkiServerVerifier::new(anchors(ca.as_deref())?, Policy::default());
    let config = ClientConfig::builder(Arc::new(verifier))
        .alpn_protocols(&[b"http/1.1"])
        .build()?;
    let connector = TlsConnector::new(Arc::new(config));

    let addr = connect.unwrap_or_else(|| {
        if url.host.contains(':') {
            format!("[{}]:{}", url.host, url.port)
        } else {
            format!("{}:{}", url.host, url.port)
        }
    });
    let tcp = TcpStream::connect(&addr).await?;
    // A DNS name goes into SNI; an IP address is only checked.
    let name = ServerName::try_from(url.host.clone())?;
    let mut tls = connector.connect(name, tcp).await?;

    let n = tls.conn().negotiated();
    let subject = n
        .peer_certificates
        .first()
        .and_then(|c| tls13::x509::certificate_subject(c).ok())
        .unwrap_or_default();
    eprintln!(
        "connected to {addr}: TLS 1.3, {:?}, {:?}, ALPN {}, server {subject} (verified for {})",
        n.suite,
        n.group,
        n.alpn
            .as_deref()
            .map_or("none".into(), |p| String::from_utf8_lossy(p).into_owned()),
        url.host,
    );

    let host_header = if url.port == 443 {
        url.host.clone()
    } else {
        format!("{}:{}", url.host, url.port)
    };
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: tls13-https-get\r\n\
         Accept: */*\r\nConnection: close\r\n\r\n",
        url.path
    );
    tls.write_all(request.as_bytes()).await?;
    tls.flush().await?;

    let mut response = Vec::new();
    let clean = match tls.read_to_end(&mut response).await {
        Ok(_) => true,
        // Many web servers close TCP without close_notify after
        // `Connection: close`; the data may then be incomplete, and we say so.
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            eprintln!(
                "warning: the server closed without close_notify; the response may be truncated"
            );
            false
        }
        Err(e) => return Err(e.into()),
    };
    // Standard output is a local pipe or terminal: a blocking write is fine.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        out.write_all(&response)?;
        out.flush()?;
    }
    if clean {
        // Our close_notify; the server already sent its own.
        let _ = tls.shutdown().await;
    }
    Ok(clean)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (mut url, mut ca, mut connect) = (None, None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--ca" | "--connect" => {
                let Some(v) = args.next() else {
                    eprintln!("error: {a} needs a value\n\n{HELP}");
                    return ExitCode::from(2);
                };
                if a == "--ca" {
                    ca = Some(v)
                } else {
                    connect = Some(v)
                }
            }
            "-h" | "--help" => {
                print!("{HELP}");
                return ExitCode::SUCCESS;
            }
            u if url.is_none() && !u.starts_with('-') => url = Some(u.to_string()),
            other => {
                eprintln!("error: unexpected argument {other}\n\n{HELP}");
                return ExitCode::from(2);
            }
        }
    }
    let url = match url.as_deref().map(parse_url) {
        Some(Ok(u)) => u,
        Some(Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
        None => {
            eprintln!("error: no URL\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    match run(url, ca, connect).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(3),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
