"""Mock upstream providers: real HTTP servers on loopback, one port per provider family.

``python -m mocks serve`` starts them all in one process; :mod:`mocks.server` builds one Starlette app per
family. Chat families live in their own packages (:mod:`mocks.openai`, :mod:`mocks.deepseek`,
:mod:`mocks.anthropic`); what they share is deterministic text (:mod:`mocks.text`), tool calling
(:mod:`mocks.tools`), fault plans (:mod:`mocks.faults`), delivery on the wire (:mod:`mocks.wire`), the
endpoint skeleton with leak bait (:mod:`mocks.provider`) and the control routes (:mod:`mocks.control`).
See ``mocks/README.md`` for the rules a suite can rely on.
"""
