"""Rate limits: sliding-window budgets of requests and tokens per account (D-3, D-4)."""
