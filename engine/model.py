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
    field_validator,
)

from .errors import Location

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
FORM_ID_PATTERN = r"^[a-z][a-z0-9_-]*$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"
REGION_PATTERN = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
REGION_RULE = (
    "use lower-case letters and digits, words joined by '-' (for example west or noord-holland)"
)

# the languages of a definition (form or procedure): every text is written in each of them
Languages = list[Annotated[str, Field(pattern=LANGUAGE_PATTERN)]]


def languages_field() -> Any:
    """The ``languages`` key of a definition, with its default and its description."""
    return Field(
        default_factory=lambda: ["nl"],
        min_length=1,
        description="the languages every text is written in; the first is the default "
        "(nl: Dutch, en: English)",
    )


Text = str | dict[str, str]
"""Text a person sees: one string, or a map from language code to string."""

Expression = str

# Descriptions shared by the keys that several kinds of item have (shown by editors through the
# JSON Schema, engine/schema.py): written for consultants, with Dutch terms explained.
_ID = (
    "the name of this item: lower-case letters, digits and _; unique in the whole form, "
    "because expressions and regional variants refer to it"
)
_LABEL = "the question or heading a person sees: one text, or one per language {nl: …, en: …}"
_HINT = "a help text shown with the label: one text, or one per language"
_TITLE = "the title a person sees: one text, or one per language {nl: …, en: …}"
_VISIBLE_IF = (
    "an expression: shown only while it is true; what is hidden is not checked, counts as "
    "blank and is not sent"
)
_HIDDEN = (
    "true: never shown and never submitted (a regional variant uses this to drop a question "
    "of its base)"
)
_OSO = (
    "where the value goes in an OSO dossier (OSO: the Dutch standard for sending a pupil's "
    "file to the next school), as a path in OSO 2019.1, e.g. huidigeschool/leerling/achternaam"
)
_CATEGORY = (
    "which of the five legal categories of pupil data this is (Besluit uitwisseling leer- en "
    "begeleidingsgegevens); every value in an onderwijskundig rapport or an "
    "ondersteuningsaanvraag needs one, on the field, its group or its section"
)


class FormKind(StrEnum):
    """Which instrument a form is.

    overstapformulier: a pupil moves to another primary school during the school year;
    onderwijskundig_rapport (OKR): the educational report the current school sends to the new
    one; adviesformulier: advice on where and how to place the pupil; aanmeldformulier: parents
    register their child at a school; ondersteuningsaanvraag: a school's request to the
    samenwerkingsverband (SWV) for support for a pupil (consultation, extra support, an
    arrangement, a TLV, a case discussion); custom: any other form.
    """

    OVERSTAPFORMULIER = "overstapformulier"
    ONDERWIJSKUNDIG_RAPPORT = "onderwijskundig_rapport"
    ADVIESFORMULIER = "adviesformulier"
    AANMELDFORMULIER = "aanmeldformulier"
    ONDERSTEUNINGSAANVRAAG = "ondersteuningsaanvraag"
    CUSTOM = "custom"


class Category(StrEnum):
    """The five categories of the Besluit uitwisseling leer- en begeleidingsgegevens.

    administratief: who the pupil is and where they go to school; onderwijshistorie_resultaten:
    school career, tests and results; sociaal_emotioneel_gedrag: social and emotional
    development and behaviour; begeleiding: support and guidance; verzuim: absence.
    """

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

    # The source mapping is kept where pydantic keeps private attributes, but not declared as
    # one: a declared private attribute costs a Python call (``model_post_init``) for every
    # element validated, and a definition has thousands.
    @property
    def _src(self) -> Any:
        private = self.__pydantic_private__
        return None if private is None else private.get("_src")

    @_src.setter
    def _src(self, source: Any) -> None:
        object.__setattr__(self, "__pydantic_private__", {"_src": source})

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
    rule: Expression = Field(
        description="an expression that must be true for a valid answer, e.g. len(uitleg) >= 20"
    )
    message: Text = Field(
        description="shown at the field when the rule is false: one text, or one per language"
    )


class Choice(Element):
    value: str = Field(
        description="what is stored and what expressions compare with (always text), e.g. anders"
    )
    label: Text = Field(description="the text a person sees for this choice")
    hint: Text | None = Field(default=None, description="a help text shown with the choice")
    attributes: dict[str, str] = Field(
        default_factory=dict,
        description="extra data of the choice, read as @name in a choice_filter "
        "(e.g. {provincie: gr} for cascading lists)",
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
    id: str = Field(pattern=ID_PATTERN, description=_ID)
    label: Text | None = Field(default=None, description=_LABEL)
    hint: Text | None = Field(default=None, description=_HINT)
    required: bool | Expression = Field(
        default=False,
        description="true, or an expression: the question must be answered (while it is true)",
    )
    visible_if: Expression | None = Field(default=None, description=_VISIBLE_IF)
    enabled_if: Expression | None = Field(
        default=None,
        description="an expression: while it is false the answer is shown read-only "
        "(not editable, not required, not checked)",
    )
    hidden: bool = Field(default=False, description=_HIDDEN)
    constraints: list[Constraint] = Field(
        default_factory=list,
        description="rules the answer must keep, each with the message shown when it is broken",
    )
    default: Any = Field(default=None, description="the answer filled in before anyone answers")
    default_expression: Expression | None = Field(
        default=None,
        description="an expression that computes the answer filled in before anyone answers, "
        "e.g. add_days(today(), 14)",
    )
    oso: str | None = Field(default=None, description=_OSO)
    category: Category | None = Field(default=None, description=_CATEGORY)
    generated: Literal["aanmeldcode"] | None = Field(
        default=None,
        description="aanmeldcode: POPO makes the value (the code parents get when they "
        "register their child) and people see it read-only",
    )


class _TextLike(FieldBase):
    min_length: int | None = Field(
        default=None, ge=0, description="the fewest characters an answer may have"
    )
    max_length: int | None = Field(
        default=None, ge=1, description="the most characters an answer may have"
    )
    placeholder: Text | None = Field(
        default=None, description="an example shown in the empty box (it is not an answer)"
    )


class TextField(_TextLike):
    type: Literal["text"] = Field(description="text: one line of text")


class TextareaField(_TextLike):
    type: Literal["textarea"] = Field(description="textarea: text of several lines")
    rows: int = Field(default=5, ge=2, le=40, description="the height of the box, in lines")


class EmailField(FieldBase):
    type: Literal["email"] = Field(description="email: an e-mail address (name@domain.tld)")


class PhoneField(FieldBase):
    type: Literal["phone"] = Field(
        description="phone: a Dutch telephone number, stored as 10 digits "
        "(+31 and 0031 are accepted)"
    )


class PostcodeField(FieldBase):
    type: Literal["postcode"] = Field(description="postcode: a Dutch postcode, stored as 1234 AB")


class BsnField(FieldBase):
    type: Literal["bsn"] = Field(
        description="bsn: the burgerservicenummer (Dutch citizen service number), "
        "9 digits that pass the 11-test"
    )


class OnderwijsnummerField(FieldBase):
    type: Literal["onderwijsnummer"] = Field(
        description="onderwijsnummer: the education number a pupil without a BSN gets, "
        "9 digits starting with 10"
    )


class BrinField(FieldBase):
    type: Literal["brin"] = Field(
        description="brin: a school's BRIN number (its code at DUO, the Dutch education agency): "
        "2 digits and 2 letters, like 12AB"
    )


class BrinVestigingField(FieldBase):
    type: Literal["brin_vestiging"] = Field(
        description="brin_vestiging: a school location: the BRIN and a 2-digit location code, "
        "like 12AB00"
    )


class IntegerField(FieldBase):
    type: Literal["integer"] = Field(description="integer: a whole number")
    min: int | None = Field(default=None, description="the smallest number allowed")
    max: int | None = Field(default=None, description="the largest number allowed")
    step: int | None = Field(default=None, ge=1, description="only multiples of this are allowed")
    unit: Text | None = Field(default=None, description="shown after the box, e.g. weken (weeks)")


class DecimalField(FieldBase):
    type: Literal["decimal"] = Field(
        description="decimal: a number with decimals (a comma is accepted: 7,5)"
    )
    min: Decimal | None = Field(default=None, description="the smallest number allowed")
    max: Decimal | None = Field(default=None, description="the largest number allowed")
    step: Decimal | None = Field(
        default=None, gt=0, description="only multiples of this are allowed, e.g. 0.5"
    )
    unit: Text | None = Field(default=None, description="shown after the box, e.g. uur (hours)")


class DateField(FieldBase):
    type: Literal["date"] = Field(
        description="date: a date (31-01-2027 and 2027-01-31 are accepted)"
    )
    min: date | Expression | None = Field(
        default=None, description="the earliest date allowed: a date or an expression, e.g. today()"
    )
    max: date | Expression | None = Field(
        default=None,
        description="the latest date allowed: a date or an expression, e.g. add_days(today(), 90)",
    )


class YesNoField(FieldBase):
    type: Literal["yesno"] = Field(
        description="yesno: a yes or no question (the answer is true or false)"
    )
    labels: dict[Literal["yes", "no"], Text] | None = Field(
        default=None, description="other texts for the two answers than Ja/Nee: {yes: …, no: …}"
    )


class _ChoiceBase(FieldBase):
    choices: str | list[Choice] = Field(
        description="the id of a shared choice list (under choices: at the top of the form), "
        "or the choices written out here"
    )
    choice_filter: Expression | None = Field(
        default=None,
        description="an expression per choice: only the choices for which it is true are "
        "offered; @name reads an attribute of the choice, e.g. @provincie == provincie",
    )


class ChoiceField(_ChoiceBase):
    type: Literal["choice"] = Field(description="choice: one answer from a list of choices")
    appearance: Literal["radios", "select"] = Field(
        default="radios",
        description="radios: every choice shown with a round button; select: a drop-down list "
        "(better for long lists)",
    )


class MultiChoiceField(_ChoiceBase):
    type: Literal["multichoice"] = Field(
        description="multichoice: any number of answers from a list of choices"
    )
    min_selected: int | None = Field(
        default=None, ge=0, description="the fewest choices a person must tick"
    )
    max_selected: int | None = Field(
        default=None, ge=1, description="the most choices a person may tick"
    )


class FileField(FieldBase):
    type: Literal["file"] = Field(description="file: an uploaded file, such as a report")
    accept: list[str] = Field(
        default_factory=lambda: ["application/pdf"],
        description="the file types a person may upload, as media types (PDF: application/pdf); "
        "POPO checks the type from the file's content, not its name",
    )
    max_size_mb: Decimal = Field(
        default=Decimal(10),
        gt=0,
        le=100,
        description="the largest file allowed, in MB (at most 100)",
    )
    multiple: bool = Field(default=False, description="true: more than one file may be added")


class NoteField(Element):
    """Display-only text with simple markup (**bold**, *italic*, [link](https://…), lists)."""

    type: Literal["note"] = Field(description="note: a text shown on the page; it asks nothing")
    id: str = Field(pattern=ID_PATTERN, description=_ID)
    text: Text = Field(
        description="the text shown, with simple markup: **bold**, *italic*, "
        "[link](https://…), lines starting with - make a list"
    )
    visible_if: Expression | None = Field(default=None, description=_VISIBLE_IF)
    hidden: bool = Field(default=False, description=_HIDDEN)
    style: Literal["info", "warning"] = Field(
        default="info",
        description="info: a quiet box with information; warning: a box that draws attention",
    )


class CalculatedField(Element):
    """A read-only value computed from other fields."""

    type: Literal["calculated"] = Field(
        description="calculated: a value computed from other answers, shown read-only"
    )
    id: str = Field(pattern=ID_PATTERN, description=_ID)
    label: Text | None = Field(default=None, description=_LABEL)
    hint: Text | None = Field(default=None, description=_HINT)
    calculate: Expression = Field(
        description="the expression that computes the value, e.g. age(geboortedatum)"
    )
    visible_if: Expression | None = Field(default=None, description=_VISIBLE_IF)
    hidden: bool = Field(default=False, description=_HIDDEN)
    oso: str | None = Field(default=None, description=_OSO)
    category: Category | None = Field(default=None, description=_CATEGORY)
    show: bool = Field(
        default=True,
        description="false: the value is only used in other expressions, not shown on the page",
    )


class GroupField(Element):
    """A repeatable group: rows of the same fields (a group may hold one more group)."""

    type: Literal["group"] = Field(
        description="group: rows of the same questions, such as one row per test result"
    )
    id: str = Field(pattern=ID_PATTERN, description=_ID)
    label: Text | None = Field(default=None, description=_LABEL)
    hint: Text | None = Field(default=None, description=_HINT)
    visible_if: Expression | None = Field(default=None, description=_VISIBLE_IF)
    hidden: bool = Field(default=False, description=_HIDDEN)
    min_rows: int = Field(default=0, ge=0, description="the fewest rows a person must add")
    max_rows: int | None = Field(default=None, ge=1, description="the most rows a person may add")
    add_label: Text | None = Field(
        default=None, description="the text of the button that adds a row, e.g. Toets toevoegen"
    )
    oso: str | None = Field(
        default=None,
        description="the repeating OSO element one row goes to; the paths of the row's fields "
        "are relative to it",
    )
    category: Category | None = Field(default=None, description=_CATEGORY)
    fields: list[AnyField] = Field(description="the questions of each row")


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
    """A part of a page with a title of its own and its questions."""

    id: str = Field(pattern=ID_PATTERN, description=_ID)
    title: Text | None = Field(default=None, description=_TITLE)
    description: Text | None = Field(
        default=None, description="a text shown under the section's title"
    )
    visible_if: Expression | None = Field(default=None, description=_VISIBLE_IF)
    hidden: bool = Field(default=False, description=_HIDDEN)
    category: Category | None = Field(
        default=None,
        description="the privacy category of every field of the section that has none itself "
        "(Besluit uitwisseling leer- en begeleidingsgegevens)",
    )
    fields: list[AnyField] = Field(description="the questions and texts of the section, in order")


class Page(Element):
    """One step of the form: people fill it in page by page."""

    id: str = Field(pattern=ID_PATTERN, description=_ID)
    title: Text = Field(description="the page's title, also shown in the list of steps")
    visible_if: Expression | None = Field(default=None, description=_VISIBLE_IF)
    hidden: bool = Field(default=False, description=_HIDDEN)
    sections: list[Section] = Field(
        min_length=1, description="the sections of the page, in order (at least one)"
    )


class Migration(Element):
    """How answers of an earlier version carry over to this one."""

    from_version: int = Field(
        alias="from", ge=1, description="the earlier version whose answers carry over"
    )
    rename: dict[str, str] = Field(
        default_factory=dict,
        description="renamed questions: old field id → new field id (the answer moves along)",
    )
    values: dict[str, dict[str, str | None]] = Field(
        default_factory=dict,
        description="changed choices: field id → old choice value → new value (null: the answer "
        "is dropped)",
    )
    drop: list[str] = Field(
        default_factory=list,
        description="old questions whose answers are knowingly left behind",
    )
    drafts: Literal["move", "finish"] = Field(
        default="move",
        description="move: drafts of that version can carry over to this one; finish: they are "
        "finished on their own version (no answers carry over)",
    )


class FormDefinition(Element):
    """A form: its pages, sections and questions, and the rules between them."""

    id: str = Field(
        pattern=FORM_ID_PATTERN,
        description="the form's name: lower-case letters, digits, _ and -; a regional variant "
        "adds its region, e.g. overstapformulier-noord",
    )
    version: int = Field(
        ge=1,
        description="a whole number from 1; a published version never changes, so a change "
        "needs a new version",
    )
    title: Text = Field(description=_TITLE)
    kind: FormKind = Field(
        description="which instrument this is: overstapformulier (transfer to another primary "
        "school), onderwijskundig_rapport (the educational report for the new school), "
        "adviesformulier (advice on placement), aanmeldformulier (parents register their "
        "child), ondersteuningsaanvraag (a school's request to the samenwerkingsverband for "
        "support for a pupil) or custom"
    )
    languages: Languages = languages_field()
    description: Text | None = Field(
        default=None, description="a short explanation shown above the form"
    )
    region: str | None = Field(
        default=None,
        pattern=REGION_PATTERN,
        description="the region whose variant this is, in lower case (e.g. noord); base forms "
        "have none",
    )
    choices: dict[str, list[Choice]] = Field(
        default_factory=dict,
        description="shared choice lists: a list id with its choices; a choice field names the id",
    )
    pages: list[Page] = Field(min_length=1, description="the pages of the form, in order")
    migrations: list[Migration] = Field(
        default_factory=list,
        description="how answers given on an earlier version carry over to this one",
    )
    submit_label: Text | None = Field(
        default=None, description="the text of the button that sends the form"
    )


GroupField.model_rebuild()
Section.model_rebuild()
