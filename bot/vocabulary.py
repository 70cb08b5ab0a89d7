"""The keys of the conversation contract and the everyday words that mean them.

This is the one place the vocabulary lives. The spaCy pipeline, the Rasa lookup tables
and the content loader are all generated from it, so a new synonym is added here only.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

#: Education topics (contract section 3), each with the short label of its button when the
#: assistant offers choices. The one place a topic key is spelled in code: the domain's
#: intents and the rules are generated from it (bot/rasa_files.py).
EDUCATION_TOPIC_LABELS: Dict[str, str] = {
    "what_is_metastasis": "What metastasis means",
    "invasion_vs_metastasis": "Invasion vs spread",
    "how_cancer_spreads": "How cancer spreads",
    "steps_of_metastasis": "The steps of spread",
    "common_sites": "Where cancer spreads",
    "symptoms": "Signs of spread",
    "diagnosis": "How spread is found",
    "treatment": "How it is treated",
    "prevention": "Can spread be prevented?",
    "prognosis": "Outlook",
    "naming": "Why the name stays the same",
    "recurrence": "Cancer coming back",
    "early_spread": "Spread at an early stage",
    "speed": "How fast it spreads",
    "lymph_nodes": "Lymph nodes",
    "complications": "Why spread is serious",
    "microenvironment": "What helps or blocks spread",
    "tumor_differences": "How a spread tumour can differ",
    "multiple_sites": "Spread to several places",
    "propensity": "Which cancers spread most",
    "staging": "Stages and stage 4",
    "unknown_primary": "Unknown starting place",
    "research": "Research and trials",
    "support": "Support and help lines",
    "risk_factors": "What makes spread more likely",
    "when_to_see_doctor": "When to call your care team",
    "contagious": "Can it pass to others?",
}

EDUCATION_TOPICS: List[str] = list(EDUCATION_TOPIC_LABELS)

#: Safety and flow topics (contract section 4).
SAFETY_TOPICS: List[str] = ["emergency", "crisis", "personal_advice", "out_of_scope", "clarify"]

#: Small talk: answered from the content database, but the `topic` slot stays null.
SMALLTALK_KEYS: List[str] = ["greet", "goodbye", "thanks", "bot_identity"]

#: Content that is not an answer of its own: a short note put before an answer, such as
#: "most skin cancers rarely spread" when someone says "skin cancer" (id `cancer_note.<name>`).
NOTE_KEYS: List[str] = ["cancer_note"]

#: Intents the classifier knows: the topics, the safety and small-talk keys, and
#: "follow_up" ("and the liver?"). `clarify` is a reply, never an intent.
INTENTS: List[str] = (EDUCATION_TOPICS + ["follow_up"]
                      + [k for k in SAFETY_TOPICS if k != "clarify"] + SMALLTALK_KEYS)

#: A question about a red-flag sign ("what causes cord compression?") is answered here.
SIGNS_TOPIC = "symptoms"

#: Offered when there is nothing better to suggest (an empty message, say).
DEFAULT_CHOICES: Tuple[str, ...] = ("what_is_metastasis", "symptoms", "treatment")
#: Offered when someone names only a place or cancer ("bones?") with no topic yet.
PLACE_ONLY_CHOICES: Tuple[str, ...] = ("symptoms", "treatment", "diagnosis", "what_is_metastasis")

#: Every key a content entry may carry.
CONTENT_KEYS: List[str] = EDUCATION_TOPICS + SAFETY_TOPICS + SMALLTALK_KEYS + NOTE_KEYS

#: Site keys (contract section 5) with everyday words, typos included. Lowercase.
SITES: Dict[str, List[str]] = {
    "bone": [
        "bone", "bones", "boney", "bony", "spine", "spinal", "backbone", "vertebra",
        "vertebrae", "skeleton", "skeletal", "hip", "hips", "pelvis", "ribs", "rib",
        "skull", "femur", "bone marrow", "bone mets", "bone cancer", "bome", "bons",
    ],
    "liver": [
        "liver", "livers", "hepatic", "liver mets", "liver cancer", "livr", "liever",
    ],
    "lung": [
        "lung", "lungs", "pulmonary", "chest", "lung mets", "lungz", "lungs mets",
    ],
    "brain": [
        "brain", "brains", "cerebral", "brain mets", "brain tumor", "brain tumour",
        "skull base", "brian", "brane",
    ],
    "lymph_nodes": [
        "lymph node", "lymph nodes", "lymph", "lymph gland", "lymph glands", "glands",
        "gland", "nodes", "node", "lymphnodes", "lymphnode", "lymph-nodes", "lipnodes",
        "limph nodes", "lymph nods", "nodal", "armpit", "armpits",
    ],
    "adrenal": ["adrenal", "adrenals", "adrenal gland", "adrenal glands", "adrenel"],
    "peritoneum": [
        "peritoneum", "peritoneal", "belly lining", "lining of the belly",
        "abdominal lining", "lining of the abdomen", "tummy lining", "peritonium",
    ],
    "pleura": [
        "pleura", "pleural", "lining of the lung", "lining of the lungs", "lung lining",
        "pleural effusion", "fluid around the lung", "fluid around the lungs",
    ],
    "skin": ["skin", "skin nodules", "under the skin"],
}

#: "Skin cancer" is not melanoma unless the person says so: most skin cancers (basal and
#: squamous cell) rarely spread. These names map to `other` and carry a note.
SKIN_CANCER_NAMES: List[str] = [
    "skin cancer", "skin cancers", "non melanoma skin cancer", "non-melanoma skin cancer",
    "basal cell carcinoma", "basal cell cancer", "basal cell skin cancer", "bcc",
    "squamous cell skin cancer", "squamous cell carcinoma of the skin", "rodent ulcer",
]

#: Cancer-type keys (contract section 6) with everyday words. Lowercase.
CANCER_TYPES: Dict[str, List[str]] = {
    "breast": ["breast", "breast cancer", "brest", "brest cancer", "breat cancer", "dcis"],
    "colorectal": [
        "colorectal", "colon", "bowel", "rectal", "rectum", "colon cancer",
        "bowel cancer", "rectal cancer", "colorectal cancer", "colrectal", "colan",
    ],
    "lung": [
        "lung cancer", "nsclc", "sclc", "small cell lung cancer",
        "non small cell lung cancer", "non-small cell lung cancer", "lung ca",
        "lung carcinoma",
    ],
    "prostate": ["prostate", "prostate cancer", "prostrate", "prostrate cancer", "prostat"],
    "kidney": ["kidney", "kidney cancer", "renal", "renal cell", "renal cell carcinoma", "kidny"],
    "pancreatic": [
        "pancreatic", "pancreas", "pancreatic cancer", "pancreas cancer", "pancreatic ca",
        "pancreatitic", "pancriatic",
    ],
    "stomach": ["stomach", "stomach cancer", "gastric", "gastric cancer", "stomache"],
    "melanoma": [
        "melanoma", "melanomas", "melanoma skin cancer", "malignant melanoma", "melonoma",
        "melanoma cancer",
    ],
    "bladder": ["bladder", "bladder cancer", "urothelial", "bladdder"],
    "thyroid": ["thyroid", "thyroid cancer", "thyriod"],
    "ovarian": ["ovarian", "ovary", "ovaries", "ovarian cancer", "ovarain"],
    "uterine": [
        "uterine", "uterus", "womb", "endometrial", "endometrium", "uterine cancer",
        "womb cancer",
    ],
    "esophageal": [
        "esophageal", "oesophageal", "esophagus", "oesophagus", "gullet",
        "food pipe", "esophageal cancer", "oesophageal cancer", "esophagal",
    ],
    # A named solid tumour without answers of its own (contract section 6).
    "other": SKIN_CANCER_NAMES,
}

#: The 13 cancer types with answers of their own.
KEYED_CANCER_TYPES: List[str] = [k for k in CANCER_TYPES if k != "other"]

#: Names that carry a note (content id `cancer_note.<group>`) before the answer.
CANCER_NOTES: Dict[str, List[str]] = {
    "skin_cancer": SKIN_CANCER_NAMES,
}

_SPACE = re.compile(r"\s+")


def _norm(word: str) -> str:
    return _SPACE.sub(" ", word.strip().lower())


def _index(table: Dict[str, List[str]]) -> Dict[str, str]:
    index: Dict[str, str] = {}
    for key, words in table.items():
        index[_norm(key)] = key
        index[_norm(key.replace("_", " "))] = key
        for word in words:
            index[_norm(word)] = key
    return index


_SITE_INDEX = _index(SITES)
_TYPE_INDEX = _index(CANCER_TYPES)


def site_key(text: Optional[str]) -> Optional[str]:
    """Map a matched phrase ("bones", "spine") or a key to its site key, else None."""
    return _SITE_INDEX.get(_norm(text)) if text else None


_NOTE_INDEX = _index(CANCER_NOTES)
_NOTE_PHRASES = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(_NOTE_INDEX, key=len, reverse=True)) + r")\b")


def cancer_note_key(text: Optional[str]) -> Optional[str]:
    """The note group of a matched cancer name ("skin cancer" -> skin_cancer), else None."""
    return _NOTE_INDEX.get(_norm(text)) if text else None


def cancer_notes_in(text: str) -> List[str]:
    """Note groups named anywhere in `text`, in order ("can skin cancer spread" -> skin_cancer).

    Read from the text, not the entities: Rasa's synonym mapper has already turned
    "skin cancer" into `other` by the time the action sees it."""
    found = (_NOTE_INDEX[m.group(1)] for m in _NOTE_PHRASES.finditer(_norm(text)))
    return list(dict.fromkeys(found))


def cancer_type_key(text: Optional[str]) -> Optional[str]:
    """Map a matched phrase ("bowel cancer") or a key to its cancer-type key, else None."""
    return _TYPE_INDEX.get(_norm(text)) if text else None
