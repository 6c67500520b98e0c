//! The catalogue the bureau starts with (demo data and a fresh install).
use super::definitions::{FieldDef, MaterialDef, ServiceDef};

/// The eight services as seeded: common local rules (RULES.md), which admins adjust.
#[expect(
    clippy::too_many_lines,
    reason = "the seeded rules, written out as data"
)]
pub fn seed_definitions() -> Vec<(&'static str, ServiceDef)> {
    let text = |key: &str, label: &str, required: bool| FieldDef {
        key: key.into(),
        label: label.into(),
        kind: "text".into(),
        required,
        max_length: Some(500),
        min: None,
        max: None,
        options: Vec::new(),
    };
    let typed = |key: &str, label: &str, kind: &str, min: Option<f64>, max: Option<f64>| FieldDef {
        key: key.into(),
        label: label.into(),
        kind: kind.into(),
        required: true,
        max_length: None,
        min,
        max,
        options: Vec::new(),
    };
    let choice = |key: &str, label: &str, options: &[&str]| FieldDef {
        key: key.into(),
        label: label.into(),
        kind: "choice".into(),
        required: true,
        max_length: None,
        min: None,
        max: None,
        options: options.iter().map(|o| (*o).into()).collect(),
    };
    let material = |code: &str, label: &str, required: bool| MaterialDef {
        code: code.into(),
        label: label.into(),
        required,
    };
    let phone = typed("phone", "联系电话", "phone", None, None);
    let address = text("address", "现住址", true);
    let reason = text("reason", "申请理由", true);
    let id_card = material("id_card", "申请人身份证", true);
    let hukou_book = material("hukou_book", "户口簿", true);
    let other = material("other", "其他证明材料", false);
    let service = |name: &str,
                   routed_by: &str,
                   approval: bool,
                   accept: u32,
                   decide: u32,
                   fields: Vec<FieldDef>,
                   materials: Vec<MaterialDef>| ServiceDef {
        name: name.into(),
        routed_by: routed_by.into(),
        needs_district_approval: approval,
        accept_days: accept,
        decide_days: decide,
        urgent_allowed: false,
        fields,
        materials,
    };
    let mut relief = service(
        "临时救助",
        "residence",
        false,
        2,
        15,
        vec![
            phone.clone(),
            address.clone(),
            choice(
                "emergency",
                "困难类型",
                &["illness", "accident", "disaster", "other"],
            ),
            typed(
                "amount_needed",
                "申请金额（元）",
                "number",
                Some(0.0),
                Some(100_000.0),
            ),
            reason.clone(),
        ],
        vec![
            id_card.clone(),
            material("hardship_proof", "困难情况证明", true),
            other.clone(),
        ],
    );
    relief.urgent_allowed = true;
    let means_tested = |name: &str| {
        service(
            name,
            "hukou",
            true,
            5,
            25,
            vec![
                phone.clone(),
                address.clone(),
                choice("housing", "住房情况", &["own", "rent", "other"]),
                reason.clone(),
            ],
            vec![
                id_card.clone(),
                hukou_book.clone(),
                material("income_proof", "家庭收入证明", true),
                other.clone(),
            ],
        )
    };
    let disability = |name: &str, max_grade: f64, approval: bool| {
        service(
            name,
            "hukou",
            approval,
            5,
            20,
            vec![
                phone.clone(),
                address.clone(),
                text("disability_certificate_no", "残疾人证号", true),
                typed(
                    "disability_grade",
                    "残疾等级",
                    "integer",
                    Some(1.0),
                    Some(max_grade),
                ),
                reason.clone(),
            ],
            vec![
                id_card.clone(),
                material("disability_certificate", "残疾人证", true),
                other.clone(),
            ],
        )
    };
    vec![
        ("dibao", means_tested("城乡最低生活保障")),
        ("low_income", means_tested("低收入家庭认定")),
        (
            "extreme_hardship",
            service(
                "特困人员供养",
                "hukou",
                true,
                5,
                25,
                vec![
                    phone.clone(),
                    address.clone(),
                    typed("able_to_work", "是否有劳动能力", "boolean", None, None),
                    choice(
                        "supporters",
                        "法定赡养、抚养、扶养人情况",
                        &["none", "unable"],
                    ),
                    reason.clone(),
                ],
                vec![id_card.clone(), hukou_book.clone(), other.clone()],
            ),
        ),
        ("temporary_relief", relief),
        (
            "education_grant",
            service(
                "高等教育新生入学救助",
                "hukou",
                false,
                5,
                15,
                vec![
                    phone.clone(),
                    text("student_name", "学生姓名", true),
                    text("university", "录取院校", true),
                    typed(
                        "admission_year",
                        "入学年份",
                        "integer",
                        Some(2020.0),
                        Some(2100.0),
                    ),
                ],
                vec![
                    id_card.clone(),
                    material("admission_letter", "录取通知书", true),
                    other.clone(),
                ],
            ),
        ),
        (
            "heating_subsidy",
            service(
                "采暖救助",
                "hukou",
                false,
                5,
                15,
                vec![
                    phone.clone(),
                    address.clone(),
                    choice(
                        "heating",
                        "采暖方式",
                        &["central", "electric", "gas", "coal"],
                    ),
                    typed(
                        "area_m2",
                        "采暖面积（平方米）",
                        "number",
                        Some(1.0),
                        Some(500.0),
                    ),
                ],
                vec![id_card.clone(), other.clone()],
            ),
        ),
        (
            "disability_living_allowance",
            disability("困难残疾人生活补贴", 4.0, false),
        ),
        (
            "disability_care_allowance",
            disability("重度残疾人护理补贴", 2.0, true),
        ),
    ]
}
