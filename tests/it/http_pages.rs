//! `GET /api/v1/sessions?limit=&after=`: pages in slug order, each row once,
//! while companies are added and removed between pages; a company token
//! pages through its own company only.

use crate::common::walink;
use crate::http::{setup, token};

/// Every slug, page by page (`limit` each), following the `Link` header;
/// `between` runs after each page.
fn page_through(
    http: &crate::http::Http,
    t: &str,
    limit: usize,
    mut between: impl FnMut(usize),
) -> Vec<String> {
    let mut seen = Vec::new();
    let mut path = format!("/api/v1/sessions?limit={limit}");
    for page in 0.. {
        let a = http.call("GET", &path, Some(t), None);
        assert_eq!(a.status, 200, "{}", a.body);
        let rows = a.body.as_array().expect("array");
        assert!(rows.len() <= limit, "{}", a.body);
        seen.extend(
            rows.iter()
                .map(|r| r["slug"].as_str().expect("slug").to_owned()),
        );
        between(page);
        let Some(link) = a.link else { break };
        let next = link
            .strip_prefix('<')
            .and_then(|l| l.split_once('>'))
            .map(|(url, rest)| {
                assert!(rest.contains(r#"rel="next""#), "{link}");
                url.to_owned()
            })
            .expect("a next link");
        path = next;
    }
    seen
}

#[test]
fn pages_hold_every_company_once_in_order_while_companies_come_and_go() {
    let (_sim, dir, _serve, http) = setup();
    for slug in ["c1", "c2", "c3", "c4", "c5", "c6", "c7"] {
        assert!(
            walink(&dir.path, &["company", "add", slug])
                .status
                .success()
        );
    }
    let t = token(&dir.path, &["--scope", "read"]);
    let all = page_through(&http, &t, 1000, |_| {});
    assert_eq!(
        all,
        ["acme", "beta", "c1", "c2", "c3", "c4", "c5", "c6", "c7"]
    );

    // After the first page: one company removed behind it, one ahead of
    // it, and one added ahead of it.
    let seen = page_through(&http, &t, 3, |page| {
        if page == 0 {
            for args in [
                &["company", "rm", "acme", "--yes"][..],
                &["company", "rm", "c5", "--yes"],
                &["company", "add", "c8"],
            ] {
                let out = walink(&dir.path, args);
                assert!(out.status.success(), "{}", crate::common::stderr(&out));
            }
        }
    });
    assert_eq!(
        seen,
        ["acme", "beta", "c1", "c2", "c3", "c4", "c6", "c7", "c8"]
    );

    let bad = http.call("GET", "/api/v1/sessions?limit=0", Some(&t), None);
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(bad.body["error"]["code"], "bad_limit", "{}", bad.body);

    let own = token(&dir.path, &["--scope", "read", "--company", "c3"]);
    assert_eq!(page_through(&http, &own, 1, |_| {}), ["c3"]);
}
