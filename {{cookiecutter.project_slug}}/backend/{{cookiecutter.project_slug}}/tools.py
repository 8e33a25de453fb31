"""The agent's function tools. Add yours here and list them in TOOLS."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agents import Tool, function_tool


@function_tool
def get_current_time(timezone: str = "UTC") -> str:
    """Return the current date and time in an IANA timezone such as Europe/Paris.

    Args:
        timezone: IANA timezone name; defaults to UTC.
    """
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"Unknown timezone {timezone!r}; use an IANA name such as Europe/Paris."
    return datetime.now(zone).isoformat(timespec="seconds")


TOOLS: list[Tool] = [get_current_time]
