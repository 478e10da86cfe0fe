//! tracing to `<data>/walink.YYYY-MM-DD.log`, never to the terminal: the
//! dashboard owns the screen and headless output is for scripts.

use std::path::Path;

use tracing::Metadata;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_log::NormalizeEvent;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::LevelFilter;
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
    // Signal sessions are named by their address: a number or LID per line.
    "wacore_libsignal",
    // Each statement's parameters at debug: keys, QR payloads, message text.
    "tokio_postgres::query",
];

pub fn is_secret_target(target: &str) -> bool {
    // No allocation: it runs for every line the level lets through.
    SECRET_TARGETS.iter().any(|t| {
        target
            .strip_prefix(t)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

/// Drops events of the secret targets, including those bridged from the
/// `log` crate (whose real target is only known once normalised).
struct NoSecrets {
    /// `--log-secrets`: let them through.
    off: bool,
    /// The level filter it is stacked on. Without a hint the subscriber's
    /// maximum level is TRACE, the `log` bridge then hands over every debug
    /// and trace line of whatsapp-rust (keepalives included) only for it
    /// to be dropped here: a tenth of the perf samples at rest.
    within: Option<LevelFilter>,
}

impl<S: tracing::Subscriber> Filter<S> for NoSecrets {
    fn enabled(&self, meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        self.off || !is_secret_target(meta.target())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        self.within
    }

    fn event_enabled(&self, event: &tracing::Event<'_>, _cx: &Context<'_, S>) -> bool {
        if self.off {
            return true;
        }
        let target = match event.normalized_metadata() {
            Some(meta) => meta.target().to_owned(),
            None => event.metadata().target().to_owned(),
        };
        !is_secret_target(&target)
    }
}

/// Where the log goes besides its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stderr {
    /// The dashboard: the terminal is the screen's.
    Never,
    /// `walink serve` on a terminal: only when the file cannot be written.
    IfNoFile,
    /// `walink serve` under systemd: stderr is journald.
    Also,
}

/// Keep the returned guard alive: dropping it flushes the log.
/// `secrets`: the admin asked for codes and numbers in the log
/// (`--log-secrets`, for debugging a link with WhatsApp's lines intact).
/// A log file that cannot be opened is said on stderr, never silently.
pub fn init(dir: &Path, level: Option<&str>, secrets: bool, stderr: Stderr) -> Option<WorkerGuard> {
    let filter = level
        .map(str::to_owned)
        .or_else(|| std::env::var("WALINK_LOG").ok())
        .unwrap_or_else(|| "info".into());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("walink")
        .filename_suffix("log")
        .max_log_files(7)
        .build(dir);
    let appender = match appender {
        Ok(a) => a,
        Err(e) => {
            let instead = if stderr == Stderr::Never {
                "nothing is logged until it is fixed"
            } else {
                "logging to stderr instead"
            };
            eprintln!(
                "walink: cannot write the log file in {}: {e}; {instead}. \
                 If another user made it (root running walink on this data directory), \
                 give it back: chown to this user the walink.*.log files there.",
                dir.display()
            );
            if stderr == Stderr::Never {
                return None;
            }
            let writer = BoxMakeWriter::new(std::io::stderr);
            subscriber(filter, secrets, writer).try_init().ok()?;
            return None;
        }
    };
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let writer = if stderr == Stderr::Also {
        BoxMakeWriter::new(writer.and(std::io::stderr))
    } else {
        BoxMakeWriter::new(writer)
    };
    subscriber(filter, secrets, writer).try_init().ok()?;
    Some(guard)
}

fn subscriber(
    filter: EnvFilter,
    secrets: bool,
    writer: BoxMakeWriter,
) -> impl tracing::Subscriber + Send + Sync {
    let file = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    let no_secrets = NoSecrets {
        off: secrets,
        within: filter.max_level_hint(),
    };
    tracing_subscriber::registry()
        .with(crate::engine::reach::ConnectFailures::layer())
        .with(file.with_filter(filter).with_filter(no_secrets))
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
            ("Client/PairCode::inner", true),
            ("Client/PairCodes", false),
            ("whatsapp_rust::pair_code", false),
            ("whatsapp_rust::client::lifecycle", false),
            ("walink::engine", false),
            ("tokio_postgres::query", true),
            ("tokio_postgres::connection", false),
        ] {
            assert_eq!(is_secret_target(target), secret, "{target}");
        }
    }

    /// The `log` bridge takes its maximum level from the subscriber's hint:
    /// at "info" the client's debug and trace lines must stop at the macro.
    #[test]
    fn the_subscriber_tells_its_level() {
        use tracing::Subscriber as _;
        for (level, secrets, hint) in [
            ("info", false, LevelFilter::INFO),
            ("info", true, LevelFilter::INFO),
            ("warn,walink=debug", false, LevelFilter::DEBUG),
        ] {
            let s = subscriber(
                EnvFilter::new(level),
                secrets,
                BoxMakeWriter::new(std::io::sink),
            );
            assert_eq!(s.max_level_hint(), Some(hint), "{level}");
        }
    }
}
