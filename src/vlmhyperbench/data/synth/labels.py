"""The synthetic set's labels, ours or upstream VLMHyperBench's (`data synth --labels upstream`).

Our labels are short English keys (`inn`, `number`); upstream's datasets name doc classes `tin_new`,
`passport`, ... and question types in Russian ("Номер снилса", "Серия и номер паспорта"). With upstream's
labels the synthetic set can be scored next to upstream's own data and its prompt collections apply.
"""

from __future__ import annotations

from vlmhyperbench.errors import UsageError

LABELS = ("ours", "upstream")

UPSTREAM_DOC_CLASSES = {"passport": "passport", "snils": "snils", "inn": "tin_new", "invoice": "invoice"}

# (our doc class, our question type) -> upstream's question type; "*" for any doc class
UPSTREAM_QUESTION_TYPES = {
    ("passport", "number"): "Серия и номер паспорта",
    ("snils", "number"): "Номер снилса",
    ("inn", "number"): "ИНН",
    ("*", "surname"): "Фамилия",
    ("*", "name"): "Имя",
    ("*", "patronymic"): "Отчество",
    ("*", "full_name"): "ФИО",
    ("*", "birth_date"): "Дата рождения",
    ("*", "issue_date"): "Дата выдачи",
    ("*", "division_code"): "Код подразделения",
    ("*", "date"): "Дата",
    ("*", "seller"): "Продавец",
    ("*", "seller_inn"): "ИНН продавца",
    ("*", "buyer"): "Покупатель",
    ("*", "total"): "Сумма",
}


def relabel(doc_class: str, question_type: str, labels: str) -> tuple[str, str]:
    """(doc_class, question_type) in the named label set."""
    if labels not in LABELS:
        raise UsageError(f"Unknown labels {labels!r}. Available: {', '.join(LABELS)}")
    if labels == "ours":
        return doc_class, question_type
    upstream_type = UPSTREAM_QUESTION_TYPES.get((doc_class, question_type)) or UPSTREAM_QUESTION_TYPES.get(
        ("*", question_type)
    )
    if upstream_type is None:  # a new field without an upstream name: a bug to fix here, not a silent label
        raise KeyError(
            f"no upstream label for {doc_class}/{question_type}: add it to UPSTREAM_QUESTION_TYPES"
        )
    return UPSTREAM_DOC_CLASSES[doc_class], upstream_type
