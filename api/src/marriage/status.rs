//! How the registration desk moves an appointment (登记处操作): each step names the status
//! it starts from and the one it ends in, in one function, so no step is taken from the
//! wrong status whatever the route.
use super::states::AppointmentStatus;

/// A step the registration desk takes on an appointment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskAction {
    /// 签到
    CheckIn,
    /// 办结
    Complete,
    /// 记为未到
    NoShow,
    /// 撤销未到
    UndoNoShow,
}

impl DeskAction {
    /// The step's name, as the audit summary says it.
    pub fn as_str(self) -> &'static str {
        match self {
            DeskAction::CheckIn => "check_in",
            DeskAction::Complete => "complete",
            DeskAction::NoShow => "no_show",
            DeskAction::UndoNoShow => "undo_no_show",
        }
    }

    /// The audit trail's action for the step.
    pub fn audit_action(self) -> &'static str {
        match self {
            DeskAction::CheckIn => "marriage.appointment.check_in",
            DeskAction::Complete => "marriage.appointment.complete",
            DeskAction::NoShow => "marriage.appointment.no_show",
            DeskAction::UndoNoShow => "marriage.appointment.no_show_undone",
        }
    }
}

/// The status an appointment in `status` moves to when the desk takes `action`, or
/// `None` when the step is not open from there.
pub fn next(status: AppointmentStatus, action: DeskAction) -> Option<AppointmentStatus> {
    use AppointmentStatus as S;
    match (status, action) {
        (S::Confirmed, DeskAction::CheckIn) => Some(S::CheckedIn),
        (S::CheckedIn, DeskAction::Complete) => Some(S::Completed),
        (S::Confirmed, DeskAction::NoShow) => Some(S::NoShow),
        (S::NoShow, DeskAction::UndoNoShow) => Some(S::Confirmed),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AppointmentStatus as S;

    const ACTIONS: [DeskAction; 4] = [
        DeskAction::CheckIn,
        DeskAction::Complete,
        DeskAction::NoShow,
        DeskAction::UndoNoShow,
    ];

    #[test]
    fn each_desk_step_opens_from_one_status_only() {
        let open: Vec<(S, DeskAction, S)> = S::ALL
            .into_iter()
            .flat_map(|s| ACTIONS.into_iter().map(move |a| (s, a)))
            .filter_map(|(s, a)| next(s, a).map(|to| (s, a, to)))
            .collect();
        assert_eq!(
            open,
            vec![
                (S::Confirmed, DeskAction::CheckIn, S::CheckedIn),
                (S::Confirmed, DeskAction::NoShow, S::NoShow),
                (S::CheckedIn, DeskAction::Complete, S::Completed),
                (S::NoShow, DeskAction::UndoNoShow, S::Confirmed),
            ]
        );
    }

    #[test]
    fn nothing_moves_a_finished_appointment() {
        for s in [S::Completed, S::Cancelled, S::Expired] {
            for a in ACTIONS {
                assert_eq!(next(s, a), None, "{s:?} {a:?}");
            }
        }
    }
}
