//! The OpenAPI 3.1 contract, generated from the same registrations that mount the routes
//! (see `mount::mount`), so that the two cannot drift. [`spec`] adds what every
//! operation shares: the problem+json error answers and the table of error codes.
pub mod errors;
pub mod pages;
pub mod route;

pub use route::{ContractJson, contract};

use actix_web::App;
use actix_web::http::Method;
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
        description = include_str!("../../../openapi/INTRO.md"),
        license(name = "Proprietary", identifier = "LicenseRef-Proprietary"),
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "identity", description = "身份证号码与实名 (ID numbers, real names)"),
        (name = "reference", description = "参考数据：街道乡镇、订阅消息模板 (reference data: streets, subscribe-message purposes)"),
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

/// The complete contract as the server publishes it.
pub fn spec() -> Spec {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::mount::mount)
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
    add_shared_answers(&mut spec);
    errors::add(&mut spec);
    describe_answers(&mut spec);
    refer_page_items(&mut spec);
    let codes: Vec<serde_json::Value> = Code::ALL
        .iter()
        .map(|c| {
            serde_json::json!({"code": c.as_str(), "status": c.status().as_u16(),
                "title_zh": c.title(Lang::Zh), "title_en": c.title(Lang::En),
                "doc_url": doc_url(*c)})
        })
        .collect();
    spec.extensions = Some(ExtensionsBuilder::new().add("x-error-codes", codes).build());
    if let Some(description) = spec.info.description.as_mut() {
        description.push_str(&code_table());
    }
    spec
}

/// Where the served code table explains a code: `/docs/errors#<code>`.
pub fn doc_url(code: Code) -> String {
    format!("/docs/errors#{}", code.as_str())
}

/// The answer every operation shares, defined once in `components.responses`: any
/// operation may answer `default` (500, 503 `server.timeout` or `server.busy` with
/// `Retry-After`), and every POST but the sign-ins takes `Idempotency-Key`.
fn add_shared_answers(spec: &mut Spec) {
    let components = spec.components.get_or_insert_with(Default::default);
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let response = ResponseBuilder::new()
        .description(
            "problem+json: a server-side failure; see `code`. 503 `server.timeout` and `server.busy` \
             (a conflict with other requests, nothing saved) come with `Retry-After`: retry the same request",
        )
        .content(crate::error::PROBLEM_JSON, content);
    components
        .responses
        .insert("Error".to_owned(), RefOr::T(response.build()));
    for (path, item) in spec.paths.paths.iter_mut() {
        if let Some(post) = item
            .post
            .as_mut()
            .filter(|_| !idempotency::NOT_REPLAYED.contains(&path.as_str()))
        {
            add_idempotency_key(post);
        }
    }
}

/// OpenAPI requires a description on every answer; a success answer declared with only
/// a body gets one naming its status and body.
fn describe_answers(spec: &mut Spec) {
    for item in spec.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            // No token: said explicitly, so that no one reads the operation as unfinished.
            op.security.get_or_insert_with(|| {
                vec![utoipa::openapi::security::SecurityRequirement::default()]
            });
            for (status, answer) in op.responses.responses.iter_mut() {
                let RefOr::T(answer) = answer else { continue };
                if answer.description.trim().is_empty() {
                    answer.description = success_description(status, answer);
                }
            }
        }
    }
}

fn success_description(status: &str, answer: &utoipa::openapi::Response) -> String {
    let what = match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No content",
        _ => "Answer",
    };
    let body = answer.content.values().find_map(|c| match c {
        RefOr::T(c) => match &c.schema {
            Some(RefOr::Ref(r)) => r.ref_location.rsplit('/').next().map(str::to_owned),
            _ => None,
        },
        RefOr::Ref(_) => None,
    });
    match body {
        Some(name) => format!("{what}: `{name}`"),
        None => what.to_owned(),
    }
}

/// utoipa writes the item schema of a generic `Page<T>` out in full instead of referring
/// to `T`: each `Page_T` refers to `T` instead, so that `T` is one type for clients.
fn refer_page_items(spec: &mut Spec) {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    let names: Vec<String> = components.schemas.keys().cloned().collect();
    for name in &names {
        let Some(item) = name
            .strip_prefix("Page_")
            .filter(|i| names.iter().any(|n| n == i))
        else {
            continue;
        };
        let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(name) else {
            continue;
        };
        if let Some(RefOr::T(Schema::Array(items))) = page.properties.get_mut("items") {
            items.items =
                ArrayItems::RefOrSchema(Box::new(RefOr::Ref(Ref::from_schema_name(item))));
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
        // No example value: a client copying one key for every POST would have its second
        // action refused as a replay (`request.idempotency_key_reused`); make one per action.
        .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::String).max_length(Some(255))))
        .build();
    op.parameters
        .get_or_insert_with(Vec::new)
        .push(RefOr::T(param));
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

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    /// Two Rust types with one schema name collapse into one component, and the contract
    /// then documents one operation with the other's body (marriage and funeral bookings
    /// once did). Every `ToSchema` type of the service must have a name of its own.
    #[test]
    fn no_two_types_share_a_component_name() {
        let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for file in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
            let text = std::fs::read_to_string(&file).unwrap();
            for name in schema_names(&text) {
                names
                    .entry(name)
                    .or_default()
                    .push(file.display().to_string());
            }
        }
        let shared: Vec<String> = names
            .iter()
            .filter(|(_, files)| files.len() > 1)
            .map(|(name, files)| format!("{name}: {}", files.join(", ")))
            .collect();
        assert!(names.len() > 100, "found only {} schemas", names.len());
        assert!(
            shared.is_empty(),
            "component names used twice:\n{}",
            shared.join("\n")
        );
    }

    /// The scan finds a duplicate when there is one.
    #[test]
    fn the_scan_sees_a_shared_name_and_a_renamed_one() {
        let text = "#[derive(Debug, ToSchema)]\n#[serde(deny_unknown_fields)]\npub struct BookRequest {}\n\
                    #[derive(ToSchema)]\n#[schema(as = FuneralBookRequest)]\nstruct Other;\n\
                    #[derive(Serialize)]\npub struct NotASchema;\n\
                    #[derive(\n    Clone, Copy,\n    utoipa::ToSchema,\n)]\npub enum Sex {}\n\
                    crate::closed_set! {\n    /// doc\n    pub enum DayState {\n        Open => \"open\",\n    }\n}\n";
        assert_eq!(
            schema_names(text),
            ["BookRequest", "FuneralBookRequest", "Sex", "DayState"]
        );
    }

    /// Each room's declared operation ids exist, and none is declared twice.
    #[test]
    fn every_declared_operation_exists_once() {
        let spec = super::spec();
        assert_eq!(super::errors::stale_declarations(&spec), Vec::<&str>::new());
        let mut seen = std::collections::BTreeSet::new();
        for (id, _) in super::errors::ROOMS.iter().flat_map(|room| room.iter()) {
            assert!(seen.insert(*id), "{id} is declared twice");
        }
    }

    /// The component name of every type deriving `ToSchema` in a source text (its
    /// `#[schema(as = ...)]` name where it has one).
    fn schema_names(text: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut pending: Option<Option<String>> = None;
        // A derive may span lines; `closed_set!` derives `ToSchema` inside the macro.
        let mut derive: Option<String> = None;
        for line in text.lines().map(str::trim) {
            if let Some(open) = derive.as_mut() {
                open.push_str(line);
                if line.contains(")]") {
                    if open.contains("ToSchema") {
                        pending = Some(None);
                    }
                    derive = None;
                }
                continue;
            }
            if line.starts_with("#[derive(") && !line.contains(")]") {
                derive = Some(line.to_owned());
            } else if line.starts_with("#[derive(") && line.contains("ToSchema")
                || line.starts_with("crate::closed_set!")
            {
                pending = Some(None);
            } else if let Some(alias) = pending.as_mut() {
                if let Some(rest) = line.split("schema(as = ").nth(1) {
                    let end = rest.find([')', ',']).unwrap_or(rest.len());
                    *alias = Some(rest[..end].trim().to_owned());
                }
                let item = line
                    .trim_start_matches("pub(crate) ")
                    .trim_start_matches("pub ");
                if let Some(rest) = item
                    .strip_prefix("struct ")
                    .or_else(|| item.strip_prefix("enum "))
                {
                    let own: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    names.push(alias.take().unwrap_or(own));
                    pending = None;
                }
            }
        }
        names
    }

    /// Every `.rs` file under a folder (for tests that scan the source).
    pub(crate) fn rust_files(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
        files
    }
}
