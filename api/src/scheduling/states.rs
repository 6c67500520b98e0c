//! The closed sets of the scheduling core's values, as stored (text columns) and on the
//! wire: resource kinds, business types, exception kinds, day states, waitlist statuses
//! and draw phases.

/// What kind of bookable place a resource is (场所类型).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// 婚姻登记处
    MarriageOffice,
    /// 殡仪馆
    FuneralHome,
    /// 公益性墓园
    Cemetery,
    /// 村级埋葬点
    BurialGround,
}

impl ResourceKind {
    /// Every value, in the order above.
    pub const ALL: [ResourceKind; 4] = [
        ResourceKind::MarriageOffice,
        ResourceKind::FuneralHome,
        ResourceKind::Cemetery,
        ResourceKind::BurialGround,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::MarriageOffice => "marriage_office",
            ResourceKind::FuneralHome => "funeral_home",
            ResourceKind::Cemetery => "cemetery",
            ResourceKind::BurialGround => "burial_ground",
        }
    }
}

/// What a slot is for (业务类型): the business types of every room that books
/// through the scheduling core.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SlotBusinessType {
    /// 结婚登记
    Marriage,
    /// 离婚登记
    Divorce,
    /// 补领婚姻登记证
    Reissue,
    /// 告别厅
    Farewell,
    /// 火化
    Cremation,
    /// 预约祭扫
    Visit,
}

impl SlotBusinessType {
    /// Every value, in the order above.
    pub const ALL: [SlotBusinessType; 6] = [
        SlotBusinessType::Marriage,
        SlotBusinessType::Divorce,
        SlotBusinessType::Reissue,
        SlotBusinessType::Farewell,
        SlotBusinessType::Cremation,
        SlotBusinessType::Visit,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SlotBusinessType::Marriage => "marriage",
            SlotBusinessType::Divorce => "divorce",
            SlotBusinessType::Reissue => "reissue",
            SlotBusinessType::Farewell => "farewell",
            SlotBusinessType::Cremation => "cremation",
            SlotBusinessType::Visit => "visit",
        }
    }

    /// The value of a stored text, if it is one.
    pub fn parse(text: &str) -> Option<SlotBusinessType> {
        SlotBusinessType::ALL
            .into_iter()
            .find(|v| v.as_str() == text)
    }
}

/// A dated exception of a resource's weekly template (特殊日期).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ResourceExceptionKind {
    /// 闭馆（当天不办理）
    Closed,
    /// 特殊日（按比例加开或缩减名额）
    Special,
}

impl ResourceExceptionKind {
    /// Every value, in the order above.
    pub const ALL: [ResourceExceptionKind; 2] = [
        ResourceExceptionKind::Closed,
        ResourceExceptionKind::Special,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceExceptionKind::Closed => "closed",
            ResourceExceptionKind::Special => "special",
        }
    }
}

/// How a day of a resource's availability stands (当日状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DayState {
    /// 可预约
    Open,
    /// 当天不办理
    Closed,
    /// 尚未放号
    NotOpenYet,
    /// 已过
    Past,
    /// 摇号分配
    Draw,
}

impl DayState {
    /// Every value, in the order above.
    pub const ALL: [DayState; 5] = [
        DayState::Open,
        DayState::Closed,
        DayState::NotOpenYet,
        DayState::Past,
        DayState::Draw,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DayState::Open => "open",
            DayState::Closed => "closed",
            DayState::NotOpenYet => "not_open_yet",
            DayState::Past => "past",
            DayState::Draw => "draw",
        }
    }
}

/// Where a waitlist entry stands (候补状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WaitlistStatus {
    /// 候补中
    Waiting,
    /// 已为您保留名额，待预约
    Offered,
    /// 已预约
    Claimed,
    /// 逾期未预约
    Lapsed,
    /// 已取消
    Cancelled,
    /// 候补结束（当天已过）
    Closed,
}

impl WaitlistStatus {
    /// Every value, in the order above.
    pub const ALL: [WaitlistStatus; 6] = [
        WaitlistStatus::Waiting,
        WaitlistStatus::Offered,
        WaitlistStatus::Claimed,
        WaitlistStatus::Lapsed,
        WaitlistStatus::Cancelled,
        WaitlistStatus::Closed,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "waiting",
            WaitlistStatus::Offered => "offered",
            WaitlistStatus::Claimed => "claimed",
            WaitlistStatus::Lapsed => "lapsed",
            WaitlistStatus::Cancelled => "cancelled",
            WaitlistStatus::Closed => "closed",
        }
    }
}

/// Where a draw stands (摇号阶段).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DrawPhase {
    /// 未开始报名
    Scheduled,
    /// 报名中
    Collecting,
    /// 报名截止，待摇号
    Closed,
    /// 已摇号
    Drawn,
}

impl DrawPhase {
    /// Every value, in the order above.
    pub const ALL: [DrawPhase; 4] = [
        DrawPhase::Scheduled,
        DrawPhase::Collecting,
        DrawPhase::Closed,
        DrawPhase::Drawn,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DrawPhase::Scheduled => "scheduled",
            DrawPhase::Collecting => "collecting",
            DrawPhase::Closed => "closed",
            DrawPhase::Drawn => "drawn",
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
            ResourceKind,
            SlotBusinessType,
            ResourceExceptionKind,
            DayState,
            WaitlistStatus,
            DrawPhase
        );
    }
}
