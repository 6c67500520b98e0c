//! The closed set of proxy sweeping statuses, as stored and on the wire.

/// Where a proxy sweeping order stands (代祭扫订单状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SweepOrderStatus {
    /// 已下单
    Ordered,
    /// 已受理
    Accepted,
    /// 已完成（已上传照片凭证）
    Done,
    /// 家属已确认
    Confirmed,
    /// 家属有异议
    Disputed,
    /// 已取消
    Cancelled,
}

impl SweepOrderStatus {
    /// Every value, in the order above.
    pub const ALL: [SweepOrderStatus; 6] = [
        SweepOrderStatus::Ordered,
        SweepOrderStatus::Accepted,
        SweepOrderStatus::Done,
        SweepOrderStatus::Confirmed,
        SweepOrderStatus::Disputed,
        SweepOrderStatus::Cancelled,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            SweepOrderStatus::Ordered => "ordered",
            SweepOrderStatus::Accepted => "accepted",
            SweepOrderStatus::Done => "done",
            SweepOrderStatus::Confirmed => "confirmed",
            SweepOrderStatus::Disputed => "disputed",
            SweepOrderStatus::Cancelled => "cancelled",
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
        round_trip!(SweepOrderStatus);
    }
}
