//! The closed sets of application values, as stored (text columns, definitions) and on
//! the wire: service codes, statuses, actions, who acted, household relations, the
//! statistics format, and the parts of a service definition.

/// The assistance services of online applications (服务事项, GLOSSARY.md).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AssistanceService {
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
}

impl AssistanceService {
    /// Every value, in the order above.
    pub const ALL: [AssistanceService; 8] = [
        AssistanceService::Dibao,
        AssistanceService::LowIncome,
        AssistanceService::ExtremeHardship,
        AssistanceService::TemporaryRelief,
        AssistanceService::EducationGrant,
        AssistanceService::HeatingSubsidy,
        AssistanceService::DisabilityLivingAllowance,
        AssistanceService::DisabilityCareAllowance,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            AssistanceService::Dibao => "dibao",
            AssistanceService::LowIncome => "low_income",
            AssistanceService::ExtremeHardship => "extreme_hardship",
            AssistanceService::TemporaryRelief => "temporary_relief",
            AssistanceService::EducationGrant => "education_grant",
            AssistanceService::HeatingSubsidy => "heating_subsidy",
            AssistanceService::DisabilityLivingAllowance => "disability_living_allowance",
            AssistanceService::DisabilityCareAllowance => "disability_care_allowance",
        }
    }
}

/// Where an application stands in the state machine (申请状态).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// 草稿
    Draft,
    /// 已提交，待受理
    Submitted,
    /// 审核中
    UnderReview,
    /// 需补正材料
    SupplementRequested,
    /// 待区级审批
    AwaitingApproval,
    /// 已批准
    Approved,
    /// 未批准
    Rejected,
    /// 已退回
    Returned,
    /// 已撤回
    Withdrawn,
}

impl ApplicationStatus {
    /// Every value, in the order above.
    pub const ALL: [ApplicationStatus; 9] = [
        ApplicationStatus::Draft,
        ApplicationStatus::Submitted,
        ApplicationStatus::UnderReview,
        ApplicationStatus::SupplementRequested,
        ApplicationStatus::AwaitingApproval,
        ApplicationStatus::Approved,
        ApplicationStatus::Rejected,
        ApplicationStatus::Returned,
        ApplicationStatus::Withdrawn,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStatus::Draft => "draft",
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::UnderReview => "under_review",
            ApplicationStatus::SupplementRequested => "supplement_requested",
            ApplicationStatus::AwaitingApproval => "awaiting_approval",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Rejected => "rejected",
            ApplicationStatus::Returned => "returned",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }
}

/// A step of an application (操作): the transitions of the state machine, and
/// `create` (the draft began; history only).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationAction {
    /// 创建草稿
    Create,
    /// 提交
    Submit,
    /// 受理
    Accept,
    /// 退回（材料不全）
    ReturnIncomplete,
    /// 要求补正
    RequestSupplement,
    /// 提交补正材料
    AnswerSupplement,
    /// 记录入户调查
    RecordVisit,
    /// 批准
    Approve,
    /// 不予批准
    Reject,
    /// 报区级审批
    Forward,
    /// 撤回
    Withdraw,
}

impl ApplicationAction {
    /// Every value, in the order above.
    pub const ALL: [ApplicationAction; 11] = [
        ApplicationAction::Create,
        ApplicationAction::Submit,
        ApplicationAction::Accept,
        ApplicationAction::ReturnIncomplete,
        ApplicationAction::RequestSupplement,
        ApplicationAction::AnswerSupplement,
        ApplicationAction::RecordVisit,
        ApplicationAction::Approve,
        ApplicationAction::Reject,
        ApplicationAction::Forward,
        ApplicationAction::Withdraw,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationAction::Create => "create",
            ApplicationAction::Submit => "submit",
            ApplicationAction::Accept => "accept",
            ApplicationAction::ReturnIncomplete => "return_incomplete",
            ApplicationAction::RequestSupplement => "request_supplement",
            ApplicationAction::AnswerSupplement => "answer_supplement",
            ApplicationAction::RecordVisit => "record_visit",
            ApplicationAction::Approve => "approve",
            ApplicationAction::Reject => "reject",
            ApplicationAction::Forward => "forward",
            ApplicationAction::Withdraw => "withdraw",
        }
    }
}

/// Who took a step of an application (操作人类别).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationActorKind {
    /// 申请人或代办人
    Citizen,
    /// 工作人员
    Staff,
}

impl ApplicationActorKind {
    /// Every value, in the order above.
    pub const ALL: [ApplicationActorKind; 2] =
        [ApplicationActorKind::Citizen, ApplicationActorKind::Staff];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationActorKind::Citizen => "citizen",
            ApplicationActorKind::Staff => "staff",
        }
    }
}

/// A household member's relation to the applicant (与申请人关系).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HouseholdRelation {
    /// 申请人本人
    #[serde(rename = "self")]
    Applicant,
    /// 配偶
    Spouse,
    /// 子女
    Child,
    /// 父母
    Parent,
    /// 兄弟姐妹
    Sibling,
    /// 祖父母、外祖父母
    Grandparent,
    /// 孙子女、外孙子女
    Grandchild,
    /// 其他
    Other,
}

impl HouseholdRelation {
    /// Every value, in the order above.
    pub const ALL: [HouseholdRelation; 8] = [
        HouseholdRelation::Applicant,
        HouseholdRelation::Spouse,
        HouseholdRelation::Child,
        HouseholdRelation::Parent,
        HouseholdRelation::Sibling,
        HouseholdRelation::Grandparent,
        HouseholdRelation::Grandchild,
        HouseholdRelation::Other,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            HouseholdRelation::Applicant => "self",
            HouseholdRelation::Spouse => "spouse",
            HouseholdRelation::Child => "child",
            HouseholdRelation::Parent => "parent",
            HouseholdRelation::Sibling => "sibling",
            HouseholdRelation::Grandparent => "grandparent",
            HouseholdRelation::Grandchild => "grandchild",
            HouseholdRelation::Other => "other",
        }
    }
}

/// The format of the statistics (导出格式).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StatisticsFormat {
    /// JSON
    Json,
    /// CSV 表格
    Csv,
}

impl StatisticsFormat {
    /// Every value, in the order above.
    pub const ALL: [StatisticsFormat; 2] = [StatisticsFormat::Json, StatisticsFormat::Csv];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StatisticsFormat::Json => "json",
            StatisticsFormat::Csv => "csv",
        }
    }
}

/// Which declared street is responsible for an application (受理街道依据).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ServiceRouting {
    /// 户籍地
    Hukou,
    /// 居住地
    Residence,
}

impl ServiceRouting {
    /// Every value, in the order above.
    pub const ALL: [ServiceRouting; 2] = [ServiceRouting::Hukou, ServiceRouting::Residence];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceRouting::Hukou => "hukou",
            ServiceRouting::Residence => "residence",
        }
    }
}

/// The type of a field of a service's form (表单字段类型).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FormFieldType {
    /// 文本
    Text,
    /// 数字
    Number,
    /// 整数
    Integer,
    /// 是／否
    Boolean,
    /// 日期
    Date,
    /// 单选
    Choice,
    /// 手机号码
    Phone,
}

impl FormFieldType {
    /// Every value, in the order above.
    pub const ALL: [FormFieldType; 7] = [
        FormFieldType::Text,
        FormFieldType::Number,
        FormFieldType::Integer,
        FormFieldType::Boolean,
        FormFieldType::Date,
        FormFieldType::Choice,
        FormFieldType::Phone,
    ];

    /// The value as on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            FormFieldType::Text => "text",
            FormFieldType::Number => "number",
            FormFieldType::Integer => "integer",
            FormFieldType::Boolean => "boolean",
            FormFieldType::Date => "date",
            FormFieldType::Choice => "choice",
            FormFieldType::Phone => "phone",
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
            AssistanceService,
            ApplicationStatus,
            ApplicationAction,
            ApplicationActorKind,
            HouseholdRelation,
            StatisticsFormat,
            ServiceRouting,
            FormFieldType
        );
    }
}
