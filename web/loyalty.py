"""Bonus cards: the card page (balance, next expiry, history), search by a scanned card,
issuing a card, redemption at the counter, the owner's correction, returns to sort out.
Thin views over ``appliance.loyalty``."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from appliance import forms
from appliance.errors import InputError
from appliance.loyalty import cards, returns, rules
from db.models.customers import Customer
from db.models.exchange import BonusCard
from web.auth import actor, permission_required
from web.forms import arg_id, once_per_form, refused

bp = Blueprint("loyalty", __name__)


@bp.app_template_global()
def loyalty_summary(customer_id: int):
    """For customers/_loyalty.html: the customer's cards and points, None without a card."""
    return cards.customer_summary(customer_id)


@bp.app_template_filter("points")
def points_filter(kop: int | None) -> str:
    """12050 -> '120,50 б.', 50000 -> '500 б.': points are not money, though 1 балл = 1 ₽."""
    return "—" if kop is None else f"{rules.points_text(kop)}\u00a0б."


@bp.app_template_global()
def config_hold_days() -> int:
    return rules.current().hold_days


def _points(form, name: str, label: str, lo: int) -> int:
    """Points typed in roubles ("150", "12,50") as kopecks; a third decimal is refused."""
    value = forms.number(form.get(name), name, label, lo=lo, hi=1_000_000, required=True)
    kop = value * 100
    if kop != kop.to_integral_value():
        raise InputError(f"{label}: не больше двух знаков после запятой.", name)
    return int(kop)


@bp.route("/loyalty")
@permission_required("loyalty.view")
def index():
    q = " ".join(request.args.get("q", "").split())[:64]  # a search box: junk finds nothing, never an error
    found = None
    if q:
        customer, found = cards.find(q)
        if len(found) == 1:
            return redirect(url_for(".card", card_id=found[0].id))
        if found:
            return redirect(url_for("customers.card", customer_id=customer.id))
    return render_template("loyalty/index.html", q=q, not_found=bool(q) and not found,
                           problems=returns.problems(), shortfalls=cards.shortfalls(), recent=returns.recent(10))


def _card_page(card: BonusCard, status: int = 200, **extra):
    s = cards.summary([card])
    ctx = dict(card=card, summary=s, entries=cards.history([card.id]), issue=card.issue.first(), **extra)
    return render_template("loyalty/card.html", **ctx), status


@bp.route("/loyalty/cards/<int:card_id>")
@permission_required("loyalty.view")
def card(card_id: int):
    return _card_page(BonusCard.get_or_none(BonusCard.id == card_id) or abort(404))


@bp.route("/loyalty/cards/<int:card_id>/redeem", methods=["POST"])
@permission_required("loyalty.redeem")
@once_per_form
def redeem(card_id: int):
    card = BonusCard.get_or_none(BonusCard.id == card_id) or abort(404)
    try:
        amount = _points(request.form, "amount", "Сколько баллов списать", lo=0)
        entry = cards.redeem(card, request.form.get("sale_number", ""), amount, actor())
    except InputError as exc:
        page, _ = _card_page(card, form=request.form, error=exc.message, field=exc.field, which="redeem")
        return page, 422
    flash(f"Списано {-entry.amount_kop // 100} б. в оплату чека {entry.sale.number}.")
    return redirect(url_for(".card", card_id=card.id))


@bp.route("/loyalty/cards/<int:card_id>/correct", methods=["POST"])
@permission_required("loyalty.correct")
@once_per_form
def correct(card_id: int):
    card = BonusCard.get_or_none(BonusCard.id == card_id) or abort(404)
    try:
        amount = _points(request.form, "amount", "Сколько баллов", lo=-1_000_000)
        cards.correct(card, amount, forms.text(request.form.get("reason"), "reason", "Причина", max_len=300), actor())
    except InputError as exc:
        page, _ = _card_page(card, form=request.form, error=exc.message, field=exc.field, which="correct")
        return page, 422
    flash("Корректировка записана в историю карты.")
    return redirect(url_for(".card", card_id=card.id))


@bp.route("/loyalty/issue", methods=["GET", "POST"])
@permission_required("loyalty.issue")
@once_per_form
def issue():
    customer_id = arg_id("customer_id") or forms.row_id(request.form.get("customer_id"))
    customer = Customer.get_or_none(Customer.id == customer_id) if customer_id else None
    if request.method == "GET":
        return render_template("loyalty/issue.html", customer=customer, form={})
    try:
        if customer is None:
            new_card = cards.issue_to_phone(request.form.get("phone", ""), request.form.get("name", ""),
                                            request.form.get("number", ""), actor())
        else:
            new_card = cards.issue_card(customer, request.form.get("number", ""), actor())
        customer = new_card.customer
    except InputError as exc:
        return refused(exc, "loyalty/issue.html", customer=customer, form=request.form)
    flash(f"Карта {new_card.number} выдана: {customer.name}.")
    return redirect(url_for(".card", card_id=new_card.id))
