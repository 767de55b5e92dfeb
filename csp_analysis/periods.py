"""Financial years (April to March), the period a partnership reports on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic_core import core_schema

if TYPE_CHECKING:  # pandas is imported where it is used: loading params stays light
    import pandas as pd

_FY = re.compile(r"^(\d{4})[-/](\d{2}|\d{4})$")


@dataclass(frozen=True, order=True)
class FinancialYear:
    """The financial year that starts on 1 April of ``start_year``.

    Written as ``"2014-15"`` (also accepted: ``"2014/15"``, ``"2014-2015"``).
    """

    start_year: int

    @classmethod
    def parse(cls, text: str | FinancialYear) -> FinancialYear:
        if isinstance(text, FinancialYear):
            return text
        m = _FY.match(str(text).strip())
        if not m:
            raise ValueError(f"expected a financial year like '2014-15', got {text!r}")
        start, end = int(m.group(1)), m.group(2)
        end_full = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
        if end_full != start + 1:
            raise ValueError(f"financial year {text!r} must span two consecutive years")
        return cls(start)

    def __str__(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return str(self)

    @property
    def first_month(self) -> pd.Timestamp:
        import pandas as pd

        return pd.Timestamp(self.start_year, 4, 1)

    @property
    def last_month(self) -> pd.Timestamp:
        import pandas as pd

        return pd.Timestamp(self.start_year + 1, 3, 1)

    @property
    def months(self) -> pd.DatetimeIndex:
        """The 12 month-start dates of the year."""
        import pandas as pd

        return pd.date_range(self.first_month, self.last_month, freq="MS")

    def previous(self) -> FinancialYear:
        return FinancialYear(self.start_year - 1)

    def contains(self, month: pd.Timestamp) -> bool:
        return self.first_month <= month <= self.last_month

    # pydantic: accept and emit the "2014-15" text form
    @classmethod
    def __get_pydantic_core_schema__(cls, _source, _handler):
        return core_schema.no_info_plain_validator_function(
            cls.parse, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )


def financial_year_of(months: pd.Series) -> pd.Series:
    """Label each month-start date with its financial year ("2014-15")."""
    start = months.dt.year - (months.dt.month < 4).astype(int)
    return start.map(lambda y: str(FinancialYear(int(y))))


def month_label(month: pd.Timestamp) -> str:
    """'Apr 2014' style label."""
    return month.strftime("%b %Y")
