//! A TLS 1.3 client: connects, handshakes, sends its standard input and
//! copies what arrives to standard output until the server closes.
//!
//! ```text
//! cargo run --example client -- [--ca PEM | --insecure] [--cert PEM --key PEM]
//!     [--server-name NAME] [--alpn P]... [--groups g1,g2] [--suites s1,s2]
//!     [--keylog FILE] [--resume] [--early-data FILE] [--psk-identity ID --psk HEX]
//!     [--ech-config FILE | --ech-grease] [--status] [--compress-cert ALG,...] HOST:PORT
//! ```
//!
//! Run with `--help` for details.

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use tls13::ech::{EchConfigList, EchMode};
use tls13::resumption::{ClientSessionCache, ExternalPsk, SessionKey};
use tls13::stream::{ClientStream, Stream};
use tls13::verify::ServerCertVerifier;
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::{ClientConfig, ClientConnection, EchStatus};

use common::Args;

const HELP: &str = "\
usage: client [options] HOST:PORT

Connects with TLS 1.3, sends standard input, copies what the server sends
to standard output until it closes (close_notify), and prints on standard
error one `key: value` line each for version, suite, group and alpn (plus
signature_scheme and hello_retry). At the end of standard input the client
sends close_notify and keeps reading until the server closes too. Exit
status 0 on success; otherwise 1 with the error on standard error.

options:
  --ca PEM             trust anchors (CA certificates) in PEM: the server's
                       chain must lead to one of them, be valid now, allow
                       serverAuth, and name the server (subjectAltName only).
                       Without --ca: built with the `webpki-roots` feature,
                       Mozilla's root set (same checks); built without it,
                       the client refuses to connect (unless --insecure, or
                       a PSK authenticates the server)
  --insecure           instead of --ca: accept ANY server certificate (loud
                       warning). Anyone on the path can impersonate the
                       server: testing only
  --cert PEM --key PEM client certificate chain (leaf first) and its private
                       key, sent when the server asks for one (mTLS)
  --server-name NAME   name sent in SNI (default: HOST; IP literals are not sent)
  --alpn P             offer ALPN protocol P (repeatable, in preference order)
  --groups g1,g2       key exchange groups in preference order; a key share is
                       sent for the first only (X25519MLKEM768 adds an x25519
                       share). Names: x25519, secp256r1, secp384r1, secp521r1,
                       X25519MLKEM768
  --suites s1,s2       cipher suites by IANA name: TLS_AES_128_GCM_SHA256,
                       TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256,
                       and, off unless named, TLS_AES_128_CCM_SHA256 and
                       TLS_AES_128_CCM_8_SHA256 (8-byte tag: weaker integrity)
  --keylog FILE        append TLS secrets to FILE (SSLKEYLOGFILE format);
                       without it, $SSLKEYLOGFILE is honoured
  --resume             connect twice: the first connection completes the
                       handshake, waits briefly for a session ticket and
                       closes; the second resumes with it, does the normal
                       job and prints `resumed: yes` or `resumed: no`
  --early-data FILE    (implies --resume) send FILE as 0-RTT early data on
                       the second connection and print `early-data: accepted`
                       or `early-data: rejected` (rejected data is sent again
                       after the handshake). Early data can be replayed by an
                       attacker: send only what is safe to repeat
  --psk-identity ID --psk HEX
                       offer the external pre-shared key HEX (SHA-256 suites)
                       under identity ID (RFC 9846 §2.2). Without --ca the
                       PSK alone authenticates the server (PSK-only): a
                       server that does not accept it is refused
  --ech-config FILE    Encrypted Client Hello (RFC 9849): FILE holds a base64
                       ECHConfigList (the `ech` SvcParam of the server's DNS
                       HTTPS record, or what `server --ech-keygen` printed).
                       The server name, ALPN and the rest of the real hello go
                       encrypted; the clear hello names the config's public
                       name. Prints `ech: accepted`. When the server does not
                       accept it, the connection fails (nothing is sent):
                       prints `ech: rejected`, then `ech-retry-configs: BASE64`
                       with the configs the server sent instead (authenticated
                       by its certificate for the public name; write them to a
                       file and connect again with it) or `ech-retry-configs:
                       none` (the server turned ECH off), and exits with 1
  --ech-grease         send a GREASE encrypted_client_hello (no ECH: the server
                       name stays in clear) and print `ech: grease`
  --status             ask the server to staple an OCSP response and to send
                       signed certificate timestamps (RFC 9846 §4.5.1.1). A
                       stapled response is verified with the certificate
                       (issuer or delegated responder, this certificate,
                       current, status good; not with --insecure), and a
                       must-staple certificate needs one. Prints `ocsp: good`
                       (or `ocsp: none` when nothing was stapled), with
                       `ocsp-this-update:` / `ocsp-next-update:` (UNIX
                       seconds), and `scts: N`
  --compress-cert ALG,...
                       certificate compression (RFC 8879): offer to decompress
                       the server's certificate with these (zlib, brotli,
                       zstd; preference order) and compress our own with the
                       first the server offers. Prints `cert-compression:
                       ALG|none` (how the server's certificate arrived) and
                       `cert-compression-sent: ALG|none`
";

struct Options {
    ca: Option<String>,
    insecure: bool,
    cert: Option<String>,
    key: Option<String>,
    server_name: Option<String>,
    alpn: Vec<String>,
    groups: Option<Vec<tls13::NamedGroup>>,
    suites: Option<Vec<tls13::CipherSuite>>,
    keylog: Option<String>,
    addr: String,
    resume: bool,
    early_data: Option<String>,
    psk_identity: Option<String>,
    psk: Option<String>,
    ech_config: Option<String>,
    ech_grease: bool,
    status: bool,
    compress_cert: Option<Vec<tls13::compress::CertificateCompressionAlgorithm>>,
}

fn parse_args() -> Result<Option<Options>, String> {
    let mut args = Args::from_env();
    let mut o = Options {
        ca: None,
        insecure: false,
        cert: None,
        key: None,
        server_name: None,
        alpn: Vec::new(),
        groups: None,
        suites: None,
        keylog: None,
        addr: String::new(),
        resume: false,
        early_data: None,
        psk_identity: None,
        psk: None,
        ech_config: None,
        ech_grease: false,
        status: false,
        compress_cert: None,
    };
    let mut addr = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "-h" | "--help" => return Ok(None),
            "--ca" => o.ca = Some(args.value(&a)?),
            "--insecure" => o.insecure = true,
            "--cert" => o.cert = Some(args.value(&a)?),
            "--key" => o.key = Some(args.value(&a)?),
            "--server-name" => o.server_name = Some(args.value(&a)?),
            "--alpn" => o.alpn.push(args.value(&a)?),
            "--groups" => o.groups = Some(common::parse_groups(&args.value(&a)?)?),
            "--suites" => o.suites = Some(common::parse_suites(&args.value(&a)?)?),
            "--keylog" => o.keylog = Some(args.value(&a)?),
            "--resume" => o.resume = true,
            "--early-data" => o.early_data = Some(args.value(&a)?),
            "--psk-identity" => o.psk_identity = Some(args.value(&a)?),
            "--psk" => o.psk = Some(args.value(&a)?),
            "--ech-config" => o.ech_config = Some(args.value(&a)?),
            "--ech-grease" => o.ech_grease = true,
            "--status" => o.status = true,
            "--compress-cert" => {
                o.compress_cert = Some(common::parse_compression(&args.value(&a)?)?);
            }
            s if s.starts_with('-') => return Err(format!("unknown option {s} (see --help)")),
            _ if addr.is_some() => return Err(format!("unexpected argument {a:?} (see --help)")),
            _ => addr = Some(a),
        }
    }
    o.addr = addr.ok_or("missing HOST:PORT (see --help)")?;
    if o.cert.is_some() != o.key.is_some() {
        return Err("--cert and --key go together".into());
    }
    if o.psk_identity.is_some() != o.psk.is_some() {
        return Err("--psk-identity and --psk go together".into());
    }
    if o.insecure && o.ca.is_some() {
        return Err("--insecure and --ca exclude each other".into());
    }
    if o.ech_grease && o.ech_config.is_some() {
        return Err("--ech-config and --ech-grease exclude each other".into());
    }
    o.resume |= o.early_data.is_some();
    Ok(Some(o))
}

/// `--status`: what the server stapled (already verified by the
/// verifier, unless --insecure).
fn print_status(n: &tls13::Negotiated) {
    use tls13::x509::{OcspCertStatus, OcspResponseInfo};
    match n.peer_ocsp_response.as_deref().map(OcspResponseInfo::parse) {
        None => eprintln!("ocsp: none"),
        Some(Err(e)) => eprintln!("ocsp: unreadable ({e})"),
        Some(Ok(info)) => {
            // The leaf's entry (the verifier matched it); the first one
            // with --insecure.
            let leaf_serial = n
                .peer_certificates
                .first()
                .and_then(|c| tls13::x509::certificate_serial(c).ok());
            let single = info
                .responses
                .iter()
                .find(|r| Some(&r.serial) == leaf_serial.as_ref())
                .or(info.responses.first());
            match single {
                None => eprintln!("ocsp: empty"),
                Some(r) => {
                    eprintln!(
                        "ocsp: {}",
                        match r.status {
                            OcspCertStatus::Good => "good",
                            OcspCertStatus::Revoked { .. } => "revoked",
                            _ => "unknown",
                        }
                    );
                    eprintln!("ocsp-this-update: {}", r.this_update);
                    if let Some(next) = r.next_update {
                        eprintln!("ocsp-next-update: {next}");
                    }
                }
            }
        }
    }
    eprintln!("scts: {}", n.peer_scts.len());
}

/// `host` of `host:port` / `[v6]:port`, for the default server name.
fn host_of(addr: &str) -> &str {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    addr.rsplit_once(':').map_or(addr, |(h, _)| h)
}

/// Without --ca: Mozilla's roots when the feature is on.
#[cfg(feature = "webpki-roots")]
fn default_verifier() -> Result<Arc<dyn ServerCertVerifier>, String> {
    eprintln!(
        "trust: Mozilla root set ({} roots, webpki-roots)",
        webpki_roots_count()
    );
    Ok(Arc::new(WebPkiServerVerifier::mozilla()))
}

#[cfg(feature = "webpki-roots")]
fn webpki_roots_count() -> usize {
    tls13::x509::TrustAnchor::mozilla().len()
}

/// Without --ca and without the feature: no trust store at all, so no
/// server could be authenticated: refused (--insecure is the way out).
#[cfg(not(feature = "webpki-roots"))]
fn default_verifier() -> Result<Arc<dyn ServerCertVerifier>, String> {
    Err(
        "no trust anchors: give --ca PEM (the CA certificates that issued the \
         server's certificate), build with --features webpki-roots for Mozilla's \
         roots, or pass --insecure to accept any certificate (testing only)"
            .into(),
    )
}

/// `--insecure`: the user asked for no authentication at all.
fn insecure_verifier() -> Arc<dyn ServerCertVerifier> {
    eprintln!(
        "WARNING: --insecure: accepting ANY server certificate \
         (DangerousAcceptAny). The connection is encrypted but NOT authenticated."
    );
    Arc::new(common::DangerousAcceptAny)
}

fn run(o: Options) -> Result<(), Box<dyn std::error::Error>> {
    common::init_log();
    let psk = match (&o.psk_identity, &o.psk) {
        (Some(id), Some(psk)) => {
            let secret = hex::decode(psk).map_err(|e| format!("--psk: not hex: {e}"))?;
            Some(ExternalPsk::new(
                id.as_bytes(),
                &secret,
                tls13::crypto::hash::HashAlgorithm::Sha256,
            )?)
        }
        _ => None,
    };
    let mut builder = match (&o.ca, psk) {
        (Some(path), psk) => {
            // Read through load_certs first for its "no CERTIFICATE block"
            // check and file-named errors.
            common::load_certs(path)?;
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let roots =
                WebPkiServerVerifier::from_pem(&text).map_err(|e| format!("{path}: {e}"))?;
            let builder = ClientConfig::builder(Arc::new(roots));
            match psk {
                Some(psk) => builder.external_psk(psk),
                None => builder,
            }
        }
        // The PSK is the only way the server is authenticated: no
        // certificate is accepted.
        (None, Some(psk)) if !o.insecure => ClientConfig::builder_psk_only(psk),
        (None, psk) => {
            let verifier = if o.insecure {
                insecure_verifier()
            } else {
                default_verifier()?
            };
            let builder = ClientConfig::builder(verifier);
            match psk {
                Some(psk) => builder.external_psk(psk),
                None => builder,
            }
        }
    };
    if let (Some(cert), Some(key)) = (&o.cert, &o.key) {
        builder = builder.client_auth_cert(common::load_certs(cert)?, common::load_key(key)?);
    }
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
    if let Some(path) = &o.ech_config {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let list = EchConfigList::from_base64(&text).map_err(|e| format!("{path}: {e}"))?;
        builder = builder.ech(EchMode::Offer(list));
    } else if o.ech_grease {
        builder = builder.ech(EchMode::Grease);
    }
    builder = builder.request_ocsp(o.status).request_scts(o.status);
    if let Some(algs) = &o.compress_cert {
        builder = builder.certificate_compression(algs);
    }
    let ech = o.ech_config.is_some() || o.ech_grease;
    let sessions = Arc::new(ClientSessionCache::default());
    builder = builder
        .session_store(Some(sessions.clone()))
        .enable_early_data(o.early_data.is_some());
    let config = Arc::new(builder.build()?);

    let server_name = o
        .server_name
        .clone()
        .unwrap_or_else(|| host_of(&o.addr).to_string());
    if o.resume {
        first_connection(&config, &server_name, &o.addr, &sessions, ech)?;
    }
    // Sessions belong to this service (host and port): see SessionKey.
    let mut conn = ClientConnection::with_session_scope(config, &server_name, &o.addr)?;
    // 0-RTT: what the ticket allows goes now, the rest after the handshake.
    let mut early_rest = Vec::new();
    if let Some(path) = &o.early_data {
        let data = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let n = conn.send_early_data(&data)?;
        early_rest = data[n..].to_vec();
    }

    let sock = connect(&o.addr)?;
    sock.set_nodelay(true)?;
    sock.set_read_timeout(Some(Duration::from_secs(30)))?;
    sock.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut tls = Stream::new(conn, sock);
    handshake(&mut tls, ech)?;

    let n = tls.conn().negotiated();
    eprintln!("version: {}", common::version_name(n.version));
    eprintln!("suite: {}", common::suite_name(n.suite));
    eprintln!("group: {}", common::group_name(n.group));
    eprintln!("alpn: {}", common::alpn_name(n.alpn.as_deref()));
    eprintln!(
        "signature_scheme: {}",
        common::scheme_name(n.signature_scheme)
    );
    eprintln!("hello_retry: {}", if n.hello_retry { "yes" } else { "no" });
    if o.status {
        print_status(n);
    }
    if o.compress_cert.is_some() {
        eprintln!(
            "cert-compression: {}",
            common::compression_name(n.certificate_compression_received)
        );
        eprintln!(
            "cert-compression-sent: {}",
            common::compression_name(n.certificate_compression_sent)
        );
    }
    if ech {
        eprintln!(
            "ech: {}",
            match n.ech {
                EchStatus::Accepted => "accepted",
                EchStatus::Grease => "grease",
                EchStatus::Rejected => "rejected",
                _ => "not offered",
            }
        );
    }
    if o.resume {
        eprintln!("resumed: {}", if n.resumed { "yes" } else { "no" });
    }
    if o.early_data.is_some() {
        // Refused early data was already queued again by the stream.
        eprintln!(
            "early-data: {}",
            if n.early_data_accepted {
                "accepted"
            } else {
                "rejected"
            }
        );
    }
    if !early_rest.is_empty() {
        tls.write_all(&early_rest)?;
        tls.flush()?;
    }

    // Standard input is read by its own thread; this thread owns the TLS
    // stream and alternates between sending what stdin produced and
    // reading the socket with a short timeout, so data flows both ways
    // at once. (A partial record read before a timeout stays buffered in
    // the connection.)
    let (tx, rx) = mpsc::sync_channel::<Vec<u8>>(4);
    std::thread::spawn(move || {
        let mut stdin = io::stdin().lock();
        let mut buf = vec![0u8; 16384];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break, // dropping tx signals the end
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    tls.get_mut()
        .0
        .set_read_timeout(Some(Duration::from_millis(20)))?;

    let mut stdout = io::stdout().lock();
    let mut buf = vec![0u8; 16384];
    let mut sent_close = false;
    loop {
        // A bounded number of chunks per turn, so reading is not starved.
        for _ in 0..64 {
            if sent_close {
                break;
            }
            match rx.try_recv() {
                Ok(data) => {
                    if let Err(e) = tls.write_all(&data).and_then(|()| tls.flush()) {
                        return Err(why_write_failed(&mut tls, e).into());
                    }
                }
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => {
                    // End of input: half-close (RFC 9846 §6.1), keep reading.
                    if let Err(e) = tls.close() {
                        return Err(why_write_failed(&mut tls, e).into());
                    }
                    sent_close = true;
                }
            }
        }
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                stdout.write_all(&buf[..n])?;
                stdout.flush()?;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if !sent_close {
        // The server closed first; answer its close_notify. It may have
        // gone already, which is no failure of ours.
        let _ = tls.close();
    }
    Ok(())
}

/// The handshake; with ECH (`report`), a rejection (RFC 9849 §6.1.6:
/// the connection is a failure) is reported with the retry configs the
/// server sent, which the next run may use.
fn handshake<T: Read + Write>(tls: &mut ClientStream<T>, report: bool) -> io::Result<()> {
    let err = match tls.handshake() {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    if report
        && let Some(tls13::Error::EchRejected { retry_configs }) =
            err.get_ref().and_then(|e| e.downcast_ref::<tls13::Error>())
    {
        eprintln!("ech: rejected");
        match retry_configs {
            Some(list) => eprintln!("ech-retry-configs: {}", list.to_base64()),
            None => eprintln!("ech-retry-configs: none"),
        }
    }
    Err(err)
}

/// A write (data or close_notify) fails with "broken pipe" when the
/// server has already closed, typically after sending an alert (in TLS 1.3
/// the client's handshake ends before the server has checked the client's
/// certificate, so `certificate_required` arrives after it). That alert, still in the
/// receive buffer, is the real reason: report it when there is one.
fn why_write_failed<T: Read + Write>(tls: &mut ClientStream<T>, write_err: io::Error) -> io::Error {
    // Not through `tls.read`, which would first retry the unsent records
    // and fail with the same broken pipe: the transport's buffered bytes
    // go straight to the connection, whose error carries the alert.
    let mut buf = [0u8; 4096];
    for _ in 0..64 {
        let (sock, conn) = tls.get_mut();
        let n = match sock.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Err(e) = conn.receive(&buf[..n]) {
            return tls13::stream::to_io_error(e);
        }
    }
    write_err
}

/// `--resume`: a first connection that only completes the handshake and
/// waits (at most two seconds) for a session ticket, then closes.
fn first_connection(
    config: &Arc<ClientConfig>,
    server_name: &str,
    addr: &str,
    sessions: &ClientSessionCache,
    ech: bool,
) -> Result<(), Box<dyn std::error::Error>> {
    let conn = ClientConnection::with_session_scope(config.clone(), server_name, addr)?;
    let sock = connect(addr)?;
    sock.set_read_timeout(Some(Duration::from_millis(50)))?;
    sock.set_write_timeout(Some(Duration::from_secs(30)))?;
    let mut tls = Stream::new(conn, sock);
    handshake(&mut tls, ech)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    let key = SessionKey::named(server_name, addr)?;
    let mut buf = [0u8; 4096];
    while sessions.count(&key) == 0 && std::time::Instant::now() < deadline {
        match tls.read(&mut buf) {
            Ok(0) => break,
            // Data on this connection is not what the user asked for.
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if sessions.count(&key) == 0 {
        eprintln!("note: the server sent no session ticket on the first connection");
    }
    let _ = tls.close();
    Ok(())
}

fn connect(addr: &str) -> Result<TcpStream, Box<dyn std::error::Error>> {
    let mut last = None;
    for a in addr
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {addr}: {e}"))?
    {
        match TcpStream::connect_timeout(&a, Duration::from_secs(10)) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) => format!("cannot connect to {addr}: {e}").into(),
        None => format!("{addr} resolves to no address").into(),
    })
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
