"""The content of each synthetic document class: its fields and the questions asked about them."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from vlmhyperbench.data.synth import values as v


@dataclass(frozen=True)
class Field:
    """A labelled value on the page; with a question_type it is also asked about."""

    label: str
    value: str
    question_type: str | None = None
    question: str | None = None


@dataclass
class Document:
    doc_class: str
    title: str
    subtitle: str
    fields: list[Field]
    color: tuple[int, int, int]
    table: list[list[str]] = field(default_factory=list)  # invoice lines, first row is the header
    footer: str = ""

    def questions(self) -> list[Field]:
        return [f for f in self.fields if f.question_type]


def passport(rng: random.Random) -> Document:
    person = v.random_person(rng)
    region_series, region_code, _, office = rng.choice(v.REGIONS)
    issued = v.random_date(
        rng, max(person.birth_date + timedelta(days=365 * 20), date(2005, 1, 1)), date(2024, 12, 31)
    )
    series = f"{region_series} {rng.randint(0, 24):02d}"
    number = f"{rng.randint(0, 999_999):06d}"
    return Document(
        "passport",
        "РОССИЙСКАЯ ФЕДЕРАЦИЯ",
        "Паспорт гражданина Российской Федерации",
        [
            Field("Паспорт выдан", office),
            Field("Дата выдачи", v.format_date(issued), "issue_date", "Какая дата выдачи паспорта?"),
            Field(
                "Код подразделения",
                f"{region_code}-{rng.randint(1, 99):03d}",
                "division_code",
                "Какой код подразделения указан в паспорте?",
            ),
            Field("Серия и номер", f"{series} {number}", "number", "Какие серия и номер паспорта?"),
            Field("Фамилия", person.surname.upper(), "surname", "Какая фамилия указана в паспорте?"),
            Field("Имя", person.name.upper(), "name", "Какое имя указано в паспорте?"),
            Field("Отчество", person.patronymic.upper(), "patronymic", "Какое отчество указано в паспорте?"),
            Field("Пол", person.sex),
            Field(
                "Дата рождения",
                v.format_date(person.birth_date),
                "birth_date",
                "Какая дата рождения указана в паспорте?",
            ),
            Field("Место рождения", person.birth_place),
        ],
        color=(186, 60, 60),
    )


def snils(rng: random.Random) -> Document:
    person = v.random_person(rng)
    registered = v.random_date(rng, date(1998, 1, 1), date(2024, 12, 31))
    return Document(
        "snils",
        "СТРАХОВОЕ СВИДЕТЕЛЬСТВО",
        "обязательного пенсионного страхования",
        [
            Field("Страховой номер", v.random_snils(rng), "number", "Какой страховой номер СНИЛС?"),
            Field(
                "Ф.И.О.", person.full_name, "full_name", "Чьё это свидетельство? Укажите Ф.И.О. полностью."
            ),
            Field("Дата и место рождения", f"{v.format_date(person.birth_date)}, {person.birth_place}"),
            Field("Пол", "мужской" if person.sex == "МУЖ." else "женский"),
            Field(
                "Дата регистрации",
                v.format_date(registered),
                "issue_date",
                "Какая дата регистрации указана в свидетельстве?",
            ),
        ],
        color=(46, 125, 80),
    )


def inn(rng: random.Random) -> Document:
    person = v.random_person(rng)
    issued = v.random_date(rng, date(2000, 1, 1), date(2024, 12, 31))
    region_code = rng.choice(["77", "78", "50", "16", "66", "54", "52"])
    return Document(
        "inn",
        "СВИДЕТЕЛЬСТВО",
        "о постановке на учёт физического лица в налоговом органе",
        [
            Field(
                "Физическое лицо",
                person.full_name,
                "full_name",
                "Кому выдано свидетельство ИНН? Укажите Ф.И.О. полностью.",
            ),
            Field(
                "Дата рождения",
                v.format_date(person.birth_date),
                "birth_date",
                "Какая дата рождения указана в свидетельстве ИНН?",
            ),
            Field(
                "Поставлен на учёт",
                v.format_date(issued),
                "issue_date",
                "Когда физическое лицо поставлено на учёт?",
            ),
            Field(
                "ИНН",
                v.random_inn(rng, person=True, region=region_code),
                "number",
                "Какой ИНН указан в свидетельстве?",
            ),
            Field(
                "Налоговый орган",
                f"ИФНС России № {rng.randint(1, 46)} по г. {rng.choice(['Москве', 'Казани'])}",
            ),
        ],
        color=(40, 80, 160),
    )


def invoice(rng: random.Random) -> Document:
    seller, buyer = v.random_company(rng), v.random_company(rng)
    day = v.random_date(rng, date(2019, 1, 1), date(2025, 12, 31))
    lines = [["№", "Наименование", "Кол-во", "Цена", "Сумма"]]
    total = 0
    for i, item in enumerate(rng.sample(v.GOODS, rng.randint(2, 4)), start=1):
        quantity, price = rng.randint(1, 20), rng.randint(100, 50_000) * 100
        total += quantity * price
        lines.append([str(i), item, str(quantity), v.format_rubles(price), v.format_rubles(quantity * price)])
    vat = total * 20 // 120
    return Document(
        "invoice",
        f"СЧЁТ НА ОПЛАТУ № {rng.randint(1, 9999)}",
        f"от {v.format_date_words(day)}",
        [
            Field("Дата счёта", v.format_date(day), "date", "Какая дата счёта на оплату? Формат ДД.ММ.ГГГГ."),
            Field("Поставщик", seller, "seller", "Кто поставщик по счёту?"),
            Field("ИНН поставщика", v.random_inn(rng, person=False), "seller_inn", "Какой ИНН поставщика?"),
            Field("Покупатель", buyer, "buyer", "Кто покупатель по счёту?"),
            Field("Итого к оплате, руб.", v.format_rubles(total), "total", "Какая итоговая сумма к оплате?"),
            Field("В том числе НДС 20%, руб.", v.format_rubles(vat)),
        ],
        color=(90, 90, 90),
        table=lines,
    )


DOCUMENT_CLASSES: dict[str, Callable[[random.Random], Document]] = {
    "passport": passport,
    "snils": snils,
    "inn": inn,
    "invoice": invoice,
}
