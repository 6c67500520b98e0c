//! The closed sets of funeral values, as stored (text columns) and on the wire: item
//! kinds, booking and transport statuses, and the actions on a booking.

/// What a catalogue item of a funeral home is (服务项目类别).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FuneralItemKind {
    /// 遗体接运
    Transport,
    /// 告别厅
    Farewell,
    /// 火化
    Cremation,
    /// 殡葬用品（骨灰盒、鲜花等）
    Goods,
    /// 其他
    Other,
}

impl FuneralItemKind {
    /// Every value, in the order above.
    pub const ALL: [FuneralItemKind; 5] = [
        FuneralItemKind::Transport,
        FuneralItemKind::Farewell,
        FuneralItemKind::Cremation,
        FuneralItemKind::Goods,
        FuneralItemKind::Other,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FuneralItemKind::Transport => "transport",
            FuneralItemKind::Farewell => "farewell",
            FuneralItemKind::Cremation => "cremation",
            FuneralItemKind::Goods => "goods",
            FuneralItemKind::Other => "other",
        }
    }
}

/// Where a funeral booking stands (殡葬服务预约状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FuneralBookingStatus {
    /// 待殡仪馆确认
    Pending,
    /// 已确认
    Confirmed,
    /// 已完成
    Done,
    /// 已取消
    Cancelled,
}

impl FuneralBookingStatus {
    /// Every value, in the order above.
    pub const ALL: [FuneralBookingStatus; 4] = [
        FuneralBookingStatus::Pending,
        FuneralBookingStatus::Confirmed,
        FuneralBookingStatus::Done,
        FuneralBookingStatus::Cancelled,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FuneralBookingStatus::Pending => "pending",
            FuneralBookingStatus::Confirmed => "confirmed",
            FuneralBookingStatus::Done => "done",
            FuneralBookingStatus::Cancelled => "cancelled",
        }
    }
}

/// Where a body transport request stands (遗体接运状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FuneralTransportStatus {
    /// 已申请
    Requested,
    /// 殡仪馆提议了另一时间，待家属接受
    Proposed,
    /// 时间已商定
    Agreed,
}

impl FuneralTransportStatus {
    /// Every value, in the order above.
    pub const ALL: [FuneralTransportStatus; 3] = [
        FuneralTransportStatus::Requested,
        FuneralTransportStatus::Proposed,
        FuneralTransportStatus::Agreed,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FuneralTransportStatus::Requested => "requested",
            FuneralTransportStatus::Proposed => "proposed",
            FuneralTransportStatus::Agreed => "agreed",
        }
    }
}

/// What may be done to a funeral booking (可执行的操作).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FuneralBookingAction {
    /// 确认预约
    Confirm,
    /// 提议接运时间
    ProposeTransportTime,
    /// 接受接运时间
    AcceptTransportTime,
    /// 办结
    Done,
    /// 取消预约
    Cancel,
}

impl FuneralBookingAction {
    /// Every value, in the order above.
    pub const ALL: [FuneralBookingAction; 5] = [
        FuneralBookingAction::Confirm,
        FuneralBookingAction::ProposeTransportTime,
        FuneralBookingAction::AcceptTransportTime,
        FuneralBookingAction::Done,
        FuneralBookingAction::Cancel,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FuneralBookingAction::Confirm => "confirm",
            FuneralBookingAction::ProposeTransportTime => "propose_transport_time",
            FuneralBookingAction::AcceptTransportTime => "accept_transport_time",
            FuneralBookingAction::Done => "done",
            FuneralBookingAction::Cancel => "cancel",
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
        round_trip!(
            FuneralItemKind,
            FuneralBookingStatus,
            FuneralTransportStatus,
            FuneralBookingAction
        );
    }
}
