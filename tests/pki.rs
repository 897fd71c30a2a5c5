//! rustls-pki-types in and out: PEM files loaded in one call each (with
//! errors that name the file), configs and verifiers built from the
//! ecosystem's types, `ServerName` for DNS names and IP addresses, and
//! the peer's chain handed back as `CertificateDer`.

mod openssl;

use std::sync::Arc;

use openssl::TempDir;
use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::SigningKey;
use tls13::pki;
use tls13::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tls13::verify_webpki::{WebPkiClientVerifier, WebPkiServerVerifier};
use tls13::{
    ClientAuth, ClientConfig, ClientConnection, Connection, Error, ServerConfig, ServerConnection,
};

struct Files {
    _dir: TempDir,
    ca: String,
    chain: String,
    key: String,
    ca_der: Vec<u8>,
    leaf_der: Vec<u8>,
    key_der: Vec<u8>,
}

/// A CA, and a leaf for `localhost` and 127.0.0.1 / ::1 with its chain
/// file (leaf, then CA) and PKCS#8 key file.
fn files(kind: KeyType) -> Files {
    let rng = OsRandom;
    let dir = TempDir::new("pki");
    let ca_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let ca = Ca::new("pki CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
    let key = certgen::generate_key(kind, &rng).unwrap();
    let names = [
        SubjectAltName::Dns("localhost".into()),
        SubjectAltName::Ip([127, 0, 0, 1].into()),
        SubjectAltName::Ip(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    let leaf = ca
        .issue(&names, &key, 1_700_000_000, 2_600_000_000, &rng)
        .unwrap();
    Files {
        ca: dir.write("ca.pem", certgen::to_pem("CERTIFICATE", ca.cert_der())),
        chain: dir.write(
            "chain.pem",
            format!(
                "leaf first\n{}then the CA\n{}",
                certgen::to_pem("CERTIFICATE", &leaf),
                certgen::to_pem("CERTIFICATE", ca.cert_der())
            ),
        ),
        key: dir.write("key.pem", certgen::to_pem("PRIVATE KEY", &key)),
        ca_der: ca.cert_der().to_vec(),
        leaf_der: leaf,
        key_der: key.to_vec(),
        _dir: dir,
    }
}

fn pump(client: &mut Connection, server: &mut Connection) -> Result<(), Error> {
    for _ in 0..20 {
        let c = client.pending_output().to_vec();
        client.consume_output(c.len());
        if !c.is_empty() {
            server.receive(&c)?;
        }
        let s = server.pending_output().to_vec();
        server.consume_output(s.len());
        if !s.is_empty() {
            client.receive(&s)?;
        }
        if c.is_empty() && s.is_empty() {
            return Ok(());
        }
    }
    panic!("no quiescence");
}

#[test]
fn pem_files_load_in_one_call_each() {
    let f = files(KeyType::EcdsaP256);
    let chain = pki::load_certs(&f.chain).unwrap();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[0].as_ref(), &f.leaf_der[..]);
    assert_eq!(chain[1].as_ref(), &f.ca_der[..]);
    let key = pki::load_private_key(&f.key).unwrap();
    assert!(matches!(key, PrivateKeyDer::Pkcs8(_)));
    assert_eq!(key.secret_der(), &f.key_der[..]);
    let signer = pki::load_signing_key(&f.key).unwrap();
    assert_eq!(
        signer.public_key_spki(),
        SigningKey::from_der(&f.key_der).unwrap().public_key_spki()
    );
    let anchors = pki::load_trust_anchors(&f.ca).unwrap();
    assert_eq!(anchors.len(), 1);
    assert_eq!(anchors[0].der(), &f.ca_der[..]);
}

#[test]
fn pem_errors_name_the_file() {
    let f = files(KeyType::EcdsaP256);
    let missing = format!("{}.missing", f.ca);
    for e in [
        pki::load_certs(&missing).unwrap_err(),
        // A key file holds no certificate, and a chain file no key.
        pki::load_certs(&f.key).unwrap_err(),
        pki::load_private_key(&f.chain).unwrap_err(),
    ] {
        let Error::BadConfig(msg) = &e else {
            panic!("{e:?}")
        };
        assert!(msg.contains(".pem"), "{msg}");
    }
    // A PEM block that is not a certificate inside a roots file.
    let dir = TempDir::new("pki-bad");
    let bad = dir.write("bad.pem", certgen::to_pem("CERTIFICATE", b"not DER"));
    let e = pki::load_trust_anchors(&bad).unwrap_err();
    assert!(e.to_string().contains("trust anchor 0"), "{e}");
}

#[test]
fn signing_keys_from_every_pki_key_form_we_support() {
    for kind in [KeyType::EcdsaP256, KeyType::Ed25519, KeyType::EcdsaP384] {
        let f = files(kind);
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(f.key_der.clone()));
        let key = SigningKey::try_from(&der).unwrap();
        assert_eq!(
            key.public_key_spki(),
            SigningKey::from_der(&f.key_der).unwrap().public_key_spki()
        );
        assert!(SigningKey::try_from(der).is_ok());
    }
    let garbage = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(vec![0x30, 0x00]));
    assert!(matches!(
        SigningKey::try_from(&garbage),
        Err(Error::BadConfig(_))
    ));
}

/// Configs built from loaded files complete a mutually authenticated
/// handshake, and each side hands the peer's chain back as
/// `CertificateDer`.
#[test]
fn configs_from_pki_types_handshake_and_return_the_peer_chain() {
    let f = files(KeyType::EcdsaP256);
    let roots = pki::load_certs(&f.ca).unwrap();
    let chain = pki::load_certs(&f.chain).unwrap();
    let key = pki::load_private_key(&f.key).unwrap();

    let server_config = ServerConfig::builder_with_cert_der(chain.clone(), &key)
        .unwrap()
        .client_auth(ClientAuth::Required(Arc::new(
            WebPkiClientVerifier::from_roots(&roots).unwrap(),
        )))
        .build()
        .unwrap();
    let client_config =
        ClientConfig::builder(Arc::new(WebPkiServerVerifier::from_roots(&roots).unwrap()))
            .client_auth_cert_der(chain.clone(), &key)
            .unwrap()
            .build()
            .unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut client = ClientConnection::new(Arc::new(client_config), name).unwrap();
    let mut server = ServerConnection::new(Arc::new(server_config)).unwrap();
    pump(&mut client, &mut server).unwrap();
    assert!(!client.is_handshaking() && !server.is_handshaking());
    let expected: Vec<CertificateDer<'_>> = chain.to_vec();
    assert_eq!(client.peer_certificates(), expected);
    assert_eq!(server.peer_certificates(), expected);
}

/// `ServerName` as tokio-rustls users build it: DNS names and IP
/// addresses (v4, v6) all verify against the certificate's SANs.
#[test]
fn server_names_dns_and_ip() {
    let f = files(KeyType::EcdsaP256);
    let roots = pki::load_certs(&f.ca).unwrap();
    let chain = pki::load_certs(&f.chain).unwrap();
    let key = pki::load_private_key(&f.key).unwrap();
    let server_config = Arc::new(
        ServerConfig::builder_with_cert_der(chain, &key)
            .unwrap()
            .build()
            .unwrap(),
    );
    let client_config = Arc::new(
        ClientConfig::builder(Arc::new(WebPkiServerVerifier::from_roots(&roots).unwrap()))
            .build()
            .unwrap(),
    );
    let cases: [(ServerName<'static>, &str, bool); 4] = [
        (
            ServerName::try_from("localhost").unwrap(),
            "localhost",
            true,
        ),
        (
            ServerName::from(std::net::IpAddr::from([127, 0, 0, 1])),
            "127.0.0.1",
            true,
        ),
        (ServerName::from(std::net::Ipv6Addr::LOCALHOST), "::1", true),
        (
            ServerName::try_from("other.example").unwrap(),
            "other.example",
            false,
        ),
    ];
    for (name, text, ok) in cases {
        assert_eq!(pki::server_name_str(&name), text);
        // The ServerName itself, as tokio-rustls takes it, and as text.
        let mut client = ClientConnection::new(client_config.clone(), &name).unwrap();
        let mut server = ServerConnection::new(server_config.clone()).unwrap();
        let r = pump(&mut client, &mut server);
        assert_eq!(r.is_ok(), ok, "{text}: {r:?}");
        let mut client = ClientConnection::new(client_config.clone(), text).unwrap();
        let mut server = ServerConnection::new(server_config.clone()).unwrap();
        let r = pump(&mut client, &mut server);
        assert_eq!(r.is_ok(), ok, "{text}: {r:?}");
        // SNI carries DNS names only (RFC 6066 §3).
        if ok {
            let sni = server.negotiated().server_name.clone();
            assert_eq!(sni.is_some(), text == "localhost", "{text}: {sni:?}");
        }
    }
}

/// One DER TLV at the start of `der`: (tag, contents, rest).
fn tlv(der: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = der[0];
    let (len, hdr) = match der[1] {
        n if n < 0x80 => (n as usize, 2),
        n => {
            let k = (n & 0x7f) as usize;
            let len = der[2..2 + k]
                .iter()
                .fold(0usize, |a, b| a << 8 | *b as usize);
            (len, 2 + k)
        }
    };
    (tag, &der[hdr..hdr + len], &der[hdr + len..])
}

/// A rustls-pki-types anchor from a CA certificate, as webpki would make
/// it: the contents of the subject and SPKI SEQUENCEs.
fn pki_anchor(ca_der: &[u8]) -> tls13::pki_types::TrustAnchor<'static> {
    let (_, cert, _) = tlv(ca_der);
    let (_, tbs, _) = tlv(cert);
    let (_, _version, rest) = tlv(tbs);
    let (_, _serial, rest) = tlv(rest);
    let (_, _sig_alg, rest) = tlv(rest);
    let (_, _issuer, rest) = tlv(rest);
    let (_, _validity, rest) = tlv(rest);
    let (tag, subject, rest) = tlv(rest);
    assert_eq!(tag, 0x30);
    let (tag, spki, _) = tlv(rest);
    assert_eq!(tag, 0x30);
    tls13::pki_types::TrustAnchor {
        subject: subject.to_vec().into(),
        subject_public_key_info: spki.to_vec().into(),
        name_constraints: None,
    }
}

/// Name-and-key anchors in rustls-pki-types form verify chains like the
/// certificate they came from (P-256 and RSA CAs: short and long DER
/// lengths), and an unrelated anchor does not.
#[test]
fn pki_trust_anchors_verify_chains() {
    use tls13::verify_webpki::WebPkiServerVerifier;
    use tls13::x509::Policy;
    let rng = OsRandom;
    let mut other = None;
    for ca_kind in [KeyType::EcdsaP256, KeyType::Rsa2048] {
        let ca_key = certgen::generate_key(ca_kind, &rng).unwrap();
        let ca = Ca::new("pki anchor CA", &ca_key, 1_700_000_000, 2_600_000_000, &rng).unwrap();
        let key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
        let leaf = ca
            .issue(
                &[SubjectAltName::Dns("localhost".into())],
                &key,
                1_700_000_000,
                2_600_000_000,
                &rng,
            )
            .unwrap();
        let anchors = pki::trust_anchors_from_pki(&[pki_anchor(ca.cert_der())]).unwrap();
        assert!(anchors[0].is_name_and_key());
        let server_config = Arc::new(
            ServerConfig::builder_with_single_cert(vec![leaf], SigningKey::from_der(&key).unwrap())
                .build()
                .unwrap(),
        );
        let handshake = |anchors: Vec<tls13::x509::TrustAnchor>| {
            let verifier = WebPkiServerVerifier::new(anchors, Policy::default());
            let config = ClientConfig::builder(Arc::new(verifier)).build().unwrap();
            let mut client = ClientConnection::new(Arc::new(config), "localhost").unwrap();
            let mut server = ServerConnection::new(server_config.clone()).unwrap();
            pump(&mut client, &mut server)
        };
        handshake(anchors.clone()).unwrap();
        if let Some(other) = other.replace(anchors) {
            assert!(
                handshake(other).is_err(),
                "an unrelated anchor verified the chain"
            );
        }
    }
}
