"""`prilavok display-token NAME`, `website-token NAME`, `tokens`, `revoke-token ID`: machine access to the workshop."""
from __future__ import annotations

import sys


def _open_db():
    from appliance.cli import _open_db as open_db

    return open_db()


def _create(kind: str, name: str) -> int:
    from appliance import settings
    from appliance.errors import InputError
    from appliance.workshop import devices

    _open_db()
    try:
        row, token = devices.create(kind, name)
    except InputError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    if kind == "display":
        cfg = settings.get()
        host = f"{cfg.get('discovery', 'hostname')}.local:{cfg.get('web', 'port')}"
        print(f"Табло «{row.name}»: откройте на планшете (ссылка показывается один раз)\n"
              f"http://{host}/workshop/device/{token}")
    else:
        print(f"Сайт «{row.name}»: POST /api/website/bookings с заголовком\nAuthorization: Bearer {token}")
    return 0


def cmd_display(args) -> int:
    return _create("display", args.name)


def cmd_website(args) -> int:
    return _create("website", args.name)


def cmd_list(args) -> int:
    from appliance.workshop import devices

    _open_db()
    for row in devices.listing():
        state = f"отозван {row.revoked_at:%d.%m.%Y}" if row.revoked_at else "действует"
        used = f"{row.last_used_at:%d.%m.%Y %H:%M} UTC" if row.last_used_at else "не использовался"
        print(f"{row.id:>4}  {devices.KINDS.get(row.kind, row.kind):<18} {row.name:<30} {state}, {used}")
    return 0


def cmd_revoke(args) -> int:
    from appliance.workshop import devices
    from db.models.workshop import DeviceToken

    _open_db()
    row = DeviceToken.get_or_none(DeviceToken.id == args.id)
    if row is None:
        print(f"Доступа №{args.id} нет.", file=sys.stderr)
        return 1
    devices.revoke(row)
    print(f"Доступ «{row.name}» отозван.")
    return 0


def register(sub) -> None:
    p = sub.add_parser("display-token", help="выдать ссылку для планшета мастерской (табло)")
    p.add_argument("name", help="название, например «Планшет у поста 1»")
    p.set_defaults(func=cmd_display)
    p = sub.add_parser("website-token", help="выдать токен сайту для записей на ремонт")
    p.add_argument("name", help="название сайта")
    p.set_defaults(func=cmd_website)
    p = sub.add_parser("tokens", help="список доступов табло и сайтов")
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("revoke-token", help="отозвать доступ табло или сайта")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_revoke)
