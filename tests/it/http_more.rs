//! The HTTP API beyond sessions: the QR as an image, companies, the
//! event log, metrics.

use std::time::{Duration, Instant};

use crate::http::{setup, token};

fn decode_png(bytes: &[u8]) -> String {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR in the image");
    grids[0].decode().expect("decodes").1
}

#[test]
fn the_qr_as_png_decodes_to_what_the_phone_then_scans() {
    let (sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "link"]);
    let none = http.bytes("/api/v1/sessions/acme/qr", &t);
    assert_eq!(none.0, 404);
    let a = http.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(&t),
        Some(r#"{"method":"qr"}"#),
    );
    assert_eq!(a.status, 200, "{}", a.body);

    let (status, kind, png) = http.bytes("/api/v1/sessions/acme/qr", &t);
    assert_eq!((status, kind.as_str()), (200, "image/png"));
    let payload = decode_png(&png);
    let raw = http.call("GET", "/api/v1/sessions/acme/qr?format=raw", Some(&t), None);
    assert_eq!(raw.body["value"], payload.as_str());
    let (status, kind, svg) = http.bytes("/api/v1/sessions/acme/qr?format=svg", &t);
    assert_eq!((status, kind.as_str()), (200, "image/svg+xml"));
    assert!(String::from_utf8_lossy(&svg).contains("<svg"));

    assert_eq!(sim.call("POST", "/phone/scan", &payload).0, 200);
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let s = http.call("GET", "/api/v1/sessions/acme", Some(&t), None);
        if s.body["state"] == "connected" {
            break;
        }
        assert!(Instant::now() < deadline, "never connected: {}", s.body);
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn companies_the_event_log_and_metrics() {
    let (_sim, dir, _serve, http) = setup();
    let admin = token(&dir.path, &["--scope", "admin"]);
    let bound = token(&dir.path, &["--scope", "admin", "--company", "acme"]);
    let reader = token(&dir.path, &["--scope", "read"]);

    let a = http.call(
        "POST",
        "/api/v1/companies",
        Some(&admin),
        Some(r#"{"slug":"gamma","name":"Gamma"}"#),
    );
    assert_eq!(a.status, 201, "{}", a.body);
    let again = http.call(
        "POST",
        "/api/v1/companies",
        Some(&admin),
        Some(r#"{"slug":"gamma"}"#),
    );
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(
        again.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("gamma"))
    );
    let bad = http.call(
        "POST",
        "/api/v1/companies",
        Some(&admin),
        Some(r#"{"slug":"Not A Slug"}"#),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    let fenced = http.call(
        "POST",
        "/api/v1/companies",
        Some(&bound),
        Some(r#"{"slug":"delta"}"#),
    );
    assert_eq!(fenced.status, 403, "{}", fenced.body);
    let listed = http.call("GET", "/api/v1/companies", Some(&admin), None);
    let slugs: Vec<&str> = listed
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["slug"].as_str())
        .collect();
    assert_eq!(slugs, ["acme", "beta", "gamma"]);
    let gone = http.call("DELETE", "/api/v1/companies/gamma", Some(&admin), None);
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(
        http.call("GET", "/api/v1/sessions/gamma", Some(&admin), None)
            .status,
        404
    );
    assert_eq!(
        http.call("DELETE", "/api/v1/companies/beta", Some(&bound), None)
            .status,
        404
    );

    // The event log pages back by id.
    let first = http.call(
        "GET",
        "/api/v1/sessions/acme/events?limit=1",
        Some(&reader),
        None,
    );
    let entries = first.body.as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{}", first.body);
    assert_eq!(entries[0]["kind"], "company_added");
    let id = entries[0]["id"].as_i64().expect("id");
    let older = http.call(
        "GET",
        &format!("/api/v1/sessions/acme/events?before={id}"),
        Some(&reader),
        None,
    );
    assert!(
        older
            .body
            .as_array()
            .expect("entries")
            .iter()
            .all(|e| e["id"].as_i64() < Some(id))
    );

    let (status, kind, text) = http.bytes("/metrics", &reader);
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/plain"), "{kind}");
    let text = String::from_utf8_lossy(&text);
    assert!(
        text.contains("walink_sessions{state=\"not_linked\"} 2"),
        "{text}"
    );
    assert!(text.contains("walink_guard_refusals_total 0"), "{text}");
    assert_eq!(http.bytes("/metrics", &bound).0, 403);

    // Webhooks: made (its secret shown once), listed, removed.
    let hook = http.call(
        "POST",
        "/api/v1/webhooks",
        Some(&admin),
        Some(r#"{"url":"http://127.0.0.1:9/hook","events":["company.added"]}"#),
    );
    assert_eq!(hook.status, 201, "{}", hook.body);
    assert!(hook.body["secret"].as_str().is_some_and(|s| s.len() > 20));
    let bad = http.call(
        "POST",
        "/api/v1/webhooks",
        Some(&admin),
        Some(r#"{"url":"http://x/","events":["nope"]}"#),
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(
        http.call("GET", "/api/v1/webhooks", Some(&bound), None)
            .status,
        403
    );
    let listed = http.call("GET", "/api/v1/webhooks", Some(&admin), None);
    assert_eq!(listed.body[0]["events"][0], "company.added");
    assert!(listed.body[0].get("secret").is_none(), "{}", listed.body);
    // Nobody listens at its address: the delivery waits, and says so.
    let zeta = http.call(
        "POST",
        "/api/v1/companies",
        Some(&admin),
        Some(r#"{"slug":"zeta"}"#),
    );
    assert_eq!(zeta.status, 201);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let text = String::from_utf8_lossy(&http.bytes("/metrics", &reader).2).into_owned();
        if text.contains("walink_webhook_deliveries{outcome=\"pending\"} 1") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{text}");
        std::thread::sleep(Duration::from_millis(100));
    }
    let id = hook.body["id"].as_i64().expect("id");
    assert_eq!(
        http.call(
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            Some(&admin),
            None
        )
        .status,
        200
    );
    assert_eq!(
        http.call(
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            Some(&admin),
            None
        )
        .status,
        404
    );
}

#[test]
fn the_openapi_document_lists_every_route_and_every_listed_route_answers() {
    let (_sim, dir, _serve, http) = setup();
    let admin = token(&dir.path, &["--scope", "admin"]);
    let doc = http.call("GET", "/api/openapi.json", None, None);
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let paths = doc.body["paths"].as_object().expect("paths");
    for path in [
        "/health",
        "/metrics",
        "/api/v1/sessions",
        "/api/v1/sessions/{slug}",
        "/api/v1/sessions/{slug}/link",
        "/api/v1/sessions/{slug}/reconnect",
        "/api/v1/sessions/{slug}/logout",
        "/api/v1/sessions/{slug}/qr",
        "/api/v1/sessions/{slug}/events",
        "/api/v1/events",
        "/api/v1/companies",
        "/api/v1/companies/{slug}",
        "/api/whatsapp/sessions/{company_id}/pairing-code",
        "/api/v1/webhooks",
        "/api/v1/webhooks/{id}",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
    }
    // Each documented operation is served (a company that does not exist
    // gets its own 404, never the unknown-route one).
    let unknown = http.call("GET", "/api/nothing-here", Some(&admin), None);
    for (path, ops) in paths {
        for method in ops.as_object().expect("operations").keys() {
            if path == "/api/v1/events" {
                continue; // a stream that never ends; tested on its own
            }
            let url = path
                .replace("{slug}", "nobody")
                .replace("{company_id}", "nobody");
            let a = http.call(&method.to_uppercase(), &url, Some(&admin), Some("{}"));
            assert_ne!(
                a.body, unknown.body,
                "{method} {path} is documented but not served"
            );
            assert_ne!(a.status, 405, "{method} {path}");
        }
    }
}
