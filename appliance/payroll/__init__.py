"""Payroll: the owner's monthly plans per manager (plans), facts and KPIs to date (kpi),
closed months and corrections (closing)."""
