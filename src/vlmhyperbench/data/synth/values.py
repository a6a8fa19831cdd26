"""Realistic random field values for Russian documents, with the checksums the real numbers carry.

SNILS: 9 digits and a 2-digit control number (weights 9..1, mod 101). INN: 10 digits for an organisation,
12 for a person, control digits by the Federal Tax Service weights (mod 11, mod 10).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

MALE = {
    "surnames": [
        "Иванов",
        "Петров",
        "Смирнов",
        "Кузнецов",
        "Соколов",
        "Попов",
        "Лебедев",
        "Козлов",
        "Новиков",
        "Морозов",
        "Волков",
        "Фёдоров",
        "Алексеев",
        "Семёнов",
        "Егоров",
    ],
    "names": [
        "Александр",
        "Дмитрий",
        "Максим",
        "Сергей",
        "Андрей",
        "Алексей",
        "Артём",
        "Илья",
        "Кирилл",
        "Михаил",
        "Никита",
        "Пётр",
        "Роман",
        "Егор",
        "Олег",
    ],
    "patronymics": [
        "Александрович",
        "Дмитриевич",
        "Сергеевич",
        "Андреевич",
        "Алексеевич",
        "Игоревич",
        "Михайлович",
        "Николаевич",
        "Владимирович",
        "Петрович",
        "Юрьевич",
        "Олегович",
    ],
}
FEMALE = {
    "surnames": [
        "Иванова",
        "Петрова",
        "Смирнова",
        "Кузнецова",
        "Соколова",
        "Попова",
        "Лебедева",
        "Козлова",
        "Новикова",
        "Морозова",
        "Волкова",
        "Фёдорова",
        "Алексеева",
        "Семёнова",
    ],
    "names": [
        "Анна",
        "Мария",
        "Елена",
        "Ольга",
        "Наталья",
        "Татьяна",
        "Ирина",
        "Екатерина",
        "Светлана",
        "Юлия",
        "Дарья",
        "Алёна",
        "Ксения",
        "Полина",
    ],
    "patronymics": [
        "Александровна",
        "Дмитриевна",
        "Сергеевна",
        "Андреевна",
        "Алексеевна",
        "Игоревна",
        "Михайловна",
        "Николаевна",
        "Владимировна",
        "Петровна",
        "Юрьевна",
        "Олеговна",
    ],
}
# (region code for the passport series / division code, city, the issuing office's wording)
REGIONS = [
    ("45", "770", "г. Москва", "ГУ МВД России по г. Москве"),
    ("40", "780", "г. Санкт-Петербург", "ГУ МВД России по г. Санкт-Петербургу и Ленинградской обл."),
    ("50", "503", "г. Подольск", "ГУ МВД России по Московской области"),
    ("92", "160", "г. Казань", "МВД по Республике Татарстан"),
    ("65", "660", "г. Екатеринбург", "ГУ МВД России по Свердловской области"),
    ("50", "540", "г. Новосибирск", "ГУ МВД России по Новосибирской области"),
    ("22", "520", "г. Нижний Новгород", "ГУ МВД России по Нижегородской области"),
]
COMPANY_WORDS = [
    "Вектор",
    "Альфа",
    "Север",
    "Гранит",
    "Меридиан",
    "Исток",
    "Прогресс",
    "Радуга",
    "Техносфера",
    "Волга",
    "Байкал",
    "Орион",
    "Стройресурс",
    "Дельта",
    "Каскад",
]
COMPANY_FORMS = ["ООО", "АО", "ПАО"]
GOODS = [
    "Бумага офисная А4",
    "Картридж лазерный",
    'Монитор 24"',
    "Клавиатура",
    "Кресло офисное",
    "Стол письменный",
    "Ноутбук",
    "Услуги доставки",
    "Папка-регистратор",
    "Маркер текстовый",
]
MONTHS = [
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
]


def snils_checksum(digits: str) -> int:
    """Control number of a 9-digit SNILS body."""
    total = sum(int(d) * w for d, w in zip(digits, range(9, 0, -1), strict=False))
    if total < 100:
        return total
    if total in (100, 101):
        return 0
    rest = total % 101
    return 0 if rest == 100 else rest


def snils_is_valid(snils: str) -> bool:
    digits = "".join(c for c in snils if c.isdigit())
    return len(digits) == 11 and snils_checksum(digits[:9]) == int(digits[9:])


def format_snils(digits: str) -> str:
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def random_snils(rng: random.Random) -> str:
    # numbers up to 001-001-998 were issued without a checksum rule
    body = f"{rng.randint(1_002_000, 999_999_999):09d}"
    return format_snils(body + f"{snils_checksum(body):02d}")


_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _inn_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10)


def inn_is_valid(inn: str) -> bool:
    if not inn.isdigit():
        return False
    if len(inn) == 10:
        return inn[9] == _inn_digit(inn, _INN10)
    if len(inn) == 12:
        return inn[10] == _inn_digit(inn, _INN11) and inn[11] == _inn_digit(inn, _INN12)
    return False


def random_inn(rng: random.Random, person: bool, region: str = "77") -> str:
    """A valid INN: 12 digits for a person, 10 for an organisation."""
    body = region + "".join(str(rng.randint(0, 9)) for _ in range(8 if person else 7))
    if not person:
        return body + _inn_digit(body, _INN10)
    body += _inn_digit(body, _INN11)
    return body + _inn_digit(body, _INN12)


def format_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


def format_date_words(day: date) -> str:
    return f"«{day.day:02d}» {MONTHS[day.month - 1]} {day.year} г."


def random_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def format_rubles(kopecks: int) -> str:
    rubles, kop = divmod(kopecks, 100)
    return f"{rubles:,}".replace(",", " ") + f",{kop:02d}"


@dataclass(frozen=True)
class Person:
    surname: str
    name: str
    patronymic: str
    sex: str  # "МУЖ." / "ЖЕН."
    birth_date: date
    birth_place: str

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.name} {self.patronymic}"


def random_person(rng: random.Random) -> Person:
    male = rng.random() < 0.5
    names = MALE if male else FEMALE
    return Person(
        surname=rng.choice(names["surnames"]),
        name=rng.choice(names["names"]),
        patronymic=rng.choice(names["patronymics"]),
        sex="МУЖ." if male else "ЖЕН.",
        birth_date=random_date(rng, date(1955, 1, 1), date(2004, 12, 31)),
        birth_place=rng.choice(REGIONS)[2].upper(),
    )


def random_company(rng: random.Random) -> str:
    suffix = rng.choice(["", "-М", " Плюс", " Групп"])
    return f"{rng.choice(COMPANY_FORMS)} «{rng.choice(COMPANY_WORDS)}{suffix}»"
