"""A small, realistic parts catalog shared by the supplier simulator and the demo data.

Articles and brands are typical of a shop for Chinese cars; prices are base purchase
prices in roubles. ``CROSSES`` are groups of interchangeable parts (the simulator offers
them as replacements, the demo loads them as analog groups).
"""

from __future__ import annotations

# article, brand, name, base price (roubles), pack size
PARTS: list[tuple[str, str, str, int, int]] = [
    ("473H-1012010", "CHERY", "Фильтр масляный Chery Tiggo/Fora", 390, 1),
    ("SMD360935", "GREAT WALL", "Фильтр масляный Great Wall Hover H5", 420, 1),
    ("1017100XEG01", "HAVAL", "Фильтр масляный Haval Jolion 1.5T", 560, 1),
    ("1016054386", "GEELY", "Фильтр масляный Geely Coolray", 610, 1),
    ("T11-1109111", "CHERY", "Фильтр воздушный Chery Tiggo", 540, 1),
    ("1109102XKZ16A", "HAVAL", "Фильтр воздушный Haval F7", 780, 1),
    ("8022036300", "GEELY", "Фильтр салона Geely Atlas", 650, 1),
    ("J69-8107915", "CHERY", "Фильтр салона Chery Tiggo 4", 480, 1),
    ("A11-3707110CA", "CHERY", "Свеча зажигания Chery", 240, 4),
    ("BKR6EZ", "NGK", "Свеча зажигания NGK BKR6EZ", 310, 4),
    ("FR7DCX+", "BOSCH", "Свеча зажигания Bosch FR7DCX+", 290, 4),
    ("T11-3501080", "CHERY", "Колодки тормозные передние Chery Tiggo", 1650, 1),
    ("3501340XKZ16A", "HAVAL", "Колодки тормозные передние Haval F7", 2450, 1),
    ("4050045000", "GEELY", "Колодки тормозные передние Geely Coolray", 2200, 1),
    ("GDB3520", "TRW", "Колодки тормозные передние TRW", 2100, 1),
    ("T11-1307010", "CHERY", "Насос водяной (помпа) Chery Tiggo 2.0", 2900, 1),
    ("SMD326360", "GREAT WALL", "Ремень ГРМ Great Wall 4G63/4G64", 1350, 1),
    ("481H-1007073", "CHERY", "Ремень ГРМ Chery 1.6/1.8", 1200, 1),
    ("CT1126", "CONTITECH", "Ремень ГРМ ContiTech", 1450, 1),
    ("T11-1303111", "CHERY", "Патрубок радиатора верхний Chery Tiggo", 480, 1),
    ("1303100XEG01", "HAVAL", "Патрубок системы охлаждения Haval Jolion", 520, 1),
    ("1016051566", "GEELY", "Шланг охлаждающей жидкости Geely Emgrand", 360, 1),
    ("T11-2909060", "CHERY", "Сайлентблок рычага передний Chery Tiggo", 390, 1),
    ("2904120XKZ16A", "HAVAL", "Сайлентблок переднего рычага Haval F7", 520, 1),
    ("T11-2906013", "CHERY", "Втулка стабилизатора Chery Tiggo", 180, 2),
    ("2906011XKZ16A", "HAVAL", "Втулка стабилизатора Haval F7", 240, 2),
    ("T11-2906020", "CHERY", "Стойка стабилизатора Chery Tiggo", 690, 1),
    ("2905100XKZ16A", "HAVAL", "Амортизатор передний Haval F7", 5600, 1),
    ("T11-3301210", "CHERY", "Подшипник ступицы задний Chery Tiggo", 1900, 1),
    ("S11-3900103", "CHERY", "Лампа H4 12V 60/55W", 120, 10),
    ("T11-5206500", "CHERY", "Щётка стеклоочистителя Chery Tiggo 22\"", 450, 1),
    ("30015048-346", "IDEMITSU", "Масло моторное Idemitsu Zepro Touring 5W-30 4 л", 3100, 1),
    ("30015048-746", "IDEMITSU", "Масло моторное Idemitsu Zepro Touring 5W-30 4 л", 3050, 1),
    ("30011328-724", "IDEMITSU", "Масло моторное Idemitsu 5W-30 SN/GF-5 4 л", 2900, 1),
    ("G-12-EVO-5", "FELIX", "Антифриз Felix G12 5 кг", 780, 1),
    ("DOT4-1L", "ROSDOT", "Жидкость тормозная DOT-4 1 л", 450, 1),
    ("F01-1109111", "GEELY", "Фильтр воздушный Geely Emgrand EC7", 520, 1),
    ("M11-3502020", "CHERY", "Барабан тормозной задний Chery M11", 2300, 1),
    ("B14-1601020", "CHERY", "Диск сцепления Chery Cross Eastar", 3900, 1),
    ("1016052177", "GEELY", "Датчик кислорода Geely MK", 2100, 1),
]

# groups of interchangeable (article, brand)
CROSSES: list[list[tuple[str, str]]] = [
    [("30015048-346", "IDEMITSU"), ("30015048-746", "IDEMITSU")],
    [("A11-3707110CA", "CHERY"), ("BKR6EZ", "NGK"), ("FR7DCX+", "BOSCH")],
    [("T11-3501080", "CHERY"), ("GDB3520", "TRW")],
    [("481H-1007073", "CHERY"), ("CT1126", "CONTITECH")],
    [("T11-2906013", "CHERY"), ("2906011XKZ16A", "HAVAL")],
]

BRANDS = ["CHERY", "GEELY", "HAVAL", "GREAT WALL", "LIFAN", "FEBEST", "MASUMA", "SAT", "KORTEX", "NIPPARTS"]
NAMES = [
    "Фильтр масляный", "Фильтр воздушный", "Фильтр салона", "Фильтр топливный",
    "Колодки тормозные", "Патрубок", "Шланг", "Сайлентблок", "Втулка стабилизатора",
    "Стойка стабилизатора", "Опора двигателя", "Подшипник", "Ремень приводной",
    "Ролик натяжной", "Датчик", "Прокладка", "Сальник", "Наконечник рулевой тяги",
    "Шаровая опора", "Пыльник ШРУС", "Термостат", "Катушка зажигания", "Лампа", "Хомут",
]
