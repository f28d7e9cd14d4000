"""Demo data: the stored attention scores, once every other app has seeded its children's records."""

from carecoord import demo

from .services import attention_refresh

demo.register(
    "caseload",
    attention_refresh,
    after=[
        "accounts",
        "patients",
        "pathways",
        "referrals",
        "scheduling",
        "messaging",
        "mdt",
        "workingtime",
        "diary",
        "watch",
        "questionnaires",  # a watch is a flag; a worse answer opens a task
    ],
)
