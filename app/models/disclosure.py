"""Disclosures (Law 10/2022/QH15 Art. 11–13): the document, its versions, methods and files."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime
from app.core.i18n import N_
from app.models.base import created_at_field, timestamp_field


class Category(StrEnum):
    """Art. 11 items, in the law's order (the number is the item)."""

    socioeconomic_plan = "socioeconomic_plan"
    budget = "budget"
    investment_land = "investment_land"
    rules_and_duties = "rules_and_duties"
    funds_contributions = "funds_contributions"
    public_assets = "public_assets"
    social_support = "social_support"
    relief_donations = "relief_donations"
    military_service = "military_service"
    inspection_integrity = "inspection_integrity"
    public_consultation = "public_consultation"
    fees_charges = "fees_charges"
    administrative_procedures = "administrative_procedures"
    other = "other"

    @property
    def item(self) -> int:
        return list(Category).index(self) + 1


CATEGORY_LABELS = {
    Category.socioeconomic_plan: N_("Kế hoạch phát triển kinh tế - xã hội"),
    Category.budget: N_("Ngân sách, tài chính"),
    Category.investment_land: N_("Dự án đầu tư, đất đai, quy hoạch"),
    Category.rules_and_duties: N_("Quy chế dân chủ, nhiệm vụ cán bộ, quy tắc ứng xử"),
    Category.funds_contributions: N_("Quỹ, chương trình, khoản đóng góp"),
    Category.public_assets: N_("Tài sản công"),
    Category.social_support: N_("Chính sách hỗ trợ, an sinh xã hội, hộ nghèo"),
    Category.relief_donations: N_("Cứu trợ, ủng hộ tự nguyện"),
    Category.military_service: N_("Nghĩa vụ quân sự, công an"),
    Category.inspection_integrity: N_("Thanh tra, phòng chống tham nhũng, tín nhiệm"),
    Category.public_consultation: N_("Lấy ý kiến Nhân dân"),
    Category.fees_charges: N_("Phí, lệ phí, nghĩa vụ tài chính"),
    Category.administrative_procedures: N_("Thủ tục hành chính"),
    Category.other: N_("Nội dung khác"),
}

# Art. 13(2): items 4 and 13 are posted permanently; the others for at least 30 days.
PERMANENT_POSTING = frozenset({Category.rules_and_duties, Category.administrative_procedures})


class Method(StrEnum):
    """Art. 12(1) methods of disclosure, a) to k)."""

    posting = "posting"
    website = "website"
    loudspeaker = "loudspeaker"
    group_heads = "group_heads"
    letters = "letters"
    dialogue = "dialogue"
    reception_press = "reception_press"
    mass_organisations = "mass_organisations"
    social_networks = "social_networks"
    other = "other"


METHOD_LABELS = {
    Method.posting: N_("Niêm yết tại trụ sở"),
    Method.website: N_("Cổng thông tin điện tử của phường"),
    Method.loudspeaker: N_("Hệ thống truyền thanh cơ sở"),
    Method.group_heads: N_("Qua tổ trưởng tổ dân phố"),
    Method.letters: N_("Gửi văn bản đến Nhân dân"),
    Method.dialogue: N_("Hội nghị đối thoại"),
    Method.reception_press: N_("Tiếp công dân, tiếp xúc cử tri, báo chí, người phát ngôn"),
    Method.mass_organisations: N_("Qua tổ chức chính trị - xã hội"),
    Method.social_networks: N_("Viễn thông, mạng xã hội hợp pháp"),
    Method.other: N_("Hình thức khác"),
}


class DisclosureStatus(StrEnum):
    draft = "draft"
    published = "published"
    withdrawn = "withdrawn"


STATUS_LABELS = {
    DisclosureStatus.draft: N_("Bản nháp"),
    DisclosureStatus.published: N_("Đã công khai"),
    DisclosureStatus.withdrawn: N_("Đã thu hồi"),
}


class DisclosureContent(SQLModel):
    """The fields a version captures. Shared by the live row and its version snapshots."""

    title: str = Field(max_length=300)
    summary: str = Field(default="", sa_type=Text)
    body: str = Field(default="", sa_type=Text)
    category: str = Field(max_length=40)
    document_number: str = Field(default="", max_length=100)
    issuing_body: str = Field(default="", max_length=200)
    issued_on: date | None = None
    effective_on: date | None = None
    fiscal_year: int | None = None
    tags: str = Field(default="", max_length=500, description="comma-separated")


class Disclosure(DisclosureContent, table=True):
    __tablename__ = "disclosure"
    __table_args__ = (
        # Keyset pagination of the public list, overall and within filters. Public means
        # published_at is set (drafts have none); an IN on status would defeat the ordering.
        Index("ix_disclosure_public", "published_at", "id"),
        Index("ix_disclosure_category", "category", "published_at", "id"),
        Index("ix_disclosure_year", "fiscal_year", "published_at", "id"),
        Index("ix_disclosure_updated", "updated_at", "id"),
        Index("ix_disclosure_posting_end", "posting_ends_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=DisclosureStatus.draft, max_length=12)
    version: int = 0  # 0 while a draft; 1 when first published; +1 per amendment
    posted_on: date | None = None
    posting_ends_on: date | None = None
    publish_deadline_on: date | None = None
    late: bool = False
    deadline_rule: str = Field(default="", max_length=120, description="rule code and version used")
    published_at: datetime | None = timestamp_field()
    withdrawn_at: datetime | None = timestamp_field()
    withdrawal_reason: str = Field(default="", sa_type=Text)
    # Lower-cased, diacritics folded (đ→d): what search matches against on every dialect.
    search_text: str = Field(default="", sa_type=Text)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class DisclosureVersion(DisclosureContent, table=True):
    """The content as it was published in one version; never changed after it is written."""

    __tablename__ = "disclosure_version"
    __table_args__ = (UniqueConstraint("disclosure_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    disclosure_id: int = Field(foreign_key="disclosure.id", index=True)
    version: int
    published_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    change_note: str = Field(default="", max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="staff_user.id")


class DisclosureMethod(SQLModel, table=True):
    __tablename__ = "disclosure_method"

    id: int | None = Field(default=None, primary_key=True)
    disclosure_id: int = Field(foreign_key="disclosure.id", index=True)
    method: str = Field(max_length=30)
    used_on: date
    note: str = Field(default="", max_length=300)
    created_at: datetime = created_at_field()


class Attachment(SQLModel, table=True):
    """A file, stored on disk under its SHA-256; the row keeps the name it was uploaded with."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    disclosure_id: int = Field(foreign_key="disclosure.id", index=True)
    version: int = Field(default=0, description="the disclosure version it was added in")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    created_at: datetime = created_at_field()
    uploaded_by_id: int | None = Field(default=None, foreign_key="staff_user.id")
