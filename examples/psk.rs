//! Devices and a gateway that share keys out of band (external PSKs, RFC
//! 9846 §2.2) and have no certificates at all: the IoT case.
//!
//! ```text
//! cargo run --example psk
//! ```
//!
//! The gateway listens on loopback and knows two devices, each by its
//! identity and key. Each device connects, sends a reading and reads the
//! acknowledgement. A third device, whose identity the gateway does not
//! know, is refused with the `unknown_psk_identity` alert: without a
//! certificate there is nothing else the gateway could authenticate
//! itself with. The program ends on its own (exit status 0).
//!
//! Both sides use psk_dhe_ke, the default: a fresh key exchange in every
//! handshake, so traffic recorded today stays secret even if a device's
//! key leaks later. (`psk_modes(&[PskKeyExchangeMode::PSK_KE])` on both
//! builders trades that for a cheaper handshake.)

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use tls13::crypto::hash::HashAlgorithm;
use tls13::resumption::ExternalPsk;
use tls13::stream::Stream;
use tls13::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};

/// The devices the gateway was provisioned with: identity and key. (Real
/// keys are 32 random bytes per device, stored where the device keeps its
/// secrets.)
const DEVICES: &[(&str, [u8; 32])] = &[("thermometer-17", [0x17; 32]), ("valve-4", [0x04; 32])];

fn psk(identity: &str, key: &[u8]) -> Result<ExternalPsk, tls13::Error> {
    ExternalPsk::new(identity.as_bytes(), key, HashAlgorithm::Sha256)
}

/// Serves `connections` devices, one after the other: reads one reading,
/// acknowledges it. A refused device is logged and the gateway goes on.
fn gateway(listener: TcpListener, connections: usize) -> Result<(), Box<dyn std::error::Error>> {
    let psks = DEVICES
        .iter()
        .map(|(id, key)| psk(id, key))
        .collect::<Result<Vec<_>, _>>()?;
    // No certificate, no resolver: only the devices' PSKs.
    let config = Arc::new(ServerConfig::builder_psk_only(psks).build()?);
    for _ in 0..connections {
        let (sock, _) = listener.accept()?;
        sock.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut tls = Stream::new(ServerConnection::new(config.clone())?, sock);
        let mut reading = [0u8; 64];
        let n = match tls.read(&mut reading) {
            Ok(n) => n,
            Err(e) => {
                println!("gateway: refused a device: {e}");
                continue;
            }
        };
        // Which device this is: the identity of the PSK it proved it holds.
        let (_, conn) = tls.get_ref();
        let device = conn.negotiated().psk_identity.clone().unwrap_or_default();
        println!(
            "gateway: {} sent {:?}",
            String::from_utf8_lossy(&device),
            String::from_utf8_lossy(&reading[..n])
        );
        tls.write_all(b"ack")?;
        tls.close()?;
    }
    Ok(())
}

/// One device: connects with its PSK, sends `reading`, returns the reply.
fn device(
    port: u16,
    identity: &str,
    key: &[u8],
    reading: &str,
) -> Result<String, Box<dyn std::error::Error>> {
    // No verifier: the PSK authenticates the gateway too.
    let config = Arc::new(ClientConfig::builder_psk_only(psk(identity, key)?).build()?);
    let conn = ClientConnection::new(config, "gateway.local")?;
    let sock = TcpStream::connect(("127.0.0.1", port))?;
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut tls = Stream::new(conn, sock);
    tls.write_all(reading.as_bytes())?;
    let mut reply = Vec::new();
    tls.read_to_end(&mut reply)?; // until the gateway's close_notify
    tls.close()?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let server = std::thread::spawn(move || gateway(listener, 3).map_err(|e| e.to_string()));

    for ((identity, key), reading) in DEVICES.iter().zip(["21.5 C", "open 40%"]) {
        let reply = device(port, identity, key, reading)?;
        println!("{identity}: sent {reading:?}, gateway replied {reply:?}");
        if reply != "ack" {
            return Err(format!("{identity}: unexpected reply {reply:?}").into());
        }
    }

    // A device the gateway was never told about.
    match device(port, "stranger-1", &[0x99; 32], "hello") {
        Ok(reply) => return Err(format!("an unknown device was served: {reply:?}").into()),
        Err(e) => println!("stranger-1: refused as expected: {e}"),
    }

    server.join().map_err(|_| "the gateway panicked")??;
    println!("done");
    Ok(())
}
