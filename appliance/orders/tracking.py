"""The order tracking check (every 30 minutes by the worker): nothing goes unnoticed.

For each open order: lines not ordered at the supplier long after they were taken
("forgot to order"), lines the supplier refused, a promised date passed or about to
pass without shipment -> one open `order_problem` notification per order and problem,
for the order's manager, updated on every run, closed by the run that sees it fixed.
Orders on the shelf: a reminder SMS + notification after N days, a "decide" after M.
Supplier statuses are polled for lines with a supplier order number when the supplier
has an API; other lines are tracked by their dates alone.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from appliance import clock, notifications, parts, sms
from appliance.clock import to_local
from appliance.errors import InputError
from appliance.orders import arrival as arrival_mod
from appliance.orders import orders as orders_mod
from appliance.orders.lines import add_event, setting_int, transition
from appliance.orders.lines import problem_key as key
from appliance.suppliers import registry
from appliance.suppliers.base import SupplierError
from db import write_transaction
from db.models.orders import OPEN_STATUSES, Order, OrderLine
from db.models.suppliers import SupplierOrder, SupplierOrderLine

log = logging.getLogger(__name__)

PROBLEMS = ("forgot", "refused", "late")


@dataclasses.dataclass
class TrackingReport:
    checked: int = 0
    raised: dict = dataclasses.field(default_factory=dict)  # problem -> count
    resolved: int = 0
    reminders: int = 0
    statuses: int = 0  # supplier statuses applied
    suppliers_down: list = dataclasses.field(default_factory=list)

    def bump(self, problem: str) -> None:
        self.raised[problem] = self.raised.get(problem, 0) + 1

    def text_ru(self) -> str:
        text = f"Проверено заказов: {self.checked}. Открытых проблем: {sum(self.raised.values())}."
        if self.suppliers_down:
            text += " Нет связи с поставщиками: " + ", ".join(map(orders_mod.supplier_name, self.suppliers_down)) + "."
        return text


def _lines_text(lines: list[OrderLine]) -> str:
    shown = ", ".join(f"{ln.article} × {ln.qty}" for ln in lines[:4])
    return shown + (f" и ещё {len(lines) - 4}" if len(lines) > 4 else "")


def _hours(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} мин"
    if minutes < 48 * 60:
        return f"{minutes // 60} ч"
    return f"{minutes // 1440} дн"


def check_order(order: Order, lines: list[OrderLine], report: TrackingReport, now: dt.datetime,
                today: dt.date) -> None:
    url = f"/orders/{order.id}"
    who = f"{order.customer.name}"
    forgot_after = dt.timedelta(minutes=setting_int("forgot_to_order_minutes"))
    warn_days = setting_int("late_warning_days")
    found: dict[str, tuple[str, str]] = {}

    forgot = [ln for ln in lines if ln.status == "new" and ln.created_at <= now - forgot_after]
    if forgot:
        oldest = min(ln.created_at for ln in forgot)
        found["forgot"] = (f"Заказ №{order.id}: не заказано у поставщика уже {_hours(now - oldest)}",
                           f"{who}: {_lines_text(forgot)}. Закажите и отметьте «Заказано».")
    refused = [ln for ln in lines if ln.status == "refused"]
    if refused:
        reasons = "; ".join(f"{ln.article}: {ln.reason}" for ln in refused if ln.reason)
        found["refused"] = (f"Заказ №{order.id}: отказ поставщика ({_lines_text(refused)})",
                            f"{who}. {reasons}. Закажите у другого поставщика или предупредите клиента.")
    waiting = [ln for ln in lines if ln.status in OPEN_STATUSES]
    promised = order.promised_date
    if waiting and promised:
        if promised < today:
            days = (today - promised).days
            found["late"] = (f"Заказ №{order.id} опаздывает: обещали к {promised:%d.%m.%Y} ({days} дн. назад)",
                             f"{who}: ещё не пришло {_lines_text(waiting)}. Позвоните клиенту и назовите новую дату.")
        else:
            not_shipped = [ln for ln in waiting if ln.status in ("ordered", "confirmed")]  # "new" is "forgot"
            deadline = orders_mod.add_working_days(today, warn_days) if warn_days > 0 else today
            if not_shipped and promised <= deadline:
                found["late"] = (f"Заказ №{order.id} может опоздать: обещали к {promised:%d.%m.%Y}, а не отгружено",
                                 f"{who}: {_lines_text(not_shipped)}. Уточните у поставщика.")
    for problem in PROBLEMS:
        if problem in found:
            title, body = found[problem]
            notifications.raise_notification("order_problem", key(order, problem), title, body, url=url,
                                             assignee=order.manager)
            report.bump(problem)
        else:
            report.resolved += notifications.resolve("order_problem", key(order, problem), comment="проверка: устранено")


def check_shelf(order: Order, report: TrackingReport, now: dt.datetime, today: dt.date) -> None:
    """Arrived, not picked up: a reminder after N days, a decision after M days."""
    if not order.arrived_at:
        return
    days = (today - to_local(order.arrived_at).date()).days
    remind_after = setting_int("reminder_after_days")
    decide_after = setting_int("decide_after_days")
    url = f"/orders/{order.id}"
    if days >= decide_after:
        notifications.raise_notification(
            "order_problem", key(order, "decide"),
            f"Заказ №{order.id} лежит на полке {days} дн.: решите, что с ним делать",
            f"{order.customer.name} не забирает заказ (место {order.shelf_place or '—'}). "
            f"Дозвонитесь или верните поставщику / продайте со склада.", url=url, assignee=order.manager)
    elif days >= remind_after:
        notifications.raise_notification(
            "reminder", key(order, "pickup"), f"Заказ №{order.id} ждёт клиента {days} дн.",
            f"{order.customer.name}, место {order.shelf_place or '—'}. Клиенту отправлено напоминание по SMS.",
            url=url, assignee=order.manager)
        if order.reminder_sms_at is None:
            _send_reminder(order, now)
            report.reminders += 1


def _send_reminder(order: Order, now: dt.datetime) -> None:
    try:
        with write_transaction():
            message = sms.queue_sms(customer=order.customer, template_code="order_reminder",
                                    context=arrival_mod.sms_context(order), kind="service",
                                    dedupe_key=f"order_reminder:{order.id}")
            Order.update(reminder_sms_at=now, reminder_sms_id=message.id).where(Order.id == order.id).execute()
            add_event(order, "sms", note=f"напоминание клиенту поставлено в очередь: «{message.text}»")
    except InputError as exc:
        log.warning("order %s: reminder SMS not queued: %s", order.id, exc.message)
        with write_transaction():
            Order.update(reminder_sms_at=now).where(Order.id == order.id).execute()
            add_event(order, "sms", note=f"напоминание не отправлено: {exc.message}")


def poll_suppliers(report: TrackingReport) -> None:
    """Apply supplier line statuses to our lines that carry the supplier's order number."""
    lines = list(OrderLine.select(OrderLine, Order).join(Order)
                 .where(OrderLine.status.in_(("ordered", "confirmed", "shipped")) & (OrderLine.supplier != "")
                        & (OrderLine.supplier_ref != "") & OrderLine.supplier_line_id.is_null()
                        & Order.deleted_at.is_null()))
    by_ref: dict[tuple[str, str], list[OrderLine]] = {}
    for line in lines:
        by_ref.setdefault((line.supplier, line.supplier_ref), []).append(line)
    rank = {"ordered": 1, "confirmed": 2, "shipped": 3}
    for (code, ref), ours in by_ref.items():
        try:
            adapter = registry.get(code)
        except (KeyError, ValueError):
            continue  # no such supplier configured: dates alone
        if getattr(adapter, "kind", "") != "abcp":
            continue  # price-list suppliers have no status API
        try:
            statuses = adapter.line_status(ref)
        except NotImplementedError:
            continue
        except SupplierError as exc:
            if code not in report.suppliers_down:
                report.suppliers_down.append(code)
            log.info("supplier %s status of %s not available: %s", code, ref, exc)
            continue
        except Exception:
            log.exception("supplier %s status of %s failed", code, ref)
            continue
        for status in statuses:
            line = _our_line(ours, status)
            if line is None or status.status not in rank and status.status != "refused":
                continue
            try:
                if status.status == "refused":
                    transition(line, "refused", None, reason=status.reason or "поставщик отказал",
                                          note=f"статус от поставщика {code}")
                    report.statuses += 1
                elif rank[status.status] > rank.get(line.status, 0):
                    transition(line, status.status, None, note=f"статус от поставщика {code}")
                    report.statuses += 1
            except InputError:
                continue


def sync_supplier_orders(report: TrackingReport) -> None:
    """Lines ordered through the suppliers' outbox: take over what its poller learned."""
    lines = list(OrderLine.select().where(OrderLine.supplier_line_id.is_null(False)
                                          & OrderLine.status.in_(("ordered", "confirmed", "shipped"))))
    if not lines:
        return
    theirs = {s.id: s for s in SupplierOrderLine.select(SupplierOrderLine, SupplierOrder).join(SupplierOrder)
              .where(SupplierOrderLine.id.in_([ln.supplier_line_id for ln in lines]))}
    rank = {"ordered": 1, "confirmed": 2, "shipped": 3}
    for line in lines:
        sline = theirs.get(line.supplier_line_id)
        if sline is None:
            continue
        ref = sline.order.ref
        with write_transaction():
            if ref and line.supplier_ref != ref:
                OrderLine.update(supplier_ref=ref).where(OrderLine.id == line.id).execute()
                add_event(line.order, "status", None, line, line.status, line.status,
                                     f"поставщик принял заказ: № {ref}")
                line.supplier_ref = ref
            try:
                if sline.status == "refused":
                    transition(line, "refused", None, reason=sline.reason or "поставщик отказал",
                                          note=f"статус от поставщика {line.supplier}")
                    report.statuses += 1
                elif sline.status in rank and rank[sline.status] > rank.get(line.status, 0):
                    transition(line, sline.status, None, note=f"статус от поставщика {line.supplier}")
                    report.statuses += 1
            except InputError:
                continue


def _our_line(ours: list[OrderLine], status) -> OrderLine | None:
    if status.ref:
        for line in ours:
            if status.ref in (str(line.id), f"L{line.id}"):
                return line
    ak = parts.article_key(status.article)
    same = [ln for ln in ours if ln.article_key == ak]
    return same[0] if len(same) == 1 else None


def run(now: dt.datetime | None = None, poll: bool = True) -> TrackingReport:
    """One pass over every open order; safe to run twice (notifications de-duplicate)."""
    now = now or clock.utcnow()
    today = clock.shop_date(now)
    report = TrackingReport()
    sync_supplier_orders(report)
    if poll:
        poll_suppliers(report)
    open_orders = list(Order.select(Order).where(
        Order.deleted_at.is_null() & Order.status.in_(OPEN_STATUSES + ("arrived", "refused"))))
    lines = orders_mod.lines_by_order([o.id for o in open_orders])
    for order in open_orders:
        with write_transaction():
            report.checked += 1
            check_order(order, lines.get(order.id, []), report, now, today)
            if order.status == "arrived":
                check_shelf(order, report, now, today)
    # Orders that left the open states since the last run: close what was raised about them.
    for n in notifications.open_items("order_problem"):
        parts = n.key.split(":")
        if len(parts) == 3 and parts[0] == "order" and parts[2] in PROBLEMS and parts[1].isdigit():
            order = Order.get_or_none(Order.id == int(parts[1]))
            if order is None or order.deleted_at or order.status in ("issued", "cancelled", "returned"):
                notifications.close(n, None, "заказ закрыт")
                report.resolved += 1
    log.info("order tracking: %d orders, raised %s, resolved %d, reminders %d, supplier statuses %d",
             report.checked, report.raised, report.resolved, report.reminders, report.statuses)
    return report
