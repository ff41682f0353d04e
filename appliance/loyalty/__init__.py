"""Bonus cards (бонусные карты): a points ledger that survives returns.

- ``rules``: the arithmetic (percent, split of points spent over lines, partial returns, months);
- ``ledger``: rows in, balance and lots out; crediting after the hold, expiry, returns;
- ``cards``: finding/issuing cards, redemption at the counter, corrections, the importer hook;
- ``returns``: 1C «Возврат товара» documents matched to their sale and applied once.
"""
