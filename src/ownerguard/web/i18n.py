"""UI strings of the staff console: zh-CN first, English second.

Every visible string of the templates is a key of ``STRINGS`` (a test checks that each key the
templates use exists and has both texts). Policy reasons come from ``vault.policy.REASONS`` and
sign-in messages from ``services.auth.MESSAGES``; the labels of fields, purposes and roles from
the domain catalogues. The language is ``?lang=en|zh`` (remembered in the ``lang`` cookie),
Chinese by default.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import BASIS_LABEL_ZH, PURPOSES, LegalBasis
from ownerguard.domain.staff import ROLES
from ownerguard.services.oversight.alerts import KINDS_ZH
from ownerguard.services.staff_access.auth import MESSAGES
from ownerguard.services.staff_access.notices import TYPE_ZH
from ownerguard.services.staff_access.work_items import STATUS_ZH
from ownerguard.vault.policy import REASONS

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LANG_COOKIE = "lang"

STRINGS: dict[str, tuple[str, str]] = {
    # --- frame --------------------------------------------------------------------------
    "app_name": ("业主信息卫士", "OwnerGuard"),
    "console": ("员工工作台", "Staff console"),
    "nav_label": ("主菜单", "Main menu"),
    "nav_search": ("查询业主", "Find owners"),
    "nav_work_orders": ("工单", "Work orders"),
    "nav_training": ("培训与保密协议", "Training & NDA"),
    "nav_exports": ("导出", "Exports"),
    "nav_notices": ("发布前检查", "Check before publishing"),
    "nav_dpo_audit": ("审计日志", "Audit log"),
    "nav_dpo_alerts": ("告警", "Alerts"),
    "nav_dpo_exports": ("导出审批", "Export approvals"),
    "nav_dpo_report": ("合规审计报告", "Compliance report"),
    "sign_out": ("退出登录", "Sign out"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "role": ("岗位", "Role"),
    "certified": ("已完成培训并签署保密协议", "Trained, NDA signed"),
    "certified_until": ("培训有效期至 {date}", "training valid until {date}"),
    "not_certified": ("未完成培训或未签署保密协议：只能查看脱敏信息",
                      "Training or NDA missing: masked data only"),
    "go_training": ("去完成", "Complete it"),
    "language": ("语言", "Language"),
    "sep": ("：", ": "),
    "lang_zh": ("中文", "中文"),
    "lang_en": ("English", "English"),
    "no_copy": ("请勿截图、拍照或抄写业主信息。", "Never screenshot, photograph or copy owners' data."),
    # --- sign-in ------------------------------------------------------------------------
    "login_title": ("员工登录", "Staff sign-in"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "otp": ("动态验证码", "One-time code"),
    "otp_hint": ("可查看明文的岗位请填写验证器 App 中的6位数字",
                 "Roles that can reveal data: the 6-digit code from your authenticator app"),
    "sign_in": ("登录", "Sign in"),
    "login_expired": ("登录页面已过期，请重新输入后登录", "The sign-in page expired; please try again"),
    "signed_out": ("您已退出登录", "You have signed out"),
    # --- search -------------------------------------------------------------------------
    "search_title": ("查询业主", "Find owners"),
    "search_q": ("手机号、手机尾号4位、证件号码或完整姓名", "Phone, last 4 digits, ID number or exact name"),
    "building": ("楼栋", "Building"),
    "room": ("房号", "Room"),
    "purpose": ("用途", "Purpose"),
    "search_button": ("查询", "Search"),
    "search_hint": ("结果默认脱敏显示；每一次查询和查看都会记入审计日志。",
                    "Results are masked by default; every search and view is audited."),
    "need_term": ("请输入查询条件，或填写楼栋/房号", "Enter a search term, or a building/room"),
    "no_results": ("没有找到符合条件的人员", "Nobody matches"),
    "results": ("查询结果", "Results"),
    "open_card": ("查看", "Open"),
    "next_page": ("下一页", "Next page"),
    "prev_page": ("上一页", "Previous page"),
    "page_n": ("第 {n} 页", "Page {n}"),
    "sysadmin_no_search": ("系统管理员不能查看业主个人信息",
                           "A system administrator cannot view owners' personal data"),
    "no_purposes": ("您的岗位没有可用的用途，不能查看业主信息",
                    "Your role has no purpose to view owners' data for"),
    "minor": ("未成年人", "Minor"),
    "shredded_state": ("已销毁", "Shredded"),
    "loading": ("加载中…", "Loading…"),
    # --- person card --------------------------------------------------------------------
    "card_title": ("人员信息", "Person"),
    "person_id": ("人员编号", "Person id"),
    "field": ("字段", "Field"),
    "value": ("内容", "Value"),
    "shown_as": ("显示方式", "Shown as"),
    "reason": ("原因", "Reason"),
    "outcome_clear": ("明文", "Clear"),
    "outcome_masked": ("脱敏", "Masked"),
    "outcome_denied": ("不可见", "Hidden"),
    "empty": ("未登记", "not on record"),
    "change_purpose": ("切换用途", "Change purpose"),
    "purpose_basis": ("合法性基础", "Legal basis"),
    "basis_contract": (BASIS_LABEL_ZH[LegalBasis.CONTRACT],
                       "necessary to perform the property-service contract (PIPL 13(1)(2))"),
    "basis_legal_duty": (BASIS_LABEL_ZH[LegalBasis.LEGAL_DUTY],
                         "necessary to fulfil a legal duty or obligation (PIPL 13(1)(3))"),
    "basis_emergency": (BASIS_LABEL_ZH[LegalBasis.EMERGENCY],
                        "necessary in an emergency to protect life, health or property "
                        "(PIPL 13(1)(4))"),
    "basis_consent": (BASIS_LABEL_ZH[LegalBasis.CONSENT],
                      "the person's consent (PIPL 13(1)(1), 14)"),
    "basis_none": (BASIS_LABEL_ZH[LegalBasis.NONE], "no legal basis: processing refused (L1)"),
    "reveal_title": ("申请明文查看", "Reveal in clear"),
    "reveal_hint": ("只列出本岗位在此用途下可以申请明文的字段；每一次明文查看都记入审计日志。",
                    "Only fields your role may reveal for this purpose are listed; every reveal "
                    "is audited."),
    "reveal_fields": ("要查看的字段", "Fields to reveal"),
    "work_order": ("工单", "Work order"),
    "no_work_order": ("不关联工单", "No work order"),
    "no_live_work_orders": ("您没有进行中的工单", "You have no live work orders"),
    "needs_work_order": ("此用途的明文查看须关联指派给您、进行中的{kind}",
                         "A clear reveal for this purpose needs a live {kind} assigned to you"),
    "emergency_reason": ("紧急情况说明（必填，个人信息保护负责人将逐条复核）",
                         "What is the emergency? (required; the DPO reviews every one)"),
    "reveal_button": ("查看明文", "Reveal"),
    "nothing_to_reveal": ("本岗位在此用途下不能申请明文查看", "Your role cannot reveal anything for this purpose"),
    "revealed_title": ("明文（请勿截图、拍照或抄写）", "Clear values (no screenshots, photos or copies)"),
    "refused_title": ("未显示明文", "Not shown in clear"),
    "choose_fields": ("请至少选择一个字段", "Choose at least one field"),
    "contact_title": ("联系业主", "Contact the owner"),
    "contact_hint": ("由系统代发短信或绑定隐私号，不向您显示号码。须关联进行中的工单。",
                     "The system texts the owner or binds an alias number; you never see the "
                     "number. Needs a live work order."),
    "channel": ("方式", "Channel"),
    "channel_sms": ("代发短信", "SMS sent by the system"),
    "channel_call": ("隐私号通话", "Call via alias number"),
    "contact_button": ("联系", "Contact"),
    "sms_sent": ("已代发短信", "SMS sent by the system"),
    "dial_alias": ("请拨打隐私号", "Dial the alias number"),
    "contact_failed": ("联系失败", "Contact failed"),
    "back_to_card": ("返回人员信息", "Back to the person"),
    "back_to_search": ("返回查询", "Back to search"),
    "no_such_person": ("没有这个人员", "No such person"),
    "kind_work_order": ("报修工单", "repair work order"),
    "kind_visit": ("访客登记", "visit record"),
    "kind_renovation": ("装修申请", "renovation application"),
    # --- work orders --------------------------------------------------------------------
    "wo_title": ("工单", "Work orders"),
    "wo_mine": ("我的工单", "Mine"),
    "wo_all": ("范围内全部", "All in my scope"),
    "wo_number": ("工单号", "Number"),
    "wo_kind": ("类型", "Kind"),
    "wo_category": ("类别", "Category"),
    "wo_status": ("状态", "Status"),
    "wo_assignee": ("处理人", "Assignee"),
    "wo_assignee_hint": ("处理人用户名（可不填）", "Assignee's username (optional)"),
    "wo_room": ("房屋编号", "Room id"),
    "wo_create": ("新建工单", "New work order"),
    "wo_create_button": ("创建", "Create"),
    "wo_assign": ("指派", "Assign"),
    "wo_done": ("完成", "Done"),
    "wo_close": ("关闭", "Close"),
    "wo_actions": ("操作", "Actions"),
    "wo_none": ("暂无工单", "No work orders"),
    "wo_created": ("已创建工单", "Work order created"),
    "wo_updated": ("工单已更新", "Work order updated"),
    "wo_not_found": ("没有这个工单", "No such work order"),
    "wo_room_required": ("请填写房屋编号", "Enter a room id"),
    "status_open": ("待处理", "open"),
    "status_assigned": ("已指派", "assigned"),
    "status_done": ("已完成", "done"),
    "status_closed": ("已关闭", "closed"),
    "wo_comments": ("备注", "Comments"),
    "wo_detail_title": ("工单 {number}", "Work order {number}"),
    "wo_back": ("返回工单列表", "Back to work orders"),
    "wo_comments_none": ("暂无备注", "No comments yet"),
    "wo_comment_hint": ("备注中的电话、证件号、姓名等个人信息会被自动遮盖后显示；原文加密保存，"
                        "只有个人信息保护负责人可以查看原文（记入审计日志）。",
                        "Phone numbers, ID numbers, names and other personal data in comments "
                        "are masked when shown; the original is stored encrypted and only the "
                        "DPO can read it (audited)."),
    "wo_comment_add": ("添加备注", "Add a comment"),
    "wo_comment_text": ("备注内容（最多 {n} 字）", "Comment (at most {n} characters)"),
    "wo_comment_button": ("保存备注", "Save comment"),
    "wo_comment_added": ("已添加备注", "Comment added"),
    "comment_empty": ("备注内容不能为空", "The comment is empty"),
    "comment_too_long": ("备注过长，最多 {n} 字",
                         "The comment is too long (at most {n} characters)"),
    "comment_author": ("填写人", "Author"),
    "comment_time": ("时间", "Time"),
    "comment_found": ("含个人信息（已遮盖）", "Contains personal data (masked)"),
    "comment_original": ("原文", "Original"),
    "show_original": ("查看原文", "Show original"),
    "show_original_hint": ("查看原文会记入审计日志。", "Reading the original is audited."),
    "originals_shown": ("正在显示原文（请勿截图、拍照或抄写）",
                        "Showing the originals (no screenshots, photos or copies)"),
    "back_to_masked": ("返回脱敏显示", "Back to the masked view"),
    # --- notices ------------------------------------------------------------------------
    "notices_title": ("发布前检查", "Check before publishing"),
    "notices_hint": ("通知、公告、群消息在张贴或发送前，先检查是否含有电话、证件号、姓名、车牌等"
                     "个人信息。检查内容不会被保存。",
                     "Before a notice goes on a wall or into a chat group, check it for phone "
                     "numbers, ID numbers, names, plates and other personal data. Nothing you "
                     "check is stored."),
    "draft_label": ("要发布的内容（最多 {n} 字）", "Text to publish (at most {n} characters)"),
    "check_button": ("检查", "Check"),
    "check_clean": ("未发现个人信息，可以发布", "No personal data found: fine to publish"),
    "check_found": ("发现 {n} 处个人信息，请删除或改用下方的脱敏版本",
                    "Found {n} item(s) of personal data: remove them or use the masked "
                    "version below"),
    "check_highlighted": ("标出个人信息的原稿", "Your draft with personal data highlighted"),
    "check_findings": ("发现的个人信息", "Personal data found"),
    "finding_type": ("类型", "Type"),
    "finding_where": ("位置", "Position"),
    "finding_chars": ("第 {start}–{end} 字", "characters {start}–{end}"),
    "check_masked": ("脱敏版本（可复制）", "Masked version (to copy)"),
    "check_not_perfect": ("自动检查可能漏掉个人信息，发布前请再通读一遍。",
                          "The automatic check can miss things; read it through before "
                          "publishing."),
    "draft_empty": ("请输入要检查的内容", "Enter the text to check"),
    "draft_too_long": ("内容过长，最多 {n} 字", "Too long (at most {n} characters)"),
    "arrears_title": ("欠费提醒（不含姓名）", "Arrears notice (no names)"),
    "arrears_hint": ("只按楼栋、单元统计户数，不公开姓名、房号或金额；具体金额请单独告知住户。",
                     "Counts households per building and unit only; names, room numbers and "
                     "amounts are never published. Tell each household its amount privately."),
    "arrears_rooms": ("欠费房屋，每行一个，如“1栋1单元101”",
                      "Rooms in arrears, one per line, e.g. “1栋1单元101”"),
    "arrears_period": ("截至时间，如“2026年11月”", "Up to, e.g. “2026年11月”"),
    "arrears_button": ("生成提醒", "Generate notice"),
    "arrears_result": ("生成的提醒（共 {n} 户）", "Generated notice ({n} households)"),
    "period_required": ("请填写截至时间", "Enter the period"),
    "rooms_required": ("请至少填写一个房屋", "Enter at least one room"),
    "room_lines_too_many": ("房屋最多 {n} 行", "At most {n} rooms"),
    "rooms_unknown": ("有 {n} 行找不到对应的房屋（或不在您负责的范围内）",
                      "{n} line(s) match no room (or a room outside your scope)"),
    "rooms_unknown_lines": ("请检查第 {lines} 行", "Check line(s) {lines}"),
    "rooms_unknown_more": ("另有 {n} 行", "and {n} more"),
    "community_out_of_scope": ("该小区不在您负责的范围内", "That community is outside your scope"),
    "no_such_community": ("没有这个小区", "No such community"),
    "pii_phone": (TYPE_ZH["phone"], "phone number"),
    "pii_id_card": (TYPE_ZH["id_card"], "ID card number"),
    "pii_bank_card": (TYPE_ZH["bank_card"], "bank card number"),
    "pii_license_plate": (TYPE_ZH["license_plate"], "licence plate"),
    "pii_email": (TYPE_ZH["email"], "email address"),
    "pii_passport": (TYPE_ZH["passport"], "passport number"),
    "pii_address": (TYPE_ZH["address"], "street address"),
    "pii_person_name": (TYPE_ZH["person_name"], "person's name"),
    # --- training -----------------------------------------------------------------------
    "training_title": ("培训与保密协议", "Training and confidentiality agreement"),
    "training_status": ("培训状态", "Training"),
    "training_valid": ("培训有效期至 {date}", "Training valid until {date}"),
    "training_missing": ("尚未通过培训测验", "Quiz not passed yet"),
    "lessons_title": ("课程", "Lessons"),
    "quiz_title": ("测验", "Quiz"),
    "quiz_hint": ("共 {n} 题，答对 {pct}% 及以上为通过；通过后培训有效期一年。",
                  "{n} questions; pass mark {pct}%; a pass is valid for one year."),
    "multi": ("（多选）", "(choose all that apply)"),
    "submit_quiz": ("提交答案", "Submit answers"),
    "quiz_passed": ("通过！得分 {score}%。培训有效期至 {date}。",
                    "Passed with {score}%. Training valid until {date}."),
    "quiz_failed": ("未通过，得分 {score}%。请复习课程后重新测验。",
                    "Not passed ({score}%). Review the lessons and try again."),
    "quiz_wrong": ("答错的题目", "Questions answered wrong"),
    "quiz_bad": ("答案无法识别，请重新作答", "The answers could not be read; please try again"),
    "quiz_again": ("重新测验", "Take the quiz again"),
    "right_answer": ("正确答案", "Right answer"),
    "nda_title": ("保密协议", "Confidentiality agreement"),
    "nda_version": ("版本 {v}", "Version {v}"),
    "nda_signed": ("您已签署当前版本", "You have signed the current version"),
    "nda_not_signed": ("尚未签署当前版本", "Current version not signed yet"),
    "nda_accept": ("我已阅读并理解上述全部内容，自愿遵守", "I have read and accept this undertaking"),
    "nda_name": ("签署人姓名", "Your name"),
    "nda_sign": ("签署", "Sign"),
    "nda_done": ("已签署保密协议", "Agreement signed"),
    "nda_need_accept": ("须勾选同意并填写姓名后签署", "Tick the box and enter your name to sign"),
    "nda_zh_governs": ("以下为英文摘要，以中文文本为准。", "English summary below; the Chinese text governs."),
    # --- exports ------------------------------------------------------------------------
    "exports_title": ("导出", "Exports"),
    "export_hint": ("批量导出须经个人信息保护负责人审批；文件带水印，可追溯到申请人和审批人。",
                    "Bulk exports need the DPO's approval; files are watermarked and traceable "
                    "to requester and approver."),
    "export_request": ("申请导出", "Request an export"),
    "export_fields": ("导出字段", "Fields"),
    "community": ("小区", "Community"),
    "building_limited": ("（限定楼栋）", "(some buildings)"),
    "export_submit": ("提交申请", "Submit request"),
    "export_requested": ("已提交导出申请，等待审批", "Export requested; awaiting approval"),
    "export_mine": ("我的导出申请", "My export requests"),
    "export_number": ("编号", "Number"),
    "export_status": ("状态", "Status"),
    "export_requester": ("申请人", "Requester"),
    "export_approver": ("审批人", "Approver"),
    "export_rows": ("行数", "Rows"),
    "download": ("下载", "Download"),
    "export_none": ("暂无导出申请", "No export requests"),
    "export_status_requested": ("待审批", "awaiting approval"),
    "export_status_approved": ("已批准", "approved"),
    "export_status_rejected": ("已驳回", "rejected"),
    "export_status_done": ("已生成", "generated"),
    "no_communities": ("您的范围内没有小区", "No community in your scope"),
    "export_no_sysadmin": ("系统管理员不能导出个人信息", "A system administrator cannot export personal data"),
    "dpo_exports_title": ("导出审批", "Export approvals"),
    "dpo_exports_none": ("没有待审批的导出申请", "No exports awaiting approval"),
    "approve": ("批准", "Approve"),
    "reject": ("驳回", "Reject"),
    "export_decided": ("已处理导出申请", "Export request decided"),
    "decided_recent": ("已处理", "Decided"),
    # --- DPO ------------------------------------------------------------------------------
    "audit_title": ("审计日志", "Audit log"),
    "audit_hint": ("审计日志只记录编号和代码，不含任何个人信息。",
                   "Entries hold ids and codes only, never personal values."),
    "filter_person": ("人员编号", "Person id"),
    "filter_actor": ("操作人", "Actor"),
    "filter_since": ("起始日期", "Since"),
    "filter_button": ("筛选", "Filter"),
    "bad_since": ("日期格式应为 2026-01-31", "Dates look like 2026-01-31"),
    "col_time": ("时间", "Time"),
    "col_actor": ("操作人", "Actor"),
    "col_role": ("角色", "Role"),
    "col_action": ("操作", "Action"),
    "col_subject": ("对象", "Subject"),
    "col_fields": ("字段", "Fields"),
    "col_purpose": ("用途", "Purpose"),
    "col_work_item": ("工单", "Work item"),
    "col_outcome": ("结果", "Outcome"),
    "col_reason": ("原因", "Reason"),
    "col_client": ("来源", "Client"),
    "audit_none": ("没有符合条件的记录", "No entries"),
    "audit_shown": ("显示最近 {n} 条", "Showing the latest {n}"),
    "alerts_title": ("告警", "Alerts"),
    "alerts_none": ("没有告警", "No alerts"),
    "show_open": ("待处理", "Open"),
    "show_reviewed": ("已复核", "Reviewed"),
    "alert_kind": ("类型", "Kind"),
    "alert_severity": ("级别", "Severity"),
    "alert_detail": ("详情", "Detail"),
    "alert_created": ("时间", "Time"),
    "alert_note": ("紧急查看理由", "Emergency reason given"),
    "review": ("复核", "Review"),
    "reviewed_by": ("复核人", "Reviewed by"),
    "resolution": ("结论", "Resolution"),
    "resolution_justified": ("理由成立", "justified"),
    "resolution_unjustified": ("理由不成立", "unjustified"),
    "resolution_false_positive": ("误报", "false positive"),
    "alert_reviewed": ("告警已复核", "Alert reviewed"),
    "alert_not_found": ("没有这个待处理的告警", "No such open alert"),
    "severity_high": ("高", "high"),
    "severity_medium": ("中", "medium"),
    "severity_low": ("低", "low"),
    "alert_kind_quota": (KINDS_ZH["quota"], "reveal quota exceeded"),
    "alert_kind_off_hours": (KINDS_ZH["off_hours"], "clear reveal outside working hours"),
    "alert_kind_out_of_scope": (KINDS_ZH["out_of_scope"], "tried to read persons out of scope"),
    "alert_kind_many_people": (KINDS_ZH["many_people"], "many different persons in a short time"),
    "alert_kind_repeated_denials": (KINDS_ZH["repeated_denials"], "repeatedly refused"),
    "alert_kind_break_glass": (KINDS_ZH["break_glass"], "emergency reveal awaiting review"),
    # --- errors -------------------------------------------------------------------------
    "error_title": ("出错了", "Something went wrong"),
    "forbidden": ("无权访问", "Forbidden"),
    "csrf": ("请求缺少或带有无效的防伪令牌，请刷新页面后重试",
             "Missing or invalid CSRF token; reload the page and try again"),
    "audit_unavailable": ("审计日志暂不可用，为保护业主信息已拒绝本次操作",
                          "Audit log unavailable; request refused to protect owners' data"),
    "dpo_only": ("只有个人信息保护负责人可以访问此页面", "Only the data-protection officer may open this page"),
    "invalid_request": ("请求格式不正确", "Invalid request"),
    "too_long": ("输入内容过长", "Input too long"),
    "back_home": ("返回工作台", "Back to the console"),
    "unknown_reason": ("未知原因（{code}）", "Unknown reason ({code})"),
    "unknown_channel": ("未知的联系方式", "Unknown contact channel"),
    "bad_work_item": ("工单信息不正确", "Invalid work order"),
    "bad_transition": ("工单状态不能这样变更", "The work order cannot change like that"),
}

# Codes that may appear in a URL (``?msg=…`` after a redirect, ``?reason=…`` on sign-in):
# only these are rendered, so a crafted link cannot put arbitrary text on our pages.
FLASH = frozenset({"wo_created", "wo_updated", "wo_comment_added", "nda_done", "alert_reviewed",
                   "export_requested", "export_decided"})
LOGIN_NOTICES = frozenset(set(MESSAGES) | {"signed_out", "login_expired"})


def normalise_lang(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    if value.startswith("zh"):
        return "zh"
    if value.startswith("en"):
        return "en"
    return None


@dataclass(frozen=True)
class Translator:
    """What templates call as ``t``: ``t("key", n=3)``, ``t.reason(code)``, ``t.field(name)``…"""

    lang: str

    def _pick(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.lang == "en" else pair[0]

    def __call__(self, key: str, **kw) -> str:
        text = self._pick(STRINGS[key])
        return text.format(**kw) if kw else text

    def reason(self, code: str) -> str:
        """A policy reason, a sign-in message, or a console error, by its code."""
        pair = REASONS.get(code) or MESSAGES.get(code) or STRINGS.get(code)
        if pair is None:
            return self("unknown_reason", code=code)
        return self._pick(pair)

    def field(self, name: str) -> str:
        spec = CATALOGUE.get(name)
        return self._pick((spec.label_zh, spec.label_en)) if spec else name

    def purpose(self, code: str | None) -> str:
        p = PURPOSES.get(code or "")
        return self._pick((p.label_zh, p.label_en)) if p else (code or "")

    def role(self, code: str) -> str:
        r = ROLES.get(code)
        return self._pick((r.label_zh, r.label_en)) if r else code

    def outcome(self, value: str) -> str:
        return self(f"outcome_{value}") if f"outcome_{value}" in STRINGS else value

    def status(self, value: str) -> str:
        key = f"status_{value}"
        if key in STRINGS:
            return self(key)
        return STATUS_ZH.get(value, value)

    def kind(self, value: str) -> str:
        key = f"kind_{value}"
        return self(key) if key in STRINGS else value

    def export_status(self, value: str) -> str:
        key = f"export_status_{value}"
        return self(key) if key in STRINGS else value

    def alert_kind(self, value: str) -> str:
        key = f"alert_kind_{value}"
        return self(key) if key in STRINGS else KINDS_ZH.get(value, value)

    def severity(self, value: str) -> str:
        key = f"severity_{value}"
        return self(key) if key in STRINGS else value

    def resolution(self, value: str | None) -> str:
        key = f"resolution_{value}"
        return self(key) if key in STRINGS else (value or "")

    def pii(self, value: str) -> str:
        """The label of a detector finding type (phone, id_card, person_name…)."""
        key = f"pii_{value}"
        return self(key) if key in STRINGS else TYPE_ZH.get(value, value)

    def basis(self, code: str | None) -> str:
        p = PURPOSES.get(code or "")
        return self(f"basis_{p.basis.value}") if p else ""


# --- owner portal (/owner, ``web/owner.py``) ----------------------------------------------
# Keys start with ``ow_``. Texts the services already give in Chinese (owner_auth.MESSAGES,
# consent items, inquiry kinds, retention) are used as they are on Chinese pages; the English
# side lives here.
OWNER_STRINGS: dict[str, tuple[str, str]] = {
    # frame
    "ow_portal": ("业主门户", "Owner portal"),
    "ow_nav_label": ("业主门户菜单", "Portal menu"),
    "ow_nav_data": ("我的数据", "My data"),
    "ow_nav_access": ("访问记录", "Access log"),
    "ow_nav_consents": ("同意管理", "Consents"),
    "ow_nav_inquiries": ("书面质疑", "Inquiries"),
    "ow_nav_rights": ("权利申请", "My rights"),
    "ow_sign_out": ("退出登录", "Sign out"),
    "ow_footer": ("您的信息加密保存，每一次查看都有记录。", "Your data is kept encrypted and every access is recorded."),
    "ow_error_title": ("出错了", "Something went wrong"),
    "ow_back": ("返回", "Back"),
    "ow_no_person": ("没有找到这一项", "Not found"),
    # sign-in
    "ow_login_title": ("业主登录", "Owner sign-in"),
    "ow_login_intro": ("使用在物业登记的手机号登录，查看物业保存的您的信息和每一次访问记录。",
                       "Sign in with the mobile number registered with your property management "
                       "to see what it holds about you and every access to it."),
    "ow_phone": ("手机号", "Mobile number"),
    "ow_get_code": ("获取验证码", "Get a code"),
    "ow_code": ("验证码", "Code"),
    "ow_code_hint": ("短信中的6位数字，5分钟内有效", "The 6 digits in the SMS, valid for 5 minutes"),
    "ow_sign_in": ("登录", "Sign in"),
    "ow_resend": ("重新获取验证码", "Send a new code"),
    "ow_change_phone": ("更换手机号", "Use another number"),
    "ow_code_sent": ("如该号码已在物业登记，验证码已发送，5分钟内有效",
                     "If this number is registered with the property management, a code has "
                     "been sent; it is valid for 5 minutes"),
    "ow_login_expired": ("登录页面已过期，请重新操作", "The sign-in page expired; please try again"),
    "ow_signed_out": ("您已退出登录", "You have signed out"),
    # my data
    "ow_data_title": ("我的数据", "My data"),
    "ow_data_intro": ("以下是物业保存的关于您的全部信息。点开每一项，可查看处理目的、合法性基础、保存期限和哪些岗位可以看到。",
                      "Everything the property management holds about you. Open an item to see "
                      "why it is processed, on what legal basis, for how long, and which roles "
                      "can see it."),
    "ow_not_on_record": ("未登记", "not on record"),
    "ow_purposes": ("处理目的与合法性基础", "Purposes and legal basis"),
    "ow_retention": ("保存期限", "Kept for"),
    "ow_roles": ("可查看的岗位", "Roles that can see it"),
    "ow_none": ("无", "none"),
    "ow_minor": ("未成年人", "Minor"),
    "ow_minor_note": ("未成年人的个人信息按敏感个人信息保护，处理须经监护人同意。",
                      "A minor's data is protected as sensitive personal data; processing needs "
                      "a guardian's consent."),
    "ow_sensitive": ("敏感", "sensitive"),
    "ow_high_risk": ("高风险，默认隐藏", "high risk, hidden by default"),
    "ow_household": ("我的家庭成员", "My household"),
    "ow_household_note": ("与您同一房屋登记的家庭成员和共有人（脱敏显示）",
                          "Family members and co-owners registered in your rooms (masked)"),
    "ow_no_household": ("没有登记其他家庭成员", "No other household members on record"),
    "ow_no_data": ("没有找到与此手机号关联的登记信息", "No record is linked to this number"),
    "ow_shredded": ("已销毁", "Shredded"),
    "ow_idtype_resident_id": ("居民身份证", "resident identity card"),
    "ow_idtype_passport": ("护照", "passport"),
    "ow_idtype_hk_macao": ("港澳居民来往内地通行证", "Hong Kong/Macao home-return permit"),
    "ow_idtype_taiwan": ("台湾居民来往大陆通行证", "Taiwan compatriot permit"),
    "ow_idtype_foreign_pr": ("外国人永久居留身份证", "foreign permanent resident ID card"),
    "ow_idtype_other": ("其他证件", "other document"),
    "ow_retention_identity": ("居住期间及迁出后3年（法律另有规定的除外）",
                              "while you live here and 3 years after moving out (unless a law "
                              "says otherwise)"),
    "ow_retention_contact": ("居住期间；迁出或撤回同意后删除",
                             "while you live here; deleted when you move out or withdraw consent"),
    "ow_retention_address": ("居住期间及迁出后3年", "while you live here and 3 years after moving out"),
    "ow_retention_vehicle": ("登记车辆期间；注销后6个月",
                             "while the vehicle is registered; 6 months after deregistration"),
    "ow_retention_household": ("居住期间", "while you live here"),
    # access feed
    "ow_access_title": ("访问记录", "Access log"),
    "ow_access_intro": ("每一次查看、导出或联系您的记录，最新的在前。对某条记录有疑问，点“标记为可疑”，物业须书面答复。",
                        "Every time your data was viewed, exported or used to contact you, newest "
                        "first. Tap “Flag as suspicious” and the company must answer in writing."),
    "ow_time": ("时间", "Time"),
    "ow_role": ("岗位", "Role"),
    "ow_staff": ("员工编号", "Staff reference"),
    "ow_action": ("操作", "Action"),
    "ow_purpose": ("用途", "Purpose"),
    "ow_fields": ("涉及信息", "Data"),
    "ow_outcome": ("结果", "Outcome"),
    "ow_work_item": ("工单", "Work order"),
    "ow_entry": ("记录编号", "Entry"),
    "ow_flag": ("标记为可疑", "Flag as suspicious"),
    "ow_flag_more": ("补充说明（可不填）", "Add a note (optional)"),
    "ow_breach_title": ("个人信息安全事件通知", "Personal data incident notice"),
    "ow_breach_data": ("涉及的信息", "Data concerned"),
    "ow_breach_cause": ("原因", "Cause"),
    "ow_breach_harm": ("可能的影响", "Possible harm"),
    "ow_breach_measures": ("物业已采取的措施", "What the company did"),
    "ow_breach_advice": ("您可以采取的措施", "What you can do"),
    "ow_breach_contact": ("联系方式", "Contact"),
    "ow_provisions_title": ("向第三方提供的记录", "Provided to third parties"),
    "ow_provided_to": ("已向“{recipient}”提供，用于{purpose}", "Provided to {recipient} for {purpose}"),
    "ow_provision_basis": ("依据", "Basis"),
    "ow_no_entries": ("暂无访问记录", "No accesses yet"),
    "ow_feed_limit": ("显示最近{n}条", "The latest {n} are shown"),
    "ow_you": ("本人", "you"),
    "ow_action_read": ("查看", "viewed"),
    "ow_action_reveal": ("查看明文", "viewed in clear"),
    "ow_action_list": ("列表查询", "listed"),
    "ow_action_contact": ("联系您", "contacted you"),
    "ow_action_export": ("导出", "exported"),
    "ow_action_read_text": ("查看文字记录", "read a note"),
    "ow_action_collect": ("录入", "recorded"),
    "ow_action_shred": ("销毁", "shredded"),
    "ow_outcome_clear": ("明文", "in clear"),
    "ow_outcome_masked": ("脱敏", "masked"),
    "ow_outcome_denied": ("已拒绝", "refused"),
    "ow_outcome_stored": ("已保存", "stored"),
    "ow_outcome_sent": ("已发送", "sent"),
    "ow_outcome_ok": ("成功", "done"),
    "ow_outcome_refused": ("已拒绝", "refused"),
    "ow_outcome_shredded": ("已销毁", "shredded"),
    # consents
    "ow_consents_title": ("同意管理", "Consents"),
    "ow_notice_title": ("个人信息处理规则", "Privacy notice"),
    "ow_notice_version": ("版本 {v}", "Version {v}"),
    "ow_notice_en": ("隐私告知以中文文本为准。", "The privacy notice is published in Chinese; the Chinese text is the one in force."),
    "ow_consent_items": ("需要您同意的事项", "What needs your consent"),
    "ow_consent_intro": ("一键同意或撤回，立即生效；每次变更都会给出回执。",
                         "Grant or withdraw with one tap, effective at once; every change gets a "
                         "receipt."),
    "ow_granted": ("已同意", "Granted"),
    "ow_not_granted": ("未同意", "Not granted"),
    "ow_grant": ("同意", "Grant"),
    "ow_withdraw": ("撤回同意", "Withdraw"),
    "ow_alternative": ("替代方式", "Alternative"),
    "ow_person": ("登记人 {n}", "Person {n}"),
    "ow_receipt_title": ("变更回执", "Receipt"),
    "ow_receipt_granted": ("您已同意：{label}", "You granted: {label}"),
    "ow_receipt_withdrawn": ("您已撤回同意：{label}（立即生效）", "You withdrew: {label} (effective at once)"),
    "ow_receipt_no": ("回执编号", "Receipt number"),
    "ow_consent_purpose_expl": ("仅在您同意后为“{label}”处理您的姓名、电话和房屋信息；不同意不影响其他物业服务。",
                                "Only with your consent, for “{label}”: your name, phone and "
                                "room. Saying no changes no other service."),
    "ow_consent_face_entry": ("人脸识别门禁", "Face recognition at the gates"),
    "ow_consent_expl_face_entry": ("人脸信息属于敏感个人信息，仅用于门禁通行，可随时撤回并删除。",
                                   "Your face is sensitive personal data, used only to open the "
                                   "gates; withdraw at any time and it is deleted."),
    "ow_consent_alt_face_entry": ("不同意时可继续使用门禁卡或动态密码通行。",
                                  "Without it you keep using an access card or a one-time code."),
    # inquiries
    "ow_iq_title": ("书面质疑", "Written inquiries"),
    "ow_iq_intro": ("对信息泄露、可疑查看或骚扰电话提出书面质疑，物业须在期限内书面答复（一般为15个工作日）。",
                    "Question a leak, a suspicious access or harassment calls in writing; the "
                    "company must answer by the deadline (usually 15 working days)."),
    "ow_iq_new": ("提交书面质疑", "File an inquiry"),
    "ow_iq_kind": ("类型", "Kind"),
    "ow_iq_text": ("内容", "What happened"),
    "ow_iq_text_hint": ("请写明时间、经过和您的诉求。", "When, what happened, and what you ask for."),
    "ow_iq_submit": ("提交", "Submit"),
    "ow_iq_mine": ("我的书面质疑", "My inquiries"),
    "ow_iq_none": ("您还没有提交过书面质疑", "You have filed no inquiries"),
    "ow_iq_number": ("编号", "Number"),
    "ow_iq_status": ("状态", "Status"),
    "ow_iq_due": ("答复期限", "Answer due"),
    "ow_iq_due_estimated": ("预计（当年节假日安排尚未公布）", "estimated (this year's holidays are not yet published)"),
    "ow_iq_entry": ("所涉访问记录", "Access entry"),
    "ow_iq_open": ("查看详情", "Details"),
    "ow_iq_filed": ("书面质疑已提交", "Inquiry filed"),
    "ow_iq_flagged": ("已标记为可疑，并提交书面质疑", "Flagged as suspicious; inquiry filed"),
    "ow_iq_need_text": ("请填写内容", "Please write what happened"),
    "ow_iq_kind_leak": ("信息泄露", "data leak"),
    "ow_iq_kind_suspicious_access": ("可疑查看", "suspicious access"),
    "ow_iq_kind_harassment": ("骚扰电话/短信", "harassment calls or SMS"),
    "ow_iq_kind_other": ("其他", "other"),
    "ow_iq_status_open": ("待答复", "awaiting an answer"),
    "ow_iq_status_answered": ("已答复", "answered"),
    "ow_iq_status_accepted": ("已接受答复", "answer accepted"),
    "ow_iq_status_escalated": ("已提交业委会", "with the owners' committee"),
    "ow_iq_status_resolved": ("已办结", "resolved"),
    "ow_iq_status_dossier": ("已生成投诉材料", "complaint dossier prepared"),
    "ow_iq_status_overdue": ("已逾期", "overdue"),
    "ow_iq_status_closed": ("已关闭", "closed"),
    # one inquiry
    "ow_iq_back": ("返回书面质疑列表", "Back to my inquiries"),
    "ow_iq_filed_at": ("提交时间", "Filed"),
    "ow_iq_timeline": ("处理经过", "Timeline"),
    "ow_iq_accept": ("接受答复", "Accept the answer"),
    "ow_iq_accept_hint": ("对答复满意，结束这份质疑。", "Satisfied with the answer: close the inquiry."),
    "ow_iq_escalate": ("提交业委会", "Take it to the owners' committee"),
    "ow_iq_escalate_hint": ("对答复不满意或物业逾期未答复，可提交业主委员会。",
                            "Not satisfied, or no answer in time: take it to the owners' "
                            "committee."),
    "ow_iq_escalate_text": ("给业委会的说明（可不填）", "A note for the committee (optional)"),
    "ow_iq_dossier": ("下载投诉材料", "Download the complaint dossier"),
    "ow_iq_dossier_hint": ("仍未解决的，可携带投诉材料（含PDF）向12345、网信或住建部门投诉。",
                           "Still unresolved? Take the dossier (with a PDF) to 12345, the "
                           "Cyberspace Administration or the housing authority."),
    "ow_iq_accepted": ("已接受答复", "Answer accepted"),
    "ow_iq_escalated": ("已提交业主委员会", "Taken to the owners' committee"),
    "ow_system": ("系统", "system"),
    "ow_ev_filed": ("提交质疑", "filed"),
    "ow_ev_answer": ("物业答复", "the company answered"),
    "ow_ev_accept": ("业主接受答复", "answer accepted"),
    "ow_ev_escalate": ("提交业主委员会", "taken to the owners' committee"),
    "ow_ev_committee_reply": ("业委会意见", "the committee replied"),
    "ow_ev_reminder": ("到期提醒", "deadline reminder"),
    "ow_ev_overdue": ("逾期未答复", "no answer by the deadline"),
    "ow_ev_dossier": ("生成投诉材料", "complaint dossier prepared"),
    "ow_ev_resolve": ("已解决", "resolved"),
    # rights requests
    "ow_rq_title": ("权利申请", "My rights"),
    "ow_rq_intro": ("查阅、复制、转移、更正、删除您的个人信息，或要求解释处理规则。查阅、复制、转移和解释即时办理；更正、删除由物业在期限内（一般15个工作日）处理，拒绝须说明理由。",
                    "See, copy, take away, correct or delete your data, or ask how it is "
                    "processed. Access, copies, portability and explanations are immediate; "
                    "corrections and deletions are decided by the deadline (usually 15 working "
                    "days), and a refusal comes with reasons."),
    "ow_rq_mine": ("我的申请", "My requests"),
    "ow_rq_none": ("您还没有提交过申请", "You have filed no requests"),
    "ow_rq_new": ("提交申请", "File a request"),
    "ow_rq_kind": ("申请类型", "Request"),
    "ow_rq_kind_hint": ("更正申请请在下方选择项目并填写正确内容。", "For a correction, choose the item below and enter the right value."),
    "ow_rq_correction": ("更正内容（仅更正申请填写）", "Correction (only for a correction request)"),
    "ow_rq_field": ("要更正的项目", "Item to correct"),
    "ow_rq_value": ("正确内容", "Correct value"),
    "ow_rq_text": ("说明（可不填）", "Anything to add (optional)"),
    "ow_rq_need_correction": ("请选择要更正的项目并填写正确内容", "Choose the item to correct and enter the right value"),
    "ow_rq_outcome": ("办理结果", "Outcome"),
    "ow_rq_reason": ("理由", "Reason"),
    "ow_rq_back": ("返回权利申请", "Back to my requests"),
    "ow_rq_download": ("下载我的数据", "Download my data"),
    "ow_rq_download_hint": ("文件在您下载时生成，不在服务器上保存；下载会记入访问记录。",
                            "The file is made when you download it and not kept on the server; "
                            "the download appears in your access log."),
    "ow_rq_xlsx": ("下载表格（xlsx）", "Spreadsheet (xlsx)"),
    "ow_rq_json": ("下载数据文件（JSON，可转移）", "Data file (JSON, portable)"),
    "ow_rq_explanation": ("处理规则说明", "How your data is processed"),
    "ow_rq_filed": ("申请已提交", "Request filed"),
}
STRINGS.update(OWNER_STRINGS)

# ``?msg=…`` codes the portal renders after a redirect (like ``FLASH`` for the console).
OWNER_FLASH = frozenset({"ow_iq_filed", "ow_iq_flagged", "ow_iq_accepted", "ow_iq_escalated",
                         "ow_rq_filed"})
