//! Regression tests from an adversarial review of the certificate side:
//! each names the rule it guards, and each failed before its fix.

use alloc::vec::Vec;

use super::super::der::Der;
use super::forged::*;
use super::*;
use crate::crypto::sign::SigningKey;

fn p256(seed: u8) -> SigningKey {
    let rng = Counter(core::sync::atomic::AtomicU8::new(seed));
    crate::crypto::rustcrypto::provider()
        .load_private_key(&certgen::generate_key(KeyType::EcdsaP256, &rng).unwrap())
        .unwrap()
}

/// A self-signed root certificate (CA, keyCertSign, SKI) named `cn`.
fn root(key: &SigningKey, cn: &str) -> (Vec<u8>, Vec<u8>) {
    let n = name(&[(CN, cn)]);
    let der = cert(
        key,
        1,
        &n,
        &n,
        &key.public_key_spki(),
        T0,
        T1,
        &[
            ext(OID_BC, true, &tlv(der::SEQUENCE, &[0x01, 0x01, 0xff])),
            ext(OID_KU, true, &[0x03, 0x02, 0x01, 0x06]),
            ski(key),
        ],
    );
    (der, n)
}

/// One RDN of `n` attributes (about 10 bytes each): a wide subject.
fn wide_name(n: usize) -> Vec<u8> {
    let mut rdn = Vec::new();
    for _ in 0..n {
        rdn.extend(atv(O, der::UTF8_STRING, b"x"));
    }
    name_of_rdns(&[rdn])
}

/// Comparing two RDNs first counts their attributes, reading them, and
/// that reading is paid for: it used to be free whenever the counts
/// differed, however wide the RDNs. Here a constraint RDN of 2000
/// attributes against a name RDN of 2001.
#[test]
fn rdn_comparison_pays_for_every_attribute_it_counts() {
    let contents = |n: &[u8]| Der::new(n, "t").unwrap().next().unwrap().value.to_vec();
    let (name, base) = (contents(&wide_name(2001)), contents(&wide_name(2000)));
    let start = 1usize << 16;
    let mut budget = start;
    assert_eq!(
        super::super::dn::within(&name, &base, &mut budget).unwrap(),
        super::super::dn::Match::No
    );
    let spent = start - budget;
    assert!(
        spent >= 2000,
        "counted 4001 attributes for {spent} budget units"
    );
}

/// The same through a validation: a sub-CA excluding one directoryName
/// whose RDN has 1000 attributes, and a leaf with 3000 small directoryName
/// subjectAltNames. Every (name, subtree) pair re-counted the wide RDN
/// for one budget unit, 3 million attribute reads for 3000 units, so the
/// chain was accepted after all that work; now the budget runs out.
#[test]
fn many_names_against_a_wide_excluded_subtree_exhaust_the_budget() {
    let (root_key, sub_key, leaf_key) = (p256(1), p256(2), p256(3));
    let (root_der, root_name) = root(&root_key, "Root");
    let sub_name = name(&[(CN, "Sub")]);
    let mut sub_exts = ca_exts(&sub_key, &root_key);
    sub_exts.push(name_constraints(&[], &[directory_name(&wide_name(1000))]));
    let sub = cert(
        &root_key,
        2,
        &root_name,
        &sub_name,
        &sub_key.public_key_spki(),
        T0,
        T1,
        &sub_exts,
    );
    let mut san = Vec::new();
    for _ in 0..3000 {
        san.extend(directory_name(&name_of_rdns(&[atv(
            O,
            der::UTF8_STRING,
            b"x",
        )])));
    }
    let mut le = leaf_exts(&leaf_key, &sub_key);
    le.push(ext(OID_SAN, false, &tlv(der::SEQUENCE, &san)));
    let leaf = cert(
        &sub_key,
        3,
        &sub_name,
        &name(&[(CN, "leaf")]),
        &leaf_key.public_key_spki(),
        T0,
        T1,
        &le,
    );
    let v = Validator::new(
        alloc::vec![TrustAnchor::from_der(root_der).unwrap()],
        Policy::default(),
    );
    let e = v.validate_client(&leaf, &[sub], T0 + 10).unwrap_err();
    assert!(matches!(e, CertificateError::LimitExceeded { .. }), "{e}");
}

/// `Policy::max_name_constraint_checks` bounds the name-constraint work of
/// one validation, not of each candidate path: a mesh of k issuers (same
/// name and key, different certificates) between the leaf and a
/// constrained CA used to get k fresh budgets, one per path that reached
/// the anchor. Here each path needs 20 comparisons and fails; 4 paths
/// under a budget of 50 must run it out.
#[test]
fn name_constraint_budget_is_shared_by_every_path_tried() {
    let (root_key, nc_key, mid_key, leaf_key) = (p256(1), p256(2), p256(3), p256(4));
    let (root_der, root_name) = root(&root_key, "Root");
    let nc_name = name(&[(CN, "Constrained")]);
    let mid_name = name(&[(CN, "Mid")]);
    // Ten permitted dNSName subtrees, none of which holds the leaf's name.
    let permitted: Vec<Vec<u8>> = (0..10)
        .map(|i| tlv(0x82, alloc::format!("ok{i}.example").as_bytes()))
        .collect();
    let mut nc_exts = ca_exts(&nc_key, &root_key);
    nc_exts.push(name_constraints(&permitted, &[]));
    let constrained = cert(
        &root_key,
        2,
        &root_name,
        &nc_name,
        &nc_key.public_key_spki(),
        T0,
        T1,
        &nc_exts,
    );
    // Four certificates for one intermediate (name and key): four paths.
    let mids: Vec<Vec<u8>> = (0..4)
        .map(|serial| {
            cert(
                &nc_key,
                10 + serial,
                &nc_name,
                &mid_name,
                &mid_key.public_key_spki(),
                T0,
                T1,
                &ca_exts(&mid_key, &nc_key),
            )
        })
        .collect();
    let mut le = leaf_exts(&leaf_key, &mid_key);
    le.push(san_dns(&["evil.example"]));
    let leaf = cert(
        &mid_key,
        5,
        &mid_name,
        &name(&[(CN, "evil.example")]),
        &leaf_key.public_key_spki(),
        T0,
        T1,
        &le,
    );
    let mut chain = mids.clone();
    chain.push(constrained);
    let anchors = || alloc::vec![TrustAnchor::from_der(root_der.clone()).unwrap()];
    // With a budget for one path only, each path is refused on its names.
    let roomy = Validator::new(anchors(), Policy::default());
    let e = roomy.validate_client(&leaf, &chain, T0 + 10).unwrap_err();
    assert!(matches!(e, CertificateError::NameConstraints { .. }), "{e}");
    let tight = Validator::new(
        anchors(),
        Policy {
            max_name_constraint_checks: 50,
            ..Policy::default()
        },
    );
    let e = tight.validate_client(&leaf, &chain, T0 + 10).unwrap_err();
    assert!(matches!(e, CertificateError::LimitExceeded { .. }), "{e}");
}

/// extKeyUsage with the given purpose OIDs (contents).
fn eku(purposes: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in purposes {
        body.extend(tlv(der::OID, p));
    }
    ext(OID_EKU, false, &tlv(der::SEQUENCE, &body))
}

/// A self-issued end entity under `subject` and `key` (which signs it),
/// with these dNSNames and purposes.
fn self_issued_leaf(
    key: &SigningKey,
    subject: &[u8],
    serial: u8,
    names: &[&str],
    purposes: &[&[u8]],
) -> Vec<u8> {
    let mut exts = leaf_exts(key, key);
    exts.push(san_dns(names));
    if !purposes.is_empty() {
        exts.push(eku(purposes));
    }
    cert(
        key,
        serial,
        subject,
        subject,
        &key.public_key_spki(),
        T0,
        T1,
        &exts,
    )
}

/// A self-signed server certificate trusted as its own anchor vouches for
/// itself and for a renewal of itself (same subject, key and names), not
/// for whatever else its key signs under its subject: the pinned
/// certificate for `a.example` must not make its key holder `b.example`.
/// (The path search never lets a non-CA anchor issue; the end-entity-is-
/// the-anchor shortcut did, for self-issued certificates.)
#[test]
fn anchor_key_cannot_vouch_for_other_names_under_the_anchor_subject() {
    let key = p256(5);
    let subject = name(&[(CN, "a.example")]);
    let pinned = self_issued_leaf(&key, &subject, 1, &["a.example"], &[cert::OID_SERVER_AUTH]);
    let v = Validator::new(
        alloc::vec![TrustAnchor::from_der(pinned.clone()).unwrap()],
        Policy::default(),
    );
    let none: &[&[u8]] = &[];
    let at = T0 + 10;
    v.validate_server(&pinned, none, ExpectedName::Dns("a.example"), at)
        .unwrap();
    // Renewed: another serial, the same subject, key and names.
    let renewed = self_issued_leaf(&key, &subject, 2, &["a.example"], &[cert::OID_SERVER_AUTH]);
    v.validate_server(&renewed, none, ExpectedName::Dns("a.example"), at)
        .unwrap();
    // Minted for another name under the pinned subject and key.
    let minted = self_issued_leaf(
        &key,
        &subject,
        3,
        &["a.example", "b.example"],
        &[cert::OID_SERVER_AUTH],
    );
    let e = v
        .validate_server(&minted, none, ExpectedName::Dns("b.example"), at)
        .unwrap_err();
    assert!(matches!(e, CertificateError::UnknownIssuer { .. }), "{e}");
}

/// An anchor's extKeyUsage restricts what its key vouches for, as it does
/// for the CAs of a path (EKU chaining): a CA anchor for client
/// certificates only must not validate a server certificate that its key
/// signed under its own subject.
#[test]
fn eku_of_an_anchor_binds_a_self_issued_leaf_under_its_key() {
    let key = p256(6);
    let subject = name(&[(CN, "Client CA")]);
    let ca = cert(
        &key,
        1,
        &subject,
        &subject,
        &key.public_key_spki(),
        T0,
        T1,
        &[
            ext(OID_BC, true, &tlv(der::SEQUENCE, &[0x01, 0x01, 0xff])),
            ext(OID_KU, true, &[0x03, 0x02, 0x01, 0x06]),
            ski(&key),
            eku(&[cert::OID_CLIENT_AUTH]),
        ],
    );
    let v = Validator::new(
        alloc::vec![TrustAnchor::from_der(ca).unwrap()],
        Policy::default(),
    );
    let leaf = self_issued_leaf(
        &key,
        &subject,
        2,
        &["www.bank.example"],
        &[cert::OID_SERVER_AUTH],
    );
    let none: &[&[u8]] = &[];
    let e = v
        .validate_server(&leaf, none, ExpectedName::Dns("www.bank.example"), T0 + 10)
        .unwrap_err();
    assert!(
        matches!(
            e,
            CertificateError::InvalidPurpose {
                required: "serverAuth",
                ..
            }
        ),
        "{e}"
    );
}

/// RFC 5280 §4.2.1.10: "When constraints are imposed on the rfc822Name
/// name form, but the certificate does not include a subject alternative
/// name, the rfc822Name constraint MUST be applied to the attribute of
/// type emailAddress in the subject distinguished name." A client
/// certificate without subjectAltName whose subject names a mailbox
/// outside the issuer's rfc822Name subtrees is refused.
#[test]
fn rfc822_constraints_apply_to_email_address_in_subject_without_san() {
    const EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];
    let (root_key, sub_key, leaf_key) = (p256(7), p256(8), p256(9));
    let (root_der, root_name) = root(&root_key, "Root");
    let sub_name = name(&[(CN, "Mail CA")]);
    let leaf_for = |constraints: &[u8], mailbox: &[u8]| {
        let mut sub_exts = ca_exts(&sub_key, &root_key);
        sub_exts.push(constraints.to_vec());
        let sub = cert(
            &root_key,
            2,
            &root_name,
            &sub_name,
            &sub_key.public_key_spki(),
            T0,
            T1,
            &sub_exts,
        );
        let subject = name_of_rdns(&[
            atv(CN, der::UTF8_STRING, b"Bob"),
            atv(EMAIL_ADDRESS, der::IA5_STRING, mailbox),
        ]);
        let leaf = cert(
            &sub_key,
            3,
            &sub_name,
            &subject,
            &leaf_key.public_key_spki(),
            T0,
            T1,
            &leaf_exts(&leaf_key, &sub_key),
        );
        let v = Validator::new(
            alloc::vec![TrustAnchor::from_der(root_der.clone()).unwrap()],
            Policy::default(),
        );
        v.validate_client(&leaf, &[sub], T0 + 10).map(|_| ())
    };
    let excluded = name_constraints(&[], &[tlv(0x81, b"evil.example")]);
    let permitted = name_constraints(&[tlv(0x81, b"good.example")], &[]);
    leaf_for(&excluded, b"bob@good.example").unwrap();
    leaf_for(&permitted, b"bob@good.example").unwrap();
    for (constraints, mailbox) in [
        (&excluded, &b"bob@evil.example"[..]),
        (&excluded, b"bob@EVIL.example"),
        (&permitted, b"bob@evil.example"),
        // Not a mailbox we can compare: refused under rfc822Name constraints.
        (&permitted, b"bob@good.example@evil.example"),
    ] {
        let e = leaf_for(constraints, mailbox).unwrap_err();
        assert!(matches!(e, CertificateError::NameConstraints { .. }), "{e}");
    }
}

/// The server's end entity is checked (name, common names) before any
/// signature, so what it costs is what anyone on the path can make a
/// client spend. The CABF BR 7.1.4.3 common-name check compared every
/// common name with every subjectAltName entry: a 64 KB self-made leaf
/// with 1800 common names and 7000 dNSNames took 2.5 s of client CPU per
/// handshake (release build), 1.6 to 3 s in the test profile. n·log n now
/// (sorted lookups): about 8 ms in the test profile; the test allows
/// 250 ms.
#[test]
fn common_name_check_is_not_quadratic_in_names() {
    let key = p256(11);
    let rdns: Vec<Vec<u8>> = (0..1800).map(|_| atv(CN, der::UTF8_STRING, b"a")).collect();
    let subject = name_of_rdns(&rdns);
    let mut names: Vec<&str> = alloc::vec!["x.example"];
    names.extend(core::iter::repeat_n("a", 7000));
    let mut exts = leaf_exts(&key, &key);
    exts.push(san_dns(&names));
    let leaf = cert(
        &key,
        1,
        &subject,
        &subject,
        &key.public_key_spki(),
        T0,
        T1,
        &exts,
    );
    // It fits the default Limits::max_handshake_message (64 KiB).
    assert!(leaf.len() < 65_000, "{}", leaf.len());
    let v = Validator::new(Vec::new(), Policy::default());
    let none: &[&[u8]] = &[];
    let start = std::time::Instant::now();
    let e = v
        .check_server(&leaf, none, ExpectedName::Dns("x.example"), T0 + 10)
        .unwrap_err();
    let spent = start.elapsed();
    // Past the name checks: refused for want of an anchor.
    assert!(
        matches!(e, CertificateError::UnknownIssuer { .. }),
        "{:.100}",
        alloc::format!("{e}")
    );
    assert!(spent < std::time::Duration::from_millis(250), "{spent:?}");
    // The check itself still refuses a common name that re-spells a SAN entry.
    let mut exts = leaf_exts(&key, &key);
    exts.push(san_dns(&["x.example", "a", "b"]));
    let subject = name_of_rdns(&[
        atv(CN, der::UTF8_STRING, b"a"),
        atv(CN, der::UTF8_STRING, b"X.example"),
    ]);
    let leaf = cert(
        &key,
        2,
        &subject,
        &subject,
        &key.public_key_spki(),
        T0,
        T1,
        &exts,
    );
    let e = v
        .check_server(&leaf, none, ExpectedName::Dns("x.example"), T0 + 10)
        .unwrap_err();
    assert!(matches!(e, CertificateError::Profile { .. }), "{e}");
    assert!(alloc::format!("{e}").contains("\"X.example\""), "{e}");
    // And with enough names for the sorted lookups: a re-cased DNS name
    // and a re-spelt IP address are each found among 100 entries.
    let mut san = Vec::new();
    for n in core::iter::repeat_n("a", 100).chain(["x.example"]) {
        san.extend(tlv(0x82, n.as_bytes()));
    }
    san.extend(tlv(0x87, &[192, 0, 2, 1]));
    for odd in [&b"X.Example"[..], b"192.000.002.001"] {
        let mut rdns: Vec<Vec<u8>> = (0..10).map(|_| atv(CN, der::UTF8_STRING, b"a")).collect();
        rdns.push(atv(CN, der::UTF8_STRING, odd));
        let subject = name_of_rdns(&rdns);
        let mut exts = leaf_exts(&key, &key);
        exts.push(ext(OID_SAN, false, &tlv(der::SEQUENCE, &san)));
        let leaf = cert(
            &key,
            3,
            &subject,
            &subject,
            &key.public_key_spki(),
            T0,
            T1,
            &exts,
        );
        let e = v
            .check_server(&leaf, none, ExpectedName::Dns("x.example"), T0 + 10)
            .unwrap_err();
        assert!(
            matches!(e, CertificateError::Profile { .. }),
            "{:.200}",
            alloc::format!("{e}")
        );
    }
}

/// A re-issue has the anchor's extensions byte for byte: an otherName (a
/// UPN a server may map to an account, say) or any other extension the
/// pinned certificate does not carry makes a new identity, which a
/// non-CA anchor cannot vouch for.
#[test]
fn anchor_key_cannot_vouch_for_other_extensions_under_the_anchor_subject() {
    // otherName [0] { type-id, [0] EXPLICIT UTF8String }: a UPN (1.3.6.1.4.1.311.20.2.3).
    let upn = |who: &[u8]| {
        let type_id = tlv(
            der::OID,
            &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03],
        );
        let value = tlv(0xa0, &tlv(der::UTF8_STRING, who));
        tlv(0xa0, &[type_id, value].concat())
    };
    let key = p256(12);
    let subject = name(&[(CN, "device-7")]);
    let with = |serial: u8, san: &[u8], extra: Option<Vec<u8>>| {
        let mut exts = leaf_exts(&key, &key);
        exts.push(ext(OID_SAN, false, &tlv(der::SEQUENCE, san)));
        exts.extend(extra);
        cert(
            &key,
            serial,
            &subject,
            &subject,
            &key.public_key_spki(),
            T0,
            T1,
            &exts,
        )
    };
    let pinned = with(1, &upn(b"bob@corp.example"), None);
    let v = Validator::new(
        alloc::vec![TrustAnchor::from_der(pinned.clone()).unwrap()],
        Policy::default(),
    );
    let none: &[&[u8]] = &[];
    v.validate_client(&pinned, none, T0 + 10).unwrap();
    // Renewed: another serial, nothing else.
    v.validate_client(&with(2, &upn(b"bob@corp.example"), None), none, T0 + 10)
        .unwrap();
    // Another account's UPN; the same UPN with a role extension added.
    let role = ext(
        &[0x2a, 0x03, 0x04, 0x05],
        false,
        &tlv(der::UTF8_STRING, b"admin"),
    );
    for minted in [
        with(3, &upn(b"admin@corp.example"), None),
        with(4, &upn(b"bob@corp.example"), Some(role)),
    ] {
        let e = v.validate_client(&minted, none, T0 + 10).unwrap_err();
        assert!(matches!(e, CertificateError::UnknownIssuer { .. }), "{e}");
    }
}

/// Values of a string type the RFC 4518 preparation does not read
/// (VideotexString) may differ byte-wise yet be the same name (case,
/// spaces): such a comparison is not certain, so it fails closed, never
/// "different" (which let a name escape an excluded subtree by changing
/// case).
#[test]
fn unreadable_string_types_in_names_fail_closed() {
    use super::super::dn::{Match, value};
    // (GraphicString and GeneralString do not get this far: the DER
    // reader refuses their tags, so a name holding one is unreadable.)
    let a = tlv(0x15, b"EVIL Corp");
    let b = tlv(0x15, b"evil corp");
    let ta = Der::new(&a, "t").unwrap().next().unwrap();
    let tb = Der::new(&b, "t").unwrap().next().unwrap();
    assert_eq!(value(&ta, &tb), Match::Unknown);
    // Identical encodings are still the same value.
    assert_eq!(value(&ta, &ta), Match::Yes);
    // Other syntaxes compare as their DER, as before.
    let x = tlv(der::OCTET_STRING, b"a");
    let y = tlv(der::OCTET_STRING, b"b");
    let tx = Der::new(&x, "t").unwrap().next().unwrap();
    let ty = Der::new(&y, "t").unwrap().next().unwrap();
    assert_eq!(value(&tx, &ty), Match::No);

    // Through a validation: a CA excluding O=EVIL Corp (VideotexString)
    // refuses a subordinate named O=evil corp in the same type.
    let (root_key, sub_key, leaf_key) = (p256(13), p256(14), p256(15));
    let (root_der, root_name) = root(&root_key, "Root");
    let evil = |v: &[u8]| name_of_rdns(&[atv(O, 0x15, v)]);
    let mut root_nc = ca_exts(&sub_key, &root_key);
    root_nc.push(name_constraints(
        &[],
        &[directory_name(&evil(b"EVIL Corp"))],
    ));
    let sub_name = name(&[(CN, "Sub")]);
    let sub = cert(
        &root_key,
        2,
        &root_name,
        &sub_name,
        &sub_key.public_key_spki(),
        T0,
        T1,
        &root_nc,
    );
    let leaf = cert(
        &sub_key,
        3,
        &sub_name,
        &evil(b"evil corp"),
        &leaf_key.public_key_spki(),
        T0,
        T1,
        &leaf_exts(&leaf_key, &sub_key),
    );
    let v = Validator::new(
        alloc::vec![TrustAnchor::from_der(root_der).unwrap()],
        Policy::default(),
    );
    let e = v.validate_client(&leaf, &[sub], T0 + 10).unwrap_err();
    assert!(matches!(e, CertificateError::NameConstraints { .. }), "{e}");
}
