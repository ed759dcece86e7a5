"""Billing: subscription plans, Stripe subscriptions, manual payments, coupons and AI tiers."""
