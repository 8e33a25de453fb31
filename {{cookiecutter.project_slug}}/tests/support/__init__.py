"""What the tests import: the project's facts, the backend as a server, and a ChatKit client."""
