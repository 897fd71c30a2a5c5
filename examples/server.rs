//! A TLS 1.3 server on 127.0.0.1: echoes, or answers HTTP requests with a
//! page showing what was negotiated. One thread per connection.
//!
//! ```text
//! cargo run --example server -- --cert PEM --key PEM [--port N]
//!     [--client-ca PEM [--require-client-cert]] [--alpn P]... [--groups ..]
//!     [--suites ..] [--echo | --http] [--tickets N] [--early-data]
//!     [--psk-identity ID --psk HEX]... [--ech-key FILE]... [--compress-cert ALG,...]
//! cargo run --example server -- --psk-identity ID --psk HEX [...]   # PSK-only
//! cargo run --example server -- --ech-keygen PUBLIC_NAME OUT_FILE   # ECH key file
//! cargo run --example server -- --ech-key FILE... --print-ech-config
//! ```
//!
//! Run with `--help` for details.

mod common;

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tls13::ech::{EchConfigBuilder, EchConfigList, EchKeyPair};
use tls13::stream::ServerStream;
use tls13::verify::ClientCertVerifier;
use tls13::verify_webpki::WebPkiClientVerifier;
use tls13::{CipherSuite, NamedGroup};
use tls13::{ClientAuth, EchStatus, ServerConfig, ServerConnection};
use zeroize::Zeroizing;

use common::Args;

const HELP: &str = "\
usage: server --cert PEM --key PEM [options]
       server --psk-identity ID --psk HEX [options]    (PSK-only, no certificate)
       server --ech-keygen PUBLIC_NAME OUT_FILE [--ech-key FILE]...
       server --ech-key FILE... --print-ech-config

Serves TLS 1.3 on 127.0.0.1 until killed, one thread per connection, and
logs each connection's outcome (peer address, negotiated parameters or the
error) on standard error. With --client-ca each connection also logs the
verified client certificate's subject as `client: SUBJECT` (or
`client: none` when the client sent none).

options:
  --cert PEM             certificate chain, leaf first
  --key PEM              private key (PKCS#8, SEC1 or PKCS#1)
  --port N               port (default 4433; 0 picks a free one, printed)
  --client-ca PEM        ask clients for a certificate and verify it against the
                         CA certificates in PEM (chain, dates, clientAuth);
                         a client may still connect without one. With --http
                         (and without --require-client-cert) the certificate
                         is asked for only after the handshake, on GET /secret
  --require-client-cert  with --client-ca: refuse clients without a valid
                         certificate (alert certificate_required)
  --ocsp FILE            staple the DER OCSP response in FILE (e.g. made by
                         `openssl ocsp -respout`) to the certificate for
                         clients that ask (status_request, RFC 9846
                         §4.5.1.1). It is read once: keep it fresh by
                         restarting before its nextUpdate
  --sct FILE             send the signed certificate timestamp in FILE (one
                         binary SerializedSCT, RFC 6962 §3.3) to clients that
                         ask; repeatable
  --alpn P               accept ALPN protocol P (repeatable, preference order)
  --groups g1,g2         groups in preference order: x25519, secp256r1,
                         secp384r1, secp521r1, X25519MLKEM768
  --suites s1,s2         cipher suites by IANA name (the AES-CCM ones,
                         TLS_AES_128_CCM_SHA256 and TLS_AES_128_CCM_8_SHA256,
                         are accepted only when named)
  --keylog FILE          append TLS secrets to FILE (else $SSLKEYLOGFILE)
  --echo                 echo what the client sends (default)
  --http                 answer each request with an HTTP/1.0 200 OK page (head
                         and body in one record), then close with close_notify.
                         The conventions of tlsfuzzer's scripts: GET /keyupdate
                         first sends a KeyUpdate (update_requested); with
                         --client-ca, GET /secret first asks for a client
                         certificate after the handshake (answer 403 when the
                         client declines or did not offer post_handshake_auth)
  --tickets N            send N session tickets (stateless, rotating key) after
                         each handshake so that clients can resume; each
                         connection logs `resumed: yes|no`
  --early-data           accept 0-RTT early data (up to 16384 bytes; implies
                         --tickets 2); logs `early-data: accepted|rejected`.
                         Early data can be replayed by an attacker
  --psk-identity ID --psk HEX
                         accept the external pre-shared key HEX (SHA-256
                         suites) under identity ID (RFC 9846 §2.2); repeat
                         the pair for several clients. Without --cert/--key
                         the server is PSK-only: a client without one of
                         these keys is refused (alert unknown_psk_identity).
                         Each connection logs `psk-identity: ID`
  --compress-cert ALG,...
                         certificate compression (RFC 8879): compress our
                         certificate with the first of these (zlib, brotli,
                         zstd; preference order) the client offers, and offer
                         them for client certificates; each connection logs
                         `cert-compression: sent ALG|none, received ALG|none`
  --ech-key FILE         accept Encrypted Client Hello (RFC 9849) with the key in
                         FILE (written by --ech-keygen); repeat for several keys,
                         the preferred (newest) first. The certificate must be
                         valid for each key's public name too: clients whose
                         ECH is rejected check it against that name. Each
                         connection logs `ech: accepted|rejected|not offered`
                         (rejected: the ClientHello's ECH did not decrypt, e.g.
                         GREASE or a stale config; the server sent its current
                         configs as retry_configs)
  --ech-keygen PUBLIC_NAME OUT_FILE
                         generate an ECH key (X25519, HKDF-SHA256 with
                         AES-128-GCM or ChaCha20-Poly1305) for the client-facing
                         name PUBLIC_NAME, write the key file OUT_FILE (created
                         new, readable by its owner alone), print the base64
                         ECHConfigList to publish (the `ech=` SvcParam of the
                         DNS HTTPS record) on standard output, and exit. With
                         --ech-key the new config_id differs from those keys'
  --print-ech-config     print the base64 ECHConfigList of the --ech-key keys, in
                         order (what to publish while they are all in use), and
                         exit
";

/// Longest time a connection may sit idle (also bounds the handshake).
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Connections served at once; beyond that new ones are refused.
const MAX_CONNECTIONS: usize = 256;
/// Largest HTTP request head read.
const MAX_REQUEST: usize = 16 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Echo,
    Http,
}

struct Options {
    /// Certificate chain and key; `None`: PSK-only.
    cert: Option<(String, String)>,
    port: u16,
    client_ca: Option<String>,
    require_client_cert: bool,
    alpn: Vec<String>,
    groups: Option<Vec<NamedGroup>>,
    suites: Option<Vec<CipherSuite>>,
    keylog: Option<String>,
    mode: Mode,
    tickets: Option<usize>,
    early_data: bool,
    psk_identities: Vec<String>,
    psks: Vec<String>,
    ech_keys: Vec<String>,
    compress_cert: Option<Vec<tls13::compress::CertificateCompressionAlgorithm>>,
    task: Task,
    ocsp: Option<String>,
    scts: Vec<String>,
}

/// What the program does.
#[derive(PartialEq, Eq)]
enum Task {
    Serve,
    /// `--ech-keygen PUBLIC_NAME OUT_FILE`
    EchKeygen {
        public_name: String,
        out: String,
    },
    /// `--print-ech-config`
    PrintEchConfig,
}

fn parse_args() -> Result<Option<Options>, String> {
    let mut args = Args::from_env();
    let (mut cert, mut key) = (None, None);
    let mut o = Options {
        cert: None,
        port: 4433,
        client_ca: None,
        require_client_cert: false,
        alpn: Vec::new(),
        groups: None,
        suites: None,
        keylog: None,
        mode: Mode::Echo,
        tickets: None,
        early_data: false,
        psk_identities: Vec::new(),
        psks: Vec::new(),
        ech_keys: Vec::new(),
        compress_cert: None,
        task: Task::Serve,
        ocsp: None,
        scts: Vec::new(),
    };
    let mut mode = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--cert" => cert = Some(args.value(&a)?),
            "--key" => key = Some(args.value(&a)?),
            "--port" => {
                let v = args.value(&a)?;
                o.port = v
                    .parse()
                    .map_err(|_| format!("--port: {v:?} is not a port number"))?;
            }
            "--client-ca" => o.client_ca = Some(args.value(&a)?),
            "--require-client-cert" => o.require_client_cert = true,
            "--ocsp" => o.ocsp = Some(args.value(&a)?),
            "--sct" => o.scts.push(args.value(&a)?),
            "--alpn" => o.alpn.push(args.value(&a)?),
            "--groups" => o.groups = Some(common::parse_groups(&args.value(&a)?)?),
            "--suites" => o.suites = Some(common::parse_suites(&args.value(&a)?)?),
            "--keylog" => o.keylog = Some(args.value(&a)?),
            "--tickets" => {
                let v = args.value(&a)?;
                o.tickets = Some(
                    v.parse()
                        .map_err(|_| format!("--tickets: {v:?} is not a count"))?,
                );
            }
            "--early-data" => o.early_data = true,
            "--psk-identity" => o.psk_identities.push(args.value(&a)?),
            "--psk" => o.psks.push(args.value(&a)?),
            "--ech-key" => o.ech_keys.push(args.value(&a)?),
            "--compress-cert" => {
                o.compress_cert = Some(common::parse_compression(&args.value(&a)?)?);
            }
            "--ech-keygen" => {
                let public_name = args.value(&a)?;
                let out = args.value(&a)?;
                set_task(&mut o.task, Task::EchKeygen { public_name, out })?;
            }
            "--print-ech-config" => set_task(&mut o.task, Task::PrintEchConfig)?,
            "--echo" | "--http" => {
                let m = if a == "--echo" {
                    Mode::Echo
                } else {
                    Mode::Http
                };
                if mode.is_some_and(|x| x != m) {
                    return Err("--echo and --http exclude each other".into());
                }
                mode = Some(m);
            }
            _ => return Err(format!("unexpected argument {a:?} (see --help)")),
        }
    }
    match o.task {
        Task::Serve => {}
        Task::EchKeygen { .. } => return Ok(Some(o)),
        Task::PrintEchConfig if o.ech_keys.is_empty() => {
            return Err("--print-ech-config needs --ech-key FILE".into());
        }
        Task::PrintEchConfig => return Ok(Some(o)),
    }
    if o.psk_identities.len() != o.psks.len() {
        return Err("--psk-identity and --psk go together, one --psk per identity".into());
    }
    o.cert = match (cert, key) {
        (Some(c), Some(k)) => Some((c, k)),
        (None, None) if !o.psks.is_empty() => None,
        (None, None) => {
            return Err(
                "--cert and --key are required, unless --psk-identity and --psk make the \
                 server PSK-only (see --help)"
                    .into(),
            );
        }
        _ => return Err("--cert and --key go together (see --help)".into()),
    };
    o.mode = mode.unwrap_or(Mode::Echo);
    if o.require_client_cert && o.client_ca.is_none() {
        return Err("--require-client-cert needs --client-ca".into());
    }
    if o.cert.is_none() && o.client_ca.is_some() {
        return Err(
            "--client-ca needs --cert/--key: a PSK-only server authenticates clients \
                    by their PSK"
                .into(),
        );
    }
    Ok(Some(o))
}

/// `--ech-keygen` and `--print-ech-config` exclude each other.
fn set_task(task: &mut Task, new: Task) -> Result<(), String> {
    if *task != Task::Serve {
        return Err("--ech-keygen and --print-ech-config exclude each other".into());
    }
    *task = new;
    Ok(())
}

/// The key files of `--ech-key`, in order.
fn load_ech_keys(paths: &[String]) -> Result<Vec<EchKeyPair>, String> {
    paths
        .iter()
        .map(|path| {
            // The file holds the private key: read into a buffer wiped on drop.
            let text = Zeroizing::new(
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?,
            );
            EchKeyPair::from_pem(&text).map_err(|e| format!("{path}: {e}"))
        })
        .collect()
}

/// `--ech-keygen PUBLIC_NAME OUT_FILE`: a new key, written to a file only
/// its owner may read, its ECHConfigList printed for the DNS record.
fn ech_keygen(public_name: &str, out: &str, known: &[EchKeyPair]) -> Result<(), String> {
    let ids: Vec<u8> = known
        .iter()
        .filter_map(|k| k.config().contents())
        .map(|c| c.key_config.config_id)
        .collect();
    let key = EchConfigBuilder::new(public_name)
        .avoid_config_ids(&ids)
        .generate(tls13::crypto::default_provider(), &tls13::crypto::OsRandom)
        .map_err(|e| format!("--ech-keygen: {e}"))?;
    let pem = key.to_pem();
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    file.open(out)
        .and_then(|mut f| f.write_all(pem.as_bytes()))
        .map_err(|e| format!("cannot write {out}: {e}"))?;
    eprintln!(
        "wrote the ECH key for {public_name} (config_id {}) to {out}; publish this \
         ECHConfigList (stdout) as the `ech` SvcParam of the HTTPS record:",
        key.config()
            .contents()
            .map_or(0, |c| c.key_config.config_id)
    );
    println!("{}", key.config_list().to_base64());
    Ok(())
}

fn run(o: Options) -> Result<(), Box<dyn std::error::Error>> {
    common::init_log();
    let ech_keys = load_ech_keys(&o.ech_keys)?;
    match &o.task {
        Task::Serve => {}
        Task::EchKeygen { public_name, out } => {
            return Ok(ech_keygen(public_name, out, &ech_keys)?);
        }
        Task::PrintEchConfig => {
            let list = EchConfigList {
                configs: ech_keys.iter().map(|k| k.config().clone()).collect(),
            };
            println!("{}", list.to_base64());
            return Ok(());
        }
    }
    let ech = !ech_keys.is_empty();
    let client_verifier: Option<Arc<dyn ClientCertVerifier>> = match &o.client_ca {
        None => None,
        Some(path) => {
            common::load_certs(path)?;
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            Some(Arc::new(
                WebPkiClientVerifier::from_pem(&text).map_err(|e| format!("{path}: {e}"))?,
            ))
        }
    };
    // In --http mode an optional client certificate is asked for only
    // after the handshake, on GET /secret (the convention of tlsfuzzer's
    // post-handshake-authentication scripts: no CertificateRequest in the
    // handshake itself).
    let client_auth = match &client_verifier {
        None => ClientAuth::None,
        Some(v) if o.require_client_cert => ClientAuth::Required(v.clone()),
        Some(_) if o.mode == Mode::Http => ClientAuth::None,
        Some(v) => ClientAuth::Optional(v.clone()),
    };
    let ask_client = !matches!(client_auth, ClientAuth::None);

    let mut psks = Vec::new();
    for (id, psk) in o.psk_identities.iter().zip(&o.psks) {
        let secret = hex::decode(psk).map_err(|e| format!("--psk: not hex: {e}"))?;
        psks.push(tls13::resumption::ExternalPsk::new(
            id.as_bytes(),
            &secret,
            tls13::crypto::hash::HashAlgorithm::Sha256,
        )?);
    }
    let mut builder = match &o.cert {
        Some((cert, key)) => {
            let chain = common::load_certs(cert)?;
            let key = common::load_key(key)?;
            let read =
                |path: &String| std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"));
            let ocsp = o.ocsp.as_ref().map(read).transpose()?;
            let scts = o.scts.iter().map(read).collect::<Result<Vec<_>, _>>()?;
            let mut b = ServerConfig::builder_with_stapled_cert(chain, key, ocsp, scts)
                .client_auth(client_auth);
            if let Some(v) = client_verifier {
                b = b.post_handshake_client_verifier(v);
            }
            for psk in psks {
                b = b.external_psk(psk);
            }
            b
        }
        None => ServerConfig::builder_psk_only(psks),
    };
    if let Some(g) = &o.groups {
        builder = builder.groups(g);
    }
    if let Some(s) = &o.suites {
        builder = builder.suites(s);
    }
    if !o.alpn.is_empty() {
        let protos: Vec<&[u8]> = o.alpn.iter().map(|p| p.as_bytes()).collect();
        builder = builder.alpn_protocols(&protos);
    }
    if let Some(log) = common::key_log(o.keylog.as_deref())? {
        builder = builder.key_log(log);
    }
    let tickets = o.tickets.or(o.early_data.then_some(2));
    if let Some(n) = tickets {
        builder = builder.session_tickets(n);
    }
    if o.early_data {
        builder = builder.max_early_data_size(16384);
    }
    if ech {
        builder = builder.ech_keys(ech_keys);
    }
    if let Some(algs) = &o.compress_cert {
        builder = builder.certificate_compression(algs);
    }
    let report = Report {
        client: ask_client,
        secret: o.client_ca.is_some(),
        resumed: tickets.is_some() || !o.psks.is_empty(),
        early: o.early_data,
        psk: !o.psks.is_empty(),
        ech,
        compression: o.compress_cert.is_some(),
    };
    let config = Arc::new(builder.build()?);

    let listener = TcpListener::bind(("127.0.0.1", o.port))?;
    eprintln!(
        "listening on {} ({})",
        listener.local_addr()?,
        if o.mode == Mode::Http { "http" } else { "echo" }
    );
    let active = Arc::new(AtomicUsize::new(0));
    for sock in listener.incoming() {
        let sock = match sock {
            Ok(s) => s,
            Err(e) => {
                eprintln!("accept failed: {e}");
                continue;
            }
        };
        let peer = sock
            .peer_addr()
            .map_or_else(|_| "?".to_string(), |a| a.to_string());
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            eprintln!("[{peer}] refused: {MAX_CONNECTIONS} connections already active");
            continue;
        }
        let (config, active, mode) = (config.clone(), active.clone(), o.mode);
        std::thread::spawn(move || {
            match serve(sock, config, mode, report) {
                Ok(summary) => eprintln!("[{peer}] ok: {summary}"),
                Err(e) => eprintln!("[{peer}] error: {e}"),
            }
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
    Ok(())
}

/// Which per-connection lines to log.
#[derive(Clone, Copy)]
struct Report {
    /// `client: SUBJECT|none`
    client: bool,
    /// `resumed: yes|no`
    resumed: bool,
    /// `early-data: accepted|rejected`
    early: bool,
    /// `psk-identity: ID|none`
    psk: bool,
    /// GET /secret asks for a client certificate after the handshake.
    secret: bool,
    /// `ech: accepted|rejected|not offered`
    ech: bool,
    /// `cert-compression: sent ALG|none, received ALG|none`
    compression: bool,
}

/// Serves one connection; returns a one-line summary.
fn serve(
    sock: TcpStream,
    config: Arc<ServerConfig>,
    mode: Mode,
    report: Report,
) -> io::Result<String> {
    let ask_client = report.client;
    sock.set_nodelay(true)?;
    sock.set_read_timeout(Some(IDLE_TIMEOUT))?;
    sock.set_write_timeout(Some(IDLE_TIMEOUT))?;
    let conn = ServerConnection::new(config).map_err(tls13::stream::to_io_error)?;
    let mut tls = ServerStream::new(conn, sock);
    tls.handshake()?;
    let n = tls.conn().negotiated();
    if ask_client {
        // The handshake succeeded, so a certificate here passed the
        // verifier (chain to --client-ca, dates, clientAuth).
        // The issue's contract: a line `client: SUBJECT` (the connection's
        // `[peer] ok:` line follows once it ends).
        eprintln!("client: {}", client_subject(&n.peer_certificates));
    }
    if report.resumed {
        eprintln!("resumed: {}", if n.resumed { "yes" } else { "no" });
    }
    if report.compression {
        eprintln!(
            "cert-compression: sent {}, received {}",
            common::compression_name(n.certificate_compression_sent),
            common::compression_name(n.certificate_compression_received)
        );
    }
    if report.psk {
        eprintln!(
            "psk-identity: {}",
            n.psk_identity
                .as_deref()
                .map_or_else(|| "none".into(), String::from_utf8_lossy)
        );
    }
    if report.ech {
        eprintln!(
            "ech: {}",
            match n.ech {
                EchStatus::Accepted => "accepted",
                EchStatus::Rejected => "rejected",
                _ => "not offered",
            }
        );
    }
    if report.early {
        eprintln!(
            "early-data: {}",
            if n.early_data_accepted {
                "accepted"
            } else {
                "rejected"
            }
        );
    }
    let mut summary = format!(
        "{} {} {} alpn={} sni={}{}",
        common::version_name(n.version),
        common::suite_name(n.suite),
        common::group_name(n.group),
        common::alpn_name(n.alpn.as_deref()),
        n.server_name.as_deref().unwrap_or("none"),
        if n.hello_retry {
            " (after HelloRetryRequest)"
        } else {
            ""
        },
    );
    match mode {
        Mode::Echo => {
            let mut buf = vec![0u8; 16384];
            let mut total = 0u64;
            loop {
                let k = tls.read(&mut buf)?;
                if k == 0 {
                    break;
                }
                tls.write_all(&buf[..k])?;
                tls.flush()?;
                total += k as u64;
            }
            summary.push_str(&format!(", echoed {total} bytes, closed by the client"));
        }
        Mode::Http => {
            let request = read_request(&mut tls)?;
            let first = request.lines().next().unwrap_or("").to_string();
            let path = first.split_whitespace().nth(1).unwrap_or("");
            let mut status = "200 OK";
            let mut extra = String::new();
            match path {
                // Our KeyUpdate first, asking the client for one too
                // (RFC 9846 §4.7.3); the response goes under the new key.
                "/keyupdate" => {
                    tls.conn_mut()
                        .update_keys(true)
                        .map_err(tls13::stream::to_io_error)?;
                    extra = "key_update:       sent, update_requested\n".into();
                }
                // A client certificate asked for after the handshake
                // (RFC 9846 §4.7.2), checked before the answer.
                "/secret" if report.secret => match authenticate_client(&mut tls)? {
                    Ok(chain) => {
                        let subject = client_subject(&chain);
                        eprintln!("client: {subject}");
                        if chain.is_empty() {
                            status = "403 Forbidden";
                        }
                        extra = format!("client:           {subject}\n");
                    }
                    Err(why) => {
                        eprintln!("client: none ({why})");
                        status = "403 Forbidden";
                        extra = format!("client:           none ({why})\n");
                    }
                },
                _ => {}
            }
            // Head and body in one write: one record, as tlsfuzzer expects.
            let body = page(&tls, &first, &extra);
            let response = format!(
                "HTTP/1.0 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            tls.write_all(response.as_bytes())?;
            summary.push_str(&format!(", answered {first:?} with {status}"));
        }
    }
    tls.close()?;
    linger(tls);
    Ok(summary)
}

/// The verified client's subject for the log, `none` without a certificate.
fn client_subject(chain: &[Vec<u8>]) -> String {
    match chain.first() {
        None => "none".into(),
        Some(leaf) => tls13::x509::certificate_subject(leaf)
            .unwrap_or_else(|e| format!("(unreadable subject: {e})")),
    }
}

/// Reads an HTTP request head (up to the blank line, or whatever arrived
/// before the client closed), bounded in size.
fn read_request<T: Read + Write>(tls: &mut ServerStream<T>) -> io::Result<String> {
    let mut req = Vec::new();
    let mut buf = [0u8; 4096];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") && !req.windows(2).any(|w| w == b"\n\n") {
        if req.len() > MAX_REQUEST {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too large",
            ));
        }
        let k = tls.read(&mut buf)?;
        if k == 0 {
            break;
        }
        req.extend_from_slice(&buf[..k]);
    }
    Ok(String::from_utf8_lossy(&req).into_owned())
}

/// GET /secret: sends a post-handshake CertificateRequest and waits for
/// the client's answer: `Ok(chain)` once its Certificate,
/// CertificateVerify and Finished are checked (empty: it declined), or
/// why the request could not be made (e.g. the client did not offer
/// post_handshake_auth).
fn authenticate_client(
    tls: &mut ServerStream<TcpStream>,
) -> io::Result<Result<Vec<Vec<u8>>, String>> {
    match tls.conn_mut().request_client_certificate() {
        Ok(()) => {}
        Err(tls13::Error::BadConfig(why)) => return Ok(Err(why)),
        Err(e) => return Err(tls13::stream::to_io_error(e)),
    }
    tls.flush()?;
    // The stream reads only application data, so the answer is read here:
    // transport bytes straight into the connection, until its event.
    // Application data arriving meanwhile stays in the connection for the
    // stream to read later.
    let mut buf = vec![0u8; 16 * 1024 + 256];
    loop {
        let (sock, conn) = tls.get_mut();
        let n = sock.read(&mut buf)?;
        let r = if n == 0 {
            conn.receive_eof()
        } else {
            conn.receive(&buf[..n])
        };
        if let Err(e) = r {
            let _ = tls.flush(); // the alert
            return Err(tls13::stream::to_io_error(e));
        }
        while let Some(event) = tls.conn_mut().next_event() {
            match event {
                tls13::Event::PostHandshakeAuth(chain) => return Ok(Ok(chain)),
                // A client that half-closed can no longer answer (RFC 9846
                // §6.1: nothing after its close_notify).
                tls13::Event::Closed(_) => {
                    return Ok(Err("the client closed its side before answering".into()));
                }
                _ => {}
            }
        }
    }
}

fn page<T>(tls: &ServerStream<T>, request_line: &str, extra: &str) -> String
where
    T: Read + Write,
{
    let n = tls.conn().negotiated();
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    format!(
        "<!DOCTYPE html>\n<html><head><title>tls13</title></head><body>\n\
         <h1>Hello over TLS 1.3</h1>\n<pre>\n\
         request:          {}\nversion:          {}\nsuite:            {}\n\
         group:            {}\nalpn:             {}\nsignature_scheme: {}\n\
         hello_retry:      {}\n{}</pre>\n</body></html>\n",
        escape(request_line),
        common::version_name(n.version),
        common::suite_name(n.suite),
        common::group_name(n.group),
        escape(&common::alpn_name(n.alpn.as_deref())),
        common::scheme_name(n.signature_scheme),
        n.hello_retry,
        escape(extra),
    )
}

/// After our close_notify: stop writing, then read (and discard) until
/// the client closes, for a short while. Closing a socket with unread
/// input makes the kernel send a reset, which can destroy the response
/// before the client has read it.
fn linger(tls: ServerStream<TcpStream>) {
    let (sock, _) = tls.into_inner();
    let _ = sock.shutdown(Shutdown::Write);
    let _ = sock.set_read_timeout(Some(Duration::from_millis(500)));
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut buf = [0u8; 4096];
    let mut sock = sock;
    while Instant::now() < deadline {
        match sock.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match run(opts) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
