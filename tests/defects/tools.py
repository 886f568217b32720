"""The suite checks that catch each defect of which models take tools (``gateway/testing/tools.py``)."""

from __future__ import annotations

_LISTED = "suites/test_all_formats.py::test_listed_tool_models_accept_tools"

CAUGHT_BY: dict[str, tuple[str, ...]] = {
    "tools_refused_on_listed_model": (f"{_LISTED}[chat]", f"{_LISTED}[messages]", f"{_LISTED}[responses]"),
}
