//! First server stanza after the handshake: QR refs for a registering
//! companion, `<success>` or `<failure>` for a login (impl block on [`Conn`]).

use std::time::Instant;

use tracing::debug;
use waproto::whatsapp as wa;

use super::conn::{Conn, Flow};
use super::error::SimError;
use super::events::SimEvent;
use super::fault::{FailureReason, Fault, FaultKind};
use super::stanza;

impl Conn<'_> {
    /// `<pair-device>` with the configured number of refs (SIMULATOR.md §6.1).
    pub(super) async fn offer_refs(&mut self) -> Result<Flow, SimError> {
        let refs: Vec<String> = (0..self.hub.config.qr_ref_count)
            .map(|_| self.hub.new_ref(self.id))
            .collect();
        {
            let mut st = self.hub.state();
            for r in &refs {
                st.refs.insert(r.clone(), self.id);
            }
            if let Some(entry) = st.conns.get_mut(&self.id) {
                entry.refs = refs.clone();
                entry.refs_sent_at = Some(Instant::now());
            }
        }
        let node = stanza::pair_device(&self.hub.stanza_id(), &refs);
        self.send(&node).await?;
        self.hub.emit(SimEvent::PairDeviceSent {
            conn: self.id,
            refs,
        });
        Ok(Flow::Continue)
    }

    /// Known device: `<success>` (then any armed stream fault); unknown: 401.
    pub(super) async fn login(&mut self, payload: &wa::ClientPayload) -> Result<Flow, SimError> {
        let record = self
            .hub
            .lookup_login(&self.client_static, payload.username, payload.device);
        let Some(record) = record else {
            debug!(conn = %self.id, "login from an unknown or unlinked device");
            self.send(&stanza::failure(&FailureReason::LoggedOut))
                .await?;
            self.hub.emit(SimEvent::LoginRejected { conn: self.id });
            return Ok(Flow::Close);
        };
        self.phone = Some(record.phone.clone());

        if let Some(fault) = self
            .hub
            .take_fault(Some(record.phone.as_str()), FaultKind::Failure)
        {
            if let Fault::Failure(reason) = &fault {
                self.send(&stanza::failure(reason)).await?;
            }
            self.hub.emit(SimEvent::FaultFired {
                conn: Some(self.id),
                fault,
            });
            return Ok(Flow::Close);
        }

        self.send(&stanza::success(&record.lid, record.device))
            .await?;
        self.hub.mark_logged_in(self.id, &record);
        self.hub.emit(SimEvent::LoggedIn {
            conn: self.id,
            device_jid: record.jid.clone(),
        });

        if let Some(fault) = self
            .hub
            .take_fault(Some(record.phone.as_str()), FaultKind::Stream)
        {
            if let Some(node) = stanza::stream_fault(&fault) {
                self.send(&node).await?;
            }
            self.hub.emit(SimEvent::FaultFired {
                conn: Some(self.id),
                fault,
            });
            return Ok(Flow::Close);
        }
        Ok(Flow::Continue)
    }
}
