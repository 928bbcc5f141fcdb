"""The API's JSON parser: DRF's, with a nesting limit and no NUL characters in any string.

Python's JSON decoder recurses once per level: a body nested ~1,000 deep raises RecursionError,
which DRF does not turn into a 400, and anything deep that does parse is walked again by the
serializers and the Idempotency-Key digest. No request of the API nests deeper than a few levels.
PostgreSQL text cannot hold NUL (see portal.middleware), so a string carrying one is refused here,
keys included, rather than as a 500 wherever it reaches a query.
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from portal.middleware import NUL

MAX_DEPTH = 16


def _too_deep() -> str:
    return _("The JSON is nested deeper than %(max)d levels.") % {"max": MAX_DEPTH}


def problem(data):
    """What is wrong with parsed JSON, as a ParseError detail, or None. A NUL in a string is
    reported where the serializers report field errors, e.g. {"entries": {"3": {"title": [...]}}};
    iterative, so any depth is safe to check."""
    stack = [(data, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, (dict, list)):
            if len(path) >= MAX_DEPTH:
                return _too_deep()
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and NUL in key:
                    return _("A key of the JSON contains a NUL character.")
                stack.append((item, (*path, str(key))))
        elif isinstance(value, str) and NUL in value:
            detail = [_("This field contains a NUL character.")]
            for key in reversed(path):
                detail = {key: detail}
            return detail if path else _("The JSON contains a NUL character.")
    return None


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                _("The JSON is nested deeper than %(max)d levels.") % {"max": MAX_DEPTH}
            ) from None
        message = problem(data)
        if message is not None:
            raise ParseError(message)
        return data
