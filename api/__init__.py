"""GraphQL over HTTP and WebSocket: Strawberry on Starlette."""
