"""A stored file as an HTTP response that honours ``Range`` (RFC 9110 section 14), so a browser's
``<video>`` can seek and a phone can resume: 206 with ``Content-Range`` for one satisfiable range,
416 with ``Content-Range: bytes */size`` for one that is not, and 200 with the whole file when there
is no Range header (or one we do not serve, such as several ranges: the RFC allows ignoring it).
"""

import re

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse

from . import storage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    pass


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single range, None to send the whole file; Unsatisfiable for a 416."""
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return None  # absent, malformed or several ranges: ignored, the whole file is sent
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise Unsatisfiable
        return max(size - length, 0), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # invalid: ignored
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)


def starts_a_play(request: HttpRequest) -> bool:
    """Whether this request is the start of a play or a download: no range, or a range from byte 0.

    A browser's ``<video>`` asks for ``bytes=0-`` first, then for later ranges as it plays and seeks;
    so auditing only the requests that start at byte 0 records one AccessEvent per play, not one per
    chunk. (Playing again from the start is a new play, and records again.)
    """
    header = request.headers.get("Range", "")
    match = _RANGE.match(header.strip().replace(" ", ""))
    if not match:
        return True
    first, _ = match.groups()
    return first == "0"


def ranged_response(
    request: HttpRequest,
    name: str,
    size: int,
    content_type: str,
    *,
    filename: str = "",
    download: bool = False,
) -> HttpResponse | StreamingHttpResponse:
    try:
        wanted = parse_range(request.headers.get("Range", ""), size)
    except Unsatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    if wanted is None:
        start, end, status = 0, size - 1, 200
    else:
        (start, end), status = wanted, 206
    length = end - start + 1 if size else 0
    body = storage.iter_range(name, start, length) if request.method != "HEAD" else iter(())
    stream = StreamingHttpResponse(body, status=status, content_type=content_type)
    stream["Content-Length"] = str(length)
    stream["Accept-Ranges"] = "bytes"
    if status == 206:
        stream["Content-Range"] = f"bytes {start}-{end}/{size}"
    disposition = "attachment" if download else "inline"
    stream["Content-Disposition"] = f'{disposition}; filename="{filename}"' if filename else disposition
    return stream
