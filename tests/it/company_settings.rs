//! A company's own country: a number its admin or its invitee types the
//! national way is read in that country, and only for that company.

use crate::common::{stdout, walink};
use crate::http::{setup, token};

#[test]
fn a_company_s_country_reads_its_national_numbers() {
    let (_sim, dir, _serve, http) = setup();
    let t = token(&dir.path, &["--scope", "admin"]);
    let set = http.call(
        "PATCH",
        "/api/v1/companies/acme",
        Some(&t),
        Some(r#"{"country":"ru"}"#),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(set.body["country"], "RU");
    let national = r#"{"method":"code","phone":"8 900 123-45-67"}"#;
    let acme = http.call(
        "POST",
        "/api/v1/sessions/acme/link",
        Some(&t),
        Some(national),
    );
    assert_eq!(acme.status, 200, "{}", acme.body);
    assert!(acme.body["code"].is_string(), "{}", acme.body);
    // beta has no country: the same digits need their +.
    let beta = http.call(
        "POST",
        "/api/v1/sessions/beta/link",
        Some(&t),
        Some(national),
    );
    assert_eq!(beta.status, 422, "{}", beta.body);
    assert_eq!(beta.body["error"]["code"], "bad_phone");
    let shown = walink(&dir.path, &["company", "show", "acme"]);
    assert!(
        stdout(&shown).contains("country        RU"),
        "{}",
        stdout(&shown)
    );
    // Back to serve's: the national number is refused again.
    let reset = http.call(
        "PATCH",
        "/api/v1/companies/acme",
        Some(&t),
        Some(r#"{"country":"default"}"#),
    );
    assert!(reset.body["country"].is_null(), "{}", reset.body);
}
