"""The definition language as a typed model (pydantic).

This module says what a definition may contain; it does not check cross-references (that is
:mod:`engine.checker`) and it does not evaluate anything (that is :mod:`engine.evaluate`).
Every model object remembers the YAML mapping it was built from, so later stages can report
problems at the author's line and column via :meth:`Element.location`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
)

from .errors import Location

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
FORM_ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"

Text = str | dict[str, str]
"""Text a person sees: one string, or a map from language code to string."""

Expression = str


class FormKind(StrEnum):
    OVERSTAPFORMULIER = "overstapformulier"
    ONDERWIJSKUNDIG_RAPPORT = "onderwijskundig_rapport"
    ADVIESFORMULIER = "adviesformulier"
    AANMELDFORMULIER = "aanmeldformulier"
    CUSTOM = "custom"


class Category(StrEnum):
    """The five categories of the Besluit uitwisseling leer- en begeleidingsgegevens."""

    ADMINISTRATIEF = "administratief"
    ONDERWIJSHISTORIE_RESULTATEN = "onderwijshistorie_resultaten"
    SOCIAAL_EMOTIONEEL_GEDRAG = "sociaal_emotioneel_gedrag"
    BEGELEIDING = "begeleiding"
    VERZUIM = "verzuim"


class Element(BaseModel):
    """Base of every model object: strict keys, and a memory of its YAML source.

    The loader attaches the source mapping after validation (:func:`engine.loader.attach_sources`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    _src: Any = PrivateAttr(default=None)

    def location(self, key: str | None = None) -> Location:
        """Where this element (or the value of one of its keys) was written."""
        src = self._src
        if src is None or not hasattr(src, "loc"):
            return Location("<generated>")
        if key is None:
            return src.loc  # type: ignore[no-any-return]
        return src.location_of(key)  # type: ignore[no-any-return]

    def exact_columns(self, key: str) -> bool:
        """Whether offsets inside the text of ``key`` map one-to-one to columns."""
        src = self._src
        return bool(src is not None and hasattr(src, "exact") and key in src.exact)


class Constraint(Element):
    rule: Expression = Field(description="an expression that must be true for a valid answer")
    message: Text = Field(description="shown at the field when the rule is false")


class Choice(Element):
    value: str = Field(description="the stored value (also used in expressions)")
    label: Text
    hint: Text | None = None
    attributes: dict[str, str] = Field(
        default_factory=dict, description="extra data for choice_filter, read as @name"
    )

    @field_validator("value", mode="before")
    @classmethod
    def _value_as_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float):
            return str(value)
        return value

    @field_validator("attributes", mode="before")
    @classmethod
    def _attributes_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: str(v) if isinstance(v, int | float) else v for k, v in value.items()}
        return value


class FieldBase(Element):
    id: str = Field(pattern=ID_PATTERN, description="unique in the form; used in expressions")
    label: Text | None = None
    hint: Text | None = None
    required: bool | Expression = False
    visible_if: Expression | None = None
    enabled_if: Expression | None = None
    hidden: bool = Field(
        default=False, description="never shown and never submitted (used by regional variants)"
    )
    constraints: list[Constraint] = Field(default_factory=list)
    default: Any = None
    default_expression: Expression | None = None
    oso: str | None = Field(default=None, description="OSO 2019.1 element path")
    category: Category | None = None
    generated: Literal["aanmeldcode"] | None = Field(
        default=None,
        description="the runtime fills this field (read-only for people), e.g. the aanmeldcode",
    )


class _TextLike(FieldBase):
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1)
    placeholder: Text | None = None


class TextField(_TextLike):
    type: Literal["text"]


class TextareaField(_TextLike):
    type: Literal["textarea"]
    rows: int = Field(default=5, ge=2, le=40)


class EmailField(FieldBase):
    type: Literal["email"]


class PhoneField(FieldBase):
    type: Literal["phone"]


class PostcodeField(FieldBase):
    type: Literal["postcode"]


class BsnField(FieldBase):
    type: Literal["bsn"]


class OnderwijsnummerField(FieldBase):
    type: Literal["onderwijsnummer"]


class BrinField(FieldBase):
    type: Literal["brin"]


class BrinVestigingField(FieldBase):
    type: Literal["brin_vestiging"]


class IntegerField(FieldBase):
    type: Literal["integer"]
    min: int | None = None
    max: int | None = None
    step: int | None = Field(default=None, ge=1)
    unit: Text | None = None


class DecimalField(FieldBase):
    type: Literal["decimal"]
    min: Decimal | None = None
    max: Decimal | None = None
    step: Decimal | None = Field(default=None, gt=0)
    unit: Text | None = None


class DateField(FieldBase):
    type: Literal["date"]
    min: date | Expression | None = Field(
        default=None, description="earliest date: a date or an expression such as today()"
    )
    max: date | Expression | None = None


class YesNoField(FieldBase):
    type: Literal["yesno"]
    labels: dict[Literal["yes", "no"], Text] | None = None


class _ChoiceBase(FieldBase):
    choices: str | list[Choice] = Field(
        description="the id of a shared choice list, or the choices written out"
    )
    choice_filter: Expression | None = Field(
        default=None, description="keeps the choices for which it is true (cascading choices)"
    )


class ChoiceField(_ChoiceBase):
    type: Literal["choice"]
    appearance: Literal["radios", "select"] = "radios"


class MultiChoiceField(_ChoiceBase):
    type: Literal["multichoice"]
    min_selected: int | None = Field(default=None, ge=0)
    max_selected: int | None = Field(default=None, ge=1)


class FileField(FieldBase):
    type: Literal["file"]
    accept: list[str] = Field(
        default_factory=lambda: ["application/pdf"], description="allowed media types"
    )
    max_size_mb: Decimal = Field(default=Decimal(10), gt=0, le=100)
    multiple: bool = False


class NoteField(Element):
    """Display-only text with simple markup (**bold**, *italic*, [link](https://…), lists)."""

    type: Literal["note"]
    id: str = Field(pattern=ID_PATTERN)
    text: Text
    visible_if: Expression | None = None
    hidden: bool = False
    style: Literal["info", "warning"] = "info"


class CalculatedField(Element):
    """A read-only value computed from other fields."""

    type: Literal["calculated"]
    id: str = Field(pattern=ID_PATTERN)
    label: Text | None = None
    hint: Text | None = None
    calculate: Expression
    visible_if: Expression | None = None
    hidden: bool = False
    oso: str | None = None
    category: Category | None = None
    show: bool = Field(default=True, description="show the value on the page")


class GroupField(Element):
    """A repeatable group: rows of the same fields (a group may hold one more group)."""

    type: Literal["group"]
    id: str = Field(pattern=ID_PATTERN)
    label: Text | None = None
    hint: Text | None = None
    visible_if: Expression | None = None
    hidden: bool = False
    min_rows: int = Field(default=0, ge=0)
    max_rows: int | None = Field(default=None, ge=1)
    add_label: Text | None = None
    oso: str | None = Field(default=None, description="the repeating OSO element of a row")
    category: Category | None = None
    fields: list[AnyField]


AnyField = Annotated[
    TextField
    | TextareaField
    | EmailField
    | PhoneField
    | PostcodeField
    | BsnField
    | OnderwijsnummerField
    | BrinField
    | BrinVestigingField
    | IntegerField
    | DecimalField
    | DateField
    | YesNoField
    | ChoiceField
    | MultiChoiceField
    | FileField
    | NoteField
    | CalculatedField
    | GroupField,
    Field(discriminator="type"),
]

FIELD_TYPES: tuple[str, ...] = (
    "text",
    "textarea",
    "email",
    "phone",
    "postcode",
    "bsn",
    "onderwijsnummer",
    "brin",
    "brin_vestiging",
    "integer",
    "decimal",
    "date",
    "yesno",
    "choice",
    "multichoice",
    "file",
    "note",
    "calculated",
    "group",
)


class Section(Element):
    id: str = Field(pattern=ID_PATTERN)
    title: Text | None = None
    description: Text | None = None
    visible_if: Expression | None = None
    hidden: bool = False
    category: Category | None = Field(
        default=None, description="privacy category for every field of the section"
    )
    fields: list[AnyField]


class Page(Element):
    id: str = Field(pattern=ID_PATTERN)
    title: Text
    visible_if: Expression | None = None
    hidden: bool = False
    sections: list[Section] = Field(min_length=1)


class Migration(Element):
    """How answers of an earlier version carry over to this one."""

    from_version: int = Field(alias="from", ge=1)
    rename: dict[str, str] = Field(default_factory=dict, description="old field id → new id")
    values: dict[str, dict[str, str | None]] = Field(
        default_factory=dict, description="field id → old choice value → new value (or null)"
    )
    drop: list[str] = Field(
        default_factory=list, description="old fields whose answers are knowingly dropped"
    )
    drafts: Literal["move", "finish"] = Field(
        default="move",
        description="move: drafts of that version can carry over to this one; finish: they are "
        "finished on their own version (no answers carry over)",
    )


class FormDefinition(Element):
    id: str = Field(pattern=FORM_ID_PATTERN)
    version: int = Field(ge=1)
    title: Text
    kind: FormKind
    languages: list[Annotated[str, Field(pattern=LANGUAGE_PATTERN)]] = Field(
        default_factory=lambda: ["nl"], min_length=1
    )
    description: Text | None = None
    region: str | None = None
    choices: dict[str, list[Choice]] = Field(default_factory=dict)
    pages: list[Page] = Field(min_length=1)
    migrations: list[Migration] = Field(default_factory=list)
    submit_label: Text | None = None


GroupField.model_rebuild()
Section.model_rebuild()
