"""The counting behind --check: arrivals, out-of-order messages and duplicates."""

from queue_demo.check import Arrival, Summary, Tally, count, summary_lines


def arrivals(client: str, *numbers: int, prefix: str = "") -> list[Arrival]:
    return [Arrival(client, f"{prefix}Message {n}") for n in numbers]


def test_messages_in_order_count_nothing_wrong():
    summary = count(arrivals("alice", 0, 1, 2, 3))

    assert summary.clients == {"alice": Tally(received=4, out_of_order=0, duplicates=0)}


def test_a_message_overtaken_by_a_later_one_is_out_of_order():
    summary = count(arrivals("alice", 0, 2, 1, 3))

    assert summary.total == Tally(received=4, out_of_order=1, duplicates=0)


def test_every_message_that_arrives_after_a_higher_number_is_out_of_order():
    # One early arrival makes all the lower numbers late, not just the first.
    summary = count(arrivals("alice", 5, 0, 1, 2, 6))

    assert summary.total.out_of_order == 3


def test_a_repeated_body_is_a_duplicate_and_not_also_out_of_order():
    summary = count(arrivals("alice", 0, 1, 2, 1, 0, 3))

    assert summary.total == Tally(received=6, out_of_order=0, duplicates=2)


def test_order_is_judged_per_client():
    interleaved = [
        *arrivals("bob", 7),
        *arrivals("alice", 0),
        *arrivals("bob", 8),
        *arrivals("alice", 1),
    ]

    summary = count(interleaved)

    assert summary.total.out_of_order == 0
    assert summary.clients["bob"].received == 2


def test_the_same_body_from_two_clients_is_no_duplicate():
    summary = count(arrivals("alice", 0) + arrivals("bob", 0))

    assert summary.total.duplicates == 0


def test_a_prepended_rerun_starts_a_new_sequence():
    run_twice = arrivals("alice", 0, 1, 2) + arrivals("alice", 0, 1, 2, prefix="again ")

    summary = count(run_twice)

    assert summary.total == Tally(received=6, out_of_order=0, duplicates=0)


def test_an_identical_rerun_is_all_duplicates():
    summary = count(arrivals("alice", 0, 1, 2) * 2)

    assert summary.total == Tally(received=6, out_of_order=0, duplicates=3)


def test_bodies_from_other_tools_are_counted_but_have_no_order():
    bodies = ["hello", "hello", "Message 3 of 4"]

    summary = count(Arrival("unknown", body) for body in bodies)

    assert summary.total == Tally(received=3, out_of_order=0, duplicates=1)


def test_summary_lines_are_sorted_by_client_with_the_total_last():
    summary = count(arrivals("bob", 1, 0) + arrivals("alice", 0, 0))

    assert summary_lines(summary) == [
        'check client="alice" received=2 out_of_order=0 duplicates=1',
        'check client="bob" received=2 out_of_order=1 duplicates=0',
        "check total received=4 out_of_order=1 duplicates=1",
    ]


def test_a_client_name_with_spaces_or_quotes_stays_on_one_parseable_line():
    summary = count([Arrival('ann "a=b" lee', "Message 0")])

    assert summary_lines(summary)[0] == (r'check client="ann \"a=b\" lee" received=1 out_of_order=0 duplicates=0')


def test_nothing_received_still_prints_a_total():
    assert summary_lines(Summary()) == ["check total received=0 out_of_order=0 duplicates=0"]
