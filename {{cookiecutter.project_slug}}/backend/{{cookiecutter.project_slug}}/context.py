"""The typed request context that ChatKit hands to the store and to respond()."""

from pydantic import BaseModel, ConfigDict


class RequestContext(BaseModel):
    """Who is asking. Every store call is scoped to `user_id`."""

    model_config = ConfigDict(frozen=True)

    user_id: str
