"""Small-group suppression and the post-render privacy scan."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

from kinerja_research.analysis.suppression import (
    K_ANONYMITY_DEFAULT,
    drop_small_groups,
    k_anonymity,
    suppress_small,
)
from kinerja_research.reports.privacy import redact, scan_html, scan_text


def test_k_default_is_five() -> None:
    assert K_ANONYMITY_DEFAULT == 5
    assert k_anonymity() == 5  # config/settings.yml of the repository (or the default)


def test_suppress_aggregate_table() -> None:
    t = pd.DataFrame({"unit": ["A", "B", "C"], "n": [12, 4, 5], "ikm": [81.2, 77.0, 70.5]})
    out = suppress_small(t, count_col="n", k=5)
    assert out["suppressed"].tolist() == [False, True, False]
    assert out.loc[1, ["n", "ikm"]].isna().all()
    assert out.loc[1, "unit"] == "B"  # the key stays so the reader sees the group was suppressed
    assert out.loc[2, "ikm"] == 70.5  # exactly k is shown
    assert t["n"].tolist() == [12, 4, 5]  # input untouched


def test_suppress_row_level_by_groups() -> None:
    rows = pd.DataFrame({"unit": ["A"] * 6 + ["B"] * 2, "sector": ["x"] * 8, "skp": np.arange(8.0)})
    out = suppress_small(rows, by=["unit", "sector"], k=5)
    assert out["skp"].isna().tolist() == [False] * 6 + [True] * 2
    assert out["suppressed"].sum() == 2


def test_k_is_configurable() -> None:
    t = pd.DataFrame({"unit": ["A", "B"], "n": [12, 4], "ikm": [81.2, 77.0]})
    assert suppress_small(t, count_col="n", k=20)["suppressed"].all()
    assert not suppress_small(t, count_col="n", k=1)["suppressed"].any()


def test_drop_small_groups_for_plots() -> None:
    rows = pd.DataFrame({"unit": ["A"] * 6 + ["B"] * 2, "skp": np.arange(8.0)})
    assert drop_small_groups(rows, by="unit", k=5)["unit"].unique().tolist() == ["A"]


@pytest.mark.parametrize(("kwargs", "exc", "msg"), [
    ({}, ValueError, "exactly one"),
    ({"count_col": "n", "by": "unit"}, ValueError, "exactly one"),
    ({"count_col": "nope"}, ValueError, "not a column"),
    ({"by": "nope"}, ValueError, "not in the table"),
    ({"count_col": "n", "k": 0}, ValueError, "positive integer"),
    ({"count_col": "n", "value_cols": ["zzz"]}, ValueError, "value_cols"),
])
def test_bad_input_is_explained(kwargs: dict, exc: type, msg: str) -> None:
    t = pd.DataFrame({"unit": ["A"], "n": [3], "ikm": [1.0]})
    with pytest.raises(exc, match=msg):
        suppress_small(t, **kwargs)


def test_not_a_dataframe() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        suppress_small([1, 2], count_col="n")  # type: ignore[arg-type]


def test_scan_finds_nip_without_repeating_it() -> None:
    found = scan_text("<table><tr><th>id</th></tr><tr><td>199001012015031001</td></tr></table>")
    assert [f.kind for f in found] == ["nip"]
    assert "199001012015031001" not in str(found[0])


@pytest.mark.parametrize("header", ["nama", "Name", "  NAMA  ", "nama_pegawai"])
def test_scan_finds_name_columns(header: str) -> None:
    found = scan_text(f"<table><thead><tr><th>{header}</th><th>skp</th></tr></thead></table>")
    assert [f.kind for f in found] == ["name_column"]


@pytest.mark.parametrize("text", [
    "<p>19900101201503100</p>",  # 17 digits
    "<p>1990010120150310012</p>",  # 19 digits
    "<table><tr><th>unit_name_count</th></tr></table>",
    "<p>3573 2024 81.25</p>",
])
def test_scan_leaves_clean_text_alone(text: str) -> None:
    assert scan_text(text) == []


def test_scan_ignores_digits_inside_embedded_images_and_css() -> None:
    payload = base64.b64encode(b"\x00" * 30).decode()  # plain digits can occur in base64
    digits = "123456789012345678"
    page = (f'<img src="data:image/png;base64,{payload}{digits}AAAA">'
            f"<style>.x{{width:{digits}px}}</style><p>ok</p>")
    assert scan_text(page) == []


def test_scan_html_reads_a_file(tmp_path) -> None:
    p = tmp_path / "r.html"
    p.write_text("<table><tr><th>nama</th></tr><tr><td>199001012015031001</td></tr></table>", encoding="utf-8")
    assert sorted(f.kind for f in scan_html(p)) == ["name_column", "nip"]


NIP = "198001012005011008"


@pytest.mark.parametrize("text", [
    NIP,
    "19800101 200501 1 008",  # the official print form
    "19800101-200501-1-008",
    "19800101.200501.1.008",
    "19800101\u00a0200501\u00a01\u00a0008",
    "19800101&nbsp;200501&nbsp;1&nbsp;008",
    "19800101&#160;200501&#160;1&#160;008",
    "<td><span>19800101</span><span>200501</span><span>1</span><span>008</span></td>",
    "1.98001012005011e+17",
    "1.9800101200501101E17",
    "198001012005011008.0",
    '<script>var d = {"id": 198001012005011008};</script>',
    '{"id": "19800101\\u00a0200501\\u00a01\\u00a0008"}',
    "total 2024 198001012005011008 12",
])
def test_every_printed_form_of_an_nip_is_found_and_redacted(text: str) -> None:
    assert [f.kind for f in scan_text(text)] == ["nip"]
    red = redact(text)
    assert "[NIP]" in red and scan_text(red) == []


@pytest.mark.parametrize("number", [
    "123456789012345678",  # no real birth date
    "100000000000000000",
    "198013012005011008",  # month 13
    "198001012005131008",  # appointment month 13
    "198001011990011008",  # appointed at 10
    "198001012005013008",  # sex digit 3
    "1.23456789012345e+17",
    "2024 2023 2022 2021 2020",
])
def test_ordinary_numbers_are_not_flagged(number: str) -> None:
    assert scan_text(f"<td>{number}</td>") == []
    assert redact(number) == number


def test_numeric_plot_data_is_not_flagged() -> None:
    rng = np.random.default_rng(0)
    payload = json.dumps({"x": rng.random(20_000).tolist(), "y": rng.integers(0, 10**9, 20_000).tolist()})
    assert scan_text(f"<script>Plotly.newPlot('d', {payload})</script>") == []


@pytest.mark.parametrize("header", ["Nama ASN", "nama_asn", "NAMA", "Name of employee", "namaLengkap"])
def test_any_header_starting_with_nama_or_name_is_a_name_column(header: str) -> None:
    assert [f.kind for f in scan_text(f"<table><tr><th>{header}</th></tr></table>")] == ["name_column"]


def test_a_name_index_and_a_printed_frame_are_name_columns() -> None:
    frame = pd.DataFrame({"skp": [80.0]}, index=pd.Index(["x"], name="nama_pegawai"))
    assert [f.kind for f in scan_text(frame.to_html())] == ["name_column"]
    assert [f.kind for f in scan_text(str(pd.DataFrame({"nama": ["x"], "skp": [1.0]})))] == ["name_column"]
    assert [f.kind for f in scan_text(str(frame))] == ["name_column"]
    assert [f.kind for f in scan_text('{"columns": {"nama_asn": ["x"]}}')] == ["name_column"]


def test_grid_name_headers_are_added_to_the_defaults() -> None:
    page = "<table><tr><th>pegawai</th><th>nama</th></tr></table>"
    found = scan_text(page, name_headers=["pegawai"])
    assert "pegawai" in found[0].detail and "nama" in found[0].detail
    with pytest.raises(TypeError, match="list"):
        scan_text(page, name_headers="pegawai")


def test_code_and_prose_mentioning_names_are_not_columns() -> None:
    assert scan_text("    name = 3\n    x = 2\n") == []
    assert scan_text("<p>The name of the region is shown below.</p>") == []
    assert scan_text('{"data": [{"name": "Kota Malang", "x": [1]}]}') == []  # a plotly trace label
