"""How a practice or PCN name is written on screen: the registers give them in capitals ("DR AA ANSARI'S
PRACTICE", "BARNET 4 PCN"), and Python's str.title() mangles them ("Dr Aa Ansari'S Practice").

`display_name` is the one casing rule, used by the search labels, panels, maps, tables and briefings:
words in title case, with acronyms (PCN, NHS, GP, words without a vowel such as CLCH) and initials
("AA") kept in capitals; small joining words in lower case after the first word;
Mc/Mac/O' names as people write them (McDonald, MacKenzie, O'Riordan); a possessive 's in lower case.
A name already written in mixed case is left as it is.
"""
from __future__ import annotations

import re

import pandas as pd

ACRONYMS = frozenset({"PCN", "NHS", "GP", "GPS", "UK", "CCG", "ICB", "OOH", "PMS", "APMS", "GMS", "CIC", "HMP",
                      "UCC", "WIC", "ENT", "ADHD", "DMC", "SWL", "NWL", "NEL", "SEL", "NCL", "PELC", "IUC", "CAS",
                      "HIV", "IAPT", "PCT", "LLP", "MH"})
TITLED = frozenset({"DR", "DRS", "ST", "MR", "MRS", "MS", "RD", "CTR", "LTD", "MT"})
SMALL_WORDS = frozenset({"and", "of", "the", "at", "in", "for", "to", "on", "with", "by", "upon", "de", "la"})
TWO_LETTER_WORDS = frozenset({"OF", "AT", "IN", "ON", "TO", "BY", "UP", "MY", "DE", "LA", "LE", "OX", "GO", "NO", "SO",
                              "WE", "HE", "IT", "IS", "AN", "AS", "OR", "BE", "DO", "US"}) | TITLED
VOWELS = set("AEIOUY")
MAC_NEXT = set("DGKLMNP")  # MacDonald, MacGregor, MacKenzie, MacLeod, MacMillan, MacNeil, MacPherson
WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?'?")


def _word(word: str, first: bool) -> str:
    """One run of letters (with an apostrophe inside or at the end), from capitals to display case."""
    letters = word.replace("'", "")
    if letters in ACRONYMS or (letters not in TITLED and (
            not VOWELS & set(letters) or (len(letters) == 2 and letters not in TWO_LETTER_WORDS))):
        return word
    lower = word.lower()
    if lower in SMALL_WORDS and not first:
        return lower
    if "'" in word:
        head, _, tail = word.partition("'")
        if tail in ("S", ""):  # ANSARI'S, JAMES'
            return _word(head, first) + "'" + tail.lower()
        return head.capitalize() + "'" + tail.capitalize()  # O'RIORDAN, D'SOUZA
    if lower.startswith("mc") and len(lower) > 3:
        return "Mc" + lower[2:].capitalize()
    if lower.startswith("mac") and len(lower) > 5 and word[3] in MAC_NEXT:
        return "Mac" + lower[3:].capitalize()
    return lower.capitalize()


def display_name(name) -> str | None:
    """A register name as people write it (see the module note); missing stays missing."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return None
    text = str(name).strip()
    if any(c.islower() for c in text):
        return text
    pieces, first = [], True
    for token in re.split(r"(\s+)", text):
        out, at = [], 0
        for match in WORD.finditer(token):
            out.append(token[at:match.start()])
            out.append(_word(match.group(), first))
            first, at = False, match.end()
        out.append(token[at:])
        pieces.append("".join(out))
    return "".join(pieces)


def display_names(names: pd.Series) -> pd.Series:
    """`display_name` over a Series (each distinct name cased once)."""
    distinct = pd.unique(names.dropna())
    return names.map(dict(zip(distinct, map(display_name, distinct), strict=True)))
