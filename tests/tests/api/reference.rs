//! Reference data and the ID number check.
use minzheng_tests::Backend;
use minzheng_tests::{on_both_backends, spawn_app};
use serde_json::{Value, json};

async fn streets_page_by_cursor_through_all_of_tongzhou(backend: Backend) {
    let app = spawn_app(backend).await;
    let (mut names, mut cursor, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/streets?limit=5&cursor={c}"),
            None => "/api/v1/streets?limit=5".to_owned(),
        };
        let page: Value = app.get(&path).await.json().await.unwrap();
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 5);
        names.extend(items.iter().map(|s| s["name"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(names.len(), 22);
    assert_eq!(names.first().map(String::as_str), Some("中仓街道"));
    assert_eq!(names.last().map(String::as_str), Some("于家务回族乡"));
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 22, "a street appeared twice across pages");
    let all: Value = app
        .get("/api/v1/streets?limit=100")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 22);
    assert_eq!(all["next_cursor"], Value::Null);
}

async fn a_valid_id_number_comes_back_masked_with_what_it_encodes(backend: Backend) {
    let app = spawn_app(backend).await;
    let res = app
        .post_json(
            "/api/v1/identity/id-number-checks",
            &json!({"id_number": " 11010519491231002x "}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["id_number_masked"], "110***********002X");
    assert!(
        body.get("birth_date").is_none() && body.get("region_code").is_none(),
        "with the last four they rebuild the number: {body}"
    );
    assert_eq!(body["sex"], "female");
    assert!(
        !body.to_string().contains("19491231"),
        "the full number must not come back: {body}"
    );
}

async fn an_invalid_id_number_says_which_rule_failed(backend: Backend) {
    let app = spawn_app(backend).await;
    for (id, reason) in [
        ("110105194912310021", "checksum"),
        ("1101051949123100", "format"),
        ("990105194912310028", "region"),
        ("110105194902300021", "birth_date"),
    ] {
        let res = app
            .post_json(
                "/api/v1/identity/id-number-checks",
                &json!({"id_number": id}),
            )
            .await;
        assert_eq!(res.status(), 422, "{id}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "identity.id_number_invalid");
        assert_eq!(body["errors"][0]["field"], "id_number");
        assert_eq!(body["errors"][0]["reason"], reason, "{id}: {body}");
    }
}

on_both_backends!(
    streets_page_by_cursor_through_all_of_tongzhou,
    a_valid_id_number_comes_back_masked_with_what_it_encodes,
    an_invalid_id_number_says_which_rule_failed
);
