"""A bulk writer (the demo seed) collects the children it changes and recomputes their stored scores
once, at the end of its block, instead of after every change."""

import pytest

from carecoord import attention


@pytest.fixture
def calls(monkeypatch) -> list[frozenset[int]]:
    made: list[frozenset[int]] = []
    monkeypatch.setattr(attention, "_listeners", [made.append])
    return made


def test_changes_in_the_block_are_recomputed_once_together_at_its_end(calls):
    with attention.attention_deferred():
        attention.patient_attention_changed([1, 2])
        with attention.attention_deferred():  # a nested block leaves it to the outer one
            attention.patient_attention_changed([2, 3, None])
        assert calls == []
    assert calls == [frozenset({1, 2, 3})]
    attention.patient_attention_changed([4])  # outside a block: at once, as before
    assert calls[-1] == frozenset({4})


def test_a_block_that_fails_recomputes_nothing(calls):
    with pytest.raises(RuntimeError), attention.attention_deferred():
        attention.patient_attention_changed([1])
        raise RuntimeError("the writer's transaction rolls back")
    assert calls == []
