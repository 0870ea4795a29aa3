"""Request helpers shared by the pages: the "as of" date, search terms, pagination, role
gates."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from matrica.http import request_user

# The dates a page can answer for. The engine adds refresher intervals and grace periods to the
# date and the trend reaches five years back; Python's dates stop at 0001 and 9999, so a date near
# either end would overflow. Training records do not reach before 1900; 2999 is far enough ahead.
EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2999, 12, 31)

# A search of more words or characters than this is cut, and the page says so: every word is one
# more condition, and SQLite refuses very long patterns and very deep conditions.
SEARCH_MAX_WORDS = 10
SEARCH_MAX_CHARS = 100


def as_of(request: HttpRequest) -> datetime.date:
    """The date a page answers for: ?on=YYYY-MM-DD; today when absent. An unreadable date gives
    today and a date outside EARLIEST..LATEST the nearest end of it, each with a message."""
    raw = request.GET.get("on", "")
    if not raw:
        return timezone.localdate()
    try:
        wanted = datetime.date.fromisoformat(raw)
    except ValueError:
        today = timezone.localdate()
        message = _("“%(raw)s” is not a date (YYYY-MM-DD): showing %(date)s.")
        _tell(request, message % {"raw": raw[:20], "date": today.isoformat()})
        return today
    on = min(max(wanted, EARLIEST), LATEST)
    if on != wanted:
        message = _("Dates run from %(earliest)s to %(latest)s: showing %(date)s.")
        _tell(request, message % {"earliest": EARLIEST, "latest": LATEST, "date": on})
    return on


def limited_search(text: str) -> tuple[str, bool]:
    """A search text cut to SEARCH_MAX_CHARS characters and SEARCH_MAX_WORDS words, and whether
    anything was cut."""
    words = text[:SEARCH_MAX_CHARS].split()[:SEARCH_MAX_WORDS]
    limited = " ".join(words)
    return limited, limited != " ".join(text.split())


def search_terms(request: HttpRequest, text: str) -> str:
    """The search a page runs for `text`: limited as `limited_search` says, with a message
    when something was left out."""
    limited, cut = limited_search(text)
    if cut:
        _tell(request, search_cut_message(limited))
    return limited


def search_cut_message(limited: str) -> str:
    message = _(
        "A search takes at most %(words)d words and %(chars)d characters: "
        "searched for “%(search)s”."
    )
    return message % {"words": SEARCH_MAX_WORDS, "chars": SEARCH_MAX_CHARS, "search": limited}


def _tell(request: HttpRequest, message: str) -> None:
    # fail_silently: a request built without the messages middleware (a test, a command) still
    # gets its answer.
    messages.warning(request, message, fail_silently=True)


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int | None = None) -> Page:
    paginator = Paginator(queryset, per_page or settings.MATRICA_PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def allowed_if(
    check: Callable[[Any], bool],
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Log-in required, and `check(user)` true: a permission from tenancy.permissions."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request_user(request)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def roles_required(
    *roles: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Log-in required, and one of `roles` (superusers always pass)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request_user(request)
            if not (user.is_superuser or user.role in roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
