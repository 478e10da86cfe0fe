//! A TCP stream to WhatsApp, direct or through the company's proxy, and
//! what went wrong in words: the socket, the reachability probe and the
//! tests all dial here, so no path goes around the proxy.

use std::time::Duration;

use tokio::net::TcpStream;

use crate::domain::{ProxyUrl, ProxyWhy, proxy::ProxyKind};

/// Each step (reaching the proxy, its handshake) is bounded by this.
pub const DIAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no stream came up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialError {
    /// The proxy failed: `proxy` is its `host:port` (no password); `raw`
    /// is the cause as the library gave it.
    Proxy {
        proxy: String,
        why: ProxyWhy,
        raw: String,
    },
    /// No proxy: the cause in words.
    Direct(String),
}

impl std::fmt::Display for DialError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Proxy { proxy, why, raw } => {
                write!(f, "through the proxy {proxy}: {} ({raw})", why_words(*why))
            }
            Self::Direct(raw) => f.write_str(raw),
        }
    }
}

impl std::error::Error for DialError {}

fn why_words(why: ProxyWhy) -> &'static str {
    match why {
        ProxyWhy::Refused => "the proxy refused the connection",
        ProxyWhy::Silent => "the proxy did not answer",
        ProxyWhy::AuthRequired => "the proxy asks for a user name and password",
        ProxyWhy::AuthRefused => "the proxy refused the user name or password",
        ProxyWhy::TargetUnreachable => "the proxy could not reach the server",
    }
}

/// A stream to `host:port`, through `proxy` when there is one.
pub async fn tcp(proxy: Option<&ProxyUrl>, host: &str, port: u16) -> Result<TcpStream, DialError> {
    let Some(proxy) = proxy else {
        return bounded(TcpStream::connect((host, port)))
            .await
            .map_err(|e| DialError::Direct(format!("connecting to {host}:{port}: {e}")));
    };
    let fail = |why, raw: String| DialError::Proxy {
        proxy: proxy.host_port(),
        why,
        raw,
    };
    let mut stream = match bounded(TcpStream::connect((proxy.host.as_str(), proxy.port))).await {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return Err(fail(ProxyWhy::Refused, e.to_string()));
        }
        Err(e) => return Err(fail(ProxyWhy::Silent, e.to_string())),
    };
    let _ = stream.set_nodelay(true);
    let shake = async {
        match proxy.kind {
            ProxyKind::Socks5 | ProxyKind::Socks5h => socks(proxy, stream, host, port).await,
            ProxyKind::Http => http_connect(proxy, &mut stream, host, port)
                .await
                .map(|()| stream),
        }
    };
    match tokio::time::timeout(DIAL_TIMEOUT, shake).await {
        Ok(Ok(s)) => Ok(s),
        Ok(Err((why, raw))) => Err(fail(why, raw)),
        Err(_) => Err(fail(
            ProxyWhy::Silent,
            format!("no answer to the handshake within {DIAL_TIMEOUT:?}"),
        )),
    }
}

async fn bounded(
    connect: impl Future<Output = std::io::Result<TcpStream>>,
) -> std::io::Result<TcpStream> {
    match tokio::time::timeout(DIAL_TIMEOUT, connect).await {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            format!("no answer within {DIAL_TIMEOUT:?}"),
        )),
    }
}

type Failed = (ProxyWhy, String);

async fn socks(
    proxy: &ProxyUrl,
    stream: TcpStream,
    host: &str,
    port: u16,
) -> Result<TcpStream, Failed> {
    use tokio_socks::{Error as E, TargetAddr, tcp::Socks5Stream};
    // socks5: the name is resolved here; socks5h: by the proxy.
    let target: TargetAddr<'_> = match proxy.kind {
        ProxyKind::Socks5 => {
            let addr = tokio::net::lookup_host((host, port))
                .await
                .ok()
                .and_then(|mut a| a.next())
                .ok_or_else(|| {
                    (
                        ProxyWhy::TargetUnreachable,
                        format!(
                            "{host} does not resolve here (socks5h:// lets the proxy resolve it)"
                        ),
                    )
                })?;
            TargetAddr::Ip(addr)
        }
        _ => TargetAddr::Domain(host.into(), port),
    };
    let done = match (&proxy.user, proxy.password()) {
        (Some(user), pass) => {
            Socks5Stream::connect_with_password_and_socket(
                stream,
                target,
                user,
                pass.unwrap_or_default(),
            )
            .await
        }
        (None, _) => Socks5Stream::connect_with_socket(stream, target).await,
    };
    done.map(Socks5Stream::into_inner).map_err(|e| {
        let why = match &e {
            E::NoAcceptableAuthMethods => {
                if proxy.user.is_some() {
                    ProxyWhy::AuthRefused
                } else {
                    ProxyWhy::AuthRequired
                }
            }
            E::PasswordAuthFailure(_) => ProxyWhy::AuthRefused,
            E::Io(io) if io.kind() == std::io::ErrorKind::ConnectionReset => ProxyWhy::Refused,
            E::Io(_) => ProxyWhy::Silent,
            _ => ProxyWhy::TargetUnreachable,
        };
        (why, e.to_string())
    })
}

async fn http_connect(
    proxy: &ProxyUrl,
    stream: &mut TcpStream,
    host: &str,
    port: u16,
) -> Result<(), Failed> {
    use async_http_proxy::{HttpError, http_connect_tokio, http_connect_tokio_with_basic_auth};
    let done = match &proxy.user {
        Some(user) => {
            http_connect_tokio_with_basic_auth(
                stream,
                host,
                port,
                user,
                proxy.password().unwrap_or_default(),
            )
            .await
        }
        None => http_connect_tokio(stream, host, port).await,
    };
    done.map_err(|e| {
        let why = match &e {
            // tinyproxy answers a wrong password with 401, others with 407.
            HttpError::HttpCode200(401 | 407) if proxy.user.is_some() => ProxyWhy::AuthRefused,
            HttpError::HttpCode200(401 | 407) => ProxyWhy::AuthRequired,
            HttpError::IoError(_) | HttpError::EndOfFile => ProxyWhy::Silent,
            _ => ProxyWhy::TargetUnreachable,
        };
        (why, e.to_string())
    })
}
