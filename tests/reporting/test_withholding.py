"""The withholding rule (app/reporting/withholding.py) on small hand-made tables, without a
database: which counts are shown, which read "<3" and which are withheld ("ẩn"), and that a
reader who knows how the cells add up can never work a "<3" cell out of what is published.

That reader is played by brute force (`worked_out`: every assignment of the withheld cells that
agrees with what is shown and with the sums), a different method from the rule's own reasoning
(bounds and linear algebra), so the one checks the other. The page's tests
(tests/reporting/test_stats.py) and the open data's (tests/reporting/test_opendata.py) ask the
same reader about the real tables (`given_away`)."""

from __future__ import annotations

import random
from itertools import product

import pytest

from app.reporting.withholding import SMALL, SUPPRESSED, Count, Withholding, number, ratio

# Counts as they may be published -----------------------------------------------------------------

def test_counts_of_one_and_two_read_under_three():
    assert SMALL == 3 and SUPPRESSED == "<3"
    for value in (1, 2):
        count = Count(value)
        assert (count.suppressed, count.hidden, count.shown, str(count)) == (True, False, None, "<3")
    assert (Count(0).suppressed, Count(0).shown, str(Count(0))) == (False, 0, "0")  # none: nobody to point at
    assert (Count(3).suppressed, Count(3).shown, str(Count(3))) == (False, 3, "3")


def test_a_withheld_count_tells_nothing_not_even_that_it_is_small():
    for value in (0, 1, 2, 7):
        count = Count(value, hidden=True)
        assert (count.hidden, count.suppressed, count.shown) == (True, False, None)
        assert str(count) == "ẩn"  # the same for every value: "ẩn" may be 0 or 1–2 as well


def test_numbers_and_shares_of_withheld_counts_are_not_published():
    assert [number(v) for v in (None, 0, 5, Count(0), Count(2), Count(4), Count(4, hidden=True))] == [
        None, 0, 5, 0, None, 4, None]
    assert ratio(1, 4) == 0.25  # plain numbers: the ward's own acts, shown as they are
    assert ratio(Count(3), Count(4)) == 0.75
    assert ratio(Count(0), Count(5)) == 0.0
    assert ratio(Count(1), Count(4)) is None  # 25% of 4 would say 1
    assert ratio(Count(3), Count(4, hidden=True)) is None
    assert ratio(3, 0) is None and ratio(0, Count(0)) is None  # no whole: no share


# Withholding: no "<3" worked out from the totals ---------------------------------------------------------

def worked_out(cells: dict[str, str], sums: list[tuple], top: int) -> dict[str, set[int]]:
    """What a reader can tell of each withheld cell, by brute force: every value it takes in an
    assignment that agrees with the published cells ("<3": 1 or 2; "ẩn": 0 to `top`) and the sums
    (total, parts, known)."""
    unknown = [k for k, v in cells.items() if v in ("<3", "ẩn")]
    domains = [(1, 2) if cells[k] == "<3" else range(top + 1) for k in unknown]
    seen: dict[str, set[int]] = {k: set() for k in unknown}
    for values in product(*domains):
        a = dict(zip(unknown, values, strict=True))

        def value(k, a=a):
            return a[k] if k in a else int(cells[k])

        if all(value(t) == sum(value(p) for p in parts) + known for t, parts, known in sums):
            for k, v in a.items():
                seen[k].add(v)
    return seen


def given_away(cells: dict[str, str], sums: list[tuple], top: int) -> dict[str, int]:
    """The withheld cells a reader can pin to 1 or 2, and the small counts shown as they are."""
    shown = {k: int(v) for k, v in cells.items() if v in ("1", "2")}
    pinned = {k: min(v) for k, v in worked_out(cells, sums, top).items() if len(v) == 1 and min(v) in (1, 2)}
    return shown | pinned


def publish(values: dict[str, int], sums: list[tuple]) -> dict[str, str]:
    cells = Withholding()
    for k, v in values.items():
        cells.count(k, v)
    for total, parts, known in sums:
        cells.sum(total, parts, known)
    cells.solve()
    return {k: "ẩn" if cells[k].hidden else str(cells[k]) for k in values}


@pytest.mark.parametrize("values", [
    {"complaint": 2, "petition": 2, "feedback": 2, "total": 6},  # the demo's "Tiếp nhận,<3,<3,<3,6": 2 each
    {"complaint": 1, "petition": 1, "feedback": 1, "total": 3},  # "Thụ lý,<3,<3,<3,3": 1 each
], ids=["6 over three <3", "3 over three <3"])
def test_three_small_cells_that_give_away_their_total(values):
    sums = [("total", ("complaint", "petition", "feedback"), 0)]
    assert given_away({k: "<3" if k != "total" else str(v) for k, v in values.items()}, sums, 6)  # as it was
    shown = publish(values, sums)
    assert shown["total"] == str(values["total"]) and list(shown.values()).count("ẩn") == 1
    assert list(shown.values()).count("<3") == 2
    assert given_away(shown, sums, values["total"]) == {}


def test_a_denunciations_parts_that_give_each_other_away():
    """4 accepted, on time and late both "<3": both must be 2. `part()` hid a part only when it
    was 3 or more."""
    sums = [("accepted", ("on_time", "late"), 0)]
    assert given_away({"accepted": "4", "on_time": "<3", "late": "<3"}, sums, 4) == {"on_time": 2, "late": 2}
    shown = publish({"accepted": 4, "on_time": 2, "late": 2}, sums)
    assert shown == {"accepted": "4", "on_time": "<3", "late": "ẩn"}
    assert given_away(shown, sums, 4) == {}
    # 4 resolved, 3 on time: "3" would tell that 1 was late.
    shown = publish({"resolved": 4, "on_time": 3, "late": 1}, [("resolved", ("on_time", "late"), 0)])
    assert shown == {"resolved": "4", "on_time": "ẩn", "late": "<3"}
    # Without a deadline for some: the rest counts as known, to be safe.
    shown = publish({"accepted": 7, "on_time": 5, "late": 1}, [("accepted", ("on_time", "late"), 1)])
    assert shown == {"accepted": "7", "on_time": "ẩn", "late": "<3"}


def test_one_small_cell_in_a_row_takes_the_next_smallest_with_it():
    sums = [("total", ("a", "b", "c", "d"), 0)]
    shown = publish({"a": 9, "b": 4, "c": 1, "d": 6, "total": 20}, sums)
    assert shown == {"a": "9", "b": "ẩn", "c": "<3", "d": "6", "total": "20"}
    # A 0 is the next smallest, but withholding it does not hide a 1 (the rest would be 1): the 5 goes.
    shown = publish({"a": 5, "b": 0, "c": 1, "total": 6}, [("total", ("a", "b", "c"), 0)])
    assert shown == {"a": "ẩn", "b": "0", "c": "<3", "total": "6"}
    # It does hide a 2.
    shown = publish({"a": 5, "b": 0, "c": 2, "total": 7}, [("total", ("a", "b", "c"), 0)])
    assert shown == {"a": "5", "b": "ẩn", "c": "<3", "total": "7"}
    # Small all through: a total of 2 over two "<3" makes each 1; the total is withheld.
    shown = publish({"a": 1, "b": 1, "total": 2}, [("total", ("a", "b"), 0)])
    assert given_away(shown, [("total", ("a", "b"), 0)], 2) == {} and "ẩn" in shown.values()
    # Nothing small: nothing withheld.
    assert publish({"a": 3, "b": 0, "total": 3}, [("total", ("a", "b"), 0)]) == {"a": "3", "b": "0", "total": "3"}


def test_a_table_with_rows_and_columns():
    """Months × (accepted, on time, late) with the 12 months' row: a cell withheld for its row
    must not be given away by its column, nor the other way round."""
    rows = {"m1": (4, 3, 1), "m2": (1, 1, 0), "m3": (5, 5, 0), "m4": (2, 1, 1)}
    values, sums = {}, []
    for m, (n, on_time, late) in rows.items():
        values |= {f"{m}.n": n, f"{m}.on": on_time, f"{m}.late": late}
        sums.append((f"{m}.n", (f"{m}.on", f"{m}.late"), 0))
    for col, i in (("n", 0), ("on", 1), ("late", 2)):
        values[f"all.{col}"] = sum(r[i] for r in rows.values())
        sums.append((f"all.{col}", tuple(f"{m}.{col}" for m in rows), 0))
    sums.append(("all.n", ("all.on", "all.late"), 0))
    shown = publish(values, sums)
    assert given_away(shown, sums, 12) == {}
    assert shown["all.n"] == "12"  # the year's total is still there


def test_random_tables_against_a_reader_who_tries_everything():
    """Small tables (rows, columns, their totals and the grand total) full of 0s, 1s and 2s: a
    reader who tries every assignment of the withheld cells never pins a 1 or a 2 down."""
    rng = random.Random(6)
    checked = 0
    while checked < 30:
        rows, cols = rng.randint(2, 3), 3
        grid = {f"{r}{c}": rng.choice((0, 0, 1, 1, 2, 3)) for r in range(rows) for c in range(cols)}
        values = dict(grid)
        sums = []
        for r in range(rows):
            values[f"{r}T"] = sum(grid[f"{r}{c}"] for c in range(cols))
            sums.append((f"{r}T", tuple(f"{r}{c}" for c in range(cols)), 0))
        for c in range(cols):
            values[f"T{c}"] = sum(grid[f"{r}{c}"] for r in range(rows))
            sums.append((f"T{c}", tuple(f"{r}{c}" for r in range(rows)), 0))
        values["TT"] = sum(grid.values())
        sums += [("TT", tuple(f"{r}T" for r in range(rows)), 0), ("TT", tuple(f"T{c}" for c in range(cols)), 0)]
        shown = publish(values, sums)
        if list(shown.values()).count("ẩn") > 3 or values["TT"] > 9:
            continue  # too long to try everything
        assert given_away(shown, sums, values["TT"] + 3) == {}, (values, shown)
        checked += 1



def test_a_count_in_no_sum_needs_only_its_own_rule():
    """A cell no sum ties to another cannot be worked out: "<3" is enough."""
    assert publish({"a": 1, "b": 2, "c": 0, "d": 5}, []) == {"a": "<3", "b": "<3", "c": "0", "d": "5"}


def test_another_small_cell_is_withheld_before_any_other():
    """14 − 10 = 4 over two "<3" cells makes each 2: the second "<3" is withheld, not the 10 nor
    the total."""
    sums = [("t", ("a", "b", "c"), 0)]
    assert given_away({"a": "<3", "b": "<3", "c": "10", "t": "14"}, sums, 14) == {"a": 2, "b": 2}
    shown = publish({"a": 2, "b": 2, "c": 10, "t": 14}, sums)
    assert shown == {"a": "<3", "b": "ẩn", "c": "10", "t": "14"}
    assert given_away(shown, sums, 14) == {}


def test_the_smallest_cell_shown_and_among_equals_the_first():
    assert publish({"a": 2, "b": 9, "c": 9, "t": 20}, [("t", ("a", "b", "c"), 0)]) == {
        "a": "<3", "b": "ẩn", "c": "9", "t": "20"}
    assert publish({"a": 2, "b": 9, "c": 8, "t": 19}, [("t", ("a", "b", "c"), 0)]) == {
        "a": "<3", "b": "9", "c": "ẩn", "t": "19"}


def test_the_total_is_withheld_only_when_nothing_else_will_do():
    """6 accepted, 5 of them without a deadline (known: a reader may tell them apart), 1 on time:
    no other part to withhold — not the 0 nor the "<3" itself as "ẩn" (6 − 5 − 0 still gives 1) —
    so the total goes."""
    sums = [("t", ("a", "b"), 5)]
    assert given_away({"t": "6", "a": "<3", "b": "0"}, sums, 6) == {"a": 1}
    shown = publish({"t": 6, "a": 1, "b": 0}, sums)
    assert shown == {"t": "ẩn", "a": "<3", "b": "0"}
    assert given_away(shown, sums, 9) == {}  # the "ẩn" total may be 7 as well as 6
    # With another part that will do, the total stays.
    assert publish({"t": 4, "a": 1, "b": 3}, [("t", ("a", "b"), 0)]) == {"t": "4", "a": "<3", "b": "ẩn"}


def test_tables_not_tied_by_a_sum_are_withheld_apart():
    sums = [("t", ("a", "b"), 0), ("u", ("x", "y"), 0)]
    shown = publish({"a": 1, "b": 5, "t": 6, "x": 3, "y": 7, "u": 10}, sums)
    assert shown == {"a": "<3", "b": "ẩn", "t": "6", "x": "3", "y": "7", "u": "10"}


def test_a_part_at_most_its_whole():
    """Online ≤ received: the rest (received − online) is never published, but a reader knows it is
    not below 0. Two months whose online cases add up to 4, the second month with 2 received:
    without the rest, a reader would get "online: <3 and ẩn" down to 2 and 2 (the ẩn one is at
    most the second month's "<3" received, so the other is at least 2), and that month's received
    with them. Declared as a sum with an `unpublished` rest, the rule sees it too."""
    values = {"received.1": 5, "received.2": 2, "online.1": 2, "online.2": 2, "online": 4}
    online = [("online", ("online.1", "online.2"), 0)]
    rests = [("received.1", ("online.1", "offline.1"), 0), ("received.2", ("online.2", "offline.2"), 0)]
    reader = {"offline.1": "ẩn", "offline.2": "ẩn"}  # never shown; from 0 up
    blind = publish(values, online)
    assert blind == {"received.1": "5", "received.2": "<3", "online.1": "<3", "online.2": "ẩn", "online": "4"}
    assert given_away(blind | reader, online + rests, 9) == {"online.1": 2, "online.2": 2, "received.2": 2}
    cells = Withholding()
    for key, value in values.items():
        cells.count(key, value)
    cells.unpublished("offline.1", 3)
    cells.unpublished("offline.2", 0)
    for total, parts, known in online + rests:
        cells.sum(total, parts, known)
    cells.solve()
    shown = {k: "ẩn" if cells[k].hidden else str(cells[k]) for k in values}
    assert shown == {"received.1": "5", "received.2": "ẩn", "online.1": "<3", "online.2": "ẩn", "online": "4"}
    assert given_away(shown | reader, online + rests, 9) == {}
    assert cells["offline.1"].hidden and cells["offline.2"].hidden and "offline.2" in cells


def test_cells_already_published_stay_as_they_are():
    """The open data adds its cells to the page's (`freeze`): a month's 4 split into 1 and 3 gives
    the 1 away; the file withholds its own 3, never the page's 4, 3 or 7."""
    cells = Withholding()
    for key, value in (("a", 4), ("b", 3), ("t", 7)):
        cells.count(key, value)
    cells.sum("t", ["a", "b"])
    cells.solve()
    cells.freeze()
    cells.count("c", 1)
    cells.count("d", 3)
    cells.sum("a", ["c", "d"])
    cells.solve()
    shown = {k: "ẩn" if cells[k].hidden else str(cells[k]) for k in ("a", "b", "t", "c", "d")}
    assert shown == {"a": "4", "b": "3", "t": "7", "c": "<3", "d": "ẩn"}
    assert given_away(shown, [("t", ("a", "b"), 0), ("a", ("c", "d"), 0)], 7) == {}


def test_keys_are_any_hashable_and_a_sum_without_parts_is_none():
    cells = Withholding()
    cells.count(("received", "2026-01"), 1)
    cells.count(("received", "12m"), 1)
    cells.sum(("received", "12m"), [])  # nothing to tie
    cells.solve()
    assert cells.sums == [] and ("received", "2026-01") in cells and ("online", "2026-01") not in cells
    assert str(cells[("received", "2026-01")]) == "<3" and str(cells[("received", "12m")]) == "<3"
