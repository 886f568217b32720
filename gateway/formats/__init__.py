"""Wire formats: one package per request format (decode request, encode response and stream)."""
