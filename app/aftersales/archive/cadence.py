"""How often a contract's inspections (巡查) and phone follow-ups (回访) fall due: an ISO 8601
period of whole years and months or of weeks and days (`P3M`, `P1Y`, `P6W`, `P45D`, `P1Y6M`), from 28
days (the shortest month) to two years (with a leap day). No time part, no sign, not zero: a
cadence is a calendar rhythm. Pure: no database, no Flask; the obligations read it with
`app.aftersales.rules.recurrence.Every`, which cuts the periods with rrule and takes every
cadence accepted here (months, or days, never both)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.i18n import translate

_PERIOD = re.compile(r"^P(?:(\d{1,3})Y)?(?:(\d{1,3})M)?(?:(\d{1,3})W)?(?:(\d{1,4})D)?$")
MIN_DAYS, MAX_DAYS = 28, 731  # P4W / P1M … P2Y
MEAN_MONTH_DAYS = 30.436875  # the Gregorian calendar's mean month
STANDARD = ("P1M", "P2M", "P3M", "P4M", "P6M", "P1Y", "P2Y")  # the edit form's choices
DEFAULT = "P3M"


class CadenceError(ValueError):
    """Not a usable cadence; `message_key` says why (the archive's messages)."""

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


@dataclass(frozen=True)
class Cadence:
    months: int
    days: int

    @property
    def approximate_days(self) -> float:
        return self.months * MEAN_MONTH_DAYS + self.days

    def label(self, locale: str) -> str:
        """每 3 个月, 每年, 每 2 周 … (every 3 months, every year …)."""
        years, months = divmod(self.months, 12)
        weeks, days = divmod(self.days, 7) if self.days % 7 == 0 else (0, self.days)
        parts = [(unit, n) for unit, n in (("years", years), ("months", months), ("weeks", weeks), ("days", days)) if n]
        if len(parts) == 1 and parts[0][1] == 1:
            return translate(f"archive.cadence.one_{parts[0][0]}", locale)
        text = " ".join(translate(f"archive.cadence.{unit}", locale, n=n) for unit, n in parts)
        return translate("archive.cadence.every", locale, parts=text)


def normalized(text: str) -> str:
    return text.strip().upper()


def parse_cadence(text: str | None) -> Cadence:
    """The cadence an ISO 8601 period names, or CadenceError."""
    found = _PERIOD.match(normalized(text or ""))
    if found is None or normalized(text or "") == "P":
        raise CadenceError("archive.cadence_invalid")
    years, months, weeks, days = (int(group or 0) for group in found.groups())
    cadence = Cadence(years * 12 + months, weeks * 7 + days)
    if cadence.months and cadence.days:  # one calendar rhythm: months, or days (P45D, not P1M15D)
        raise CadenceError("archive.cadence_invalid")
    if not MIN_DAYS <= cadence.approximate_days <= MAX_DAYS:
        raise CadenceError("archive.cadence_range")
    return cadence


def cadence_label(text: str | None, locale: str) -> str:
    """A stored cadence as people read it; one that does not parse is shown as stored."""
    try:
        return parse_cadence(text).label(locale)
    except CadenceError:
        return text or "—"
