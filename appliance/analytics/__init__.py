"""The owner's numbers (issue 16, the dashboard half): one module per group of figures
(customers, sales, orders, workshop, ratings, calls), the period and its comparisons, the
charts, and the dashboard that lays the tiles out. Payroll is appliance/payroll/."""
