"""The API's JSON parser: DRF's, with a limit on nesting so that hostile input is a 400, never a 500.

Python's JSON decoder recurses once per level; 5,000 levels raise RecursionError, which DRF does not
catch. Nothing in the API nests deeper than a few levels, so anything past ``MAX_DEPTH`` is refused
in the one error shape, as a parse error.
"""

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32
TOO_DEEP = f"JSON parse error - the body nests deeper than {MAX_DEPTH} levels."


def json_depth_exceeds(data: Any, limit: int = MAX_DEPTH) -> bool:
    """True when ``data`` nests lists or objects deeper than ``limit`` (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        if json_depth_exceeds(data):
            raise ParseError(TOO_DEEP)
        return data
