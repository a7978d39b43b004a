"""Mutation resolvers: decode ids, call one domain function, map DomainError to UserErrors."""
