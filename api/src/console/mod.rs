//! The desk and bureau console (工作台): a page for clerks, reviewers and admins at
//! `/console`. Its files are built into the binary (no CDN, no second server) and it talks
//! to the server only through the public API, with the staff member's bearer token.
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};

use crate::error::{ApiError, Code};

/// Every file of the console: name, content type, bytes.
const ASSETS: &[(&str, &str, &str)] = &[
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("assets/index.html"),
    ),
    (
        "console.css",
        "text/css; charset=utf-8",
        include_str!("assets/console.css"),
    ),
    ("app.js", JS, include_str!("assets/app.js")),
    ("api.js", JS, include_str!("assets/api.js")),
    ("ui.js", JS, include_str!("assets/ui.js")),
    ("charts.js", JS, include_str!("assets/charts.js")),
    ("desk.js", JS, include_str!("assets/desk.js")),
    ("review.js", JS, include_str!("assets/review.js")),
    ("admin.js", JS, include_str!("assets/admin.js")),
    ("icon.svg", "image/svg+xml", include_str!("assets/icon.svg")),
];

const JS: &str = "text/javascript; charset=utf-8";

/// Only this origin: no script, style, font or connection elsewhere can load, so the page
/// works without internet and injected markup cannot reach out. `blob:` is for images and
/// files fetched with the bearer token.
const POLICY: &str = "default-src 'self'; img-src 'self' blob:; object-src 'self' blob:; \
    frame-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Mounts `/console` (the page), `/console/assets/{name}` (its files) and `/favicon.ico`
/// (the console's icon, which browsers ask for on every page, `/docs` included).
pub fn mount(cfg: &mut web::ServiceConfig) {
    cfg.route("/favicon.ico", web::get().to(icon))
        .route("/console", web::get().to(index))
        .route("/console/", web::get().to(index))
        .route("/console/assets/{name}", web::get().to(asset));
}

/// The paths mounted here, for the 405 table.
pub const PATHS: &[&str] = &[
    "/favicon.ico",
    "/console",
    "/console/",
    "/console/assets/{name}",
];

async fn index() -> Result<HttpResponse, ApiError> {
    serve("index.html")
}

async fn icon() -> Result<HttpResponse, ApiError> {
    serve("icon.svg")
}

async fn asset(name: web::Path<String>) -> Result<HttpResponse, ApiError> {
    serve(&name)
}

fn serve(name: &str) -> Result<HttpResponse, ApiError> {
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| ApiError::new(Code::NotFound))?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        // Small files that change with each release: always revalidate.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(POLICY),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(*body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_the_page_imports_is_served() {
        for (name, _, body) in ASSETS {
            for line in body.lines().filter(|l| l.starts_with("import ")) {
                let file = line.rsplit("\"./").next().unwrap().trim_end_matches("\";");
                assert!(
                    ASSETS.iter().any(|(n, _, _)| *n == file),
                    "{name} imports {file}, which is not served"
                );
            }
        }
    }
}
