//! STARTTLS: an SMTP-style exchange that starts in plaintext and upgrades
//! the same TCP connection to TLS 1.3 (RFC 3207 style), both ends in one
//! process on loopback, with the blocking driver. The transcript is
//! printed with `S:` / `C:` prefixes.
//!
//! ```text
//! cargo run --example starttls
//! ```
//!
//! The server's certificate comes from a throw-away CA made at start
//! (`tls13::certgen`); the client verifies the chain and the name
//! `mail.example` against that CA.
//!
//! The one subtle point of any STARTTLS is the switch itself: plaintext
//! that arrived after the `STARTTLS` line but before the handshake must
//! be thrown away, never treated as if it came over TLS (an attacker on
//! the path can inject it; see CVE-2011-0411). Here each side reads the
//! plaintext phase line by line, one byte at a time, so no byte past the
//! switch is ever buffered, and anything else is refused.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::stream::Stream;
use tls13::verify_webpki::WebPkiServerVerifier;
use tls13::x509::{Policy, TrustAnchor};
use tls13::{ClientConfig, ClientConnection, Connection, ServerConfig, ServerConnection};

const HOST: &str = "mail.example";

/// Reads one CRLF-terminated line byte by byte from the raw socket, so
/// nothing past it is consumed (see the module documentation).
fn read_line_unbuffered(sock: &mut TcpStream) -> io::Result<String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        if sock.read(&mut b)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        line.push(b[0]);
        if line.len() > 1000 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
        }
    }
    line.truncate(line.len() - 2);
    String::from_utf8(line).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

fn say(sock: &mut impl Write, who: &str, line: &str) -> io::Result<()> {
    println!("{who}: {line}");
    sock.write_all(format!("{line}\r\n").as_bytes())?;
    sock.flush()
}

fn describe(conn: &Connection) -> String {
    let n = conn.negotiated();
    format!("{:?}, {:?}, {:?}", n.version, n.suite, n.group)
}

fn server(listener: TcpListener, config: Arc<ServerConfig>) -> io::Result<()> {
    let (mut sock, _) = listener.accept()?;
    say(&mut sock, "S", &format!("220 {HOST} ESMTP tls13-example"))?;
    loop {
        let line = read_line_unbuffered(&mut sock)?;
        match line.to_ascii_uppercase().as_str() {
            l if l.starts_with("EHLO ") => {
                say(&mut sock, "S", &format!("250-{HOST} greets you"))?;
                say(&mut sock, "S", "250 STARTTLS")?;
            }
            "STARTTLS" => {
                say(&mut sock, "S", "220 2.0.0 Ready to start TLS")?;
                break;
            }
            _ => say(
                &mut sock,
                "S",
                "530 5.7.0 Must issue a STARTTLS command first",
            )?,
        }
    }
    // The same TCP connection, now carrying TLS. Nothing was read past the
    // STARTTLS line, so the handshake starts from a clean stream.
    let conn = ServerConnection::new(config).map_err(tls13::stream::to_io_error)?;
    let mut tls = Stream::new(conn, sock);
    tls.handshake()?;
    println!("-- server: TLS established ({})", describe(tls.conn()));
    // RFC 3207 §4.2: the session starts over; the client says EHLO again.
    let mut lines = BufReader::new(tls);
    loop {
        let mut line = String::new();
        if lines.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end().to_string();
        let tls = lines.get_mut();
        match line.to_ascii_uppercase().as_str() {
            l if l.starts_with("EHLO ") => say(tls, "S", &format!("250 {HOST} (over TLS)"))?,
            l if l.starts_with("MAIL FROM:") || l.starts_with("RCPT TO:") => {
                say(tls, "S", "250 2.1.0 OK")?
            }
            "QUIT" => {
                say(tls, "S", "221 2.0.0 Bye")?;
                tls.close()?;
                // Then the client's close_notify, before the socket goes.
                let mut rest = Vec::new();
                lines.read_to_end(&mut rest)?;
                println!("-- server: closed cleanly");
                break;
            }
            _ => say(tls, "S", "502 5.5.2 Command not implemented")?,
        }
    }
    Ok(())
}

/// Sends `line` and reads the reply lines (up to the one without `-`).
fn command<T: Read + Write>(tls: &mut BufReader<T>, line: &str) -> io::Result<String> {
    say(tls.get_mut(), "C", line)?;
    loop {
        let mut reply = String::new();
        if tls.read_line(&mut reply)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let reply = reply.trim_end().to_string();
        if reply.as_bytes().get(3) != Some(&b'-') {
            return Ok(reply);
        }
    }
}

fn client(port: u16, config: Arc<ClientConfig>) -> io::Result<()> {
    let mut sock = TcpStream::connect(("127.0.0.1", port))?;
    let greeting = read_line_unbuffered(&mut sock)?;
    if !greeting.starts_with("220 ") {
        return Err(io::Error::other(format!("unexpected greeting {greeting}")));
    }
    say(&mut sock, "C", "EHLO client.example")?;
    let mut offers_starttls = false;
    loop {
        let line = read_line_unbuffered(&mut sock)?;
        offers_starttls |= line
            .get(4..)
            .is_some_and(|l| l.eq_ignore_ascii_case("STARTTLS"));
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    }
    // A client that requires TLS stops here rather than go on in plaintext.
    if !offers_starttls {
        return Err(io::Error::other("the server does not offer STARTTLS"));
    }
    say(&mut sock, "C", "STARTTLS")?;
    let go = read_line_unbuffered(&mut sock)?;
    if !go.starts_with("220") {
        return Err(io::Error::other(format!("STARTTLS refused: {go}")));
    }
    let conn = ClientConnection::new(config, HOST).map_err(tls13::stream::to_io_error)?;
    let mut tls = Stream::new(conn, sock);
    tls.handshake()?;
    println!(
        "-- client: TLS established, {HOST} verified ({})",
        describe(tls.conn())
    );
    let mut tls = BufReader::new(tls);
    for cmd in [
        "EHLO client.example",
        "MAIL FROM:<alice@client.example>",
        "RCPT TO:<bob@mail.example>",
        "QUIT",
    ] {
        let reply = command(&mut tls, cmd)?;
        if !reply.starts_with('2') {
            return Err(io::Error::other(format!("{cmd}: {reply}")));
        }
    }
    // The server closed after 221: its close_notify ends the stream cleanly.
    let mut rest = Vec::new();
    tls.read_to_end(&mut rest)?;
    let mut tls = tls.into_inner();
    tls.close()?;
    println!("-- client: closed cleanly (close_notify both ways)");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rng = OsRandom;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
    let ca = Ca::new(
        "STARTTLS example CA",
        &ca_key,
        now - 3600,
        now + 86_400,
        &rng,
    )?;
    let key = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
    let leaf = ca.issue(
        &[SubjectAltName::Dns(HOST.into())],
        &key,
        now - 3600,
        now + 86_400,
        &rng,
    )?;

    let server_config = Arc::new(
        ServerConfig::builder_with_single_cert(vec![leaf], SigningKey::from_der(&key)?).build()?,
    );
    let anchor = TrustAnchor::from_der(ca.cert_der().to_vec())?;
    let verifier = WebPkiServerVerifier::new(vec![anchor], Policy::default());
    let client_config = Arc::new(ClientConfig::builder(Arc::new(verifier)).build()?);

    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = std::thread::spawn(move || server(listener, server_config));
    let client_result = client(port, client_config);
    let server_result = server.join().map_err(|_| "the server thread panicked")?;
    client_result?;
    server_result?;
    Ok(())
}
