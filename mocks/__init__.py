"""Mock upstream providers: real HTTP servers on loopback, one port per provider family.

``python -m mocks serve`` starts them all in one process. Each family is a Starlette app built by
:mod:`mocks.server`; later issues give each family its provider's wire format and fault injection.
"""
