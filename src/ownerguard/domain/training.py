"""Built-in staff training: lessons, a graded quiz and the confidentiality undertaking (L8).

Staff see owners' data masked only until they hold a current training record (a passed quiz,
valid ``TRAINING_VALID_DAYS``) and have signed the current confidentiality agreement (保密协议,
``NDA_VERSION``) in the app. This module is the content and the pure rules around it; recording
results and signatures, and letting the gate consult them, belong to the services.

Pure: no I/O, no clock. Callers pass dates and seeds in.

Law references (L1…L26) point to ``shared/reference/legal-requirements.md``. Statute article
numbers quoted in the Chinese texts are only those that file names; a test checks it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import random
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ownerguard.errors import Invalid

__all__ = [
    "Lesson",
    "Question",
    "QuestionResult",
    "QuizResult",
    "LESSONS",
    "LESSONS_BY_ID",
    "QUESTIONS",
    "QUESTIONS_BY_ID",
    "QUIZ_SIZE",
    "PASS_MARK",
    "TRAINING_VALID_DAYS",
    "draw_quiz",
    "grade",
    "training_expires_on",
    "training_is_current",
    "NDA_VERSION",
    "NDA_TEXT_ZH",
    "NDA_TEXT_EN",
    "NDA_TEXT_SHA256",
    "NDA_PLACEHOLDERS",
    "nda_text_hash",
    "nda_is_current",
    "render_nda",
]

# Defaults; callers may pass other values (the law gives no number, so these are ours).
QUIZ_SIZE = 10
PASS_MARK = 0.8
TRAINING_VALID_DAYS = 365


# --------------------------------------------------------------------------------------------
# Lessons
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson:
    id: str
    title_zh: str
    title_en: str
    body_zh: str            # Markdown
    body_en: str            # shorter English summary
    refs: tuple[str, ...]   # L-ids of legal-requirements.md


_LAW = Lesson(
    id="law",
    title_zh="法律要点：业主信息受法律保护",
    title_en="The law in brief",
    refs=("L1", "L2", "L8", "L9", "L24"),
    body_zh="""\
## 为什么物业员工要懂个人信息保护

物业服务中心掌握着业主的姓名、手机号、房号、车牌、证件号码等信息。业主把这些信息交给物业，\
是为了获得物业服务，而不是让物业随意使用。员工的每一次查看、导出和转发，都可能产生法律责任。

## 三项主要依据

- **《民法典》**：处理个人信息应当遵循合法、正当、必要原则（第1035条）；信息处理者不得泄露、\
篡改其收集、存储的个人信息，未经自然人同意，不得向他人非法提供其个人信息（第1038条）。
- **《个人信息保护法》**：处理个人信息必须有合法性基础（第13条），例如履行物业服务合同所必需、\
履行法定职责或者法定义务所必需、应对突发事件、取得个人同意；应当遵循合法、正当、必要和诚信原则（第5条），\
限于实现处理目的的最小范围，不得过度收集（第6条）；处理者应当制定内部管理制度，实行分类管理，\
采取加密、去标识化等安全技术措施，合理确定操作权限，并定期对从业人员进行安全教育和培训（第51条）。
- **国家标准 GB/T 35273《信息安全技术 个人信息安全规范》**：在界面展示个人信息时应采取\
去标识化等展示限制措施，例如手机号显示为 `138****1234`。

## 刑事红线

出售或者提供业主信息，情节严重的构成侵犯公民个人信息罪。按照两高2017年司法解释第5条，\
员工把在工作中获得的信息出售或者提供给他人，数量达到一般标准的一半即属"情节严重"，\
例如普通个人信息2,500条、财产信息25条。北京、上海等地的物业管理法规也明确禁止物业泄露、出售业主信息。

**记住：没有用途不查看，没有授权不提供。**
""",
    body_en=(
        "Owners' data is protected by the Civil Code (Art. 1035 principles, Art. 1038 no "
        "disclosure or provision without consent), the PIPL (a legal basis for every purpose, "
        "Art. 13; necessity and minimisation, Art. 5–6; security measures and staff training, "
        "Art. 51) and GB/T 35273 (masked display). Selling or handing over owners' data is a "
        "crime; for staff who obtained it at work the thresholds are halved (2017 SPC/SPP "
        "interpretation, Art. 5), e.g. 2,500 ordinary records."
    ),
)

_PURPOSE = Lesson(
    id="purpose",
    title_zh="最小必要与用途",
    title_en="Purposes and minimisation",
    refs=("L1", "L2", "L4", "L6"),
    body_zh="""\
## 每一次使用都要有用途

OwnerGuard 把业主信息的使用分为若干"用途"：业主档案管理、物业收费、报修维修、访客核验、快递代收、\
装修管理、停车管理、紧急联系、业主大会表决、依法调取、个人权利请求处理。每个用途都写明合法性基础：

- 收费、报修、访客、装修、停车：履行物业服务合同所必需（个保法第13条第1款第2项）；
- 业主大会表决、依法调取、处理业主的权利请求：履行法定职责或者法定义务所必需；
- 紧急联系：应对突发事件、保护生命健康和财产安全所必需；
- 快递代收：取得业主同意。业主不同意或撤回同意的，只是不提供代收，其他物业服务照常，也不得反复劝说。

**营销推广没有合法性基础，系统直接拒绝。**

## 最小必要

每个用途只能使用它需要的字段（个保法第6条）。收物业费只需要房号、业主姓名和联系电话，\
**不需要身份证号码**：物业费按房屋计收，与证件号码无关，多看一项只会多一分泄露风险。\
同理，维修师傅需要的是房号和联系电话，不需要车牌和出生日期。

身份证号码、证件照片按高风险信息对待：加密保存、默认隐藏。人脸、门禁和车辆进出记录、\
不满十四周岁未成年人的信息属于敏感个人信息，须取得单独同意并说明必要性和影响。

工作中不要"顺手"多要信息，也不要在系统之外另建纸质登记表或 Excel，变成第二本业主档案。
""",
    body_en=(
        "Every use of owners' data names a purpose with a legal basis: contract (billing, "
        "repair, visitors, renovation, parking), legal duty (owners' assembly, lawful requests, "
        "rights requests), emergency, or consent (parcel collection). Marketing has no basis and "
        "is refused. Each purpose sees only the fields it needs: billing needs room, name and "
        "phone, never the ID number. ID numbers are high-risk; faces, access logs and "
        "children's data are sensitive and need separate consent."
    ),
)

_MASKING = Lesson(
    id="masking",
    title_zh="脱敏与明文查看",
    title_en="Masking and clear reveals",
    refs=("L8", "L9", "L10", "L24"),
    body_zh="""\
## 默认脱敏

在屏幕、纸质单据和导出文件中，业主信息默认脱敏显示：手机号 `138****1234`，身份证号只显示前6位和后2位，\
姓名显示为"张*"或"张*明"。这是 GB/T 35273 的展示限制要求，也是防止"顺手拍照""截图转发"的第一道防线。

## 明文查看

确实需要完整信息时（例如维修师傅要打电话约上门时间），可以申请明文查看：

1. 选择用途，例如"报修维修"；
2. 报修、访客、装修用途必须关联一张**仍在进行中的工单**，工单完成或关闭后就不能再查看明文；
3. 只能看到这个用途需要的字段，本岗位无权查看的字段一律不显示。

## 一切皆有记录

**每一次查看，不论脱敏还是明文，都会写入审计日志**：谁、在什么时间、为什么用途、查看了哪些字段、\
关联哪张工单。审计日志链式校验，任何删改都会被发现；个人信息保护负责人会定期抽查。\
每一次导出也都能追溯到导出人和接收人。

## 紧急查看

火灾、漏水、老人突发疾病等紧急情况下，需要立即联系业主或紧急联系人时，可以使用"紧急查看"。\
必须填写理由，事后由个人信息保护负责人逐条复核；没有真实紧急情况而使用的，按公司制度处理。

## 三不

不截图、不拍照、不抄写到个人本子或手机。需要时，回到系统按用途查看。
""",
    body_en=(
        "Data is masked by default on screens, paper and exports (138****1234; ID first 6 + "
        "last 2; 张*). A clear reveal needs a purpose and, for repair, visitors and renovation, a "
        "live work order; once the order is closed the clear value is gone. Every view, masked "
        "or clear, is audited in a tamper-evident log. Break-glass emergency reveals need a "
        "reason and are reviewed one by one by the DPO. Never screenshot, photograph or copy."
    ),
)

_SHARING = Lesson(
    id="sharing",
    title_zh="对外提供与第三方",
    title_en="Third parties and sharing",
    refs=("L5", "L19", "L20", "L24", "L26"),
    body_zh="""\
## 谁是第三方

装修公司、快递公司和驿站、保险公司、房产中介、团购商家、广告商，以及与工作无关的任何人，都是第三方。

## 对外提供的前提

1. 向其他处理者提供业主信息，必须告知业主接收方的名称、联系方式、处理目的、处理方式和信息种类，\
并取得业主的**单独同意**（个保法第23条）。签过物业服务合同不等于同意把信息交给别人。
2. 提供前由公司做个人信息保护影响评估，并与接收方签订书面协议。
3. 每一次导出都要能追溯到谁导出、给了谁。员工个人无权决定对外提供。

## 委托处理

维修外包单位、门禁和智能设备厂商、软件服务商代我们处理信息，属于委托处理：要签合同，\
约定目的、期限、方式、信息种类、保护措施以及结束后返还或删除；未经同意不得转委托；\
出了问题物业公司仍要承担责任（个保法第21条）。

## 常见场景

- 装修公司经理要"本月交房业主电话"：拒绝。装修公司可以按物业规定在公告栏宣传，由业主自行联系。
- 驿站要业主电话表：物业为代收保存的清单必须脱敏；快递面单只应有姓名、地址、电话。
- 保险公司要名单推销家财险：没有每位业主的单独同意，一律拒绝。

无论对方给多少"辛苦费"，名单都不能给。私自出售或提供，可能构成犯罪。
""",
    body_en=(
        "Decoration firms, couriers and parcel stations, insurers, estate agents and sellers "
        "are third parties. Providing owners' data to them needs each owner's separate consent "
        "after being told the recipient, purpose, method and categories (PIPL 23), an impact "
        "assessment and a written agreement; every export is traceable. Entrusted processors "
        "(repair subcontractors, door vendors, SaaS) need a contract, no sub-entrusting, and "
        "the property company stays responsible. Never hand over lists, whatever the fee."
    ),
)

_NOTICES = Lesson(
    id="notices",
    title_zh="公告与欠费催缴",
    title_en="Notices and fee arrears",
    refs=("L5", "L9", "L25"),
    body_zh="""\
## 催缴要私下进行

催缴物业费是正当工作，但只能一对一进行：电话、短信、系统消息、上门送达书面催缴函。不得：

- 在电梯、单元门、公告栏张贴写有姓名、房号和欠费金额的"欠费名单"；
- 在业主微信群、朋友圈点名催缴；
- 在群里发"某栋某室至今未交"之类能识别到具体住户的内容——只写房号也能认出是谁。

公开业主的个人信息需要业主单独同意（个保法第25条）。广州荔湾一案中，物业在电梯里张贴含姓名和欠费金额的催缴通知，被认定侵权。

物业不得以停止供电、供水、供热、供燃气的方式催交物业费（民法典第944条）。业主经催告在合理期限内仍不支付的，\
公司可以依法提起诉讼或者申请仲裁，由公司统一办理。

## 发布公告前先脱敏

OwnerGuard 的"公告脱敏"工具会在发布前检查文字中的姓名、手机号、证件号码、房号和金额，\
把它们替换为脱敏形式或提示删除。停水、停电、维修通知只写楼栋、范围和时间，不写具体住户。\
可以公开的是不指向个人的统计数字，例如"本季度收缴率92%"。

发错了怎么办？立即撤回，并按"发现泄露怎么办"一课上报。
""",
    body_en=(
        "Arrears reminders are private: phone, SMS, in-app message, a letter delivered to the "
        "door. No names, rooms or amounts in lifts, on notice boards or in WeChat groups; "
        "publishing them needs separate consent (PIPL 25). Cutting water, power, heat or gas "
        "to collect fees is banned (Civil Code 944); the company may sue or arbitrate. Run "
        "every notice through the notice redactor; publish statistics, not people."
    ),
)

_RIGHTS = Lesson(
    id="rights",
    title_zh="业主的权利",
    title_en="Owners' rights",
    refs=("L11", "L12", "L13", "L14", "L15", "L16", "L17", "L18"),
    body_zh="""\
## 业主可以要求什么

- **查阅、复制**物业保存的本人信息（个保法第45条）；符合条件的，还可以要求转移到其指定的其他处理者；
- **更正、补充**不准确或不完整的信息（第46条）；
- **删除**：处理目的已实现、撤回同意、物业服务合同终止（例如已卖房搬离）或者处理违法时（第47条）。\
法律要求保留的，只能存储和采取安全保护措施，停止其他处理；
- 要求**解释**个人信息处理规则（第48条）；
- 业主去世后，其近亲属为了自身合法、正当利益，可以对相关信息行使上述权利，死者生前另有安排的除外（第49条）。

## 员工怎么做

1. 业主在前台、电话、微信提出请求，都要在系统中登记为"个人权利请求"，不能口头敷衍或让业主"自己去找"；
2. 先核验身份，防止把信息交给冒充者；
3. 按公司规定在**15个工作日**内答复（法定节假日和调休上班日按规定计算），拒绝必须说明理由（第50条）；\
请求超期会自动升级给上级和个人信息保护负责人；
4. 业主对处理结果不满意，可以向业主委员会反映，也可以向网信部门、住建部门、公安机关投诉或拨打12345。\
投诉渠道要公开、处理要及时。

不得因为业主提出请求或投诉而拖延服务、刁难或报复。
""",
    body_en=(
        "Owners may access and copy their data, move it to another processor, have it "
        "corrected, deleted (purpose reached, consent withdrawn, moved out, unlawful "
        "processing) and the rules explained; next of kin may act for a deceased owner. Log "
        "every request in the system, verify identity, answer within 15 working days (our "
        "default) with reasons for any refusal; overdue requests escalate. Owners may turn to "
        "the owners' committee and the authorities (CAC, housing, police, 12345). Never "
        "retaliate."
    ),
)

_CASES = Lesson(
    id="cases",
    title_zh="真实案例",
    title_en="Real cases",
    refs=("L5", "L7", "L24", "L25"),
    body_zh="""\
### 1. 天津 顾某诉物业（2021—2022）

小区把刷脸作为进入小区的唯一方式。二审法院判决物业删除顾某的人脸信息，并为其提供其他进出验证方式。
**教训**：人脸属于敏感信息，必须提供门禁卡等替代方式，业主要求删除就应删除。

### 2. 雅安 付某诉物业（2024—2025）

物业在业主微信群中发布付某的姓名和住址。法院认定构成侵权，判令物业赔礼道歉。
**教训**：业主群不是办事群，不得点名披露任何业主的信息。

### 3. 福州仓山 林某（2023）

物业把林某的投诉截图（带房号）转发出去，林某随后遭到骚扰。物业未经同意披露了投诉人信息。
**教训**：投诉人的身份必须保密，截图一律不得转发。

### 4. 浙江 郑某（刑事案件，2022）

一名物业员工将4,500余条业主信息提供给他人，被判处有期徒刑八个月，适用缓刑。
**教训**：员工利用工作便利提供信息，入罪门槛减半，"帮朋友一个忙"也可能获刑。

### 5. 广州荔湾 欠费通知

物业在电梯里张贴写有业主姓名和欠费金额的催缴通知，被认定侵权。
**教训**：催缴只能私下进行。

### 常见泄露方式

电梯里的欠费名单；员工在微信群发截图；表格发错群；报复投诉人；内部人员把名单卖给装修公司和中介；\
导出含完整手机号的 Excel；维修单和快递货架上的完整信息。
""",
    body_en=(
        "Tianjin (Gu): face scan as the only way in; the appeal court ordered deletion and an "
        "alternative. Ya'an (Fu): name and address posted in the owners' WeChat group; "
        "infringement, apology ordered. Fuzhou Cangshan (Lin): complaint screenshot with unit "
        "number forwarded; the complainant was harassed. Zhejiang (Zheng, criminal): an "
        "employee gave away 4,500+ owner records; 8 months, suspended. Guangzhou Liwan: "
        "arrears notice with names and amounts in the lift; infringement."
    ),
)

_INCIDENT = Lesson(
    id="incident",
    title_zh="发现泄露怎么办",
    title_en="When data leaks",
    refs=("L8", "L10", "L21"),
    body_zh="""\
## 什么算泄露

表格发错微信群；打印件、U盘或工作手机丢失；发现有人拍屏幕；业主反映接到能说出其房号、交房日期的推销电话；\
系统账号在异常时间、异常地点登录；发现有人批量导出。已经发生或**可能**发生的，都要报告。

## 第一时间做什么（不要等确认）

1. 能撤回的立即撤回，请接收者删除并确认；
2. **立即报告**上级和个人信息保护负责人，在系统中登记"安全事件"，写清时间、经过、涉及哪些信息和多少人；
3. 保留证据：不要删除聊天记录、文件和日志，也不要私下找接收者交涉或交易。

## 公司会做什么

个人信息保护负责人组织评估并采取补救措施，依照个保法第57条和《网络数据安全管理条例》通知主管部门和受影响的业主。\
通知内容包括：泄露、篡改或丢失（或可能发生）的信息种类，原因，可能造成的危害，已采取的补救措施，\
业主可以采取的减轻危害的措施，以及公司的联系方式。通知可以通过短信、电话、系统消息或公告进行。

## 员工须知

隐瞒不报比一时失误后果更严重。及时报告，才能把对业主的伤害降到最低。
""",
    body_en=(
        "A sheet sent to the wrong group, lost printouts or phones, someone photographing "
        "screens, owners getting targeted sales calls, odd logins or bulk exports: report "
        "actual and possible leaks at once. Recall what you can, report to your manager and "
        "the DPO, log an incident, keep the evidence. The company notifies the regulator and "
        "affected owners (PIPL 57): what data, cause, possible harm, remedies, what owners can "
        "do, contact. Hiding an incident is worse than the mistake."
    ),
)

LESSONS: tuple[Lesson, ...] = (
    _LAW, _PURPOSE, _MASKING, _SHARING, _NOTICES, _RIGHTS, _CASES, _INCIDENT,
)
LESSONS_BY_ID: dict[str, Lesson] = {lesson.id: lesson for lesson in LESSONS}


# --------------------------------------------------------------------------------------------
# Questions
# --------------------------------------------------------------------------------------------

Choice = tuple[str, str, str]   # (key, text_zh, text_en)


@dataclass(frozen=True)
class Question:
    id: str
    lesson_id: str
    text_zh: str
    text_en: str
    choices: tuple[Choice, ...]
    answer: frozenset[str]       # more than one key: multi-select, all and only these are right
    explanation_zh: str

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c[0] for c in self.choices)

    @property
    def multi(self) -> bool:
        return len(self.answer) > 1


def _q(qid: str, lesson_id: str, text_zh: str, text_en: str, choices: Iterable[Choice],
       answer: str, explanation_zh: str) -> Question:
    return Question(qid, lesson_id, text_zh, text_en, tuple(choices), frozenset(answer),
                    explanation_zh)


QUESTIONS: tuple[Question, ...] = (
    # --- law -------------------------------------------------------------------------------
    _q("law-1", "law",
       "根据《个人信息保护法》，物业处理业主信息可以依据下列哪些合法性基础？（多选）",
       "Under the PIPL, which of these can be a legal basis for the property company to process "
       "owners' data? (multiple)",
       (("A", "履行物业服务合同所必需", "Necessary to perform the property-service contract"),
        ("B", "履行法定职责或者法定义务所必需", "Necessary to fulfil a legal duty or obligation"),
        ("C", "取得业主本人同意", "The owner's consent"),
        ("D", "项目经理口头批准", "The project manager's verbal approval")),
       "ABC",
       "个保法第13条列明了合法性基础，包括履行合同、履行法定职责或义务、应对突发事件、取得同意等。"
       "领导批准不是合法性基础。"),
    _q("law-2", "law",
       "物业员工把工作中获得的业主信息卖给中介。与其他人相比，构成侵犯公民个人信息罪"
       "“情节严重”的数量标准是：",
       "An employee sells owner data obtained at work to an estate agent. Compared with anyone "
       "else, the number of records that makes it a serious (criminal) case is:",
       (("A", "相同", "The same"),
        ("B", "减半", "Halved"),
        ("C", "加倍", "Doubled"),
        ("D", "只要没收钱就不构成犯罪", "No crime as long as no money was taken")),
       "B",
       "两高2017年司法解释第5条：将在履行职责或提供服务过程中获得的信息出售或提供给他人，"
       "数量达到一般标准一半以上即属情节严重，例如普通个人信息2,500条。免费提供同样可能构成犯罪。"),
    _q("law-3", "law",
       "系统里手机号默认显示为 138****1234，这样做的原因是：",
       "Why does the system show phone numbers as 138****1234 by default?",
       (("A", "公司习惯，没有依据", "Company habit, no reason"),
        ("B", "国家标准要求展示限制，个保法要求采取去标识化等安全措施",
         "The national standard requires display limits and the PIPL requires de-identification "
         "and other safeguards"),
        ("C", "为了节省屏幕空间", "To save screen space"),
        ("D", "手机号不属于个人信息", "A phone number is not personal data")),
       "B",
       "GB/T 35273 要求展示时采取去标识化等限制措施，个保法第51条要求采取加密、去标识化等措施。"
       "默认脱敏能防止拍屏、截图造成泄露。"),

    # --- purpose ---------------------------------------------------------------------------
    _q("purpose-1", "purpose",
       "财务同事收物业费时发现系统不显示业主的身份证号码，让你“帮忙查出来，以备后用”，你应该：",
       "A finance colleague collecting fees asks you to look up an owner's ID number "
       "'just in case'. You should:",
       (("A", "查好后发给她", "Look it up and send it to her"),
        ("B", "说明收费不需要身份证号码，按最小必要原则不能查看",
         "Explain that billing does not need the ID number and minimisation forbids it"),
        ("C", "去档案室复印业主的身份证", "Photocopy the owner's ID card from the files"),
        ("D", "在业主群里问这位业主要", "Ask the owner for it in the owners' group")),
       "B",
       "物业费按房屋计收，收费用途只需房号、姓名和联系电话。身份证号码与收费无关，"
       "属于高风险信息，默认隐藏（个保法第6条最小必要）。"),
    _q("purpose-2", "purpose",
       "领导想给业主推荐合作商家的团购优惠，让你用系统里的业主电话群发短信。在 OwnerGuard 中：",
       "Your manager wants you to text all owners a partner's group-buy offer using the phone "
       "numbers in the system. In OwnerGuard:",
       (("A", "可以，业主电话本来就在系统里", "Fine, the numbers are in the system anyway"),
        ("B", "营销推广没有合法性基础，系统会拒绝", "Marketing has no legal basis; the system refuses it"),
        ("C", "只要领导签字就可以", "Fine with the manager's signature"),
        ("D", "发给不超过100人就可以", "Fine for up to 100 owners")),
       "B",
       "营销推广不在物业服务合同范围内，也没有业主的单独同意，不具备合法性基础，系统直接拒绝（L1）。"),
    _q("purpose-3", "purpose",
       "一位业主不同意物业为快递代收使用他的信息，物业应当：",
       "An owner refuses to let the property use his data for parcel collection. The property "
       "should:",
       (("A", "停止为他提供报修等其他服务", "Stop his other services such as repairs"),
        ("B", "只是不为他提供快递代收，其他服务照常", "Just not collect his parcels; everything else continues"),
        ("C", "每天打电话劝他同意", "Call him every day until he agrees"),
        ("D", "在业主群里提醒大家他不配合", "Tell the owners' group he is uncooperative")),
       "B",
       "快递代收的合法性基础是同意。不同意或撤回同意只影响这一项，不得因此拒绝提供不需要该信息的服务，"
       "也不得反复劝说。"),
    _q("purpose-4", "purpose",
       "下列哪些信息属于应特别保护的敏感或高风险信息？（多选）",
       "Which of these are sensitive or high-risk data needing special protection? (multiple)",
       (("A", "业主的人脸信息", "Owners' face data"),
        ("B", "门禁和车辆进出记录", "Door-access and vehicle entry/exit records"),
        ("C", "不满十四周岁儿童的信息", "Data of children under 14"),
        ("D", "身份证号码", "ID-card numbers"),
        ("E", "小区的名称", "The name of the residential compound")),
       "ABCD",
       "人脸（生物识别）、行踪（进出记录）、不满十四周岁未成年人的信息是敏感个人信息；"
       "身份证号码按高风险信息对待，加密保存、默认隐藏。小区名称不是个人信息。"),

    # --- masking ---------------------------------------------------------------------------
    _q("masking-1", "masking",
       "维修师傅完成工单、工单已关闭后，还能在系统里看到业主的完整电话吗？",
       "After a repair work order is completed and closed, can the technician still see the "
       "owner's full phone number?",
       (("A", "能，随时都能看", "Yes, any time"),
        ("B", "不能，明文查看需要关联进行中的工单，工单关闭后只显示脱敏号码",
         "No: a clear reveal needs a live work order; after it closes only the masked number "
         "shows"),
        ("C", "能，只要他事先存进了手机", "Yes, if he saved it in his phone beforehand"),
        ("D", "能，只要业主不知道", "Yes, as long as the owner does not find out")),
       "B",
       "报修用途的明文查看必须关联进行中的工单；工单关闭后明文权限随之结束。"
       "私自把电话存进个人手机本身就违反保密要求。"),
    _q("masking-2", "masking",
       "关于 OwnerGuard 的审计日志，下列说法正确的是：（多选）",
       "Which statements about OwnerGuard's audit log are true? (multiple)",
       (("A", "每一次查看都会记录，无论脱敏还是明文", "Every view is logged, masked or clear"),
        ("B", "只有明文查看才记录", "Only clear reveals are logged"),
        ("C", "记录查看人、时间、用途和查看的字段", "It records who, when, for what purpose and which fields"),
        ("D", "管理员可以删除不方便的记录", "An administrator can delete inconvenient entries")),
       "AC",
       "每一次查看都记入审计，记录谁、何时、为何用途、哪些字段。审计日志链式校验，删改会被发现。"),
    _q("masking-3", "masking",
       "深夜楼上漏水淹到楼下，联系不上楼上业主，客服需要他的完整电话。正确的做法是：",
       "Late at night a flat leaks into the one below and the owner upstairs cannot be reached. "
       "Customer service needs his full number. The right way is:",
       (("A", "在业主群里问谁认识他", "Ask in the owners' group who knows him"),
        ("B", "使用紧急查看，填写理由，事后由个人信息保护负责人复核",
         "Use the break-glass emergency reveal with a reason; the DPO reviews it afterwards"),
        ("C", "借用有权限的同事账号查看", "Log in with a colleague's account that has the right"),
        ("D", "什么都不做，等第二天上班", "Do nothing until the next morning")),
       "B",
       "紧急情况可以使用紧急查看，但必须填写理由，事后逐条复核。借用他人账号、在群里打听都会造成泄露。"),
    _q("masking-4", "masking",
       "你想把一位经常报修的业主电话记下来，方便下次联系。可以怎么做？",
       "You want to keep the phone number of an owner who often reports repairs. What may you do?",
       (("A", "用手机拍下屏幕", "Photograph the screen with your phone"),
        ("B", "抄到个人笔记本上", "Copy it into your personal notebook"),
        ("C", "不另行记录，需要时在系统中按用途查看",
         "Keep no copy; look it up in the system for a purpose when needed"),
        ("D", "截图发到自己的微信", "Screenshot it to your own WeChat")),
       "C",
       "不截图、不拍照、不抄写。系统外的副本无法管控、无法审计，是最常见的泄露来源。"),

    # --- sharing ---------------------------------------------------------------------------
    _q("sharing-1", "sharing",
       "装修公司经理请你把本月交房的业主电话发给他，还说会给你“辛苦费”，你应该：",
       "A decoration-firm manager asks you for the phone numbers of owners who got their keys "
       "this month and offers you a 'thank-you fee'. You should:",
       (("A", "只发一部分", "Send only some of them"),
        ("B", "发一份脱敏后的名单", "Send a masked list"),
        ("C", "拒绝；对外提供须业主单独同意，可告知对方按物业规定在公告栏宣传，由业主自行联系",
         "Refuse: providing data needs each owner's separate consent; tell him he may advertise on "
         "the notice board under property rules and let owners contact him"),
        ("D", "先请示领导，领导同意就发", "Ask your manager and send if he agrees")),
       "C",
       "向第三方提供业主信息须告知接收方等事项并取得单独同意（个保法第23条），领导同意不能代替业主同意。"
       "脱敏名单仍含房号等可识别信息。收钱提供还可能构成犯罪。"),
    _q("sharing-2", "sharing",
       "保险公司想通过物业向业主推荐家财险，需要业主名单。下列哪些是必要前提？（多选）",
       "An insurer wants the owner list to sell home insurance through the property. Which are "
       "required first? (multiple)",
       (("A", "告知业主接收方名称、联系方式、处理目的、方式和信息种类",
         "Tell owners the recipient's name, contact, purpose, method and data categories"),
        ("B", "取得每位业主的单独同意", "Each owner's separate consent"),
        ("C", "事先做个人信息保护影响评估并签订协议", "An impact assessment and a written agreement beforehand"),
        ("D", "物业服务合同里有“同意物业使用信息”的条款就够了",
         "A clause in the property-service contract 'agreeing to data use' is enough")),
       "ABC",
       "对外提供需要告知并取得单独同意，且事先做影响评估（L5、L20）。合同中的概括性条款不是单独同意。"),
    _q("sharing-3", "sharing",
       "小区驿站要求物业提供全体业主的电话表，方便通知取件。正确的做法是：",
       "The parcel station asks for a phone list of all owners to notify pickups. The right "
       "way is:",
       (("A", "提供完整电话表", "Give the full list"),
        ("B", "为代收保存的清单必须脱敏，仅为同意代收的业主处理，面单上只有姓名、地址、电话",
         "Lists kept for collection are masked and cover only owners who consented; waybills carry "
         "only name, address and phone"),
        ("C", "把业主群二维码发给驿站", "Send the station the owners' group QR code"),
        ("D", "让驿站自己去门岗登记本上抄", "Let the station copy the gate register")),
       "B",
       "快递代收以业主同意为基础；物业为驿站、代收保存的清单必须脱敏（快递暂行条例第22条、第34条，L26）。"),
    _q("sharing-4", "sharing",
       "物业把维修工作外包给一家维修公司，对方需要接触业主房号和电话。下列说法正确的是：（多选）",
       "The property outsources repairs to a contractor who needs owners' rooms and phones. Which "
       "are true? (multiple)",
       (("A", "须签订委托处理合同，约定目的、期限、方式和保护措施",
         "An entrusting contract is needed, with purpose, duration, method and safeguards"),
        ("B", "维修公司可以自行再转包给其他公司", "The contractor may subcontract to others on its own"),
        ("C", "合作结束后应返还或删除信息", "At the end the data is returned or deleted"),
        ("D", "出了问题由维修公司全部负责，物业没有责任", "If anything goes wrong only the contractor is liable")),
       "AC",
       "委托处理须签合同并监督，结束后返还或删除；未经同意不得转委托；物业公司仍对业主负责（个保法第21条）。"),

    # --- notices ---------------------------------------------------------------------------
    _q("notices-1", "notices",
       "在业主群里催缴物业费，可以写欠费业主的名字吗？",
       "May you name owners in arrears when chasing fees in the owners' WeChat group?",
       (("A", "可以，欠费是事实", "Yes, the arrears are a fact"),
        ("B", "不写名字只写房号就可以", "Yes if you write only the unit number"),
        ("C", "不可以；催缴应一对一私下进行，公开业主信息需要单独同意",
         "No: reminders are one-to-one and private; publishing owners' data needs separate "
         "consent"),
        ("D", "欠费超过一年就可以", "Yes once the debt is over a year old")),
       "C",
       "公开业主个人信息须取得单独同意（个保法第25条）。房号同样能识别到具体住户。"
       "雅安付某案、广州荔湾案都被认定侵权。"),
    _q("notices-2", "notices",
       "下列哪些催缴方式是合法合规的？（多选）",
       "Which ways of chasing arrears are lawful? (multiple)",
       (("A", "电话或短信私下提醒", "A private call or text"),
        ("B", "上门送达书面催缴函", "A written reminder delivered to the door"),
        ("C", "停水停电，直到交费为止", "Cut water and power until they pay"),
        ("D", "在电梯里张贴欠费名单", "Post an arrears list in the lift"),
        ("E", "经催告仍不交的，由公司依法起诉或申请仲裁",
         "If still unpaid after notice, the company sues or arbitrates")),
       "ABE",
       "民法典第944条禁止以停止供电、供水、供热、供燃气方式催交物业费，允许催告后起诉或仲裁。"
       "张贴欠费名单属于公开个人信息，需要单独同意。"),
    _q("notices-3", "notices",
       "明天3号楼停水检修，你要发布通知。正确的写法是：",
       "Building 3 will have its water off for maintenance tomorrow. How should the notice be "
       "written?",
       (("A", "写明楼栋、范围和时间，不写具体住户，并经公告脱敏检查后发布",
         "Give the building, scope and time, no individual households, and run it through the "
         "notice redactor"),
        ("B", "附上3号楼业主电话表，方便大家互相通知",
         "Attach Building 3's phone list so neighbours can tell each other"),
        ("C", "列出已报修漏水的业主姓名", "List the names of owners who reported leaks"),
        ("D", "直接发，不需要检查", "Publish without any check")),
       "A",
       "公告只需写楼栋、范围、时间。发布前用公告脱敏工具检查姓名、电话、房号和金额（L9、L25）。"),

    # --- rights ----------------------------------------------------------------------------
    _q("rights-1", "rights",
       "业主来到前台，要求查看物业保存的他本人的全部信息。你应该：",
       "An owner at the front desk asks to see all the data the property holds about him. You "
       "should:",
       (("A", "告诉他这是公司内部资料，不能看", "Tell him it is internal company data"),
        ("B", "核验身份后在系统中登记为个人权利请求，按期答复",
         "Verify his identity, log a rights request in the system and answer on time"),
        ("C", "随手打印一份业主档案给他", "Print an owner record for him on the spot"),
        ("D", "让他去找律师", "Tell him to get a lawyer")),
       "B",
       "业主有权查阅、复制本人信息（个保法第45条）。先核验身份防止冒领，再登记请求并在期限内答复。"),
    _q("rights-2", "rights",
       "业主已卖房搬离，要求删除物业保存的他的信息。正确的是：",
       "An owner who has sold and moved out asks for his data to be deleted. Which is right?",
       (("A", "不用处理，留着备用", "Ignore it and keep the data just in case"),
        ("B", "登记删除请求；合同终止属于应删除情形，法律要求保留的部分只存储和保护，停止其他处理",
         "Log the request: the contract has ended, so the data is deleted; what the law requires "
         "to keep is only stored and protected"),
        ("C", "连同审计日志一起全部删掉", "Delete everything including the audit log"),
        ("D", "要求他先交手续费", "Ask him to pay a fee first")),
       "B",
       "物业服务合同终止是应删除的情形之一（个保法第47条）；法律规定须保留的，停止存储和安全保护以外的处理。"),
    _q("rights-3", "rights",
       "按本公司规定，业主的个人信息权利请求默认应在多长时间内答复？",
       "Under company rules, within what time must an owner's rights request be answered by "
       "default?",
       (("A", "3个自然日", "3 calendar days"),
        ("B", "15个工作日", "15 working days"),
        ("C", "3个月", "3 months"),
        ("D", "没有期限", "No deadline")),
       "B",
       "默认15个工作日（法定节假日和调休上班日按规定计算），拒绝须说明理由，超期自动升级（L17）。"),
    _q("rights-4", "rights",
       "业主对物业处理其信息请求的结果不满意，他可以：（多选）",
       "An owner is unhappy with how the property handled his request. He may: (multiple)",
       (("A", "向业主委员会反映", "Go to the owners' committee"),
        ("B", "向网信部门或住建部门投诉", "Complain to the cyberspace or housing authorities"),
        ("C", "拨打12345热线", "Call the 12345 hotline"),
        ("D", "只能接受，没有其他办法", "Nothing; he has to accept it")),
       "ABC",
       "投诉渠道要公开；业主可以向业主委员会、网信、住建、公安等部门反映或拨打12345（L18）。"),

    # --- cases -----------------------------------------------------------------------------
    _q("cases-1", "cases",
       "雅安付某诉物业案中，物业的哪种行为被法院认定侵权？",
       "In the Ya'an case (Fu v. property company), what did the court find to be an "
       "infringement?",
       (("A", "在业主微信群中发布付某的姓名和住址", "Posting Fu's name and address in the owners' WeChat group"),
        ("B", "按时收取物业费", "Collecting fees on time"),
        ("C", "在公共区域安装监控", "Installing CCTV in public areas"),
        ("D", "为付某办理门禁卡", "Issuing Fu an access card")),
       "A",
       "物业在业主群发布业主姓名和住址，被认定侵犯个人信息，判令赔礼道歉。业主群不是办事群。"),
    _q("cases-2", "cases",
       "天津顾某诉物业案中，法院对物业的要求包括：（多选）",
       "In the Tianjin case (Gu v. property company), what did the court require? (multiple)",
       (("A", "删除顾某的人脸信息", "Delete Gu's face data"),
        ("B", "提供刷脸以外的进出验证方式", "Offer a way in other than the face scan"),
        ("C", "可以继续把刷脸作为唯一入口", "Keep the face scan as the only way in"),
        ("D", "要求顾某另交人脸录入费", "Charge Gu a face-enrolment fee")),
       "AB",
       "二审法院判令删除人脸信息并提供其他验证方式。人脸识别不得作为进出小区的唯一方式（L7）。"),
    _q("cases-3", "cases",
       "业主林先生投诉邻居深夜噪音。你把他的投诉截图（带房号）转给被投诉人，让对方“注意一点”。这种做法：",
       "Mr Lin complains about a neighbour's late-night noise. You forward his complaint "
       "screenshot (with his unit number) to the neighbour 'so he is more careful'. This is:",
       (("A", "没问题，提高效率", "Fine, it is efficient"),
        ("B", "泄露了投诉人信息，可能招致骚扰报复，福州仓山案就是教训",
         "A disclosure of the complainant's data that invites harassment, as in the Fuzhou "
         "Cangshan case"),
        ("C", "只要把名字打码就可以", "Fine if the name is blurred"),
        ("D", "发在业主群里更公开透明", "Better posted in the owners' group for transparency")),
       "B",
       "投诉人身份必须保密。房号同样能识别到人，打码名字不够。福州仓山案中投诉截图被转发后，投诉人遭到骚扰。"),
    _q("cases-4", "cases",
       "浙江郑某案中，物业员工将4,500余条业主信息提供给他人，结果是：",
       "In the Zhejiang case, an employee gave away 4,500+ owner records. The outcome was:",
       (("A", "只赔偿了业主一些钱", "He only paid owners some compensation"),
        ("B", "被判处有期徒刑八个月，适用缓刑", "Eight months' imprisonment, suspended"),
        ("C", "没有受到处罚", "No penalty"),
        ("D", "只是被公司辞退", "He was only dismissed")),
       "B",
       "员工利用工作便利提供信息，入罪标准减半（普通信息2,500条），4,500余条已达情节严重，构成犯罪。"),

    # --- incident --------------------------------------------------------------------------
    _q("incident-1", "incident",
       "你把含业主电话的表格误发到了一个业主微信群，应该立即：（多选）",
       "You sent a sheet with owners' phone numbers to an owners' WeChat group by mistake. You "
       "should at once: (multiple)",
       (("A", "撤回消息，请群成员删除已下载的文件", "Recall the message and ask members to delete any copy"),
        ("B", "报告上级和个人信息保护负责人，在系统中登记安全事件",
         "Report to your manager and the DPO and log an incident in the system"),
        ("C", "当作没发生过", "Pretend it never happened"),
        ("D", "删除自己电脑上的文件和聊天记录，以免被查", "Delete the file and chat history so nobody finds out")),
       "AB",
       "先补救、立即上报、保留证据。隐瞒或删除记录会扩大损害，也妨碍公司依法通知业主（L21）。"),
    _q("incident-2", "incident",
       "发生泄露后通知受影响的业主，通知应包括哪些内容？（多选）",
       "After a leak, what must the notice to affected owners contain? (multiple)",
       (("A", "泄露或可能泄露的信息种类", "Which data was or may have been leaked"),
        ("B", "原因和可能造成的危害", "The cause and the possible harm"),
        ("C", "已采取的补救措施和业主可以采取的措施", "Remedies taken and what owners can do"),
        ("D", "公司的联系方式", "The company's contact details"),
        ("E", "肇事员工的身份证号码", "The ID number of the employee at fault")),
       "ABCD",
       "个保法第57条规定通知应包括信息种类、原因、可能的危害、补救措施、个人可采取的措施和联系方式。"
       "公布员工的身份证号码是新的泄露。"),
    _q("incident-3", "incident",
       "一位业主反映最近接到大量装修推销电话，对方能准确说出他的房号和交房日期。你应该：",
       "An owner says he gets many renovation sales calls from people who know his unit number "
       "and handover date. You should:",
       (("A", "告诉他肯定是他自己泄露的", "Tell him he must have leaked it himself"),
        ("B", "作为可能的泄露事件登记上报，由个人信息保护负责人核查查看和导出记录",
         "Log it as a possible leak; the DPO checks view and export records"),
        ("C", "不予理会", "Ignore it"),
        ("D", "建议他换个手机号就行", "Suggest he changes his number")),
       "B",
       "可能发生的泄露也要报告。审计日志能追溯谁查看、导出过这些信息，据此查明原因并补救。"),
)
QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in QUESTIONS}


# --------------------------------------------------------------------------------------------
# Quiz
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    correct: bool
    given: frozenset[str]
    answer: frozenset[str]
    explanation_zh: str


@dataclass(frozen=True)
class QuizResult:
    score: float                          # fraction correct, 0.0 … 1.0
    passed: bool
    correct_count: int
    total: int
    pass_mark: float
    items: tuple[QuestionResult, ...]     # in the order the questions were given

    @property
    def wrong(self) -> tuple[QuestionResult, ...]:
        return tuple(i for i in self.items if not i.correct)


def draw_quiz(seed: int, size: int = QUIZ_SIZE,
              questions: Sequence[Question] = QUESTIONS) -> list[Question]:
    """Draw ``size`` distinct questions, the same ones for the same seed.

    Lessons are taken round-robin (in a seeded order), one random question each, so a quiz
    covers min(size, number of lessons) lessons. Raises ``ValueError`` when ``size`` is not
    between 1 and the number of questions.
    """
    pool = list(questions)
    if not 1 <= size <= len(pool):
        raise ValueError(f"quiz size must be between 1 and {len(pool)}, got {size}")
    rng = random.Random(seed)
    by_lesson: dict[str, list[Question]] = {}
    for q in pool:
        by_lesson.setdefault(q.lesson_id, []).append(q)
    order = sorted(by_lesson)
    rng.shuffle(order)
    for lesson_id in order:
        rng.shuffle(by_lesson[lesson_id])
    drawn: list[Question] = []
    while len(drawn) < size:
        for lesson_id in order:
            if by_lesson[lesson_id] and len(drawn) < size:
                drawn.append(by_lesson[lesson_id].pop())
    rng.shuffle(drawn)
    return drawn



class QuizInvalid(Invalid, ValueError):
    """Answers or a signature that cannot be taken as given (the API and the console catch
    ValueError); the other ValueErrors here are mistakes of the calling code."""

def grade(questions: list[Question], answers: Mapping[str, Iterable[str]],
          pass_mark: float = PASS_MARK) -> QuizResult:
    """Grade a quiz. An answer is right only when its keys equal the answer set exactly.

    Unanswered questions count as wrong. An answer for a question that is not in the quiz, a
    choice key the question does not offer, an empty or repeated question list: ``ValueError``.
    """
    if not questions:
        raise ValueError("no questions to grade")
    if not 0.0 <= pass_mark <= 1.0:
        raise ValueError(f"pass mark must be between 0 and 1, got {pass_mark}")
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ValueError("a question appears twice in the quiz")
    unknown = set(answers) - set(ids)
    if unknown:
        raise QuizInvalid("quiz_unknown_questions", ids=sorted(unknown))
    items = []
    for q in questions:
        raw = answers.get(q.id)
        given = frozenset() if raw is None else frozenset(
            [raw] if isinstance(raw, str) else raw)
        bad = given - set(q.keys)
        if bad:
            raise QuizInvalid("quiz_unknown_choices", question=q.id, keys=sorted(bad))
        items.append(QuestionResult(q.id, given == q.answer, given, q.answer, q.explanation_zh))
    correct = sum(i.correct for i in items)
    total = len(items)
    mark = Fraction(str(pass_mark))   # exact: 8/10 against 0.8 must pass
    return QuizResult(
        score=correct / total,
        passed=Fraction(correct, total) >= mark,
        correct_count=correct,
        total=total,
        pass_mark=pass_mark,
        items=tuple(items),
    )


def training_expires_on(passed_on: _dt.date,
                        valid_days: int = TRAINING_VALID_DAYS) -> _dt.date:
    """Last day a training passed on ``passed_on`` still counts."""
    if valid_days < 1:
        raise ValueError("valid_days must be at least 1")
    return passed_on + _dt.timedelta(days=valid_days - 1)


def training_is_current(passed_on: _dt.date | None, today: _dt.date,
                        valid_days: int = TRAINING_VALID_DAYS) -> bool:
    """True when a pass on ``passed_on`` covers ``today`` (no record: False)."""
    if passed_on is None or passed_on > today:
        return False
    return today <= training_expires_on(passed_on, valid_days)


# --------------------------------------------------------------------------------------------
# Confidentiality agreement (保密协议)
# --------------------------------------------------------------------------------------------

NDA_VERSION = "2026-11"
NDA_PLACEHOLDERS = ("{name}", "{username}", "{date}")

NDA_TEXT_ZH = """\
# 业主个人信息保密承诺书

版本：2026-11

承诺人：{name}（系统账号：{username}）

本人受聘于本物业服务企业（以下简称"公司"），因工作需要可能接触业主、住户及其家庭成员、访客的个人信息。\
本人已完成公司组织的个人信息保护培训，知悉《中华人民共和国民法典》《中华人民共和国个人信息保护法》\
等法律法规的规定，自愿作出如下承诺：

## 一、保密信息的范围

本承诺所称保密信息，是指本人在工作中以任何方式知悉或者接触的、与已识别或者可识别的自然人有关的各种信息，\
包括但不限于：姓名、性别、出生日期、证件类型及号码、手机号码及其他联系方式、紧急联系人、房号及住址、\
车牌号及车辆信息、人脸等生物识别信息、门禁及车辆进出记录、缴费及欠费情况、报修、投诉及访客记录、\
不满十四周岁未成年人的信息，以及由上述信息整理形成的名单、表格、截图和照片。\
保密信息不论以电子、纸质或者其他形式存在，也不论是否已经脱敏。

## 二、本人的义务

1. 仅为公司指派的工作和系统中登记的用途使用保密信息，只查看完成该项工作所必需的信息；需要查看完整信息时，\
按系统流程选择用途并关联工单。不使用他人账号，不将本人账号、密码提供给他人。
2. 不以拍照、截图、录屏、抄写、复制、下载、打印等方式私自留存保密信息；因工作确需导出或者打印的，\
按公司审批流程办理，用后按规定交回或者销毁。
3. 不将保密信息转发、张贴或者发布到微信群、朋友圈、业主群、短视频平台等任何渠道，\
不在电梯、公告栏等公共场所公开业主的姓名、房号、欠费金额等信息。
4. 未经公司书面授权并取得业主依法作出的同意（包括法律要求的单独同意），不向装修公司、房产中介、保险公司、\
快递、营销商家等任何第三方或者无关人员提供、出售或者透露保密信息，不因此收受任何财物或者其他利益。
5. 妥善保管工作终端和纸质资料，离开座位时锁定屏幕，不在私人设备上存储保密信息。
6. 发现保密信息已经或者可能泄露、篡改、丢失，或者发现他人有违规行为时，立即向上级和个人信息保护负责人报告，\
配合采取补救措施，不隐瞒、不拖延、不擅自删除记录。
7. 配合公司的审计和检查。本人知悉，本人在系统中的每一次查看、导出操作都会被记录。

## 三、保密期限

本承诺自签署之日起生效，在本人任职期间及离职后均持续有效。离职或者调岗时，本人将交还全部载有保密信息的资料和设备，\
并删除本人保管的一切副本。

## 四、法律责任

本人知悉：

1. 依照《中华人民共和国民法典》第1038条，信息处理者不得泄露、篡改其收集、存储的个人信息；\
未经自然人同意，不得向他人非法提供其个人信息。依照《中华人民共和国个人信息保护法》，违法处理个人信息的，\
依法承担相应法律责任；侵害个人信息权益造成损害的，依法承担损害赔偿等侵权责任。
2. 违反本承诺的，公司有权依照劳动合同和规章制度给予处分直至解除劳动合同，并要求本人赔偿由此给公司造成的损失。
3. 违反国家有关规定，向他人出售或者提供公民个人信息，或者窃取、以其他方法非法获取公民个人信息，情节严重的，\
构成侵犯公民个人信息罪，依法追究刑事责任。依照《最高人民法院、最高人民检察院关于办理侵犯公民个人信息刑事案件\
适用法律若干问题的解释》（2017年）第5条，将在履行职责或者提供服务过程中获得的公民个人信息出售或者提供给他人的，\
认定"情节严重"的数量标准减半。

本人已认真阅读并理解上述全部内容，自愿遵守。

承诺人（签名）：{name}
系统账号：{username}
签署日期：{date}
签署方式：在 OwnerGuard 系统内电子签署；签署记录保存本文本的版本号及其 SHA-256 摘要。
"""

NDA_TEXT_EN = """\
# Confidentiality undertaking on owners' personal data (summary translation)

Version: 2026-11. Signed by {name} (account {username}) on {date}. The Chinese text governs.

1. Scope: any information about identified or identifiable people I learn at work: names,
   gender, birth dates, ID type and number, phone and other contacts, emergency contacts, rooms
   and addresses, plates and vehicles, faces and other biometrics, door and vehicle access
   records, payments and arrears, repair, complaint and visitor records, children's data, and
   any list, sheet, screenshot or photo made from them; in any form, masked or not.
2. Duties: use it only for my assigned work and the purpose recorded in the system, see only
   what the task needs, reveal in clear only through the system with a work order; never share
   my account; no photos, screenshots, recordings, copies, downloads or printouts except through
   approved procedures; never forward or post it to WeChat groups, Moments, owners' groups or
   public places; never provide, sell or disclose it to decoration firms, agents, insurers,
   couriers, marketers or anyone else without the company's written authorisation and the
   owner's lawful (separate) consent, and take no benefit for it; keep devices and papers
   secure; report actual or possible leaks at once and keep the records; accept audits,
   knowing every view and export is logged.
3. Duration: from signature, during employment and after it ends; on leaving or changing post I
   return all materials and delete all copies.
4. Liability: Civil Code Art. 1038 and the Personal Information Protection Law (legal
   liability and damages); discipline up to dismissal and compensation of the company's loss;
   criminal liability for the offence of infringing citizens' personal information, with the
   thresholds halved for data obtained at work (2017 SPC/SPP interpretation, Art. 5).
"""


def nda_text_hash(version_text: str) -> str:
    """SHA-256 hex digest of the exact UTF-8 text (no normalisation)."""
    return hashlib.sha256(version_text.encode("utf-8")).hexdigest()


NDA_TEXT_SHA256 = nda_text_hash(NDA_TEXT_ZH)


def nda_is_current(signed_version: str | None, signed_hash: str | None) -> bool:
    """True when a signature was made on this exact version of the text."""
    return signed_version == NDA_VERSION and signed_hash == NDA_TEXT_SHA256


def _clean_field(label: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise QuizInvalid("nda_field_empty", field=label)
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise QuizInvalid("nda_field_invisible", field=label)
    return value


def render_nda(name: str, username: str, date: _dt.date | str,
               template: str = NDA_TEXT_ZH) -> str:
    """The undertaking filled in for one signer; ``date`` as a date (shown 2026年11月3日) or text."""
    if isinstance(date, _dt.date):
        date_text = f"{date.year}年{date.month}月{date.day}日"
    else:
        date_text = _clean_field("date", date)
    values = {
        "{name}": _clean_field("name", name),
        "{username}": _clean_field("username", username),
        "{date}": date_text,
    }
    # One pass over the template, so a value that itself contains "{date}" stays as written.
    out: list[str] = []
    i = 0
    while i < len(template):
        for token, value in values.items():
            if template.startswith(token, i):
                out.append(value)
                i += len(token)
                break
        else:
            out.append(template[i])
            i += 1
    return "".join(out)
