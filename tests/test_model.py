"""The shared model refuses what is not in the vocabulary or not consistent."""

import pytest
from pydantic import ValidationError

from openimr.model import Evidence, ItemDecision, Request
from openimr.vocabulary import vocabulary


def test_request_accepts_vocabulary_terms():
    request = Request(text="PT x6 lumbar", service="physical_therapy", body_regions=["lumbar"])
    assert request.service == "physical_therapy"


@pytest.mark.parametrize(
    "field, value", [("service", "reiki"), ("body_regions", ["spleen"]), ("sides", ["up"])]
)
def test_request_rejects_unknown_terms(field, value):
    with pytest.raises(ValidationError, match="is not a known"):
        Request(text="x", **{field: value})


def test_request_rejects_unknown_fields():
    with pytest.raises(ValidationError, match="Extra inputs"):
        Request(text="x", colour="blue")


def test_evidence_offsets_must_be_ordered():
    with pytest.raises(ValidationError, match="before its start"):
        Evidence(text="x", start=5, end=2)


def test_decision_and_medical_necessity_agree():
    with pytest.raises(ValidationError, match="must follow the decision"):
        ItemDecision(
            request="x",
            service="massage",
            decision="Upheld",
            medically_necessary=True,
            decided_by="rule",
        )


def test_every_service_kind_has_a_known_family():
    vocab = vocabulary()
    assert {info.family for info in vocab.service_kinds.values()} <= set(vocab.service_families)
    assert "unknown" in vocab.service_kinds
