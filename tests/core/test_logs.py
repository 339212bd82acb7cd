"""The access log never keeps a tracking code."""

import logging

from app.core.logs import RedactTrackingCodes


def test_tracking_codes_are_cut_from_access_log_paths():
    f = RedactTrackingCodes()
    for path, kept in (("/open311/v2/tokens/6GZJ-CPXW-K9GYD.json", "/open311/v2/tokens/….json"),
                       ("/api/v1/complaints/track/6GZJCPXWK9GYD", "/api/v1/complaints/track/…"),
                       ("/api/v1/complaints/track/6GZJCPXWK9GYD/rating", "/api/v1/complaints/track/…/rating"),
                       ("/track?code=6GZJ-CPXW-K9GYD", "/track?code=…"),
                       ("/track?lang=vi&code=6gzjcpxwk9gyd", "/track?lang=vi&code=…"),
                       ("/disclosures/12", "/disclosures/12")):
        record = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                                   ("127.0.0.1:5000", "GET", path, "1.1", 200), None)
        assert f.filter(record) and record.getMessage() == f'127.0.0.1:5000 - "GET {kept} HTTP/1.1" 200'
