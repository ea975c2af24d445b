"""The calendar feed guard (issue #13): HTTPS only, and no address inside our network."""

from __future__ import annotations

import pytest

from bot.feed_addresses import FeedAddressRefused, check_feed_url


def resolving_to(*addresses):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.5", "192.168.1.1", "169.254.169.254", "0.0.0.0", "::1",
     "fe80::1%eth0", "fc00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "224.0.0.1", "100.64.0.1",
     "not-an-address"],
)
def test_a_name_that_points_inside_is_refused(address):
    with pytest.raises(FeedAddressRefused, match="private or local"):
        check_feed_url("https://calendar.example.com/x.ics", resolve=resolving_to(address))


def test_one_inside_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(FeedAddressRefused):
        check_feed_url("https://cal.example.com/a.ics", resolve=resolving_to("93.184.216.34", "10.0.0.7"))


def test_a_public_https_feed_and_a_webcal_link_are_allowed():
    public = resolving_to("142.250.185.78", "2a00:1450:4001:82a::200e")
    assert check_feed_url("https://calendar.google.com/calendar/ical/x/basic.ics", resolve=public)
    assert check_feed_url("webcal://p12-caldav.icloud.com/published/2/abc", resolve=public)


@pytest.mark.parametrize(
    "url",
    ["http://calendar.example.com/x.ics", "ftp://calendar.example.com/x.ics", "file:///etc/passwd",
     "https://user:pw@calendar.example.com/x.ics", "https:///x.ics", "https://cal.example.com:99999/x",
     "javascript:alert(1)"],
)
def test_what_is_not_a_plain_https_address_is_refused(url):
    with pytest.raises(FeedAddressRefused):
        check_feed_url(url, resolve=resolving_to("93.184.216.34"))


def test_private_addresses_and_http_are_allowed_only_when_asked():
    assert check_feed_url("http://127.0.0.1:8080/x.ics", allow_private=True, resolve=resolving_to("127.0.0.1"))
    with pytest.raises(FeedAddressRefused):
        check_feed_url("http://127.0.0.1:8080/x.ics", resolve=resolving_to("127.0.0.1"))


def test_a_host_that_cannot_be_found_is_refused_with_its_name():
    with pytest.raises(FeedAddressRefused, match="cannot be found"):
        check_feed_url("https://no-such-host.invalid/x.ics")
