"""The dashboard's pictures as inline SVG drawn on the server (no library, no CDN): revenue by
week (stacked bars), active customers by month (line), average check per manager (bars).
The ratings trend is the ratings area's own chart (appliance.ratings.report.trend_svg)."""
from __future__ import annotations

import datetime as dt
from html import escape

from babel.numbers import format_decimal

PARTS, REPAIR, LINE = "#1f6fb2", "#e39b2d", "#2f8f4e"
MONTHS = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


def _rub(kop: int) -> str:
    return format_decimal(round(kop / 100), format="#,##0", locale="ru") + "\u00a0₽"


def _short_rub(kop: int) -> str:
    rub = kop / 100
    if abs(rub) >= 1_000_000:
        return f"{rub / 1_000_000:.1f}".replace(".", ",") + " млн"
    if abs(rub) >= 1000:
        return f"{rub / 1000:.0f} тыс"
    return f"{rub:.0f}"


def _open(chart_id: str, label: str, width: int, height: int) -> list[str]:
    return [f'<svg viewBox="0 0 {width} {height}" class="chart" id="{chart_id}" role="img" aria-label="{escape(label)}">']


def _empty(parts: list[str], width: int, height: int, text: str) -> str:
    parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="#888">{escape(text)}</text>')
    return "".join(parts) + "</svg>"


def _grid(parts, top_value, fmt, pad_l, pad_t, w, h, width):
    for frac in (0, 0.5, 1):
        y = pad_t + h - frac * h
        parts.append(f'<line x1="{pad_l}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{pad_l - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#666">'
                     f'{escape(fmt(top_value * frac))}</text>')


def revenue_weeks_svg(weeks: list[tuple[dt.date, int, int]], width: int = 720, height: int = 230) -> str:
    """Parts (blue) and repairs (orange) stacked, one bar per week."""
    pad_l, pad_t, pad_b = 62, 12, 40
    w, h = width - pad_l - 10, height - pad_t - pad_b
    parts = _open("chart-revenue", "Выручка по неделям", width, height)
    if not weeks or not any(p or r for _, p, r in weeks):
        return _empty(parts, width, height, "Продаж за период нет")
    top = max(max(p, 0) + max(r, 0) for _, p, r in weeks) or 1
    _grid(parts, top, lambda v: _short_rub(int(v)), pad_l, pad_t, w, h, width)
    step = w / len(weeks)
    for i, (monday, p, r) in enumerate(weeks):
        x = pad_l + step * i + step * 0.15
        hp, hr = max(p, 0) / top * h, max(r, 0) / top * h
        tip = f"неделя с {monday:%d.%m.%Y}: запчасти {_rub(p)}, ремонт {_rub(r)}"
        parts.append(f'<g><title>{escape(tip)}</title>'
                     f'<rect x="{x:.1f}" y="{pad_t + h - hp:.1f}" width="{step * 0.7:.1f}" height="{hp:.1f}" fill="{PARTS}"/>'
                     f'<rect x="{x:.1f}" y="{pad_t + h - hp - hr:.1f}" width="{step * 0.7:.1f}" height="{hr:.1f}" '
                     f'fill="{REPAIR}"/></g>')
        if len(weeks) <= 14 or i % max(1, len(weeks) // 10) == 0:
            parts.append(f'<text x="{x + step * 0.35:.1f}" y="{pad_t + h + 14}" font-size="10" text-anchor="middle" '
                         f'fill="#666">{monday:%d.%m}</text>')
    parts.append(f'<rect x="{pad_l}" y="{height - 14}" width="10" height="10" fill="{PARTS}"/>'
                 f'<text x="{pad_l + 14}" y="{height - 5}" font-size="11">запчасти</text>'
                 f'<rect x="{pad_l + 90}" y="{height - 14}" width="10" height="10" fill="{REPAIR}"/>'
                 f'<text x="{pad_l + 104}" y="{height - 5}" font-size="11">ремонт</text>')
    return "".join(parts) + "</svg>"


def active_months_svg(points: list[tuple[dt.date, int]], width: int = 720, height: int = 210) -> str:
    pad_l, pad_t, pad_b = 50, 14, 26
    w, h = width - pad_l - 10, height - pad_t - pad_b
    parts = _open("chart-active", "Активные клиенты по месяцам", width, height)
    if not points or not any(n for _, n in points):
        return _empty(parts, width, height, "Активных клиентов нет")
    top = max(n for _, n in points) or 1
    _grid(parts, top, lambda v: f"{v:.0f}", pad_l, pad_t, w, h, width)
    step = w / len(points)
    coords = []
    for i, (month, n) in enumerate(points):
        x, y = pad_l + step * (i + 0.5), pad_t + h - n / top * h
        coords.append((x, y))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE}"><title>'
                     f'{MONTHS[month.month - 1]} {month.year}: {n}</title></circle>'
                     f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle" fill="#666">'
                     f'{MONTHS[month.month - 1]}</text>')
    parts.insert(len(parts) - len(points), f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}" '
                                           f'fill="none" stroke="{LINE}" stroke-width="2"/>')
    return "".join(parts) + "</svg>"


def managers_check_svg(rows: list[tuple[str, int | None, int | None]], width: int = 720) -> str:
    """Average check per manager: parts and repairs side by side, one row per manager."""
    rows = [r for r in rows if r[1] is not None or r[2] is not None]
    row_h, pad_l, pad_t = 34, 150, 8
    height = pad_t * 2 + max(1, len(rows)) * row_h + 18
    parts = _open("chart-check", "Средний чек по менеджерам", width, height)
    if not rows:
        return _empty(parts, width, height, "Чеков за период нет")
    top = max(max(p or 0, r or 0) for _, p, r in rows) or 1
    w = width - pad_l - 90
    for i, (name, p, r) in enumerate(rows):
        y = pad_t + i * row_h
        parts.append(f'<text x="{pad_l - 8}" y="{y + 19}" font-size="12" text-anchor="end">{escape(name)}</text>')
        for j, (value, color) in enumerate(((p, PARTS), (r, REPAIR))):
            if value is None:
                continue
            bw = max(value, 0) / top * w
            yy = y + 3 + j * 14
            parts.append(f'<rect x="{pad_l}" y="{yy}" width="{bw:.1f}" height="12" fill="{color}">'
                         f'<title>{escape(name)}: {"запчасти" if j == 0 else "ремонт"} {_rub(value)}</title></rect>'
                         f'<text x="{pad_l + bw + 4:.1f}" y="{yy + 10}" font-size="10" fill="#444">{_rub(value)}</text>')
    yl = height - 14
    parts.append(f'<rect x="{pad_l}" y="{yl}" width="10" height="10" fill="{PARTS}"/>'
                 f'<text x="{pad_l + 14}" y="{yl + 9}" font-size="11">запчасти</text>'
                 f'<rect x="{pad_l + 90}" y="{yl}" width="10" height="10" fill="{REPAIR}"/>'
                 f'<text x="{pad_l + 104}" y="{yl + 9}" font-size="11">ремонт</text>')
    return "".join(parts) + "</svg>"
