//! The OpenAPI document held against the live API by a schema-driven
//! fuzzer (schemathesis, from PyPI; `.ci/run` installs it): no 5xx, no
//! status the document does not name, no body that does not match it.

use std::process::Command;

use crate::http::{setup, token};

#[test]
fn a_fuzzer_driven_by_the_openapi_document_finds_no_undocumented_answer() {
    let found = Command::new("schemathesis").arg("--version").output();
    assert!(
        found.is_ok_and(|o| o.status.success()),
        "install schemathesis (pip install schemathesis; script/test does)"
    );
    let (_sim, dir, _serve, http) = setup();
    let admin = token(&dir.path, &["--scope", "admin"]);
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let out = Command::new("schemathesis")
        .args(["run", &format!("{}/api/openapi.json", http.base)])
        .args(["--url", &http.base])
        .args(["-H", &format!("Authorization: Bearer {admin}")])
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth",
        ])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", "20", "--request-timeout", "45"])
        // An endless stream: nothing for a fuzzer to wait out.
        .args(["--exclude-path", "/api/v1/events"])
        .args(["--generation-deterministic", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", "")
        // Its cache and example database stay out of the checkout.
        .current_dir(scratch.path())
        .output()
        .expect("schemathesis runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "schemathesis found problems:\n{text}");
    eprintln!("{text}");
}
