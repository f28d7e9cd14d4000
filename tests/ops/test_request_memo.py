"""The request memo: a GET's parts share what they read; anything else reads afresh."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from carecoord.request_memo import RequestMemoMiddleware, shared, shared_each


class _Loads:
    def __init__(self) -> None:
        self.calls: list[object] = []

    def one(self) -> list[int]:
        self.calls.append("one")
        return [1, 2]

    def each(self, items: list[int]) -> dict[int, str]:
        self.calls.append(list(items))
        return {i: f"basis {i}" for i in items if i % 2}  # even items have no value


def _in_request(method: str, view) -> object:
    seen = {}

    def get_response(request):
        seen["result"] = view()
        return HttpResponse()

    RequestMemoMiddleware(get_response)(getattr(RequestFactory(), method.lower())("/"))
    return seen["result"]


def test_outside_a_request_every_call_loads():
    loads = _Loads()
    assert shared("k", loads.one) == [1, 2]
    assert shared("k", loads.one) == [1, 2]
    assert shared_each("e", [1, 2], loads.each) == {1: "basis 1"}
    assert loads.calls == ["one", "one", [1, 2]]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_read_only_request_loads_each_key_once(method):
    loads = _Loads()

    def view():
        first = shared("k", loads.one)
        again = shared("k", loads.one)
        other = shared("other", loads.one)
        return first is again, other is not first

    assert _in_request(method, view) == (True, True)
    assert loads.calls == ["one", "one"]


def test_per_item_answers_load_only_the_items_not_yet_asked_about_and_remember_none():
    loads = _Loads()

    def view():
        return (
            shared_each("e", [1, 2], loads.each),
            shared_each("e", [2, 3, 1], loads.each),  # 2 had no value: not asked again
            shared_each("other", [1], loads.each),  # another key asks afresh
        )

    assert _in_request("GET", view) == ({1: "basis 1"}, {3: "basis 3", 1: "basis 1"}, {1: "basis 1"})
    assert loads.calls == [[1, 2], [3], [1]]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_request_that_writes_reads_afresh_every_time(method):
    loads = _Loads()

    def view():
        shared("k", loads.one)
        shared("k", loads.one)
        return shared_each("e", [1], loads.each) == {1: "basis 1"} == shared_each("e", [1], loads.each)

    assert _in_request(method, view) is True
    assert loads.calls == ["one", "one", [1], [1]]


def test_the_memo_ends_with_the_request_even_when_the_view_fails():
    loads = _Loads()

    def get_response(request):
        shared("k", loads.one)
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        RequestMemoMiddleware(get_response)(RequestFactory().get("/"))
    shared("k", loads.one)  # after the request: no memo left behind
    assert _in_request("GET", lambda: shared("k", loads.one)) == [1, 2]
    assert loads.calls == ["one", "one", "one"]
