"""The client conversation's states: what kind of message the bot is waiting for."""

BROWSING, NOTE, CANCEL_REASON, TIME_ZONE = range(4)
SERIES_UNTIL = 4  # the client's Repeat → "Until a date…": the date of the last session

# The provider conversation's text steps; a range apart from the client's.
PROVIDER_CANCEL_REASON, TYPE_NAME, TYPE_DURATION, TYPE_PRICE, TYPE_CAPACITY, SETTING_TEXT = range(10, 16)
FEED_URL = 16  # /calendar: the secret address of a calendar to add
# /calendar → Connect a CalDAV calendar: the server, the user name, the app password.
CALDAV_URL, CALDAV_USER, CALDAV_PASSWORD = range(17, 20)
# /types → a type's maximum sessions in a weekly series; /agenda → the reason a series is
# cancelled for (issue #14). Numbers well apart from the ranges above.
TYPE_SERIES_MAX, SERIES_CANCEL_REASON = range(26, 28)
