//! The pages served beside the Swagger UI, offline: the client guide (`/docs/guide`,
//! `openapi/README.md` rendered) and the table of error codes (`/docs/errors`, one
//! anchor per code: the `doc_url` of each entry of `x-error-codes`).
use actix_web::{HttpResponse, get, web};

use crate::dev::escape;
use crate::error::Code;
use crate::platform::lang::Lang;

const GUIDE: &str = include_str!("../../../openapi/README.md");
const STYLE: &str = "body{font-family:sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;line-height:1.5}\
    code{background:#f3f3f3;padding:0 .2rem}pre{background:#f3f3f3;padding:.5rem;overflow:auto}\
    table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem;text-align:left;vertical-align:top}\
    tr:target{background:#fff3b0}";

/// Mounts the pages; before the Swagger UI's `/docs/{_:.*}`, which would take them.
pub fn mount(cfg: &mut web::ServiceConfig) {
    cfg.service(guide).service(errors);
}

fn page(title: &str, body: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title>\
             <style>{STYLE}</style></head><body><nav><a href=\"/docs/\">API</a> · \
             <a href=\"/docs/guide\">Client guide</a> · <a href=\"/docs/errors\">Error codes</a></nav>{body}</body></html>"
        ))
}

#[get("/docs/guide")]
async fn guide() -> HttpResponse {
    let mut html = String::new();
    let options = pulldown_cmark::Options::ENABLE_TABLES;
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(GUIDE, options));
    page("Minzheng client guide", &html)
}

#[get("/docs/errors")]
async fn errors() -> HttpResponse {
    let mut rows = String::new();
    for c in Code::ALL {
        rows.push_str(&format!(
            "<tr id=\"{code}\"><td><a href=\"#{code}\"><code>{code}</code></a></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            c.status().as_u16(),
            escape(c.title(Lang::Zh)),
            escape(c.title(Lang::En)),
            code = c.as_str(),
        ));
    }
    let body = format!(
        "<h1>错误码 / Error codes</h1><p>Every error answer is <code>application/problem+json</code> \
         with one of these <code>code</code>s; branch on the code, never on the text. Each operation of the \
         contract lists the codes it may answer.</p>\
         <table><tr><th>code</th><th>status</th><th>中文</th><th>English</th></tr>\n{rows}</table>"
    );
    page("Minzheng error codes", &body)
}
