//! The generated certificates are accepted by OpenSSL (`x509 -text`,
//! `verify`), carry the extensions we promise, and our own SPKI
//! extraction finds the key we certified.

mod skip;

use std::path::PathBuf;
use std::process::Command;

use tls13::certgen::{self, Ca, KeyType, SubjectAltName};
use tls13::crypto::OsRandom;
use tls13::crypto::sign::{self, SigningKey};

const NOT_BEFORE: u64 = 1_700_000_000; // 2023-11-14
const NOT_AFTER: u64 = 2_600_000_000; // 2052: exercises GeneralizedTime

fn openssl_available() -> bool {
    let ok = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip::skip(
            &skip::current_test(),
            "`openssl` is not on PATH: the OpenSSL acceptance checks did not run",
        );
    }
    ok
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tls13-certgen-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "openssl {args:?} failed:\n{text}");
    text
}

fn check(ca_type: KeyType, leaf_type: KeyType) {
    let rng = OsRandom;
    let ca_key = certgen::generate_key(ca_type, &rng).unwrap();
    let ca = Ca::new("tls13 test CA", &ca_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let leaf_key = certgen::generate_key(leaf_type, &rng).unwrap();
    let names = [
        SubjectAltName::Dns("localhost".into()),
        SubjectAltName::Dns("*.example.test".into()),
        SubjectAltName::Ip([127, 0, 0, 1].into()),
        SubjectAltName::Ip(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    let leaf = ca
        .issue(&names, &leaf_key, NOT_BEFORE, NOT_AFTER - 1, &rng)
        .unwrap();

    // Our SPKI extraction agrees with the key we certified.
    let leaf_signer = SigningKey::from_der(&leaf_key).unwrap();
    assert_eq!(
        sign::certificate_spki(&leaf).unwrap(),
        leaf_signer.public_key_spki()
    );
    let ca_signer = SigningKey::from_der(&ca_key).unwrap();
    assert_eq!(
        sign::certificate_spki(ca.cert_der()).unwrap(),
        ca_signer.public_key_spki()
    );

    // The PEM helpers round-trip through our own parser.
    let leaf_pem = certgen::to_pem("CERTIFICATE", &leaf);
    assert_eq!(
        tls13::crypto::pem::certificates(&leaf_pem).unwrap(),
        std::slice::from_ref(&leaf)
    );
    let key_pem = certgen::to_pem("PRIVATE KEY", &leaf_key);
    assert_eq!(
        SigningKey::from_pem(&key_pem).unwrap().public_key_spki(),
        leaf_signer.public_key_spki()
    );

    if !openssl_available() {
        return;
    }
    let dir = temp_dir(&format!("{ca_type:?}-{leaf_type:?}"));
    let ca_path = dir.join("ca.pem");
    let leaf_path = dir.join("leaf.pem");
    let key_path = dir.join("leaf.key");
    std::fs::write(&ca_path, certgen::to_pem("CERTIFICATE", ca.cert_der())).unwrap();
    std::fs::write(&leaf_path, &leaf_pem).unwrap();
    std::fs::write(&key_path, &key_pem).unwrap();
    let (ca_s, leaf_s, key_s) = (
        ca_path.to_str().unwrap(),
        leaf_path.to_str().unwrap(),
        key_path.to_str().unwrap(),
    );

    let ca_text = openssl(&["x509", "-noout", "-text", "-in", ca_s]);
    assert!(ca_text.contains("CA:TRUE"), "{ca_text}");
    assert!(ca_text.contains("Certificate Sign"), "{ca_text}");
    let leaf_text = openssl(&["x509", "-noout", "-text", "-in", leaf_s]);
    for want in [
        "Version: 3",
        "CA:FALSE",
        "Digital Signature",
        "TLS Web Server Authentication",
        "TLS Web Client Authentication",
        "DNS:localhost",
        "DNS:*.example.test",
        "IP Address:127.0.0.1",
        "IP Address:0:0:0:0:0:0:0:1",
        "Subject: CN = localhost",
        "Issuer: CN = tls13 test CA",
        "2052",
    ] {
        assert!(leaf_text.contains(want), "missing {want:?} in\n{leaf_text}");
    }
    let verified = openssl(&[
        "verify",
        "-attime",
        "1800000000",
        "-CAfile",
        ca_s,
        "-purpose",
        "sslserver",
        leaf_s,
    ]);
    assert!(verified.contains(": OK"), "{verified}");
    openssl(&[
        "verify",
        "-attime",
        "1800000000",
        "-CAfile",
        ca_s,
        "-purpose",
        "sslclient",
        leaf_s,
    ]);
    // OpenSSL reads the PKCS#8 key we generated and finds the same public key.
    let pub_from_key = openssl(&[
        "pkey",
        "-in",
        key_s,
        "-pubout",
        "-outform",
        "DER",
        "-out",
        dir.join("k.der").to_str().unwrap(),
    ]);
    let _ = pub_from_key;
    assert_eq!(
        std::fs::read(dir.join("k.der")).unwrap(),
        leaf_signer.public_key_spki()
    );
    // A certificate that is not yet valid is refused: the times are real.
    let out = Command::new("openssl")
        .args(["verify", "-attime", "1600000000", "-CAfile", ca_s, leaf_s])
        .output()
        .unwrap();
    assert!(!out.status.success());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn p256_ca_issues_p256_leaf() {
    check(KeyType::EcdsaP256, KeyType::EcdsaP256);
}

#[test]
fn p384_ca_issues_rsa_leaf() {
    check(KeyType::EcdsaP384, KeyType::Rsa2048);
}

#[test]
fn ed25519_ca_issues_p384_leaf() {
    check(KeyType::Ed25519, KeyType::EcdsaP384);
}

#[test]
fn rsa_ca_issues_ed25519_leaf() {
    check(KeyType::Rsa2048, KeyType::Ed25519);
}

/// An id-RSASSA-PSS leaf key (RFC 4055 §3.1): OpenSSL reads the key,
/// finds the certificate's SPKI in it, and verifies the chain.
#[test]
fn p256_ca_issues_rsa_pss_leaf() {
    check(KeyType::EcdsaP256, KeyType::RsaPss2048);
}

/// certgen signs certificates with PKCS#1 v1.5 for RSA, which RFC 4055
/// §1.2 forbids to an RSASSA-PSS key: such a key cannot be a CA here.
#[test]
fn an_rsa_pss_key_is_not_a_certgen_ca() {
    let rng = OsRandom;
    let key = certgen::generate_key(KeyType::RsaPss2048, &rng).unwrap();
    let Err(e) = Ca::new("PSS CA", &key, NOT_BEFORE, NOT_AFTER, &rng) else {
        panic!("a CA with an RSASSA-PSS key");
    };
    assert!(e.to_string().contains("RSASSA-PSS"), "{e}");
}

#[test]
fn generated_keys_sign_and_verify_every_scheme() {
    let rng = OsRandom;
    for kind in [
        KeyType::EcdsaP256,
        KeyType::EcdsaP384,
        KeyType::Ed25519,
        KeyType::Rsa2048,
        KeyType::RsaPss2048,
    ] {
        let key = SigningKey::from_der(&certgen::generate_key(kind, &rng).unwrap()).unwrap();
        let spki = key.public_key_spki();
        for &scheme in key.schemes() {
            let sig = key.sign(scheme, b"message", &rng).unwrap();
            sign::verify(&spki, scheme, b"message", &sig, 2048).unwrap();
            assert_eq!(
                sign::verify(&spki, scheme, b"messagf", &sig, 2048),
                Err(sign::VerifyError::BadSignature)
            );
        }
    }
}

#[test]
fn inverted_validity_is_refused() {
    let rng = OsRandom;
    let key = certgen::generate_key(KeyType::Ed25519, &rng).unwrap();
    assert!(Ca::new("x", &key, 10, 5, &rng).is_err());
}

#[test]
fn intermediate_chains_validate_and_eku_is_chosen() {
    use certgen::ExtKeyUsage;
    use tls13::error::CertificateError;
    use tls13::x509::{ExpectedName, Policy, TrustAnchor, Validator};
    let rng = OsRandom;
    let root_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let root = Ca::new("test root", &root_key, NOT_BEFORE, NOT_AFTER, &rng).unwrap();
    let ica_key = certgen::generate_key(KeyType::EcdsaP384, &rng).unwrap();
    let ica = root
        .issue_intermediate(
            "test intermediate",
            &ica_key,
            Some(0),
            NOT_BEFORE,
            NOT_AFTER,
            &rng,
        )
        .unwrap();
    let leaf_key = certgen::generate_key(KeyType::Ed25519, &rng).unwrap();
    let spki = SigningKey::from_der(&leaf_key).unwrap().public_key_spki();
    let names = [SubjectAltName::Dns("device.example".into())];
    let issue = |eku: &[ExtKeyUsage]| {
        ica.issue_with_eku(&names, &spki, eku, NOT_BEFORE, NOT_AFTER, &rng)
            .unwrap()
    };
    let v = Validator::new(
        vec![TrustAnchor::from_der(root.cert_der().to_vec()).unwrap()],
        Policy::default(),
    );
    let now = NOT_BEFORE + 1000;
    let dns = ExpectedName::Dns("device.example");
    let inter = [ica.cert_der().to_vec()];

    // Both purposes (the default of `issue`) and no EKU at all pass both ways.
    for leaf in [
        ica.issue(&names, &leaf_key, NOT_BEFORE, NOT_AFTER, &rng)
            .unwrap(),
        issue(&[]),
    ] {
        let path = v.validate_client(&leaf, &inter, now).unwrap();
        assert_eq!(path.chain.len(), 3, "leaf, intermediate, root");
        assert_eq!(path.chain[1], ica.cert_der());
        v.validate_server(&leaf, &inter, dns, now).unwrap();
        // Without the intermediate there is no path.
        assert!(v.validate_client(&leaf, &[] as &[Vec<u8>], now).is_err());
    }
    // serverAuth only: not a client.
    let server_only = issue(&[ExtKeyUsage::ServerAuth]);
    v.validate_server(&server_only, &inter, dns, now).unwrap();
    let e = v.validate_client(&server_only, &inter, now).unwrap_err();
    assert!(
        matches!(&e, CertificateError::InvalidPurpose { required: "clientAuth", presented, .. } if presented == &["serverAuth"]),
        "{e}"
    );
    // clientAuth only: not a server.
    let client_only = issue(&[ExtKeyUsage::ClientAuth]);
    v.validate_client(&client_only, &inter, now).unwrap();
    let e = v
        .validate_server(&client_only, &inter, dns, now)
        .unwrap_err();
    assert!(
        matches!(&e, CertificateError::InvalidPurpose { required: "serverAuth", presented, .. } if presented == &["clientAuth"]),
        "{e}"
    );

    // pathLenConstraint 0 on the intermediate: no CA below it.
    let sub_key = certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap();
    let sub = ica
        .issue_intermediate("sub", &sub_key, None, NOT_BEFORE, NOT_AFTER, &rng)
        .unwrap();
    let deep = sub
        .issue(&names, &leaf_key, NOT_BEFORE, NOT_AFTER, &rng)
        .unwrap();
    let e = v
        .validate_client(
            &deep,
            &[sub.cert_der().to_vec(), ica.cert_der().to_vec()],
            now,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            CertificateError::PathLength {
                allowed: 0,
                found: 1,
                ..
            }
        ),
        "{e}"
    );

    if openssl_available() {
        let dir = temp_dir("intermediate");
        let write = |name: &str, der: &[u8]| {
            let p = dir.join(name);
            std::fs::write(&p, certgen::to_pem("CERTIFICATE", der)).unwrap();
            p.to_str().unwrap().to_string()
        };
        let root_pem = write("root.pem", root.cert_der());
        let ica_pem = write("ica.pem", ica.cert_der());
        let leaf_pem = write("leaf.pem", &client_only);
        let out = openssl(&[
            "verify",
            "-CAfile",
            &root_pem,
            "-untrusted",
            &ica_pem,
            "-purpose",
            "sslclient",
            &leaf_pem,
        ]);
        assert!(out.contains(": OK"), "{out}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
