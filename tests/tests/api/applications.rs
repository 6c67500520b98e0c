//! Online applications: every service walked from draft to decision, routing to the
//! responsible street, supplements with the paused clock, withdrawal, the state machine's
//! refusals, deadlines, the household rule, catalogue versions, proxies, scope,
//! statistics and the purge of forgotten drafts.
use chrono::{Duration, Utc};
use minzheng_tests::Backend;
use minzheng_tests::applications::{definition, put, ready, upload, valid_values};
use minzheng_tests::{
    CitizenLogin, StaffLogin, TestApp, id_number, on_both_backends, spawn_app, spawn_app_with,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Map, Value, json};

/// Completes an existing draft like [`ready`].
async fn ready_existing(
    app: &TestApp,
    who: &CitizenLogin,
    own_id: &str,
    id: &str,
    service: &str,
) -> String {
    let def = definition(app, service).await;
    let form = json!({"values": valid_values(&def), "hukou_street_id": "zhongcang", "residence_street_id": "xinhua"});
    assert_eq!(
        put(
            app,
            &who.access,
            &format!("/api/v1/applications/{id}/form"),
            &form
        )
        .await
        .0,
        200
    );
    let members = json!({"members": [{"relation": "self", "name": "申请人", "id_number": own_id, "monthly_income": 800.0}]});
    assert_eq!(
        put(
            app,
            &who.access,
            &format!("/api/v1/applications/{id}/household"),
            &members
        )
        .await
        .0,
        200
    );
    for m in def["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["required"] == true)
    {
        let media_id = upload(app, &who.access).await;
        let (status, _) = app
            .post_as(
                &who.access,
                &format!("/api/v1/applications/{id}/materials"),
                &json!({"material_code": m["code"], "media_id": media_id}),
            )
            .await;
        assert_eq!(status, 201);
    }
    id.to_owned()
}

async fn act(
    app: &TestApp,
    staff: &StaffLogin,
    id: &str,
    action: &str,
    reason: Option<&str>,
) -> (u16, Value) {
    app.post_as(
        &staff.access,
        &format!("/api/v1/review/applications/{id}/actions"),
        &json!({"action": action, "reason": reason}),
    )
    .await
}

fn person(n: usize) -> String {
    id_number(&format!(
        "1101121975{:02}{:02}{:03}",
        n / 28 + 1,
        n % 28 + 1,
        300 + n
    ))
}

async fn every_service_goes_from_draft_to_decision_at_the_responsible_street(backend: Backend) {
    let app = spawn_app(backend).await;
    let zhongcang = app
        .staff("zc.reviewer", "reviewer", "street", Some("zhongcang"))
        .await;
    let xinhua = app
        .staff("xh.reviewer", "reviewer", "street", Some("xinhua"))
        .await;
    let approver = app
        .staff("district.approver", "approver", "district", None)
        .await;
    let (_, catalogue) = app.get_as(&zhongcang.access, "/api/v1/services").await;
    let services: Vec<Value> = catalogue["items"].as_array().unwrap().clone();
    assert_eq!(services.len(), 8);
    for (n, service) in services.iter().enumerate() {
        let code = service["code"].as_str().unwrap();
        let id_no = person(n);
        let citizen = app
            .verified_citizen(&format!("a{n}"), "申请人", &id_no)
            .await;
        let id = ready(&app, &citizen, &id_no, code, vec![]).await;
        let (status, submitted) = app
            .post_as(
                &citizen.access,
                &format!("/api/v1/applications/{id}/submit"),
                &json!({}),
            )
            .await;
        assert_eq!(
            (status, submitted["status"].as_str()),
            (200, Some("submitted")),
            "{code}: {submitted}"
        );
        // Temporary relief goes to the residence's street, the others to the hukou's.
        let (reviewer, street) = if service["definition"]["routed_by"] == "residence" {
            (&xinhua, "xinhua")
        } else {
            (&zhongcang, "zhongcang")
        };
        assert_eq!(submitted["street_id"], street, "{code}");
        assert!(submitted["accept_due"].is_string() && submitted["decide_due"].is_string());
        let (_, queue) = app
            .get_as(&reviewer.access, "/api/v1/review/applications")
            .await;
        assert!(
            queue["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["id"] == id.as_str()),
            "{code} is in {street}'s queue"
        );
        assert_eq!(
            act(&app, reviewer, &id, "accept", None).await.0,
            200,
            "{code}"
        );
        let decided = if service["definition"]["needs_district_approval"] == true {
            assert_eq!(
                act(&app, reviewer, &id, "forward", None).await.1["status"],
                "awaiting_approval",
                "{code}"
            );
            act(&app, &approver, &id, "approve", Some("符合条件")).await
        } else {
            act(&app, reviewer, &id, "approve", Some("符合条件")).await
        };
        assert_eq!(
            (decided.0, decided.1["status"].as_str()),
            (200, Some("approved")),
            "{code}: {}",
            decided.1
        );
        let (_, mine) = app
            .get_as(&citizen.access, &format!("/api/v1/applications/{id}"))
            .await;
        assert_eq!(mine["status"], "approved");
        let actions: Vec<&str> = mine["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions.first(), Some(&"create"));
        assert_eq!(actions.last(), Some(&"approve"), "{code}: {actions:?}");
        assert_eq!(
            mine["history"].as_array().unwrap().last().unwrap()["note"],
            "符合条件",
            "the decision carries its reason"
        );
        assert!(!mine.to_string().contains(&id_no), "ID numbers are masked");
    }
    // Every step was told to the citizen (submit, accept, [forward], decision).
    for _ in 0..100 {
        if app
            .wechat
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m["template_id"] == "tmpl-application")
            .count()
            >= 8 * 3
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let told = app
        .wechat
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|m| m["template_id"] == "tmpl-application")
        .count();
    assert!(told >= 8 * 3, "{told} notices");
}

async fn supplements_pause_the_clock_and_the_state_machine_refuses_what_it_must(backend: Backend) {
    let app = spawn_app(backend).await;
    let reviewer = app
        .staff("zc.reviewer", "reviewer", "street", Some("zhongcang"))
        .await;
    let other_street = app
        .staff("bj.reviewer", "reviewer", "street", Some("beiyuan"))
        .await;
    let approver = app
        .staff("district.approver", "approver", "district", None)
        .await;
    let id_no = person(1);
    let citizen = app.verified_citizen("c", "申请人", &id_no).await;
    let id = ready(&app, &citizen, &id_no, "dibao", vec![]).await;
    let (status, body) = act(&app, &reviewer, &id, "accept", None).await;
    assert_eq!(status, 404, "a draft is not the street's yet: {body}");
    assert_eq!(
        app.post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/submit"),
            &json!({})
        )
        .await
        .0,
        200
    );
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("applications.not_editable"))
    );
    let (status, body) = put(
        &app,
        &citizen.access,
        &format!("/api/v1/applications/{id}/form"),
        &json!({"values": {}}),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("applications.not_editable"))
    );

    // Scope: another street neither sees nor acts.
    assert_eq!(
        app.get_as(
            &other_street.access,
            &format!("/api/v1/review/applications/{id}")
        )
        .await
        .0,
        404
    );
    assert_eq!(act(&app, &other_street, &id, "accept", None).await.0, 404);
    let (_, queue) = app
        .get_as(&other_street.access, "/api/v1/review/applications")
        .await;
    assert!(queue["items"].as_array().unwrap().is_empty());
    let clerk = app
        .staff("clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    assert_eq!(
        app.get_as(&clerk.access, "/api/v1/review/applications")
            .await
            .0,
        403
    );

    // Illegal transitions name what is allowed.
    let (status, body) = act(&app, &reviewer, &id, "approve", Some("好")).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("applications.illegal_transition"))
    );
    let allowed: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert_eq!(allowed, ["accept", "return_incomplete"]);
    assert_eq!(act(&app, &reviewer, &id, "fly", None).await.0, 422);
    assert_eq!(
        act(&app, &approver, &id, "approve", Some("好")).await.1["code"],
        "applications.illegal_transition"
    );
    assert_eq!(act(&app, &reviewer, &id, "accept", None).await.0, 200);
    assert_eq!(
        act(&app, &reviewer, &id, "approve", Some("好")).await.1["code"],
        "applications.illegal_transition",
        "dibao is decided by the district"
    );

    // A supplement: reason required, the clock stops, the answer restarts it later.
    assert_eq!(
        act(&app, &reviewer, &id, "request_supplement", None)
            .await
            .0,
        422
    );
    let (status, paused) = app.post_as(&reviewer.access, &format!("/api/v1/review/applications/{id}/actions"),
        &json!({"action": "request_supplement", "reason": "请补充近三个月收入证明", "materials": ["income_proof"]})).await;
    assert_eq!(
        (
            status,
            paused["status"].as_str(),
            paused["paused"].as_bool()
        ),
        (200, Some("supplement_requested"), Some(true))
    );
    assert!(
        paused["days_left"].is_null(),
        "no deadline runs while paused"
    );
    let before: chrono::NaiveDate = paused["decide_due"].as_str().unwrap().parse().unwrap();
    // It stood still for ten days.
    let app_id = uuid::Uuid::parse_str(&id).unwrap();
    entity::application::Entity::update_many()
        .col_expr(
            entity::application::Column::PausedOn,
            Expr::value((Utc::now() + Duration::hours(8)).date_naive() - Duration::days(10)),
        )
        .filter(entity::application::Column::Id.eq(app_id))
        .exec(&app.db)
        .await
        .unwrap();
    let media_id = upload(&app, &citizen.access).await;
    // The answer must bring what was asked for: nothing, or something else, is refused.
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/supplement"),
            &json!({"note": "已补充", "materials": []}),
        )
        .await;
    assert_eq!(
        (
            status,
            body["errors"][0]["field"].as_str(),
            body["errors"][0]["reason"].as_str()
        ),
        (422, Some("materials"), Some("missing")),
        "{body}"
    );
    let (status, body) = app.post_as(&citizen.access, &format!("/api/v1/applications/{id}/supplement"), &json!({"note": "已补充", "materials": [{"material_code": "id_card", "media_id": media_id}]})).await;
    assert_eq!(
        (status, body["errors"][0]["reason"].as_str()),
        (422, Some("missing")),
        "another material is not the one asked for: {body}"
    );
    let (status, resumed) = app.post_as(&citizen.access, &format!("/api/v1/applications/{id}/supplement"), &json!({"note": "已补充", "materials": [{"material_code": "income_proof", "media_id": media_id}]})).await;
    assert_eq!(
        (status, resumed["status"].as_str()),
        (200, Some("under_review")),
        "{resumed}"
    );
    let after: chrono::NaiveDate = resumed["decide_due"].as_str().unwrap().parse().unwrap();
    // Ten calendar days hold a different number of working days depending on today's weekday
    // and the holidays: count them with the bureau's calendar, as the server does.
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let paused_on = today - Duration::days(10);
    let calendar =
        minzheng::scheduling::engine::calendar(&app.db, paused_on, after + Duration::days(60))
            .await
            .unwrap();
    let working = |d: chrono::NaiveDate| {
        minzheng::scheduling::domain::is_working_day(d, calendar.get(&d).copied())
    };
    let stood = minzheng::applications::domain::working_days_between(paused_on, today, working);
    assert!(
        stood > 0,
        "ten days without a working day: {paused_on}..{today}"
    );
    assert_eq!(
        after,
        minzheng::applications::domain::add_working_days(before, stood, working),
        "the deadline moved by the {stood} paused working days: {before} -> {after}"
    );
    assert!(
        resumed["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["supplement"] == true)
    );
    let (status, _) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/supplement"),
            &json!({"materials": []}),
        )
        .await;
    assert_eq!(status, 409, "nothing was asked now");

    // A home visit note is for staff eyes; the material reaches the reviewer.
    assert_eq!(
        act(
            &app,
            &reviewer,
            &id,
            "record_visit",
            Some("入户核查：家中有病人")
        )
        .await
        .0,
        200
    );
    let (_, staff_view) = app
        .get_as(
            &reviewer.access,
            &format!("/api/v1/review/applications/{id}"),
        )
        .await;
    assert!(staff_view.to_string().contains("入户核查"));
    let (_, citizen_view) = app
        .get_as(&citizen.access, &format!("/api/v1/applications/{id}"))
        .await;
    assert!(!citizen_view.to_string().contains("入户核查"));
    let url = staff_view["materials"][0]["url"].as_str().unwrap();
    let res = app
        .client
        .get(app.url(url))
        .bearer_auth(&reviewer.access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        (
            res.status().as_u16(),
            res.headers()["content-type"].to_str().unwrap()
        ),
        (200, "image/png")
    );
    let res = app
        .client
        .get(app.url(url))
        .bearer_auth(&other_street.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Forwarded, then withdrawn before the decision: the household is free again.
    assert_eq!(
        act(&app, &reviewer, &id, "forward", None).await.1["status"],
        "awaiting_approval"
    );
    let (status, gone) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/withdraw"),
            &json!({"reason": "不再需要"}),
        )
        .await;
    assert_eq!((status, gone["status"].as_str()), (200, Some("withdrawn")));
    assert_eq!(
        act(&app, &approver, &id, "approve", Some("好")).await.1["code"],
        "applications.illegal_transition"
    );
    let (status, body) = app
        .post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/withdraw"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("applications.illegal_transition"))
    );
    let again = ready(&app, &citizen, &id_no, "dibao", vec![]).await;
    assert_eq!(
        app.post_as(
            &citizen.access,
            &format!("/api/v1/applications/{again}/submit"),
            &json!({})
        )
        .await
        .0,
        200
    );
    // A draft of another service can be deleted (and started again); a submitted one cannot.
    let (status, draft) = app
        .post_as(
            &citizen.access,
            "/api/v1/applications",
            &json!({"service_code": "temporary_relief"}),
        )
        .await;
    assert_eq!(status, 201, "{draft}");
    let draft_id = draft["id"].as_str().unwrap();
    assert_eq!(
        app.delete_as(&citizen.access, &format!("/api/v1/applications/{draft_id}"))
            .await
            .0,
        204
    );
    assert_eq!(
        app.get_as(&citizen.access, &format!("/api/v1/applications/{draft_id}"))
            .await
            .0,
        404
    );
    assert_eq!(
        app.post_as(
            &citizen.access,
            "/api/v1/applications",
            &json!({"service_code": "temporary_relief"})
        )
        .await
        .0,
        201,
        "started again"
    );
    let (status, body) = app
        .delete_as(&citizen.access, &format!("/api/v1/applications/{again}"))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("applications.not_editable")),
        "{body}"
    );

    // Deadlines: an acceptance deadline passed shows as overdue.
    let again_id = uuid::Uuid::parse_str(&again).unwrap();
    entity::application::Entity::update_many()
        .col_expr(
            entity::application::Column::AcceptDue,
            Expr::value((Utc::now() + Duration::hours(8)).date_naive() - Duration::days(2)),
        )
        .filter(entity::application::Column::Id.eq(again_id))
        .exec(&app.db)
        .await
        .unwrap();
    let (_, overdue) = app
        .get_as(&reviewer.access, "/api/v1/review/applications?overdue=true")
        .await;
    let items = overdue["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (
            items[0]["overdue"].as_bool(),
            items[0]["days_left"].as_i64()
        ),
        (Some(true), Some(-2))
    );
    let (status, returned) = act(
        &app,
        &reviewer,
        &again,
        "return_incomplete",
        Some("材料不清晰"),
    )
    .await;
    assert_eq!(
        (status, returned["status"].as_str()),
        (200, Some("returned"))
    );
}

async fn household_incomes_go_only_to_those_who_decide_and_each_read_is_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let a = person(20);
    let citizen = app.verified_citizen("a", "申请人", &a).await;
    let id = ready(&app, &citizen, &a, "heating_subsidy", vec![]).await;
    assert_eq!(
        app.post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/submit"),
            &json!({})
        )
        .await
        .0,
        200
    );
    let reviewer = app
        .staff("r", "reviewer", "street", Some("zhongcang"))
        .await;
    let approver = app.staff("p", "approver", "district", None).await;
    let path = format!("/api/v1/review/applications/{id}");
    let (_, seen) = app.get_as(&reviewer.access, &path).await;
    assert_eq!(
        seen["members"][0]["monthly_income"], 800.0,
        "the street's reviewer decides it: {seen}"
    );
    for (who, token) in [("approver", &approver.access), ("admin", &admin.access)] {
        let (status, body) = app.get_as(token, &path).await;
        assert_eq!(status, 200, "{who}: {body}");
        assert!(
            body["members"][0]["monthly_income"].is_null(),
            "{who} does not decide a street's heating subsidy: {body}"
        );
        let (_, queue) = app
            .get_as(token, "/api/v1/review/applications?status=submitted")
            .await;
        assert!(
            queue["items"][0]["members"][0]["monthly_income"].is_null(),
            "{who}'s queue: {queue}"
        );
    }
    let (_, trail) = app
        .get_as(
            &admin.access,
            &format!("/api/v1/audit-events?target_kind=application&target_id={id}"),
        )
        .await;
    let reads = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "applications.incomes_read")
        .count();
    assert_eq!(reads, 1, "the reviewer's one read: {trail}");
}

async fn a_household_holds_one_active_application_and_the_catalogue_keeps_its_versions(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin().await;
    let (a, b, c) = (person(10), person(11), person(12));
    let first = app.verified_citizen("a", "申请人", &a).await;
    let spouse = app.verified_citizen("b", "配偶", &b).await;
    let id = ready(
        &app,
        &first,
        &a,
        "heating_subsidy",
        vec![json!({"relation": "spouse", "name": "配偶", "id_number": b, "monthly_income": 0.0})],
    )
    .await;
    assert_eq!(
        app.post_as(
            &first.access,
            &format!("/api/v1/applications/{id}/submit"),
            &json!({})
        )
        .await
        .0,
        200
    );
    let (_, mine) = app.get_as(&first.access, "/api/v1/applications").await;
    assert!(
        mine["items"][0]["members"][0]["monthly_income"].is_null(),
        "incomes are not repeated to citizens"
    );
    // Someone named in it applies themselves: not refused (naming a stranger must not
    // block them, nor tell anyone they receive assistance), but shown to the reviewers.
    let theirs = ready(&app, &spouse, &b, "heating_subsidy", vec![]).await;
    let (status, body) = app
        .post_as(
            &spouse.access,
            &format!("/api/v1/applications/{theirs}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body["household_overlap"].as_array().unwrap().is_empty(),
        "citizens are not told"
    );
    let reviewer = app
        .staff("r", "reviewer", "street", Some("zhongcang"))
        .await;
    let (_, seen) = app
        .get_as(
            &reviewer.access,
            &format!("/api/v1/review/applications/{theirs}"),
        )
        .await;
    assert_eq!(seen["household_overlap"], json!([id]), "{seen}");
    assert_eq!(
        seen["members"][0]["monthly_income"], 800.0,
        "reviewers see incomes"
    );
    let (_, other_side) = app
        .get_as(
            &reviewer.access,
            &format!("/api/v1/review/applications/{id}"),
        )
        .await;
    assert_eq!(other_side["household_overlap"], json!([theirs]));
    // The applicant holds the service: a second application of theirs is refused when
    // they start it, before any form is filled in (and no draft is left behind).
    let (status, body) = app
        .post_as(
            &first.access,
            "/api/v1/applications",
            &json!({"service_code": "heating_subsidy"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("applications.household_has_active_application")),
        "{body}"
    );
    let (_, mine) = app.get_as(&first.access, "/api/v1/applications").await;
    assert_eq!(
        mine["items"].as_array().unwrap().len(),
        1,
        "no second draft: {mine}"
    );
    let other_service = ready(&app, &spouse, &b, "dibao", vec![]).await;
    assert_eq!(
        app.post_as(
            &spouse.access,
            &format!("/api/v1/applications/{other_service}/submit"),
            &json!({})
        )
        .await
        .0,
        200,
        "another service is fine"
    );
    let d = person(13);
    let fourth = app.verified_citizen("d", "申请人", &d).await;
    let (status, second) = app
        .post_as(
            &fourth.access,
            "/api/v1/applications",
            &json!({"service_code": "heating_subsidy"}),
        )
        .await;
    assert_eq!(status, 201, "{second}");
    let again = ready_existing(
        &app,
        &fourth,
        &d,
        second["id"].as_str().unwrap(),
        "heating_subsidy",
    )
    .await;
    let (_, earlier) = app
        .post_as(
            &fourth.access,
            "/api/v1/applications",
            &json!({"service_code": "heating_subsidy"}),
        )
        .await;
    assert_eq!(
        earlier["code"], "applications.draft_exists",
        "one draft per service: {earlier}"
    );

    // Per-field errors while filling in, and on submission.
    let (status, body) = put(
        &app,
        &fourth.access,
        &format!("/api/v1/applications/{again}/form"),
        &json!({"values": {"area_m2": 9000, "heating": "wood", "colour": "red", "phone": "123"}}),
    )
    .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "values.area_m2",
        "values.heating",
        "values.colour",
        "values.phone",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let (status, body) = put(&app, &fourth.access, &format!("/api/v1/applications/{again}/household"), &json!({"members": [{"relation": "self", "name": "别人", "id_number": c, "monthly_income": 1.0}]})).await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("members[0].id_number")),
        "self must be the applicant"
    );

    // A new version of the catalogue: new drafts follow it, the submitted one keeps its.
    let mut def = definition(&app, "heating_subsidy").await;
    def["fields"].as_array_mut().unwrap().push(json!({"key": "floor", "label": "楼层", "type": "integer", "required": true, "min": 1.0, "max": 100.0}));
    let (status, saved) = put(
        &app,
        &admin.access,
        "/api/v1/services/heating_subsidy",
        &def,
    )
    .await;
    assert_eq!(
        (status, saved["version"].as_i64()),
        (200, Some(2)),
        "{saved}"
    );
    assert_eq!(
        put(
            &app,
            &reviewer.access,
            "/api/v1/services/heating_subsidy",
            &def
        )
        .await
        .0,
        403
    );
    let mut broken = def.clone();
    broken["routed_by"] = json!("moon");
    assert_eq!(
        put(
            &app,
            &admin.access,
            "/api/v1/services/heating_subsidy",
            &broken
        )
        .await
        .1["errors"][0]["field"],
        "routed_by"
    );
    let (_, kept) = app
        .get_as(&first.access, &format!("/api/v1/applications/{id}"))
        .await;
    assert_eq!(kept["service_version"], 1);
    let old: Value = app
        .get("/api/v1/services/heating_subsidy?version=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        old["definition"]["fields"].as_array().unwrap().len() + 1,
        def["fields"].as_array().unwrap().len()
    );
    let third = app.verified_citizen("c", "申请人", &c).await;
    let (_, draft) = app
        .post_as(
            &third.access,
            "/api/v1/applications",
            &json!({"service_code": "heating_subsidy"}),
        )
        .await;
    assert_eq!(draft["service_version"], 2);
    let draft_id = draft["id"].as_str().unwrap();
    let form = json!({"values": valid_values(&definition(&app, "heating_subsidy").await).as_object().unwrap().iter().filter(|(k, _)| *k != "floor").map(|(k, v)| (k.clone(), v.clone())).collect::<Map<_, _>>(), "hukou_street_id": "zhongcang"});
    assert_eq!(
        put(
            &app,
            &third.access,
            &format!("/api/v1/applications/{draft_id}/form"),
            &form
        )
        .await
        .0,
        200
    );
    let (status, body) = app
        .post_as(
            &third.access,
            &format!("/api/v1/applications/{draft_id}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"values.floor")
            && fields.contains(&"household")
            && fields.contains(&"materials.id_card"),
        "{fields:?}"
    );

    // Household data is sealed at rest.
    let members = entity::application_member::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert!(!members.is_empty());
    for m in members {
        assert!(m.id_number_sealed.starts_with("v1.") && m.income_sealed.starts_with("v1."));
        assert!(!m.id_number_sealed.contains(&a[..10]));
    }
}

async fn a_proxy_applies_with_consent_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let (p, q) = (person(20), person(21));
    let principal = app.verified_citizen("principal", "老人", &p).await;
    let proxy = app.verified_citizen("proxy", "子女", &q).await;
    let grant = json!({"proxy_name": "子女", "proxy_id_number": q, "relation": "child", "services": ["dibao"]});
    assert_eq!(
        app.post_as(&principal.access, "/api/v1/identity/proxies", &grant)
            .await
            .0,
        201
    );
    let (status, draft) = app
        .post_as(
            &proxy.access,
            "/api/v1/applications",
            &json!({"service_code": "dibao", "applicant_id": principal.id}),
        )
        .await;
    assert_eq!(
        (status, draft["applicant_id"].as_str()),
        (201, Some(principal.id.as_str())),
        "{draft}"
    );
    let (status, body) = app
        .post_as(
            &proxy.access,
            "/api/v1/applications",
            &json!({"service_code": "heating_subsidy", "applicant_id": principal.id}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("applications.not_a_proxy"))
    );
    let (_, theirs) = app.get_as(&principal.access, "/api/v1/applications").await;
    assert_eq!(
        theirs["items"][0]["id"], draft["id"],
        "the applicant sees what the proxy started"
    );
    // NUL characters (which PostgreSQL cannot store) are refused at the door.
    let (status, _) = app
        .post_as(
            &proxy.access,
            "/api/v1/applications",
            &json!({"service_code": "di\u{0}bao"}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(app.get("/api/v1/services/di%00bao").await.status(), 404);
    let reviewer = app
        .staff("r", "reviewer", "street", Some("zhongcang"))
        .await;
    assert_eq!(
        app.get_as(
            &reviewer.access,
            "/api/v1/review/applications?service_code=%00"
        )
        .await
        .0,
        400
    );
    let stranger = app.verified_citizen("stranger", "路人", &person(22)).await;
    assert_eq!(
        app.get_as(
            &stranger.access,
            &format!("/api/v1/applications/{}", draft["id"].as_str().unwrap())
        )
        .await
        .0,
        404
    );
    // Ten taps at once make one draft.
    let body = json!({"service_code": "education_grant"});
    let creates = (0..10).map(|_| app.post_as(&stranger.access, "/api/v1/applications", &body));
    let answers = futures_util::future::join_all(creates).await;
    assert_eq!(
        answers.iter().filter(|(s, _)| *s == 201).count(),
        1,
        "{answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|(s, b)| *s == 201 || b["code"] == "applications.draft_exists"),
        "{answers:?}"
    );
}

on_both_backends!(
    every_service_goes_from_draft_to_decision_at_the_responsible_street,
    supplements_pause_the_clock_and_the_state_machine_refuses_what_it_must,
    household_incomes_go_only_to_those_who_decide_and_each_read_is_audited,
    a_household_holds_one_active_application_and_the_catalogue_keeps_its_versions,
    a_proxy_applies_with_consent_only
);

async fn statistics_count_and_forgotten_drafts_are_reminded_then_purged(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.sweep_interval_secs = 1).await;
    let reviewer = app
        .staff("r", "reviewer", "street", Some("zhongcang"))
        .await;
    let admin = app.admin().await;
    for n in 0..3 {
        let id_no = person(30 + n);
        let citizen = app
            .verified_citizen(&format!("s{n}"), "申请人", &id_no)
            .await;
        let id = ready(&app, &citizen, &id_no, "heating_subsidy", vec![]).await;
        app.post_as(
            &citizen.access,
            &format!("/api/v1/applications/{id}/submit"),
            &json!({}),
        )
        .await;
        act(&app, &reviewer, &id, "accept", None).await;
        let decision = if n == 0 { "reject" } else { "approve" };
        assert_eq!(
            act(&app, &reviewer, &id, decision, Some("依规定")).await.0,
            200
        );
    }
    let (status, stats) = app.get_as(&admin.access, "/api/v1/review/statistics").await;
    assert_eq!(status, 200, "{stats}");
    let approved: u64 = stats["counts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "approved" && c["service_code"] == "heating_subsidy")
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(approved, 2);
    assert!(stats["median_processing_days"]["heating_subsidy"].is_number());
    let res = app
        .client
        .get(app.url("/api/v1/review/statistics?format=csv"))
        .bearer_auth(&admin.access)
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = res.text().await.unwrap();
    assert!(
        csv.contains("service_code,street_id,status,month,count")
            && csv.contains("heating_subsidy,zhongcang,approved,"),
        "{csv}"
    );
    assert_eq!(
        app.get_as(&reviewer.access, "/api/v1/review/statistics")
            .await
            .0,
        403
    );
    assert_eq!(
        app.get_as(&admin.access, "/api/v1/review/statistics?format=xml")
            .await
            .0,
        422
    );

    // A draft untouched for 28 days is reminded of, at 30 it goes.
    let id_no = person(40);
    let forgetful = app.verified_citizen("forgetful", "申请人", &id_no).await;
    let (_, draft) = app
        .post_as(
            &forgetful.access,
            "/api/v1/applications",
            &json!({"service_code": "dibao"}),
        )
        .await;
    let draft_id = uuid::Uuid::parse_str(draft["id"].as_str().unwrap()).unwrap();
    let age = |days: i64| {
        let db = app.db.clone();
        async move {
            entity::application::Entity::update_many()
                .col_expr(
                    entity::application::Column::UpdatedAt,
                    Expr::value(Utc::now() - Duration::days(days)),
                )
                .filter(entity::application::Column::Id.eq(draft_id))
                .exec(&db)
                .await
                .unwrap();
        }
    };
    age(28).await;
    let mut reminded = false;
    for _ in 0..60 {
        let row = entity::application::Entity::find_by_id(draft_id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        if row.reminded_at.is_some() {
            reminded = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(reminded, "reminded three days before");
    age(31).await;
    let mut gone = false;
    for _ in 0..60 {
        if app
            .get_as(
                &forgetful.access,
                &format!("/api/v1/applications/{draft_id}"),
            )
            .await
            .0
            == 404
        {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(gone, "purged after 30 days");
}

on_both_backends!(statistics_count_and_forgotten_drafts_are_reminded_then_purged);
