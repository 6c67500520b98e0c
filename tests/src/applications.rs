//! Applications made ready by a citizen over the API (form, household, materials), for
//! tests that need one to review.
use serde_json::{Map, Value, json};

use crate::{CitizenLogin, TestApp};

/// A small PNG uploaded by `token`, as a material to attach.
pub async fn upload(app: &TestApp, token: &str) -> String {
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82".to_vec();
    let (status, body) = app
        .upload(token, png, "image/png", "application_material")
        .await;
    assert_eq!(status, 201);
    body["id"].as_str().unwrap().to_owned()
}

/// Valid values for every field of a definition, made from its types and bounds.
pub fn valid_values(definition: &Value) -> Value {
    let mut values = Map::new();
    for f in definition["fields"].as_array().unwrap() {
        let value = match f["type"].as_str().unwrap() {
            "phone" => json!("13812345678"),
            "number" => json!(f["min"].as_f64().unwrap_or(0.0) + 1.0),
            "integer" => json!(f["min"].as_f64().unwrap_or(0.0) as i64 + 1),
            "boolean" => json!(true),
            "date" => json!("2026-01-01"),
            "choice" => f["options"][0].clone(),
            _ => json!("测试填写"),
        };
        values.insert(f["key"].as_str().unwrap().into(), value);
    }
    Value::Object(values)
}

pub async fn definition(app: &TestApp, code: &str) -> Value {
    app.get(&format!("/api/v1/services/{code}"))
        .await
        .json::<Value>()
        .await
        .unwrap()["definition"]
        .clone()
}

pub async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let res = app
        .authed(reqwest::Method::PUT, path, token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A draft of `service`, complete: form, household (`self` plus `others`), materials.
pub async fn ready(
    app: &TestApp,
    who: &CitizenLogin,
    own_id: &str,
    service: &str,
    others: Vec<Value>,
) -> String {
    let (status, draft) = app
        .post_as(
            &who.access,
            "/api/v1/applications",
            &json!({"service_code": service}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_str().unwrap().to_owned();
    let def = definition(app, service).await;
    let form = json!({"values": valid_values(&def), "hukou_street_id": "zhongcang", "residence_street_id": "xinhua"});
    let (status, body) = put(
        app,
        &who.access,
        &format!("/api/v1/applications/{id}/form"),
        &form,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut members = vec![
        json!({"relation": "self", "name": "申请人", "id_number": own_id, "monthly_income": 800.0}),
    ];
    members.extend(others);
    let (status, body) = put(
        app,
        &who.access,
        &format!("/api/v1/applications/{id}/household"),
        &json!({"members": members}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    for m in def["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["required"] == true)
    {
        let media_id = upload(app, &who.access).await;
        let (status, body) = app
            .post_as(
                &who.access,
                &format!("/api/v1/applications/{id}/materials"),
                &json!({"material_code": m["code"], "media_id": media_id}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    id
}
