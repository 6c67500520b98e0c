//! The closed sets of memorial hall values, as stored (text columns) and on the wire:
//! visibility, page and message states, why a message is held, tribute kinds, and the
//! roles of viewers and family members.

/// Who may see a memorial hall (可见范围).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemorialVisibility {
    /// 公开
    Public,
    /// 凭分享链接访问
    Link,
    /// 仅家人可见
    Family,
}

impl MemorialVisibility {
    /// Every value, in the order above.
    pub const ALL: [MemorialVisibility; 3] = [
        MemorialVisibility::Public,
        MemorialVisibility::Link,
        MemorialVisibility::Family,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MemorialVisibility::Public => "public",
            MemorialVisibility::Link => "link",
            MemorialVisibility::Family => "family",
        }
    }
}

/// Whether a memorial hall is shown (纪念馆状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemorialStatus {
    /// 正常
    Active,
    /// 已下架
    TakenDown,
}

impl MemorialStatus {
    /// Every value, in the order above.
    pub const ALL: [MemorialStatus; 2] = [MemorialStatus::Active, MemorialStatus::TakenDown];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MemorialStatus::Active => "active",
            MemorialStatus::TakenDown => "taken_down",
        }
    }
}

/// The caller's relation to a memorial hall (访问身份).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemorialViewerRole {
    /// 创建者
    Owner,
    /// 家人
    Family,
    /// 工作人员
    Staff,
    /// 访客
    Visitor,
}

impl MemorialViewerRole {
    /// Every value, in the order above.
    pub const ALL: [MemorialViewerRole; 4] = [
        MemorialViewerRole::Owner,
        MemorialViewerRole::Family,
        MemorialViewerRole::Staff,
        MemorialViewerRole::Visitor,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MemorialViewerRole::Owner => "owner",
            MemorialViewerRole::Family => "family",
            MemorialViewerRole::Staff => "staff",
            MemorialViewerRole::Visitor => "visitor",
        }
    }
}

/// Whether a message on a memorial hall shows (留言状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemorialMessageStatus {
    /// 已展示
    Published,
    /// 待审核
    Held,
    /// 已隐藏
    Hidden,
}

impl MemorialMessageStatus {
    /// Every value, in the order above.
    pub const ALL: [MemorialMessageStatus; 3] = [
        MemorialMessageStatus::Published,
        MemorialMessageStatus::Held,
        MemorialMessageStatus::Hidden,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MemorialMessageStatus::Published => "published",
            MemorialMessageStatus::Held => "held",
            MemorialMessageStatus::Hidden => "hidden",
        }
    }
}

/// Why a message is held (待审核原因).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemorialHoldReason {
    /// 家属先审后展示
    PreReview,
    /// 含敏感词，待工作人员审核
    SensitiveWord,
}

impl MemorialHoldReason {
    /// Every value, in the order above.
    pub const ALL: [MemorialHoldReason; 2] = [
        MemorialHoldReason::PreReview,
        MemorialHoldReason::SensitiveWord,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MemorialHoldReason::PreReview => "pre_review",
            MemorialHoldReason::SensitiveWord => "sensitive_word",
        }
    }
}

/// A tribute left on a memorial hall (祭奠方式).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemorialTributeKind {
    /// 献花
    Flower,
    /// 点烛
    Candle,
    /// 上香
    Incense,
}

impl MemorialTributeKind {
    /// Every value, in the order above.
    pub const ALL: [MemorialTributeKind; 3] = [
        MemorialTributeKind::Flower,
        MemorialTributeKind::Candle,
        MemorialTributeKind::Incense,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MemorialTributeKind::Flower => "flower",
            MemorialTributeKind::Candle => "candle",
            MemorialTributeKind::Incense => "incense",
        }
    }
}

/// A family member's place in a memorial hall (家人身份).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MemorialMemberRole {
    /// 创建者
    Owner,
    /// 家人
    Family,
}

impl MemorialMemberRole {
    /// Every value, in the order above.
    pub const ALL: [MemorialMemberRole; 2] =
        [MemorialMemberRole::Owner, MemorialMemberRole::Family];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MemorialMemberRole::Owner => "owner",
            MemorialMemberRole::Family => "family",
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
            MemorialVisibility,
            MemorialStatus,
            MemorialViewerRole,
            MemorialMessageStatus,
            MemorialHoldReason,
            MemorialTributeKind,
            MemorialMemberRole
        );
    }
}
