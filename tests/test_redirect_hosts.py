"""A redirect from a public server to this machine is refused, however the address is spelt,
and for that reason (issue 20, item 11).

Before: `http://2130706433/`, `http://0x7f000001/`, `http://127.1/`, `http://017700000001/` and
`http://0/` (all 127.0.0.1 or 0.0.0.0 to any client) were followed, and `http://[::1]:8080/` was
refused for its port rather than for leading to this machine.
"""

from __future__ import annotations

import pytest

from pipeline.safety import UnsafeInput, check_redirect

ORIGIN = "http://archive.example.org/leaflets/barnet.pdf"


@pytest.mark.parametrize(("target", "host"), [
    ("http://2130706433/x.pdf", "'2130706433' (127.0.0.1)"),
    ("http://0x7f000001/x.pdf", "'0x7f000001' (127.0.0.1)"),
    ("http://127.1/x.pdf", "'127.1' (127.0.0.1)"),
    ("http://017700000001/x.pdf", "'017700000001' (127.0.0.1)"),
    ("http://0/x.pdf", "'0' (0.0.0.0)"),
    ("http://3232235777/x.pdf", "'3232235777' (192.168.1.1)"),
    ("http://[::1]:8080/x.pdf", "'::1'"),
    ("http://[::ffff:7f00:1]/x.pdf", "'::ffff:7f00:1'"),
    ("http://0x7f000001:8080/x.pdf", "'0x7f000001' (127.0.0.1)"),
])
def test_this_machine_in_any_spelling_is_refused_for_what_it_is(target: str, host: str) -> None:
    with pytest.raises(UnsafeInput) as error:
        check_redirect(target, ORIGIN)
    assert str(error.value) == (
        f"refused redirect to {target!r}: host {host} is this machine or a private network, "
        "and the first URL's host 'archive.example.org' is not")


def test_a_public_host_on_another_port_is_refused_for_its_port() -> None:
    with pytest.raises(UnsafeInput) as error:
        check_redirect("http://mirror.example.org:8080/x.pdf", ORIGIN)
    assert str(error.value) == (
        "refused redirect to 'http://mirror.example.org:8080/x.pdf': port 8080 is neither the "
        "first URL's (80) nor the default for http (80)")


def test_names_that_merely_hold_digits_are_followed() -> None:
    target = "https://12345.example.org/x.pdf"
    assert check_redirect(target, ORIGIN) == target
