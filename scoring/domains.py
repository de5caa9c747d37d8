"""The business domain of a contact: its email's domain, else its account's website.

Rules (pinned by ``tests/test_scoring_domains.py``):

- Hosts are normalised: trimmed, lowercased (Unicode NFKC), scheme, user info, port, path,
  query, fragment and a trailing dot removed, a leading ``www.``/``www2.`` dropped,
  IDNA/punycode labels (``xn--bcher-kva.de``) decoded to Unicode (``bücher.de``), and
  subdomains reduced to the registrable domain (``eu.mail.acme.co.uk`` -> ``acme.co.uk``)
  with a small built-in list of multi-label public suffixes.
- Invalid hosts (no dot, IP literals, bad labels, reserved names such as ``example.com``,
  ``*.test``, ``localhost``) give no domain.
- Free-mail and disposable providers (``gmail.com``, ``yahoo.co.uk``, ``mailinator.com``, …)
  are not business domains: the website is used instead.
- A contact with neither gets ``(None, "none")`` and is still scored.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

DomainSource = Literal["email", "website", "none"]

FREE_MAIL_DOMAINS: frozenset[str] = frozenset(
    """
    gmail.com googlemail.com yahoo.com ymail.com rocketmail.com hotmail.com outlook.com
    live.com msn.com passport.com aol.com aim.com icloud.com me.com mac.com proton.me
    protonmail.com protonmail.ch pm.me gmx.com gmx.de gmx.net gmx.at gmx.ch web.de mail.com
    email.com mail.ru inbox.ru list.ru bk.ru yandex.com yandex.ru ya.ru qq.com 163.com 126.com
    yeah.net sina.com sohu.com zohomail.com fastmail.com fastmail.fm hey.com tutanota.com
    tuta.io libero.it virgilio.it orange.fr wanadoo.fr free.fr sfr.fr laposte.net
    t-online.de freenet.de comcast.net verizon.net att.net sbcglobal.net bellsouth.net
    cox.net charter.net earthlink.net optonline.net btinternet.com sky.com talktalk.net
    virginmedia.com ntlworld.com shaw.ca rogers.com sympatico.ca bigpond.com optusnet.com.au
    naver.com hanmail.net daum.net rediffmail.com seznam.cz wp.pl o2.pl interia.pl onet.pl
    inbox.com lycos.com juno.com
    mailinator.com guerrillamail.com 10minutemail.com tempmail.com trashmail.com
    yopmail.com sharklasers.com dispostable.com getnada.com
    """.split()
)

#: Providers that exist under many country suffixes (yahoo.fr, hotmail.co.uk, gmx.at, ...).
FREE_MAIL_BRANDS: frozenset[str] = frozenset(
    "gmail googlemail yahoo ymail hotmail outlook aol gmx yandex protonmail icloud".split()
)

#: Multi-label public suffixes: the registrable domain keeps one label more than these.
MULTI_LABEL_SUFFIXES: frozenset[str] = frozenset(
    """
    co.uk org.uk ac.uk gov.uk ltd.uk plc.uk me.uk net.uk nhs.uk sch.uk
    com.au net.au org.au edu.au gov.au asn.au id.au co.nz org.nz net.nz ac.nz govt.nz
    co.jp ne.jp or.jp ac.jp go.jp co.kr or.kr ac.kr go.kr
    co.in net.in org.in ac.in gov.in firm.in com.br net.br org.br gov.br edu.br
    com.cn net.cn org.cn gov.cn edu.cn com.hk org.hk edu.hk com.tw org.tw edu.tw
    com.mx org.mx gob.mx edu.mx co.za org.za gov.za ac.za com.sg edu.sg gov.sg org.sg
    com.tr org.tr gov.tr edu.tr com.ar gob.ar com.co com.pe com.my edu.my com.ph co.id
    ac.id co.il ac.il org.il co.th ac.th com.ua com.pl com.eg com.sa com.ng co.ke
    com.vn edu.vn com.pk edu.pk com.bd com.es com.gr com.cy com.mt
    github.io gitlab.io herokuapp.com netlify.app vercel.app pages.dev web.app
    firebaseapp.com azurewebsites.net cloudfront.net appspot.com blogspot.com
    wordpress.com wixsite.com squarespace.com myshopify.com webflow.io carrd.co
    """.split()
)

_RESERVED_NAMES = frozenset({"example.com", "example.org", "example.net", "localhost"})
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local", "internal"})
_PLACEHOLDERS = frozenset({"", "-", "--", ".", "n/a", "na", "none", "null", "nil", "unknown"})
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SPACE = re.compile(r"\s")
_PATH = re.compile(r"[/?#\\]")
_WWW = re.compile(r"www\d*")
_PLAIN_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_LABEL = re.compile(r"^(?!-)[^\W_](?:[^\W_]|-){0,62}$")
_TLD = re.compile(r"^[^\W\d_]{2,63}$")


def normalize_host(text: str | None) -> str | None:
    """A website or host string as a normalised registrable domain, or None if invalid."""
    if text is None:
        return None
    return _normalize_host(text)


@lru_cache(maxsize=65536)
def _normalize_host(text: str) -> str | None:
    if _PLAIN_HOST.fullmatch(text):  # already a bare lowercase ASCII host: the common case
        return _registrable(text)
    host = unicodedata.normalize("NFKC", text).translate(_DOTS).strip().lower()
    if host in _PLACEHOLDERS or _SPACE.search(host):
        return None
    host = _SCHEME.sub("", host)
    host = _PATH.split(host, maxsplit=1)[0]
    host = host.rpartition("@")[2]  # user info
    if host.startswith("["):  # IPv6 literal
        return None
    host = host.partition(":")[0].rstrip(".")
    return _registrable(host)


def _registrable(host: str) -> str | None:
    labels = host.split(".")
    try:
        labels = [_decode_label(label) for label in labels]
    except UnicodeError:
        return None
    if labels and _WWW.fullmatch(labels[0]):
        labels = labels[1:]
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return None
    if not _TLD.match(labels[-1]) or labels[-1] in _RESERVED_TLDS:
        return None
    keep = 3 if ".".join(labels[-2:]) in MULTI_LABEL_SUFFIXES else 2
    if len(labels) < keep:
        return None
    domain = ".".join(labels[-keep:])
    return None if domain in _RESERVED_NAMES else domain


def _decode_label(label: str) -> str:
    if label.startswith("xn--"):
        return label.encode("ascii").decode("idna").lower()
    return label


def email_domain(email: str | None) -> str | None:
    """The normalised registrable domain of an email address, or None if it is invalid."""
    if not email:
        return None
    return _email_domain(email)


@lru_cache(maxsize=65536)
def _email_domain_part(part: str) -> str | None:
    if not part or any(ch in part for ch in "/:?#[]\\"):
        return None
    return _normalize_host(part)


def _email_domain(email: str) -> str | None:
    local, at, part = email.strip().rpartition("@")
    if not at or not local or "@" in local or _SPACE.search(local):
        return None
    return _email_domain_part(part)


def is_free_mail(domain: str | None) -> bool:
    """Whether a normalised domain belongs to a free-mail or disposable provider."""
    if not domain:
        return False
    return domain in FREE_MAIL_DOMAINS or domain.split(".", 1)[0] in FREE_MAIL_BRANDS


def derive_domain(email: str | None, website: str | None) -> tuple[str | None, DomainSource]:
    """The business domain and where it came from: ``email``, ``website`` or ``none``.

    >>> derive_domain("Jo@Mail.Acme-Corp.com", None)
    ('acme-corp.com', 'email')
    >>> derive_domain("jo@gmail.com", "https://www.Acme.io/about")
    ('acme.io', 'website')
    >>> derive_domain("not-an-email", None)
    (None, 'none')
    """
    domain = email_domain(email)
    if domain and not is_free_mail(domain):
        return domain, "email"
    domain = normalize_host(website)
    if domain and not is_free_mail(domain):
        return domain, "website"
    return None, "none"
