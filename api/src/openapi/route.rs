//! The route that publishes the contract: the document is built once at start-up
//! (`startup`) and served from the app's data.
use actix_web::{HttpResponse, get, web};

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
