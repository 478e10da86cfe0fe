//! tracing to `<data>/walink.YYYY-MM-DD.log`, never to the terminal: the
//! dashboard owns the screen and headless output is for scripts.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Keep the returned guard alive: dropping it flushes the log.
pub fn init(dir: &Path, level: Option<&str>) -> Option<WorkerGuard> {
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
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
