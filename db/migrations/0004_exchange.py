"""Accounting exchange: import log, goods receipts, stock snapshots, imported sales,
bonus cards, consumable groups (seeded with the usual ones), 1C exchange sessions."""
from db.models.exchange import MODELS, ConsumableGroup

DEFAULT_CONSUMABLES = [
    # name, 1C groups, name keywords, interval in days
    ("Свечи зажигания", "Свечи зажигания", "свеча зажигания|свечи зажигания", 365),
    ("Масляный фильтр", "Фильтры масляные", "фильтр масляный|масляный фильтр", 180),
    ("Воздушный фильтр", "Фильтры воздушные", "фильтр воздушный|воздушный фильтр", 365),
    ("Салонный фильтр", "Фильтры салона", "фильтр салона|салонный фильтр", 365),
    ("Ремень ГРМ", "Ремни ГРМ", "ремень грм|комплект грм", 730),
    ("Моторное масло", "Масла моторные", "масло моторное|моторное масло", 180),
    ("Тормозные колодки", "Колодки тормозные", "колодки тормозные|тормозные колодки", 365),
]


def up(migrator, db):
    db.create_tables(MODELS, safe=True)
    if not ConsumableGroup.select().exists():
        for pos, (name, groups, keywords, days) in enumerate(DEFAULT_CONSUMABLES):
            ConsumableGroup.create(name=name, product_groups=groups, keywords=keywords,
                                   interval_days=days, position=pos)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
