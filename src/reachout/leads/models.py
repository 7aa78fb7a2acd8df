"""Leads tables: the people reachout writes to, their lists and tags.

A lead is identified by any of its canonical LinkedIn profile URL, its Sales Navigator lead id
or its email address; the importer keeps those three unique across the store.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reachout.db import Base, UTCDateTime

# Columns a user (or the importer) can fill, in the order exports write them.
TEXT_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "headline",
    "title",
    "company",
    "company_domain",
    "location",
    "country",
    "timezone",
    "industry",
    "profile_url",
    "salesnav_id",
    "salesnav_url",
    "email",
    "email_status",
    "summary",
    "experience",
    "skills",
    "education",
    "recent_post",
    "language",
)
BOOL_FIELDS: tuple[str, ...] = ("open_profile", "premium")
INT_FIELDS: tuple[str, ...] = ("degree",)
DATA_FIELDS: tuple[str, ...] = TEXT_FIELDS + BOOL_FIELDS + INT_FIELDS


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str | None] = mapped_column(String())
    last_name: Mapped[str | None] = mapped_column(String())
    headline: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    company: Mapped[str | None] = mapped_column(String())
    company_domain: Mapped[str | None] = mapped_column(String())
    location: Mapped[str | None] = mapped_column(String())
    country: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String())
    industry: Mapped[str | None] = mapped_column(String())
    profile_url: Mapped[str | None] = mapped_column(String(500), unique=True)
    salesnav_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    salesnav_url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(), index=True)
    email_status: Mapped[str | None] = mapped_column(String())
    open_profile: Mapped[bool | None] = mapped_column(Boolean)
    premium: Mapped[bool | None] = mapped_column(Boolean)
    degree: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str | None] = mapped_column(Text)
    experience: Mapped[str | None] = mapped_column(Text)
    skills: Mapped[str | None] = mapped_column(Text)
    education: Mapped[str | None] = mapped_column(Text)
    recent_post: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String())
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_file: Mapped[str | None] = mapped_column(Text)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def context(self) -> dict[str, Any]:
        """Template variables: every non-empty column, ``full_name`` and the custom fields."""
        ctx: dict[str, Any] = {}
        for name in (*DATA_FIELDS, "source_file"):
            value = getattr(self, name)
            if value is None or value == "":
                continue
            ctx[name] = value
        if self.full_name:
            ctx["full_name"] = self.full_name
        for key, value in (self.custom_fields or {}).items():
            if value is not None and value != "" and key not in ctx:
                ctx[key] = value
        return ctx

    def to_dict(self) -> dict[str, Any]:
        """Every column, JSON-ready (None stays None; booleans stay booleans)."""
        out: dict[str, Any] = {"id": self.id}
        for name in DATA_FIELDS:
            out[name] = getattr(self, name)
        out["custom_fields"] = dict(self.custom_fields or {})
        out["source_file"] = self.source_file
        out["imported_at"] = self.imported_at
        out["created_at"] = self.created_at
        out["updated_at"] = self.updated_at
        return out


class LeadList(Base):
    __tablename__ = "lead_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(), unique=True)


class LeadListMember(Base):
    __tablename__ = "lead_list_members"

    list_id: Mapped[int] = mapped_column(ForeignKey("lead_lists.id", ondelete="CASCADE"), primary_key=True)
    lead_id: Mapped[int] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class LeadTag(Base):
    __tablename__ = "lead_tags"

    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(), primary_key=True, index=True)
