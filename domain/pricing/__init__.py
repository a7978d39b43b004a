"""What prices a student, managed by the school: categories, families, subscriptions, discounts."""
