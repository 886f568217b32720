"""The EmpirioLabs reference gateway.

A request passes ``errors → auth → (limits → credits, later issues) → route``. Routes decode their
wire format, call an upstream adapter, and encode the answer; every failure is a
:class:`gateway.errors.GatewayError` rendered in the endpoint's envelope by :mod:`gateway.formats.envelopes`.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
