//! The README's sans-IO loop, as written there, on both sides of a
//! connection, over an in-memory transport whose reads return up to
//! 8 MiB at once: every `receive()` gets megabytes of records. The
//! connection must take them all (no error, no alert), and every
//! byte must arrive, in order, on both sides.

mod pair;

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use pair::{client_builder, server_builder};
use tls13::certgen::KeyType;
use tls13::{ClientConnection, CloseKind, Connection, Event, ServerConnection};

/// How much each side sends, in one `send` call.
const TOTAL: usize = 24 << 20;
/// The size of one transport read (the README's `buf`).
const READ: usize = 8 << 20;

/// One direction of an in-memory transport: writes never block, a read
/// returns all that is there (up to the buffer), blocking while empty.
#[derive(Default)]
struct Pipe {
    bytes: Mutex<(VecDeque<u8>, bool)>,
    ready: Condvar,
}

struct End {
    read: Arc<Pipe>,
    write: Arc<Pipe>,
}

impl Read for End {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut g = self.read.bytes.lock().unwrap();
        while g.0.is_empty() && !g.1 {
            g = self.read.ready.wait(g).unwrap();
        }
        let n = buf.len().min(g.0.len());
        for (d, s) in buf.iter_mut().zip(g.0.drain(..n)) {
            *d = s;
        }
        Ok(n)
    }
}

impl Write for End {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let mut g = self.write.bytes.lock().unwrap();
        g.0.extend(data);
        self.write.ready.notify_all();
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for End {
    fn drop(&mut self) {
        let mut g = self.write.bytes.lock().unwrap();
        g.1 = true;
        self.write.ready.notify_all();
    }
}

fn pattern(seed: u8) -> Vec<u8> {
    (0..TOTAL)
        .map(|i| {
            (i as u8)
                .wrapping_mul(31)
                .wrapping_add(seed ^ (i >> 16) as u8)
        })
        .collect()
}

/// The README loop, with the application sending `send` once the
/// handshake completes, then closing; returns everything received and
/// how the peer closed, and the largest single `receive` it made.
fn readme_loop(
    tls: &mut Connection,
    sock: &mut End,
    send: &[u8],
) -> Result<(Vec<u8>, CloseKind, usize), Box<dyn std::error::Error + Send + Sync>> {
    let mut app = Vec::new();
    let mut buf = vec![0u8; READ];
    let mut largest = 0;
    loop {
        let out = tls.pending_output();
        sock.write_all(out)?;
        let n = out.len();
        tls.consume_output(n);
        let data = tls.received_data();
        app.extend_from_slice(data);
        let n = data.len();
        tls.consume_received_data(n);
        while let Some(event) = tls.next_event() {
            match event {
                Event::HandshakeComplete => {
                    tls.send(send)?;
                    tls.close();
                }
                Event::Closed(kind) => {
                    // What arrived with the close_notify is taken too.
                    app.extend_from_slice(tls.received_data());
                    return Ok((app, kind, largest));
                }
                _ => {}
            }
        }
        if !tls.pending_output().is_empty() {
            continue;
        }
        let n = sock.read(&mut buf)?;
        largest = largest.max(n);
        if n == 0 {
            tls.receive_eof()?;
        } else {
            tls.receive(&buf[..n])?;
        }
    }
}

#[test]
fn readme_loop_with_8_mib_reads_loses_nothing() {
    let client_config = Arc::new(client_builder(KeyType::EcdsaP256).build().unwrap());
    let server_config = Arc::new(server_builder(KeyType::EcdsaP256).build().unwrap());
    let (a, b) = (Arc::new(Pipe::default()), Arc::new(Pipe::default()));
    let mut client_end = End {
        read: a.clone(),
        write: b.clone(),
    };
    let mut server_end = End { read: b, write: a };
    let server = thread::spawn(move || {
        let mut tls = ServerConnection::new(server_config).unwrap();
        readme_loop(&mut tls, &mut server_end, &pattern(2))
    });
    let mut tls = ClientConnection::new(client_config, "localhost").unwrap();
    let (got, kind, largest) = readme_loop(&mut tls, &mut client_end, &pattern(1)).unwrap();
    drop(client_end);
    let (server_got, server_kind, server_largest) = server.join().unwrap().unwrap();

    assert_eq!(kind, CloseKind::CloseNotify);
    assert_eq!(server_kind, CloseKind::CloseNotify);
    assert!(
        got == pattern(2),
        "client: {} bytes, not the server's",
        got.len()
    );
    assert!(
        server_got == pattern(1),
        "server: {} bytes, not the client's",
        server_got.len()
    );
    // The transport really handed over megabytes per receive() call.
    assert!(largest > 4 << 20, "client's largest read {largest}");
    assert!(
        server_largest > 4 << 20,
        "server's largest read {server_largest}"
    );
}
