//! tracing to `<data>/walink.YYYY-MM-DD.log`, never to the terminal: the
//! dashboard owns the screen and headless output is for scripts.

use std::path::Path;

use tracing::Metadata;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_log::NormalizeEvent;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::fmt::writer::{BoxMakeWriter, MakeWriterExt};
use tracing_subscriber::layer::{Context, Filter, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

/// whatsapp-rust log targets whose lines carry pairing codes, whole phone
/// numbers or full stanzas (QR refs, JIDs), whatever their level.
const SECRET_TARGETS: &[&str] = &[
    "Bot/PairCode",
    "Client/PairCode",
    "Client/Send",
    "Client/Recv",
    "Client/AccountSync",
    "whatsapp_rust::pair",
    "whatsapp_rust::history_sync",
];

pub fn is_secret_target(target: &str) -> bool {
    SECRET_TARGETS
        .iter()
        .any(|t| target == *t || target.starts_with(&format!("{t}::")))
}

/// Drops events of the secret targets, including those bridged from the
/// `log` crate (whose real target is only known once normalised).
struct NoSecrets;

impl<S: tracing::Subscriber> Filter<S> for NoSecrets {
    fn enabled(&self, meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        !is_secret_target(meta.target())
    }

    fn event_enabled(&self, event: &tracing::Event<'_>, _cx: &Context<'_, S>) -> bool {
        let target = match event.normalized_metadata() {
            Some(meta) => meta.target().to_owned(),
            None => event.metadata().target().to_owned(),
        };
        !is_secret_target(&target)
    }
}

/// Keep the returned guard alive: dropping it flushes the log.
/// `secrets`: the admin asked for codes and numbers in the log
/// (`--log-secrets`, for debugging a link with WhatsApp's lines intact).
pub fn init(dir: &Path, level: Option<&str>, secrets: bool, stderr: bool) -> Option<WorkerGuard> {
    let filter = level
        .map(str::to_owned)
        .or_else(|| std::env::var("WALINK_LOG").ok())
        .unwrap_or_else(|| "info".into());
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("walink")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let writer = if stderr {
        BoxMakeWriter::new(writer.and(std::io::stderr))
    } else {
        BoxMakeWriter::new(writer)
    };
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let file = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    let registry =
        tracing_subscriber::registry().with(crate::engine::reach::ConnectFailures::layer());
    let done = if secrets {
        registry.with(file.with_filter(filter)).try_init()
    } else {
        registry
            .with(file.with_filter(filter).with_filter(NoSecrets))
            .try_init()
    };
    done.ok()?;
    Some(guard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_targets() {
        for (target, secret) in [
            ("Bot/PairCode", true),
            ("Client/PairCode", true),
            ("whatsapp_rust::pair", true),
            ("whatsapp_rust::pair_code", false),
            ("whatsapp_rust::client::lifecycle", false),
            ("walink::engine", false),
        ] {
            assert_eq!(is_secret_target(target), secret, "{target}");
        }
    }
}
