//! Forging flights for the hostile-peer suites (`mod forge;`): a real
//! client and server run the handshake, the test stands between them, and
//! encrypted flights are opened, edited and resealed with the real traffic
//! secrets from the key log both sides share. Records can be sealed at any
//! sequence number and any size, so the record layer's limits can be
//! probed with records that authenticate.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use tls13::crypto::aead::{AeadKey, NONCE_LEN};
use tls13::crypto::suites::{self, SuiteParams};
use tls13::unstable::codec::Codec;
use tls13::unstable::key_schedule::{self, KeyLog};
use tls13::unstable::msgs::alert::AlertMessage;
use tls13::unstable::msgs::enums::{
    AlertDescription, CipherSuite, ContentType, NamedGroup, ProtocolVersion,
};
use tls13::unstable::msgs::handshake::{
    ClientHello, HandshakeMessage, KeyShareEntry, ServerExtension, ServerHello,
};
use tls13::{ClientConnection, Error, ServerConnection};

use crate::pair::{client_builder, server_builder};

pub use tls13::certgen::KeyType;

pub const KEY: KeyType = KeyType::EcdsaP256;
pub const SUITE: CipherSuite = CipherSuite::TLS_AES_128_GCM_SHA256;

pub fn suite() -> SuiteParams {
    suites::lookup(SUITE).unwrap()
}

/// Collects every logged secret.
#[derive(Default)]
pub struct Secrets(Mutex<Vec<(String, Vec<u8>)>>);

impl KeyLog for Secrets {
    fn log(&self, label: &str, _: &[u8; 32], secret: &[u8]) {
        self.0.lock().unwrap().push((label.into(), secret.to_vec()));
    }
}

impl Secrets {
    /// The last secret logged under `label`.
    pub fn get(&self, label: &str) -> Vec<u8> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|(l, _)| l == label)
            .unwrap_or_else(|| panic!("no {label} logged"))
            .1
            .clone()
    }
}

pub const C_HS: &str = "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
pub const S_HS: &str = "SERVER_HANDSHAKE_TRAFFIC_SECRET";
pub const C_AP: &str = "CLIENT_TRAFFIC_SECRET_0";
pub const S_AP: &str = "SERVER_TRAFFIC_SECRET_0";

/// A plaintext record.
pub fn record(typ: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![typ, 3, 3];
    r.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
    r.extend_from_slice(payload);
    r
}

/// An unprotected alert record.
pub fn plain_alert(desc: AlertDescription) -> Vec<u8> {
    vec![21, 3, 3, 0, 2, 2, desc.0]
}

fn keyed(secret: &[u8]) -> (AeadKey, [u8; NONCE_LEN]) {
    let s = suite();
    let (key, iv) = key_schedule::traffic_key_iv(s, secret);
    (s.aead.key(&key).unwrap(), iv)
}

fn nonce(iv: &[u8; NONCE_LEN], seq: u64) -> [u8; NONCE_LEN] {
    let mut n = *iv;
    for (a, b) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
        *a ^= b;
    }
    n
}

/// A protected record (§5.2) under `secret` at sequence number `seq`,
/// carrying `content` of inner type `typ` and `padding` zeros, with no
/// size check: records over the limits authenticate like any other.
pub fn seal(secret: &[u8], seq: u64, typ: ContentType, content: &[u8], padding: usize) -> Vec<u8> {
    let (key, iv) = keyed(secret);
    let mut body = content.to_vec();
    body.push(typ.0);
    body.resize(body.len() + padding, 0);
    let len = u16::try_from(body.len() + 16).unwrap();
    let mut header = vec![23, 3, 3];
    header.extend_from_slice(&len.to_be_bytes());
    key.seal_in_place(&nonce(&iv, seq), &header, &mut body)
        .unwrap();
    header.extend_from_slice(&body);
    header
}

/// Splits a byte stream into records (type, payload).
pub fn records(wire: &[u8]) -> Vec<(u8, Vec<u8>)> {
    crate::pair::records(wire)
}

/// Opens the protected records of `wire` under `secret`, sequence numbers
/// from `first_seq`, skipping unprotected ones (CCS, plaintext alerts):
/// (inner type, content) each.
pub fn open(secret: &[u8], first_seq: u64, wire: &[u8]) -> Vec<(ContentType, Vec<u8>)> {
    let (key, iv) = keyed(secret);
    let mut seq = first_seq;
    let mut out = Vec::new();
    for (typ, payload) in records(wire) {
        if typ != 23 {
            continue;
        }
        let mut header = vec![23, 3, 3];
        header.extend_from_slice(&u16::try_from(payload.len()).unwrap().to_be_bytes());
        let mut buf = payload.clone();
        let n = key
            .open_in_place(&nonce(&iv, seq), &header, &mut buf)
            .expect("record opens under the given secret");
        buf.truncate(n);
        let at = buf.iter().rposition(|b| *b != 0).unwrap();
        let inner = ContentType(buf[at]);
        buf.truncate(at);
        out.push((inner, buf));
        seq += 1;
    }
    out
}

/// The alert at the end of `wire`: plaintext, or protected under `secret`
/// (records from sequence number `first_seq`).
pub fn alert_on_wire(wire: &[u8], secret: Option<&[u8]>, first_seq: u64) -> AlertDescription {
    let recs = records(wire);
    let (typ, payload) = recs.last().expect("no record on the wire").clone();
    let (typ, body) = if typ == 21 {
        (ContentType::ALERT, payload)
    } else {
        let secret = secret.expect("protected alert but no secret given");
        open(secret, first_seq, wire)
            .pop()
            .expect("no protected record")
    };
    assert_eq!(typ, ContentType::ALERT, "last record is not an alert");
    let alert = AlertMessage::read_exact(&body, "alert").unwrap();
    assert_eq!(alert.level.0, 2, "alert is fatal");
    alert.description
}

/// Splits concatenated handshake messages (header included each).
pub fn split_messages(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while bytes.len() >= 4 {
        let len = u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]) as usize;
        out.push(bytes[..4 + len].to_vec());
        bytes = &bytes[4 + len..];
    }
    assert!(bytes.is_empty());
    out
}

pub fn parse(raw: &[u8]) -> HandshakeMessage {
    HandshakeMessage::read_exact(raw, "message").unwrap()
}

/// A real client (`client_builder(KEY)`, for `localhost`) and its first
/// flight, taken from its output: the client waits for an answer.
pub fn client_first_flight() -> (ClientConnection, Vec<u8>) {
    let mut c =
        ClientConnection::new(Arc::new(client_builder(KEY).build().unwrap()), "localhost").unwrap();
    let out = c.pending_output().to_vec();
    c.consume_output(out.len());
    (c, out)
}

/// The ClientHello in the first record of `flight`.
pub fn first_client_hello(flight: &[u8]) -> ClientHello {
    let HandshakeMessage::ClientHello(ch) = parse(&records(flight)[0].1) else {
        panic!("not a ClientHello")
    };
    ch
}

/// A real client's first ClientHello, and the client waiting for an answer.
pub fn client_and_hello() -> (ClientConnection, ClientHello) {
    let (c, out) = client_first_flight();
    (c, first_client_hello(&out))
}

/// A plaintext ServerHello record answering `ch` (TLS 1.3 with
/// TLS_AES_128_GCM_SHA256 and an X25519 share), edited by `f`.
pub fn server_hello(ch: &ClientHello, f: impl FnOnce(&mut ServerHello)) -> Vec<u8> {
    let mut sh = ServerHello {
        legacy_version: ProtocolVersion::TLS1_2,
        random: [7; 32],
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: CipherSuite::TLS_AES_128_GCM_SHA256,
        legacy_compression_method: 0,
        extensions: vec![
            ServerExtension::KeyShare(KeyShareEntry {
                group: NamedGroup::X25519,
                payload: vec![9; 32],
            }),
            ServerExtension::SupportedVersions(ProtocolVersion::TLS1_3),
        ],
    };
    f(&mut sh);
    record(22, &HandshakeMessage::ServerHello(sh).to_bytes())
}

/// A real client and server, with the test in the middle. Both use
/// X25519 and TLS_AES_128_GCM_SHA256 with middlebox compatibility, so a
/// flight's shape is known.
pub struct Mitm {
    pub client: ClientConnection,
    pub server: ServerConnection,
    pub secrets: Arc<Secrets>,
}

impl Mitm {
    pub fn new() -> Self {
        Self::with(|c| c, |s| s)
    }

    pub fn with(
        c: impl FnOnce(tls13::config::ClientConfigBuilder) -> tls13::config::ClientConfigBuilder,
        s: impl FnOnce(tls13::config::ServerConfigBuilder) -> tls13::config::ServerConfigBuilder,
    ) -> Self {
        let secrets = Arc::new(Secrets::default());
        let cb = client_builder(KEY)
            .suites(&[SUITE])
            .groups(&[NamedGroup::X25519])
            .key_log(secrets.clone());
        let sb = server_builder(KEY)
            .suites(&[SUITE])
            .key_log(secrets.clone());
        let client = ClientConnection::new(Arc::new(c(cb).build().unwrap()), "localhost").unwrap();
        let server = ServerConnection::new(Arc::new(s(sb).build().unwrap())).unwrap();
        Self {
            client,
            server,
            secrets,
        }
    }

    /// A completed handshake: bytes shuttled unedited until both sides
    /// are quiet. No tickets are configured, so neither side has sent a
    /// record under its application key yet.
    pub fn connected() -> Self {
        Self::connected_with(|c| c, |s| s)
    }

    pub fn connected_with(
        c: impl FnOnce(tls13::config::ClientConfigBuilder) -> tls13::config::ClientConfigBuilder,
        s: impl FnOnce(tls13::config::ServerConfigBuilder) -> tls13::config::ServerConfigBuilder,
    ) -> Self {
        let mut m = Self::with(c, s);
        loop {
            let a = m.take_client();
            if !a.is_empty() {
                m.server.receive(&a).unwrap();
            }
            let b = m.take_server();
            if !b.is_empty() {
                m.client.receive(&b).unwrap();
            }
            if a.is_empty() && b.is_empty() {
                break;
            }
        }
        assert!(!m.client.is_handshaking() && !m.server.is_handshaking());
        while m.client.next_event().is_some() {}
        while m.server.next_event().is_some() {}
        m
    }

    pub fn take_client(&mut self) -> Vec<u8> {
        let out = self.client.pending_output().to_vec();
        self.client.consume_output(out.len());
        out
    }

    pub fn take_server(&mut self) -> Vec<u8> {
        let out = self.server.pending_output().to_vec();
        self.server.consume_output(out.len());
        out
    }

    /// ClientHello to the server; returns the server's first flight split
    /// as (ServerHello record bytes incl. CCS, the encrypted handshake
    /// messages in order).
    pub fn server_flight(&mut self) -> ServerFlight {
        let ch = self.take_client();
        self.server.receive(&ch).unwrap();
        let out = self.take_server();
        let recs = records(&out);
        let mut plain = Vec::new();
        let mut pos = 0;
        for (typ, payload) in &recs {
            if *typ == 23 {
                break;
            }
            pos += 5 + payload.len();
        }
        plain.extend_from_slice(&out[..pos]);
        let s_hs = self.secrets.get(S_HS);
        let mut hs = Vec::new();
        for (typ, content) in open(&s_hs, 0, &out[pos..]) {
            assert_eq!(typ, ContentType::HANDSHAKE);
            hs.extend(content);
        }
        ServerFlight {
            plain,
            messages: split_messages(&hs),
        }
    }

    /// Delivers `plain` (ServerHello, CCS) and `messages` resealed under
    /// the server handshake secret (one record) to the client.
    pub fn deliver_to_client(&mut self, plain: &[u8], messages: &[Vec<u8>]) -> Result<(), Error> {
        let mut wire = plain.to_vec();
        let body: Vec<u8> = messages.concat();
        wire.extend(seal(
            &self.secrets.get(S_HS),
            0,
            ContentType::HANDSHAKE,
            &body,
            0,
        ));
        self.client.receive(&wire)
    }

    /// The alert the client put on the wire after failing with its
    /// handshake write key installed.
    pub fn client_alert(&mut self) -> AlertDescription {
        let out = self.take_client();
        alert_on_wire(&out, Some(&self.secrets.get(C_HS)), 0)
    }
}

pub struct ServerFlight {
    /// ServerHello record and the CCS.
    pub plain: Vec<u8>,
    /// EncryptedExtensions, [CertificateRequest], Certificate,
    /// CertificateVerify, Finished.
    pub messages: Vec<Vec<u8>>,
}
