//! The OpenAPI 3.1 contract, generated from the same registrations that mount the routes
//! (see `startup::mount`), so that the two cannot drift. [`spec`] adds what every
//! operation shares: the problem+json error answers and the table of error codes.
use actix_web::http::Method;
use actix_web::{App, HttpResponse, get, web};
use utoipa::OpenApi;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, OpenApi as Spec, Ref, RefOr, ResponseBuilder};
use utoipa_actix_web::AppExt;

use crate::error::{Code, Problem, ProblemField};
use crate::platform::http::RouteTable;
use crate::platform::idempotency;
use crate::platform::lang::Lang;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Minzheng 民政自助服务 API",
        description = include_str!("../../openapi/INTRO.md"),
        license(name = "Proprietary"),
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "identity", description = "身份证号码与实名 (ID numbers, real names)"),
        (name = "reference", description = "参考数据：街道乡镇 (reference data)"),
        (name = "auth", description = "登录与令牌 (sign-in and tokens)"),
        (name = "staff", description = "工作人员账户 (staff accounts, admins only)"),
        (name = "scheduling", description = "预约时段：场所、模板、日历、余号 (places, templates, calendar, availability)"),
        (name = "marriage", description = "婚姻登记预约 (marriage registration appointments)"),
        (name = "desk", description = "窗口：当日预约、查询、签到 (the desk: day sheet, lookup, check-in)"),
        (name = "applications", description = "网上申请：服务目录、填报、补正、撤回 (online applications: catalogue, applying, supplements, withdrawal)"),
        (name = "review", description = "审核审批：街道审核、区级审批、统计 (reviewing, approval, statistics)"),
        (name = "funeral", description = "殡葬服务：殡仪馆服务目录与预约 (funeral services: price catalogue and bookings)"),
        (name = "tomb-visits", description = "预约祭扫：墓园时段、同行人、入园核验 (tomb visit reservations)"),
        (name = "certification", description = "征地超转人员生存认证：名册、认证周期、微信/慧眼人脸核身、代办、窗口比对、人工审核、统计 (survival certification)"),
        (name = "proxy-sweeping", description = "代祭扫：下单、受理、照片凭证、确认或异议 (proxy sweeping with photo proof)"),
        (name = "memorials", description = "网上祭扫：纪念馆、献花、留言与审核 (online memorial halls)"),
        (name = "media", description = "上传：照片、扫描件、PDF (uploads: photos, scans, PDFs)"),
        (name = "audit", description = "审计记录 (the audit trail)"),
        (name = "operations", description = "运维：存活、就绪、指标 (health and metrics)"),
    ),
    components(schemas(Problem, ProblemField)),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

/// The two bearer schemes: a token is either a citizen's or a staff member's.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, spec: &mut Spec) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = spec.components.get_or_insert_with(Default::default);
        for (name, who) in [
            ("citizen_token", "a citizen (WeChat or email-code sign-in)"),
            ("staff_token", "a staff member (password + TOTP sign-in)"),
        ] {
            let scheme = HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(format!(
                    "Access token of {who}; 15 minutes; renew with the refresh token."
                )))
                .build();
            components.add_security_scheme(name, SecurityScheme::Http(scheme));
        }
    }
}

/// The contract as served: the JSON text made once at start-up.
pub struct ContractJson(pub String);

/// The OpenAPI 3.1 contract of this service (this document).
#[utoipa::path(tag = "operations", operation_id = "ops.openapi",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = serde_json::Value, content_type = "application/json")))]
#[get("/openapi.json")]
pub async fn contract(json: web::Data<ContractJson>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(json.0.clone())
}

/// The complete contract as the server publishes it.
pub fn spec() -> Spec {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::startup::mount)
        .split_for_parts();
    finish(spec)
}

/// The contract as pretty JSON with a final newline, as committed in `openapi/openapi.json`.
pub fn spec_json() -> String {
    spec_json_of(&spec())
}

/// The given contract as pretty JSON with a final newline.
pub fn spec_json_of(spec: &Spec) -> String {
    let mut text = spec.to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

/// Every path and method of the contract, for 405 answers.
pub fn route_table(spec: &Spec) -> RouteTable {
    let mut table = RouteTable::default();
    for (path, item) in &spec.paths.paths {
        let ops = [
            (Method::GET, &item.get),
            (Method::POST, &item.post),
            (Method::PUT, &item.put),
            (Method::PATCH, &item.patch),
            (Method::DELETE, &item.delete),
        ];
        for (method, op) in ops {
            if op.is_some() {
                table.add(path, method);
            }
        }
    }
    table.add("/docs", Method::GET);
    table.add("/docs/{_:.*}", Method::GET);
    for path in crate::console::PATHS {
        table.add(path, Method::GET);
    }
    table
}

fn finish(mut spec: Spec) -> Spec {
    spec.info.version = env!("CARGO_PKG_VERSION").to_owned();
    add_error_responses(&mut spec);
    let codes: Vec<serde_json::Value> = Code::ALL
        .iter()
        .map(|c| {
            serde_json::json!({"code": c.as_str(), "status": c.status().as_u16(),
                "title_zh": c.title(Lang::Zh), "title_en": c.title(Lang::En)})
        })
        .collect();
    spec.extensions = Some(ExtensionsBuilder::new().add("x-error-codes", codes).build());
    if let Some(description) = spec.info.description.as_mut() {
        description.push_str(&code_table());
    }
    spec
}

/// Shared error answers, defined once in `components.responses` and referenced by every
/// operation: any operation may answer `default` (e.g. 500, 503 `server.timeout` or
/// `server.busy` with `Retry-After`), and
/// one that takes a body may answer 400, 413, 415 and 422 for it.
fn add_error_responses(spec: &mut Spec) {
    let components = spec.components.get_or_insert_with(Default::default);
    let shared = [
        (
            "Error",
            "problem+json: any error; see `code`. 503 `server.timeout` and `server.busy` (a conflict with other requests, nothing saved) come with `Retry-After`: retry the same request",
        ),
        (
            "MalformedJson",
            "`request.malformed_json`: the body is not JSON",
        ),
        ("BodyTooLarge", "`request.body_too_large`"),
        (
            "UnsupportedMediaType",
            "`request.unsupported_media_type`: send `Content-Type: application/json`",
        ),
        (
            "InvalidBody",
            "`request.invalid_body` or `request.unknown_field`, with `errors[]` naming each field",
        ),
    ];
    for (name, description) in shared {
        let content = ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build();
        let response = ResponseBuilder::new()
            .description(description)
            .content("application/problem+json", content);
        components
            .responses
            .insert(name.to_owned(), RefOr::T(response.build()));
    }
    for (path, item) in spec.paths.paths.iter_mut() {
        if let Some(post) = item
            .post
            .as_mut()
            .filter(|_| !idempotency::NOT_REPLAYED.contains(&path.as_str()))
        {
            add_idempotency_key(post);
        }
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            add_to_operation(op);
        }
    }
}

/// Every POST but sign-ins honours `Idempotency-Key` (see `platform::idempotency`).
fn add_idempotency_key(op: &mut Operation) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    let param = ParameterBuilder::new()
        .name("Idempotency-Key")
        .parameter_in(ParameterIn::Header)
        .required(utoipa::openapi::Required::False)
        .description(Some(
            "Makes retries safe: a retry with the same key and body gets the first answer (`Idempotency-Replayed: true`); \
             the same key with another body gets 422 `request.idempotency_key_reused`; while the first runs, a retry waits up to 5 s for its answer, then 409 `request.idempotency_in_progress`. Kept 24 hours.",
        ))
        .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).max_length(Some(255))))
        .example(Some(serde_json::json!("5f0c1a52-8d7e-4c1b-9a1e-2b7d5e0c9f11")))
        .build();
    op.parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(param));
}

fn add_to_operation(op: &mut Operation) {
    let responses = &mut op.responses.responses;
    let mut add = |status: &str, name: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    };
    add("default", "Error");
    if op.request_body.is_some() {
        add("400", "MalformedJson");
        add("413", "BodyTooLarge");
        add("415", "UnsupportedMediaType");
        add("422", "InvalidBody");
    }
}

/// The error codes as a markdown table for the docs page.
fn code_table() -> String {
    let mut table = String::from(
        "\n\n## Error codes\n\n| code | status | 中文 | English |\n|---|---|---|---|\n",
    );
    for c in Code::ALL {
        table.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.as_str(),
            c.status().as_u16(),
            c.title(Lang::Zh),
            c.title(Lang::En)
        ));
    }
    table
}
