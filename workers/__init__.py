"""Dramatiq broker and actors: each actor takes ids and calls one domain function."""
