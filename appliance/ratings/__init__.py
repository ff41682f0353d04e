"""Ratings (оценки): the next-day SMS asking a customer for a 1-10 score, and what follows.

- parsing.py   a reply's text -> score / opt-out / «Разобрать» (pure)
- requests.py  who is due (by query), the send window, queuing through the SMS outbox
- replies.py   matching a reply to its request, storing it, the «Разобрать» decisions
- callbacks.py low scores called back by another manager (tasks, once that area exists)
- report.py    average, NPS, response rate, reasons, weekly trend, the customer's scores
"""
