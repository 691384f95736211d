"""The four roles, the case-file audit tool and the foster carer audit tool."""

from django.db import migrations

ROLES = ["auditor", "moderator", "viewer", "qa_lead"]

# (code, title, na_allowed, guidance, O, G, RI, I)
CASE_FILE_DOMAINS = [
    (
        "earlier_intervention",
        "Quality and impact of earlier intervention",
        True,
        "Was help offered early enough, at the right level, and did it make a difference "
        "before statutory involvement?",
        "Early help was timely, well coordinated and demonstrably reduced need.",
        "Help was offered at the right time and level; its impact is recorded.",
        "Help was offered but late, drifted or its impact is unclear.",
        "Missed opportunities to help earlier left the child at risk of harm.",
    ),
    (
        "assessment",
        "Assessment and analysis of risk",
        False,
        "Is the assessment current, analytical and informed by history, all agencies and the "
        "child's lived experience? Are risks and strengths weighed?",
        "Analysis is incisive, includes history and all agencies, and drives the plan.",
        "Assessment is timely with clear analysis of risk, need and protective factors.",
        "Assessment is descriptive; analysis of risk or history is thin or out of date.",
        "No current assessment, or risk is not identified or is minimised.",
    ),
    (
        "plan",
        "Plan (and permanence planning)",
        False,
        "Is there a SMART plan that addresses the assessed needs, with timescales, and "
        "permanence planning where relevant?",
        "Plan is SMART, co-produced with the family and achieving change.",
        "Plan is specific, timely and addresses the assessed needs.",
        "Plan is generic or lacks timescales; progress is hard to measure.",
        "No plan, or the plan does not address the risks to the child.",
    ),
    (
        "review",
        "Review",
        True,
        "Are reviews (core groups, CIN reviews, conferences, LAC reviews) held on time and do "
        "they measure progress against the plan? N/A if no review has yet been due.",
        "Reviews are timely, child-focused and drive progress; IRO/chair oversight is evident.",
        "Reviews are held on time and measure progress against the plan.",
        "Reviews are late or do not measure progress.",
        "Reviews are missing or fail to respond to drift or increased risk.",
    ),
    (
        "voice",
        "Voice of the child",
        False,
        "Is the child seen, seen alone where appropriate, and are their wishes, feelings and "
        "lived experience recorded and acted on?",
        "The child's voice is vivid throughout and clearly shapes decisions.",
        "The child is seen regularly; their wishes and feelings are recorded and considered.",
        "Visits happen but the child's views are recorded in generic terms.",
        "The child is not seen or their voice is absent from the record.",
    ),
    (
        "supervision",
        "Supervision and management oversight",
        False,
        "Is there regular, reflective supervision and clear management decision making with "
        "rationale on the file?",
        "Reflective supervision is regular and demonstrably improves outcomes.",
        "Supervision is regular, recorded and gives clear direction.",
        "Supervision is irregular or task-focused, with little reflection.",
        "No evidence of management oversight on key decisions.",
    ),
    (
        "impact_child",
        "Impact on the child",
        False,
        "What difference has our involvement made to the child's safety, wellbeing and outcomes?",
        "Clear, sustained improvement in the child's circumstances.",
        "The child's circumstances are improving as a result of the work.",
        "Limited or unclear impact; some needs remain unmet.",
        "The child remains at risk of harm or circumstances have worsened.",
    ),
    (
        "impact_family",
        "Impact on the family",
        True,
        "What difference has our involvement made to the parents' or carers' capacity to meet "
        "the child's needs?",
        "Parents or carers show sustained change and own the plan.",
        "Parents or carers are engaged and making progress.",
        "Engagement is inconsistent; change is limited.",
        "No change, or the family's situation has deteriorated without response.",
    ),
]

FOSTER_CARER_DOMAINS = [
    (
        "approval",
        "Approval, terms of approval and annual review",
        False,
        "Is the household's approval current, with terms matching the children placed, and an "
        "annual review held on time?",
        "Reviews are timely, reflective and informed by the children's views.",
        "Approval and annual review are current and recorded.",
        "Annual review late or terms of approval not matching placements.",
        "Approval lapsed or children placed outside terms without authorisation.",
    ),
    (
        "safer_caring",
        "Safer caring and safeguarding",
        False,
        "Is there a current safer caring plan, and are allegations and concerns managed well?",
        "Safer caring is exemplary and regularly revisited with the household.",
        "A current safer caring plan is in place and understood.",
        "Safer caring plan is out of date or generic.",
        "No safer caring plan, or safeguarding concerns not acted on.",
    ),
    (
        "supervision",
        "Supervising social worker visits and supervision",
        False,
        "Are supervisory visits regular, including unannounced visits, and recorded with "
        "reflection?",
        "Visits are regular, reflective and drive the carers' development.",
        "Visits, including unannounced visits, are regular and recorded.",
        "Visits are irregular or purely task-focused.",
        "Visits are not taking place.",
    ),
    (
        "training",
        "Training, support and development",
        False,
        "Have the carers completed their training standards and mandatory training?",
        "Carers exceed training requirements and apply their learning.",
        "Training standards and mandatory training are complete.",
        "Training is incomplete with a plan to complete it.",
        "Training is not complete and there is no plan.",
    ),
    (
        "voice",
        "Voice of the children in placement",
        False,
        "Are the views of the children placed and the carers' own children sought and recorded?",
        "Children's views are vivid and shape the support given.",
        "Children's views are sought and recorded.",
        "Children's views are recorded in generic terms.",
        "Children's views are absent.",
    ),
    (
        "impact_child",
        "Impact on the children placed",
        False,
        "What difference does this placement make to the children placed?",
        "Children are thriving, with stable placements and good outcomes.",
        "Children are settled and their needs are met.",
        "Some of the children's needs are not met.",
        "The placement is not meeting children's needs or keeping them safe.",
    ),
]


def create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    AuditTool = apps.get_model("audits", "AuditTool")
    Domain = apps.get_model("audits", "Domain")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    for code, name, outstanding, domains in [
        ("case-file", "Case file audit", True, CASE_FILE_DOMAINS),
        ("foster-carer", "Foster carer audit", False, FOSTER_CARER_DOMAINS),
    ]:
        tool, _ = AuditTool.objects.get_or_create(
            code=code, version=1, defaults={"name": name, "offers_outstanding": outstanding}
        )
        for position, (dcode, title, na, guidance, o, g, ri, i) in enumerate(domains, start=1):
            Domain.objects.get_or_create(
                tool=tool,
                code=dcode,
                defaults={
                    "title": title,
                    "position": position,
                    "na_allowed": na,
                    "guidance": guidance,
                    "descriptor_outstanding": o,
                    "descriptor_good": g,
                    "descriptor_requires_improvement": ri,
                    "descriptor_inadequate": i,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
