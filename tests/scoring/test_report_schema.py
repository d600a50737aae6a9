"""The JSON export's schema, shipped with the package, describes what the export holds."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from labeleval.report import Report
from labeleval.scoring.report_schema import SCHEMA_ID, json_schema

jsonschema = pytest.importorskip("jsonschema")


@pytest.mark.slow
def test_the_sample_export_is_valid_against_the_shipped_schema(sample_report: Report) -> None:
    schema = json_schema()
    assert schema["$id"] == SCHEMA_ID
    jsonschema.Draft202012Validator.check_schema(schema)
    # every frame, the per-item one included (`labeleval score --format json --with-items`)
    jsonschema.validate(sample_report.to_dict(), schema)
    assert set(schema["properties"]) == {"settings", *Report.frame_names()}


def test_the_schema_refuses_a_column_or_a_type_it_does_not_describe(sample_report: Report) -> None:
    schema = json_schema()
    exported: dict[str, Any] = sample_report.to_dict(["summary", "ledger"])
    jsonschema.validate(exported, schema)
    extra = copy.deepcopy(exported)
    extra["summary"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError, match="surprise"):
        jsonschema.validate(extra, schema)
    wrong = copy.deepcopy(exported)
    wrong["ledger"][0]["rows_read"] = "many"
    with pytest.raises(jsonschema.ValidationError, match="many"):
        jsonschema.validate(wrong, schema)
    missing = copy.deepcopy(exported)
    del missing["summary"][0]["accuracy"]
    with pytest.raises(jsonschema.ValidationError, match="accuracy"):
        jsonschema.validate(missing, schema)
