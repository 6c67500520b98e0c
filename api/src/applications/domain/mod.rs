//! Rules of applications, free of storage: what a service definition holds, how a form
//! is checked against it, the state machine, and deadlines in working days.
mod days;
mod definitions;
mod seed;
mod status;

pub use days::{add_working_days, working_days_between};
pub use definitions::{
    FieldDef, MaterialDef, Problem, SERVICES, ServiceDef, check_definition, check_values,
};
pub use seed::seed_definitions;
pub use status::{ACTIVE, FINAL, Party, TRANSITIONS, allowed, next};

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::NaiveDate;
    use serde_json::Value;

    use super::*;
    use chrono::Datelike;

    #[test]
    fn the_seeded_definitions_are_valid() {
        let defs = seed_definitions();
        assert_eq!(defs.len(), SERVICES.len());
        for (code, def) in defs {
            assert!(SERVICES.contains(&code));
            assert_eq!(check_definition(&def), vec![], "{code}");
        }
    }

    #[test]
    fn values_are_checked_by_type_bounds_and_presence() {
        let (_, def) = seed_definitions()
            .into_iter()
            .find(|(c, _)| *c == "heating_subsidy")
            .unwrap();
        let values: BTreeMap<String, Value> = serde_json::from_value(serde_json::json!({"phone": "1381234567", "area_m2": 900, "heating": "wood", "colour": "red"})).unwrap();
        let problems = check_values(&def, &values, true);
        let reasons: Vec<(&str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.reason))
            .collect();
        assert!(reasons.contains(&("values.colour", "unknown")));
        assert!(reasons.contains(&("values.phone", "format")));
        assert!(reasons.contains(&("values.area_m2", "range")));
        assert!(reasons.contains(&("values.heating", "value")));
        assert!(reasons.contains(&("values.address", "required")));
        assert!(
            check_values(&def, &BTreeMap::new(), false).is_empty(),
            "a draft may be partial"
        );
    }

    #[test]
    fn the_state_machine_knows_who_may_do_what() {
        assert_eq!(
            next("submitted", "accept", Party::Reviewer, false),
            Some("under_review")
        );
        assert_eq!(next("submitted", "accept", Party::Citizen, false), None);
        assert_eq!(
            next("under_review", "approve", Party::Reviewer, true),
            None,
            "the district decides"
        );
        assert_eq!(
            next("under_review", "forward", Party::Reviewer, false),
            None,
            "nothing to forward to"
        );
        assert_eq!(
            next("awaiting_approval", "approve", Party::Approver, true),
            Some("approved")
        );
        assert_eq!(
            allowed("under_review", Party::Reviewer, true),
            vec!["request_supplement", "record_visit", "forward"]
        );
        assert_eq!(
            allowed("approved", Party::Citizen, false),
            Vec::<&str>::new()
        );
    }

    #[test]
    fn working_days_skip_weekends() {
        let friday = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let working = |d: NaiveDate| d.weekday().number_from_monday() <= 5;
        assert_eq!(
            add_working_days(friday, 1, working),
            NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        );
        assert_eq!(
            add_working_days(friday, 5, working),
            NaiveDate::from_ymd_opt(2026, 12, 11).unwrap()
        );
        assert_eq!(
            working_days_between(
                friday,
                NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
                working
            ),
            2
        );
    }
}
