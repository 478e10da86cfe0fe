//! The page itself: server-written HTML (escaped), its script and style.
//! Nothing is fetched from anywhere but this server.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::text::{self, PageText};
use super::{Api, Lang};
use crate::domain::{InviteMethod, InviteStatus, Phone};
use crate::engine::Command;
use crate::store::Invitation;

const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// HTML-escape text and attribute values.
fn esc(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn shell(lang: Lang, t: &PageText, body_attrs: &str, main: &str) -> String {
    let strings = serde_json::to_string(text::script(lang)).unwrap_or_default();
    // `<` inside the JSON block would let "</script>" end it early.
    let strings = strings.replace('<', "\\u003c");
    format!(
        "<!doctype html>\n<html lang=\"{code}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title}</title>\n<link rel=\"stylesheet\" href=\"_/page.css\">\n</head>\n\
         <body{body_attrs}>\n<main>\n<header><h1>{title}</h1>\
         <a id=\"lang\" href=\"?lang={other}\" hreflang=\"{other}\">{switch}</a></header>\n{main}</main>\n\
         <script type=\"application/json\" id=\"strings\">{strings}</script>\n\
         <script src=\"_/page.js\"></script>\n</body>\n</html>\n",
        code = lang.code(),
        title = esc(t.title),
        other = lang.other().code(),
        switch = esc(t.switch_to),
    )
}

/// The one page every unusable token gets: unknown, expired, revoked and
/// used look the same.
pub fn invalid(lang: Lang) -> Response {
    let t = text::page(lang);
    let main = format!("<p id=\"invalid\" class=\"bad\">{}</p>\n", esc(t.invalid));
    (StatusCode::NOT_FOUND, Html(shell(lang, t, "", &main))).into_response()
}

/// A used invitation: its number was linked.
fn linked(lang: Lang) -> Response {
    let t = text::page(lang);
    let main = format!(
        "<p id=\"done\" class=\"ok\" role=\"status\">{}</p>\n",
        esc(t.used)
    );
    Html(shell(lang, t, "", &main)).into_response()
}

fn valid(lang: Lang, inv: &Invitation) -> String {
    let t = text::page(lang);
    let method = InviteMethod::parse(&inv.method).unwrap_or(InviteMethod::Any);
    let intro = esc(t.intro).replace("{company}", &esc(&inv.company_name));
    let phone = inv
        .phone
        .as_deref()
        .and_then(|d| Phone::parse(&format!("+{d}"), None).ok())
        .map(|p| p.formatted);
    let phone_field = if method == InviteMethod::Qr {
        String::new()
    } else {
        let (value, lock, hint) = match &phone {
            Some(p) => (
                format!(" value=\"{}\" readonly", esc(p)),
                " data-locked",
                esc(t.phone_locked),
            ),
            None => (
                String::new(),
                "",
                esc(t.phone_hint).replace(
                    "{example}",
                    "<span class=\"number\">+7 900 123 45 67</span>",
                ),
            ),
        };
        format!(
            "<div id=\"phone-row\">\n<label for=\"phone\">{label}</label>\n\
             <input id=\"phone\" name=\"phone\" type=\"tel\" inputmode=\"tel\" autocomplete=\"tel\"{value}{lock}>\n\
             <p class=\"hint\">{hint}</p>\n</div>\n",
            label = esc(t.phone_label),
        )
    };
    let methods = if method == InviteMethod::Any {
        format!(
            "<fieldset id=\"methods\"><legend>{}</legend>\n\
             <label><input type=\"radio\" name=\"method\" value=\"code\" checked> {}</label>\n\
             <label><input type=\"radio\" name=\"method\" value=\"qr\"> {}</label>\n</fieldset>\n",
            esc(t.method_label),
            esc(t.method_code),
            esc(t.method_qr)
        )
    } else {
        String::new()
    };
    let use_code = if method.allows("code") {
        format!(
            "<button id=\"use-code\" type=\"button\" class=\"link\">{}</button>\n",
            esc(t.use_code)
        )
    } else {
        String::new()
    };
    let main = format!(
        "<p class=\"company\">{intro}</p>\n\
         <form id=\"form\" novalidate>\n{phone_field}{methods}\
         <button id=\"go\" type=\"submit\"></button>\n</form>\n\
         <p id=\"error\" class=\"bad\" role=\"alert\" hidden></p>\n\
         <section id=\"code\" hidden>\n<p class=\"steps\">{code_steps}</p>\n\
         <p id=\"code-for\"></p>\n\
         <p class=\"code\"><output id=\"code-text\"></output></p>\n\
         <button id=\"copy\" type=\"button\">{copy}</button>\n\
         <p id=\"code-left\" class=\"left\"></p>\n\
         <button id=\"wrong-number\" type=\"button\" class=\"link\">{wrong}</button>\n</section>\n\
         <section id=\"qr\" hidden>\n<p class=\"steps\">{qr_steps}</p>\n\
         <div id=\"qr-img\"></div>\n<p id=\"qr-left\" class=\"left\"></p>\n{use_code}</section>\n\
         <p id=\"done\" class=\"ok\" role=\"status\" hidden></p>\n",
        code_steps = esc(t.code_steps),
        copy = esc(t.copy),
        wrong = esc(t.wrong_number),
        qr_steps = esc(t.qr_steps),
    );
    let attrs = format!(" data-method=\"{}\"", method.as_str());
    shell(lang, t, &attrs, &main)
}

pub async fn page(
    State(api): State<Api>,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    ext: axum::http::Extensions,
) -> Response {
    let lang = super::lang::pick(q.lang.as_deref(), &headers);
    let Some(inv) = api.invitation(&token).await else {
        // Its holder reloading after the link learns that it worked; every
        // other unusable token looks the same.
        let used = api
            .any_invitation(&token)
            .await
            .is_some_and(|i| i.status(crate::store::now_unix()) == InviteStatus::Used);
        return if used { linked(lang) } else { invalid(lang) };
    };
    let from = api.client_ip(&headers, &ext);
    let note = Command::Note {
        company: inv.company_id,
        kind: "invitation",
        detail: format!("invitation #{} opened from {from}", inv.id),
    };
    let _ = api.engine.send(note).await;
    Html(valid(lang, &inv)).into_response()
}

pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        SCRIPT,
    )
        .into_response()
}

pub async fn style() -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped() {
        assert_eq!(
            esc("<b>\"A&B\"</b> 'x'"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; &#39;x&#39;"
        );
    }
}
