"""The open data ZIP: every CSV with its header and the README; public data only; no
denunciation in the monthly files."""

import csv
import io
import zipfile

from app.services import complaints
from tests import factories
from tests.services.test_complaints import CITIZEN, case_input


def _zip(client):
    r = client.get("/open-data.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith('attachment; filename="du-lieu-mo-')
    z = zipfile.ZipFile(io.BytesIO(r.content))
    return {n: z.read(n).decode("utf-8") for n in z.namelist()}


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_every_file_with_its_columns_described(client):
    files = _zip(client)
    assert set(files) == {"README.md", "disclosures.csv", "cases.csv", "reception.csv", "dialogues.csv",
                          "commitments.csv"}
    for name, text in files.items():
        if name.endswith(".csv"):
            header = text.splitlines()[0].split(",")
            assert f"## {name}" in files["README.md"]
            section = files["README.md"].split(f"## {name}")[1].split("\n## ")[0]
            assert all(col in section for col in header), (name, [c for c in header if c not in section])


def test_public_data_only_and_no_denunciations(client, session):
    factories.published(session, factories.principal(session, "publisher"), title="Dự toán ngân sách 2027")
    factories.draft(session, factories.principal(session, "publisher"), title="Bản nháp chưa công khai")
    complaints.file_case(session, data=case_input(kind="denunciation", subject="Tố cáo ông Nguyễn Văn Bê"),
                         channel="web", actor=CITIZEN)
    for _ in range(3):
        complaints.file_case(session, data=case_input(kind="feedback"), channel="web", actor=CITIZEN)
    session.commit()
    files = _zip(client)
    everything = "".join(files.values())
    assert "Bản nháp chưa công khai" not in everything and "Nguyễn Văn" not in everything
    assert "an@example.org" not in everything and "Tố cáo ông" not in everything
    assert [d["title"] for d in _rows(files["disclosures.csv"])] == ["Dự toán ngân sách 2027"]
    cases = {r["kind"]: r for r in _rows(files["cases.csv"])}
    assert "denunciation" not in cases and cases["feedback"]["received"] == "3"  # never worked out by subtraction
