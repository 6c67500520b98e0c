//! Online memorial halls: who sees a page, the family, tributes counted under load,
//! messages through the sensitive-word filter and the reviews, staff takedown.
use image::{DynamicImage, ImageFormat};
use minzheng_tests::Backend;
use minzheng_tests::{TestApp, id_number, on_both_backends, spawn_app};
use reqwest::Method;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const OWNER: &str = "11011219600101001";
const RELATIVE: &str = "11011219650202002";
const VISITOR: &str = "11011219700303003";

fn png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::new_rgb8(40, 50)
        .write_to(&mut out, ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

async fn upload(app: &TestApp, token: &str) -> String {
    let (status, body) = app
        .upload(token, png(), "image/png", "memorial_portrait")
        .await;
    assert_eq!(status, 201);
    body["id"].as_str().unwrap().to_owned()
}

fn details(visibility: &str) -> Value {
    json!({"deceased_name": "王秀英", "birth_date": "1938-03-12", "death_date": "2025-12-01",
           "biography": "一生勤劳善良。", "visibility": visibility})
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, page) = app.post_as(token, "/api/v1/memorials", &body).await;
    assert_eq!(status, 201, "{page}");
    page
}

async fn anonymous(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn send(app: &TestApp, method: Method, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = app
        .authed(method, path, token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn bodies(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

async fn each_visibility_shows_a_page_to_whom_it_should(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app
        .verified_citizen("owner", "王建国", &id_number(OWNER))
        .await;
    let relative = app
        .verified_citizen("relative", "李红", &id_number(RELATIVE))
        .await;
    let stranger = app.citizen("stranger").await;
    let portrait = upload(&app, &owner.access).await;
    let mut family_body = details("family");
    family_body["portrait_media_id"] = json!(portrait);
    let family = create(&app, &owner.access, family_body).await;
    let link = create(&app, &owner.access, details("link")).await;
    let public = create(&app, &owner.access, details("public")).await;
    assert_eq!(public["pre_review"], true, "public pages are pre-reviewed");
    assert_eq!(family["your_role"], "owner");
    assert_eq!(
        family["tributes"],
        json!({"flowers": 0, "candles": 0, "incense": 0})
    );
    let (fid, lid, pid) = (
        family["id"].as_str().unwrap(),
        link["id"].as_str().unwrap(),
        public["id"].as_str().unwrap(),
    );
    let token = link["share_token"].as_str().unwrap();

    // Anonymous and a stranger: the public page; the link page with its token only; never the family page.
    for who in [None, Some(&stranger.access)] {
        let get = |path: String| {
            let app = &app;
            async move {
                match who {
                    None => anonymous(app, &path).await,
                    Some(t) => app.get_as(t, &path).await,
                }
            }
        };
        let (status, seen) = get(format!("/api/v1/memorials/{pid}")).await;
        assert_eq!((status, seen["your_role"].as_str()), (200, Some("visitor")));
        assert!(
            seen["share_token"].is_null(),
            "the share token is the family's"
        );
        assert_eq!(get(format!("/api/v1/memorials/{lid}")).await.0, 404);
        assert_eq!(
            get(format!("/api/v1/memorials/{lid}?token=wrong-token"))
                .await
                .0,
            404
        );
        assert_eq!(
            get(format!("/api/v1/memorials/{lid}?token={token}"))
                .await
                .0,
            200
        );
        let (status, body) = get(format!("/api/v1/memorials/{fid}")).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("memorial.not_found"))
        );
        assert_eq!(
            get(format!("/api/v1/memorials/{fid}/portrait")).await.0,
            404
        );
    }
    assert_eq!(
        app.get_as("not-a-token", &format!("/api/v1/memorials/{pid}"))
            .await
            .0,
        401,
        "a bad token is not anonymous"
    );

    // A link passed too far is replaced: the old token stops working.
    let rotate = format!("/api/v1/memorials/{lid}/share-link");
    assert_eq!(
        app.post_as(&stranger.access, &rotate, &json!({})).await.0,
        404
    );
    let (status, rotated) = app.post_as(&owner.access, &rotate, &json!({})).await;
    let new_token = rotated["share_token"].as_str().unwrap();
    assert_eq!(status, 200);
    assert_ne!(new_token, token);
    assert_eq!(
        anonymous(&app, &format!("/api/v1/memorials/{lid}?token={token}"))
            .await
            .0,
        404
    );
    assert_eq!(
        anonymous(&app, &format!("/api/v1/memorials/{lid}?token={new_token}"))
            .await
            .0,
        200
    );

    // The public list holds only the public page.
    let (status, listed) = anonymous(&app, "/api/v1/memorials?limit=10").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![pid]);

    // Invited family.
    assert_eq!(
        app.post_as(
            &relative.access,
            &format!("/api/v1/memorials/{fid}/invitations"),
            &json!({})
        )
        .await
        .0,
        404,
        "no invitations from outsiders"
    );
    let (status, invitation) = app
        .post_as(
            &owner.access,
            &format!("/api/v1/memorials/{fid}/invitations"),
            &json!({}),
        )
        .await;
    assert_eq!(status, 201, "{invitation}");
    let code = invitation["code"].as_str().unwrap();
    let (status, body) = app
        .post_as(
            &relative.access,
            "/api/v1/memorials/join",
            &json!({"code": "WRONG12345"}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("memorial.invitation_invalid"))
    );
    let spaced = format!("{} {}", &code[..5], code[5..].to_lowercase());
    let (status, joined) = app
        .post_as(
            &relative.access,
            "/api/v1/memorials/join",
            &json!({"code": spaced}),
        )
        .await;
    assert_eq!(
        (status, joined["your_role"].as_str()),
        (200, Some("family")),
        "{joined}"
    );
    let (status, body) = app
        .post_as(
            &stranger.access,
            "/api/v1/memorials/join",
            &json!({"code": code}),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("memorial.invitation_invalid")),
        "one use"
    );
    let (status, seen) = app
        .get_as(&relative.access, &format!("/api/v1/memorials/{fid}"))
        .await;
    assert_eq!((status, seen["your_role"].as_str()), (200, Some("family")));
    let res = app
        .authed(
            Method::GET,
            &format!("/api/v1/memorials/{fid}/portrait"),
            &relative.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let (_, mine) = app.get_as(&relative.access, "/api/v1/memorials/mine").await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    let (_, mine) = app
        .get_as(&owner.access, "/api/v1/memorials/mine?limit=2")
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
    let cursor = mine["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get_as(
            &owner.access,
            &format!("/api/v1/memorials/mine?limit=2&cursor={cursor}"),
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
    let (status, members) = app
        .get_as(
            &relative.access,
            &format!("/api/v1/memorials/{fid}/members"),
        )
        .await;
    assert_eq!(status, 200, "{members}");
    let names: Vec<(&str, &str)> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap(),
                m["name_masked"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(names, vec![("owner", "王**"), ("family", "李*")]);
    assert!(!members.to_string().contains("王建国"), "names are masked");

    // Only the creator edits; a removed member sees nothing any more.
    let (status, body) = send(
        &app,
        Method::PUT,
        &relative.access,
        &format!("/api/v1/memorials/{fid}"),
        details("family"),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("memorial.not_owner"))
    );
    let mut changed = details("link");
    changed["biography"] = json!("教书育人四十年。");
    let (status, updated) = send(
        &app,
        Method::PUT,
        &owner.access,
        &format!("/api/v1/memorials/{fid}"),
        changed,
    )
    .await;
    assert_eq!(
        (
            status,
            updated["biography"].as_str(),
            updated["portrait_url"].as_str()
        ),
        (200, Some("教书育人四十年。"), None),
        "{updated}"
    );
    let res = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/memorials/{fid}/members/{}", relative.id),
            &owner.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        app.get_as(&relative.access, &format!("/api/v1/memorials/{fid}"))
            .await
            .0,
        404
    );
    let res = app
        .authed(
            Method::DELETE,
            &format!("/api/v1/memorials/{fid}/members/{}", relative.id),
            &owner.access,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Staff who moderate see every page.
    let reviewer = app
        .staff("district.reviewer", "reviewer", "district", None)
        .await;
    let (status, seen) = app
        .get_as(&reviewer.access, &format!("/api/v1/memorials/{fid}"))
        .await;
    assert_eq!((status, seen["your_role"].as_str()), (200, Some("staff")));
}

async fn no_memorial_for_the_living_and_bad_inputs_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app
        .verified_citizen("owner", "王建国", &id_number(OWNER))
        .await;
    let tomorrow =
        (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive() + chrono::Duration::days(1);
    let mut missing = details("family");
    missing.as_object_mut().unwrap().remove("death_date");
    let mut future = details("family");
    future["death_date"] = json!(tomorrow.to_string());
    for body in [missing, future] {
        let (status, problem) = app.post_as(&owner.access, "/api/v1/memorials", &body).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (422, Some("memorial.living_person")),
            "{problem}"
        );
    }
    let mut born_late = details("family");
    born_late["birth_date"] = json!("2026-01-01");
    let mut public_unreviewed = details("public");
    public_unreviewed["pre_review"] = json!(false);
    let mut no_name = details("family");
    no_name["deceased_name"] = json!("  ");
    let mut extra = details("family");
    extra["price"] = json!(100);
    for (body, field) in [
        (born_late, "birth_date"),
        (public_unreviewed, "pre_review"),
        (no_name, "deceased_name"),
        (details("everyone"), "visibility"),
    ] {
        let (status, problem) = app.post_as(&owner.access, "/api/v1/memorials", &body).await;
        assert_eq!(
            (
                status,
                problem["code"].as_str(),
                problem["errors"][0]["field"].as_str()
            ),
            (422, Some("request.invalid_body"), Some(field)),
            "{problem}"
        );
    }
    let (status, problem) = app
        .post_as(&owner.access, "/api/v1/memorials", &extra)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (422, Some("request.unknown_field"))
    );
    let mut foreign = details("family");
    foreign["portrait_media_id"] = json!(uuid::Uuid::now_v7());
    assert_eq!(
        app.post_as(&owner.access, "/api/v1/memorials", &foreign)
            .await
            .1["code"],
        "media.not_found"
    );

    let unverified = app
        .citizen_with_real_name("unverified", "赵六", &id_number(VISITOR))
        .await;
    let (status, problem) = app
        .post_as(&unverified.access, "/api/v1/memorials", &details("family"))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("identity.real_name_unverified"))
    );
    let nameless = app.citizen("nameless").await;
    let (status, problem) = app
        .post_as(&nameless.access, "/api/v1/memorials", &details("family"))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("identity.real_name_required"))
    );
    let res = app.post_json("/api/v1/memorials", &details("family")).await;
    assert_eq!(res.status(), 401);

    let page = create(&app, &owner.access, details("public")).await;
    let id = page["id"].as_str().unwrap();
    let (status, problem) = app
        .post_as(
            &owner.access,
            &format!("/api/v1/memorials/{id}/tributes"),
            &json!({"kind": "gold"}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("kind"))
    );
    assert_eq!(
        app.get(&format!("/api/v1/memorials/{id}/messages?status=all"))
            .await
            .status(),
        422
    );
    assert_eq!(
        app.get(&format!("/api/v1/memorials/{id}/messages?cursor=%%%"))
            .await
            .status(),
        400
    );
    assert_eq!(app.get("/api/v1/memorials/not-a-uuid").await.status(), 400);
    let (status, problem) =
        anonymous(&app, &format!("/api/v1/memorials/{}", uuid::Uuid::now_v7())).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (404, Some("memorial.not_found"))
    );
}

async fn concurrent_tributes_lose_no_increment(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app
        .verified_citizen("owner", "王建国", &id_number(OWNER))
        .await;
    let page = create(&app, &owner.access, details("public")).await;
    let id = page["id"].as_str().unwrap().to_owned();
    let mut people = Vec::new();
    for i in 0..10 {
        people.push(app.citizen(&format!("mourner{i}")).await);
    }
    // 10 people x 20 tributes = 200 at once, the kinds mixed.
    let kinds = ["flower", "candle", "incense", "flower"];
    let attempts = (0..200).map(|n| {
        let (app, token, path) = (
            &app,
            people[n % 10].access.clone(),
            format!("/api/v1/memorials/{id}/tributes"),
        );
        let kind = kinds[n % 4];
        async move { app.post_as(&token, &path, &json!({"kind": kind})).await }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let failed: Vec<_> = answers
        .iter()
        .filter(|(s, _)| *s != 200)
        .map(|(s, b)| (s, b.to_string()))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    let totals: Vec<i64> = answers
        .iter()
        .map(|(_, b)| {
            b["flowers"].as_i64().unwrap()
                + b["candles"].as_i64().unwrap()
                + b["incense"].as_i64().unwrap()
        })
        .collect();
    assert_eq!(totals.iter().max(), Some(&200));
    let (_, seen) = anonymous(&app, &format!("/api/v1/memorials/{id}")).await;
    assert_eq!(
        seen["tributes"],
        json!({"flowers": 100, "candles": 50, "incense": 50})
    );

    // The 21st tribute of a person on this page today is refused, and counts nothing.
    let (status, problem) = app
        .post_as(
            &people[0].access,
            &format!("/api/v1/memorials/{id}/tributes"),
            &json!({"kind": "flower"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (429, Some("memorial.tribute_limit"))
    );
    let (status, counts) = app
        .post_as(
            &owner.access,
            &format!("/api/v1/memorials/{id}/tributes"),
            &json!({"kind": "candle"}),
        )
        .await;
    assert_eq!(
        (status, counts),
        (200, json!({"flowers": 100, "candles": 51, "incense": 50}))
    );
    let row = entity::memorial::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.flowers + row.candles + row.incense, 201);
    let res = app
        .post_json(
            &format!("/api/v1/memorials/{id}/tributes"),
            &json!({"kind": "flower"}),
        )
        .await;
    assert_eq!(res.status(), 401, "tributes need a signed-in citizen");
}

async fn messages_pass_the_filter_and_the_reviews(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app
        .verified_citizen("owner", "王建国", &id_number(OWNER))
        .await;
    let visitor = app
        .verified_citizen("visitor", "李红", &id_number(RELATIVE))
        .await;
    let stranger = app
        .verified_citizen("stranger", "赵六", &id_number(VISITOR))
        .await;
    let reviewer = app
        .staff("district.reviewer", "reviewer", "district", None)
        .await;
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let page = create(&app, &owner.access, details("public")).await;
    let id = page["id"].as_str().unwrap().to_owned();
    let messages = format!("/api/v1/memorials/{id}/messages");

    // Pre-review: held for the family, seen by its author as held, not by others.
    let (status, held) = app
        .post_as(
            &visitor.access,
            &messages,
            &json!({"body": "外婆，我们想念您。"}),
        )
        .await;
    assert_eq!(status, 201, "{held}");
    assert_eq!(
        (
            held["status"].as_str(),
            held["hold_reason"].as_str(),
            held["display_name"].as_str(),
            held["mine"].as_bool()
        ),
        (Some("held"), Some("pre_review"), Some("李*"), Some(true))
    );
    let (status, second) = app
        .post_as(
            &visitor.access,
            &messages,
            &json!({"body": "清明安康", "display_name": "外孙小明"}),
        )
        .await;
    assert_eq!(
        (status, second["display_name"].as_str()),
        (201, Some("外孙小明"))
    );
    assert_eq!(
        bodies(&anonymous(&app, &messages).await.1),
        Vec::<String>::new()
    );
    assert_eq!(
        bodies(&app.get_as(&stranger.access, &messages).await.1),
        Vec::<String>::new()
    );
    let (_, own) = app.get_as(&visitor.access, &messages).await;
    assert_eq!(own["items"][0]["status"], "held");
    assert_eq!(bodies(&own).len(), 2);
    let notices = entity::outbox_message::Entity::find()
        .filter(entity::outbox_message::Column::Template.eq("memorial_message"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(notices.len(), 1, "the family hears once that messages wait");
    assert_eq!(notices[0].recipient, "openid-owner");

    // Outsiders cannot moderate; the family approves and hides.
    let first = held["id"].as_str().unwrap();
    let approve = |mid: &str| format!("/api/v1/memorials/{id}/messages/{mid}/approve");
    let hide = |mid: &str| format!("/api/v1/memorials/{id}/messages/{mid}/hide");
    let (status, problem) = app
        .post_as(&stranger.access, &approve(first), &json!({}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("memorial.not_family"))
    );
    assert_eq!(
        app.post_as(&clerk.access, &approve(first), &json!({}))
            .await
            .0,
        403,
        "a desk clerk does not moderate"
    );
    assert_eq!(
        app.post_json(&approve(first), &json!({})).await.status(),
        401
    );
    let (status, approved) = app
        .post_as(&owner.access, &approve(first), &json!({}))
        .await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (200, Some("published")),
        "{approved}"
    );
    let (status, problem) = app
        .post_as(&owner.access, &approve(first), &json!({}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (409, Some("memorial.message_state"))
    );
    let (status, hidden) = app
        .post_as(
            &owner.access,
            &hide(second["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!((status, hidden["status"].as_str()), (200, Some("hidden")));
    let (_, public) = anonymous(&app, &messages).await;
    assert_eq!(bodies(&public), vec!["外婆，我们想念您。"]);
    assert!(
        public["items"][0]["hold_reason"].is_null() && public["items"][0]["author_id"].is_null(),
        "{public}"
    );
    assert_eq!(
        app.post_as(
            &owner.access,
            &format!(
                "/api/v1/memorials/{id}/messages/{}/hide",
                uuid::Uuid::now_v7()
            ),
            &json!({})
        )
        .await
        .1["code"],
        "memorial.message_not_found"
    );

    // Sensitive words, with spaces and full-width letters: held for staff; the family may not approve.
    let (_, spaced) = app
        .post_as(&visitor.access, &messages, &json!({"body": "来 赌.博 吧"}))
        .await;
    let (_, wide) = app
        .post_as(&visitor.access, &messages, &json!({"body": "ＦＵＣＫ"}))
        .await;
    let (_, by_family) = app
        .post_as(
            &owner.access,
            &messages,
            &json!({"body": "妈，我们都好，勿念。"}),
        )
        .await;
    assert_eq!(
        (spaced["status"].as_str(), spaced["hold_reason"].as_str()),
        (Some("held"), Some("sensitive_word"))
    );
    assert_eq!(wide["hold_reason"], "sensitive_word");
    assert_eq!(
        by_family["status"], "published",
        "the family's own messages need no pre-review"
    );
    let (status, problem) = app
        .post_as(
            &owner.access,
            &approve(spaced["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("memorial.staff_review_required"))
    );
    assert_eq!(
        app.post_as(
            &owner.access,
            &hide(wide["id"].as_str().unwrap()),
            &json!({})
        )
        .await
        .0,
        200,
        "the family may hide it"
    );
    let (status, queue) = app
        .get_as(&reviewer.access, "/api/v1/moderation/memorial-messages")
        .await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(bodies(&queue), vec!["来 赌.博 吧"]);
    assert_eq!(
        queue["items"][0]["author_id"],
        visitor.id.as_str(),
        "staff know who is behind"
    );
    assert_eq!(
        app.get_as(&clerk.access, "/api/v1/moderation/memorial-messages")
            .await
            .0,
        403
    );
    let (status, approved) = app
        .post_as(
            &reviewer.access,
            &approve(spaced["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, approved["status"].as_str()),
        (200, Some("published"))
    );
    let (_, all) = app
        .get_as(&owner.access, &format!("{messages}?status=hidden"))
        .await;
    assert_eq!(bodies(&all).len(), 2);

    // Admins edit the list; matching follows the new list.
    let admin = app.admin().await;
    assert_eq!(
        app.get_as(&reviewer.access, "/api/v1/admin/sensitive-words")
            .await
            .0,
        403
    );
    let (status, words) = app
        .get_as(&admin.access, "/api/v1/admin/sensitive-words")
        .await;
    assert_eq!(status, 200);
    assert!(words["words"].as_array().unwrap().contains(&json!("赌博")));
    let (status, saved) = send(
        &app,
        Method::PUT,
        &admin.access,
        "/api/v1/admin/sensitive-words",
        json!({"words": ["ＳＰＡＭ 词", "广告"]}),
    )
    .await;
    assert_eq!((status, saved), (200, json!({"words": ["spam词", "广告"]})));
    let (status, problem) = send(
        &app,
        Method::PUT,
        &admin.access,
        "/api/v1/admin/sensitive-words",
        json!({"words": ["ok", " !! "]}),
    )
    .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("words[1]"))
    );
    let link = create(&app, &owner.access, {
        let mut b = details("link");
        b["pre_review"] = json!(false);
        b
    })
    .await;
    let token = link["share_token"].as_str().unwrap();
    let link_messages = format!(
        "/api/v1/memorials/{}/messages?token={token}",
        link["id"].as_str().unwrap()
    );
    assert_eq!(
        app.post_as(
            &visitor.access,
            &format!(
                "/api/v1/memorials/{}/messages",
                link["id"].as_str().unwrap()
            ),
            &json!({"body": "hi"})
        )
        .await
        .0,
        404,
        "no token, no page"
    );
    let (_, plain) = app
        .post_as(&visitor.access, &link_messages, &json!({"body": "赌博"}))
        .await;
    assert_eq!(
        plain["status"], "published",
        "no pre-review here, and the old word is gone"
    );
    let (_, caught) = app
        .post_as(
            &visitor.access,
            &link_messages,
            &json!({"body": "s p a m 词"}),
        )
        .await;
    assert_eq!(caught["hold_reason"], "sensitive_word");
    let (_, named) = app
        .post_as(
            &visitor.access,
            &link_messages,
            &json!({"body": "怀念", "display_name": "广-告"}),
        )
        .await;
    assert_eq!(
        named["hold_reason"], "sensitive_word",
        "the display name is filtered too"
    );

    // Bad messages.
    let (status, problem) = app
        .post_as(&visitor.access, &messages, &json!({"body": "   "}))
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("body"))
    );
    let (status, _) = app
        .post_as(
            &visitor.access,
            &messages,
            &json!({"body": "念".repeat(501)}),
        )
        .await;
    assert_eq!(status, 422);
    let (status, problem) = app
        .post_as(
            &visitor.access,
            &messages,
            &json!({"body": "好", "display_name": "名".repeat(21)}),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("display_name"))
    );
    let unverified = app
        .citizen_with_real_name("unverified", "孙七", &id_number("11011219800404004"))
        .await;
    let (status, problem) = app
        .post_as(&unverified.access, &messages, &json!({"body": "好"}))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (403, Some("identity.real_name_unverified")),
        "real name behind"
    );
}

async fn staff_take_a_page_down_and_restore_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app
        .verified_citizen("owner", "王建国", &id_number(OWNER))
        .await;
    let visitor = app
        .verified_citizen("visitor", "李红", &id_number(RELATIVE))
        .await;
    let admin = app.admin().await;
    let clerk = app
        .staff("centre.clerk", "clerk", "office", Some("marriage-centre"))
        .await;
    let page = create(&app, &owner.access, details("public")).await;
    let id = page["id"].as_str().unwrap().to_owned();
    let down = format!("/api/v1/memorials/{id}/take-down");
    let up = format!("/api/v1/memorials/{id}/restore");

    assert_eq!(
        app.post_as(&clerk.access, &down, &json!({"reason": "x"}))
            .await
            .0,
        403
    );
    assert_eq!(
        app.post_as(&owner.access, &down, &json!({"reason": "x"}))
            .await
            .0,
        401,
        "citizens cannot take pages down"
    );
    let (status, problem) = app.post_as(&admin.access, &down, &json!({})).await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (422, Some("reason"))
    );
    let (status, taken) = app
        .post_as(&admin.access, &down, &json!({"reason": "含有违法广告内容"}))
        .await;
    assert_eq!(
        (status, taken["status"].as_str()),
        (200, Some("taken_down")),
        "{taken}"
    );
    assert_eq!(
        app.post_as(&admin.access, &down, &json!({"reason": "again"}))
            .await
            .1["code"],
        "memorial.page_state"
    );

    let (status, problem) = anonymous(&app, &format!("/api/v1/memorials/{id}")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (410, Some("memorial.taken_down"))
    );
    assert_eq!(
        anonymous(&app, &format!("/api/v1/memorials/{id}/messages"))
            .await
            .0,
        410
    );
    assert!(
        anonymous(&app, "/api/v1/memorials").await.1["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (status, seen) = app
        .get_as(&owner.access, &format!("/api/v1/memorials/{id}"))
        .await;
    assert_eq!(
        (
            status,
            seen["status"].as_str(),
            seen["takedown_reason"].as_str()
        ),
        (200, Some("taken_down"), Some("含有违法广告内容"))
    );
    let (status, problem) = app
        .post_as(
            &visitor.access,
            &format!("/api/v1/memorials/{id}/tributes"),
            &json!({"kind": "flower"}),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (410, Some("memorial.taken_down"))
    );
    assert_eq!(
        app.post_as(
            &owner.access,
            &format!("/api/v1/memorials/{id}/messages"),
            &json!({"body": "好"})
        )
        .await
        .0,
        410
    );

    let (status, restored) = app.post_as(&admin.access, &up, &json!({})).await;
    assert_eq!(
        (
            status,
            restored["status"].as_str(),
            restored["takedown_reason"].as_str()
        ),
        (200, Some("active"), None)
    );
    assert_eq!(
        app.post_as(&admin.access, &up, &json!({})).await.1["code"],
        "memorial.page_state"
    );
    assert_eq!(
        anonymous(&app, &format!("/api/v1/memorials/{id}")).await.0,
        200
    );
    assert_eq!(
        app.post_as(
            &visitor.access,
            &format!("/api/v1/memorials/{id}/tributes"),
            &json!({"kind": "flower"})
        )
        .await
        .0,
        200
    );
    let missing = format!("/api/v1/memorials/{}/take-down", uuid::Uuid::now_v7());
    assert_eq!(
        app.post_as(&admin.access, &missing, &json!({"reason": "x"}))
            .await
            .1["code"],
        "memorial.not_found"
    );

    // Every step is in the audit trail.
    let actions: Vec<String> = entity::audit_inbox::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .chain(
            entity::audit_event::Entity::find()
                .all(&app.db)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.action),
        )
        .collect();
    for action in [
        "memorial.create",
        "memorial.take_down",
        "memorial.restore",
        "memorial.tribute",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action} not audited");
    }
}

on_both_backends!(
    each_visibility_shows_a_page_to_whom_it_should,
    no_memorial_for_the_living_and_bad_inputs_are_refused,
    concurrent_tributes_lose_no_increment,
    messages_pass_the_filter_and_the_reviews,
    staff_take_a_page_down_and_restore_it
);
