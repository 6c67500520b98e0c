//! The WeChat subscribe-message purposes the service sends, with the keyword layout of
//! each (`thing1`, `time2`, ...), and the route that lists them ([`routes`]) with the
//! template ids configured in `[wechat_templates]`: a mini-program calls `wx.requestSubscribeMessage`
//! with those ids before booking, or it never receives the message. Also the channel rule
//! (which one way a notice goes to a person) and the SMS templates of notices.
pub mod routes;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An approved SMS template: its `TemplateId` and the most characters each of its
/// parameters (`{1}`, `{2}`...) may take (in `[sms_templates]`, as `config::SmsTemplate`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsTemplate {
    pub id: String,
    pub param_limits: Vec<usize>,
    /// For a notice purpose: which of the notice's fields (the subscribe-message keywords
    /// of [`PURPOSES`], e.g. `time2`) fill `{1}`, `{2}`... in order. Sign-in codes need
    /// none.
    #[serde(default)]
    pub params: Vec<String>,
}

/// One purpose: its name, what it tells, and the template keywords its messages fill.
pub struct Purpose {
    pub name: &'static str,
    pub title: &'static str,
    pub keywords: &'static [(&'static str, &'static str)],
}

/// Every purpose a room sends (a test checks the rooms send no other).
pub const PURPOSES: &[Purpose] = &[
    Purpose {
        name: "marriage_appointment",
        title: "婚姻登记预约通知",
        keywords: &[
            ("thing1", "事项"),
            ("time2", "预约时间"),
            ("thing3", "登记机关"),
            ("character_string4", "预约码"),
        ],
    },
    Purpose {
        name: "waitlist_offer",
        title: "候补名额保留通知",
        keywords: &[
            ("thing1", "预约场所"),
            ("time2", "预约时间"),
            ("time3", "保留至"),
        ],
    },
    Purpose {
        name: "draw_result",
        title: "摇号结果通知",
        keywords: &[
            ("thing1", "登记机关"),
            ("date2", "预约日期"),
            ("phrase3", "结果"),
        ],
    },
    Purpose {
        name: "funeral_booking",
        title: "殡葬服务预约通知",
        keywords: &[
            ("thing1", "事项"),
            ("time2", "服务时间"),
            ("thing3", "殡仪馆"),
        ],
    },
    Purpose {
        name: "tomb_visit",
        title: "祭扫预约通知",
        keywords: &[
            ("thing1", "墓园"),
            ("time2", "预约时间"),
            ("character_string3", "预约码"),
        ],
    },
    Purpose {
        name: "proxy_sweep",
        title: "代祭扫进度通知",
        keywords: &[("thing1", "墓位"), ("phrase2", "进度"), ("time3", "时间")],
    },
    Purpose {
        name: "memorial_message",
        title: "纪念馆留言通知",
        keywords: &[("thing1", "纪念馆"), ("thing2", "事项"), ("time3", "时间")],
    },
    Purpose {
        name: "application_update",
        title: "申请办理进度通知",
        keywords: &[
            ("thing1", "申请事项"),
            ("phrase2", "办理状态"),
            ("time3", "时间"),
        ],
    },
    Purpose {
        name: "certification",
        title: "生存认证提醒",
        keywords: &[
            ("thing1", "事项"),
            ("phrase2", "状态"),
            ("date3", "截止日期"),
        ],
    },
    Purpose {
        name: "proxy_granted",
        title: "代办授权通知",
        keywords: &[
            ("thing1", "事项"),
            ("thing2", "授权业务"),
            ("time3", "授权时间"),
        ],
    },
];

crate::closed_set! {
    /// The one channel a notice goes to a person by (通知渠道).
    pub enum NoticeChannel {
        /// 微信订阅消息
        Wechat => "wechat",
        /// 短信
        Sms => "sms",
        /// 电子邮件
        Email => "email",
    }
}

crate::closed_set! {
    /// Where a notice is (发送状态).
    pub enum NoticeStatus {
        /// 待发送（含重试中）
        Pending => "pending",
        /// 已送达通道
        Sent => "sent",
        /// 发送失败（已放弃）
        Failed => "failed",
    }
}

/// How a person can be reached for one purpose.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reach {
    /// An openid, and a subscribe template configured for the purpose. (Whether the user
    /// accepted `wx.requestSubscribeMessage` only WeChat knows: a refusal comes back as
    /// 43101, the message is marked failed and the rule's next channel gets the notice.)
    pub wechat: bool,
    /// A phone, and an SMS template with a field mapping configured for the purpose.
    pub sms: bool,
    pub email: bool,
}

/// The channel rule: WeChat where the person can get the purpose's subscribe message,
/// else SMS where a phone is known and the purpose has a template, else email; `None`
/// when none reaches them.
pub fn channel(reach: Reach) -> Option<NoticeChannel> {
    if reach.wechat {
        Some(NoticeChannel::Wechat)
    } else if reach.sms {
        Some(NoticeChannel::Sms)
    } else if reach.email {
        Some(NoticeChannel::Email)
    } else {
        None
    }
}

/// A notice purpose's SMS template, checked at start-up: a known purpose, one field per
/// parameter, each field one of the purpose's.
pub fn check_sms_template(purpose: &str, template: &SmsTemplate) -> Result<(), String> {
    let Some(known) = PURPOSES.iter().find(|p| p.name == purpose) else {
        return Err(format!(
            "sms_templates.{purpose}: no such notice purpose (known: {})",
            PURPOSES
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    if template.params.len() != template.param_limits.len() || template.params.is_empty() {
        return Err(format!(
            "sms_templates.{purpose}: `params` must name one field for each of the {} parameters in `param_limits`",
            template.param_limits.len()
        ));
    }
    if let Some(unknown) = template
        .params
        .iter()
        .find(|f| !known.keywords.iter().any(|(key, _)| key == f))
    {
        return Err(format!(
            "sms_templates.{purpose}: `{unknown}` is not a field of the purpose (fields: {})",
            known
                .keywords
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

/// The template's parameters from a notice's fields, each cut to its limit (a long name
/// shortened rather than the notice lost); `None` if the notice lacks a field.
pub fn sms_params(
    template: &SmsTemplate,
    fields: &BTreeMap<String, String>,
) -> Option<Vec<String>> {
    template
        .params
        .iter()
        .zip(&template.param_limits)
        .map(|(field, limit)| fields.get(field).map(|v| v.chars().take(*limit).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wechat_then_sms_then_email() {
        let all = Reach {
            wechat: true,
            sms: true,
            email: true,
        };
        assert_eq!(channel(all), Some(NoticeChannel::Wechat));
        assert_eq!(
            channel(Reach {
                wechat: false,
                ..all
            }),
            Some(NoticeChannel::Sms)
        );
        assert_eq!(
            channel(Reach {
                email: true,
                ..Reach::default()
            }),
            Some(NoticeChannel::Email)
        );
        assert_eq!(channel(Reach::default()), None);
    }

    #[test]
    fn notice_templates_are_checked_against_the_purpose() {
        let template = |params: &[&str], limits: &[usize]| SmsTemplate {
            id: "1".into(),
            param_limits: limits.to_vec(),
            params: params.iter().map(|p| p.to_string()).collect(),
        };
        assert!(
            check_sms_template("certification", &template(&["phrase2", "date3"], &[5, 12])).is_ok()
        );
        assert!(check_sms_template("certification", &template(&["phrase2"], &[5, 12])).is_err());
        assert!(check_sms_template("certification", &template(&["time2"], &[12])).is_err());
        assert!(check_sms_template("nonsense", &template(&["thing1"], &[12])).is_err());
        let fields = BTreeMap::from([
            ("phrase2".to_owned(), "即将到期了".to_owned()),
            ("date3".to_owned(), "2027年1月1日".to_owned()),
        ]);
        let cut = sms_params(&template(&["phrase2", "date3"], &[3, 20]), &fields).unwrap();
        assert_eq!(cut, ["即将到", "2027年1月1日"]);
        assert_eq!(sms_params(&template(&["thing1"], &[20]), &fields), None);
    }

    /// Every `purpose: "..."` a room writes is listed, so a new one cannot be missed.
    #[test]
    fn every_purpose_the_rooms_send_is_listed() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut missing = Vec::new();
        for file in crate::openapi::tests::rust_files(&src) {
            if file.ends_with("notices/mod.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for part in text.split("purpose: \"").skip(1) {
                let name = part.split('"').next().unwrap_or_default();
                if !PURPOSES.iter().any(|p| p.name == name) {
                    missing.push(format!("{name} ({})", file.display()));
                }
            }
        }
        assert!(missing.is_empty(), "purposes not listed: {missing:?}");
    }
}
