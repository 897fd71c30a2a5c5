//! A CompressedCertificate (RFC 8879 §4) where no Certificate is
//! expected: both sides offered compression, but the message comes after
//! the handshake, or to a server that never asked for a certificate. Each
//! is refused as an unexpected message, never decompressed and handed to
//! a state that would take a Certificate.

mod forge;
mod pair;

use forge::{C_AP, C_HS, Mitm, S_AP, alert_on_wire, open, seal, split_messages};
use tls13::Error;
use tls13::compress::{CertificateCompressionAlgorithm as Alg, compress_certificate};
use tls13::error::PeerMisbehaved;
use tls13::unstable::msgs::enums::{AlertDescription, ContentType};

const ALL: [Alg; 3] = [Alg::BROTLI, Alg::ZLIB, Alg::ZSTD];

/// A compressible Certificate message (empty context, one made-up entry).
fn certificate() -> Vec<u8> {
    let entry: Vec<u8> = b"entry ".iter().copied().cycle().take(600).collect();
    let mut body = vec![0u8];
    let list_len = 3 + entry.len() + 2;
    body.extend_from_slice(&(list_len as u32).to_be_bytes()[1..]);
    body.extend_from_slice(&(entry.len() as u32).to_be_bytes()[1..]);
    body.extend_from_slice(&entry);
    body.extend_from_slice(&[0, 0]);
    let mut m = vec![11];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend(body);
    m
}

fn unexpected(err: &Error) -> bool {
    matches!(
        err,
        Error::PeerMisbehaved(PeerMisbehaved::UnexpectedMessage { .. })
    )
}

#[test]
fn after_the_handshake_either_side_refuses_it() {
    for alg in ALL {
        let mut m = Mitm::connected_with(
            |c| c.certificate_compression(&ALL),
            |s| s.certificate_compression(&ALL),
        );
        let msg = compress_certificate(alg, &certificate()).unwrap().unwrap();
        // To the client, under the server's first application key.
        let wire = seal(&m.secrets.get(S_AP), 0, ContentType::HANDSHAKE, &msg, 0);
        let err = m.client.receive(&wire).unwrap_err();
        assert!(unexpected(&err), "{alg:?}: {err:?}");
        let out = m.take_client();
        let alert = alert_on_wire(&out, Some(&m.secrets.get(C_AP)), 0);
        assert_eq!(alert, AlertDescription::UNEXPECTED_MESSAGE);

        // To the server, which asked for no certificate after the
        // handshake either.
        let mut m = Mitm::connected_with(
            |c| c.certificate_compression(&ALL),
            |s| s.certificate_compression(&ALL),
        );
        let wire = seal(&m.secrets.get(C_AP), 0, ContentType::HANDSHAKE, &msg, 0);
        let err = m.server.receive(&wire).unwrap_err();
        assert!(unexpected(&err), "{alg:?}: {err:?}");
        assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
    }
}

#[test]
fn a_server_that_sent_no_certificate_request_refuses_it_before_finished() {
    // The server offers to decompress client certificates (it would say
    // so in a CertificateRequest) but asks for none in this handshake.
    for alg in ALL {
        let mut m = Mitm::with(
            |c| c.certificate_compression(&ALL),
            |s| s.certificate_compression(&ALL),
        );
        let ch = m.take_client();
        m.server.receive(&ch).unwrap();
        let flight = m.take_server();
        m.client.receive(&flight).unwrap();
        let out = m.take_client();
        // The client's flight: [CCS], Finished under its handshake key.
        let start = forge::records(&out)
            .iter()
            .take_while(|(t, _)| *t != 23)
            .map(|(_, p)| 5 + p.len())
            .sum::<usize>();
        let c_hs = m.secrets.get(C_HS);
        let mut msgs: Vec<Vec<u8>> = open(&c_hs, 0, &out[start..])
            .into_iter()
            .flat_map(|(_, c)| split_messages(&c))
            .collect();
        assert_eq!(msgs.len(), 1, "Finished alone");
        msgs.insert(
            0,
            compress_certificate(alg, &certificate()).unwrap().unwrap(),
        );
        let mut wire = out[..start].to_vec();
        wire.extend(seal(&c_hs, 0, ContentType::HANDSHAKE, &msgs.concat(), 0));
        let err = m.server.receive(&wire).unwrap_err();
        assert!(unexpected(&err), "{alg:?}: {err:?}");
        assert_eq!(err.alert(), Some(AlertDescription::UNEXPECTED_MESSAGE));
    }
}
