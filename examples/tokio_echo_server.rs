//! A tokio TLS 1.3 echo server. It reads each ClientHello first
//! (`tls13::tokio::accept_lazy`), logs its SNI and ALPN offers, and picks
//! the certificate by SNI among `--vhost` entries before the handshake
//! goes on. Every connection is echoed until the client's close_notify,
//! then closed with ours (the client may half-close and keep reading).
//!
//! ```text
//! cargo run --example tokio_echo_server -- --cert PEM --key PEM [--port N]
//!     [--vhost NAME,CERT,KEY]... [--alpn P]...
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use tls13::ServerConfig;
use tls13::pki;
use tls13::tokio::accept_lazy;

const HELP: &str = "\
usage: tokio_echo_server --cert PEM --key PEM [options]

Echoes over TLS 1.3 on 127.0.0.1 until killed. Logs `listening on ADDR`,
then per connection the ClientHello (`hello: sni=… alpn=[…]`), the
negotiated parameters and how it ended, on standard error.

options:
  --cert PEM             default certificate chain, leaf first
  --key PEM              its private key (PKCS#8, SEC1 or PKCS#1)
  --vhost NAME,CERT,KEY  use this chain and key when the client asks for
                         NAME in SNI (repeatable)
  --alpn P               accept ALPN protocol P (repeatable, preference order)
  --port N               port (default 4433; 0 picks a free one)
";

struct VHost {
    name: String,
    config: Arc<ServerConfig>,
}

fn config(cert: &str, key: &str, alpn: &[String]) -> Result<Arc<ServerConfig>, String> {
    // One call each: PEM files to the ecosystem's types, then a config.
    let chain = pki::load_certs(cert).map_err(|e| e.to_string())?;
    let key = pki::load_private_key(key).map_err(|e| e.to_string())?;
    let alpn: Vec<&[u8]> = alpn.iter().map(|p| p.as_bytes()).collect();
    let config = ServerConfig::builder_with_cert_der(chain, &key)
        .and_then(|b| b.alpn_protocols(&alpn).build())
        .map_err(|e| e.to_string())?;
    Ok(Arc::new(config))
}

/// Port, default config, virtual hosts.
type Setup = (u16, Arc<ServerConfig>, Vec<VHost>);

fn parse() -> Result<Option<Setup>, String> {
    let mut args = std::env::args().skip(1);
    let (mut cert, mut key, mut port) = (None, None, 4433u16);
    let (mut vhosts, mut alpn) = (Vec::new(), Vec::new());
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--cert" => cert = Some(value()?),
            "--key" => key = Some(value()?),
            "--port" => port = value()?.parse().map_err(|_| "--port: not a port")?,
            "--alpn" => alpn.push(value()?),
            "--vhost" => {
                let v = value()?;
                let parts: Vec<&str> = v.splitn(3, ',').collect();
                let [name, cert, key] = parts[..] else {
                    return Err("--vhost wants NAME,CERT,KEY".into());
                };
                vhosts.push((name.to_ascii_lowercase(), cert.to_string(), key.to_string()));
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let (Some(cert), Some(key)) = (cert, key) else {
        return Err("--cert and --key are required".into());
    };
    let default = config(&cert, &key, &alpn)?;
    let vhosts = vhosts
        .into_iter()
        .map(|(name, c, k)| {
            Ok(VHost {
                name,
                config: config(&c, &k, &alpn)?,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Some((port, default, vhosts)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (port, default, vhosts) = match parse() {
        Ok(Some(p)) => p,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on port {port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => eprintln!("listening on {addr}"),
        Err(e) => eprintln!("listening (address unknown: {e})"),
    }
    let vhosts = Arc::new(vhosts);
    loop {
        let (sock, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let (default, vhosts) = (default.clone(), vhosts.clone());
        tokio::spawn(async move {
            match serve(sock, default, &vhosts).await {
                Ok(n) => eprintln!("[{peer}] closed cleanly after echoing {n} bytes"),
                Err(e) => eprintln!("[{peer}] error: {e}"),
            }
        });
    }
}

async fn serve(
    sock: tokio::net::TcpStream,
    default: Arc<ServerConfig>,
    vhosts: &[VHost],
) -> std::io::Result<u64> {
    let peer = sock.peer_addr()?;
    // Look at the ClientHello before choosing the configuration.
    let start = accept_lazy(sock).await?;
    let hello = start.client_hello();
    let alpn: Vec<String> = hello
        .alpn
        .iter()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    eprintln!(
        "[{peer}] hello: sni={} alpn={alpn:?}",
        hello.server_name.as_deref().unwrap_or("none")
    );
    let config = vhosts
        .iter()
        .find(|v| hello.server_name.as_deref() == Some(v.name.as_str()))
        .map_or(default, |v| v.config.clone());
    let tls = start.into_stream(config).await?;
    let n = tls.conn().negotiated();
    eprintln!(
        "[{peer}] handshake: suite={:?} group={:?} alpn={}",
        n.suite,
        n.group,
        n.alpn
            .as_deref()
            .map_or("none".into(), |p| String::from_utf8_lossy(p).into_owned())
    );
    // Reading never writes, so the two halves can run side by side.
    let (mut r, mut w) = tokio::io::split(tls);
    let echoed = tokio::io::copy(&mut r, &mut w).await?;
    // The client's close_notify ended the copy; now ours (and the FIN).
    w.shutdown().await?;
    Ok(echoed)
}
