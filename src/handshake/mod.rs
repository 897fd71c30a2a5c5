//! The handshake: transcript, message joining, and the client and server
//! state machines (RFC 9846 §4). The state machines consume whole
//! handshake messages and drive [`Core`](crate::conn::core::Core) for
//! keys and output.

pub(crate) mod client;
pub(crate) mod common;
pub(crate) mod compress;
pub(crate) mod ech;
pub(crate) mod joiner;
pub(crate) mod server;
pub(crate) mod transcript;

use crate::conn::core::{Core, Received};
use crate::error::{Error, PeerMisbehaved};
use joiner::Batch;

/// The side-specific state.
// A connection holds exactly one; boxing the larger side would cost an
// allocation per connection to save a client about 200 bytes inline.
#[allow(clippy::large_enum_variant)]
pub enum State {
    /// A client.
    Client(client::ClientHs),
    /// A server.
    Server(server::ServerHs),
}

impl State {
    /// A decision (certificate, signature, verification, ticket) is
    /// pending: input is only buffered meanwhile.
    pub(crate) fn is_suspended(&self) -> bool {
        match self {
            Self::Client(c) => c.is_suspended(),
            Self::Server(s) => s.is_suspended(),
        }
    }

    fn handle(&mut self, core: &mut Core, raw: &[u8]) -> Result<(), Error> {
        match self {
            Self::Client(c) => c.handle(core, raw),
            Self::Server(s) => s.handle(core, raw),
        }
    }
}

/// Processes buffered input until more bytes are needed or a decision is
/// suspended: whole handshake messages first, then the next record.
pub fn process(core: &mut Core, state: &mut State) -> Result<(), Error> {
    loop {
        if state.is_suspended() {
            if core.buffered_input() > core.limits().max_suspended_input {
                return Err(
                    PeerMisbehaved::TooMany("bytes received while a decision is pending").into(),
                );
            }
            return Ok(());
        }
        if let Some(mut batch) = core.joiner.lend()? {
            // Messages are handled in the joiner's own buffer; the bytes
            // after the current one still count as buffered for the key
            // change rule (§5.1).
            let handled = handle_batch(core, state, &mut batch);
            core.joiner.restore(batch);
            handled?;
            continue;
        }
        match core.read_record()? {
            Received::Nothing => return Ok(()),
            Received::Handled => {}
        }
    }
}

/// Handles the whole messages of a lent batch until one suspends the
/// state machine or the batch runs out of whole messages.
fn handle_batch(core: &mut Core, state: &mut State, batch: &mut Batch) -> Result<(), Error> {
    while let Some((raw, after)) = batch.next_message()? {
        core.joiner.set_lent(after);
        state.handle(core, raw)?;
        if state.is_suspended() {
            break;
        }
    }
    Ok(())
}
