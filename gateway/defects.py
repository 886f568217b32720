"""Named defects: deliberate contract breaks the self-tests switch on to prove the suites can fail.

Each :class:`Defect` names the contract rule it breaks and the suite checks (pytest node ids relative
to the repository root) that must fail while it is on. Defects can only be switched on in test mode
(``[test] mode = true``); a production gateway refuses them at start-up and exposes no control API.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["DEFECTS", "Defect", "DefectError", "DefectSwitch"]


@dataclass(frozen=True)
class Defect:
    name: str
    breaks: str
    caught_by: tuple[str, ...]


def _d(name: str, breaks: str, *caught_by: str) -> Defect:
    return Defect(name, breaks, tuple(caught_by))


_AUTH = "suites/test_auth.py::"
_MODELS = "suites/test_models.py::"
_ROUTING = "suites/test_routing.py::"

DEFECTS: dict[str, Defect] = {
    d.name: d
    for d in (
        _d(
            "messages_auth_error_openai_envelope",
            "401 on /v1/messages is in the Anthropic envelope",
            _AUTH + "test_messages_auth_error_in_anthropic_envelope",
        ),
        _d(
            "x_api_key_ignored",
            "the x-api-key header authenticates like a Bearer token",
            _AUTH + "test_x_api_key_header_authenticates",
        ),
        _d(
            "missing_key_reported_as_invalid",
            "no key at all is 401 missing_api_key, not invalid_api_key",
            _AUTH + "test_missing_key_is_401_missing_api_key",
        ),
        _d(
            "key_prefix_not_checked",
            "a key must carry the sk-empiriolabs- prefix",
            _AUTH + "test_key_with_wrong_prefix_is_rejected",
        ),
        _d(
            "conflicting_key_headers_accepted",
            "Authorization and x-api-key carrying different keys is a 401",
            _AUTH + "test_conflicting_key_headers_are_401",
        ),
        _d(
            "bearer_scheme_case_sensitive",
            "the Bearer auth scheme is case-insensitive (RFC 9110)",
            _AUTH + "test_bearer_scheme_is_case_insensitive",
        ),
        _d(
            "overlong_key_crashes",
            "a malformed key is a 401, never a 5xx",
            _AUTH + "test_malformed_keys_are_401[overlong]",
        ),
        _d(
            "revoked_key_accepted",
            "a revoked key is refused",
            _AUTH + "test_revoked_key_is_rejected",
        ),
        _d(
            "unknown_key_403",
            "an unknown key is 401 invalid_api_key",
            _AUTH + "test_unknown_key_is_401_invalid_api_key",
        ),
        _d(
            "only_first_key_of_account_works",
            "every live key of an account authenticates",
            _AUTH + "test_second_key_of_the_account_authenticates",
        ),
        _d(
            "models_listing_requires_credits",
            "listing the catalog is not billable: a zero-balance key may list models",
            _MODELS + "test_listing_models_needs_no_credits",
        ),
        _d(
            "available_filter_accepts_garbage",
            "a non-boolean ?available= is 400 invalid_request_error",
            _MODELS + "test_invalid_available_value_is_400",
        ),
        _d(
            "duplicate_model_ids",
            "model ids in the list are unique",
            _MODELS + "test_list_models_conforms",
        ),
        _d(
            "available_flag_inconsistent",
            "available is true exactly when api_status is platform or both",
            _MODELS + "test_list_models_conforms",
        ),
        _d(
            "colon_ids_not_routed",
            "variant ids with ':' resolve on GET /v1/models/{id}, raw or percent-encoded",
            _MODELS + "test_model_ids_with_a_colon_resolve",
        ),
        _d(
            "unknown_model_200",
            "retrieving an unknown model is 404 model_not_found",
            _MODELS + "test_unknown_model_is_404_model_not_found",
        ),
        _d(
            "model_pricing_missing",
            "every model in the list carries pricing_rows",
            _MODELS + "test_list_models_conforms",
        ),
        _d(
            "list_object_missing",
            "the model list has object: list",
            _MODELS + "test_list_models_conforms",
        ),
        _d(
            "available_filter_ignored",
            "?available=true lists only available models",
            _MODELS + "test_available_filter_lists_only_available_models",
        ),
        _d(
            "model_detail_drops_parameters",
            "GET /v1/models/{id} is the same object as the list entry",
            _MODELS + "test_retrieve_matches_list_entry",
        ),
        _d(
            "unknown_path_plain_404",
            "an unknown path is a 404 in the error envelope",
            _ROUTING + "test_unknown_path_is_404_in_envelope",
        ),
        _d(
            "wrong_method_plain_405",
            "a wrong method is a 405 in the error envelope",
            _ROUTING + "test_wrong_method_is_405_in_envelope",
        ),
    )
}


class DefectError(ValueError):
    """A defect was asked for outside test mode, or does not exist."""


class DefectSwitch:
    """The set of defects switched on in one gateway process."""

    def __init__(self, *, test_mode: bool) -> None:
        self.test_mode = test_mode
        self._active: frozenset[str] = frozenset()

    def on(self, name: str) -> bool:
        return name in self._active

    @property
    def active(self) -> frozenset[str]:
        return self._active

    def set(self, names: Iterable[str]) -> None:
        wanted = frozenset(names)
        if wanted and not self.test_mode:
            raise DefectError("defects can only be switched on in test mode")
        unknown = sorted(wanted - DEFECTS.keys())
        if unknown:
            raise DefectError(f"unknown defects: {', '.join(unknown)}")
        self._active = wanted
