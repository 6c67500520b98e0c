//! The closed sets of the admin room's values, as stored and on the wire: street kinds
//! and the kinds of actors and targets in the audit trail.

/// What kind of street a street is (街道乡镇类别).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StreetKind {
    /// 街道
    Subdistrict,
    /// 镇
    Township,
    /// 民族乡
    EthnicTownship,
}

impl StreetKind {
    /// Every value, in the order above.
    pub const ALL: [StreetKind; 3] = [
        StreetKind::Subdistrict,
        StreetKind::Township,
        StreetKind::EthnicTownship,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StreetKind::Subdistrict => "subdistrict",
            StreetKind::Township => "township",
            StreetKind::EthnicTownship => "ethnic_township",
        }
    }
}

/// Who acted in an audit event (操作人类别).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AuditActorKind {
    /// 群众
    Citizen,
    /// 工作人员
    Staff,
    /// 系统
    System,
}

impl AuditActorKind {
    /// Every value, in the order above.
    pub const ALL: [AuditActorKind; 3] = [
        AuditActorKind::Citizen,
        AuditActorKind::Staff,
        AuditActorKind::System,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditActorKind::Citizen => "citizen",
            AuditActorKind::Staff => "staff",
            AuditActorKind::System => "system",
        }
    }
}

/// What an audit event is about (审计对象类别): every `target_kind` the rooms
/// record.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AuditTargetKind {
    /// 网上申请
    Application,
    /// 登录会话
    AuthSession,
    /// 群众账户
    CitizenAccount,
    /// 离婚登记申请
    DivorceApplication,
    /// 摇号
    Draw,
    /// 殡葬服务预约
    FuneralBooking,
    /// 婚姻登记预约
    MarriageAppointment,
    /// 上传的文件
    MediaObject,
    /// 网上纪念馆
    Memorial,
    /// 预约场所
    Resource,
    /// 敏感词
    SensitiveWord,
    /// 服务事项
    Service,
    /// 工作人员账户
    StaffAccount,
    /// 街道乡镇
    Street,
    /// 代祭扫订单
    SweepOrder,
    /// 祭扫预约
    TombVisit,
    /// 征地超转人员
    Transferee,
    /// 超转人员名册文件
    TransfereeFile,
    /// 候补
    WaitlistEntry,
}

impl AuditTargetKind {
    /// Every value, in the order above.
    pub const ALL: [AuditTargetKind; 19] = [
        AuditTargetKind::Application,
        AuditTargetKind::AuthSession,
        AuditTargetKind::CitizenAccount,
        AuditTargetKind::DivorceApplication,
        AuditTargetKind::Draw,
        AuditTargetKind::FuneralBooking,
        AuditTargetKind::MarriageAppointment,
        AuditTargetKind::MediaObject,
        AuditTargetKind::Memorial,
        AuditTargetKind::Resource,
        AuditTargetKind::SensitiveWord,
        AuditTargetKind::Service,
        AuditTargetKind::StaffAccount,
        AuditTargetKind::Street,
        AuditTargetKind::SweepOrder,
        AuditTargetKind::TombVisit,
        AuditTargetKind::Transferee,
        AuditTargetKind::TransfereeFile,
        AuditTargetKind::WaitlistEntry,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditTargetKind::Application => "application",
            AuditTargetKind::AuthSession => "auth_session",
            AuditTargetKind::CitizenAccount => "citizen_account",
            AuditTargetKind::DivorceApplication => "divorce_application",
            AuditTargetKind::Draw => "draw",
            AuditTargetKind::FuneralBooking => "funeral_booking",
            AuditTargetKind::MarriageAppointment => "marriage_appointment",
            AuditTargetKind::MediaObject => "media_object",
            AuditTargetKind::Memorial => "memorial",
            AuditTargetKind::Resource => "resource",
            AuditTargetKind::SensitiveWord => "sensitive_word",
            AuditTargetKind::Service => "service",
            AuditTargetKind::StaffAccount => "staff_account",
            AuditTargetKind::Street => "street",
            AuditTargetKind::SweepOrder => "sweep_order",
            AuditTargetKind::TombVisit => "tomb_visit",
            AuditTargetKind::Transferee => "transferee",
            AuditTargetKind::TransfereeFile => "transferee_file",
            AuditTargetKind::WaitlistEntry => "waitlist_entry",
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
        round_trip!(StreetKind, AuditActorKind, AuditTargetKind);
    }
}
