//! The closed sets of application values, as stored (text columns, definitions) and on
//! the wire: service codes, statuses, actions, who acted, household relations, the
//! statistics format, and the parts of a service definition.

crate::closed_set! {
    /// The assistance services of online applications (服务事项, GLOSSARY.md).
    pub enum AssistanceService {
        /// 城乡最低生活保障（低保）
        Dibao => "dibao",
        /// 低收入家庭认定
        LowIncome => "low_income",
        /// 特困人员供养
        ExtremeHardship => "extreme_hardship",
        /// 临时救助
        TemporaryRelief => "temporary_relief",
        /// 高等教育新生入学救助
        EducationGrant => "education_grant",
        /// 采暖救助
        HeatingSubsidy => "heating_subsidy",
        /// 困难残疾人生活补贴
        DisabilityLivingAllowance => "disability_living_allowance",
        /// 重度残疾人护理补贴
        DisabilityCareAllowance => "disability_care_allowance",
    }
}

crate::closed_set! {
    /// Where an application stands in the state machine (申请状态).
    pub enum ApplicationStatus {
        /// 草稿
        Draft => "draft",
        /// 已提交，待受理
        Submitted => "submitted",
        /// 审核中
        UnderReview => "under_review",
        /// 需补正材料
        SupplementRequested => "supplement_requested",
        /// 待区级审批
        AwaitingApproval => "awaiting_approval",
        /// 已批准
        Approved => "approved",
        /// 未批准
        Rejected => "rejected",
        /// 已退回
        Returned => "returned",
        /// 已撤回
        Withdrawn => "withdrawn",
    }
}

crate::closed_set! {
    /// A step of an application (操作): the transitions of the state machine, and
    /// `create` (the draft began; history only).
    pub enum ApplicationAction {
        /// 创建草稿
        Create => "create",
        /// 提交
        Submit => "submit",
        /// 受理
        Accept => "accept",
        /// 退回（材料不全）
        ReturnIncomplete => "return_incomplete",
        /// 要求补正
        RequestSupplement => "request_supplement",
        /// 提交补正材料
        AnswerSupplement => "answer_supplement",
        /// 记录入户调查
        RecordVisit => "record_visit",
        /// 批准
        Approve => "approve",
        /// 不予批准
        Reject => "reject",
        /// 报区级审批
        Forward => "forward",
        /// 撤回
        Withdraw => "withdraw",
    }
}

crate::closed_set! {
    /// Who took a step of an application (操作人类别).
    pub enum ApplicationActorKind {
        /// 申请人或代办人
        Citizen => "citizen",
        /// 工作人员
        Staff => "staff",
    }
}

crate::closed_set! {
    /// A household member's relation to the applicant (与申请人关系).
    pub enum HouseholdRelation {
        /// 申请人本人
        Applicant => "self",
        /// 配偶
        Spouse => "spouse",
        /// 子女
        Child => "child",
        /// 父母
        Parent => "parent",
        /// 兄弟姐妹
        Sibling => "sibling",
        /// 祖父母、外祖父母
        Grandparent => "grandparent",
        /// 孙子女、外孙子女
        Grandchild => "grandchild",
        /// 其他
        Other => "other",
    }
}

crate::closed_set! {
    /// The format of the statistics (导出格式).
    pub enum StatisticsFormat {
        /// JSON
        Json => "json",
        /// CSV 表格
        Csv => "csv",
    }
}

crate::closed_set! {
    /// Which declared street is responsible for an application (受理街道依据).
    pub enum ServiceRouting {
        /// 户籍地
        Hukou => "hukou",
        /// 居住地
        Residence => "residence",
    }
}

crate::closed_set! {
    /// The type of a field of a service's form (表单字段类型).
    pub enum FormFieldType {
        /// 文本
        Text => "text",
        /// 数字
        Number => "number",
        /// 整数
        Integer => "integer",
        /// 是／否
        Boolean => "boolean",
        /// 日期
        Date => "date",
        /// 单选
        Choice => "choice",
        /// 手机号码
        Phone => "phone",
    }
}
