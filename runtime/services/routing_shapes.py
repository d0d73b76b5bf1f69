"""What the routing setup reads and answers: skills, agents, queues and business calendars.

Inputs refuse unknown fields and check what they can alone (names, skill levels, time
zones, working hours, countries and regions); the services check the rest against the
store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from runtime.routing.choose import STRATEGIES
from runtime.sla.calendar import parse_hours
from runtime.sla.public_holidays import checked_place

__all__ = [
    "AgentIn",
    "AgentOut",
    "Availability",
    "CalendarIn",
    "CalendarOut",
    "HolidayCountry",
    "HolidayRegion",
    "IsoDate",
    "IsoDateTime",
    "PublicHoliday",
    "QueueIn",
    "QueueOut",
    "SkillIn",
    "Strategy",
]

_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$"
Availability = Literal["online", "away", "offline"]
Strategy = Literal["round_robin", "load_balanced", "skills_based", "pull_next"]
assert set(STRATEGIES) == set(Strategy.__args__)  # type: ignore[attr-defined]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _from_iso_text(kind: type[date]) -> BeforeValidator:
    """Read ``kind`` from ISO 8601 text only, as the API's schema says.

    JSON has no date type; pydantic would also read a number as seconds since 1970
    (``out_of_office_until: 0`` became 1970-01-01). Text is parsed here, so the field
    reads the same whether its body is validated in lax or in strict mode.
    """
    adapter: TypeAdapter[date] = TypeAdapter(kind)

    def parse(value: Any) -> Any:
        if isinstance(value, int | float):  # bool is an int too
            raise ValueError("expected an ISO 8601 date or time as text, not a number")
        if isinstance(value, str):
            try:
                return adapter.validate_python(value)
            except ValidationError:
                return value  # refused again by the field, with pydantic's own message
        return value

    return BeforeValidator(parse)


IsoDateTime = Annotated[datetime, _from_iso_text(datetime)]
IsoDate = Annotated[date, _from_iso_text(date)]


def _check_hours(value: dict[str, Any]) -> dict[str, Any]:
    try:
        parse_hours(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"working hours: {exc}") from None
    return value


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
        ) from None
    return value


class SkillIn(_In):
    """A skill as created or updated."""

    name: str = Field(min_length=1, max_length=120, pattern=_NAME)
    description: str = Field(default="", max_length=2000)


class AgentIn(_In):
    """An agent as created or updated."""

    id: str = Field(min_length=1, max_length=120, pattern=_NAME)
    name: str = Field(min_length=1, max_length=255)
    email: str = Field(default="", max_length=255)
    skills: dict[str, int] = Field(default_factory=dict, description="Skill -> level 1..5")
    languages: list[str] = Field(default_factory=list)
    max_items: int = Field(default=5, ge=0, le=1000)
    max_load: int | None = Field(default=None, ge=1, le=100_000)
    availability: Availability = "offline"
    timezone: str = "UTC"
    working_hours: dict[str, list[list[str]]] = Field(default_factory=dict)
    out_of_office_from: IsoDateTime | None = None
    out_of_office_until: IsoDateTime | None = None

    @field_validator("skills")
    @classmethod
    def _levels(cls, value: dict[str, int]) -> dict[str, int]:
        for skill, level in value.items():
            if not 1 <= level <= 5:
                raise ValueError(f"skill {skill!r}: level must be 1 to 5, not {level}")
        return value

    _zone = field_validator("timezone")(classmethod(lambda cls, v: _check_zone(v)))
    _hours = field_validator("working_hours")(classmethod(lambda cls, v: _check_hours(v)))


class AgentOut(AgentIn):
    """An agent with what routing sees now."""

    open_items: int = 0
    load: int = 0
    available: bool = False
    why_unavailable: str = ""
    queues: list[str] = Field(default_factory=list)


class QueueIn(_In):
    """A queue (team) as created or updated."""

    name: str = Field(min_length=1, max_length=120, pattern=_NAME)
    description: str = Field(default="", max_length=2000)
    strategy: Strategy = "round_robin"
    members: list[str] = Field(default_factory=list)
    calendar: str | None = None


class QueueOut(QueueIn):
    """A queue with its waiting and assigned counts."""

    waiting: int = 0
    assigned: int = 0


class CalendarIn(_In):
    """A business calendar as created or updated."""

    name: str = Field(min_length=1, max_length=120, pattern=_NAME)
    description: str = Field(default="", max_length=2000)
    timezone: str = "UTC"
    hours: dict[str, list[list[str]]] = Field(default_factory=dict)
    country: str | None = Field(
        default=None,
        description="ISO 3166-1 alpha-2 code of the country whose public holidays it keeps",
    )
    region: str | None = Field(
        default=None, description="The country's subdivision code, such as BY (Bavaria) in DE"
    )
    holidays: list[IsoDate] = Field(
        default_factory=list, description="The calendar's own holidays, on top of the country's"
    )

    _zone = field_validator("timezone")(classmethod(lambda cls, v: _check_zone(v)))
    _hours = field_validator("hours")(classmethod(lambda cls, v: _check_hours(v)))

    @field_validator("country")
    @classmethod
    def _known_country(cls, value: str | None) -> str | None:
        return checked_place(value, None)[0]

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "country" not in info.data:
            return value  # the country was refused already, and said so
        return checked_place(info.data["country"], value)[1]


class PublicHoliday(BaseModel):
    """A public holiday a calendar keeps."""

    day: date
    name: str


class CalendarOut(CalendarIn):
    """A stored business calendar, with the public holidays its country gives this year."""

    public_holidays: list[PublicHoliday] = Field(default_factory=list)


class HolidayRegion(BaseModel):
    """A country's subdivision with holidays of its own."""

    code: str
    name: str


class HolidayCountry(BaseModel):
    """A country whose public holidays a calendar can keep."""

    code: str
    name: str
    regions: list[HolidayRegion]
