"""The portal fixtures of tests/publish (Ciudad Demo built once per session, its app, a live
server), reused so the session builds the demo once; plus the accounts of the field
records' organisation and a linkage run for clerical review."""

from __future__ import annotations

import pytest

from tests.publish.conftest import ANALYST, app, client, demo_dir, live_server  # noqa: F401

MESA = ("marta", "contraseña-de-la-mesa")
MESA_REVIEWER = ("raul", "revisor-de-la-mesa")
OUTSIDER = ANALYST  # "ana": an analyst of no organisation, granted nothing of the Mesa's


@pytest.fixture(scope="session")
def field_portal(app):  # noqa: F811
    """The demo portal with the Mesa's analyst and reviewer, and a linkage run."""
    from sereno.demo.field import DEMO_ORGANISATION
    from sereno.link.store import link_store
    from sereno.records import OWNER
    from sereno.records.accounts import create_account

    portal = app.state.portal
    with portal.writing() as obs:
        if not obs.engine.scalar("SELECT count(*) FROM accounts WHERE username = ?", [MESA[0]]):
            create_account(obs, *MESA, "analyst", DEMO_ORGANISATION, actor=OWNER)
            create_account(obs, *MESA_REVIEWER, "reviewer", DEMO_ORGANISATION, actor=OWNER)
        if not obs.engine.scalar("SELECT count(*) FROM link_runs"):
            link_store(obs)
        portal.data.changed()
    return app
