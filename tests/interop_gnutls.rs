//! Interoperability with GnuTLS on loopback: our client against
//! `gnutls-serv --echo`, and `gnutls-cli` against our server, for each of
//! the three TLS 1.3 suites with each key exchange group GnuTLS 3.7 and we
//! share (X25519, P-256, P-384; it has no X25519MLKEM768),
//! HelloRetryRequest both ways, record_size_limit (RFC 8449) both ways,
//! ALPN, client authentication, KeyUpdate mid-stream, and resumption with
//! and without 0-RTT both ways (`gnutls-cli -r --earlydata`,
//! `gnutls-serv --earlydata`). Also the two AES-CCM suites (off by
//! default, named on both sides) and P-521: secp521r1 key exchange and
//! P-521 certificates from P-521 CAs for server and client. Each case is a
//! data round trip.
//!
//! `gnutls-cli`/`gnutls-serv` are found on `PATH` (or at `$GNUTLS_CLI` /
//! `$GNUTLS_SERV`); when missing, every test is skipped (`tests/skip`: a
//! visible SKIPPED line; a failure under CI, and `.ci/run` installs
//! `gnutls-bin`).
//! Certificates come from `tls13::certgen`. Every child is killed when its
//! test ends (also on failure) and every wait is bounded.

mod peers;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use peers::*;
use tls13::certgen::KeyType;
use tls13::config::ClientAuth;
use tls13::crypto::sign::SigningKey;
use tls13::stream::{ClientStream, ServerStream};
use tls13::unstable::msgs::enums::{CipherSuite, NamedGroup, ProtocolVersion};
use tls13::{
    ClientConfig, ClientConnection, Negotiated, PinnedCertVerifier, PinnedClientCertVerifier,
    ServerConfig, ServerConnection,
};

fn cli_bin() -> String {
    program("GNUTLS_CLI", "gnutls-cli")
}

fn serv_bin() -> String {
    program("GNUTLS_SERV", "gnutls-serv")
}

fn have_gnutls(test: &str) -> bool {
    let how = "install gnutls-bin, or set $GNUTLS_CLI and $GNUTLS_SERV";
    have_program(test, &cli_bin(), "--version", how)
        && have_program(test, &serv_bin(), "--version", how)
}

/// The GnuTLS priority string allowing TLS 1.3 only, with exactly this
/// suite and these groups (in this order: GnuTLS sends a key share for
/// the first, plus one for the first group of another kind).
fn priority(suite: CipherSuite, groups: &[NamedGroup]) -> String {
    let cipher = match suite {
        CipherSuite::TLS_AES_128_GCM_SHA256 => "AES-128-GCM",
        CipherSuite::TLS_AES_256_GCM_SHA384 => "AES-256-GCM",
        CipherSuite::TLS_CHACHA20_POLY1305_SHA256 => "CHACHA20-POLY1305",
        CipherSuite::TLS_AES_128_CCM_SHA256 => "AES-128-CCM",
        CipherSuite::TLS_AES_128_CCM_8_SHA256 => "AES-128-CCM-8",
        _ => unreachable!("not a TLS 1.3 suite we test: {suite:?}"),
    };
    let mut p = format!("NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+{cipher}:-GROUP-ALL");
    for g in groups {
        p.push_str(":+GROUP-");
        p.push_str(group_name(*g));
    }
    p
}

/// GnuTLS's name of a group, as in priority strings and its reports.
fn group_name(g: NamedGroup) -> &'static str {
    match g {
        NamedGroup::X25519 => "X25519",
        NamedGroup::SECP256R1 => "SECP256R1",
        NamedGroup::SECP384R1 => "SECP384R1",
        NamedGroup::SECP521R1 => "SECP521R1",
        _ => unreachable!("GnuTLS 3.7 has no {g:?} in common with us"),
    }
}

fn cipher_name(s: CipherSuite) -> &'static str {
    match s {
        CipherSuite::TLS_AES_128_GCM_SHA256 => "AES-128-GCM",
        CipherSuite::TLS_AES_256_GCM_SHA384 => "AES-256-GCM",
        CipherSuite::TLS_AES_128_CCM_SHA256 => "AES-128-CCM",
        CipherSuite::TLS_AES_128_CCM_8_SHA256 => "AES-128-CCM-8",
        _ => "CHACHA20-POLY1305",
    }
}

/// One interop case; `Default` is a plain round trip with AES-128-GCM
/// over X25519.
#[derive(Clone)]
struct Case {
    suite: CipherSuite,
    /// What the GnuTLS side allows, in its order of preference.
    peer_groups: Vec<NamedGroup>,
    /// What our side allows (a client sends a share for the first only).
    our_groups: Vec<NamedGroup>,
    expect_group: NamedGroup,
    expect_hrr: bool,
    /// `--recordsize` of the GnuTLS side.
    peer_record_size: Option<u16>,
    /// Our record_size_limit.
    our_record_size: Option<u16>,
    /// The value our side must see announced by GnuTLS (RFC 8449 counts the
    /// inner content type byte, so GnuTLS announces `--recordsize` + 1).
    expect_peer_limit: Option<u16>,
    /// `--alpn` of the GnuTLS side (one protocol) and ours (a list).
    peer_alpn: Option<&'static str>,
    our_alpn: Vec<&'static [u8]>,
    expect_alpn: Option<&'static [u8]>,
    /// Mutual TLS: the client presents a certificate the server requires.
    client_auth: bool,
    /// A KeyUpdate (with update_requested) in the middle of the data.
    /// Client tests: our side sends it; server tests: gnutls-cli does
    /// (`^renegotiate^`, which is a KeyUpdate in TLS 1.3) and our server
    /// sends one too.
    key_update: bool,
    /// The application data of the round trip.
    payload: Vec<u8>,
    /// The key type of both certificates (server and client) and their
    /// CAs' (P-256 CAs, except a P-521 CA for P-521).
    key: KeyType,
    /// Server tests: our server answers each line with its upper case this
    /// many times (gnutls-cli sends at most one record per read of its
    /// input, so large data is tested in the direction towards it).
    reply_repeat: usize,
}

impl Default for Case {
    fn default() -> Self {
        Self {
            suite: CipherSuite::TLS_AES_128_GCM_SHA256,
            peer_groups: vec![NamedGroup::X25519],
            our_groups: vec![NamedGroup::X25519],
            expect_group: NamedGroup::X25519,
            expect_hrr: false,
            peer_record_size: None,
            our_record_size: None,
            expect_peer_limit: None,
            peer_alpn: None,
            our_alpn: Vec::new(),
            expect_alpn: None,
            client_auth: false,
            key_update: false,
            payload: b"hello gnutls\n".to_vec(),
            key: KeyType::EcdsaP256,
            reply_repeat: 1,
        }
    }
}

fn check_negotiated(n: &Negotiated, case: &Case) {
    assert_eq!(n.version, Some(ProtocolVersion::TLS1_3));
    assert_eq!(n.suite, Some(case.suite));
    assert_eq!(n.group, Some(case.expect_group));
    assert_eq!(
        n.hello_retry, case.expect_hrr,
        "HelloRetryRequest expectation"
    );
    assert_eq!(n.peer_record_size_limit, case.expect_peer_limit);
    assert_eq!(n.alpn.as_deref(), case.expect_alpn);
}

// ---------- our client against gnutls-serv ----------

fn client_against_gnutls_serv(test: &str, case: Case) {
    if !have_gnutls(test) {
        return;
    }
    let dir = TempDir::new("gnutls-c");
    let server = pki(&dir, "server", "localhost", case.key);
    let client = pki(&dir, "client", "client.example", case.key);
    let port = free_port().to_string();
    let prio = priority(case.suite, &case.peer_groups);
    let mut args = vec![
        "--echo",
        "-p",
        &port,
        "--x509certfile",
        &server.leaf_pem,
        "--x509keyfile",
        &server.key_pem,
        "--priority",
        &prio,
    ];
    let rs = case.peer_record_size.map(|r| r.to_string());
    if let Some(rs) = &rs {
        args.extend(["--recordsize", rs]);
    }
    if let Some(a) = case.peer_alpn {
        args.extend(["--alpn", a]);
    }
    if case.client_auth {
        args.extend(["-r", "--x509cafile", &client.ca_pem]);
    }
    // Without -r gnutls-serv still asks for a certificate (optional), so the
    // plain cases also cover our client answering with an empty one.
    if case.key_update {
        args.extend(["-d", "4"]);
    }
    let mut child = ChildGuard::spawn(&serv_bin(), &args);
    let (out, err) = child.collect();

    let result = std::panic::catch_unwind(|| {
        let mut b = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(server.leaf.clone())))
            .suites(&[case.suite])
            .groups(&case.our_groups)
            .alpn_protocols(&case.our_alpn)
            .record_size_limit(case.our_record_size);
        if case.client_auth {
            b = b.client_auth_cert(
                vec![client.leaf.clone()],
                SigningKey::from_der(&client.key).unwrap(),
            );
        }
        let sock = connect_retry(port.parse().unwrap());
        sock.set_read_timeout(Some(TIMEOUT)).unwrap();
        sock.set_write_timeout(Some(TIMEOUT)).unwrap();
        let conn = ClientConnection::new(Arc::new(b.build().unwrap()), "localhost").unwrap();
        let mut tls = ClientStream::new(conn, sock);
        tls.handshake().expect("handshake with gnutls-serv");
        // The echo server answers each piece as it arrives: send in two
        // halves at a line boundary, with the KeyUpdate between them.
        let cut = case
            .payload
            .iter()
            .position(|&b| b == b'\n')
            .map_or(case.payload.len(), |i| i + 1);
        let (first, second) = case.payload.split_at(cut);
        let mut got = echo(&mut tls, first);
        if case.key_update {
            tls.conn_mut().update_keys(true).unwrap();
        }
        got.extend(echo(&mut tls, second));
        assert!(got == case.payload, "the echo differs from what we sent");
        let n = tls.conn().negotiated().clone();
        tls.close().unwrap();
        n
    });
    drop(child);
    let log = format!(
        "{}{}",
        out.get(Duration::from_secs(5)),
        err.get(Duration::from_secs(5))
    );
    let n = result.unwrap_or_else(|p| {
        eprintln!("gnutls-serv said:\n{log}");
        std::panic::resume_unwind(p)
    });
    check_negotiated(&n, &case);
    if case.key == KeyType::EcdsaP521 {
        let p521 = Some(tls13::SignatureScheme::ECDSA_SECP521R1_SHA512);
        assert_eq!(n.signature_scheme, p521);
        assert_eq!(n.client_signature_scheme, p521);
    }
    if case.key_update {
        // gnutls-serv got our KeyUpdate and answered with its own: what we
        // read afterwards was under its next key.
        assert!(
            log.contains("received TLS 1.3 key update (1)")
                && log.contains("sending key update (0)"),
            "gnutls-serv did not report our KeyUpdate:\n{log}"
        );
    }
}

/// Writes `data` and reads back as many bytes.
fn echo<T: Read + Write>(tls: &mut T, data: &[u8]) -> Vec<u8> {
    tls.write_all(data).unwrap();
    tls.flush().unwrap();
    let mut got = vec![0u8; data.len()];
    tls.read_exact(&mut got).expect("read the echo");
    got
}

macro_rules! client_cases {
    ($($name:ident: $suite:ident, $group:ident;)*) => {$(
        #[test]
        fn $name() {
            client_against_gnutls_serv(stringify!($name), Case {
                suite: CipherSuite::$suite,
                peer_groups: vec![NamedGroup::$group],
                our_groups: vec![NamedGroup::$group],
                expect_group: NamedGroup::$group,
                ..Case::default()
            });
        }
    )*};
}

client_cases! {
    client_aes128_x25519: TLS_AES_128_GCM_SHA256, X25519;
    client_aes256_x25519: TLS_AES_256_GCM_SHA384, X25519;
    client_chacha_x25519: TLS_CHACHA20_POLY1305_SHA256, X25519;
    client_aes128_p256: TLS_AES_128_GCM_SHA256, SECP256R1;
    client_aes256_p384: TLS_AES_256_GCM_SHA384, SECP384R1;
    client_chacha_p384: TLS_CHACHA20_POLY1305_SHA256, SECP384R1;
    client_aes128_p384: TLS_AES_128_GCM_SHA256, SECP384R1;
    client_aes256_p256: TLS_AES_256_GCM_SHA384, SECP256R1;
    client_chacha_p256: TLS_CHACHA20_POLY1305_SHA256, SECP256R1;
    // Off by default on both sides: named in our config and in the
    // priority string (+AES-128-CCM, +AES-128-CCM-8).
    client_ccm_x25519: TLS_AES_128_CCM_SHA256, X25519;
    client_ccm8_p256: TLS_AES_128_CCM_8_SHA256, SECP256R1;
    client_aes128_p521: TLS_AES_128_GCM_SHA256, SECP521R1;
}

/// P-521 throughout: key exchange, gnutls-serv's P-521 certificate from a
/// P-521 CA (ecdsa_secp521r1_sha512 CertificateVerify), and our P-521
/// client certificate, which gnutls-serv requires and verifies.
#[test]
fn client_p521_certificates_both_ways() {
    client_against_gnutls_serv(
        "client_p521_certificates_both_ways",
        Case {
            suite: CipherSuite::TLS_AES_128_CCM_SHA256,
            peer_groups: vec![NamedGroup::SECP521R1],
            our_groups: vec![NamedGroup::SECP521R1],
            expect_group: NamedGroup::SECP521R1,
            key: KeyType::EcdsaP521,
            client_auth: true,
            ..Case::default()
        },
    );
}

/// Our client shares X25519 only; gnutls-serv takes only P-384 and must
/// ask again (RFC 9846 §4.2.4).
#[test]
fn client_hello_retry_request() {
    client_against_gnutls_serv(
        "client_hello_retry_request",
        Case {
            peer_groups: vec![NamedGroup::SECP384R1],
            our_groups: vec![NamedGroup::X25519, NamedGroup::SECP384R1],
            expect_group: NamedGroup::SECP384R1,
            expect_hrr: true,
            ..Case::default()
        },
    );
}

/// Both sides announce a record_size_limit (RFC 8449): gnutls-serv 512
/// (+1 for the content type), we 1024. 64 KiB echoed in lines: gnutls
/// rejects any record of ours above its limit with record_overflow, and
/// our record layer rejects its records above ours.
#[test]
fn client_record_size_limit() {
    client_against_gnutls_serv(
        "client_record_size_limit",
        Case {
            suite: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            peer_record_size: Some(512),
            our_record_size: Some(1024),
            expect_peer_limit: Some(513),
            payload: text_payload(64 * 1024, 1),
            ..Case::default()
        },
    );
}

#[test]
fn client_alpn() {
    client_against_gnutls_serv(
        "client_alpn",
        Case {
            peer_alpn: Some("http/1.1"),
            our_alpn: vec![b"h2", b"http/1.1"],
            expect_alpn: Some(b"http/1.1"),
            ..Case::default()
        },
    );
}

/// gnutls-serv requires a certificate (-r) and verifies ours against the
/// client CA.
#[test]
fn client_auth_to_gnutls_serv() {
    client_against_gnutls_serv(
        "client_auth_to_gnutls_serv",
        Case {
            suite: CipherSuite::TLS_AES_256_GCM_SHA384,
            client_auth: true,
            ..Case::default()
        },
    );
}

#[test]
fn client_key_update_mid_stream() {
    client_against_gnutls_serv(
        "client_key_update_mid_stream",
        Case {
            key_update: true,
            payload: b"before the update\nafter the update\n".to_vec(),
            ..Case::default()
        },
    );
}

// ---------- gnutls-cli against our server ----------

fn gnutls_cli_against_server(test: &str, case: Case) {
    if !have_gnutls(test) {
        return;
    }
    let dir = TempDir::new("gnutls-s");
    let server = pki(&dir, "server", "localhost", case.key);
    let client = pki(&dir, "client", "client.example", case.key);
    let mut b = ServerConfig::builder_with_single_cert(
        vec![server.leaf.clone()],
        SigningKey::from_der(&server.key).unwrap(),
    )
    .suites(&[case.suite])
    .groups(&case.our_groups)
    .alpn_protocols(&case.our_alpn)
    .record_size_limit(case.our_record_size);
    if case.client_auth {
        b = b.client_auth(ClientAuth::Required(Arc::new(
            PinnedClientCertVerifier::new(vec![client.leaf.clone()]),
        )));
    }
    let config = Arc::new(b.build().unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();

    // The server upper-cases each line back; after the first line it
    // sends a KeyUpdate of its own when the case asks for one. It closes
    // once the whole payload arrived.
    let (tx, rx) = mpsc::channel();
    let expect_len = case.payload.len();
    let key_update = case.key_update;
    let repeat = case.reply_repeat;
    std::thread::spawn(move || {
        let r = (|| -> Result<_, String> {
            let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
            sock.set_read_timeout(Some(TIMEOUT)).unwrap();
            sock.set_write_timeout(Some(TIMEOUT)).unwrap();
            let conn = ServerConnection::new(config).map_err(|e| e.to_string())?;
            let mut tls = ServerStream::new(conn, sock);
            tls.handshake().map_err(|e| format!("handshake: {e}"))?;
            let mut got = Vec::new();
            let mut answered = 0;
            let mut buf = vec![0u8; 32 * 1024];
            let mut lines = 0;
            while got.len() < expect_len {
                let n = tls.read(&mut buf).map_err(|e| format!("read: {e}"))?;
                if n == 0 {
                    return Err(format!("gnutls-cli closed after {} bytes", got.len()));
                }
                got.extend_from_slice(&buf[..n]);
                if let Some(end) = got.iter().rposition(|&b| b == b'\n')
                    && end + 1 > answered
                {
                    let reply = got[answered..=end].to_ascii_uppercase().repeat(repeat);
                    tls.write_all(&reply).map_err(|e| format!("write: {e}"))?;
                    tls.flush().map_err(|e| format!("flush: {e}"))?;
                    if key_update && lines == 0 {
                        tls.conn_mut()
                            .update_keys(true)
                            .map_err(|e| format!("update_keys: {e}"))?;
                        tls.flush().map_err(|e| format!("flush: {e}"))?;
                    }
                    lines += 1;
                    answered = end + 1;
                }
            }
            tls.close().map_err(|e| format!("close: {e}"))?;
            Ok((got, tls.conn().negotiated().clone()))
        })();
        let _ = tx.send(r);
    });

    let prio = priority(case.suite, &case.peer_groups);
    let mut args = vec![
        "-p",
        &port,
        "127.0.0.1",
        "--sni-hostname",
        "localhost",
        "--verify-hostname",
        "localhost",
        "--x509cafile",
        &server.ca_pem,
        "--priority",
        &prio,
    ];
    let rs = case.peer_record_size.map(|r| r.to_string());
    if let Some(rs) = &rs {
        args.extend(["--recordsize", rs]);
    }
    if let Some(a) = case.peer_alpn {
        args.extend(["--alpn", a]);
    }
    if case.client_auth {
        args.extend([
            "--x509certfile",
            &client.leaf_pem,
            "--x509keyfile",
            &client.key_pem,
        ]);
    }
    if case.key_update {
        args.extend(["--inline-commands", "-d", "4"]);
    }
    let mut child = ChildGuard::spawn(&cli_bin(), &args);
    let (out, err) = child.collect();
    let mut stdin = child.0.stdin.take().unwrap();
    // gnutls-cli reads its standard input only once the handshake is done.
    if case.key_update {
        let cut = case.payload.iter().position(|&b| b == b'\n').unwrap() + 1;
        stdin.write_all(&case.payload[..cut]).unwrap();
        stdin.flush().unwrap();
        // Let the first line and our KeyUpdate cross before the command.
        std::thread::sleep(Duration::from_millis(300));
        stdin.write_all(b"^renegotiate^\n").unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
        stdin.write_all(&case.payload[cut..]).unwrap();
    } else {
        stdin.write_all(&case.payload).unwrap();
    }
    stdin.flush().unwrap();
    let outcome = rx.recv_timeout(TIMEOUT);
    // Our close_notify ends gnutls-cli; stdin stays open until then so that
    // its end is not mistaken for the end of the session.
    let status = child.wait_bounded(Duration::from_secs(10));
    drop(stdin);
    let stdout = out.get(Duration::from_secs(5));
    let stderr = err.get(Duration::from_secs(5));
    let (got, n) = match outcome {
        Ok(Ok(x)) => x,
        other => {
            panic!("server side failed: {other:?}\ngnutls-cli stdout:\n{stdout}\nstderr:\n{stderr}")
        }
    };
    assert!(got == case.payload, "our server received other bytes");
    // gnutls-cli prints what it receives, with its own reports in between
    // (e.g. after a KeyUpdate): look for each reply line, as often as sent.
    for line in String::from_utf8(case.payload.to_ascii_uppercase())
        .unwrap()
        .lines()
    {
        assert_eq!(
            stdout.matches(line).count(),
            case.reply_repeat,
            "gnutls-cli did not print our reply {line:?}:\n{stdout}"
        );
    }
    let description = format!("(TLS1.3-X.509)-(ECDHE-{})-", group_name(case.expect_group));
    assert!(
        stdout.contains(&description)
            && stdout.contains(&format!("-({})", cipher_name(case.suite))),
        "gnutls-cli reports other parameters than {description} {}:\n{stdout}",
        cipher_name(case.suite)
    );
    // gnutls-cli always announces a record_size_limit: the protocol
    // maximum (2^14 + 1 with the content type) unless told otherwise.
    let mut case = case;
    case.expect_peer_limit = case.expect_peer_limit.or(Some(16385));
    check_negotiated(&n, &case);
    assert_eq!(n.server_name.as_deref(), Some("localhost"));
    if case.client_auth {
        assert_eq!(n.peer_certificates.first(), Some(&client.leaf));
        assert!(n.client_signature_scheme.is_some());
    }
    if case.key == KeyType::EcdsaP521 {
        let p521 = Some(tls13::SignatureScheme::ECDSA_SECP521R1_SHA512);
        assert_eq!(n.signature_scheme, p521);
        assert_eq!(n.client_signature_scheme, p521);
    }
    if case.key_update {
        // gnutls-cli sent a KeyUpdate asking for ours and got it (0); it
        // got our own request (1) and answered it.
        assert!(
            stderr.contains("sending key update (1)")
                && stderr.contains("received TLS 1.3 key update (0)")
                && stderr.contains("received TLS 1.3 key update (1)")
                && stderr.contains("sending key update (0)"),
            "gnutls-cli did not report both KeyUpdates:\n{stderr}"
        );
    }
    assert!(
        status.is_some(),
        "gnutls-cli did not exit after our close_notify"
    );
}

macro_rules! server_cases {
    ($($name:ident: $suite:ident, $group:ident;)*) => {$(
        #[test]
        fn $name() {
            gnutls_cli_against_server(stringify!($name), Case {
                suite: CipherSuite::$suite,
                peer_groups: vec![NamedGroup::$group],
                our_groups: vec![NamedGroup::$group],
                expect_group: NamedGroup::$group,
                ..Case::default()
            });
        }
    )*};
}

server_cases! {
    server_aes128_x25519: TLS_AES_128_GCM_SHA256, X25519;
    server_aes256_x25519: TLS_AES_256_GCM_SHA384, X25519;
    server_chacha_x25519: TLS_CHACHA20_POLY1305_SHA256, X25519;
    server_aes128_p384: TLS_AES_128_GCM_SHA256, SECP384R1;
    server_aes256_p256: TLS_AES_256_GCM_SHA384, SECP256R1;
    server_chacha_p256: TLS_CHACHA20_POLY1305_SHA256, SECP256R1;
    server_aes128_p256: TLS_AES_128_GCM_SHA256, SECP256R1;
    server_aes256_p384: TLS_AES_256_GCM_SHA384, SECP384R1;
    server_chacha_p384: TLS_CHACHA20_POLY1305_SHA256, SECP384R1;
    server_ccm_p256: TLS_AES_128_CCM_SHA256, SECP256R1;
    server_ccm8_x25519: TLS_AES_128_CCM_8_SHA256, X25519;
    server_aes256_p521: TLS_AES_256_GCM_SHA384, SECP521R1;
}

/// P-521 throughout, gnutls-cli against us: key exchange, our P-521
/// certificate from a P-521 CA (gnutls-cli checks the chain with
/// --x509cafile) and gnutls-cli's P-521 client certificate.
#[test]
fn server_p521_certificates_both_ways() {
    gnutls_cli_against_server(
        "server_p521_certificates_both_ways",
        Case {
            suite: CipherSuite::TLS_AES_128_CCM_8_SHA256,
            peer_groups: vec![NamedGroup::SECP521R1],
            our_groups: vec![NamedGroup::SECP521R1],
            expect_group: NamedGroup::SECP521R1,
            key: KeyType::EcdsaP521,
            client_auth: true,
            ..Case::default()
        },
    );
}

/// gnutls-cli offers P-256 then P-384 and shares P-256 only (both are of
/// one kind); our server takes only P-384 and must ask again.
#[test]
fn server_hello_retry_request() {
    gnutls_cli_against_server(
        "server_hello_retry_request",
        Case {
            peer_groups: vec![NamedGroup::SECP256R1, NamedGroup::SECP384R1],
            our_groups: vec![NamedGroup::SECP384R1],
            expect_group: NamedGroup::SECP384R1,
            expect_hrr: true,
            ..Case::default()
        },
    );
}

/// gnutls-cli announces 512 (+1), our server 1024 (GnuTLS as a client
/// refuses a server's limit below 512 with illegal_parameter, a policy of
/// its own): a 200-byte line to us, 60 KB back, our records within its
/// limit (larger ones it rejects with record_overflow).
#[test]
fn server_record_size_limit() {
    gnutls_cli_against_server(
        "server_record_size_limit",
        Case {
            suite: CipherSuite::TLS_AES_256_GCM_SHA384,
            peer_record_size: Some(512),
            our_record_size: Some(1024),
            expect_peer_limit: Some(513),
            payload: text_payload(200, 2),
            reply_repeat: 300,
            ..Case::default()
        },
    );
}

#[test]
fn server_alpn() {
    gnutls_cli_against_server(
        "server_alpn",
        Case {
            peer_alpn: Some("h2"),
            our_alpn: vec![b"http/1.1", b"h2"],
            expect_alpn: Some(b"h2"),
            ..Case::default()
        },
    );
}

#[test]
fn server_requires_client_auth() {
    gnutls_cli_against_server(
        "server_requires_client_auth",
        Case {
            suite: CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
            client_auth: true,
            ..Case::default()
        },
    );
}

#[test]
fn server_key_update_mid_stream() {
    gnutls_cli_against_server(
        "server_key_update_mid_stream",
        Case {
            key_update: true,
            payload: b"before the update\nafter the update\n".to_vec(),
            ..Case::default()
        },
    );
}

// ---------- resumption and 0-RTT ----------

/// Our client connects twice to one gnutls-serv with one config: the
/// second connection resumes with the ticket from the first (and, with
/// `early`, sends 0-RTT data that gnutls-serv accepts).
fn client_resumes_with_gnutls_serv(test: &str, early: bool) {
    if !have_gnutls(test) {
        return;
    }
    let dir = TempDir::new("gnutls-r");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let port = free_port().to_string();
    let mut args = vec![
        "--echo",
        "-a",
        "-p",
        &port,
        "--x509certfile",
        &server.leaf_pem,
        "--x509keyfile",
        &server.key_pem,
        "--priority",
        "NORMAL:-VERS-ALL:+VERS-TLS1.3",
    ];
    if early {
        args.extend(["--earlydata", "--maxearlydata", "16384"]);
    }
    let mut child = ChildGuard::spawn(&serv_bin(), &args);
    let (out, err) = child.collect();
    let config = Arc::new(
        ClientConfig::builder(Arc::new(PinnedCertVerifier::new(server.leaf.clone())))
            .enable_early_data(early)
            .build()
            .unwrap(),
    );
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let connect = |early_data: Option<&[u8]>| {
            let sock = connect_retry(port.parse().unwrap());
            sock.set_read_timeout(Some(TIMEOUT)).unwrap();
            sock.set_write_timeout(Some(TIMEOUT)).unwrap();
            let mut conn = ClientConnection::new(config.clone(), "localhost").unwrap();
            if let Some(e) = early_data {
                assert_eq!(
                    conn.send_early_data(e).unwrap(),
                    e.len(),
                    "no 0-RTT offered with gnutls's ticket"
                );
            }
            let mut tls = ClientStream::new(conn, sock);
            tls.handshake().expect("handshake with gnutls-serv");
            tls
        };
        // The echo also makes sure the tickets, sent after the handshake,
        // have been read.
        let mut first = connect(None);
        assert_eq!(echo(&mut first, b"first\n"), b"first\n");
        let n1 = first.conn().negotiated().clone();
        first.close().unwrap();

        let mut second = connect(early.then_some(&b"early line\n"[..]));
        let n2 = second.conn().negotiated().clone();
        // gnutls-serv echoes the 0-RTT data only when it reads it together
        // with what follows (a matter of timing): either way nothing else.
        second.write_all(b"second\n").unwrap();
        second.flush().unwrap();
        let mut got = Vec::new();
        let mut b = [0u8; 1];
        while !got.ends_with(b"second\n") && got.len() < 64 {
            second.read_exact(&mut b).expect("read the echo");
            got.push(b[0]);
        }
        assert!(
            got == b"second\n" || (early && got == b"early line\nsecond\n"),
            "unexpected echo {:?}",
            String::from_utf8_lossy(&got)
        );
        second.close().unwrap();
        (n1, n2)
    }));
    drop(child);
    let (n1, n2) = result.unwrap_or_else(|p| {
        eprintln!(
            "gnutls-serv said:\n{}{}",
            out.get(Duration::from_secs(5)),
            err.get(Duration::from_secs(5))
        );
        std::panic::resume_unwind(p)
    });
    assert!(!n1.resumed);
    assert!(n2.resumed, "the second connection did not resume");
    assert_eq!(n2.early_data_accepted, early, "0-RTT acceptance");
}

#[test]
fn client_resumes_with_gnutls_serv_ticket() {
    client_resumes_with_gnutls_serv("client_resumes_with_gnutls_serv_ticket", false);
}

#[test]
fn client_early_data_to_gnutls_serv() {
    client_resumes_with_gnutls_serv("client_early_data_to_gnutls_serv", true);
}

/// `gnutls-cli -r` connects to our server, takes a ticket, disconnects and
/// resumes with it (with `early`, sending `--earlydata` as 0-RTT data that
/// our server accepts); the resumed connection carries a round trip.
fn gnutls_cli_resumes(test: &str, early: bool) {
    if !have_gnutls(test) {
        return;
    }
    let dir = TempDir::new("gnutls-rs");
    let server = pki(&dir, "server", "localhost", KeyType::EcdsaP256);
    let early_file = dir.write("early.txt", "early bytes from gnutls-cli\n");
    let mut b = ServerConfig::builder_with_single_cert(
        vec![server.leaf.clone()],
        SigningKey::from_der(&server.key).unwrap(),
    )
    .session_tickets(2);
    if early {
        b = b.max_early_data_size(16384);
    }
    let config = Arc::new(b.build().unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let expect_lines = if early { 2 } else { 1 };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = (|| -> Result<_, String> {
            let accept = || -> Result<_, String> {
                let (sock, _) = listener.accept().map_err(|e| e.to_string())?;
                sock.set_read_timeout(Some(TIMEOUT)).unwrap();
                sock.set_write_timeout(Some(TIMEOUT)).unwrap();
                let conn = ServerConnection::new(config.clone()).map_err(|e| e.to_string())?;
                let mut tls = ServerStream::new(conn, sock);
                tls.handshake().map_err(|e| format!("handshake: {e}"))?;
                Ok(tls)
            };
            // The first connection only hands out tickets; gnutls-cli
            // leaves once it has one.
            let mut first = accept()?;
            let n1 = first.conn().negotiated().clone();
            let mut buf = [0u8; 256];
            while matches!(first.read(&mut buf), Ok(n) if n > 0) {}
            drop(first);
            let mut second = accept()?;
            let n2 = second.conn().negotiated().clone();
            let mut got = Vec::new();
            while got.iter().filter(|&&b| b == b'\n').count() < expect_lines {
                let n = second.read(&mut buf).map_err(|e| format!("read: {e}"))?;
                if n == 0 {
                    return Err(format!("gnutls-cli closed after {got:?}"));
                }
                got.extend_from_slice(&buf[..n]);
            }
            second
                .write_all(&got.to_ascii_uppercase())
                .map_err(|e| format!("write: {e}"))?;
            second.close().map_err(|e| format!("close: {e}"))?;
            Ok((n1, n2, got))
        })();
        let _ = tx.send(r);
    });
    let mut args = vec![
        "-r",
        "-p",
        &port,
        "127.0.0.1",
        "--sni-hostname",
        "localhost",
        "--verify-hostname",
        "localhost",
        "--x509cafile",
        &server.ca_pem,
    ];
    if early {
        args.extend(["--earlydata", &early_file]);
    }
    let mut child = ChildGuard::spawn(&cli_bin(), &args);
    let (out, err) = child.collect();
    let mut stdin = child.0.stdin.take().unwrap();
    // Read only in the resumed session's interactive mode.
    stdin.write_all(b"hello after resumption\n").unwrap();
    stdin.flush().unwrap();
    let outcome = rx.recv_timeout(TIMEOUT);
    let status = child.wait_bounded(Duration::from_secs(10));
    drop(stdin);
    let stdout = out.get(Duration::from_secs(5));
    let stderr = err.get(Duration::from_secs(5));
    let (n1, n2, got) = match outcome {
        Ok(Ok(x)) => x,
        other => panic!("server side failed: {other:?}\ngnutls-cli:\n{stdout}\n{stderr}"),
    };
    let expect: &[u8] = if early {
        b"early bytes from gnutls-cli\nhello after resumption\n"
    } else {
        b"hello after resumption\n"
    };
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expect)
    );
    assert!(!n1.resumed);
    assert!(n2.resumed, "our server did not resume gnutls-cli");
    assert_eq!(n2.early_data_accepted, early, "0-RTT acceptance");
    assert!(
        stdout.contains("*** This is a resumed session"),
        "gnutls-cli did not report resumption:\n{stdout}"
    );
    assert!(
        stdout.contains("HELLO AFTER RESUMPTION"),
        "gnutls-cli did not print our reply:\n{stdout}"
    );
    assert!(
        status.is_some(),
        "gnutls-cli did not exit after our close_notify"
    );
}

#[test]
fn server_resumes_gnutls_cli() {
    gnutls_cli_resumes("server_resumes_gnutls_cli", false);
}

#[test]
fn server_accepts_gnutls_cli_early_data() {
    gnutls_cli_resumes("server_accepts_gnutls_cli_early_data", true);
}
