"""Writes the upstream-format fixture (annotation.csv with BOM and CRLF, answers.csv id;model_answer)."""

import csv
import io
import sys
from pathlib import Path

NB = "\u00a0"
# (data_index, image, question, answer, doc_class, question_type, model_answer or None=no answer)
rows = [
    (0, "images/0.jpg", "Напиши номер СНИЛС", "353-721-310 54", "snils", "Номер снилса", "353-721-310 54"),
    (0, "images/0.jpg", "", "353-721-310 54", "snils", "Номер снилса", "35372131054"),
    (0, "images/0.jpg", "Напиши фамилию", "Иванов", "snils", "Фамилия", "ИВАНОВ"),
    (0, "images/0.jpg", "Напиши имя", "Иван", "snils", "Имя", "иван"),
    (0, "images/0.jpg", "Напиши отчество", "Иванович", "snils", "Отчество", ""),
    (1, "images/1.jpg", "Напиши номер СНИЛС", "112-233-445 95", "snils", "Номер снилса", "112 233 445 95"),
    (1, "images/1.jpg", "Напиши фамилию", "Петрова", "snils", "Фамилия", "Петрова\n"),
    (1, "images/1.jpg", "Напиши имя", "Анна", "snils", "Имя", "N/A"),
    (1, "images/1.jpg", "Напиши отчество", "Сергеевна", "snils", "Отчество", "Сергеевна  "),
    (2, "images/2.jpg", "", "4509 123456", "passport_HD", "Серия и номер паспорта", "4509 123456"),
    (2, "images/2.jpg", "", "4509 123456", "passport_HD", "Серия и номер паспорта", "45 09 123456"),
    (
        2,
        "images/2.jpg",
        "Кем выдан паспорт?",
        "ОТДЕЛОМ УФМС РОССИИ ПО Г. МОСКВЕ",
        "passport_HD",
        "Кем выдан",
        "Отделом УФМС России по г. Москве",
    ),
    (2, "images/2.jpg", "Дата выдачи?", "01.02.2015", "passport_HD", "Дата выдачи", "01.02.2015"),
    (2, "images/2.jpg", "Код подразделения?", "770-001", "passport_HD", "Код подразделения", "770–001"),
    (2, "images/2.jpg", "Номер дома?", "89", "passport_HD", "Адрес", "№ 89"),
    (3, "images/3.jpg", "ИНН?", "7707083893", "tin_new", "ИНН", "7707 083 893"),
    (3, "images/3.jpg", "ИНН?", "7707083893", "tin_new", "ИНН", "7707083893"),
    (3, "images/3.jpg", "ФИО?", "ИВАНОВ ИВАН ИВАНОВИЧ", "tin_new", "ФИО", "Иванов Иван Иванович"),
    (3, "images/3.jpg", "ФИО?", "ИВАНОВ ИВАН ИВАНОВИЧ", "tin_new", "ФИО", f"ИВАНОВ{NB}ИВАН ИВАНОВИЧ"),
    (4, "images/4.jpg", "Продавец?", "ООО «Вектор»", "invoice", "Продавец", 'ООО "Вектор"'),
    (4, "images/4.jpg", "Покупатель?", "ООО «Ромашка»", "invoice", "Покупатель", "Ромашка"),
    (4, "images/4.jpg", "Сумма?", "881 471,00", "invoice", "Сумма", "881471,00"),
    (4, "images/4.jpg", "Сумма?", "881 471,00", "invoice", "Сумма", "881 471.00"),
    (4, "images/4.jpg", "Сумма?", "881 471,00", "invoice", "Сумма", f"881{NB}471,00"),
    (4, "images/4.jpg", "Номер счета?", "№ 15", "invoice", "Номер счета", "№15"),
    (5, "images/5.jpg", "ИНН продавца?", "7701234567", "invoice", "ИНН продавца", "null"),
    (5, "images/5.jpg", "КПП продавца?", "", "invoice", "КПП продавца", "None"),
    (5, "images/5.jpg", "КПП покупателя?", "", "invoice", "КПП покупателя", "123"),
    (5, "images/5.jpg", "Итого?", "Сумма: 12 500,00 руб.", "invoice", "Сумма", "12 500,00"),
    (5, "images/5.jpg", "Продавец?", "ИП Смирнов А.А.", "invoice", "Продавец", "ИП  Смирнов   А.А."),
    (5, "images/5.jpg", "Сумма?", "12 500,00", "invoice", "Сумма", "12 500,00"),
    (
        5,
        "images/5.jpg",
        "Номер счета?",
        "Счёт № 42 от 01.03.2024",
        "invoice",
        "Номер счета",
        "Счет № 42 от 01.03.2024",
    ),
    (
        5,
        "images/5.jpg",
        "Адрес продавца?",
        "ООО Ромашка\nг. Москва",
        "invoice",
        "Адрес",
        "ООО Ромашка г. Москва",
    ),
    (6, "images/6.jpg", "", "Иванов", "interest_free_loan_agreement", "Заемщик", "иванов иван"),
    (6, "images/6.jpg", "", "A", "interest_free_loan_agreement", "Заемщик", "a"),
    (6, "images/6.jpg", "", "100 000,00", "interest_free_loan_agreement", "Сумма займа", "100 000,00 рублей"),
    (6, "images/6.jpg", "", "01.03.2024", "interest_free_loan_agreement", "Дата договора", "1 марта 2024"),
    (7, "images/7.jpg", "", "4509 123456", "passport_HD", "Серия и номер паспорта", None),
    (7, "images/7.jpg", "", "Иванов", "passport_HD", "Фамилия", None),
]
out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
buf = io.StringIO()
w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
w.writerow(
    ["data_index", "split", "image_path", "question", "answer", "doc_class", "question_type", "answer_bbox"]
)
for d, img, q, a, dc, qt, _ in rows:
    w.writerow([d, "clean", img, q, a, dc, qt, "[1.0, 2.0, 3.0, 4.0]"])
(out / "annotation.csv").write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode())
answered = [(i, r[6]) for i, r in enumerate(rows) if r[6] is not None]
answered[4], answered[5] = answered[5], answered[4]  # out of order: upstream's `general` pairs by position
answered.append((99, "лишний ответ"))  # an id the dataset does not have
buf = io.StringIO()
w = csv.writer(buf, delimiter=";", lineterminator="\n")
w.writerow(["id", "model_answer"])
w.writerows(answered)
(out / "answers.csv").write_text(buf.getvalue(), encoding="utf-8")
print(len(rows), len(answered))
