"""Business rules and persistence of billing runs; imports neither GraphQL nor Dramatiq."""
