from gateway.upstreams.stops import StopScanner, cut_at_stop


def test_cut_at_the_earliest_stop() -> None:
    assert cut_at_stop("Mock reply to: hi", ["to", "reply"]) == ("Mock ", "reply")
    assert cut_at_stop("no match", ["zzz"]) == ("no match", None)


def test_scanner_holds_back_only_a_possible_prefix() -> None:
    scanner = StopScanner(["END!"])
    out = [scanner.feed(p) for p in ("abc E", "N", "D", "! more")]
    assert "".join(out) == "abc " and scanner.matched == "END!"
    assert scanner.flush() == ""


def test_scanner_releases_a_false_prefix() -> None:
    scanner = StopScanner(["END!"])
    assert scanner.feed("abc EN") == "abc"
    assert scanner.feed("x") == " "
    assert scanner.flush() == "ENx"
