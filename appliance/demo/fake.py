"""Realistic, deterministic shop data: Russian names, Chinese cars, parts — for demo and bench."""
from __future__ import annotations

import random

SURNAMES_M = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
              "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
              "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
              "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
              "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков",
              "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов",
              "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров",
              "Матвеев", "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников",
              "Денисов", "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев"]
NAMES_M = ["Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Евгений", "Иван", "Михаил",
           "Артём", "Николай", "Владимир", "Денис", "Павел", "Роман", "Игорь", "Олег", "Виктор", "Юрий", "Антон"]
NAMES_F = ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Анна", "Мария", "Юлия", "Екатерина",
           "Марина", "Людмила", "Анастасия", "Оксана"]
PATRONYMICS_M = ["Александрович", "Сергеевич", "Дмитриевич", "Андреевич", "Алексеевич", "Викторович",
                 "Николаевич", "Владимирович", "Игоревич", "Юрьевич", "Михайлович", "Олегович"]
PATRONYMICS_F = ["Александровна", "Сергеевна", "Дмитриевна", "Андреевна", "Викторовна", "Николаевна",
                 "Владимировна", "Игоревна"]
COMPANIES = ["ООО «ТрансЛогистик»", "ИП Гасанов Р. М.", "ООО «Такси Экспресс»", "ООО «СтройДор»",
             "ИП Ковальчук А. В.", "ООО «Доставка 24»", "ООО «Агрохолдинг Заря»", "ИП Мамедов Э. Ф."]

CARS = [
    ("Chery", "Tiggo 4", "SQRE4G15C", "LVV"), ("Chery", "Tiggo 7 Pro", "SQRE4T15C", "LVT"),
    ("Chery", "Tiggo 8 Pro", "SQRF4J20", "LVT"), ("Chery", "Amulet", "SQR480ED", "X9W"),
    ("Chery", "Tiggo", "SQR484F", "LVV"), ("Geely", "Coolray", "JLH-3G15TD", "L6T"),
    ("Geely", "Atlas Pro", "JLH-3G15TD", "L6T"), ("Geely", "Monjaro", "JLH-4G20TDB", "L6T"),
    ("Geely", "Emgrand EC7", "JL4G18", "Y4K"), ("Haval", "Jolion", "GW4B15A", "LGW"),
    ("Haval", "F7", "GW4B15A", "XZG"), ("Haval", "H6", "GW4C20", "LGW"), ("Haval", "Dargo", "GW4N20", "XZG"),
    ("Great Wall", "Hover H5", "GW4D20", "LGW"), ("Great Wall", "Hover H3", "4G63S4M", "LGW"),
    ("Great Wall", "Wingle 7", "GW4D20M", "LGW"), ("Lifan", "X60", "LFB479Q", "X9L"),
    ("Lifan", "Solano", "LF481Q3", "X9L"), ("Lifan", "Smily", "LF479Q3", "LLV"),
    ("Changan", "CS35 Plus", "JL473ZQ9", "LS5"), ("Changan", "CS55 Plus", "JL473ZQ7", "LS5"),
    ("Exeed", "TXL", "SQRF4J16", "LVT"), ("Omoda", "C5", "SQRE4T15C", "LVU"), ("JAC", "S3", "HFC4GA3-1D", "LJ1"),
    ("FAW", "Besturn B50", "CA4GA5", "LFP"), ("BYD", "F3", "BYD473QB", "LGX"), ("Jetour", "Dashing", "SQRF4J16", "LVT"),
]
SOURCES_WEIGHTED = ["walk_in"] * 4 + ["avito"] * 3 + ["yandex_maps"] * 3 + ["referral"] * 2 + ["2gis", "website", "drom", "phone"]

PARTS = [
    ("Фильтр масляный", "Фильтры", "MANN", 480), ("Фильтр воздушный", "Фильтры", "MANN", 650),
    ("Фильтр салонный", "Фильтры", "Filtron", 520), ("Фильтр топливный", "Фильтры", "BIG Filter", 890),
    ("Свеча зажигания", "Свечи зажигания", "NGK", 420), ("Свеча зажигания иридиевая", "Свечи зажигания", "Denso", 1150),
    ("Ремень ГРМ", "Ремни ГРМ", "Gates", 2900), ("Ролик натяжной ГРМ", "Ремни ГРМ", "INA", 2100),
    ("Масло моторное 5W-30 4 л", "Масла", "Idemitsu", 3600), ("Масло моторное 5W-40 4 л", "Масла", "Shell", 3900),
    ("Колодки тормозные передние", "Тормозная система", "Nisshinbo", 2450), ("Колодки тормозные задние", "Тормозная система", "Sangsin", 1900),
    ("Диск тормозной передний", "Тормозная система", "TRW", 3900), ("Амортизатор передний", "Подвеска", "Kayaba", 5200),
    ("Стойка стабилизатора", "Подвеска", "CTR", 950), ("Сайлентблок рычага", "Подвеска", "Febest", 780),
    ("Шаровая опора", "Подвеска", "CTR", 1300), ("Подшипник ступицы", "Подвеска", "SKF", 2700),
    ("Патрубок радиатора", "Охлаждение", "Chery", 640), ("Термостат", "Охлаждение", "Wahler", 1800),
    ("Помпа", "Охлаждение", "Aisin", 4200), ("Антифриз G12 5 л", "Жидкости", "Felix", 1100),
    ("Лампа H7", "Электрика", "Osram", 450), ("Датчик кислородный", "Электрика", "Bosch", 4300),
    ("Катушка зажигания", "Электрика", "Chery", 3300), ("Сцепление комплект", "Трансмиссия", "Valeo", 9800),
    ("Щётка стеклоочистителя", "Аксессуары", "Bosch", 690), ("Рычаг передний", "Подвеска", "Geely", 6400),
]
BRAND_PREFIX = {"Chery": "T11", "Geely": "1016", "Haval": "10", "Great Wall": "10", "Lifan": "L", "Changan": "S"}

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
PLATE_LETTERS = "АВЕКМНОРСТУХ"


def person_name(rng: random.Random) -> str:
    if rng.random() < 0.03:
        return rng.choice(COMPANIES)
    if rng.random() < 0.22:
        surname = rng.choice(SURNAMES_M)
        surname = surname[:-1] + "ва" if surname.endswith("в") else surname + "а"
        return f"{surname} {rng.choice(NAMES_F)} {rng.choice(PATRONYMICS_F)}"
    return f"{rng.choice(SURNAMES_M)} {rng.choice(NAMES_M)} {rng.choice(PATRONYMICS_M)}"


def mobile(rng: random.Random, used: set[str]) -> str:
    while True:
        number = "+79" + "".join(str(rng.randrange(10)) for _ in range(9))
        if number not in used:
            used.add(number)
            return number


def vin(rng: random.Random, wmi: str) -> str:
    from appliance.vehicles import vin_check_digit

    body = wmi + "".join(rng.choice(VIN_CHARS) for _ in range(14))
    body = body[:8] + "0" + body[9:]
    return body[:8] + vin_check_digit(body) + body[9:]


def plate(rng: random.Random) -> str:
    region = rng.choice(["77", "97", "99", "177", "197", "199", "777", "799", "50", "150", "750"])
    return (rng.choice(PLATE_LETTERS) + f"{rng.randrange(1, 1000):03d}" + rng.choice(PLATE_LETTERS)
            + rng.choice(PLATE_LETTERS) + region)


def vehicle(rng: random.Random, now_year: int) -> dict:
    make, model, engine, wmi = rng.choice(CARS)
    year = rng.randint(2008, now_year)
    return {"make": make, "model": model, "year": year, "engine": engine,
            "vin": vin(rng, wmi) if rng.random() < 0.8 else "",
            "plate": plate(rng) if rng.random() < 0.9 else "",
            "mileage": max(500, (now_year - year) * rng.randint(9000, 22000))}


def article(rng: random.Random, make: str) -> str:
    prefix = BRAND_PREFIX.get(make, "")
    return f"{prefix}{rng.randrange(100000, 9999999)}"
