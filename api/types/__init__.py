"""GraphQL types: views of domain objects that hold no rule."""
