//! The binary a plain `cargo build` makes (no `sandbox` feature) keeps
//! WhatsApp's certificate check: pointed at the simulator, whose chain
//! WhatsApp never signed, it refuses and says why, at once.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use walink::engine::server::SANDBOX_WA_VERSION;

use crate::common::TempDataDir;
use crate::wa::sim;

/// The default-feature binary: the one `script/test` built just before the
/// tests (`WALINK_PLAIN_BIN`), or else built here in a target directory of
/// its own, so the sandbox binary the other tests run is left alone.
fn plain_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| match std::env::var_os("WALINK_PLAIN_BIN") {
            Some(path) => PathBuf::from(path),
            None => build_plain(),
        })
        .clone()
}

fn build_plain() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let target = root.join("target").join("plain");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--quiet", "--bin", "walink", "--target-dir"])
        .arg(&target)
        .status()
        .expect("run cargo build");
    assert!(status.success(), "the plain build failed");
    target.join("debug").join("walink")
}

fn run(bin: &PathBuf, data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(bin)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("WALINK_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .expect("run the plain walink")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_default_build_refuses_an_unverified_server() {
    let bin = tokio::task::spawn_blocking(plain_binary)
        .await
        .expect("build");
    let sim = sim().await;
    let dir = TempDataDir::new();
    let add = run(
        &bin,
        &dir.path,
        &["company", "add", "acme", "--name", "Acme"],
    );
    assert!(add.status.success());
    let (major, minor, patch) = SANDBOX_WA_VERSION;
    let version = format!("{major}.{minor}.{patch}");
    let url = sim.url();
    let data = dir.path.clone();
    let out = tokio::task::spawn_blocking(move || {
        run(
            &bin,
            &data,
            &[
                "pair",
                "acme",
                "--qr",
                "--server",
                &url,
                "--wa-version",
                &version,
            ],
        )
    })
    .await
    .expect("pair");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("WhatsApp's server could not be verified"),
        "{stderr}"
    );
    assert!(
        !stdout.contains('█'),
        "no QR from an unverified server: {stdout}"
    );
    assert!(
        sim.registered_devices().is_empty(),
        "nothing was linked through it"
    );
}

#[test]
fn a_default_build_says_how_to_get_the_sandbox() {
    let bin = plain_binary();
    let dir = TempDataDir::new();
    for command in ["sandbox", "sim"] {
        let out = run(&bin, &dir.path, &[command]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{command}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "cargo run --release --features sandbox -- {command}"
            )),
            "{command}: {stderr}"
        );
    }
}
