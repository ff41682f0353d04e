"""Sales from 1C whose buyer is no customer yet: matched again when a card or a phone
becomes a customer's, or attached by a manager on «Обмен с 1С»."""
from __future__ import annotations

from appliance import audit, clock
from appliance.customers import matching, record_visit
from db import write_transaction
from db.models.customers import Customer
from db.models.exchange import BonusCard, ImportedSale
from db.models.sales import Sale
from db.models.staff import Staff


def rematch_unmatched() -> int:
    """Attach unmatched sales whose card or phone now belongs to a customer."""
    done = 0
    pending = list(ImportedSale.select(ImportedSale, Sale).join(Sale)
                   .where(ImportedSale.status == "unmatched").limit(20000))
    found = matching.customers_for((o.card, [o.phone_e164]) for o in pending)
    for origin, customer_id in zip(pending, found, strict=True):
        if customer_id:
            with write_transaction():
                Sale.update(customer=customer_id).where(Sale.id == origin.sale_id).execute()
                ImportedSale.update(status="matched").where(ImportedSale.id == origin.id).execute()
                record_visit(customer_id, origin.sale.date)
            done += 1
    return done


def attach_sale(origin: ImportedSale, customer: Customer, actor: Staff | None, remember_card: bool = True) -> int:
    """A manager attaches an unmatched sale to a customer; other sales with the same card follow.

    Returns how many sales were attached (this one and its siblings).
    """
    with write_transaction():
        sale = origin.sale
        old = sale.customer_id
        Sale.update(customer=customer.id).where(Sale.id == sale.id).execute()
        ImportedSale.update(status="attached").where(ImportedSale.id == origin.id).execute()
        record_visit(customer.id, sale.date)
        audit.record(actor, "attach_sale", sale, {"customer": (old, customer.id)},
                     note=f"чек {sale.number} из 1С")
        count = 1
        if remember_card and origin.card and not BonusCard.select().where(BonusCard.number == origin.card).exists():
            card = BonusCard.create(number=origin.card, customer=customer.id, created_at=clock.utcnow())
            audit.record(actor, "create", card, {"number": (None, card.number), "customer": (None, customer.id)},
                         note="бонусная карта из чека 1С")
    if remember_card:
        count += rematch_unmatched()
    return count


def unmatched_sales(limit: int = 200):
    return (ImportedSale.select(ImportedSale, Sale).join(Sale)
            .where(ImportedSale.status == "unmatched")
            .order_by(Sale.date.desc()).limit(limit))
