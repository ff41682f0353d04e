"""The workshop: bookings, work orders on bays, the schedule, the wall tablet, reports.

Modules: `schedule` (working hours, bays, conflicts, the day/week grid), `bookings`,
`work_orders` (plan, move, statuses, lines, hand-over), `devices` (tablet and website
tokens), `website` (bookings from the shop's site), `reports`.
"""
