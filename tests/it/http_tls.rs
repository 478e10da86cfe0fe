//! The API over HTTPS, and plain HTTP kept off the network.

use std::sync::Arc;

use crate::common::{TempDataDir, stderr, walink};
use crate::serve::Serve;
use crate::sim_process::SimProcess;

#[test]
fn https_with_a_certificate_and_plain_http_only_on_loopback() {
    let sim = SimProcess::start();
    let dir = TempDataDir::new();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).expect("cert");
    let tmp = tempfile::tempdir().expect("tmp");
    let (cert, key) = (tmp.path().join("cert.pem"), tmp.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("cert");
    std::fs::write(&key, certified.key_pair.serialize_pem()).expect("key");

    // Beyond loopback, plain HTTP is refused with what to do instead.
    let out = walink(
        &dir.path,
        &["--server", &sim.ws, "serve", "--http", "0.0.0.0:0"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("give --tls-cert and --tls-key"),
        "{}",
        stderr(&out)
    );
    let out = walink(
        &dir.path,
        &[
            "--server",
            &sim.ws,
            "serve",
            "--http",
            "127.0.0.1:0",
            "--tls-cert",
            key.to_str().expect("path"),
            "--tls-key",
            key.to_str().expect("path"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "a key is not a certificate");
    assert!(stderr(&out).contains("--tls-cert"), "{}", stderr(&out));

    let serve = Serve::start_with(
        &dir.path,
        &sim,
        &[
            "--http",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().expect("path"),
            "--tls-key",
            key.to_str().expect("path"),
        ],
    );
    let base = serve.http();
    assert!(base.starts_with("https://"), "{base}");
    let root = ureq::tls::Certificate::from_der(certified.cert.der()).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![root])))
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder().tls_config(tls).build().into();
    let mut resp = agent
        .get(format!("{base}/health"))
        .call()
        .expect("https answers");
    assert_eq!(
        resp.body_mut().read_to_string().expect("body"),
        r#"{"status":"ok"}"#
    );
    // The same port does not speak plain HTTP.
    let plain = base.replace("https://", "http://");
    assert!(ureq::get(format!("{plain}/health")).call().is_err());
}
