//! The OpenAPI document's frame: the bearer scheme, and what every route
//! can answer besides its own outcomes — so the document states each
//! status a client can meet, and each operation has its own id.

use utoipa::openapi::path::Operation;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "walink", description = "Sessions of WhatsApp numbers linked to companies"),
    modifiers(&Bearer)
)]
pub struct Doc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, openapi: &mut OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Tags of the routes a `read` token may call: no 403 there.
const READ_TAGS: &[&str] = &["sessions", "events"];

/// Give every operation a unique id and the statuses the door and the
/// shared rules answer on every route that needs a token (see `gate` and
/// `error`). Run on the whole document, once the routes are in it.
pub fn complete(openapi: &mut OpenApi) {
    for (path, item) in &mut openapi.paths.paths {
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.delete,
            &mut item.put,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            name(op);
            if op.security.is_some() {
                shared(op, path);
            }
        }
    }
}

/// `tag_function`: unique where bare function names repeat (`list`).
fn name(op: &mut Operation) {
    let tag = op
        .tags
        .as_ref()
        .and_then(|t| t.first())
        .cloned()
        .unwrap_or_default();
    if let Some(id) = &op.operation_id
        && !id.starts_with(&format!("{tag}_"))
    {
        op.operation_id = Some(format!("{tag}_{id}"));
    }
}

fn shared(op: &mut Operation, path: &str) {
    let tags = op.tags.clone().unwrap_or_default();
    let mut add = |status: &str, why: &str| {
        op.responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error(why));
    };
    add(
        "400",
        "The request is not as documented (a query, path or body that does not parse)",
    );
    add(
        "401",
        "No token, or one that is unknown, revoked or expired",
    );
    add(
        "503",
        "walink is shutting down, or cannot read its registry",
    );
    if !tags.iter().any(|t| READ_TAGS.contains(&t.as_str())) {
        add("403", "The token's scope does not allow this");
    }
    if path.contains('{') {
        add("404", "No such company, or one this token may not see");
    }
    if op.request_body.is_some() {
        add("413", "The body is over 64 KiB");
    }
}

fn error(why: &str) -> RefOr<Response> {
    let body = Content::new(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))));
    RefOr::T(
        utoipa::openapi::ResponseBuilder::new()
            .description(why)
            .content("application/json", body)
            .build(),
    )
}
