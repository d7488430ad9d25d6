"""The ERP's CSV feed parsed without a database: encodings, row limits, row and line
numbers of errors."""

from __future__ import annotations

from customer.ledger import csvfeed


def test_csv_parser_reads_gb18030_from_excel() -> None:
    text = "type,customer_id,external_ref,date,amount,product_line\norder,c1,R1,2026-01-02,5,水泵\n"
    feed = csvfeed.parse(csvfeed.decode(text.encode("gb18030")), max_rows=10)
    assert not feed.errors
    assert feed.rows[0].values["product_line"] == "水泵"
    assert feed.rows[0].values["order_date"] == "2026-01-02"


def test_csv_parser_stops_past_the_row_limit() -> None:
    text = "type,customer_id,external_ref,date,amount\n" + "order,c,R,2026-01-01,1\n" * 4
    feed = csvfeed.parse(text, max_rows=3)
    assert feed.errors[-1]["field"] == "file"


def test_rows_count_data_rows_and_lines_count_the_file() -> None:
    text = (
        "type,customer_id,external_ref,date,amount,product_line\n"  # line 1
        "\n"  # line 2: blank, not a row
        'order,c1,R1,2026-01-02,5,"pumps\nand valves"\n'  # lines 3-4: row 1
        "\n"  # line 5
        "refund,c1,R2,2026-01-02,5,\n"  # line 6: row 2, a bad type
        "order,c1,R3\n"  # line 7: row 3, too few fields
    )
    feed = csvfeed.parse(text, max_rows=10)
    assert [(r.row, r.line) for r in feed.rows] == [(1, 3)]
    assert feed.rows[0].values["product_line"] == "pumps\nand valves"
    assert [(e["row"], e["line"], e["field"]) for e in feed.errors] == [
        (2, 6, "type"),
        (3, 7, "row"),
    ]
