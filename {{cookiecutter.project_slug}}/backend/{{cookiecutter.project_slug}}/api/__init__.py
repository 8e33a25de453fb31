"""The HTTP interface: FastAPI dependencies (`deps`) and one router per concern (`routes`)."""
