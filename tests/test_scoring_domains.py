"""The business-domain table: email first, website for free-mail or invalid emails."""

from __future__ import annotations

import pytest

from scoring.domains import derive_domain, email_domain, is_free_mail, normalize_host

CASES = [
    # (email, website, expected domain, expected source)
    ("jo@acme.com", None, "acme.com", "email"),
    ("  Jo@ACME.com ", None, "acme.com", "email"),
    ("jo@Mail.Acme-Corp.com", None, "acme-corp.com", "email"),
    ("jo@eu.sales.acme.co.uk", None, "acme.co.uk", "email"),
    ("jo@acme.co.uk", None, "acme.co.uk", "email"),
    ("jo@acme.github.io", None, "acme.github.io", "email"),
    ("jo@acme.com.", None, "acme.com", "email"),
    # free mail and disposable: fall back to the account's website
    ("jo@gmail.com", "https://www.Acme.io/about?x=1#top", "acme.io", "website"),
    ("jo@googlemail.com", "acme.io:8443", "acme.io", "website"),
    ("jo@yahoo.co.uk", "http://user@shop.acme.de/path", "acme.de", "website"),
    ("jo@hotmail.fr", None, None, "none"),
    ("jo@mailinator.com", None, None, "none"),
    # invalid emails
    ("not-an-email", "http://www.acme.org", "acme.org", "website"),
    ("jo@", "acme.org", "acme.org", "website"),
    ("@acme.com", None, None, "none"),
    ("jo smith@acme.com", "acme.net", "acme.net", "website"),
    ("jo@@acme.com", None, None, "none"),
    ("jo@localhost", None, None, "none"),
    ("jo@acme", None, None, "none"),
    ("jo@-acme.com", None, None, "none"),
    ("jo@192.168.1.1", None, None, "none"),
    ("jo@[10.0.0.1]", None, None, "none"),
    ("jo@example.com", "acme.com", "acme.com", "website"),
    ("jo@shop.test", None, None, "none"),
    # missing account / website
    (None, None, None, "none"),
    ("", "", None, "none"),
    (None, "n/a", None, "none"),
    (None, "gmail.com", None, "none"),
    (None, "HTTP://WWW2.ACME.COM", "acme.com", "website"),
    (None, "www.co.uk", None, "none"),
    # unicode: IDNA, case, full-width forms
    ("josé@Bücher.DE", None, "bücher.de", "email"),
    ("jo@xn--bcher-kva.de", None, "bücher.de", "email"),
    (None, "https://www.xn--bcher-kva.de/", "bücher.de", "website"),
    ("ｊｏ@ＡＣＭＥ．ｃｏｍ", None, "acme.com", "email"),
    ("jo@acme。com", None, "acme.com", "email"),
    ("jo@xn--zz-invalid.com", None, None, "none"),
]


@pytest.mark.parametrize(("email", "website", "domain", "source"), CASES)
def test_derive_domain(email: str | None, website: str | None, domain: str, source: str) -> None:
    assert derive_domain(email, website) == (domain, source)


@pytest.mark.parametrize(
    ("host", "free"),
    [
        ("gmail.com", True),
        ("yahoo.fr", True),
        ("outlook.de", True),
        ("acme.com", False),
        ("gmailer.com", False),
        (None, False),
    ],
)
def test_free_mail(host: str | None, free: bool) -> None:
    assert is_free_mail(host) is free


def test_normalised_forms_are_fixed_points() -> None:
    for email, website, domain, _ in CASES:
        if domain:
            assert normalize_host(domain) == domain
            assert email_domain(f"x@{domain}") == domain
        del email, website
