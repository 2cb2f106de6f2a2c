"""The default acknowledgements went to every request, P3 included, yet two of them
promised priority or expedited handling. Rows a supervisor has edited are left alone."""

from django.db import migrations

REWORDED = {
    ("technical", "en"): (
        "We have received your technical issue and are handling it with priority. "
        "Estimated resolution time: {eta}.",
        "We have received your technical issue. Estimated resolution time: {eta}.",
    ),
    ("technical", "zh-hans"): (
        "我们已收到您的技术问题,正在优先处理中。预计解决时间:{eta}。",
        "我们已收到您的技术问题。预计解决时间：{eta}。",
    ),
    ("billing", "en"): (
        "Your billing question has been expedited; we will provide a solution within {eta}.",
        "We have received your billing question; we will provide a solution within {eta}.",
    ),
    ("billing", "zh-hans"): (
        "您的账单问题已加急处理,我们将在{eta}内提供解决方案。",
        "我们已收到您的账单问题，将在{eta}内提供解决方案。",
    ),
}


def reword(apps, schema_editor, *, forward=True):
    ResponseTemplate = apps.get_model("tickets", "ResponseTemplate")
    for (category, language), (old, new) in REWORDED.items():
        before, after = (old, new) if forward else (new, old)
        ResponseTemplate.objects.filter(
            category__code=category, kind="acknowledgement", language=language, body=before
        ).update(body=after)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_policy_due_ratio_and_constraints")]

    operations = [
        migrations.RunPython(reword, lambda apps, editor: reword(apps, editor, forward=False))
    ]
