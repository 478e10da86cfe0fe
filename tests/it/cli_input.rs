//! `pair` refuses bad input before anything starts, with exit 2 and a
//! sentence; numbers in the national format take the default country.

use crate::cli_pair::company;
use crate::common::{TempDataDir, stderr, walink};

#[test]
fn bad_input_is_refused_before_anything_starts() {
    let dir = TempDataDir::new();
    company(&dir);
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "pair",
                "acme",
                "--phone",
                "+7 900",
                "--server",
                "ws://127.0.0.1:9/ws/chat",
            ],
            "this is not a valid number for Russia",
        ),
        (
            &[
                "pair",
                "acme",
                "--phone",
                "0791 1123456",
                "--server",
                "ws://127.0.0.1:9/ws/chat",
            ],
            "add the country code, e.g. +7 900 123 45 67",
        ),
        (
            &[
                "pair",
                "acme",
                "--phone",
                "8 968 648-44-88",
                "--country",
                "XX",
                "--server",
                "ws://127.0.0.1:9/ws/chat",
            ],
            "--country: \"XX\" is not a country code",
        ),
        (
            &[
                "pair",
                "acme",
                "--qr",
                "--server",
                "wss://web.whatsapp.com/ws/chat",
            ],
            "this is a sandbox build",
        ),
        (
            &[
                "pair",
                "acme",
                "--qr",
                "--server",
                "ws://127.0.0.1:9/ws/chat",
                "--wa-version",
                "2.3",
            ],
            "--wa-version takes three numbers",
        ),
        (&["pair", "acme"], "--phone"),
    ];
    // The national way, with the country from the locale: accepted (it then
    // fails to reach the closed port, which is not a usage error).
    let out = crate::common::walink_env(
        &dir.path,
        &[
            "pair",
            "acme",
            "--phone",
            "8 968 648-44-88",
            "--server",
            "ws://127.0.0.1:9/ws/chat",
            "--wa-version",
            "2.3000.1",
        ],
        &[("LANG", "ru_RU.UTF-8")],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Cannot reach WhatsApp's servers"),
        "{}",
        stderr(&out)
    );
    for (args, want) in cases {
        let out = walink(&dir.path, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
}
