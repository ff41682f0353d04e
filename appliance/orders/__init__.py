"""Parts orders: from the counter to the supplier, to the shelf, to the customer.

`orders` creates, copies, edits and moves lines through their statuses; `arrival`
matches goods receipts to waiting lines and sends the "arrived" SMS; `slips` lays out the
shelf slips; `tracking` is the half-hourly check that raises notifications; `reports`
counts what the owner asks about; `stock` tells the stock watch what is on order.
"""
