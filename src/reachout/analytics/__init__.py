"""Analytics: what works, by campaign, step, variant, channel, weekday and hour."""
