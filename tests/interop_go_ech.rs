//! Encrypted Client Hello (RFC 9849) against an independent implementation:
//! Go 1.24's `crypto/tls`, driven by the small program in
//! `tests/go/ech_peer` (standard library only, built once per run).
//!
//! - Our client against Go's ECH server: accepted for every HPKE suite
//!   both support (Go: DHKEM(X25519, HKDF-SHA256) with HKDF-SHA256 and
//!   AES-128-GCM, AES-256-GCM or ChaCha20-Poly1305; no P-256 KEM, no
//!   other KDF), also through Go's HelloRetryRequest; rejected with Go's
//!   retry configs (only its SendAsRetry keys), then accepted with them,
//!   also through a HelloRetryRequest; GREASE (with and without HRR);
//!   resumption inside ECH.
//! - Go's ECH client against our server: accepted, rejected with exactly
//!   our retry configs (also through a HelloRetryRequest), then accepted
//!   with them; resumption inside ECH. Accepted through our
//!   HelloRetryRequest does not work with Go 1.24: Go leaves our cookie
//!   out of its second ClientHelloOuter while its inner hello compresses
//!   it, and our server refuses that as RFC 9849 §5.1 requires (see
//!   `go_client_through_hello_retry_request_…`).
//!
//! Go is `$GO`, else `/usr/lib/go-1.24/bin/go`, else `go` on `PATH`; a
//! missing Go (or one older than 1.24) skips each test loudly, or fails
//! it under CI (`tests/skip`).

mod peers;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, OnceLock, mpsc};

use peers::{ChildGuard, TIMEOUT, TempDir, Watcher, skip};
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::ech::{
    EchConfigBuilder, EchConfigList, EchError, EchKeyPair, EchMode, HpkeSymmetricCipherSuite,
};
use tls13::hpke::{HpkeAeadId, HpkeKdfId, HpkeKemId};
use tls13::resumption::ClientSessionCache;
use tls13::stream::{ClientStream, ServerStream};
use tls13::unstable::msgs::enums::{AlertDescription, ExtensionType, NamedGroup};
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::{Policy, TrustAnchor};
use tls13::{ClientConfig, ClientConnection, EchStatus, Error, ServerConfig, ServerConnection};

/// The client-facing server's name (the configs' public_name).
const PUBLIC: &str = "public.example";
/// The name the client wants, sent only inside ClientHelloInner.
const SECRET: &str = "secret.example";
/// An ALPN protocol only the inner hello names.
const ALPN: &str = "secret-protocol";
/// Certificate validity (Go checks it against the real clock).
const NOT_BEFORE: u64 = 1_700_000_000;
const NOT_AFTER: u64 = 2_600_000_000;

// ------------------------------------------------------------ Go

/// The `go` command: `$GO`, else Debian's Go 1.24, else `go` on PATH.
fn go_command() -> String {
    if let Ok(go) = std::env::var("GO") {
        return go;
    }
    let debian = "/usr/lib/go-1.24/bin/go";
    if std::path::Path::new(debian).exists() {
        return debian.into();
    }
    "go".into()
}

/// Builds `tests/go/ech_peer` once per test binary into the cargo target
/// directory (its build cache there too, reused across tests of one run):
/// the binary's path, or why there is none.
fn ech_peer() -> Result<&'static str, String> {
    static BIN: OnceLock<Result<String, String>> = OnceLock::new();
    BIN.get_or_init(|| {
        let go = go_command();
        let version = Command::new(&go)
            .args(["env", "GOVERSION"])
            .env("GOTOOLCHAIN", "local")
            .output()
            .map_err(|e| format!("the Go toolchain `{go}` did not run ({e}; set $GO)"))?;
        let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
        // ECH in crypto/tls arrived in Go 1.23 (client) and 1.24 (server).
        let minor = version
            .strip_prefix("go1.")
            .and_then(|v| v.split(['.', 'r', 'b']).next())
            .and_then(|m| m.parse::<u32>().ok());
        if minor.is_none_or(|m| m < 24) {
            return Err(format!(
                "`{go}` is {version:?}, ECH needs Go 1.24 or later (set $GO)"
            ));
        }
        let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("go-ech-peer");
        let bin = tmp.join("ech_peer");
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go/ech_peer");
        let out = Command::new(&go)
            .args(["build", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(src)
            // Nothing from the network: the program has no requirements.
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOFLAGS", "-mod=mod")
            .env("GOTELEMETRY", "off")
            .env("GOCACHE", tmp.join("cache"))
            .env("GOPATH", tmp.join("gopath"))
            .output()
            .map_err(|e| format!("`{go} build` did not run: {e}"))?;
        // A toolchain that runs but cannot build the program is a failure
        // everywhere, not a skip.
        assert!(
            out.status.success(),
            "`{go} build` of tests/go/ech_peer failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(bin.to_str().expect("utf-8 path").to_owned())
    })
    .as_deref()
    .map_err(Clone::clone)
}

/// The Go peer, or `None` after [`skip`].
fn peer(test: &str) -> Option<&'static str> {
    match ech_peer() {
        Ok(bin) => Some(bin),
        Err(why) => {
            skip(test, &why);
            None
        }
    }
}

// ------------------------------------------------------------ identities

/// A CA, a leaf for the public name and one for the secret name, as
/// DER and as PEM files.
struct Pki {
    _dir: TempDir,
    ca: Vec<u8>,
    ca_pem: String,
    /// (chain PEM, key PEM) for Go; (DER, key DER) for us.
    public_pem: (String, String),
    secret_pem: (String, String),
    /// A leaf valid for both names, for our server.
    both: (Vec<u8>, Vec<u8>),
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let dir = TempDir::new("go-ech-pki");
        let rng = OsRandom;
        let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let ca = Ca::new("Go ECH test CA", &ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
        let leaf = |names: &[&str]| {
            let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
            let sans: Vec<SubjectAltName> = names
                .iter()
                .map(|n| SubjectAltName::Dns((*n).into()))
                .collect();
            let cert = ca.issue(&sans, &key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
            (cert, key.to_vec())
        };
        let files = |tag: &str, (cert, key): (Vec<u8>, Vec<u8>)| {
            (
                dir.write(
                    &format!("{tag}.pem"),
                    certgen::to_pem("CERTIFICATE", &cert)
                        + &certgen::to_pem("CERTIFICATE", ca.cert_der()),
                ),
                dir.write(
                    &format!("{tag}-key.pem"),
                    certgen::to_pem("PRIVATE KEY", &key),
                ),
            )
        };
        Pki {
            ca: ca.cert_der().to_vec(),
            ca_pem: dir.write("ca.pem", certgen::to_pem("CERTIFICATE", ca.cert_der())),
            public_pem: files("public", leaf(&[PUBLIC])),
            secret_pem: files("secret", leaf(&[SECRET])),
            both: leaf(&[PUBLIC, SECRET]),
            _dir: dir,
        }
    })
}

/// One verifier for every client: a stored session resumes only under
/// the verifier that authenticated it.
fn verifier() -> Arc<WebPkiServerVerifier> {
    static V: OnceLock<Arc<WebPkiServerVerifier>> = OnceLock::new();
    V.get_or_init(|| {
        let anchor = TrustAnchor::from_der(pki().ca.clone()).unwrap();
        Arc::new(WebPkiServerVerifier::new(vec![anchor], Policy::default()))
    })
    .clone()
}

/// The HPKE suites Go 1.24 runs (crypto/internal/hpke: X25519 KEM,
/// HKDF-SHA256, three AEADs), which ours runs too.
fn go_suites() -> [(&'static str, HpkeSymmetricCipherSuite); 3] {
    [
        (
            "AES-128-GCM",
            HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM,
        ),
        (
            "AES-256-GCM",
            HpkeSymmetricCipherSuite {
                kdf_id: HpkeKdfId::HKDF_SHA256,
                aead_id: HpkeAeadId::AES_256_GCM,
            },
        ),
        (
            "ChaCha20-Poly1305",
            HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305,
        ),
    ]
}

/// An X25519 ECH key for PUBLIC with one suite.
fn ech_key(suite: HpkeSymmetricCipherSuite) -> EchKeyPair {
    EchConfigBuilder::new(PUBLIC)
        .cipher_suites(&[suite])
        .maximum_name_length(32)
        .generate(tls13::crypto::default_provider(), &OsRandom)
        .unwrap()
}

fn default_key() -> EchKeyPair {
    ech_key(HpkeSymmetricCipherSuite::HKDF_SHA256_AES_128_GCM)
}

// ------------------------------------------------------------ Go server

/// A running Go ECH server.
struct GoServer {
    child: ChildGuard,
    out: Watcher,
    err: Watcher,
    port: u16,
    _dir: TempDir,
}

/// Starts Go's server for `conns` connections with `keys` (each: the key
/// and whether Go sends it as a retry config) and `extra` flags.
fn go_server(bin: &str, keys: &[(&EchKeyPair, bool)], conns: usize, extra: &[&str]) -> GoServer {
    let dir = TempDir::new("go-ech-server");
    let p = pki();
    let conns = conns.to_string();
    let mut args: Vec<String> = vec![
        "server".into(),
        "-alpn".into(),
        ALPN.into(),
        "-conns".into(),
        conns,
    ];
    // The public name's certificate first: Go falls back to the first
    // one when no certificate matches the name.
    for (cert, key) in [&p.public_pem, &p.secret_pem] {
        args.extend(["-cert".into(), cert.clone(), "-key".into(), key.clone()]);
    }
    for (i, (key, retry)) in keys.iter().enumerate() {
        let file = dir.write(&format!("ech{i}.pem"), key.to_pem().as_bytes());
        args.push(if *retry { "-retry-ech" } else { "-ech" }.into());
        args.push(file);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = ChildGuard::spawn(bin, &args);
    let out = Watcher::new(child.0.stdout.take().unwrap());
    let err = Watcher::new(child.0.stderr.take().unwrap());
    assert!(
        out.wait_for("\n", 1, TIMEOUT),
        "the Go server did not start: {}{}",
        out.text(),
        err.text()
    );
    let port = out
        .text()
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("port="))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port from the Go server: {}", out.text()));
    GoServer {
        child,
        out,
        err,
        port,
        _dir: dir,
    }
}

impl GoServer {
    /// The report line of connection `n` (1-based): its handshake's
    /// outcome (`conn ech-accepted=…` or `conn error=…`), bounded.
    fn conn_line(&self, n: usize) -> String {
        let reports = |text: &str| -> Vec<String> {
            text.lines()
                .filter(|l| l.starts_with("conn ech-accepted=") || l.starts_with("conn error="))
                .map(str::to_owned)
                .collect()
        };
        let deadline = std::time::Instant::now() + TIMEOUT;
        loop {
            let lines = reports(&self.out.text());
            if let Some(l) = lines.get(n - 1) {
                return l.clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the Go server reported no connection {n}: {}{}",
                self.out.text(),
                self.err.text()
            );
            // Wait for one more line of any kind (or the deadline).
            let seen = self.out.text().matches('\n').count();
            self.out
                .wait_for("\n", seen + 1, std::time::Duration::from_millis(200));
        }
    }

    /// Everything Go printed, once it exited (bounded).
    fn finish(mut self) -> String {
        self.child.wait_bounded(TIMEOUT);
        format!(
            "{}{}",
            self.out.wait_end(TIMEOUT),
            self.err.wait_end(TIMEOUT)
        )
    }
}

/// Our client to SECRET over TCP with `ech`; on success, one echoed line.
fn our_client(
    port: u16,
    ech: EchMode,
    groups: Option<&[NamedGroup]>,
) -> Result<tls13::Negotiated, Error> {
    our_client_with(port, ech, groups, None)
}

/// [`our_client`] with a session store (`None`: no resumption).
fn our_client_with(
    port: u16,
    ech: EchMode,
    groups: Option<&[NamedGroup]>,
    store: Option<Arc<ClientSessionCache>>,
) -> Result<tls13::Negotiated, Error> {
    let mut b = ClientConfig::builder(verifier())
        .alpn_protocols(&[ALPN.as_bytes()])
        .session_store(store.map(|s| s as Arc<dyn tls13::resumption::ClientSessionStore>))
        .ech(ech);
    if let Some(g) = groups {
        b = b.groups(g);
    }
    // Sessions are filed per config unless a scope is named; each
    // connection builds its own config.
    let conn =
        ClientConnection::with_session_scope(Arc::new(b.build().unwrap()), SECRET, SECRET).unwrap();
    let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
    sock.set_read_timeout(Some(TIMEOUT)).unwrap();
    sock.set_write_timeout(Some(TIMEOUT)).unwrap();
    let mut tls = ClientStream::new(conn, sock);
    tls.handshake().map_err(tls_error)?;
    tls.write_all(b"hello go\n").unwrap();
    tls.flush().unwrap();
    let mut line = String::new();
    BufReader::new(&mut tls).read_line(&mut line).unwrap();
    assert_eq!(line, "hello go\n", "the Go server's echo");
    Ok(tls.conn().negotiated().clone())
}

/// Go's report of a connection on which it accepted ECH.
fn accepted_line(resumed: bool) -> String {
    format!("conn ech-accepted=true sni={SECRET} alpn={ALPN} resumed={resumed}")
}

/// Our client offers ECH with each suite Go supports; Go decrypts the
/// inner hello (it reports the inner name and ALPN and chose the secret
/// name's certificate, which our client verified for SECRET) and both
/// sides report acceptance. `hrr`: Go prefers P-256, our client sends an
/// X25519 share first, so Go asks again.
fn our_client_accepted(test: &str, hrr: bool) {
    let Some(bin) = peer(test) else { return };
    let keys: Vec<_> = go_suites().iter().map(|(_, s)| ech_key(*s)).collect();
    let with: Vec<_> = keys.iter().map(|k| (k, false)).collect();
    let extra: &[&str] = if hrr { &["-curves", "P256"] } else { &[] };
    let server = go_server(bin, &with, keys.len(), extra);
    for (i, ((name, _), key)) in go_suites().iter().zip(&keys).enumerate() {
        let n =
            our_client(server.port, EchMode::Offer(key.config_list()), None).unwrap_or_else(|e| {
                panic!(
                    "{name}: {e:?}\nGo: {}",
                    server.out.text() + &server.err.text()
                )
            });
        assert_eq!(n.ech, EchStatus::Accepted, "{name}");
        assert_eq!(n.hello_retry, hrr, "{name}: HelloRetryRequest");
        assert_eq!(n.alpn.as_deref(), Some(ALPN.as_bytes()), "{name}");
        if hrr {
            assert_eq!(n.group, Some(NamedGroup::SECP256R1), "{name}");
        }
        assert_eq!(server.conn_line(i + 1), accepted_line(false), "{name}");
    }
    let log = server.finish();
    assert!(!log.contains("error"), "Go reported an error:\n{log}");
}

#[test]
fn our_client_accepted_by_go_server_every_suite() {
    our_client_accepted(&peers::current_test(), false);
}

#[test]
fn our_client_accepted_by_go_server_through_hello_retry_request() {
    our_client_accepted(&peers::current_test(), true);
}

/// Go's server holds keys our client does not know, two of them marked
/// SendAsRetry and one not: our client authenticates the public name,
/// fails with exactly Go's list (the two retry configs, in Go's order),
/// and a second connection with that list is accepted.
fn our_client_rejected(test: &str, hrr: bool) {
    let Some(bin) = peer(test) else { return };
    let stale = default_key();
    let current = ech_key(HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305);
    let next = default_key();
    let hidden = default_key();
    let extra: &[&str] = if hrr { &["-curves", "P256"] } else { &[] };
    let server = go_server(
        bin,
        &[(&current, true), (&hidden, false), (&next, true)],
        2,
        extra,
    );
    let sent = EchConfigList {
        configs: vec![current.config().clone(), next.config().clone()],
    };

    let err = our_client(server.port, EchMode::Offer(stale.config_list()), None)
        .expect_err("a stale config must be rejected");
    let Error::EchRejected {
        retry_configs: Some(list),
    } = err
    else {
        panic!("expected EchRejected with retry configs, got {err:?}");
    };
    assert_eq!(list, sent, "the retry configs Go sent");
    // Go completed the handshake on the outer hello (it reads our
    // Finished before the ech_required alert).
    assert_eq!(
        server.conn_line(1),
        format!("conn ech-accepted=false sni={PUBLIC} alpn= resumed=false")
    );

    let n = our_client(server.port, EchMode::Offer(list), None).expect("the retry is accepted");
    assert_eq!(n.ech, EchStatus::Accepted);
    assert_eq!(n.hello_retry, hrr);
    assert_eq!(server.conn_line(2), accepted_line(false));
    let log = server.finish();
    // The first connection ended with our ech_required alert.
    assert!(
        log.contains("\nconn io-error=\"remote error: tls: encrypted client hello required\"\n"),
        "Go did not see our ech_required alert:\n{log}"
    );
}

#[test]
fn our_client_rejected_by_go_server_retries_with_its_configs() {
    our_client_rejected(&peers::current_test(), false);
}

#[test]
fn our_client_rejected_by_go_server_through_hello_retry_request() {
    our_client_rejected(&peers::current_test(), true);
}

/// GREASE: Go's server cannot decrypt it, answers as to a rejected offer
/// (with retry configs, which a GREASE client ignores, §6.2.1) and sees
/// the real name in clear; we connect.
#[test]
fn our_grease_client_connects_to_go_server() {
    let test = peers::current_test();
    let Some(bin) = peer(&test) else { return };
    let key = default_key();
    let server = go_server(bin, &[(&key, true)], 2, &["-curves", "P256"]);
    let n = our_client(server.port, EchMode::Grease, None).expect("GREASE connects");
    assert_eq!(n.ech, EchStatus::Grease);
    assert!(n.hello_retry);
    assert_eq!(
        server.conn_line(1),
        format!("conn ech-accepted=false sni={SECRET} alpn={ALPN} resumed=false")
    );
    let n = our_client(server.port, EchMode::Grease, Some(&[NamedGroup::SECP256R1]))
        .expect("GREASE connects");
    assert_eq!(n.ech, EchStatus::Grease);
    assert!(!n.hello_retry);
    assert_eq!(
        server.conn_line(2),
        format!("conn ech-accepted=false sni={SECRET} alpn={ALPN} resumed=false")
    );
    let log = server.finish();
    assert!(!log.contains("error"), "Go reported an error:\n{log}");
}

// ------------------------------------------------------------ Go client

/// What our server saw on one connection.
#[derive(Debug)]
struct Seen {
    /// The handshake's outcome (the error our server raised or received).
    handshake: Result<(), Error>,
    ech: EchStatus,
    server_name: Option<String>,
    hello_retry: bool,
    resumed: bool,
    /// After a handshake: the line echoed, or the error that ended it.
    echo: Option<Result<String, Error>>,
}

/// The TLS error inside a stream's `io::Error`.
fn tls_error(e: std::io::Error) -> Error {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<Error>())
        .cloned()
        .unwrap_or_else(|| panic!("not a TLS error: {e}"))
}

/// Our server with `keys`, for `conns` connections, answering one line
/// each; what it saw arrives on the receiver.
fn our_server(
    keys: Vec<EchKeyPair>,
    groups: Option<&[NamedGroup]>,
    conns: usize,
) -> (u16, Arc<ServerConfig>, mpsc::Receiver<Seen>) {
    let (cert, key) = &pki().both;
    let mut b = ServerConfig::builder_with_single_cert(
        vec![cert.clone(), pki().ca.clone()],
        SigningKey::from_der(key).unwrap(),
    )
    .alpn_protocols(&[ALPN.as_bytes()])
    .session_tickets(1)
    .ech_keys(keys);
    if let Some(g) = groups {
        b = b.groups(g);
    }
    let config = Arc::new(b.build().unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let cfg = config.clone();
    std::thread::spawn(move || {
        for _ in 0..conns {
            let Ok((sock, _)) = listener.accept() else {
                return;
            };
            sock.set_read_timeout(Some(TIMEOUT)).unwrap();
            sock.set_write_timeout(Some(TIMEOUT)).unwrap();
            let conn = ServerConnection::new(cfg.clone()).unwrap();
            let mut tls = ServerStream::new(conn, sock);
            let handshake = tls.handshake().map_err(tls_error);
            let echo = handshake.is_ok().then(|| {
                let mut line = String::new();
                BufReader::new(&mut tls)
                    .read_line(&mut line)
                    .and_then(|_| tls.write_all(line.as_bytes()))
                    .and_then(|()| tls.flush())
                    .map(|()| line)
                    .map_err(tls_error)
            });
            let n = tls.conn().negotiated().clone();
            let _ = tls.close();
            let seen = Seen {
                handshake,
                ech: n.ech,
                server_name: n.server_name,
                hello_retry: n.hello_retry,
                resumed: n.resumed,
                echo,
            };
            if tx.send(seen).is_err() {
                return;
            }
        }
    });
    (port, config, rx)
}

/// Runs Go's client against `port` with `list`; its output.
fn go_client(bin: &str, port: u16, list: &EchConfigList) -> String {
    go_client_conns(bin, port, list, 1)
}

/// [`go_client`] for `conns` connections in one process, sharing a
/// session cache.
fn go_client_conns(bin: &str, port: u16, list: &EchConfigList, conns: usize) -> String {
    let addr = format!("127.0.0.1:{port}");
    let conns = conns.to_string();
    let b64 = list.to_base64();
    let mut child = ChildGuard::spawn(
        bin,
        &[
            "client",
            "-addr",
            &addr,
            "-sni",
            SECRET,
            "-ca",
            &pki().ca_pem,
            "-ech-config",
            &b64,
            "-alpn",
            ALPN,
            "-conns",
            &conns,
        ],
    );
    let (out, err) = child.collect();
    let status = child.wait_bounded(TIMEOUT);
    let text = format!("{}{}", out.get(TIMEOUT), err.get(TIMEOUT));
    assert!(
        status.is_some_and(|s| s.success()),
        "the Go client failed: {text}"
    );
    text
}

fn seen(rx: &mpsc::Receiver<Seen>) -> Seen {
    rx.recv_timeout(TIMEOUT)
        .expect("our server reported nothing")
}

/// What Go's client prints for a connection with ECH accepted.
fn go_accepted_output(resumed: bool) -> String {
    format!("ech-accepted=true alpn={ALPN} resumed={resumed}\necho=ping from go\n")
}

/// Go's client offers ECH with each suite: accepted on both sides, our
/// server saw the inner name and ALPN.
#[test]
fn go_client_accepted_by_our_server_every_suite() {
    let test = peers::current_test();
    let Some(bin) = peer(&test) else { return };
    let keys: Vec<_> = go_suites().iter().map(|(_, s)| ech_key(*s)).collect();
    let lists: Vec<_> = keys.iter().map(EchKeyPair::config_list).collect();
    let (port, _config, rx) = our_server(keys, None, lists.len());
    for ((name, _), list) in go_suites().iter().zip(&lists) {
        let out = go_client(bin, port, list);
        let s = seen(&rx);
        assert_eq!(out, go_accepted_output(false), "{name}; our server: {s:?}");
        assert_eq!(s.handshake, Ok(()), "{name}");
        assert_eq!(s.ech, EchStatus::Accepted, "{name}");
        assert_eq!(s.server_name.as_deref(), Some(SECRET), "{name}");
        assert!(!s.hello_retry, "{name}");
        assert_eq!(s.echo, Some(Ok("ping from go\n".into())), "{name}");
    }
}

/// Through a HelloRetryRequest (our server wants P-256, Go sends X25519
/// and X25519MLKEM768 shares) Go 1.24's client cannot complete ECH with
/// our server: our HelloRetryRequest carries a cookie (always, RFC 9846
/// §4.2.2), Go's second ClientHelloInner names `cookie` in
/// ech_outer_extensions (Go compresses it), but Go copies only the new
/// key_share into its second ClientHelloOuter, so the outer has no
/// cookie (crypto/tls handshake_client_tls13.go, processHelloRetryRequest:
/// "the only extension which may have changed is keyShares"). RFC 9849
/// §5.1: a referenced extension missing from ClientHelloOuter is an
/// `illegal_parameter` abort, which is what our server does. This test
/// pins that refusal; if a later Go sends the cookie, it fails and
/// should become an "accepted" test.
#[test]
fn go_client_through_hello_retry_request_compresses_a_cookie_its_outer_lacks_and_is_refused() {
    let test = peers::current_test();
    let Some(bin) = peer(&test) else { return };
    let key = default_key();
    let list = key.config_list();
    let (port, _config, rx) = our_server(vec![key], Some(&[NamedGroup::SECP256R1]), 1);
    let out = go_client(bin, port, &list);
    let s = seen(&rx);
    assert_eq!(
        out, "error=\"remote error: tls: illegal parameter\"\n",
        "our server: {s:?}"
    );
    let Err(Error::Ech(e)) = &s.handshake else {
        panic!("expected an ECH error, got {s:?}");
    };
    assert_eq!(**e, EchError::OuterExtensionMissing(ExtensionType::COOKIE));
    assert_eq!(e.alert(), AlertDescription::ILLEGAL_PARAMETER);
    assert!(s.hello_retry);
}

/// Go's client holds a stale config: it authenticates our public name,
/// reports an `ECHRejectionError` carrying exactly our retry configs
/// (it sends its Finished, then `ech_required`), and a retry with them
/// is accepted. Our list holds a P-256 config first, which Go parses and
/// passes over (it runs only the X25519 KEM), then an X25519 one.
#[test]
fn go_client_rejected_by_our_server_retries_with_our_configs() {
    let test = peers::current_test();
    let Some(bin) = peer(&test) else { return };
    let stale = default_key();
    let p256 = EchConfigBuilder::new(PUBLIC)
        .kem(HpkeKemId::DHKEM_P256_HKDF_SHA256)
        .generate(tls13::crypto::default_provider(), &OsRandom)
        .unwrap();
    let current = ech_key(HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305);
    let configs = vec![p256.config().clone(), current.config().clone()];
    let (port, config, rx) = our_server(vec![p256, current], None, 2);
    let ours = config.ech_config_list().expect("the server has ECH keys");
    assert_eq!(ours, EchConfigList { configs });

    let out = go_client(bin, port, &stale.config_list());
    let retry_b64 = out
        .strip_prefix("ech-rejected retry=")
        .and_then(|r| r.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("Go did not report a rejection: {out}"));
    // Byte for byte (canonical base64 of both encodings).
    assert_eq!(retry_b64, ours.to_base64(), "Go's ECHRejectionError list");
    let retry = EchConfigList::from_base64(retry_b64).expect("Go's retry list parses");
    check_rejected_seen(&seen(&rx));

    let out = go_client(bin, port, &retry);
    let s = seen(&rx);
    assert_eq!(out, go_accepted_output(false), "our server: {s:?}");
    assert_eq!(s.ech, EchStatus::Accepted);
    assert_eq!(s.server_name.as_deref(), Some(SECRET));
}

/// Our server's view of Go's rejected connection: the outer hello's name,
/// `Rejected`, and Go's `ech_required` alert right after its Finished (in
/// the same flight, so our handshake call reports it).
fn check_rejected_seen(s: &Seen) {
    assert_eq!(s.ech, EchStatus::Rejected, "{s:?}");
    assert_eq!(s.server_name.as_deref(), Some(PUBLIC), "{s:?}");
    let alert = match (&s.handshake, &s.echo) {
        (Err(e), None) | (Ok(()), Some(Err(e))) => e,
        _ => panic!("Go did not end the rejected connection: {s:?}"),
    };
    assert!(
        matches!(alert, Error::AlertReceived(a) if *a == AlertDescription::ECH_REQUIRED),
        "{alert:?}"
    );
}

/// The same rejection through a HelloRetryRequest: Go uses its outer
/// hello after a rejecting HelloRetryRequest (cookie included) and gets
/// exactly our retry configs.
#[test]
fn go_client_rejected_by_our_server_through_hello_retry_request() {
    let test = peers::current_test();
    let Some(bin) = peer(&test) else { return };
    let stale = default_key();
    let current = ech_key(HpkeSymmetricCipherSuite::HKDF_SHA256_CHACHA20_POLY1305);
    let current_list = current.config_list();
    let (port, _config, rx) = our_server(vec![current], Some(&[NamedGroup::SECP256R1]), 1);
    let out = go_client(bin, port, &stale.config_list());
    let s = seen(&rx);
    assert_eq!(
        out,
        format!("ech-rejected retry={}\n", current_list.to_base64()),
        "our server: {s:?}"
    );
    assert!(s.hello_retry);
    check_rejected_seen(&s);
}

// ------------------------------------------------------------ resumption

/// Resumption inside ECH with Go's server: the first accepted connection
/// leaves a ticket (stored under the inner name), the second offers it
/// in ClientHelloInner (a GREASE pre_shared_key in the outer, §6.1.2)
/// and Go resumes on the inner hello.
#[test]
fn our_client_resumes_inside_ech_with_go_server() {
    let test = peers::current_test();
    let Some(bin) = peer(&test) else { return };
    let key = default_key();
    let server = go_server(bin, &[(&key, false)], 2, &[]);
    let cache = Arc::new(ClientSessionCache::default());
    for (i, resumed) in [false, true].into_iter().enumerate() {
        let n = our_client_with(
            server.port,
            EchMode::Offer(key.config_list()),
            None,
            Some(cache.clone()),
        )
        .unwrap_or_else(|e| panic!("connection {}: {e:?}", i + 1));
        assert_eq!(n.ech, EchStatus::Accepted, "connection {}", i + 1);
        assert_eq!(n.resumed, resumed, "connection {}", i + 1);
        assert_eq!(server.conn_line(i + 1), accepted_line(resumed));
    }
    let log = server.finish();
    // Go's stderr: the ticket it issued came back (inside the inner hello).
    assert_eq!(
        log.matches("ticket offered: opened=true").count(),
        1,
        "{log}"
    );
    assert!(!log.contains("error"), "Go reported an error:\n{log}");
}

/// Resumption inside ECH with Go's client: our ticket from the first
/// accepted connection is offered inside Go's second ClientHelloInner and
/// our server resumes on it.
#[test]
fn go_client_resumes_inside_ech_with_our_server() {
    let test = peers::current_test();
    let Some(bin) = peer(&test) else { return };
    let key = default_key();
    let list = key.config_list();
    let (port, _config, rx) = our_server(vec![key], None, 2);
    let out = go_client_conns(bin, port, &list, 2);
    let first = seen(&rx);
    let second = seen(&rx);
    assert_eq!(
        out,
        go_accepted_output(false) + &go_accepted_output(true),
        "our server: {first:?} {second:?}"
    );
    for (s, resumed) in [(first, false), (second, true)] {
        assert_eq!(s.handshake, Ok(()));
        assert_eq!(s.ech, EchStatus::Accepted);
        assert_eq!(s.server_name.as_deref(), Some(SECRET));
        assert_eq!(s.resumed, resumed);
    }
}
