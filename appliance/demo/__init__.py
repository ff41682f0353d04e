"""`prilavok init --demo`: a small shop in full swing, pleasant to click through.

The foundation adds staff, customers with cars and a year of sales; every other area adds
its own rows through DEMO_STEPS ("module:function", called with (rng, now)).
"""
from __future__ import annotations

import datetime as dt
import random

from appliance import customers, hooks, notifications, staff
from appliance.clock import utcnow
from appliance.customers import PhoneInput, VehicleInput
from appliance.demo import fake
from db import write_transaction
from db.models.catalog import Product
from db.models.customers import Customer, Vehicle
from db.models.sales import Sale, SaleLine
from db.models.staff import Staff

DEMO_STEPS: list[str] = [
    "appliance.demo.suppliers:build",
    "appliance.demo.exchange:build",
    "appliance.demo.loyalty:build",
    "appliance.demo.sms:build",
    "appliance.demo.orders:build",
    "appliance.demo.printing:build",  # after orders: the slips are those of real demo orders
    "appliance.demo.sms:build_replies",  # after orders: a question goes to the manager of the latest order
    "appliance.demo.workshop:build",
    "appliance.demo.ratings:build",
    "appliance.demo.calls:build",
    "appliance.demo.payroll:build",
    "appliance.demo.analytics:build",
]

SEED = 20261122

STAFF = [
    ("owner", "Громов Виктор Павлович", "owner"),
    ("manager", "Соколова Анна Сергеевна", "manager"),
    ("petrov", "Петров Илья Андреевич", "manager"),
    ("kuzmina", "Кузьмина Ольга Игоревна", "manager"),
    ("mechanic", "Захаров Денис Олегович", "mechanic"),
    ("ivanov", "Иванов Сергей Юрьевич", "mechanic"),
]


def build_demo(customers_count: int = 80, rng: random.Random | None = None) -> None:
    rng = rng or random.Random(SEED)
    now = utcnow()
    with write_transaction():
        people = {u: staff.create_staff(u, name, role, staff.DEMO_PASSWORD) for u, name, role in STAFF}
        managers = [p for p in people.values() if p.role in ("manager", "owner")]
        products = _products(rng, now)
        used: set[str] = set()
        for i in range(customers_count):
            phone_list = [PhoneInput(fake.mobile(rng, used))]
            if rng.random() < 0.2:
                phone_list.append(PhoneInput(fake.mobile(rng, used), "work"))
            cars = [VehicleInput(**fake.vehicle(rng, now.year)) for _ in range(1 if rng.random() < 0.8 else 2)]
            customer = customers.create_customer(
                fake.person_name(rng), phone_list, rng.choice(managers), source=rng.choice(fake.SOURCES_WEIGHTED),
                notes=rng.choice(["", "", "", "Просит звонить после 18:00", "Таксует, машина нужна срочно",
                                  "Берёт только оригинал", "Скидка 5% по договорённости с владельцем"]),
                vehicle_list=cars)
            created = now - dt.timedelta(days=rng.randint(30, 900))
            Customer.update(created_at=created, updated_at=created).where(Customer.id == customer.id).execute()
            _sales_for(customer, rng, now, managers, products, visits=rng.choice([0, 1, 2, 3, 5, 8, 12]) if i else 14)
        # A likely duplicate for the duplicates page: the same car typed in again under a shorter name.
        first = Customer.get_by_id(1)
        car = Vehicle.select().where(Vehicle.customer == first).first()
        customers.create_customer(" ".join(first.name.split()[:2]), [PhoneInput(fake.mobile(rng, used))],
                                  people["petrov"], source="phone",
                                  vehicle_list=[VehicleInput(car.make, car.model, car.year, "", car.plate)])
        notifications.raise_notification(
            "reminder", "demo-welcome", "Проверьте настройки магазина перед началом работы",
            "Название, телефон магазина, часовой пояс и пароли сотрудников: раздел «Настройки» и prilavok.ini.",
            assignee=people["owner"])
    for step in hooks.load_all(DEMO_STEPS):
        with write_transaction():
            step(rng, now)


def _products(rng: random.Random, now) -> list[Product]:
    from appliance.parts import article_key, brand_key

    rows = []
    for name, group, brand, price in fake.PARTS:
        for make, model, *_ in rng.sample(fake.CARS, 3):
            art = fake.article(rng, make)
            rows.append(Product.create(article=art, brand=brand, article_key=article_key(art), brand_key=brand_key(brand),
                                       name=f"{name} {make} {model}", group=group,
                                       price_kop=int(price * rng.uniform(0.8, 1.4)) * 100, updated_at=now))
    return rows


def _sales_for(customer, rng, now, managers, products, visits: int) -> None:
    last = None
    for _ in range(visits):
        date = now - dt.timedelta(days=rng.randint(1, 365), hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        kind = "repair" if rng.random() < 0.25 else "parts"
        sale = Sale.create(number=f"ЧК-{rng.randint(10000, 99999)}", date=date, customer=customer,
                           manager=rng.choice(managers), kind=kind, source="demo", created_at=date)
        total = 0
        for product in rng.sample(products, rng.randint(1, 4)):
            qty = rng.choice([1, 1, 1, 2, 4])
            price = product.price_kop
            SaleLine.create(sale=sale, product=product, article=product.article, brand=product.brand,
                            name=product.name, qty=qty, price_kop=price, sum_kop=price * qty)
            total += price * qty
        if kind == "repair":
            work = rng.choice([150000, 250000, 420000, 800000])
            SaleLine.create(sale=sale, name=rng.choice(["Замена масла и фильтров", "Замена колодок", "Диагностика ходовой",
                                                        "Замена ремня ГРМ", "Замена амортизаторов"]),
                            qty=1, price_kop=work, sum_kop=work)
            total += work
        sale.total_kop = total
        sale.save()
        last = max(last, date) if last else date
    if last:
        customers.record_visit(customer.id, last)


def staff_by_username(username: str) -> Staff:
    return Staff.get(Staff.username == username)
