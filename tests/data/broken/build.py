"""Build the corpus of broken projects under tests/data/broken/ (run: python tests/data/broken/build.py).

Each folder is a small project with one thing wrong and an ``expect.json`` saying what labeleval must do:
``{"outcome": "error", "exception": ..., "match": ...}`` (a clear error, exit 1) or
``{"outcome": "ledger", "reasons": {...}}`` / ``{"outcome": "note", "code": ...}`` (scored, with the
problem accounted for in the ledger or the notes).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = '["pos", "neg"]'
GOOD = "item,worker,label\n1,a,pos\n1,b,pos\n2,a,neg\n2,b,neg\n3,a,pos\n3,b,neg\n4,a,neg\n4,b,neg\n"
GOLD = "item,label\n1,pos\n2,neg\n3,pos\n"


def manifest(
    vendor_path: str = "v.csv",
    pricing: str = '{ model = "per_label", rate = 0.1 }',
    extra: str = "",
    vendor_extra: str = "",
    second: str = "",
    gold: bool = True,
) -> str:
    gold_t = '[gold]\npath = "gold.csv"\ncolumns = { item_id = "item" }\n' if gold else ""
    rule = "" if gold else '[usability]\nrule = "consensus"\n'
    return (
        f'[task]\nname = "broken"\nkind = "nominal"\nlabels = {LABELS}\n\n{gold_t}{rule}{extra}\n'
        f'[[vendors]]\nname = "V"\npath = "{vendor_path}"\n'
        f'columns = {{ item_id = "item", annotator_id = "worker" }}\n{vendor_extra}pricing = {pricing}\n{second}'
    )


CASES: dict[str, dict[str, object]] = {
    "wrong_encoding": {
        "files": {"v.csv": "item,worker,label\n1,a,pos\n1,b,n\xe9g\n".encode("latin-1"), "gold.csv": GOLD},
        "expect": {
            "outcome": "error",
            "exception": "AdapterError",
            "match": r"v\.csv line 3, column 6: byte 0xe9 is not valid utf-8",
        },
    },
    "empty_file": {
        "files": {"v.csv": b"", "gold.csv": GOLD},
        "expect": {"outcome": "error", "exception": "AdapterError", "match": r"v\.csv: the file is empty"},
    },
    "header_only": {
        "files": {"v.csv": "item,worker,label\n", "gold.csv": GOLD},
        "expect": {"outcome": "error", "exception": "InsufficientDataError", "match": "no usable rows"},
    },
    "missing_columns": {
        "files": {"v.csv": "item,worker,answer\n1,a,pos\n", "gold.csv": GOLD},
        "expect": {
            "outcome": "error",
            "exception": "SchemaError",
            "match": r"v\.csv line 1: missing column 'label'",
        },
    },
    "duplicate_judgments": {
        "files": {"v.csv": GOOD + "1,a,neg\n2,b,neg\n", "gold.csv": GOLD},
        "expect": {"outcome": "ledger", "reasons": {"DUPLICATE_JUDGMENT": 2}},
    },
    "duplicates_policy_error": {
        "files": {"v.csv": GOOD + "1,a,neg\n", "gold.csv": GOLD},
        "manifest": manifest(extra='[data]\nduplicates = "error"\n'),
        "expect": {"outcome": "error", "exception": "SchemaError", "match": r"duplicate judgments.*line 2"},
    },
    "unknown_labels": {
        "files": {"v.csv": GOOD + "5,a,Pos\n5,b,neg \n", "gold.csv": GOLD},
        "expect": {"outcome": "ledger", "reasons": {"UNKNOWN_LABEL": 2}},
    },
    "missing_values": {
        "files": {"v.csv": GOOD + "5,,pos\n,b,neg\n6,a,\n", "gold.csv": GOLD},
        "expect": {"outcome": "ledger", "reasons": {"MISSING_VALUE": 3}},
    },
    "bad_timestamps": {
        "files": {
            "v.csv": "item,worker,label,ts\n1,a,pos,2026-01-01T10:00:00Z\n1,b,pos,yesterday\n2,a,neg,2026-13-45\n"
            "2,b,neg,2026-01-02 09:00\n",
            "gold.csv": GOLD,
        },
        "manifest": manifest().replace('annotator_id = "worker" }', 'annotator_id = "worker", submitted_at = "ts" }'),
        "expect": {"outcome": "ledger", "reasons": {"BAD_TIMESTAMP": 2}},
    },
    "negative_durations": {
        "files": {
            "v.csv": "item,worker,label,secs\n1,a,pos,3.5\n1,b,pos,-2\n2,a,neg,4\n2,b,neg,abc\n3,a,pos,5\n3,b,pos,1\n",
            "gold.csv": GOLD,
        },
        "manifest": manifest(pricing='{ model = "hourly", rate = 30 }').replace(
            'annotator_id = "worker" }', 'annotator_id = "worker", duration_s = "secs" }'
        ),
        "expect": {"outcome": "ledger", "reasons": {"NEGATIVE_DURATION": 1, "BAD_NUMBER": 1}},
    },
    "mixed_currencies": {
        "files": {"v.csv": GOOD, "w.csv": GOOD, "gold.csv": GOLD},
        "manifest": manifest(
            pricing='{ model = "per_label", rate = 0.1, currency = "USD" }',
            second='\n[[vendors]]\nname = "W"\npath = "w.csv"\n'
            'columns = { item_id = "item", annotator_id = "worker" }\n'
            'pricing = { model = "per_label", rate = 0.1, currency = "EUR" }\n',
        ),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"different currencies \(V: USD, W: EUR\)",
        },
    },
    "single_annotator_items": {
        "files": {"v.csv": GOOD + "7,a,pos\n8,b,neg\n", "gold.csv": GOLD},
        "expect": {"outcome": "note", "code": "SINGLE_JUDGMENT_ITEMS"},
    },
    "gold_nobody_labelled": {
        "files": {"v.csv": GOOD, "gold.csv": GOLD + "99,pos\n100,neg\n"},
        "expect": {"outcome": "note", "code": "GOLD_UNLABELLED"},
    },
    "vendor_zero_usable_rows": {
        "files": {"v.csv": "item,worker,label\n1,a,POSITIVE\n1,b,NEGATIVE\n", "gold.csv": GOLD},
        "expect": {
            "outcome": "error",
            "exception": "InsufficientDataError",
            "match": r"vendor 'V' has no usable rows \(2 read",
        },
    },
    "unknown_manifest_key": {
        "files": {"v.csv": GOOD, "gold.csv": GOLD},
        "manifest": manifest(vendor_extra='prcing_note = "x"\n'),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"labeleval\.toml line 14: unknown key 'prcing_note'",
        },
    },
    "missing_file": {
        "files": {"gold.csv": GOLD},
        "manifest": manifest(vendor_path="nowhere.csv"),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"file not found: nowhere\.csv",
        },
    },
    "invalid_toml": {
        "files": {"v.csv": GOOD, "gold.csv": GOLD},
        "manifest": '[task]\nname = "x\nlabels = ["a"]\n',
        "expect": {"outcome": "error", "exception": "ManifestError", "match": r"invalid TOML.*line 2"},
    },
    "unknown_pricing_model": {
        "files": {"v.csv": GOOD, "gold.csv": GOLD},
        "manifest": manifest(pricing='{ model = "per_minute", rate = 1 }'),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"pricing\.model must be one of 'per_label'",
        },
    },
    "label_map_to_undeclared_label": {
        "files": {"v.csv": GOOD, "gold.csv": GOLD},
        "manifest": manifest(vendor_extra='label_map = { POS = "positive" }\n'),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"maps 'POS' to 'positive', which is not one",
        },
    },
    "malformed_jsonl": {
        "files": {
            "v.jsonl": '{"item": 1, "worker": "a", "label": "pos"}\n{"item": 1, "worker": "b", "label": "pos"\n'
            '[1, 2]\n{"item": 2, "worker": "a", "label": "neg"}\n{"item": 2, "worker": "b", "label": "neg"}\n',
            "gold.csv": GOLD,
        },
        "manifest": manifest(vendor_path="v.jsonl"),
        "expect": {"outcome": "ledger", "reasons": {"MALFORMED_RECORD": 2}},
    },
    "ragged_csv": {
        "files": {"v.csv": "item,worker,label\n1,a,pos\n1,b,pos,extra\n", "gold.csv": GOLD},
        "expect": {
            "outcome": "error",
            "exception": "AdapterError",
            "match": r"v\.csv: malformed row: Expected 3 fields in line 3, saw 4",
        },
    },
    "hourly_without_durations": {
        "files": {"v.csv": GOOD, "gold.csv": GOLD},
        "manifest": manifest(pricing='{ model = "hourly", rate = 40 }'),
        "expect": {
            "outcome": "error",
            "exception": "InsufficientDataError",
            "match": "priced hourly but its file has no duration",
        },
    },
    "conflicting_gold": {
        "files": {"v.csv": GOOD, "gold.csv": GOLD + "1,neg\n"},
        "expect": {"outcome": "ledger", "reasons": {"DUPLICATE_GOLD": 2}},
    },
    "not_really_xlsx": {
        "files": {"v.xlsx": "item,worker,label\n1,a,pos\n", "gold.csv": GOLD},
        "manifest": manifest(vendor_path="v.xlsx"),
        "expect": {
            "outcome": "error",
            "exception": "AdapterError",
            "match": r"v\.xlsx: not a readable XLSX workbook",
        },
    },
    "gold_rule_without_gold": {
        "files": {"v.csv": GOOD},
        "manifest": manifest(gold=False).replace('rule = "consensus"', 'rule = "gold"'),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"rule = 'gold' needs a \[gold\] table",
        },
    },
}


# ----------------------------------------------------------------------------- hostile input
def _parquet(columns: dict[str, object]) -> bytes:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


GOOD_JSONL = "".join(
    json.dumps({"item": int(i), "worker": w, "label": lab}) + "\n"
    for i, w, lab in (line.split(",") for line in GOOD.strip().splitlines()[1:])
)
DEEP = "[" * 100_000 + "]" * 100_000
OUTSIDE = {
    "outcome": "error",
    "exception": "ManifestError",
    "match": r"labeleval\.toml line 12: \[\[vendors\]\] 'V'\.path: .* is outside the project folder",
}
NUMERIC = '[task]\nname = "noise"\nkind = "interval"\n\n[gold]\npath = "gold.csv"\ncolumns = { item_id = "item" }\n\n'

HOSTILE: dict[str, dict[str, object]] = {
    "path_absolute": {"files": {"gold.csv": GOLD}, "manifest": manifest(vendor_path="/etc/passwd"), "expect": OUTSIDE},
    "path_dotdot": {
        "files": {"gold.csv": GOLD},
        "manifest": manifest(vendor_path="../unknown_labels/v.csv"),
        "expect": OUTSIDE,
    },
    "path_symlink": {"files": {"gold.csv": GOLD}, "symlinks": {"v.csv": "/etc/passwd"}, "expect": OUTSIDE},
    "json_nested_100k_deep": {
        "files": {"v.json": DEEP, "gold.csv": GOLD},
        "manifest": manifest(vendor_path="v.json"),
        "expect": {
            "outcome": "error",
            "exception": "AdapterError",
            "match": r"v\.json: JSON nested deeper than the limit of 64 levels \(json_depth\)",
        },
    },
    "jsonl_deep_record": {
        "files": {"v.jsonl": GOOD_JSONL + '{"item": 9, "x": ' + "[" * 5000 + "]" * 5000 + "}\n", "gold.csv": GOLD},
        "manifest": manifest(vendor_path="v.jsonl"),
        "expect": {"outcome": "ledger", "reasons": {"MALFORMED_RECORD": 1}},
    },
    "json_list_of_lists": {
        "files": {"v.json": '[[1, "a", "pos"], [2, "b", "neg"]]', "gold.csv": GOLD},
        "manifest": manifest(vendor_path="v.json"),
        "expect": {"outcome": "error", "exception": "InsufficientDataError", "match": "no usable rows"},
    },
    "json_lists_among_records": {
        "files": {"v.json": "[" + GOOD_JSONL.strip().replace("\n", ", ") + ', [1, "c", "pos"]]', "gold.csv": GOLD},
        "manifest": manifest(vendor_path="v.json"),
        "expect": {"outcome": "ledger", "reasons": {"MALFORMED_RECORD": 1}},
    },
    "jsonl_list_label": {
        "files": {"v.jsonl": GOOD_JSONL + '{"item": 5, "worker": "a", "label": ["pos"]}\n', "gold.csv": GOLD},
        "manifest": manifest(vendor_path="v.jsonl"),
        "expect": {"outcome": "ledger", "reasons": {"UNKNOWN_LABEL": 1}},
    },
    "parquet_struct_labels": {
        "files": {
            "v.parquet": lambda: _parquet(
                {"item": [1, 1, 2, 2], "worker": list("abab"), "label": [{"x": 1}, {"x": 2}, {"x": 1}, {"x": 1}]}
            ),
            "gold.csv": GOLD,
        },
        "manifest": manifest(vendor_path="v.parquet"),
        "expect": {"outcome": "error", "exception": "InsufficientDataError", "match": "no usable rows"},
    },
    "parquet_list_labels": {
        "files": {
            "v.parquet": lambda: _parquet(
                {"item": [1, 1, 2, 2], "worker": list("abab"), "label": [["pos"], ["pos"], ["neg"], ["pos"]]}
            ),
            "gold.csv": GOLD,
        },
        "manifest": manifest(vendor_path="v.parquet"),
        "expect": {"outcome": "error", "exception": "InsufficientDataError", "match": "no usable rows"},
    },
    "parquet_float_ids_with_a_null": {
        "files": {
            "v.parquet": lambda: _parquet(
                {"item": [1.0, 1.0, 2.0, 2.0, 3.0, None], "worker": list("ababab"), "label": ["pos"] * 6}
            ),
            "gold.csv": GOLD,
        },
        "manifest": manifest(vendor_path="v.parquet"),
        "expect": {"outcome": "ledger", "reasons": {"MISSING_VALUE": 1}},
    },
    "duplicate_header": {
        "files": {"v.csv": "item,worker,label,label\n1,a,pos,neg\n", "gold.csv": GOLD},
        "expect": {
            "outcome": "error",
            "exception": "AdapterError",
            "match": r"v\.csv line 1: the header names a column twice: 'label'",
        },
    },
    "infinite_duration_and_cost": {
        "files": {
            "v.csv": "item,worker,label,secs,usd\n1,a,pos,3,0.1\n1,b,pos,inf,0.1\n2,a,neg,4,Infinity\n2,b,neg,2,0.1\n"
            "3,a,pos,-inf,0.1\n3,b,pos,1,nan\n",
            "gold.csv": GOLD,
        },
        "manifest": manifest().replace(
            'annotator_id = "worker" }', 'annotator_id = "worker", duration_s = "secs", cost = "usd" }'
        ),
        "expect": {"outcome": "ledger", "reasons": {"BAD_NUMBER": 4}},
    },
    "infinite_rate": {
        "manifest": manifest(pricing='{ model = "per_label", rate = inf }'),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"rate must be a finite number, found inf",
        },
    },
    "empty_label_declared": {
        "manifest": manifest().replace(f"labels = {LABELS}", 'labels = ["", "pos", "neg"]'),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"line 4: \[task\]\.labels must be non-empty",
        },
    },
    "tolerance_on_nominal": {
        "manifest": manifest().replace('kind = "nominal"', 'kind = "nominal"\ntolerance = 1'),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"line 4: \[task\]\.tolerance applies to",
        },
    },
    "amount_with_per_label": {
        "manifest": manifest(pricing='{ model = "per_label", rate = 0.1, amount = 500 }'),
        "expect": {
            "outcome": "error",
            "exception": "ManifestError",
            "match": r"amount is the price of the fixed model",
        },
    },
    "multilabel_label_with_pipe": {
        "manifest": manifest()
        .replace('kind = "nominal"', 'kind = "multilabel"\nseparator = ";"')
        .replace(f"labels = {LABELS}", 'labels = ["a|b", "c"]'),
        "expect": {"outcome": "error", "exception": "ManifestError", "match": r"cannot contain '\|'"},
    },
    "manifest_with_bom": {
        "manifest": b"\xef\xbb\xbf" + manifest().encode(),
        "expect": {"outcome": "ledger", "reasons": {}},
    },
    "interval_values_equal_but_for_float_noise": {
        "files": {
            "v.csv": "item,worker,label\n1,a,0.3\n1,b,0.30000000000000004\n2,a,0.5\n2,b,0.6\n3,a,0.1\n3,b,0.2\n",
            "gold.csv": "item,label\n1,0.3\n2,0.5\n3,0.1\n",
        },
        "manifest": NUMERIC
        + '[[vendors]]\nname = "V"\npath = "v.csv"\ncolumns = { item_id = "item", annotator_id = "worker" }\n'
        'pricing = { model = "per_label", rate = 0.1 }\n',
        "expect": {"outcome": "ledger", "reasons": {}},
    },
    "ids_one_and_text_one": {
        "files": {
            "v.jsonl": '{"item": 1, "worker": "a", "label": "pos"}\n{"item": "1", "worker": "b", "label": "pos"}\n'
            '{"item": 2, "worker": "a", "label": "neg"}\n{"item": "2", "worker": "b", "label": "neg"}\n',
            "gold.csv": GOLD,
        },
        "manifest": manifest(vendor_path="v.jsonl"),
        "expect": {"outcome": "ledger", "reasons": {}},
    },
}
for _name, _case in HOSTILE.items():
    _case.setdefault("files", {"v.csv": GOOD, "gold.csv": GOLD})
CASES.update(HOSTILE)


def build() -> None:
    for name, case in CASES.items():
        folder = HERE / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        for filename, content in dict(case["files"]).items():  # type: ignore[call-overload]
            content = content() if callable(content) else content
            data = content if isinstance(content, bytes) else str(content).encode("utf-8")
            (folder / filename).write_bytes(data)
        for filename, target in dict(case.get("symlinks", {})).items():  # type: ignore[call-overload]
            (folder / filename).symlink_to(target)
        text = case.get("manifest", manifest())
        (folder / "labeleval.toml").write_bytes(text if isinstance(text, bytes) else str(text).encode("utf-8"))
        (folder / "expect.json").write_text(json.dumps(case["expect"], indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    build()
    print(f"built {len(CASES)} broken projects in {HERE}")
