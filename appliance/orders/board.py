"""What the orders pages show beside the orders themselves: the board's columns, which
buttons an order page offers, the order's open problems and the managers to pick from."""
from __future__ import annotations

from appliance import notifications
from appliance.orders import orders as orders_mod
from appliance.orders.lines import problem_key
from db.models.customers import Customer, Vehicle
from db.models.orders import OPEN_STATUSES, ORDER_STATUSES, Order, OrderLine
from db.models.staff import Staff

# The board: a column for each status still coming, then the shelf.
BOARD_COLUMNS = (*OPEN_STATUSES, "arrived")
MANAGER_ROLES = ("owner", "manager")


def board() -> list[tuple[str, str, list[dict]]]:
    """Live orders not yet handed over, a column (status, label, cards) per status, the
    earliest promise first."""
    rows = list(Order.select(Order, Customer).join(Customer).where(
        Order.deleted_at.is_null() & Order.status.in_(BOARD_COLUMNS)).order_by(Order.promised_date, Order.id))
    lines = orders_mod.lines_by_order([o.id for o in rows])
    return [(status, ORDER_STATUSES[status],
             [{"order": o, "lines": lines.get(o.id, []), "late": orders_mod.is_late(o),
               "refused": any(ln.status == "refused" for ln in lines.get(o.id, []))}
              for o in rows if o.status == status])
            for status in BOARD_COLUMNS]


def chosen(order_ids: list[int]) -> list[Order]:
    """The live orders ticked in the list, by number."""
    return list(Order.select().where(Order.id.in_(order_ids or [0]) & Order.deleted_at.is_null()).order_by(Order.id))


def actions(lines: list[OrderLine]) -> dict[str, bool]:
    """The order page's buttons: mark arrived while a line is still coming, issue when one is on
    the shelf, order (and through an API) while a line is new."""
    new_suppliers = {ln.supplier for ln in lines if ln.status == "new"}
    return {"can_arrive": any(ln.status in OPEN_STATUSES for ln in lines),
            "can_issue": any(ln.status == "arrived" for ln in lines),
            "can_order": bool(new_suppliers),
            "can_api": bool(new_suppliers & orders_mod.api_supplier_codes())}


def problems(order: Order) -> list:
    """The order's open `order_problem` notifications (forgot, refused, late, sms, decide)."""
    return list(notifications.open_items("order_problem").where(
        notifications.Notification.key.startswith(problem_key(order, ""))))


def managers() -> list[Staff]:
    """Who may be an order's manager: active owners and managers, by name."""
    return list(Staff.select().where(Staff.active & Staff.role.in_(MANAGER_ROLES)).order_by(Staff.full_name))


def manager(staff_id: int | None) -> Staff | None:
    """The manager picked in an order form by id; `None` when no one has that id."""
    return Staff.get_or_none(Staff.id == staff_id) if staff_id else None


def vehicle(vehicle_id: int | None) -> Vehicle | None:
    """The car picked in the new-order form (create_order refuses another customer's car)."""
    return Vehicle.get_or_none(Vehicle.id == vehicle_id) if vehicle_id else None
