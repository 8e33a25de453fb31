"""The routers the app includes, one per concern."""
