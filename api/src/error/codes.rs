//! The code table: each code with its status and its Chinese and English titles, the
//! single source the contract publishes.
use std::borrow::Cow;

use actix_web::http::StatusCode;
use utoipa::ToSchema;

use crate::platform::lang::Lang;

/// Declares the code table once: variant, wire code, HTTP status, Chinese and English title.
macro_rules! codes {
    ($($variant:ident => ($code:literal, $status:literal, $zh:literal, $en:literal),)*) => {
        /// A stable, dotted error code (`room.reason`). Clients branch on this, never on text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in table order (published in the contract).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The wire form, e.g. `request.malformed_json`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The HTTP status that goes with the code.
            pub fn status(self) -> StatusCode {
                let status = match self { $(Code::$variant => $status,)* };
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }

            /// The short title in the caller's language.
            pub fn title(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Code::$variant, Lang::Zh) => $zh, (Code::$variant, Lang::En) => $en,)*
                }
            }
        }
    };
}

codes! {
    BadRequest => ("request.bad_request", 400, "请求无效", "The request is invalid"),
    MalformedJson => ("request.malformed_json", 400, "请求体不是有效的 JSON", "The request body is not valid JSON"),
    InvalidBody => ("request.invalid_body", 422, "请求体中有字段不符合要求", "A field of the request body is invalid"),
    UnknownField => ("request.unknown_field", 422, "请求体中有未知字段", "The request body has an unknown field"),
    UnsupportedMediaType => ("request.unsupported_media_type", 415, "请求体类型不受支持，请使用 application/json", "Unsupported content type; send application/json"),
    BodyTooLarge => ("request.body_too_large", 413, "请求体过大", "The request body is too large"),
    InvalidQuery => ("request.invalid_query", 400, "查询参数无效", "A query parameter is invalid"),
    InvalidQueryValue => ("request.invalid_query_value", 422, "查询参数的取值无效，请使用列出的取值之一", "A query parameter's value is not one of the allowed values"),
    InvalidCursor => ("request.invalid_cursor", 400, "分页游标无效，请从第一页重新开始", "The page cursor is invalid; start again from the first page"),
    InvalidPath => ("request.invalid_path", 400, "路径参数无效", "A path parameter is invalid"),
    NotFound => ("request.not_found", 404, "请求的地址不存在", "No such resource"),
    MethodNotAllowed => ("request.method_not_allowed", 405, "该地址不支持此请求方法", "This method is not allowed on this resource"),
    Timeout => ("server.timeout", 503, "处理超时，请稍后重试", "The request took too long; try again later"),
    Busy => ("server.busy", 503, "当前办理人数较多，请稍后重试", "The service is busy; try again in a moment"),
    DatabaseUnavailable => ("server.database_unavailable", 503, "数据库暂不可用，请稍后重试", "The database is unavailable; try again later"),
    Internal => ("server.internal", 500, "服务器内部错误，请稍后重试", "Internal server error; try again later"),
    RateLimited => ("request.rate_limited", 429, "操作过于频繁，请稍后再试", "Too many requests; try again later"),
    IdempotencyMismatch => ("request.idempotency_key_reused", 422, "该 Idempotency-Key 已用于另一个请求", "This Idempotency-Key was used for a different request"),
    IdempotencyInProgress => ("request.idempotency_in_progress", 409, "相同的请求正在处理中，请稍后重试", "The same request is still being processed; retry shortly"),
    Unauthenticated => ("auth.unauthenticated", 401, "请先登录", "Sign in first"),
    SessionEnded => ("auth.session_ended", 401, "登录已失效，请重新登录", "The session has ended; sign in again"),
    SessionNotFound => ("auth.session_not_found", 404, "没有找到该登录设备", "No such signed-in session of yours"),
    Forbidden => ("auth.forbidden", 403, "无权进行此操作", "You may not do this"),
    InvalidCredentials => ("auth.invalid_credentials", 401, "用户名或密码错误；多次错误后账户将被临时锁定", "Wrong username or password; repeated failures lock the account for a while"),
    TotpRequired => ("auth.totp_required", 401, "请输入动态验证码", "Enter the code from your authenticator app"),
    TotpInvalid => ("auth.totp_invalid", 401, "动态验证码不正确", "The authenticator code is wrong"),
    TotpAlreadyEnabled => ("auth.totp_already_enabled", 409, "动态验证码已启用；如需更换请联系管理员", "Two-factor authentication is on already; ask an admin to reset it"),
    TotpSetupRequired => ("auth.totp_setup_required", 403, "请先设置动态验证码（双因素认证）", "Set up two-factor authentication first"),
    PasswordChangeRequired => ("auth.password_change_required", 403, "请先修改初始密码", "Change the initial password first"),
    PasswordTooWeak => ("auth.password_too_weak", 422, "密码不符合要求", "The password does not meet the rules"),
    RefreshInvalid => ("auth.refresh_invalid", 401, "刷新令牌无效，请重新登录", "The refresh token is invalid; sign in again"),
    CodeInvalid => ("auth.code_invalid", 401, "验证码不正确或已过期", "The code is wrong or has expired"),
    CodeLocked => ("auth.code_locked", 429, "验证码错误次数过多，请 10 分钟后再试", "Too many wrong codes; try again in 10 minutes"),
    SmsRateLimited => ("auth.sms_rate_limited", 429, "短信发送过于频繁，请稍后再试", "Too many text messages to this number; try again later"),
    SmsBlocked => ("auth.sms_blocked", 422, "该号码拒收短信（已退订或在运营商免打扰名单中），请改用其他方式登录", "This number refuses text messages (unsubscribed or on the carrier's do-not-disturb list); sign in another way"),
    PhoneRejected => ("auth.phone_rejected", 422, "短信平台认为该手机号码不正确，请检查", "The SMS service says this is not a valid mobile number"),
    SmsUnavailable => ("auth.sms_unavailable", 503, "短信服务暂不可用，请稍后再试或改用其他方式登录", "Text messages are unavailable; try again later or sign in another way"),
    PhoneCodeInvalid => ("auth.phone_code_invalid", 422, "手机号授权已失效，请重新点击获取手机号", "The phone-number code is used or expired; ask the user again"),
    PhoneNotMainland => ("auth.phone_not_mainland", 422, "仅支持中国大陆手机号码", "Only mainland China mobile numbers are accepted"),
    PhoneAlreadyBound => ("auth.phone_already_bound", 409, "该手机号已绑定其他账户", "This phone number belongs to another account"),
    WechatCodeInvalid => ("auth.wechat_code_invalid", 401, "微信登录凭证无效，请重新登录", "The WeChat login code is invalid; log in again"),
    WechatCodeUsed => ("auth.wechat_code_used", 401, "微信登录凭证已使用，请重新登录", "The WeChat login code was used already; log in again"),
    WechatRateLimited => ("auth.wechat_rate_limited", 429, "微信登录过于频繁，请稍后再试", "Too many WeChat logins; try again later"),
    WechatHighRisk => ("auth.wechat_high_risk", 403, "微信判定该账号存在风险，暂不能登录", "WeChat flagged this account as high-risk"),
    WechatUnavailable => ("auth.wechat_unavailable", 503, "微信服务暂不可用，请稍后再试", "WeChat is unavailable; try again later"),
    WechatNotConfigured => ("auth.wechat_not_configured", 503, "本服务未配置微信登录", "WeChat sign-in is not configured on this server"),
    WechatAlreadyLinked => ("auth.wechat_already_linked", 409, "该微信已绑定其他账户", "This WeChat account is linked to another account"),
    UsernameTaken => ("staff.username_taken", 409, "用户名已被使用", "The username is taken"),
    OwnTotpReset => ("staff.own_totp_reset", 409, "不能重置自己的两步验证，请另一位区级管理员操作", "An admin cannot reset their own two-factor; ask another district admin"),
    LastAdmin => ("staff.last_admin", 409, "这是最后一个可用的区级管理员账户，不能停用", "This is the last enabled district admin; it cannot be disabled"),
    StaffNotFound => ("staff.not_found", 404, "工作人员账户不存在", "No such staff account"),
    ResourceNotFound => ("scheduling.resource_not_found", 404, "预约场所不存在", "No such place to book"),
    SlotNotFound => ("scheduling.slot_not_found", 404, "预约时段不存在", "No such time slot"),
    SlotFull => ("scheduling.slot_full", 409, "该时段已约满，请选择其他时段", "This slot is full; choose another"),
    NotOpenYet => ("scheduling.not_open_yet", 409, "该日期尚未开放预约", "Booking for this date has not opened yet"),
    BookingClosed => ("scheduling.booking_closed", 409, "该时段已停止预约", "Booking for this slot has closed"),
    CalendarTouchesBookings => ("scheduling.calendar_touches_bookings", 409, "日历变更涉及已有预约：可取消这些预约并通知当事人（on_bookings: cancel），或不作变更", "The calendar change touches bookings: cancel them and tell the people (on_bookings: cancel), or leave the calendar as it is"),
    FuneralServiceOrder => ("funeral.service_order", 422, "服务顺序不可能：须先接运、再告别、后火化，并留出间隔", "The services are in an impossible order: transport, then farewell, then cremation, with the gaps"),
    JobNotFound => ("job.not_found", 404, "后台任务不存在", "No such job"),
    DayHasBookings => ("scheduling.day_has_bookings", 409, "该日已有预约，不能关闭", "The day has bookings and cannot be closed"),
    SeatsAvailable => ("scheduling.seats_available", 409, "该日仍有空余名额，请直接预约", "The day still has free seats; book one instead"),
    AlreadyWaitlisted => ("scheduling.already_waitlisted", 409, "您已在该日的候补队列中", "You are already on this day's waitlist"),
    WaitlistEntryNotFound => ("scheduling.waitlist_entry_not_found", 404, "候补记录不存在", "No such waitlist entry"),
    WaitlistEntryEnded => ("scheduling.waitlist_entry_ended", 409, "该候补已结束", "This waitlist entry has ended"),
    NoOffer => ("scheduling.no_offer", 409, "该候补没有为此时段保留的名额", "This waitlist entry holds no seat in this slot"),
    OfferExpired => ("scheduling.offer_expired", 409, "保留名额的确认期限已过，已顺延给下一位", "The time to claim the seat has passed; it went to the next in line"),
    DrawDay => ("scheduling.draw_day", 409, "该日名额以摇号方式分配，请在报名期内提交摇号申请", "Seats of this day are given out by draw; hand in a draw request"),
    DayClosed => ("scheduling.day_closed", 409, "该日不办理此项业务", "This day has no slots for this business"),
    DrawNotFound => ("scheduling.draw_not_found", 404, "摇号活动不存在", "No such draw"),
    DrawExists => ("scheduling.draw_exists", 409, "该日已设置摇号", "This day already has a draw"),
    DrawNotOpen => ("scheduling.draw_not_open", 409, "不在摇号报名期内", "The draw is not taking requests now"),
    DrawNotClosed => ("scheduling.draw_not_closed", 409, "报名期结束后才能摇号，且每场只摇一次", "A draw runs once, after its request window closed"),
    AlreadyRequested => ("scheduling.already_requested", 409, "您当天已有摇号申请", "You already hold a draw request for this day"),
    DrawRequestNotFound => ("scheduling.draw_request_not_found", 404, "摇号申请不存在", "No such draw request"),
    MediaEmpty => ("media.empty", 422, "文件为空", "The file is empty"),
    MediaTooLarge => ("media.too_large", 413, "文件不能超过 5 MB", "The file is over 5 MB"),
    MediaUnsupportedType => ("media.unsupported_type", 415, "只能上传 JPEG、PNG 图片或 PDF 文件", "Only JPEG, PNG images and PDF files are accepted"),
    MediaTooManyPixels => ("media.too_many_pixels", 422, "图片像素过多，请缩小后重新上传", "The image has too many pixels; scale it down"),
    MediaBroken => ("media.broken", 422, "文件已损坏或不完整，请重新拍摄或选择", "The file is broken or incomplete; take or choose it again"),
    MediaFileMissing => ("media.file_missing", 422, "请用 multipart/form-data 的 file 字段上传文件", "Send the file in the `file` part of a multipart/form-data body"),
    MediaNotFound => ("media.not_found", 404, "文件不存在", "No such file"),
    ServiceNotFound => ("applications.service_not_found", 404, "该服务事项不存在", "No such service"),
    ApplicationNotFound => ("applications.not_found", 404, "申请不存在", "No such application"),
    NotAProxy => ("applications.not_a_proxy", 403, "您没有代该居民办理此事项的授权", "You hold no consent to act for this person on this service"),
    DraftExists => ("applications.draft_exists", 409, "该事项已有未提交的草稿，请继续填写", "A draft of this service exists; continue it"),
    NotEditable => ("applications.not_editable", 409, "申请已提交，不能再修改", "The application was submitted and cannot be changed"),
    IllegalTransition => ("applications.illegal_transition", 409, "当前状态不允许此操作", "The application's state does not allow this"),
    Incomplete => ("applications.incomplete", 422, "申请内容不完整", "The application is incomplete"),
    HouseholdHasActiveApplication => ("applications.household_has_active_application", 409, "该家庭已有办理中的同类申请", "The household already has an active application for this service"),
    // funeral codes (funeral services)
    FuneralHomeNotFound => ("funeral.home_not_found", 404, "殡仪馆不存在", "No such funeral home"),
    FuneralBookingNotFound => ("funeral.booking_not_found", 404, "殡葬服务预约不存在", "No such funeral booking"),
    FuneralUnknownService => ("funeral.unknown_service", 422, "该殡仪馆没有此项服务", "The funeral home does not offer this service"),
    FuneralItemsMismatch => ("funeral.items_mismatch", 422, "所选服务项目与接运、告别、火化安排不一致", "The chosen services do not match the transport, farewell and cremation choices"),
    FuneralDateOfDeath => ("funeral.date_of_death_invalid", 422, "死亡日期不能晚于今天，也不能早于出生日期", "The date of death cannot be in the future or before the birth date"),
    FuneralDeceasedHasActiveBooking => ("funeral.deceased_has_active_booking", 409, "该逝者已有未完成的殡葬服务预约", "The deceased already has an active funeral booking"),
    FuneralWrongState => ("funeral.wrong_state", 409, "预约当前状态不允许此操作", "The booking's state does not allow this"),
    FuneralCancelClosed => ("funeral.cancel_closed", 409, "已过可取消时间，请联系殡仪馆", "Too late to cancel; call the funeral home"),
    // memorial hall codes (online memorial halls)
    MemorialNotFound => ("memorial.not_found", 404, "纪念馆不存在", "No such memorial hall"),
    MemorialTakenDown => ("memorial.taken_down", 410, "该纪念馆已被管理部门下线", "This memorial hall was taken down by the bureau"),
    MemorialLivingPerson => ("memorial.living_person", 422, "不能为在世人员建立纪念馆：请填写逝世日期，且不能晚于今天", "No memorial for a living person: give a date of death, not after today"),
    MemorialNotOwner => ("memorial.not_owner", 403, "只有纪念馆创建人可以进行此操作", "Only the memorial's creator may do this"),
    MemorialNotFamily => ("memorial.not_family", 403, "只有纪念馆创建人和受邀亲属可以进行此操作", "Only the memorial's creator and invited family may do this"),
    MemorialInvitationInvalid => ("memorial.invitation_invalid", 404, "邀请码无效、已使用或已过期", "The invitation code is wrong, used or expired"),
    MemorialAlreadyMember => ("memorial.already_member", 409, "您已是该纪念馆的亲属成员", "You are a family member of this memorial already"),
    MemorialMemberNotFound => ("memorial.member_not_found", 404, "该亲属成员不存在", "No such family member"),
    MemorialTributeLimit => ("memorial.tribute_limit", 429, "您今天在该纪念馆的祭奠次数已达上限，请明天再来", "You have reached today's number of tributes on this memorial; come back tomorrow"),
    MemorialMessageNotFound => ("memorial.message_not_found", 404, "留言不存在", "No such message"),
    MemorialMessageState => ("memorial.message_state", 409, "留言当前状态不允许此操作", "The message's state does not allow this"),
    MemorialStaffReviewRequired => ("memorial.staff_review_required", 403, "该留言含敏感词，须由工作人员审核", "The message contains a sensitive word and awaits staff review"),
    MemorialPageState => ("memorial.page_state", 409, "纪念馆当前状态不允许此操作", "The memorial's state does not allow this"),
    // tomb visit codes (tomb visit reservations, peak periods)
    PeriodOverlaps => ("scheduling.period_overlaps", 409, "该期间与已设置的高峰期重叠", "The period overlaps another peak period"),
    PeriodHasBookings => ("scheduling.period_has_bookings", 409, "该期间已有预约，不能更改时段安排", "Days of this period already have bookings; their slots cannot change"),
    PeriodNotFound => ("scheduling.period_not_found", 404, "高峰期设置不存在", "No such peak period"),
    VisitNotFound => ("tomb.visit_not_found", 404, "祭扫预约不存在", "No such tomb visit reservation"),
    NotACemetery => ("tomb.not_a_cemetery", 404, "该场所不是墓园", "This place is not a cemetery"),
    GraveFull => ("tomb.grave_full", 409, "该墓位当天预约人数已达上限", "This grave has reached its persons limit for the day"),
    VisitorAlreadyBooked => ("tomb.visitor_already_booked", 409, "同行人中有人当天已有祭扫预约", "A visitor already holds a reservation for that day"),
    VisitState => ("tomb.wrong_state", 409, "预约当前状态不允许此操作", "The reservation's state does not allow this"),
    VisitNotToday => ("tomb.not_today", 409, "只能在预约当天入园核验", "Check-in is only on the day of the visit"),
    VisitCancelClosed => ("tomb.cancel_closed", 409, "已过可取消时间", "Too late to cancel"),
    // survival certification codes
    TransfereeNotFound => ("certification.transferee_not_found", 404, "认证对象不存在", "No such transferee"),
    TransfereeExists => ("certification.transferee_exists", 409, "该身份证号码已在认证名册中", "This ID number is in the registry already"),
    UnknownStreet => ("certification.unknown_street", 422, "街道（乡镇）不存在", "No such street or township"),
    NotYourTransferee => ("certification.not_your_transferee", 403, "您不是该认证对象本人，也没有其授权的代办关系", "You are neither this transferee nor a proxy they consented to"),
    ConsentByTransfereeOnly => ("certification.consent_by_transferee_only", 403, "人脸信息处理须由认证对象本人同意（或到窗口签署同意书）", "Only the transferee consents to face processing (or signs the form at a desk)"),
    FaceConsentRequired => ("certification.face_consent_required", 403, "进行人脸识别前须先单独同意人脸信息处理", "Consent to face processing first"),
    FaceAttemptsExhausted => ("certification.attempts_exhausted", 429, "今日人脸认证次数已用完，请明天再试或申请人工审核", "No face checks left today; try tomorrow or ask for a manual review"),
    ReviewPending => ("certification.review_pending", 409, "已转人工审核，请等待结果或预约上门认证", "A manual review is open; wait for it or ask for a home visit"),
    AttemptNotFound => ("certification.attempt_not_found", 404, "认证记录不存在", "No such face check"),
    AttemptNotYours => ("certification.attempt_not_yours", 403, "该认证不是由您发起的", "You did not start this face check"),
    AttemptUsed => ("certification.attempt_used", 409, "该认证结果已使用，请重新发起认证", "This face check has been used; start a new one"),
    VerificationExpired => ("certification.verification_expired", 410, "人脸认证已过期，请重新发起", "The face check has expired; start a new one"),
    FaceCancelled => ("certification.face_cancelled", 422, "人脸认证已取消", "The face check was cancelled"),
    FaceTimedOut => ("certification.face_timeout", 422, "人脸认证超时，请重试", "The face check timed out; try again"),
    FaceNotMatched => ("certification.face_not_matched", 422, "人脸与身份信息不一致，认证未通过", "The face does not match the identity"),
    WechatAccountRequired => ("certification.wechat_account_required", 409, "微信人脸认证须使用微信登录的账户", "WeChat face verification needs an account signed in with WeChat"),
    FaceProviderError => ("certification.provider_error", 502, "人脸认证服务异常，请稍后重试", "The face verification service failed; try again later"),
    FaceProviderRejected => ("certification.provider_rejected", 422, "人脸认证服务拒绝了此次认证", "The face verification service refused this check"),
    FaceProviderUnavailable => ("certification.provider_unavailable", 503, "人脸认证服务暂不可用，请稍后重试或到窗口办理", "The face verification service is unavailable; try later or at a desk"),
    FaceComparisonUnavailable => ("certification.face_comparison_unavailable", 503, "本服务未启用现场人脸比对，请采用上门认证或人工审核", "In-person face comparison is not available here; use a home visit or a manual review"),
    NoFace => ("certification.no_face", 422, "照片中未检测到人脸", "No face found in the photo"),
    SeveralFaces => ("certification.several_faces", 422, "照片中有多张人脸，请只拍认证对象本人", "Several faces in the photo; photograph only the transferee"),
    PoorFaceImage => ("certification.poor_image", 422, "照片质量不足（人脸过小或过暗），请重新拍摄", "The photo is too poor (face too small or dark); take it again"),
    ReviewNotFound => ("certification.review_not_found", 404, "人工审核不存在", "No such manual review"),
    ReviewDecided => ("certification.review_decided", 409, "该人工审核已有结论", "This manual review is decided already"),
    ImportInvalid => ("certification.import_invalid", 422, "名册文件有错误行，未导入任何记录", "The registry file has bad rows; nothing was imported"),
    // proxy sweeping codes
    SweepNotFound => ("sweeping.order_not_found", 404, "代祭扫订单不存在", "No such proxy sweeping order"),
    SweepState => ("sweeping.wrong_state", 409, "订单当前状态不允许此操作", "The order's state does not allow this"),
    ProofNotAPhoto => ("sweeping.proof_not_a_photo", 422, "凭证须为本人上传的照片（JPEG 或 PNG）", "Proof must be photos (JPEG or PNG) you uploaded"),
    ProofNotFound => ("sweeping.proof_not_found", 404, "凭证照片不存在", "No such proof photo"),
    ProofAltered => ("sweeping.proof_altered", 409, "凭证照片与存证时的内容不一致，已停止提供，请联系墓园", "The stored photo differs from the one attached as proof; it is withheld"),
    AppointmentNotFound => ("marriage.appointment_not_found", 404, "预约不存在", "No such appointment"),
    NotAParty => ("marriage.not_a_party", 403, "您的实名信息与预约当事人不一致", "Your real name is not one of the parties"),
    PartyHasActiveBooking => ("marriage.party_has_active_booking", 409, "当事人已有未完成的预约", "A party already holds an active appointment"),
    MarriageAge => ("marriage.under_legal_age", 422, "未达法定婚龄（男 22 周岁，女 20 周岁）", "Under the legal marriage age (men 22, women 20)"),
    MarriageParties => ("marriage.invalid_parties", 422, "当事人信息不符合该业务要求", "The parties do not fit this business type"),
    DivorceApplicationRequired => ("marriage.divorce_application_required", 409, "离婚登记须先提交离婚申请并度过冷静期", "A divorce appointment needs an application past its cooling-off period"),
    OutsideDivorceWindow => ("marriage.outside_divorce_window", 409, "不在可预约离婚登记的期间内", "Outside the window for the divorce certificate appointment"),
    DivorceApplicationNotFound => ("marriage.divorce_application_not_found", 404, "离婚申请不存在", "No such divorce application"),
    BlockedForNoShows => ("marriage.blocked_for_no_shows", 403, "多次预约未到，暂不能预约", "Too many missed appointments; booking is blocked for a while"),
    AppointmentState => ("marriage.wrong_state", 409, "预约当前状态不允许此操作", "The appointment's state does not allow this"),
    CancelClosed => ("marriage.cancel_closed", 409, "已过可取消时间", "Too late to cancel"),
    ShareLinkInvalid => ("marriage.share_link_invalid", 404, "链接无效，或该预约不是为您预约的", "The link is invalid, or the appointment is not yours"),
    ShareLinkExpired => ("marriage.share_link_expired", 410, "链接已失效：预约已确认、已取消或已过确认期限", "The link has expired: the appointment was confirmed, cancelled or not confirmed in time"),
    ConfirmExpired => ("marriage.confirm_expired", 409, "确认期限已过，预约已失效", "The time to confirm has passed; the appointment lapsed"),
    IdNumberInvalid => ("identity.id_number_invalid", 422, "身份证号码无效", "The ID number is invalid"),
    IdNumberTaken => ("identity.id_number_taken", 409, "该身份证号码已绑定其他账户", "This ID number is bound to another account"),
    RealNameRequired => ("identity.real_name_required", 403, "请先完成实名认证", "Bind your real name first"),
    RealNameVerified => ("identity.real_name_verified", 409, "实名已核验，不能再修改", "The real name is verified and cannot be changed"),
    RealNameUnverified => ("identity.real_name_unverified", 403, "实名尚未核验，请先完成人脸核验或到窗口核验", "The real name is not verified yet; verify by face or at a desk"),
    RealNameNotFound => ("identity.real_name_not_found", 404, "尚未实名", "No real name is bound"),
    AccountDeletionBlocked => ("identity.account_deletion_blocked", 409, "尚有未办结的事项，暂不能注销账号，请先处理列出的事项", "Something is still open; finish the items listed before deleting the account"),
    RealNameChanged => ("identity.real_name_changed", 409, "人脸核验发起后实名信息已更改，请重新发起", "The real name changed after this face check started; start a new one"),
    RealNameFaceAttemptsExhausted => ("identity.face_attempts_exhausted", 429, "今日人脸核验次数已用完，请明天再试或到任一窗口当面核验", "No face checks left today; try tomorrow or verify in person at any desk"),
    ProxyNotFound => ("identity.proxy_not_found", 404, "代办授权不存在", "No such proxy consent"),
    ProxyInvalid => ("identity.proxy_invalid", 422, "代办人信息不正确", "The proxy details are invalid"),
}

/// In the contract the code table is the enum `ErrorCode`, so a client's misspelt code
/// does not type-check.
impl utoipa::PartialSchema for Code {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Code::ALL.iter().map(|c| c.as_str())))
            .description(Some(
                "A stable error code (`room.reason`); `x-error-codes` and `/docs/errors` give each one's status and meaning.",
            ))
            .examples([serde_json::json!("scheduling.slot_full")])
            .into()
    }
}

impl ToSchema for Code {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ErrorCode")
    }
}
