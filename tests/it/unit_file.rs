//! `assets/walink.service`, checked by systemd's own parser where it exists.

use std::process::Command;

const UNIT: &str = include_str!("../../assets/walink.service");

#[test]
fn the_unit_file_has_the_hardening_and_systemd_accepts_it() {
    for line in [
        "User=walink",
        "ExecStart=/usr/local/bin/walink --data-dir /var/lib/walink serve",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/walink",
        "NoNewPrivileges=yes",
        "Restart=on-failure",
    ] {
        assert!(UNIT.lines().any(|l| l == line), "the unit lacks {line}");
    }
    let limit: u64 = UNIT
        .lines()
        .find_map(|l| l.strip_prefix("LimitNOFILE="))
        .and_then(|v| v.parse().ok())
        .expect("LimitNOFILE=N");
    let fits = walink::fdlimit::FdLimit {
        soft: limit,
        hard: limit,
        was: limit,
    }
    .sessions();
    assert!(fits >= 100_000, "LimitNOFILE={limit} fits {fits} sessions");
    if Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped systemd-analyze verify: systemd-analyze is not installed here");
        return;
    }
    // verify insists the binary exists: point it at the one just built.
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("walink.service");
    let unit = UNIT.replace("/usr/local/bin/walink", env!("CARGO_BIN_EXE_walink"));
    std::fs::write(&path, unit).expect("write");
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // It only warns about a misspelt value: any line is a finding.
    assert!(err.trim().is_empty(), "systemd-analyze verify: {err}");
}
