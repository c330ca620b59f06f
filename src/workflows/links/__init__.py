"""Signed action links: what a link claims, and how it is signed and checked.

Below notify (which puts links in messages) and web (which checks them when followed): the sender and the receiver
share one format and one secret, and neither owns it. It needs nothing but the standard library.
"""
