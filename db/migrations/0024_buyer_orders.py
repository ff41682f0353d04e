"""1C customer orders («Заказ покупателя»): the order, its lines, the sales that fulfil it."""
from db.models.exchange import ORDER_MODELS


def up(migrator, db):
    db.create_tables(ORDER_MODELS, safe=True)


def down(migrator, db):
    db.drop_tables(list(reversed(ORDER_MODELS)), safe=True)
