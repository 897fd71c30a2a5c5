//! The server state machine (RFC 8446 §4, server side).

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::config::ServerConfig;
use crate::conn::core::Core;
use crate::error::Error;
use crate::verify::CertifiedKey;

use super::State;

/// Server handshake state.
pub struct ServerHs {
    _config: Arc<ServerConfig>,
}

/// Builds a server connection.
pub fn start(_config: Arc<ServerConfig>) -> Result<(Core, State), Error> {
    todo!()
}

/// Answers a deferred certificate selection.
pub fn answer_certificate(
    _core: &mut Core,
    _state: &mut State,
    _result: Result<Arc<CertifiedKey>, Error>,
) -> Result<(), Error> {
    todo!()
}

/// Answers a deferred signature.
pub fn answer_sign(_core: &mut Core, _state: &mut State, _result: Result<Vec<u8>, Error>) -> Result<(), Error> {
    todo!()
}

impl ServerHs {
    pub fn is_suspended(&self) -> bool {
        todo!()
    }
    pub fn handle(&mut self, _core: &mut Core, _raw: &[u8]) -> Result<(), Error> {
        todo!()
    }
}
