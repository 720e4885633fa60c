"""Files every host can read: materials, photos and made documents in S3-compatible object
storage (a local moto server here), served by the app with the same headers as from disk."""

import pytest

from symposium import storage
from tests import test_speakers
from tests.servers import new_bucket, object_store_server
from tests.test_materials import PNG, add, materials, upload, url_of
from tests.test_speakers import as_user

cast = test_speakers.cast


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    with object_store_server(tmp_path_factory.mktemp("moto") / "moto.log") as endpoint:
        yield endpoint


@pytest.fixture
def bucket(s3_endpoint):
    return new_bucket(s3_endpoint)


@pytest.fixture
def s3_app(sqlite_app, bucket, tmp_path):
    sqlite_app.config.update(bucket.settings(), MATERIALS_FOLDER=str(tmp_path / "local"))
    sqlite_app.extensions.pop("symposium.storage", None)
    return sqlite_app


def test_the_s3_backend_keeps_reads_and_deletes_files(s3_app, bucket, tmp_path):
    backend = storage.current()
    source = tmp_path / "file.pdf"
    source.write_bytes(b"%PDF-1.4 content")

    backend.put("documents", "badges-2031.pdf", source)

    assert bucket.stored() == ["symposium/documents/badges-2031.pdf"]
    assert backend.exists("documents", "badges-2031.pdf")
    with backend.open("documents", "badges-2031.pdf") as stream:
        assert stream.read() == b"%PDF-1.4 content"
    assert backend.open("documents", "gone.pdf") is None
    backend.delete("documents", "badges-2031.pdf")
    assert bucket.stored() == [] and not backend.exists("documents", "badges-2031.pdf")
    with pytest.raises(ValueError):
        backend.exists("materials", "../secret")


def test_a_material_upload_lands_in_the_bucket_and_downloads_with_safe_headers(
    s3_app, bucket, cast, tmp_path
):
    client = as_user(s3_app.test_client(), cast.me)

    assert upload(client, cast.mine.id, PNG, "foto.pdf").status_code == 302
    [material] = materials()

    name = f"symposium/materials/{material.sha256[:2]}/{material.sha256}"
    assert name in bucket.stored()
    assert not (tmp_path / "local").exists()  # nothing on this host's disk

    with s3_app.test_client().get(url_of(cast, material)) as response:
        assert response.status_code == 200 and response.data == PNG
        headers = response.headers
    assert headers["Content-Disposition"] == "attachment; filename=foto.png"
    assert headers["Content-Type"] == "image/png"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]


def test_health_says_when_the_bucket_cannot_be_reached(s3_app, bucket):
    client = s3_app.test_client()
    assert client.get("/healthz").json["storage"] == "ok"

    bucket.client().delete_bucket(Bucket=bucket.bucket)

    answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json["storage"] == "down"


def test_a_file_gone_from_the_bucket_is_a_404_not_a_500(s3_app, bucket, cast):
    material = add(cast, "public", PNG, "foto.png")
    for key in bucket.stored():
        bucket.client().delete_object(Bucket=bucket.bucket, Key=key)

    assert s3_app.test_client().get(url_of(cast, material)).status_code == 404


def test_a_made_document_is_read_back_from_the_bucket(s3_app, bucket, make_edition, tmp_path):
    from symposium.documents import service as documents
    from symposium.documents.models import DocumentJob, DocumentKind, JobStatus
    from symposium.extensions import db

    edition = make_edition()
    job = DocumentJob(
        edition_id=edition.id,
        kind=DocumentKind.booklet,
        language="nl",
        fingerprint="x" * 64,
        status=JobStatus.done,
        file_name=f"{edition.id}-booklet-1.pdf",
    )
    db.session.add(job)
    db.session.commit()
    assert documents.file_content(job) is None  # not made (or gone): no file

    source = tmp_path / "made.pdf"
    source.write_bytes(b"%PDF-1.7 booklet")
    storage.current().put("documents", job.file_name, source)

    assert documents.file_content(job) == b"%PDF-1.7 booklet"
    assert documents.file_path(job) is None  # nothing on this host's disk
