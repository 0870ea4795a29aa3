"""Uploads are checked by content and size in the action, and stored outside the web root
under a random name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from matrica.library import actions

from .conftest import add, mp4_bytes, ooxml_bytes, pdf_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("handbook.pdf", png_bytes()),
        ("handbook.pdf", b"Just some text, not a PDF at all.\n"),
        ("slides.pptx", ooxml_bytes("word/document.xml")),  # a DOCX named PPTX
        ("paper.docx", b"PK\x03\x04 not really a zip"),
        ("film.mp4", pdf_bytes()),
        ("picture.png", png_bytes()),
        ("script.exe", b"MZ\x90\x00"),
        ("noextension", pdf_bytes()),
    ],
)
def test_a_file_that_lies_about_its_type_is_refused(framework, uploads, name, content):
    with pytest.raises(ValidationError) as refused:
        add(upload=upload(name, content))
    assert "file" in refused.value.message_dict
    assert not uploads.exists() or not any(uploads.iterdir())


def test_too_large_is_refused(framework, settings, uploads):
    settings.MATRICA_UPLOAD_MAX_MB = 1
    content = pdf_bytes() + b"0" * (1024 * 1024)
    with pytest.raises(ValidationError) as refused:
        add(upload=upload("big.pdf", content))
    assert "1 MB" in refused.value.message_dict["file"][0]


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Priručnik č.pdf", pdf_bytes(), "application/pdf"),
        ("paper.DOCX", ooxml_bytes("word/document.xml"),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("slides.pptx", ooxml_bytes("ppt/presentation.xml"),
         "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        ("film.mp4", mp4_bytes(), "video/mp4"),
    ],
)  # fmt: skip
def test_real_files_are_accepted_and_stored_under_a_random_name(
    framework, uploads, name, content, content_type
):
    resource = add(upload=upload(name, content))
    assert resource.original_filename == name
    assert resource.content_type == content_type
    assert resource.file_size == len(content)
    assert name.split(".")[0] not in resource.stored_name
    assert (uploads / resource.stored_name).read_bytes() == content


def test_replacing_and_removing_a_file(framework, uploads):
    from matrica.tenancy.scoping import SYSTEM

    resource = add(upload=upload("one.pdf", pdf_bytes()))
    first = resource.stored_name
    actions.change_resource(actor=SYSTEM, resource=resource, upload=upload("two.pdf", pdf_bytes()))
    assert resource.original_filename == "two.pdf"
    assert resource.stored_name != first
    actions.change_resource(actor=SYSTEM, resource=resource, remove_file=True)
    assert not resource.has_file
