//! One accepted socket from upgrade to close: WebSocket upgrade, Noise
//! handshake (with handshake-time faults), then the connection state machine.

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_websockets::ServerBuilder;
use tracing::{debug, info};

use super::conn::Conn;
use super::error::SimError;
use super::events::{ConnId, SimEvent};
use super::fault::FaultKind;
use super::frame::Wire;
use super::handshake::{self, ClientHello, Established, HANDSHAKE_WAIT};
use super::hub::{ConnCmd, ConnEntry, Hub, ShownAs};
use waproto::buffa::Message as _;
use waproto::whatsapp as wa;

pub(crate) async fn serve(hub: Arc<Hub>, tcp: TcpStream, cancel: CancellationToken) {
    // The upgrade request's path and Origin are not checked: any ws:// URL works.
    let ws = match ServerBuilder::new().accept(tcp).await {
        Ok((_request, ws)) => ws,
        Err(e) => {
            debug!(error = %e, "websocket upgrade failed");
            return;
        }
    };
    let conn = hub.next_conn_id();
    let (tx, rx) = mpsc::unbounded_channel();
    hub.state().conns.insert(conn, ConnEntry::new(tx));
    hub.emit(SimEvent::Connected { conn });

    let mut wire = Wire::new(ws, hub.config.latency);
    let outcome = tokio::select! {
        outcome = run(&hub, conn, &mut wire, rx) => outcome,
        _ = cancel.cancelled() => Ok(()),
    };
    match outcome {
        // Never a silent close: the client learns what it sent wrong.
        Err(e @ SimError::UnsupportedDictionary(_)) => {
            info!(%conn, "refused: {e}");
            wire.refuse(&e.to_string()).await;
        }
        Err(e) => debug!(%conn, error = %e, "connection ended with an error"),
        Ok(()) => {}
    }
    wire.close().await;
    hub.drop_conn(conn);
    hub.emit(SimEvent::Disconnected { conn });
}

async fn run(
    hub: &Arc<Hub>,
    conn: ConnId,
    wire: &mut Wire,
    rx: mpsc::UnboundedReceiver<ConnCmd>,
) -> Result<(), SimError> {
    let Some(est) = establish(hub, conn, wire).await? else {
        return Ok(());
    };
    hub.emit(SimEvent::Handshake {
        conn,
        pattern: est.pattern,
    });
    let Established {
        channel,
        client_static,
        payload,
        ..
    } = est;
    let identity = payload
        .device_pairing_data
        .as_option()
        .and_then(|d| d.e_ident.as_deref())
        .and_then(|k| <[u8; 32]>::try_from(k).ok());
    let shown_as = payload
        .device_pairing_data
        .as_option()
        .and_then(|d| d.device_props.as_deref())
        .and_then(|b| wa::DeviceProps::decode_from_slice(b).ok())
        .map(|p| ShownAs {
            os: p.os.unwrap_or_default(),
            platform: p
                .platform_type
                .map(|t| format!("{t:?}"))
                .unwrap_or_default(),
        });
    if let Some(entry) = hub.state().conns.get_mut(&conn) {
        entry.client_static = Some(client_static);
        entry.identity_pub = identity;
        entry.shown_as = shown_as;
    }
    Conn::new(hub.clone(), conn, wire, channel, rx, client_static)
        .run(&payload)
        .await
}

/// `None` when a fault ended the handshake or the client left during it.
async fn establish(
    hub: &Hub,
    conn: ConnId,
    wire: &mut Wire,
) -> Result<Option<Established>, SimError> {
    let first = tokio::time::timeout(HANDSHAKE_WAIT, wire.next_frame())
        .await
        .map_err(|_| SimError::Timeout("client hello"))??;
    let Some(first) = first else {
        return Ok(None);
    };
    let key = &hub.server_key;
    match handshake::parse_client_hello(&first)? {
        ClientHello::Xx { ephemeral } => {
            if !gate(hub, conn, wire, None).await? {
                return Ok(None);
            }
            handshake::xx_accept(wire, key, &ephemeral, false)
                .await
                .map(Some)
        }
        ClientHello::Ik {
            ephemeral,
            sealed_static,
            sealed_payload,
        } => {
            match handshake::ik_open(
                &wire.header(),
                key,
                &ephemeral,
                &sealed_static,
                &sealed_payload,
            ) {
                Ok(opened) => {
                    let phone = opened.payload.username.map(|u| u.to_string());
                    if !gate(hub, conn, wire, phone.as_deref()).await? {
                        return Ok(None);
                    }
                    handshake::ik_accept(wire, key, opened).await.map(Some)
                }
                Err(e) => {
                    // The client cached a server key we do not hold: XXfallback
                    // recovers without another round trip (SIMULATOR.md §3.3).
                    debug!(%conn, error = %e, "IK not accepted, answering with XXfallback");
                    if !gate(hub, conn, wire, None).await? {
                        return Ok(None);
                    }
                    handshake::xx_accept(wire, key, &ephemeral, true)
                        .await
                        .map(Some)
                }
            }
        }
    }
}

/// Handshake-time faults. `false` means: do not answer the ClientHello.
async fn gate(
    hub: &Hub,
    conn: ConnId,
    wire: &mut Wire,
    phone: Option<&str>,
) -> Result<bool, SimError> {
    if let Some(fault) = hub.take_fault(phone, FaultKind::Dead) {
        hub.emit(SimEvent::FaultFired {
            conn: Some(conn),
            fault,
        });
        // Silent but open, so the client runs into its own handshake timeout.
        while wire.next_frame().await?.is_some() {}
        return Ok(false);
    }
    if let Some(fault) = hub.take_fault(phone, FaultKind::HandshakeClose) {
        hub.emit(SimEvent::FaultFired {
            conn: Some(conn),
            fault,
        });
        return Ok(false);
    }
    Ok(true)
}
