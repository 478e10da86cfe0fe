//! The way out of one session: its WebSocket and its HTTP both read the
//! same proxy setting at each connect, so a change applies at the next
//! connect of either and the two never leave by different paths.

use std::sync::{Arc, Mutex, RwLock};

use whatsapp_rust::http::{HttpClient, HttpRequest, HttpResponse, UreqHttpClient};
use whatsapp_rust::transport::{
    Transport, TransportEvent, TransportFactory, default_tls_connector, from_websocket,
};
use whatsapp_rust::wacore::net::{
    StreamingHttpResponse, UploadBody, WHATSAPP_WEB_ORIGIN, WHATSAPP_WEB_WS_URL,
};

use crate::domain::ProxyUrl;

/// The proxy a session dials through now (`None`: direct), and the
/// sockets it opened that way.
#[derive(Clone, Default)]
pub struct Route {
    proxy: Arc<RwLock<Option<ProxyUrl>>>,
    sockets: super::liveness::Sockets,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.current() {
            Some(p) => write!(f, "Route({p})"),
            None => f.write_str("Route(direct)"),
        }
    }
}

impl Route {
    pub fn new(proxy: Option<ProxyUrl>) -> Self {
        Self {
            proxy: Arc::new(RwLock::new(proxy)),
            sockets: super::liveness::Sockets::default(),
        }
    }

    pub fn current(&self) -> Option<ProxyUrl> {
        self.proxy.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, proxy: Option<ProxyUrl>) {
        *self.proxy.write().unwrap_or_else(|p| p.into_inner()) = proxy;
    }

    pub fn sockets(&self) -> &super::liveness::Sockets {
        &self.sockets
    }
}

/// whatsapp-rust's socket, dialled by [`super::dial`]: TLS and the
/// WebSocket upgrade then run on that stream, as its own transport does.
pub struct RoutedSocket {
    url: String,
    route: Route,
}

impl RoutedSocket {
    pub fn new(url: Option<&str>, route: Route) -> Self {
        Self {
            url: url.unwrap_or(WHATSAPP_WEB_WS_URL).to_owned(),
            route,
        }
    }
}

type Opened = (Arc<dyn Transport>, async_channel::Receiver<TransportEvent>);

#[whatsapp_rust::async_trait]
impl TransportFactory for RoutedSocket {
    async fn create_transport(&self) -> Result<Opened, whatsapp_rust::anyhow::Error> {
        use whatsapp_rust::anyhow::anyhow;
        let uri: http::Uri = self
            .url
            .parse()
            .map_err(|e| anyhow!("not a URL {}: {e}", self.url))?;
        let host = uri
            .host()
            .ok_or_else(|| anyhow!("no host in {}", self.url))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let tls = uri.scheme_str() == Some("wss");
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let proxy = self.route.current();
        let stream = super::dial::tcp(proxy.as_ref(), &host, port).await?;
        let stream = if tls {
            default_tls_connector().wrap(&host, stream).await?
        } else {
            tokio_websockets::Connector::Plain
                .wrap(&host, stream)
                .await?
        };
        let origin = http::HeaderValue::from_static(WHATSAPP_WEB_ORIGIN);
        let (ws, _) = tokio_websockets::ClientBuilder::from_uri(uri)
            .add_header(http::header::ORIGIN, origin)?
            .connect_on(stream)
            .await
            .map_err(|e| anyhow!("WebSocket upgrade failed: {e}"))?;
        Ok(self.route.sockets().watch(from_websocket(ws)))
    }
}

/// whatsapp-rust's HTTP (version lookup, media) on the session's route: a
/// ureq agent with that proxy, or explicitly none (ureq would otherwise
/// take one from the environment that the socket ignores).
pub struct RoutedHttp {
    route: Route,
    built: Mutex<Option<(Option<ProxyUrl>, UreqHttpClient)>>,
}

impl RoutedHttp {
    pub fn new(route: Route) -> Self {
        Self {
            route,
            built: Mutex::new(None),
        }
    }

    /// The client for the route as it is now, built again when it changed.
    fn client(&self) -> Result<UreqHttpClient, whatsapp_rust::anyhow::Error> {
        let proxy = self.route.current();
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((was, client)) = built.as_ref()
            && *was == proxy
        {
            return Ok(client.clone());
        }
        let agent_proxy = match &proxy {
            Some(p) => Some(
                ureq::Proxy::new(&p.secret_form())
                    .map_err(|e| whatsapp_rust::anyhow::anyhow!("proxy {p}: {e}"))?,
            ),
            None => None,
        };
        // The same small buffers and pool as whatsapp-rust's own agent.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .proxy(agent_proxy)
            .http_status_as_error(false)
            .input_buffer_size(16 * 1024)
            .output_buffer_size(16 * 1024)
            .max_idle_connections(3)
            .max_idle_connections_per_host(2)
            .build()
            .into();
        let client = UreqHttpClient::with_agent(agent);
        *built = Some((proxy, client.clone()));
        Ok(client)
    }
}

#[whatsapp_rust::async_trait]
impl HttpClient for RoutedHttp {
    async fn execute(&self, request: HttpRequest) -> whatsapp_rust::anyhow::Result<HttpResponse> {
        self.client()?.execute(request).await
    }

    fn supports_streaming(&self) -> bool {
        true
    }

    fn execute_streaming(
        &self,
        request: HttpRequest,
    ) -> whatsapp_rust::anyhow::Result<StreamingHttpResponse> {
        self.client()?.execute_streaming(request)
    }

    fn supports_upload_streaming(&self) -> bool {
        true
    }

    fn execute_upload(
        &self,
        request: HttpRequest,
        body: UploadBody,
        content_length: u64,
    ) -> whatsapp_rust::anyhow::Result<HttpResponse> {
        self.client()?.execute_upload(request, body, content_length)
    }
}
