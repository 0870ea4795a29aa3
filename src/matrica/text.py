"""Folding names for search and sorting across scripts and diacritics.

Serbian, Bosnian, Montenegrin and Macedonian names are written in Cyrillic and in Latin; people
type them without diacritics ("Djordjevic" for "Đorđević"). Folding maps every spelling of a name
to plain lower-case ASCII, so search and sort treat them alike on SQLite and PostgreSQL.
"""

from __future__ import annotations

import unicodedata

# Serbian and Macedonian Cyrillic to the Latin spelling people type without diacritics.
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "dj", "е": "e", "ж": "z", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "c", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "c", "џ": "dz", "ш": "s", "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "ё": "e", "й": "j", "ъ": "",
    "ь": "", "ы": "y", "э": "e", "ю": "ju", "я": "ja", "щ": "sc", "є": "je", "і": "i", "ї": "ji",
}  # fmt: skip
# Latin letters that Unicode decomposition does not reduce to ASCII.
_LATIN = {
    "đ": "dj",
    "ð": "d",
    "ı": "i",
    "ß": "ss",
    "æ": "ae",
    "ø": "o",
    "œ": "oe",
    "ł": "l",
    "þ": "th",
}
_TABLE = str.maketrans({**_CYRILLIC, **_LATIN})


def fold(text: str) -> str:
    """Lower-case ASCII form of `text`: 'Đorđević', 'Djordjević' and 'Ђорђевић' all give
    'djordjevic'; 'İlknur Işık' gives 'ilknur isik'."""
    lowered = text.casefold().translate(_TABLE)
    decomposed = unicodedata.normalize("NFKD", lowered)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(ascii_only.translate(_TABLE).split())


def search_variants(text: str) -> str:
    """Every folded spelling a searcher might type: 'đ' is typed as 'dj' or as 'd'."""
    primary = fold(text)
    short_dj = fold(text.replace("đ", "d").replace("Đ", "D").replace("ђ", "d").replace("Ђ", "D"))
    return primary if short_dj == primary else f"{primary} {short_dj}"


def clean_text(value: str) -> str:
    """One form of every letter (NFC), so that "č" typed on any keyboard is the same "č", and
    no stray spaces around it."""
    return unicodedata.normalize("NFC", value).strip()
