//! whatsapp-rust closes a socket itself (its keepalive calling it dead, a
//! failed write) without an event; walink hears it through the transport
//! it hands the client: each socket numbered, each close said at once.

use whatsapp_rust::transport::TransportFactory;

use walink::engine::route::{Route, RoutedSocket};

use crate::wa::sim;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_hears_when_its_newest_socket_is_closed_and_only_then() {
    let sim = sim().await;
    let route = Route::new(None);
    let factory = RoutedSocket::new(Some(&sim.url()), route.clone());
    let sockets = route.sockets();
    let (older, _older_events) = factory.create_transport().await.expect("first socket");
    let (newer, _newer_events) = factory.create_transport().await.expect("second socket");
    assert_eq!((sockets.opened(), sockets.closed()), (2, 0));

    // A stale socket closing late says nothing about the one in use.
    older.disconnect().await;
    assert_eq!(sockets.closed(), 1);
    newer.disconnect().await;
    assert_eq!(sockets.closed(), 2, "the socket in use was closed");
    older.disconnect().await;
    assert_eq!(sockets.closed(), 2, "an older socket cannot undo it");
}
