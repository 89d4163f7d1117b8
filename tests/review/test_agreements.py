"""Agreements of a working group (issue 16): status history over three meetings, overdue
ones listed for the third, the printable follow-up sheet rendered."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from sereno.errors import SerenoError
from sereno.records import Actor, history
from sereno.review.agreements import (
    add_agreement,
    add_meeting,
    agreements,
    follow_up,
    follow_up_sheet,
    public_agreements,
    status_history,
    update_agreement,
)

MESA = Actor("sec", "analyst", "MESA", "cli")
OTRA = Actor("beto", "analyst", "OTRA", "cli")


@pytest.fixture
def mesa(observatory):
    obs = observatory
    add_meeting(obs, MESA, "M1", "Mesa de Seguridad", "2024-01-10", ["Municipio", "Policía"])
    add_meeting(obs, MESA, "M2", "Mesa de Seguridad", "2024-02-14", "Municipio;Policía;ONG")
    add_meeting(obs, MESA, "M3", "Mesa de Seguridad", "2024-03-13", ["Municipio"])
    a = add_agreement(
        obs,
        MESA,
        "M1",
        "Alumbrado en la colonia C120",
        "Municipio",
        "Ing. Pérez (ficticio)",
        "2024-02-28",
        unit_code="C120",
        agreement_id="A1",
    )
    b = add_agreement(
        obs,
        MESA,
        "M1",
        "Patrullaje nocturno en C045",
        "Policía",
        "Cmdte. Ruiz (ficticio)",
        "2024-03-01",
        indicator="homicidios",
        agreement_id="A2",
        public=True,
    )
    c = add_agreement(
        obs, MESA, "M1", "Taller de mediación", "ONG", None, "2024-02-10", agreement_id="A3"
    )
    d = add_agreement(
        obs,
        MESA,
        "M2",
        "Informe de extorsión por colonia",
        "Observatorio",
        None,
        "2024-03-13",
        agreement_id="A4",
    )
    update_agreement(obs, MESA, a, "in_progress", "M2", "licitación abierta")
    update_agreement(obs, MESA, c, "done", "M2")
    update_agreement(obs, MESA, b, "in_progress", "M2")
    update_agreement(obs, MESA, a, "done", "M3", "instalado")
    update_agreement(obs, MESA, d, "in_progress", "M3")
    return obs


def test_status_history_over_three_meetings(mesa):
    steps = status_history(mesa, MESA, "A1")
    assert steps[["meeting_id", "status"]].values.tolist() == [
        ["M1", "open"],
        ["M2", "in_progress"],
        ["M3", "done"],
    ]
    assert history(mesa, "agreement", "A1")["action"].tolist() == [
        "agreement.create",
        "agreement.update",
        "agreement.update",
    ]
    at = {
        m: agreements(mesa, MESA, on=d).set_index("agreement_id")["status"].to_dict()
        for m, d in (("M1", "2024-01-10"), ("M2", "2024-02-14"), ("M3", "2024-03-13"))
    }
    assert at["M1"] == {"A1": "open", "A2": "open", "A3": "open"}
    # A3 was due 10 February: overdue at M2 unless done, and it was marked done at M2.
    assert at["M2"] == {"A1": "in_progress", "A2": "in_progress", "A3": "done", "A4": "open"}
    assert at["M3"] == {"A1": "done", "A2": "overdue", "A3": "done", "A4": "in_progress"}


def test_follow_up_of_the_third_meeting_lists_the_overdue(mesa, tmp_path):
    found = follow_up(mesa, MESA, "M3")
    assert found.previous["meeting_id"] == "M2"
    assert found.late["agreement_id"].tolist() == ["A2"]
    assert found.due["agreement_id"].tolist() == ["A4"]  # due on the day of M3
    assert sorted(found.changed["agreement_id"]) == ["A1", "A4"]
    assert found.still_open.empty
    second = follow_up(mesa, MESA, "M2")
    assert second.late.empty and sorted(second.changed["agreement_id"]) == ["A1", "A2", "A3"]
    html = follow_up_sheet(found, tmp_path / "hoja.html", "es", "Ciudad Demo")
    text = html.read_text(encoding="utf-8")
    assert "Vencidos (1)" in text and "Patrullaje nocturno en C045" in text
    pdf = follow_up_sheet(found, tmp_path / "hoja.pdf", "en", "Ciudad Demo")
    assert pdf.read_bytes()[:4] == b"%PDF"
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(tmp_path / "hoja"),
            ],
            check=True,
        )
        assert (tmp_path / "hoja-1.png").stat().st_size > 5_000


def test_agreements_are_restricted_unless_published(mesa):
    assert agreements(mesa, OTRA).empty
    with pytest.raises(SerenoError):
        update_agreement(mesa, OTRA, "A1", "dropped")
    with pytest.raises(SerenoError):
        status_history(mesa, OTRA, "A1")
    public = public_agreements(mesa)
    assert public["agreement_text"].tolist() == ["Patrullaje nocturno en C045"]
    assert "owner_person" not in public.columns
    with pytest.raises(SerenoError, match="overdue"):
        update_agreement(mesa, MESA, "A1", "finished")
