//! The invitation page in a real headless Chromium against `walink serve`
//! and `walink sim`: the company links its own phone by code and by QR.

use std::time::Duration;

use serde_json::json;

use crate::browser::Browser;
use crate::common::{stdout, walink};
use crate::http::{setup, token};
use crate::invite::{expire, invite};
use crate::wa::PHONE;

const SOON: Duration = Duration::from_secs(30);

fn state(data: &std::path::Path, slug: &str) -> String {
    let out = walink(data, &["company", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    list.as_array()
        .into_iter()
        .flatten()
        .find(|c| c["slug"] == slug)
        .and_then(|c| c["state"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The one QR in a screenshot, decoded.
fn qr_in(png_bytes: &[u8]) -> String {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        let p = &buf[(y * w + x) * channels..];
        if channels >= 3 {
            ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000) as u8
        } else {
            p[0]
        }
    });
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR on the page");
    grids[0].decode().expect("the QR decodes").1
}

#[test]
fn a_company_links_by_code_from_its_invitation() {
    let (sim, dir, _serve, http) = setup();
    let url = invite(&dir.path, &["acme"]);
    let b = Browser::start();
    b.goto(&url);
    assert!(b.text(".company").contains("acme"), "{}", b.text("main"));
    assert_eq!(b.text("#go"), "Get a code");

    // A bad number: the dashboard's own sentence, nothing asked of WhatsApp.
    b.type_into("#phone", "12345");
    b.click("#go");
    let said = b.wait(
        SOON,
        "the bad number's sentence",
        "return document.querySelector('#error:not([hidden])')?.innerText",
    );
    let want = walink::domain::Phone::parse("12345", None)
        .expect_err("bad")
        .page_sentence(walink::domain::Lang::En);
    assert_eq!(said, json!(want));

    b.type_into("#phone", "+7 900 123 45 67");
    b.click("#go");
    let code = b.wait(
        SOON,
        "the code",
        "return document.querySelector('#code:not([hidden]) #code-text')?.textContent",
    );
    let code = code.as_str().expect("text").to_owned();
    assert_eq!(code.len(), 9, "{code}");
    assert!(
        b.text("#code-left").ends_with("s left"),
        "{}",
        b.text("#code-left")
    );
    assert!(
        b.text("#code .steps")
            .contains("Link with phone number instead")
    );

    // The phone types what the page shows.
    let typed = format!(r#"{{"phone":"{PHONE}","code":"{code}"}}"#);
    assert_eq!(sim.call("POST", "/phone/code", &typed).0, 200);
    let done = b.wait(SOON, "connected", "const d = document.querySelector('#done'); return d.dataset.state === 'connected' && d.innerText");
    assert_eq!(
        done,
        json!("Linked: +7900•••4567 is connected. You can close this page.")
    );
    assert_eq!(state(&dir.path, "acme"), "connected");

    // Used up by its link: a reload says so, not that the link is invalid.
    b.goto(&url);
    assert_eq!(
        b.text("#done"),
        "This number is linked; you can close this page."
    );
    assert!(!b.visible("#invalid"));
    let t = token(&dir.path, &["--scope", "read"]);
    let log = http
        .call("GET", "/api/v1/sessions/acme/events", Some(&t), None)
        .body
        .to_string();
    for line in [
        "invitation #1 opened from 127.0.0.1",
        "code requested through invitation #1",
        "invitation #1 used",
    ] {
        assert!(log.contains(line), "{line}: {log}");
    }
}

/// A Russian company types its number the Russian way and reads every
/// sentence in Russian, the refusal of a landline among them.
#[test]
fn a_russian_company_links_a_national_number_in_russian() {
    let (sim, dir, _serve, _http) = setup();
    let url = invite(&dir.path, &["acme"]);
    let b = Browser::start();
    b.goto(&format!("{url}?lang=ru"));
    assert_eq!(b.text("#go"), "Получить код");
    b.type_into("#phone", "8 (495) 123-45-67");
    b.click("#go");
    let said = b.wait(
        SOON,
        "the landline's sentence",
        "return document.querySelector('#error:not([hidden])')?.innerText",
    );
    assert_eq!(
        said,
        json!("Это стационарный номер; для WhatsApp нужен мобильный.")
    );

    // The wrong number first, then the right one, both without +7.
    let code_shown = "return document.querySelector('#code:not([hidden]) #code-text')?.textContent";
    b.type_into("#phone", "8 (912) 345-67-89");
    b.click("#go");
    b.wait(SOON, "the first code", code_shown);
    assert_eq!(b.text("#code-for"), "Код для номера +7 912 345-67-89.");
    b.click("#wrong-number");
    assert!(
        b.visible("#phone") && !b.visible("#code"),
        "{}",
        b.text("main")
    );
    assert_eq!(
        b.js("return document.activeElement.id", vec![]),
        json!("phone")
    );
    b.type_into("#phone", "8 (900) 123-45-67");
    b.click("#go");
    b.wait(
        SOON,
        "the second code",
        "return document.querySelector('#code-for').innerText.includes('900')",
    );
    assert_eq!(b.text("#code-for"), "Код для номера +7 900 123-45-67.");
    let code = b.wait(SOON, "the code", code_shown);
    assert!(
        b.text("#code-left").starts_with("осталось"),
        "{}",
        b.text("#code-left")
    );

    let typed = format!(
        r#"{{"phone":"{PHONE}","code":"{}"}}"#,
        code.as_str().expect("text")
    );
    assert_eq!(sim.call("POST", "/phone/code", &typed).0, 200);
    let done = b.wait(SOON, "connected", "const d = document.querySelector('#done'); return d.dataset.state === 'connected' && d.innerText");
    assert_eq!(
        done,
        json!("Готово: +7900•••4567 подключён. Страницу можно закрыть.")
    );
    // A reload keeps the address, and so the language.
    b.goto(&format!("{url}?lang=ru"));
    assert_eq!(b.text("#done"), "Номер привязан; страницу можно закрыть.");
}

#[test]
fn a_company_links_by_qr_and_the_page_follows_new_refs() {
    let (sim, dir, _serve, _http) = setup();
    let url = invite(&dir.path, &["beta", "--method", "qr"]);
    let b = Browser::start();
    b.goto(&format!("{url}?lang=ru"));
    assert_eq!(b.text("#go"), "Показать QR-код");
    assert!(!b.visible("#phone"), "a QR invitation asks no number");
    b.click("#go");
    b.wait(
        SOON,
        "the QR",
        "return document.querySelector('#qr:not([hidden]) svg') !== null",
    );
    let first = qr_in(&b.screenshot());
    assert!(
        first.split(',').count() >= 4,
        "a WhatsApp QR payload: {first}"
    );

    // whatsapp-rust shows the next ref after 60 s: the page replaces it.
    b.wait(
        Duration::from_secs(90),
        "the next QR",
        "return document.querySelector('#qr-img').dataset.shown === '2'",
    );
    let second = qr_in(&b.screenshot());
    assert_ne!(first, second, "the page kept the old QR");

    let (status, body) = sim.call("POST", "/phone/scan", &second);
    assert_eq!(status, 200, "{body}");
    let done = b.wait(SOON, "connected", "const d = document.querySelector('#done'); return d.dataset.state === 'connected' && d.innerText");
    assert!(
        done.as_str()
            .expect("text")
            .starts_with("Готово: +7900•••4567"),
        "{done}"
    );
    assert_eq!(state(&dir.path, "beta"), "connected");
}

#[test]
fn the_page_fits_a_phone_and_asks_nothing_of_other_hosts() {
    let (_sim, dir, _serve, _http) = setup();
    let url = invite(&dir.path, &["acme"]);
    let revoked = invite(&dir.path, &["beta"]);
    let expired = invite(&dir.path, &["beta"]);
    let b = Browser::start_with(Some(320));
    b.goto(&url);
    assert_eq!(b.js("return window.innerWidth", vec![]), json!(320));
    let fits = "return document.documentElement.scrollWidth <= window.innerWidth";
    assert_eq!(b.js(fits, vec![]), json!(true), "the form scrolls sideways");
    let lines = "return document.querySelector('.hint .number').getClientRects().length";
    assert_eq!(b.js(lines, vec![]), json!(1), "the example number wraps");
    b.type_into("#phone", "+7 900 123 45 67");
    b.click("#go");
    b.wait(
        SOON,
        "the code",
        "return document.querySelector('#code:not([hidden]) #code-text')?.textContent",
    );
    assert_eq!(b.js(fits, vec![]), json!(true), "the code scrolls sideways");

    let asked = b.requests();
    assert!(asked.len() >= 4, "page, script, style, start: {asked:?}");
    for u in &asked {
        assert!(
            u.starts_with("http://127.0.0.1:"),
            "a request left loopback: {u}"
        );
    }

    assert!(
        walink(&dir.path, &["invite", "revoke", "2"])
            .status
            .success()
    );
    expire(&dir.path, 3);
    for gone in [&revoked, &expired] {
        b.goto(gone);
        assert_eq!(
            b.text("#invalid"),
            "This link is no longer valid — ask your administrator for a new one."
        );
        assert_eq!(b.js(fits, vec![]), json!(true));
    }
}
