//! The QUIC test harness of tests/quic_handshake.rs and
//! tests/quic_review.rs: a client and a server in memory, handshake
//! bytes moved by encryption level, keys and events collected.
#![allow(dead_code)]

use std::ops::DerefMut;
use std::sync::Arc;

use tls13::quic::{
    ClientConnection, Connection, Direction, KeyChange, Level, ServerConnection, Version,
};
use tls13::{ClientConfig, Error, Event, ServerConfig};

pub const CLIENT_PARAMS: &[u8] = b"\x01\x02\x47\x11client transport parameters";
pub const SERVER_PARAMS: &[u8] = b"\x03\x04\x42\x42server transport parameters";
pub const H3: &[u8] = b"h3";

/// One endpoint and what it produced.
pub struct Side<C> {
    pub conn: C,
    pub keys: Vec<KeyChange>,
    pub events: Vec<Event>,
    pub sent: Vec<(Level, Vec<u8>)>,
}

impl<C> Side<C> {
    pub fn new(conn: C) -> Self {
        Self {
            conn,
            keys: Vec::new(),
            events: Vec::new(),
            sent: Vec::new(),
        }
    }

    pub fn key(&mut self, level: Level, direction: Direction) -> &mut KeyChange {
        self.keys
            .iter_mut()
            .find(|k| k.level == level && k.direction == direction)
            .unwrap_or_else(|| panic!("no {level:?} {direction:?} key"))
    }

    pub fn has_key(&self, level: Level, direction: Direction) -> bool {
        self.keys
            .iter()
            .any(|k| k.level == level && k.direction == direction)
    }

    pub fn complete(&self) -> bool {
        self.events
            .iter()
            .any(|e| matches!(e, Event::HandshakeComplete))
    }
}

/// A client and a server, connected by the test.
pub struct Pair {
    pub client: Side<ClientConnection>,
    pub server: Side<ServerConnection>,
    /// Feed CRYPTO data one byte per call.
    pub one_byte: bool,
}

impl Pair {
    pub fn new(client: ClientConfig, server: ServerConfig) -> Self {
        Self::with(client_conn(client), server_conn(server))
    }

    pub fn with(client: ClientConnection, server: ServerConnection) -> Self {
        Self {
            client: Side::new(client),
            server: Side::new(server),
            one_byte: false,
        }
    }

    /// Moves keys, events and handshake bytes until nothing moves; the
    /// first error of either side.
    pub fn run(&mut self) -> Result<(), Error> {
        loop {
            let a = drain(&mut self.client, &mut self.server.conn, self.one_byte)?;
            let b = drain(&mut self.server, &mut self.client.conn, self.one_byte)?;
            if !a && !b {
                return Ok(());
            }
        }
    }

    /// Only the client's output goes to the server, once.
    pub fn client_to_server(&mut self) -> Result<(), Error> {
        drain(&mut self.client, &mut self.server.conn, self.one_byte).map(|_| ())
    }

    /// Only the server's output goes to the client, once.
    pub fn server_to_client(&mut self) -> Result<(), Error> {
        drain(&mut self.server, &mut self.client.conn, self.one_byte).map(|_| ())
    }
}

pub fn drain<F, T>(from: &mut Side<F>, to: &mut T, one_byte: bool) -> Result<bool, Error>
where
    F: DerefMut<Target = Connection>,
    T: DerefMut<Target = Connection>,
{
    let mut moved = false;
    while let Some(k) = from.conn.next_key_change() {
        from.keys.push(k);
        moved = true;
    }
    while let Some(e) = from.conn.next_event() {
        from.events.push(e);
        moved = true;
    }
    while let Some((level, bytes)) = from.conn.write_handshake() {
        moved = true;
        from.sent.push((level, bytes.clone()));
        if one_byte {
            for b in bytes.chunks(1) {
                to.read_handshake(level, b)?;
            }
        } else {
            to.read_handshake(level, &bytes)?;
        }
    }
    Ok(moved)
}

pub fn client_conn(config: ClientConfig) -> ClientConnection {
    ClientConnection::new(
        Arc::new(config),
        "localhost",
        Version::V1,
        CLIENT_PARAMS.to_vec(),
    )
    .unwrap()
}

pub fn server_conn(config: ServerConfig) -> ServerConnection {
    ServerConnection::new(Arc::new(config), Version::V1, SERVER_PARAMS.to_vec()).unwrap()
}

pub fn quic_pair(
    client: &Arc<ClientConfig>,
    server: &Arc<ServerConfig>,
    server_params: &[u8],
) -> Pair {
    Pair::with(
        ClientConnection::new(
            client.clone(),
            "localhost",
            Version::V1,
            CLIENT_PARAMS.to_vec(),
        )
        .unwrap(),
        ServerConnection::new(server.clone(), Version::V1, server_params.to_vec()).unwrap(),
    )
}

/// Splits concatenated whole handshake messages.
pub fn split_messages(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let len = 4 + u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]) as usize;
        out.push(bytes[..len].to_vec());
        bytes = &bytes[len..];
    }
    out
}
