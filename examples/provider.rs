//! An embedder's crypto provider: the server's private key lives outside
//! the library (a stand-in for an HSM or a remote signer, here a thread
//! that owns the key and answers signing requests over a channel), and
//! the provider offers only X25519 and P-256, on the RustCrypto
//! arithmetic for everything else. One in-memory handshake shows it in
//! use.
//!
//! ```text
//! cargo run --example provider
//! ```

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use tls13::certgen::{self, KeyType, SubjectAltName};
use tls13::crypto::sign::{KeyKind, KeySigner, SigningKey};
use tls13::crypto::{self, CryptoProvider, OsRandom, SecureRandom};
use tls13::{
    ClientConfig, ClientConnection, Connection, Error, NamedGroup, PinnedCertVerifier,
    ServerConfig, ServerConnection, SignatureScheme,
};

/// The provider: RustCrypto's arithmetic, fewer groups. A `static`, so
/// configs can hold it by reference.
static EMBEDDER: CryptoProvider = CryptoProvider {
    name: "embedder",
    groups: GROUPS,
    ..crypto::rustcrypto::PROVIDER
};

const GROUPS: &[&dyn crypto::kx::KxGroup] = &[
    crypto::rustcrypto::PROVIDER.groups[1], // X25519
    crypto::rustcrypto::PROVIDER.groups[2], // secp256r1
];

/// One signing request: what to sign, with which scheme, and where the
/// signature goes.
type Request = (
    SignatureScheme,
    Vec<u8>,
    mpsc::Sender<Result<Vec<u8>, String>>,
);

/// The library's side of the "HSM": it knows the public key and forwards
/// every signature to the thread that holds the private key.
struct RemoteKey {
    kind: KeyKind,
    spki: Vec<u8>,
    requests: Mutex<mpsc::Sender<Request>>,
}

impl KeySigner for RemoteKey {
    fn kind(&self) -> KeyKind {
        self.kind
    }

    fn public_key_spki(&self) -> &[u8] {
        &self.spki
    }

    fn sign(
        &self,
        scheme: SignatureScheme,
        message: &[u8],
        _rng: &dyn SecureRandom,
    ) -> Result<Vec<u8>, Error> {
        let (tx, rx) = mpsc::channel();
        let requests = self
            .requests
            .lock()
            .map_err(|_| Error::SigningFailed("signer lock poisoned".into()))?;
        requests
            .send((scheme, message.to_vec(), tx))
            .map_err(|_| Error::SigningFailed("the signer is gone".into()))?;
        drop(requests);
        rx.recv()
            .map_err(|_| Error::SigningFailed("the signer hung up".into()))?
            .map_err(Error::SigningFailed)
    }
}

/// The "HSM": owns the private key, signs what it is asked to.
fn start_signer(key_der: Vec<u8>) -> Result<RemoteKey, Error> {
    let key = SigningKey::from_der(&key_der)?;
    let (kind, spki) = (key.kind(), key.public_key_spki());
    let (requests, incoming) = mpsc::channel::<Request>();
    thread::spawn(move || {
        for (scheme, message, reply) in incoming {
            let signature = key
                .sign(scheme, &message, &OsRandom)
                .map_err(|e| e.to_string());
            println!("signer: signed {} bytes with {scheme:?}", message.len());
            let _ = reply.send(signature);
        }
    });
    Ok(RemoteKey {
        kind,
        spki,
        requests: Mutex::new(requests),
    })
}

fn pump(from: &mut Connection, to: &mut Connection) -> Result<bool, Error> {
    let out = from.pending_output().to_vec();
    from.consume_output(out.len());
    if !out.is_empty() {
        to.receive(&out)?;
    }
    Ok(!out.is_empty())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rng = OsRandom;
    let key_der = certgen::generate_key(KeyType::EcdsaP256, &rng)?;
    let names = [SubjectAltName::Dns("hsm.example".into())];
    let cert = certgen::self_signed(&names, &key_der, 0, 4_000_000_000, &rng)?;

    // The key never enters the server config: only its remote handle.
    let remote = SigningKey::from_signer(Box::new(start_signer(key_der.to_vec())?));
    let server_config = ServerConfig::builder_with_single_cert(vec![cert.clone()], remote)
        .provider(&EMBEDDER)
        .build()?;
    let client_config = ClientConfig::builder(Arc::new(PinnedCertVerifier::new(cert)))
        .provider(&EMBEDDER)
        .groups(&[NamedGroup::X25519, NamedGroup::SECP256R1])
        .build()?;

    let mut client = ClientConnection::new(Arc::new(client_config), "hsm.example")?;
    let mut server = ServerConnection::new(Arc::new(server_config))?;
    client.send(b"hello")?;
    while pump(&mut client, &mut server)? | pump(&mut server, &mut client)? {}
    assert_eq!(server.received_data(), b"hello");
    let n = client.negotiated();
    println!(
        "provider {}: {:?} over {:?}, server signed with {:?}",
        EMBEDDER.name, n.suite, n.group, n.signature_scheme
    );
    Ok(())
}
