//! The closed sets of identity values, as stored (text columns) and on the wire: the
//! state of a real name, how it was verified, and a proxy's relation and services.
//! Sex is [`super::domain::Sex`].

/// Whether a bound real name is verified (实名状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RealNameStatus {
    /// 未核验
    Unverified,
    /// 已核验
    Verified,
}

impl RealNameStatus {
    /// Every value, in the order above.
    pub const ALL: [RealNameStatus; 2] = [RealNameStatus::Unverified, RealNameStatus::Verified];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RealNameStatus::Unverified => "unverified",
            RealNameStatus::Verified => "verified",
        }
    }
}

/// How a real name was verified (核验方式).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RealNameVerifiedBy {
    /// 人脸核验
    Face,
    /// 窗口当面核验
    InPerson,
}

impl RealNameVerifiedBy {
    /// Every value, in the order above.
    pub const ALL: [RealNameVerifiedBy; 2] =
        [RealNameVerifiedBy::Face, RealNameVerifiedBy::InPerson];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            RealNameVerifiedBy::Face => "face",
            RealNameVerifiedBy::InPerson => "in_person",
        }
    }
}

/// A proxy's family relation to the person they act for (与本人关系).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProxyRelation {
    /// 配偶
    Spouse,
    /// 父母
    Parent,
    /// 子女
    Child,
    /// 兄弟姐妹
    Sibling,
    /// 祖父母、外祖父母
    Grandparent,
    /// 孙子女、外孙子女
    Grandchild,
    /// 其他亲属
    OtherRelative,
}

impl ProxyRelation {
    /// Every value, in the order above.
    pub const ALL: [ProxyRelation; 7] = [
        ProxyRelation::Spouse,
        ProxyRelation::Parent,
        ProxyRelation::Child,
        ProxyRelation::Sibling,
        ProxyRelation::Grandparent,
        ProxyRelation::Grandchild,
        ProxyRelation::OtherRelative,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyRelation::Spouse => "spouse",
            ProxyRelation::Parent => "parent",
            ProxyRelation::Child => "child",
            ProxyRelation::Sibling => "sibling",
            ProxyRelation::Grandparent => "grandparent",
            ProxyRelation::Grandchild => "grandchild",
            ProxyRelation::OtherRelative => "other_relative",
        }
    }
}

/// A service a proxy may act on (可代办的服务).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ProxyService {
    /// 城乡最低生活保障（低保）
    Dibao,
    /// 低收入家庭认定
    LowIncome,
    /// 特困人员供养
    ExtremeHardship,
    /// 临时救助
    TemporaryRelief,
    /// 高等教育新生入学救助
    EducationGrant,
    /// 采暖救助
    HeatingSubsidy,
    /// 困难残疾人生活补贴
    DisabilityLivingAllowance,
    /// 重度残疾人护理补贴
    DisabilityCareAllowance,
    /// 征地超转人员生存认证
    SurvivalCertification,
    /// 婚姻登记预约
    Marriage,
    /// 殡葬服务
    Funeral,
    /// 祭扫服务
    TombSweeping,
}

impl ProxyService {
    /// Every value, in the order above.
    pub const ALL: [ProxyService; 12] = [
        ProxyService::Dibao,
        ProxyService::LowIncome,
        ProxyService::ExtremeHardship,
        ProxyService::TemporaryRelief,
        ProxyService::EducationGrant,
        ProxyService::HeatingSubsidy,
        ProxyService::DisabilityLivingAllowance,
        ProxyService::DisabilityCareAllowance,
        ProxyService::SurvivalCertification,
        ProxyService::Marriage,
        ProxyService::Funeral,
        ProxyService::TombSweeping,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ProxyService::Dibao => "dibao",
            ProxyService::LowIncome => "low_income",
            ProxyService::ExtremeHardship => "extreme_hardship",
            ProxyService::TemporaryRelief => "temporary_relief",
            ProxyService::EducationGrant => "education_grant",
            ProxyService::HeatingSubsidy => "heating_subsidy",
            ProxyService::DisabilityLivingAllowance => "disability_living_allowance",
            ProxyService::DisabilityCareAllowance => "disability_care_allowance",
            ProxyService::SurvivalCertification => "survival_certification",
            ProxyService::Marriage => "marriage",
            ProxyService::Funeral => "funeral",
            ProxyService::TombSweeping => "tomb_sweeping",
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
            RealNameStatus,
            RealNameVerifiedBy,
            ProxyRelation,
            ProxyService
        );
    }
}
