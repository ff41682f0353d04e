"""Who may do what in the shop: one table of role × action, read by the rules and by the views.

The rules of each area call `require(actor, action, obj)` before they change anything, so a
form, an htmx call, a tablet tap or a script is refused the same way; the web layer's
decorator reads the same table at the door and turns `PermissionDenied` into a Russian 403
page. `actor=None` is the shop's own machinery (jobs, imports, the devices process, the CLI
run by the box's administrator) and is trusted.

A cell is ✓ (`True`), — (`False`) or a `Limit`: allowed within a limit that depends on the
object or on the owner's switches (e.g. "only today's work orders", "only while the owner
allows statuses from the tablet"). The area that owns the object checks its limit
(`@limit("name")`); the table names it and says in words what it is, for the README.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

from db.models.staff import ROLE_LABELS, ROLES


class PermissionDenied(Exception):
    """A person (or the tablet) tried what their role may not do; `message` is shown as is."""

    def __init__(self, message: str, action: str):
        super().__init__(message)
        self.message = message
        self.action = action


@dataclasses.dataclass(frozen=True)
class Limit:
    """Allowed within a limit the owning area checks; `note` says it in words (README footnote)."""

    name: str
    note: str


Cell = bool | Limit

# What the README calls each action: it reads "<label> может <roles>".
LABELS: dict[str, str] = {}
TABLE: dict[str, dict[str, Cell]] = {}

_TABLET = Limit("tablet_statuses", "только «приехал», «в работе», «ждём запчасти», «готово» и только пока "
                                   "владелец разрешает отметки с табло («Управление → Табло и сайт»)")
_TABLET_TODAY = Limit("tablet_statuses_today", "только «в работе», «ждём запчасти», «готово» от имени выбранного "
                                               "механика, пока владелец разрешает, и только заказ-наряды на сегодня")
_TODAY = Limit("board_today", "только заказ-наряды на сегодня")
_UNPRICED = Limit("unpriced_line", "только строки без цены")
_OWN_NOTE = Limit("own_notification", "только адресованные ему (или его роли) и не взятые другим")
_AUDIENCE = Limit("notification_audience", "только адресованные ему или его роли")


def _row(action: str, label: str, owner: Cell = True, manager: Cell = False, mechanic: Cell = False,
         display: Cell = False) -> None:
    LABELS[action] = label
    TABLE[action] = {"owner": owner, "manager": manager, "mechanic": mechanic, "display": display}


# --- customers
_row("customer.view", "смотреть клиентов и их карточки", manager=True, mechanic=True)
_row("customer.create", "добавлять клиентов", manager=True)
_row("customer.edit", "изменять карточку клиента", manager=True)
_row("vehicle.edit", "добавлять и изменять автомобили клиента", manager=True, mechanic=True)
_row("customer.merge", "объединять дубли клиентов", manager=True)
_row("customer.delete", "удалять клиентов")
# --- parts orders of customers
_row("order.view", "смотреть заказы запчастей", manager=True, mechanic=True)
_row("order.create", "оформлять заказы запчастей", manager=True)
_row("order.edit", "изменять заказы запчастей и их позиции", manager=True)
_row("order.issue", "выдавать заказ клиенту", manager=True)
_row("order.delete", "удалять заказы", manager=True)
_row("order.receive", "принимать поступления и печатать бланки", manager=True)
_row("order.report", "смотреть отчёты и проверку заказов", manager=True)
# --- workshop
_row("workshop.view", "смотреть расписание и заказ-наряды", manager=True, mechanic=True)
_row("work_order.plan", "планировать и переносить заказ-наряды", manager=True, mechanic=True)
_row("work_order.edit", "изменять заказ-наряд (жалоба, пробег, механик, осмотр, этикетка)", manager=True,
     mechanic=True)
_row("work_order.board_status", "отмечать ход работы (приехал, в работе, ждём запчасти, готово)", manager=True,
     mechanic=_TABLET, display=_TABLET_TODAY)
_row("work_order.status", "отменять заказ-наряд, отмечать неявку и возвращать в план", manager=True)
_row("work_order.hand_over", "выдавать автомобиль клиенту (закрывать заказ-наряд продажей)", manager=True)
_row("work_line.add", "добавлять работы, запчасти и находки в заказ-наряд", manager=True, mechanic=True)
_row("work_line.price", "ставить цены в заказ-наряде", manager=True)
_row("work_line.remove", "удалять строки заказ-наряда", manager=True, mechanic=_UNPRICED)
_row("booking.create", "записывать на ремонт", manager=True, mechanic=True)
_row("booking.cancel", "отменять записи на ремонт (и с сайта)", manager=True)
_row("workshop.board", "смотреть табло мастерской", manager=True, mechanic=True, display=_TODAY)
_row("workshop.reports", "смотреть отчёты мастерской", manager=True)
_row("workshop.devices", "выдавать и отзывать доступ табло и сайта, разрешать отметки с табло")
# --- notifications
_row("notification.view", "видеть уведомления", manager=_AUDIENCE, mechanic=_AUDIENCE)
_row("notification.close", "брать и закрывать уведомления", manager=_OWN_NOTE, mechanic=_OWN_NOTE)
_row("notification.close_others", "закрывать и забирать уведомления, взятые другим")
# --- other areas (checked at the door of their pages)
_row("sms.view", "смотреть журнал SMS", manager=True)
_row("sms.send", "отправлять SMS и отмечать отказ от рассылок", manager=True)
_row("sms.templates", "менять шаблоны SMS")
_row("devices.manage", "смотреть и проверять модем и принтер, управлять очередью печати", manager=True)
_row("printer.preview", "смотреть макет этикетки", manager=True, mechanic=True)
_row("exchange.use", "работать с обменом 1С", manager=True)
_row("stock.use", "работать со складом, дозаказом и проверкой цен", manager=True)
_row("supplier.configure", "настраивать поставщиков")
# --- ratings
_row("ratings.view", "видеть оценки клиентов в карточке", manager=True)
_row("ratings.report", "смотреть отчёт по оценкам и NPS")
_row("ratings.review", "разбирать ответы на просьбу об оценке", manager=True)
_row("ratings.callback", "перезванивать по низким оценкам и записывать итог", manager=True)
_row("ratings.templates", "менять текст SMS с просьбой об оценке и список причин низких оценок")
# --- bonus cards
_row("loyalty.view", "смотреть бонусные карты, баланс и историю баллов", manager=True, mechanic=True)
_row("loyalty.issue", "выдавать бонусные карты", manager=True)
_row("loyalty.redeem", "списывать баллы в оплату продажи", manager=True)
_row("loyalty.correct", "корректировать баллы вручную (с причиной)")
# --- payroll
_row("payroll.own", "видеть свой план и свою зарплату на сегодня", manager=True)
_row("payroll.view_all", "видеть планы и зарплату всех менеджеров")
_row("payroll.edit", "задавать планы, оклады, проценты и шкалу KPI")
_row("payroll.close", "закрывать месяц и добавлять корректировки зарплаты")
# --- analytics (the owner's numbers)
_row("analytics.view", "смотреть показатели магазина (/analytics), списки за цифрами и выгрузку CSV")
_row("analytics.own", "смотреть свои показатели («Мои показатели»)", manager=True)
_row("audit.view", "смотреть журнал изменений")
_row("staff.manage", "добавлять и отключать сотрудников")

_row("calls.view", "видеть звонки, карточку звонящего и историю звонков клиента", manager=True, mechanic=True)
_row("calls.dial", "звонить клиенту в один клик со своего телефона", manager=True, mechanic=True)
_row("calls.recording", "слушать записи разговоров", manager=True)
_row("calls.callback_close", "закрывать «Перезвонить» без звонка (с причиной)", manager=True)
_row("calls.metrics", "смотреть показатели звонков по менеджерам")


_LIMITS: dict[str, Callable[[object, object], str | None]] = {}


def limit(name: str):
    """Register the check of a limit: fn(actor, obj) -> None when allowed, else the Russian reason."""
    def register(fn):
        _LIMITS[name] = fn
        return fn
    return register


def known(action: str) -> str:
    """The action itself, or KeyError for a name not in the table (a typo fails at import)."""
    if action not in TABLE:
        raise KeyError(f"no such action in the permission table: {action}")
    return action


def _cell(actor, action: str) -> Cell:
    return TABLE[known(action)].get(getattr(actor, "role", None), False)


def who_may(action: str) -> list[str]:
    """Roles with any right to the action (✓ or within a limit), in table order."""
    return [role for role in ROLES if TABLE[known(action)][role] is not False]


def refusal(action: str) -> str:
    """'Ставить цены в заказ-наряде может владелец или менеджер.'"""
    roles = [ROLE_LABELS[r] for r in who_may(action)]
    who = roles[0] if len(roles) == 1 else ", ".join(roles[:-1]) + " или " + roles[-1]
    only = "только " if len(roles) == 1 else ""
    label = LABELS[action]
    return f"{label[:1].upper()}{label[1:]} может {only}{who}."


def reason(actor, action: str, obj=None) -> str | None:
    """None when `actor` may do `action` (to `obj`), else why not, in Russian."""
    if actor is None:
        return None
    cell = _cell(actor, action)
    if cell is True:
        return None
    if cell is False:
        return refusal(action)
    check = _LIMITS.get(cell.name)
    if check is None:
        raise LookupError(f"limit {cell.name!r} of {action!r} has no check: its area is not imported")
    return check(actor, obj)


def can(actor, action: str, obj=None) -> bool:
    return reason(actor, action, obj) is None


def require(actor, action: str, obj=None) -> None:
    why = reason(actor, action, obj)
    if why is not None:
        raise PermissionDenied(why, action)


def markdown_table() -> str:
    """The README's «Права доступа» table, generated from TABLE (a test keeps them equal)."""
    header = "| действие | " + " | ".join(ROLE_LABELS[r] for r in ROLES) + " |"
    lines = [header, "|---|" + "---|" * len(ROLES)]
    notes: dict[str, int] = {}
    for action, cells in TABLE.items():
        row = []
        for role in ROLES:
            cell = cells[role]
            if isinstance(cell, Limit):
                row.append(f"✓ {notes.setdefault(cell.note, len(notes) + 1)})")
            else:
                row.append("✓" if cell else "—")
        lines.append(f"| {LABELS[action]} (`{action}`) | " + " | ".join(row) + " |")
    lines.append("")
    lines.extend(f"{n}) {note}." for note, n in notes.items())
    return "\n".join(lines)
