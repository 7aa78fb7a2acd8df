"""CSV export of leads in a shape the importer reads back to the same leads (round trip)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy.orm import Session

from reachout.leads import repository
from reachout.leads.models import DATA_FIELDS, Lead
from reachout.leads.repository import LeadFilter

EXPORT_COLUMNS: tuple[str, ...] = (*DATA_FIELDS, "custom_fields", "lists", "tags")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def export_csv(session: Session, path: Path, flt: LeadFilter, *, chunk: int = 1000) -> int:
    """Write leads matching ``flt`` to ``path`` (UTF-8 CSV); returns how many were written."""
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EXPORT_COLUMNS)
        buffer: list[Lead] = []

        def drain() -> None:
            ids = [lead.id for lead in buffer]
            lists = repository.lists_of(session, ids)
            tags = repository.tags_of(session, ids)
            for lead in buffer:
                row = [_cell(getattr(lead, name)) for name in DATA_FIELDS]
                row.append(json.dumps(lead.custom_fields, ensure_ascii=False) if lead.custom_fields else "")
                row.append(";".join(lists[lead.id]))
                row.append(";".join(sorted(tags[lead.id])))
                writer.writerow(row)
            buffer.clear()

        for lead in repository.iter_query(session, flt, chunk=chunk):
            buffer.append(lead)
            count += 1
            if len(buffer) >= chunk:
                drain()
        drain()
    return count
