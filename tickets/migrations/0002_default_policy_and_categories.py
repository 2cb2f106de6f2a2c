from decimal import Decimal

from django.db import migrations

POLICY = {
    "version": 1,
    "change_note": "SPEC defaults",
    "weight_impact": Decimal("0.3"),
    "weight_time": Decimal("0.3"),
    "weight_customer": Decimal("0.2"),
    "weight_difficulty": Decimal("0.2"),
    "impact_full_scale": Decimal("100"),
    "time_horizon_hours": Decimal("24"),
    "difficulty_max": 5,
    "strategic_partner_score": Decimal("1.0"),
    "threshold_p0": Decimal("0.7"),
    "threshold_p1": Decimal("0.5"),
    "threshold_p2": Decimal("0.3"),
    "target_p0_hours": Decimal("1"),
    "target_p1_hours": Decimal("2"),
    "target_p2_hours": Decimal("4"),
    "rescore_interval_minutes": 30,
    "escalation_interval_minutes": 120,
    "warning_ratio": Decimal("0.75"),
    "reopen_period_days": 7,
}

CATEGORIES = [
    {
        "code": "technical",
        "name_en": "Technical",
        "name_zh": "技术问题",
        "position": 0,
        "keywords_en": "error\nbug\ncrash\ncrashed\nnot working\noutage\ndown\ntimeout\nfailure\n"
        "cannot log in\ncan't log in\nlogin failed",
        "keywords_zh": "系统\n崩溃\n宕机\n故障\n报错\n错误\n无法登录\n登录不了\n打不开\n超时\n异常\n卡顿",
        "checklist": [
            ("Reproduce the problem", "复现问题"),
            ("Check the logs", "检查日志"),
            ("Apply a workaround", "应用临时修复"),
            ("Verify the solution", "验证解决方案"),
        ],
        "ack": (
            "We have received your technical issue and are handling it with priority. "
            "Estimated resolution time: {eta}.",
            "我们已收到您的技术问题,正在优先处理中。预计解决时间:{eta}。",
        ),
        "reply": (
            "Hello, I am looking into your technical issue now. Estimated resolution time: {eta}.",
            "您好,我正在处理您的技术问题。预计解决时间:{eta}。",
        ),
    },
    {
        "code": "billing",
        "name_en": "Billing",
        "name_zh": "账单问题",
        "position": 1,
        "keywords_en": "charge\ncharged\nrefund\ninvoice\npayment\nbilling\nbill\nreceipt",
        "keywords_zh": "退款\n发票\n账单\n扣费\n付款\n支付\n收费\n计费",
        "checklist": [
            ("Check the invoice", "核对账单"),
            ("Confirm refund eligibility", "确认退款资格"),
            ("Process the refund", "处理退款"),
            ("Send the confirmation e-mail", "发送确认邮件"),
        ],
        "ack": (
            "Your billing question has been expedited; we will provide a solution within {eta}.",
            "您的账单问题已加急处理,我们将在{eta}内提供解决方案。",
        ),
        "reply": (
            "Hello, I am reviewing your billing question now. Expected answer within {eta}.",
            "您好,我正在核对您的账单问题,预计在{eta}内答复。",
        ),
    },
    {
        "code": "account",
        "name_en": "Account",
        "name_zh": "账户问题",
        "position": 2,
        "is_fallback": True,
        "keywords_en": "account\npassword\nusername\nprofile\ncontact\npermission",
        "keywords_zh": "账号\n账户\n密码\n用户名\n联系人\n权限",
        "checklist": [
            ("Confirm the account state", "确认账户状态"),
            ("Update the contact details", "更新联系信息"),
            ("Provide a solution", "提供解决方案"),
            ("Follow up with the customer", "跟进确认"),
        ],
        "ack": (
            "Your account manager has been notified and will contact you within {eta}.",
            "您的账户经理已收到通知,将在{eta}内与您联系。",
        ),
        "reply": (
            "Hello, I am your account contact for this request. Expected solution within {eta}.",
            "您好,我负责跟进您的账户问题,预计在{eta}内提供解决方案。",
        ),
    },
]


def create_defaults(apps, schema_editor):
    PriorityPolicy = apps.get_model("tickets", "PriorityPolicy")
    Category = apps.get_model("tickets", "Category")
    ChecklistItemTemplate = apps.get_model("tickets", "ChecklistItemTemplate")
    ResponseTemplate = apps.get_model("tickets", "ResponseTemplate")
    Skill = apps.get_model("staffing", "Skill")
    if not PriorityPolicy.objects.exists():
        PriorityPolicy.objects.create(**POLICY)
    for spec in CATEGORIES:
        category, created = Category.objects.get_or_create(
            code=spec["code"],
            defaults={
                "name_en": spec["name_en"],
                "name_zh": spec["name_zh"],
                "position": spec["position"],
                "is_fallback": spec.get("is_fallback", False),
                "keywords_en": spec["keywords_en"],
                "keywords_zh": spec["keywords_zh"],
                "skill": Skill.objects.get(code=spec["code"]),
            },
        )
        if not created:
            continue
        ChecklistItemTemplate.objects.bulk_create(
            ChecklistItemTemplate(category=category, position=i, text_en=en, text_zh=zh)
            for i, (en, zh) in enumerate(spec["checklist"])
        )
        templates = []
        for kind, (body_en, body_zh) in (("acknowledgement", spec["ack"]), ("first_reply", spec["reply"])):
            subject_en = f"{spec['name_en']} request received" if kind == "acknowledgement" else (
                f"About your {spec['name_en'].lower()} request"
            )
            subject_zh = f"已收到您的{spec['name_zh']}" if kind == "acknowledgement" else (
                f"关于您的{spec['name_zh']}"
            )
            templates += [
                ResponseTemplate(category=category, kind=kind, language="en",
                                 subject=subject_en, body=body_en),
                ResponseTemplate(category=category, kind=kind, language="zh-hans",
                                 subject=subject_zh, body=body_zh),
            ]
        ResponseTemplate.objects.bulk_create(templates)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
        ("staffing", "0002_default_skills_and_calendars"),
    ]
    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
