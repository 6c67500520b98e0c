//! Staff roles and scopes.

/// What a staff member may do (工作人员角色).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(as = StaffRole)]
pub enum Role {
    /// 窗口人员
    Clerk,
    /// 审核人员（街道）
    Reviewer,
    /// 审批人员（区级）
    Approver,
    /// 管理员
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }
}

/// Where a staff member's role applies (工作范围类别).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// 婚姻登记处
    Office,
    /// 殡仪馆
    FuneralHome,
    /// 墓园
    Cemetery,
    /// 街道、乡镇
    Street,
    /// 全区
    District,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Office => "office",
            ScopeKind::FuneralHome => "funeral_home",
            ScopeKind::Cemetery => "cemetery",
            ScopeKind::Street => "street",
            ScopeKind::District => "district",
        }
    }
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        [Role::Clerk, Role::Reviewer, Role::Approver, Role::Admin]
            .into_iter()
            .find(|r| r.as_str() == text)
    }
}

impl ScopeKind {
    pub fn parse(text: &str) -> Option<ScopeKind> {
        [
            ScopeKind::Office,
            ScopeKind::FuneralHome,
            ScopeKind::Cemetery,
            ScopeKind::Street,
            ScopeKind::District,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

/// A step a staff member owes before other routes open (待完成的步骤).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PendingStep {
    /// 修改初始密码
    PasswordChange,
    /// 设置动态口令（TOTP）
    TotpSetup,
}

impl PendingStep {
    /// The value as on the wire and in the session's restriction.
    pub fn as_str(self) -> &'static str {
        match self {
            PendingStep::PasswordChange => "password_change",
            PendingStep::TotpSetup => "totp_setup",
        }
    }
}

/// Where a staff member's role applies: a kind and, below the district, which one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub kind: ScopeKind,
    pub id: Option<String>,
}

impl Scope {
    /// Whether this scope covers the place `(kind, id)`: the district covers everything.
    pub fn covers(&self, kind: ScopeKind, id: &str) -> bool {
        self.kind == ScopeKind::District || (self.kind == kind && self.id.as_deref() == Some(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_scopes_and_steps_are_written_as_stored() {
        for role in [Role::Clerk, Role::Reviewer, Role::Approver, Role::Admin] {
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        for kind in ["office", "funeral_home", "cemetery", "street", "district"] {
            let parsed = ScopeKind::parse(kind).unwrap();
            assert_eq!(serde_json::to_value(parsed).unwrap(), kind);
        }
        for step in [PendingStep::PasswordChange, PendingStep::TotpSetup] {
            assert_eq!(serde_json::to_value(step).unwrap(), step.as_str());
        }
        assert_eq!(
            PendingStep::PasswordChange.as_str(),
            crate::auth::session::RESTRICT_PASSWORD
        );
        assert_eq!(
            PendingStep::TotpSetup.as_str(),
            crate::auth::session::RESTRICT_TOTP
        );
    }
}
