"""Read sites and cancer types from a message: where the cancer went versus where it started.

"Lung cancer" names where a cancer started (cancer type); "lung metastases", "mets in the
lung", "spread to her lungs" and "secondary lung cancer" name where it went (site). The
words come from `bot.vocabulary`; this module only reads the phrase around them:
- an organ cancer ("liver cancer", "bone cancer", "brain tumour") is a cancer type, unless
  it is called secondary, or another cancer is named as the start ("breast cancer that is
  now in the liver, is it liver cancer?"), or the same organ is also named as a place the
  cancer went to ("spread to her bones, so is it bone cancer?");
- a cancer word used as a place with no cancer after it ("spread to the kidney") is not a
  cancer type (and not a site key either);
- an unknown "<word> cancer" is cancer type `other`, without a name (user text is never
  echoed back).
Pure functions, so the Rasa component and the evaluation share them and unit tests need
no model.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from bot import vocabulary

_CANCER_WORD = r"(?:cancers?|cancr|carcinomas?|tumou?rs?|ca)"
_ORGAN_CANCER = re.compile(r"^(?:primary\s+)?(.+?)\s+" + _CANCER_WORD + r"$")
#: Words before an organ cancer that make it the place the cancer went to.
_SECONDARY_BEFORE = re.compile(r"(?:secondary|secondaries|metastatic|metastasi[sz]ed|mets|"
                               r"spread|spreading)[\s-]+(?:\w+[\s-]+)?$")
#: For lung, "metastatic lung cancer" is lung cancer that has spread: only these count.
_SECONDARY_BEFORE_STRICT = re.compile(r"(?:secondary|secondaries)[\s-]+$")
#: A cancer word used as a place: "spread to the kidney", "in her ovaries".
_PLACE_BEFORE = re.compile(r"(?:to|into|in|reached|near|around|through)\s+"
                           r"(?:the|her|his|my|their|your|our|both|a)?\s*$")
#: ...unless it says where the cancer started: "it started in her colon", "a tumour in the colon",
#: "cancer in the food pipe".
_ORIGIN_BEFORE = re.compile(r"(?:start|started|starts|began|begun|begin|originated|came|come|"
                            r"comes|primary|from|tumou?rs?|growths?|cancer)\s+(?:\w+\s+)?(?:in|from|at)?\s*"
                            r"(?:the|her|his|my|their|your|our)?\s*$")
#: A site word said as where the cancer began: "it started in her lung" (but not a bare
#: "from the lungs", which reads as either). Only for sites that are also keyed cancer
#: types: "started in the liver" stays the liver (the question is usually about spread there).
_STARTED_BEFORE = re.compile(r"(?:start|started|starts|began|begun|begin|originated|"
                             r"originally|first)\s+(?:\w+\s+)?(?:in|at)\s+"
                             r"(?:the|her|his|my|their|your|our)?\s*$")
#: "Fluid around my dad's lung": the lining, not the lung.
_AROUND_BEFORE = re.compile(r"\b(?:fluid|water|liquid|lining)\s+(?:\w+\s+){0,3}(?:a)?round\s+"
                            r"(?:(?:the|her|his|my|their|your|our|left|right|both|\w+'?s)\s+){0,3}$")
#: Site words that are common in symptom talk: a site only when said as a place.
_ONLY_AS_A_PLACE = frozenset({"skin"})
#: "melanoma spread skin bumps": a search where "spread" says the word after it is a place.
_SPREAD_BEFORE = re.compile(r"\b(?:spread|spreading|mets|metastases|metastasis)\s+$")
_SPREAD_AFTER = re.compile(r"[\s-]*(?:mets|metasta|secondar|nodules?|lumps?|deposits?|lesions?|"
                           r"spread|involvement)")
_GENERIC = re.compile(r"(?<![\w'])([a-z]{3,})[\s-]+(?:cancers?|carcinomas?|tumou?rs?)(?![\w'])")
#: A body part before "cancer" ("urethral cancer", "heart cancer") names a cancer type...
_BODY_WORD = re.compile(r"(?:al|ar|ary|ic|ine|oid|ian|eal|ous|ial|ary|ae|us|um|ix|x)$")
_BODY_PARTS = frozenset("""
heart spleen nose ear eye eyes tube tubes tonsil tonsils appendix thymus urethra penis vagina
vulva anus gum gums lip lips jaw sinus sinuses throat neck head marrow muscle nerve nerves
nail foot hand leg arm tongue mouth cheek palate bile duct gall gland tear windpipe voice box
pituitary parathyroid pineal tear duodenum ileum jejunum chest belly tummy scalp face back
""".split())
#: ...and so does a single word ending in -oma ("ependymoma"), unless it is not a cancer.
_OMA = re.compile(r"(?<![\w'])([a-z]{4,}omas?)(?![\w'])")
_NOT_A_CANCER = frozenset("""
stoma stomas coma comas glaucoma diploma aroma trachoma granuloma granulomas atheroma xanthoma
angioma angiomas haemangioma hemangioma lipoma lipomas fibroma fibromas myoma myomas adenoma
adenomas papilloma papillomas osteoma neuroma neuromas haematoma hematoma haematomas hematomas
chloasma asthma sarcoma sarcomas carcinoma carcinomas lymphoma lymphomas melanoma melanomas
myeloma myelomas condyloma scleroderma
""".split())
_GENERIC_STOP = frozenset("""
the my his her their your our this that what which any all some other another primary
secondary metastatic metastasized metastasised advanced early late stage aggressive terminal
invasive recurrent new second first same spread spreading real actual bad slow fast growing
common rare rarest main original mums dads wifes husbands friends sisters brothers mothers
fathers has have had was its from for about and with cure treat treating beat beating fight
fighting having get got getting became become becomes becoming called call true active
remaining residual visible old distant local localised localized regional untreatable
incurable curable treatable deadly dangerous worst worse kind kinds type types sort sorts
form forms cause causes prevent childhood adult womens mens hereditary inherited genetic
familial hormone hormonal triple negative positive receptor oestrogen estrogen her2 brca hpv
smoking smokers benign malignant most many few every each one two both these those such like
than then she they you dying die died living live without after before during while because
since solid hidden dormant small large big tiny growing grown known unknown diagnosed
untreated treated operable inoperable another cancerous original nodal node lymph blood
stage4 stage3 stage2 stage1 iv iii four three two one final end late not mean means meaning
""".split())


@dataclass(frozen=True)
class Mention:
    """One site or cancer type read from the text (value is a contract key)."""

    entity: str  # "site" or "cancer_type"
    value: str
    start: int
    end: int
    name: Optional[str] = None  # the vocabulary's name of an `other` or `blood` cancer
    organ: Optional[str] = None  # "bone cancer": the site key of the organ it names


@dataclass(frozen=True)
class _Phrase:
    entity: str
    value: str
    name: Optional[str]
    organ: Optional[str]  # for "<organ> cancer": the site key of the organ
    is_cancer_phrase: bool  # ends in cancer/tumour/carcinoma (not a bare organ word)


def _norm(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase.strip().lower())


@lru_cache(maxsize=1)
def _table() -> Tuple[Dict[str, _Phrase], "re.Pattern[str]"]:
    """Every phrase of the vocabulary with what it means, and one longest-first regex."""
    names: Dict[str, Tuple[str, Optional[str]]] = {}
    for name, words in vocabulary.OTHER_CANCERS.items():
        names.update({_norm(w): ("other", name) for w in words})
    names.update({_norm(w): ("other", "skin cancer") for w in vocabulary.SKIN_CANCER_NAMES})
    for name, words in vocabulary.BLOOD_CANCERS.items():
        names.update({_norm(w): ("blood", name) for w in words})
    table: Dict[str, _Phrase] = {}
    for key, words in vocabulary.SITES.items():
        for w in [key.replace("_", " "), *words]:
            table[_norm(w)] = _Phrase("site", key, None, None, False)
    for key, words in vocabulary.CANCER_TYPES.items():
        for w in [key.replace("_", " "), *words] if key not in ("other", "blood") else words:
            phrase = _norm(w)
            organ_match = _ORGAN_CANCER.match(phrase)
            organ = vocabulary.site_key(organ_match.group(1)) if organ_match else None
            is_cancer = bool(re.search(_CANCER_WORD + r"$", phrase)) or key in ("other", "blood")
            cancer_name = names.get(phrase, (key, None))[1]
            if not is_cancer and phrase in table:
                continue  # a bare organ word ("lung") is a place; "lung cancer" is the type
            table[phrase] = _Phrase("cancer_type", key, cancer_name, organ, is_cancer)
    ordered = sorted(table, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"[\s-]+") for p in ordered)
    return table, re.compile(r"(?<![\w])(" + body + r")(?![\w])")


def _lookup(table: Dict[str, _Phrase], matched: str) -> Optional[_Phrase]:
    return table.get(_norm(re.sub(r"[\s-]+", " ", matched))) or table.get(_norm(matched))


#: How close an unknown "-oma" word must be to a known one to be read as it (difflib ratio):
#: "melenoma" (0.88) is melanoma; "ependymoma" is not close to any and stays `other`.
MISSPELLING_CUTOFF = 0.85


def _misspelt_oma(table: Dict[str, _Phrase], word: str) -> Optional[_Phrase]:
    """The vocabulary's "-oma" cancer that an unknown word is a typo of, else None."""
    known = [p for p, phrase in table.items() if phrase.entity == "cancer_type"
             and " " not in p and p.endswith(("oma", "omas"))]
    close = difflib.get_close_matches(word, known, n=1, cutoff=MISSPELLING_CUTOFF)
    return table[close[0]] if close else None


def read(text: str) -> List[Mention]:
    """Sites and cancer types in `text`, in order of appearance."""
    table, pattern = _table()
    low = text.lower()
    found: List[Tuple[_Phrase, int, int]] = []
    for m in pattern.finditer(low):
        phrase = _lookup(table, m.group(1))
        if phrase is not None:
            found.append((phrase, m.start(1), m.end(1)))
    site_values = {p.value for p, _, _ in found if p.entity == "site"}
    mentions: List[Mention] = []
    for phrase, start, end in found:
        before = low[max(0, start - 40):start]
        if phrase.entity == "cancer_type" and phrase.organ is not None:
            strict = phrase.value in vocabulary.KEYED_CANCER_TYPES  # "metastatic lung cancer"
            secondary = (_SECONDARY_BEFORE_STRICT if strict else _SECONDARY_BEFORE).search(before)
            started_elsewhere = any(
                p.entity == "cancer_type" and p.value != phrase.value and p.organ != phrase.organ
                and (p.organ is None or p.value in vocabulary.KEYED_CANCER_TYPES)
                for p, _, _ in found)
            same_organ_as_site = (not strict and phrase.organ in site_values
                                  and not low[start:end].startswith("primary"))
            if phrase.organ == "skin" and any(p.value == "melanoma" for p, _, _ in found):
                continue  # "skin cancer, the mole kind": melanoma is the skin cancer meant
            if secondary or started_elsewhere or same_organ_as_site:
                mentions.append(Mention("site", phrase.organ, start, end))
                continue
        if (phrase.entity == "site" and phrase.value in vocabulary.KEYED_CANCER_TYPES
                and _STARTED_BEFORE.search(before)):  # "started in her lung": the cancer type
            mentions.append(Mention("cancer_type", phrase.value, start, end))
            continue
        if (phrase.entity == "site" and phrase.value == "lung"
                and _AROUND_BEFORE.search(low[max(0, start - 80):start])):
            mentions.append(Mention("site", "pleura", start, end))  # "fluid around dad's lung"
            continue
        if phrase.entity == "site" and phrase.value in _ONLY_AS_A_PLACE and not (
                _PLACE_BEFORE.search(before) or _SPREAD_BEFORE.search(before)
                or _SPREAD_AFTER.match(low[end:end + 30])):
            continue  # "yellow skin" is a symptom; "spread to the skin" is a site
        if (phrase.entity == "cancer_type" and not phrase.is_cancer_phrase
                and _PLACE_BEFORE.search(before) and not _ORIGIN_BEFORE.search(before)):
            continue  # "spread to the kidney": a place, and not one of the site keys
        mentions.append(Mention(phrase.entity, phrase.value, start, end, phrase.name, phrase.organ))
    taken = [(m.start, m.end) for m in mentions]
    for m in [*_GENERIC.finditer(low), *_OMA.finditer(low)]:
        word = m.group(1)
        if word in _GENERIC_STOP or word in _NOT_A_CANCER or vocabulary.site_key(word):
            continue
        if m.re is _GENERIC and not (_BODY_WORD.search(word) or word in _BODY_PARTS):
            continue  # "can cancer", "found cancer": a verb, not a body part
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        taken.append((m.start(), m.end()))
        known = _misspelt_oma(table, word) if m.re is _OMA else None
        if known is not None:  # "melenoma" is melanoma, not an unknown cancer
            mentions.append(Mention(known.entity, known.value, m.start(), m.end(), known.name,
                                    known.organ))
            continue
        mentions.append(Mention("cancer_type", "other", m.start(), m.end()))
    return sorted(mentions, key=lambda x: x.start)


def keys(text: str, entity: str) -> Tuple[str, ...]:
    """The distinct keys of one entity in `text`, in order."""
    return tuple(dict.fromkeys(m.value for m in read(text) if m.entity == entity))


def cancer_name(text: str) -> Optional[str]:
    """The vocabulary's name of the first `other` or `blood` cancer named ("sarcoma")."""
    return next((m.name for m in read(text) if m.entity == "cancer_type" and m.name), None)
