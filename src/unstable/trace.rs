//! Handshake traces printed in the layout of RFC 8448, for debugging,
//! documentation and comparing a captured handshake with the RFC's.
//!
//! ```text
//!    {client}  send handshake record:
//!
//!       payload (196 octets):  01 00 00 c0 03 03 cb 34 ec b1 e7 81 63 ba
//!          1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83 02
//! ```
//!
//! [`RecordPrinter`] turns what one side wrote (its `pending_output()`
//! bytes, in order) into such blocks; given that side's write traffic
//! secrets (e.g. from a [`KeyLog`](crate::key_schedule::KeyLog)) it opens
//! protected records to show their payload and inner content type, as the
//! RFC does. Nothing here is used by the connection itself.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use zeroize::Zeroizing;

use crate::crypto::suites::SuiteParams;
use crate::error::Error;
use crate::msgs::enums::ContentType;
use crate::record::MAX_INNER_PLAINTEXT;
use crate::record::deframer::Deframer;
use crate::record::protect::RecordOpener;

/// RFC 8448's lines are at most this wide.
const WIDTH: usize = 72;
/// Indent of a value's first line.
const VALUE_INDENT: usize = 6;
/// Indent of a value's continuation lines.
const WRAP_INDENT: usize = 9;

/// Which side sent something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// `{client}`
    Client,
    /// `{server}`
    Server,
}

impl Actor {
    fn tag(self) -> &'static str {
        match self {
            Self::Client => "{client}",
            Self::Server => "{server}",
        }
    }
}

/// Appends `label (N octets):  hex ...` wrapped as RFC 8448 wraps it: two
/// spaces after the colon, octets separated by one space, lines at most
/// 72 columns, continuation lines indented by 9. Empty values print
/// `label (0 octets):  (empty)`, as the RFC does.
pub fn write_value(out: &mut String, label: &str, bytes: &[u8]) {
    let mut line = String::new();
    let _ = write!(
        line,
        "{:indent$}{label} ({} octets):  ",
        "",
        bytes.len(),
        indent = VALUE_INDENT
    );
    if bytes.is_empty() {
        line.push_str("(empty)");
    }
    let mut first_on_line = true;
    for b in bytes {
        // "xx" plus a separating space unless it starts the line.
        let needed = if first_on_line { 2 } else { 3 };
        if !first_on_line && line.len().saturating_add(needed) > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line.clear();
            let _ = write!(line, "{:indent$}", "", indent = WRAP_INDENT);
            first_on_line = true;
        }
        if !first_on_line {
            line.push(' ');
        }
        let _ = write!(line, "{b:02x}");
        first_on_line = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// The RFC's name of a content type in "send <name> record".
fn type_name(typ: ContentType) -> String {
    match typ {
        ContentType::HANDSHAKE => "handshake".into(),
        ContentType::ALERT => "alert".into(),
        ContentType::APPLICATION_DATA => "application_data".into(),
        ContentType::CHANGE_CIPHER_SPEC => "change_cipher_spec".into(),
        other => alloc::format!("content type {}", other.0),
    }
}

/// Appends one `{actor}  send <type> record:` block: the payload (the
/// content before protection, without the inner type byte) when known,
/// and the complete record.
pub fn write_record(
    out: &mut String,
    actor: Actor,
    content_type: ContentType,
    payload: Option<&[u8]>,
    record: &[u8],
) {
    let _ = writeln!(
        out,
        "   {}  send {} record:\n",
        actor.tag(),
        type_name(content_type)
    );
    if let Some(p) = payload {
        write_value(out, "payload", p);
        out.push('\n');
    }
    write_value(out, "complete record", record);
    out.push('\n');
}

/// Prints the records one side wrote, in order.
pub struct RecordPrinter {
    actor: Actor,
    suite: Option<SuiteParams>,
    secrets: VecDeque<Zeroizing<Vec<u8>>>,
    opener: Option<RecordOpener>,
    deframer: Deframer,
}

impl RecordPrinter {
    /// A printer for `actor`'s records; protected records print without
    /// payload unless keys are given with [`with_write_secrets`](Self::with_write_secrets).
    pub fn new(actor: Actor) -> Self {
        Self {
            actor,
            suite: None,
            secrets: VecDeque::new(),
            opener: None,
            deframer: Deframer::default(),
        }
    }

    /// The traffic secrets this side wrote under, in the order it used
    /// them (handshake traffic secret, then application traffic secret,
    /// then any after KeyUpdate). A protected record that does not open
    /// under the current secret is tried under the next ones.
    pub fn with_write_secrets(mut self, suite: SuiteParams, secrets: &[&[u8]]) -> Self {
        self.suite = Some(suite);
        self.secrets = secrets.iter().map(|s| Zeroizing::new(s.to_vec())).collect();
        self
    }

    /// Appends a block for every complete record in `sent` (bytes may be
    /// split anywhere; a partial record waits for the next call).
    pub fn push(&mut self, out: &mut String, sent: &[u8]) -> Result<(), Error> {
        self.deframer.push(sent);
        while let Some(rec) = self.deframer.next_record()? {
            let header = rec.header();
            let mut record = Vec::with_capacity(header.len().saturating_add(rec.payload.len()));
            record.extend_from_slice(&header);
            record.extend_from_slice(rec.payload);
            let typ = rec.typ;
            if typ != ContentType::APPLICATION_DATA {
                write_record(out, self.actor, typ, Some(rec.payload), &record);
                continue;
            }
            let payload = rec.payload.to_vec();
            match self.open(&header, &payload) {
                Some((typ, content)) => write_record(out, self.actor, typ, Some(&content), &record),
                None => write_record(out, self.actor, typ, None, &record),
            }
        }
        Ok(())
    }

    /// Opens a protected record under the current secret or, failing
    /// that, the first later one that works (which then becomes current).
    fn open(&mut self, header: &[u8; 5], payload: &[u8]) -> Option<(ContentType, Vec<u8>)> {
        let suite = self.suite?;
        if let Some(opener) = self.opener.as_mut() {
            let mut buf = payload.to_vec();
            if let Ok((typ, len)) = opener.open(header, &mut buf, MAX_INNER_PLAINTEXT) {
                buf.truncate(len);
                return Some((typ, buf));
            }
        }
        for (i, secret) in self.secrets.iter().enumerate() {
            let Ok(mut opener) = RecordOpener::new(suite, secret) else {
                continue;
            };
            let mut buf = payload.to_vec();
            if let Ok((typ, len)) = opener.open(header, &mut buf, MAX_INNER_PLAINTEXT) {
                buf.truncate(len);
                self.secrets.drain(..=i);
                self.opener = Some(opener);
                return Some((typ, buf));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_wrap_like_rfc8448() {
        // RFC 8448 §3, "{server}  derive write traffic keys for handshake data".
        let prk: Vec<u8> = (0u8..32).collect();
        let mut out = String::new();
        write_value(&mut out, "PRK", &prk);
        assert_eq!(
            out,
            "      PRK (32 octets):  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n         \
             10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f\n"
        );
        assert!(out.lines().all(|l| l.len() <= WIDTH));

        let mut out = String::new();
        write_value(&mut out, "hash", &[]);
        assert_eq!(out, "      hash (0 octets):  (empty)\n");
    }

    #[test]
    fn unprotected_records_print_their_fragment() {
        let mut p = RecordPrinter::new(Actor::Server);
        let mut out = String::new();
        // A change_cipher_spec record, fed in two pieces.
        p.push(&mut out, &[0x14, 0x03, 0x03]).unwrap();
        assert!(out.is_empty());
        p.push(&mut out, &[0x00, 0x01, 0x01]).unwrap();
        assert_eq!(
            out,
            "   {server}  send change_cipher_spec record:\n\n      payload (1 octets):  01\n\n      \
             complete record (6 octets):  14 03 03 00 01 01\n\n"
        );
    }

    #[test]
    fn protected_records_without_keys_print_only_the_record() {
        let mut p = RecordPrinter::new(Actor::Client);
        let mut out = String::new();
        p.push(&mut out, &[0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb])
            .unwrap();
        assert_eq!(
            out,
            "   {client}  send application_data record:\n\n      \
             complete record (7 octets):  17 03 03 00 02 aa bb\n\n"
        );
    }
}
