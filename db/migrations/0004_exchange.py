"""Accounting exchange: import log, goods receipts, stock snapshots, imported sales,
bonus cards, consumable groups (seeded with the usual ones), 1C exchange sessions."""
from db.models.exchange import MODELS, ConsumableGroup

DEFAULT_CONSUMABLES = [
    # name, 1C groups, words in the item name (written as 1C writes them), interval in days
    ("Свечи зажигания", "Свечи зажигания", "Свеча зажигания|Свечи зажигания", 365),
    ("Масляный фильтр", "Фильтры масляные", "Фильтр масляный|Масляный фильтр", 180),
    ("Воздушный фильтр", "Фильтры воздушные", "Фильтр воздушный|Воздушный фильтр", 365),
    ("Салонный фильтр", "Фильтры салона", "Фильтр салонный|Фильтр салона|Салонный фильтр", 365),
    ("Ремень ГРМ", "Ремни ГРМ", "Ремень ГРМ|Комплект ГРМ", 730),
    ("Моторное масло", "Масла моторные", "Масло моторное|Моторное масло", 180),
    ("Тормозные колодки", "Колодки тормозные", "Колодки тормозные|Тормозные колодки", 365),
]


def up(migrator, db):
    db.create_tables(MODELS, safe=True)
    if not ConsumableGroup.select().exists():
        for pos, (name, groups, keywords, days) in enumerate(DEFAULT_CONSUMABLES):
            ConsumableGroup.create(name=name, product_groups=groups, keywords=keywords,
                                   interval_days=days, position=pos)


def down(migrator, db):
    db.drop_tables(list(reversed(MODELS)), safe=True)
