"""Publish: the web portal and its JSON API, open-data exports and disclosure control.

``create_app(directory)`` builds the FastAPI portal; ``export_open_data`` writes the open
data; ``privacy`` holds the one rule every public response passes through; capabilities add
their pages with ``pages.register_page``.
"""

from sereno.publish.pages import PortalContext, PortalPage, register_page

__all__ = ["PortalContext", "PortalPage", "register_page"]
