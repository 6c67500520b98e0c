//! The closed sets of marriage values, as stored (text columns) and on the wire: the
//! statuses of appointments, divorce applications and draw requests. The business types
//! are [`super::domain::BusinessType`].

/// Where a marriage registration appointment stands (预约状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// 待另一方确认
    PendingConfirmation,
    /// 已确认
    Confirmed,
    /// 已签到
    CheckedIn,
    /// 已办结
    Completed,
    /// 已取消
    Cancelled,
    /// 逾期未确认
    Expired,
    /// 未到场（爽约）
    NoShow,
}

impl AppointmentStatus {
    /// Every value, in the order above.
    pub const ALL: [AppointmentStatus; 7] = [
        AppointmentStatus::PendingConfirmation,
        AppointmentStatus::Confirmed,
        AppointmentStatus::CheckedIn,
        AppointmentStatus::Completed,
        AppointmentStatus::Cancelled,
        AppointmentStatus::Expired,
        AppointmentStatus::NoShow,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::PendingConfirmation => "pending_confirmation",
            AppointmentStatus::Confirmed => "confirmed",
            AppointmentStatus::CheckedIn => "checked_in",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::Expired => "expired",
            AppointmentStatus::NoShow => "no_show",
        }
    }
}

/// Where a joint divorce application stands (离婚登记申请状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DivorceApplicationStatus {
    /// 离婚冷静期中
    CoolingOff,
    /// 已预约领证
    Booked,
    /// 已办结
    Completed,
    /// 已撤回
    Withdrawn,
    /// 逾期未办理（视为撤回）
    Lapsed,
}

impl DivorceApplicationStatus {
    /// Every value, in the order above.
    pub const ALL: [DivorceApplicationStatus; 5] = [
        DivorceApplicationStatus::CoolingOff,
        DivorceApplicationStatus::Booked,
        DivorceApplicationStatus::Completed,
        DivorceApplicationStatus::Withdrawn,
        DivorceApplicationStatus::Lapsed,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DivorceApplicationStatus::CoolingOff => "cooling_off",
            DivorceApplicationStatus::Booked => "booked",
            DivorceApplicationStatus::Completed => "completed",
            DivorceApplicationStatus::Withdrawn => "withdrawn",
            DivorceApplicationStatus::Lapsed => "lapsed",
        }
    }
}

/// Where a request handed in for a draw stands (摇号申请状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DrawEntryStatus {
    /// 待摇号
    Pending,
    /// 中签（已预约）
    Won,
    /// 未中签
    Lost,
    /// 中签但预约未成功
    Failed,
    /// 已撤回
    Withdrawn,
}

impl DrawEntryStatus {
    /// Every value, in the order above.
    pub const ALL: [DrawEntryStatus; 5] = [
        DrawEntryStatus::Pending,
        DrawEntryStatus::Won,
        DrawEntryStatus::Lost,
        DrawEntryStatus::Failed,
        DrawEntryStatus::Withdrawn,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DrawEntryStatus::Pending => "pending",
            DrawEntryStatus::Won => "won",
            DrawEntryStatus::Lost => "lost",
            DrawEntryStatus::Failed => "failed",
            DrawEntryStatus::Withdrawn => "withdrawn",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each value serialises to, and reads back from, its stored string.
    macro_rules! round_trip {
        ($($t:ident),+) => {$(
            for v in $t::ALL {
                assert_eq!(serde_json::to_value(v).unwrap(), v.as_str(), stringify!($t));
                assert_eq!(serde_json::from_value::<$t>(v.as_str().into()).unwrap(), v);
            }
        )+};
    }

    #[test]
    fn wire_names_are_the_stored_strings() {
        round_trip!(AppointmentStatus, DivorceApplicationStatus, DrawEntryStatus);
    }
}
