//! RFC 8448 traces reproduced through the key schedule and the record layer.
//!
//! The vectors are the RFC's own labelled values (vectors/rfc8448), so every
//! expectation here is external: nothing is derived from our code.

use serde_json::Value;
mod common;

use tls13::crypto::hash::Hash;
use tls13::crypto::suites::SuiteParams;
use tls13::unstable::key_schedule::{
    EarlySchedule, derive_secret, finished_verify_data, hkdf_expand_label, resumption_psk,
    traffic_key_iv,
};
use tls13::unstable::msgs::enums::CipherSuite;
use tls13::unstable::msgs::enums::ContentType;
use tls13::unstable::record::protect::{RecordOpener, RecordSealer};

/// Runs `f` with every provider's TLS_AES_128_GCM_SHA256, the traces'
/// suite (see `common::providers`).
fn each_suite(mut f: impl FnMut(SuiteParams)) {
    for (name, suite) in suites() {
        println!("provider {name}:");
        f(suite);
    }
}

#[test]
fn rfc8448_key_schedule_all_sections() {
    each_suite(key_schedule_all_sections);
}

#[test]
fn rfc8448_schedule_typestate_sections_3_and_4() {
    each_suite(|suite| schedule_typestate_sections_3_and_4(suite.hash));
}

/// Every provider's TLS_AES_128_GCM_SHA256 (the traces' suite).
fn suites() -> Vec<(&'static str, SuiteParams)> {
    common::providers()
        .into_iter()
        .map(|p| {
            (
                p.name,
                p.suite(CipherSuite::TLS_AES_128_GCM_SHA256).unwrap(),
            )
        })
        .collect()
}

struct Entry {
    section: String,
    actor: String,
    step: String,
    label: String,
    bytes: Option<Vec<u8>>,
}

fn load() -> Vec<Entry> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/vectors/rfc8448/rfc8448-vectors.json"
    ))
    .unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| Entry {
            section: e["section"].as_str().unwrap().to_owned(),
            actor: e["actor"].as_str().unwrap().to_owned(),
            step: e["step"].as_str().unwrap().to_owned(),
            label: e["label"].as_str().unwrap().to_owned(),
            bytes: e["hex"].as_str().map(|h| hex::decode(h).unwrap()),
        })
        .collect()
}

/// Consecutive entries of one (section, actor, step).
fn groups(entries: &[Entry]) -> Vec<&[Entry]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=entries.len() {
        let split = i == entries.len() || {
            let (a, b) = (&entries[i - 1], &entries[i]);
            (&a.section, &a.actor, &a.step) != (&b.section, &b.actor, &b.step)
        };
        if split {
            out.push(&entries[start..i]);
            start = i;
        }
    }
    out
}

fn get<'a>(group: &'a [Entry], label: &str) -> Option<&'a [u8]> {
    group
        .iter()
        .find(|e| e.label == label)
        .and_then(|e| e.bytes.as_deref())
}

/// Parses the trace's HkdfLabel (RFC 9846 §7.1) into (length, label
/// without "tls13 ", context), checking its structure on the way.
fn parse_hkdf_label(info: &[u8]) -> (usize, Vec<u8>, Vec<u8>) {
    let length = usize::from(u16::from_be_bytes([info[0], info[1]]));
    let label_len = usize::from(info[2]);
    let label = &info[3..3 + label_len];
    let ctx_len = usize::from(info[3 + label_len]);
    let context = &info[4 + label_len..];
    assert_eq!(context.len(), ctx_len, "HkdfLabel context length");
    let label = label.strip_prefix(b"tls13 ").expect("label prefix");
    (length, label.to_vec(), context.to_vec())
}

const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The test's own transcript hash (checked against the trace's values),
/// whichever provider is under test.
const TRANSCRIPT_SHA256: Hash = tls13::crypto::rustcrypto::SHA256;

/// The handshake messages of one section in transcript order (§4.1).
#[derive(Default)]
struct Transcript {
    bytes: Vec<u8>,
    last_was_truncated_ch: bool,
}

impl Transcript {
    fn add(&mut self, msg: &[u8]) {
        let is_hrr = msg[0] == 2 && msg.len() >= 38 && msg[6..38] == HRR_RANDOM;
        if is_hrr {
            // §4.1: ClientHello1 is replaced by message_hash.
            let h = TRANSCRIPT_SHA256.hash(&self.bytes);
            self.bytes = vec![254, 0, 0, 32];
            self.bytes.extend_from_slice(h.as_ref());
        }
        self.bytes.extend_from_slice(msg);
    }
    fn hash(&self) -> Vec<u8> {
        TRANSCRIPT_SHA256.hash(&self.bytes).as_ref().to_vec()
    }
}

fn key_schedule_all_sections(suite: SuiteParams) {
    let sha256 = suite.hash;
    let entries = load();
    let mut checked = 0usize;
    let mut transcript_checked = 0usize;
    let (mut extracts, mut labels, mut finisheds, mut keys) = (0usize, 0usize, 0usize, 0usize);
    let mut section = String::new();
    let mut transcript = Transcript::default();
    let mut last_ch: Option<Vec<u8>> = None;

    for g in groups(&entries) {
        let first = &g[0];
        if first.section != section {
            section = first.section.clone();
            transcript = Transcript::default();
            last_ch = None;
        }
        let ctx = format!("{} {} {}", first.section, first.actor, first.step);

        // Handshake messages feed the transcript. A ClientHello with a PSK
        // is shown without binders ("construct"); its record carries the
        // complete message, which is what the transcript holds (§4.3.11.2).
        if first.step.starts_with("construct a") {
            for e in g {
                let msg = e.bytes.as_deref().unwrap();
                // Replaced below if the record shows a longer message.
                transcript.last_was_truncated_ch = e.label == "ClientHello";
                if e.label == "ClientHello" {
                    last_ch = Some(msg.to_vec());
                }
                transcript.add(msg);
            }
        }
        if first.step == "send handshake record" && transcript.last_was_truncated_ch {
            let payload = get(g, "payload").unwrap();
            if let Some(ch) = &last_ch
                && payload.len() > ch.len()
                && payload.starts_with(ch)
            {
                let keep = transcript.bytes.len() - ch.len();
                transcript.bytes.truncate(keep);
                transcript.bytes.extend_from_slice(payload);
            }
            transcript.last_was_truncated_ch = false;
        }

        // HKDF-Extract steps: early, handshake and master secrets.
        if let (Some(ikm), Some(secret)) = (get(g, "IKM"), get(g, "secret")) {
            // The trace writes the zero salt as a value, not hex.
            let salt = get(g, "salt").unwrap_or(&[]);
            assert_eq!(
                sha256.hkdf_extract(salt, ikm).as_ref(),
                secret,
                "extract: {ctx}"
            );
            checked += 1;
            extracts += 1;
        }

        // Derive-Secret / HKDF-Expand-Label steps.
        if let (Some(prk), Some(hash), Some(info), Some(expanded)) = (
            get(g, "PRK"),
            g.iter()
                .find(|e| e.label == "hash")
                .map(|e| e.bytes.clone().unwrap_or_default()),
            get(g, "info"),
            get(g, "expanded"),
        ) {
            let (len, label, context) = parse_hkdf_label(info);
            assert_eq!(context, hash, "info context is the hash: {ctx}");
            assert_eq!(len, expanded.len(), "{ctx}");
            let mut out = vec![0u8; len];
            hkdf_expand_label(sha256, prk, &label, &hash, &mut out);
            assert_eq!(out, expanded, "HKDF-Expand-Label: {ctx}");
            checked += 1;
            labels += 1;
            if label == b"resumption" {
                assert_eq!(
                    resumption_psk(sha256, prk, &hash).as_ref(),
                    expanded,
                    "{ctx}"
                );
                checked += 1;
            } else if label != b"finished" {
                assert_eq!(
                    derive_secret(sha256, prk, &label, &hash).as_ref(),
                    expanded,
                    "{ctx}"
                );
                checked += 1;
                // Cross-check our transcript against the trace's hash.
                if label != b"derived" {
                    assert_eq!(transcript.hash(), hash, "transcript hash: {ctx}");
                    transcript_checked += 1;
                }
            }
            if let Some(finished) = get(g, "finished") {
                let th = match get(g, "binder hash") {
                    Some(bh) => {
                        // §4.3.11.2: the binder covers the truncated ClientHello.
                        assert_eq!(
                            sha256.hash(get(g, "ClientHello prefix").unwrap()).as_ref(),
                            bh
                        );
                        bh.to_vec()
                    }
                    None => transcript.hash(),
                };
                assert_eq!(sha256.hmac(expanded, &[&th]).as_ref(), finished, "{ctx}");
                assert_eq!(
                    finished_verify_data(sha256, prk, &th).as_ref(),
                    finished,
                    "{ctx}"
                );
                checked += 1;
                finisheds += 1;
            }
        }

        // Traffic key and IV (§7.3).
        if let (Some(prk), Some(key_info), Some(key), Some(iv_info), Some(iv)) = (
            get(g, "PRK"),
            get(g, "key info"),
            get(g, "key expanded"),
            get(g, "iv info"),
            get(g, "iv expanded"),
        ) {
            for (info, want) in [(key_info, key), (iv_info, iv)] {
                let (len, label, context) = parse_hkdf_label(info);
                assert!(context.is_empty());
                let mut out = vec![0u8; len];
                hkdf_expand_label(sha256, prk, &label, &[], &mut out);
                assert_eq!(out, want, "{ctx}");
            }
            let (k, i) = traffic_key_iv(suite, prk);
            assert_eq!((&k[..], &i[..]), (key, iv), "traffic_key_iv: {ctx}");
            checked += 1;
            keys += 1;
        }
    }
    println!(
        "RFC 8448: {checked} key schedule values checked ({extracts} extracts, {labels} \
         HKDF-Expand-Label, {finisheds} Finished/binder, {keys} traffic key/IV pairs; the rest \
         Derive-Secret and resumption PSK re-checks), {transcript_checked} transcript hashes"
    );
    // Every step of the five traces that the JSON holds (counted
    // independently from the file): 15 HKDF-Extract steps, 59 labelled
    // expansions (PRK/hash/info/expanded), 11 Finished/binder values and 21
    // traffic key/IV derivations.
    assert_eq!(extracts, 15, "extracts");
    assert_eq!(labels, 59, "labelled expansions");
    assert_eq!(finisheds, 11, "finished");
    assert_eq!(keys, 21, "traffic key derivations");
    assert!(checked >= 154, "only {checked} values checked");
    assert!(
        transcript_checked >= 32,
        "only {transcript_checked} transcript hashes"
    );
}

fn find<'a>(entries: &'a [Entry], section: &str, actor: &str, step: &str, label: &str) -> &'a [u8] {
    let hits: Vec<_> = entries
        .iter()
        .filter(|e| {
            e.section.starts_with(section) && e.actor == actor && e.step == step && e.label == label
        })
        .collect();
    hits.first()
        .and_then(|e| e.bytes.as_deref())
        .unwrap_or_else(|| panic!("{section} {actor} {step} {label} not in trace"))
}

/// The typestate API walked through §3 and §4 end to end.
fn schedule_typestate_sections_3_and_4(sha256: Hash) {
    let e = load();
    let s = "Simple";
    let sh_x = find(&e, s, "{server}", "extract secret \"handshake\"", "IKM");
    let ch_sh = find(
        &e,
        s,
        "{server}",
        "derive secret \"tls13 c hs traffic\"",
        "hash",
    );
    let ch_sf = find(
        &e,
        s,
        "{server}",
        "derive secret \"tls13 c ap traffic\"",
        "hash",
    );
    let ch_cf = find(
        &e,
        s,
        "{client}",
        "derive secret \"tls13 res master\"",
        "hash",
    );

    let early = EarlySchedule::new(sha256, None);
    let hs = early.into_handshake(Some(sh_x));
    let c_hs = hs.client_handshake_traffic_secret(ch_sh);
    let s_hs = hs.server_handshake_traffic_secret(ch_sh);
    assert_eq!(
        c_hs.as_ref(),
        find(
            &e,
            s,
            "{server}",
            "derive secret \"tls13 c hs traffic\"",
            "expanded"
        )
    );
    assert_eq!(
        s_hs.as_ref(),
        find(
            &e,
            s,
            "{server}",
            "derive secret \"tls13 s hs traffic\"",
            "expanded"
        )
    );
    let ms = hs.into_master();
    assert_eq!(
        ms.client_application_traffic_secret(ch_sf).as_ref(),
        find(
            &e,
            s,
            "{server}",
            "derive secret \"tls13 c ap traffic\"",
            "expanded"
        )
    );
    assert_eq!(
        ms.server_application_traffic_secret(ch_sf).as_ref(),
        find(
            &e,
            s,
            "{server}",
            "derive secret \"tls13 s ap traffic\"",
            "expanded"
        )
    );
    assert_eq!(
        ms.exporter_master_secret(ch_sf).as_ref(),
        find(
            &e,
            s,
            "{server}",
            "derive secret \"tls13 exp master\"",
            "expanded"
        )
    );
    let rms = ms.resumption_master_secret(ch_cf);
    assert_eq!(
        rms.as_ref(),
        find(
            &e,
            s,
            "{client}",
            "derive secret \"tls13 res master\"",
            "expanded"
        )
    );
    // Server Finished is over CH..CV, which the trace does not hash for us.
    let mut th = sha256.start();
    for m in [
        "ClientHello",
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
    ] {
        let actor = if m == "ClientHello" {
            "{client}"
        } else {
            "{server}"
        };
        let art = if m.starts_with('E') { "an" } else { "a" };
        th.update(find(
            &e,
            s,
            actor,
            &format!("construct {art} {m} handshake message"),
            m,
        ));
    }
    assert_eq!(
        finished_verify_data(sha256, s_hs.as_ref(), th.current().as_ref()).as_ref(),
        find(
            &e,
            s,
            "{server}",
            "calculate finished \"tls13 finished\"",
            "finished"
        )
    );
    assert_eq!(
        finished_verify_data(sha256, c_hs.as_ref(), ch_sf).as_ref(),
        find(
            &e,
            s,
            "{client}",
            "calculate finished \"tls13 finished\"",
            "finished"
        )
    );
    // §3's ticket (nonce 0x0000) is §4's PSK.
    let psk = resumption_psk(sha256, rms.as_ref(), &[0, 0]);
    let r = "Resumed";
    assert_eq!(
        psk.as_ref(),
        find(&e, r, "{client}", "extract secret \"early\"", "IKM")
    );

    let early = EarlySchedule::new(sha256, Some(psk.as_ref()));
    let binder_key = early.binder_key(false);
    assert_eq!(
        binder_key.as_ref(),
        find(&e, r, "{client}", "calculate PSK binder", "PRK")
    );
    assert_eq!(
        finished_verify_data(
            sha256,
            binder_key.as_ref(),
            find(&e, r, "{client}", "calculate PSK binder", "binder hash")
        )
        .as_ref(),
        find(&e, r, "{client}", "calculate PSK binder", "finished")
    );
    let ch = find(
        &e,
        r,
        "{client}",
        "derive secret \"tls13 c e traffic\"",
        "hash",
    );
    assert_eq!(
        early.client_early_traffic_secret(ch).as_ref(),
        find(
            &e,
            r,
            "{client}",
            "derive secret \"tls13 c e traffic\"",
            "expanded"
        )
    );
    assert_eq!(
        early.early_exporter_master_secret(ch).as_ref(),
        find(
            &e,
            r,
            "{client}",
            "derive secret \"tls13 e exp master\"",
            "expanded"
        )
    );
    let hs = early.into_handshake(Some(find(
        &e,
        r,
        "{server}",
        "extract secret \"handshake\"",
        "IKM",
    )));
    let h = find(
        &e,
        r,
        "{server}",
        "derive secret \"tls13 s hs traffic\"",
        "hash",
    );
    assert_eq!(
        hs.server_handshake_traffic_secret(h).as_ref(),
        find(
            &e,
            r,
            "{server}",
            "derive secret \"tls13 s hs traffic\"",
            "expanded"
        )
    );
    let ms = hs.into_master();
    let h = find(
        &e,
        r,
        "{client}",
        "derive secret \"tls13 res master\"",
        "hash",
    );
    assert_eq!(
        ms.resumption_master_secret(h).as_ref(),
        find(
            &e,
            r,
            "{client}",
            "derive secret \"tls13 res master\"",
            "expanded"
        )
    );
}

/// One protected record of a trace: who sent it, under which secret, at
/// which sequence number, and what it carries.
struct TraceRecord {
    actor: &'static str,
    step: &'static str,
    /// Which occurrence of (actor, step) in the section.
    nth: usize,
    secret: (&'static str, &'static str, &'static str),
    seq: u64,
    typ: ContentType,
}

fn check_records(suite: SuiteParams, section: &str, records: &[TraceRecord]) -> usize {
    let e = load();
    let mut n = 0;
    for r in records {
        let secret = find(&e, section, r.secret.0, r.secret.1, r.secret.2);
        let sent: Vec<&Entry> = e
            .iter()
            .filter(|x| x.section.starts_with(section) && x.actor == r.actor && x.step == r.step)
            .collect();
        let payload = sent
            .iter()
            .filter(|x| x.label == "payload")
            .nth(r.nth)
            .unwrap();
        let payload = payload.bytes.as_deref().unwrap();
        let record = sent
            .iter()
            .filter(|x| x.label == "complete record")
            .nth(r.nth)
            .unwrap();
        let record = record.bytes.as_deref().unwrap();
        let ctx = format!("{section} {} {} #{}", r.actor, r.step, r.nth);

        // Open.
        let mut opener = RecordOpener::new(suite, secret).unwrap();
        // Advance the opener to `seq` with filler records under the same key.
        let mut filler = RecordSealer::new(suite, secret).unwrap();
        for _ in 0..r.seq {
            let mut buf = Vec::new();
            filler
                .seal(ContentType::HANDSHAKE, b"x", 0, &mut buf)
                .unwrap();
            let header: [u8; 5] = buf[..5].try_into().unwrap();
            let mut body = buf[5..].to_vec();
            opener.open(&header, &mut body, (1 << 14) + 1).unwrap();
        }
        assert_eq!(opener.sequence(), r.seq);
        let header: [u8; 5] = record[..5].try_into().unwrap();
        let mut body = record[5..].to_vec();
        let (typ, len) = opener
            .open(&header, &mut body, (1 << 14) + 1)
            .unwrap_or_else(|err| panic!("{ctx}: {err}"));
        assert_eq!(typ, r.typ, "{ctx}");
        assert_eq!(body[..len], payload[..], "{ctx}");

        // Re-seal at the same sequence number: byte-identical record.
        let mut sealer = RecordSealer::new(suite, secret).unwrap();
        for _ in 0..r.seq {
            sealer
                .seal(ContentType::HANDSHAKE, b"x", 0, &mut Vec::new())
                .unwrap();
        }
        assert_eq!(sealer.sequence(), r.seq);
        let mut out = Vec::new();
        sealer.seal(r.typ, payload, 0, &mut out).unwrap();
        assert_eq!(out, record, "re-sealed {ctx}");
        n += 1;
    }
    n
}

const C: &str = "{client}";
const S: &str = "{server}";
const HS: &str = "send handshake record";
const AD: &str = "send application_data record";
const AL: &str = "send alert record";

#[test]
fn rfc8448_section3_records_open_and_reseal() {
    let shs = (S, "derive secret \"tls13 s hs traffic\"", "expanded");
    let chs = (S, "derive secret \"tls13 c hs traffic\"", "expanded");
    let sap = (S, "derive secret \"tls13 s ap traffic\"", "expanded");
    let cap = (S, "derive secret \"tls13 c ap traffic\"", "expanded");
    let rec = |actor, step, nth, secret, seq, typ| TraceRecord {
        actor,
        step,
        nth,
        secret,
        seq,
        typ,
    };
    let records = [
        // ServerHello is record 0 of the server (plaintext); EE..Finished is record 1.
        rec(S, HS, 1, shs, 0, ContentType::HANDSHAKE),
        // ClientHello is the client's record 0; Finished is record 1.
        rec(C, HS, 1, chs, 0, ContentType::HANDSHAKE),
        // NewSessionTicket.
        rec(S, HS, 2, sap, 0, ContentType::HANDSHAKE),
        rec(C, AD, 0, cap, 0, ContentType::APPLICATION_DATA),
        rec(S, AD, 0, sap, 1, ContentType::APPLICATION_DATA),
        rec(C, AL, 0, cap, 1, ContentType::ALERT),
        rec(S, AL, 0, sap, 2, ContentType::ALERT),
    ];
    for (name, suite) in suites() {
        let n = check_records(suite, "Simple", &records);
        println!("RFC 8448 §3 [{name}]: {n} protected records opened and re-sealed");
        assert_eq!(n, 7);
    }
}

#[test]
fn rfc8448_section4_records_open_and_reseal() {
    let cet = (C, "derive secret \"tls13 c e traffic\"", "expanded");
    let shs = (S, "derive secret \"tls13 s hs traffic\"", "expanded");
    let chs = (S, "derive secret \"tls13 c hs traffic\"", "expanded");
    let sap = (S, "derive secret \"tls13 s ap traffic\"", "expanded");
    let cap = (S, "derive secret \"tls13 c ap traffic\"", "expanded");
    let rec = |actor, step, nth, secret, seq, typ| TraceRecord {
        actor,
        step,
        nth,
        secret,
        seq,
        typ,
    };
    let records = [
        // 0-RTT application data, then EndOfEarlyData under the same key.
        rec(C, AD, 0, cet, 0, ContentType::APPLICATION_DATA),
        rec(C, HS, 1, cet, 1, ContentType::HANDSHAKE),
        rec(S, HS, 1, shs, 0, ContentType::HANDSHAKE),
        rec(C, HS, 2, chs, 0, ContentType::HANDSHAKE),
        rec(C, AD, 1, cap, 0, ContentType::APPLICATION_DATA),
        rec(S, AD, 0, sap, 0, ContentType::APPLICATION_DATA),
        rec(C, AL, 0, cap, 1, ContentType::ALERT),
        rec(S, AL, 0, sap, 1, ContentType::ALERT),
    ];
    for (name, suite) in suites() {
        let n = check_records(suite, "Resumed", &records);
        println!("RFC 8448 §4 [{name}]: {n} protected records opened and re-sealed");
        assert_eq!(n, 8);
    }
}
