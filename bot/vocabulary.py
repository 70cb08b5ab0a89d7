"""The keys of the conversation contract and the everyday words that mean them.

This is the one place the vocabulary lives. The spaCy pipeline, the Rasa lookup tables
and the content loader are all generated from it, so a new synonym is added here only.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional, Tuple

#: Education topics (contract section 3).
EDUCATION_TOPICS: List[str] = [
    "what_is_metastasis",
    "invasion_vs_metastasis",
    "how_cancer_spreads",
    "steps_of_metastasis",
    "common_sites",
    "symptoms",
    "diagnosis",
    "treatment",
    "prevention",
    "prognosis",
    "naming",
    "recurrence",
    "early_spread",
    "speed",
    "lymph_nodes",
    "complications",
    "microenvironment",
    "tumor_differences",
    "multiple_sites",
    "propensity",
    "staging",
    "unknown_primary",
    "research",
    "support",
    "risk_factors",
    "when_to_see_doctor",
    "contagious",
]

#: Safety and flow topics (contract section 4).
SAFETY_TOPICS: List[str] = ["emergency", "crisis", "personal_advice", "out_of_scope", "clarify"]

#: Small talk: answered from the content database, but the `topic` slot stays null.
SMALLTALK_KEYS: List[str] = ["greet", "goodbye", "thanks", "bot_identity"]

#: Content that is not an answer of its own: a short note put before an answer, such as
#: "most skin cancers rarely spread" when someone says "skin cancer" (id `cancer_note.<name>`).
NOTE_KEYS: List[str] = ["cancer_note"]

#: Every key a content entry may carry.
CONTENT_KEYS: List[str] = EDUCATION_TOPICS + SAFETY_TOPICS + SMALLTALK_KEYS + NOTE_KEYS

#: Site keys (contract section 5) with everyday words, typos included. Lowercase.
SITES: Dict[str, List[str]] = {
    "bone": [
        "bone", "bones", "boney", "bony", "spine", "spinal", "backbone", "vertebra",
        "vertebrae", "skeleton", "skeletal", "hip", "hips", "pelvis", "ribs", "rib",
        "skull", "femur", "bone mets", "bome", "bons", "bone lesions",
    ],
    "liver": [
        "liver", "livers", "hepatic", "liver mets", "livr", "liever", "liver lesions",
    ],
    "lung": [
        "lung", "lungs", "pulmonary", "chest", "lung mets", "lungz", "lungs mets",
    ],
    "brain": [
        "brain", "brains", "cerebral", "brain mets", "skull base", "brian", "brane",
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
        "fluid around his lung", "fluid around her lung", "fluid around my lung",
        "fluid around his lungs", "fluid around her lungs", "fluid around my lungs",
        "fluid on the lung", "fluid on the lungs", "fluid on his lung", "fluid on her lung",
        "water on the lung", "water on the lungs", "pleural effusions", "plural effusion",
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

#: Solid tumours without answers of their own (cancer type `other`), after NCI's list of
#: cancer types (https://www.cancer.gov/types), with everyday names and common misspellings.
#: The key is the name a reply may use ("I don't have answers written for sarcoma").
OTHER_CANCERS: Dict[str, List[str]] = {
    "adrenal cancer": ["adrenal cancer", "adrenocortical carcinoma", "adrenocortical cancer",
                       "adrenal carcinoma", "phaeochromocytoma", "pheochromocytoma"],
    "anal cancer": ["anal cancer", "anal canal cancer", "cancer of the anus"],
    "appendix cancer": ["appendix cancer", "appendiceal cancer", "pseudomyxoma peritonei",
                        "pseudomyxoma"],
    "bile duct cancer": ["bile duct cancer", "cholangiocarcinoma", "cholangio carcinoma",
                         "cholangiocarcinomma", "biliary cancer"],
    "bone cancer": ["primary bone cancer", "bone cancer", "osteosarcoma", "osteo sarcoma",
                    "ewing sarcoma", "ewings sarcoma", "ewing's sarcoma", "chondrosarcoma",
                    "chordoma"],
    "brain tumour": ["primary brain tumour", "primary brain tumor", "brain tumour", "brain tumor",
                     "brain tumours", "brain tumors", "brain cancer", "glioblastoma",
                     "glioblastoma multiforme", "gbm", "glioma", "gliomas", "astrocytoma",
                     "oligodendroglioma", "ependymoma", "medulloblastoma", "meningioma",
                     "spinal cord tumour", "spinal cord tumor"],
    "cervical cancer": ["cervical cancer", "cancer of the cervix", "cervix cancer", "cervix",
                        "cervical cancr", "cervicle cancer"],
    "eye cancer": ["eye cancer", "ocular melanoma", "uveal melanoma", "eye melanoma",
                   "retinoblastoma"],
    "gallbladder cancer": ["gallbladder cancer", "gall bladder cancer"],
    "gastrointestinal stromal tumour": ["gastrointestinal stromal tumour",
                                        "gastrointestinal stromal tumor"],
    "head and neck cancer": ["head and neck cancer", "head & neck cancer", "throat cancer",
                             "mouth cancer", "oral cancer", "tongue cancer", "tonsil cancer",
                             "tonsil", "laryngeal cancer", "larynx cancer", "cancer of the larynx",
                             "voice box cancer", "pharyngeal cancer", "oropharyngeal cancer",
                             "nasopharyngeal cancer", "salivary gland cancer", "parotid cancer",
                             "sinus cancer", "nasal cancer", "lip cancer", "oral cavity cancer",
                             "hypopharyngeal cancer", "throat cancr"],
    "primary liver cancer": ["primary liver cancer", "liver cancer", "hepatocellular carcinoma",
                             "hepatocellular cancer", "hcc", "hepatoma", "liver cancr"],
    "mesothelioma": ["mesothelioma", "mesothelioma cancer", "mesotheleoma", "mesothelioma's",
                     "meso", "pleural mesothelioma", "peritoneal mesothelioma", "asbestos cancer"],
    "merkel cell carcinoma": ["merkel cell carcinoma", "merkel cell cancer", "merkel cell"],
    "neuroendocrine tumour": ["neuroendocrine tumour", "neuroendocrine tumor",
                              "neuroendocrine tumours", "neuroendocrine tumors",
                              "neuroendocrine cancer", "neuroendocrine carcinoma", "carcinoid",
                              "carcinoid tumour", "carcinoid tumor", "carcinoid cancer"],
    "neuroblastoma": ["neuroblastoma", "neuro blastoma"],
    "penile cancer": ["penile cancer", "cancer of the penis", "penis cancer"],
    "sarcoma": ["sarcoma", "sarcomas", "soft tissue sarcoma", "soft tissue sarcomas",
                "leiomyosarcoma", "liposarcoma", "rhabdomyosarcoma", "synovial sarcoma",
                "kaposi sarcoma", "kaposi's sarcoma", "angiosarcoma", "sarcomma", "sarcomer"],
    "small bowel cancer": ["small bowel cancer", "small intestine cancer",
                           "small intestinal cancer", "duodenal cancer"],
    "testicular cancer": ["testicular cancer", "testicle cancer", "cancer of the testicle",
                          "testicular", "seminoma", "germ cell tumour",
                          "germ cell tumor", "teratoma", "testicualr cancer"],
    "thymus cancer": ["thymoma", "thymic carcinoma", "thymus cancer"],
    "vaginal cancer": ["vaginal cancer", "cancer of the vagina"],
    "vulval cancer": ["vulval cancer", "vulvar cancer", "cancer of the vulva", "vulva cancer"],
    "wilms tumour": ["wilms tumour", "wilms tumor", "wilms' tumour", "nephroblastoma"],
}

#: Blood cancers (cancer type `blood`): they start in the blood, bone marrow or lymph system
#: and are not "metastatic" in the usual sense, so spread questions get a scoped reply.
BLOOD_CANCERS: Dict[str, List[str]] = {
    "leukaemia": ["leukaemia", "leukemia", "leukaemias", "leukemias", "leukamia", "lukemia",
                  "leukima", "luekemia", "aml", "cll", "cml", "acute myeloid leukaemia",
                  "acute myeloid leukemia", "acute lymphoblastic leukaemia",
                  "acute lymphoblastic leukemia", "chronic lymphocytic leukaemia",
                  "chronic lymphocytic leukemia", "chronic myeloid leukaemia",
                  "chronic myeloid leukemia", "blood cancer", "blood cancers",
                  "myelodysplastic syndrome", "mds"],
    "lymphoma": ["lymphoma", "lymphomas", "hodgkin lymphoma", "hodgkins lymphoma",
                 "hodgkin's lymphoma", "hodgkins", "hodgkin's", "hodgkin", "non hodgkin lymphoma",
                 "non-hodgkin lymphoma", "non hodgkins lymphoma", "non-hodgkins lymphoma",
                 "non-hodgkin's lymphoma", "nhl", "limphoma", "lymphona", "lyphoma",
                 "follicular lymphoma", "diffuse large b cell lymphoma", "dlbcl",
                 "mantle cell lymphoma", "burkitt lymphoma"],
    "myeloma": ["myeloma", "multiple myeloma", "myloma", "mylomea", "plasma cell cancer",
                "bone marrow cancer"],
}

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
    "other": SKIN_CANCER_NAMES + [w for words in OTHER_CANCERS.values() for w in words],
    # Leukaemia, lymphoma, myeloma: they do not "metastasise" in the usual sense.
    "blood": [w for words in BLOOD_CANCERS.values() for w in words],
}

#: The 13 cancer types with answers of their own.
KEYED_CANCER_TYPES: List[str] = [k for k in CANCER_TYPES if k not in ("other", "blood")]

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


#: Medical words of spread, each answered under the nearest topic key (contract section 3).
#: key -> (topic, everyday words and misspellings). A content entry with `term: <key>` is the
#: answer for (topic, term); without one the topic's general answer is served.
MEDICAL_TERMS: Dict[str, Tuple[str, List[str]]] = {
    "ascites": ("complications", [
        "ascites", "ascitis", "assites", "acites", "ascites fluid", "malignant ascites",
        "fluid in the belly", "fluid in the abdomen", "fluid in my belly", "fluid in her belly",
        "fluid in his belly", "fluid in the tummy", "fluid in her tummy", "fluid in his tummy",
        "swollen belly with fluid", "abdominal fluid", "belly fluid", "tummy fluid",
        "drain the fluid from the belly", "paracentesis"]),
    "pleural_effusion": ("complications", [
        "pleural effusion", "pleural effusions", "plural effusion", "pleural efusion",
        "malignant pleural effusion", "fluid around the lung", "fluid around the lungs",
        "fluid around his lung", "fluid around her lung", "fluid on the lung", "fluid on the lungs",
        "water on the lung", "water on the lungs", "fluid in the chest", "pleurodesis",
        "pleural drain"]),
    "hypercalcaemia": ("complications", [
        "hypercalcaemia", "hypercalcemia", "hypercalcaemia of malignancy",
        "hypercalcemia of malignancy", "hypercalcimia", "hypercalcaemea", "hyper calcemia",
        "high calcium", "high calcium levels", "high calcium level", "raised calcium",
        "calcium is high", "calcium levels are high", "calcium level is high", "too much calcium"]),
    "spinal_cord_compression": ("complications", [
        "spinal cord compression", "metastatic spinal cord compression", "mscc",
        "cord compression", "compression of the spinal cord", "spinal compression",
        "pressure on the spinal cord"]),
    "lytic_lesions": ("complications", [
        "lytic lesions", "lytic lesion", "lytic bone lesions", "lytic bone lesion",
        "osteolytic lesions", "osteolytic lesion", "lytic", "osteolytic", "bone lesions",
        "holes in the bones", "holes in the bone", "lytic mets"]),
    "bone_scan": ("diagnosis", ["bone scan", "bone scans", "bonescan", "isotope bone scan",
                                "nuclear bone scan", "bone scintigraphy"]),
    "pet_scan": ("diagnosis", ["pet scan", "pet scans", "pet-ct", "pet ct", "petscan",
                               "pet ct scan", "psma pet", "psma scan"]),
    "biopsy": ("diagnosis", ["biopsy", "biopsies", "biopsys", "byopsy", "needle biopsy",
                             "core biopsy", "liver biopsy", "bone biopsy"]),
    "tumour_markers": ("diagnosis", ["tumour markers", "tumor markers", "tumour marker",
                                     "tumor marker", "ca 125", "ca125", "ca-125", "cea",
                                     "ca 15-3", "ca 19-9", "ca19-9", "tumour marker blood test"]),
    "chemotherapy": ("treatment", ["chemotherapy", "chemo", "chemotheraphy", "chemotherepy",
                                   "kemo", "chemo therapy"]),
    "radiotherapy": ("treatment", ["radiotherapy", "radiation therapy", "radiation treatment",
                                   "radiation", "radiotheraphy", "radio therapy", "sbrt", "sabr",
                                   "stereotactic radiotherapy"]),
    "palliative_care": ("treatment", ["palliative care", "palliative", "palliative treatment",
                                      "paliative care", "pallative care", "palliative team",
                                      "supportive care", "comfort care"]),
    "hospice": ("support", ["hospice", "hospices", "hospice care", "hospis", "hospiss",
                            "end of life care", "end-of-life care"]),
    "survivorship_care_plan": ("recurrence", [
        "survivorship care plan", "survivorship plan", "survivorship", "care plan after treatment",
        "follow up care plan", "follow-up care plan", "survivor care plan"]),
    "oligometastatic": ("what_is_metastasis", [
        "oligometastatic", "oligometastases", "oligometastasis", "oligo metastatic",
        "oligometastatic disease", "oligo-metastatic", "oligomets"]),
    "carcinomatosis": ("what_is_metastasis", [
        "carcinomatosis", "peritoneal carcinomatosis", "carcinomatosis peritonei",
        "carcinomatosa", "carcinomatoses", "leptomeningeal carcinomatosis",
        "lymphangitic carcinomatosis"]),
    "micrometastasis": ("early_spread", [
        "micrometastasis", "micrometastases", "micro metastasis", "micro metastases",
        "micromets", "micro mets", "micrometastatic", "micro-metastases", "micrometastisis"]),
    "circulating_tumour_cells": ("early_spread", [
        "circulating tumour cells", "circulating tumor cells", "circulating tumour cell",
        "circulating tumor cell", "ctcs", "ctc", "tumour cells in the blood",
        "tumor cells in the blood"]),
}

#: Terms that name a condition: their answer covers what it is, why and how it is treated,
#: so they win over the classifier's topic ("how is ascites treated" -> the ascites answer).
CONDITION_TERMS: List[str] = [
    "ascites", "pleural_effusion", "hypercalcaemia", "spinal_cord_compression", "lytic_lesions",
    "oligometastatic", "carcinomatosis", "micrometastasis", "circulating_tumour_cells",
    "survivorship_care_plan",
]

#: Other illnesses: a question about these (and no cancer) is out of scope.
NON_CANCER_CONDITIONS: List[str] = [
    "diabetes", "diabetic", "asthma", "copd", "heart disease", "heart attack", "heart failure",
    "high blood pressure", "hypertension", "stroke", "arthritis", "osteoporosis", "dementia",
    "alzheimers", "alzheimer's", "parkinsons", "parkinson's", "multiple sclerosis", "ms",
    "epilepsy", "migraine", "migraines", "flu", "influenza", "covid", "covid-19", "coronavirus",
    "common cold", "hiv", "aids", "hepatitis", "cirrhosis", "psoriasis", "eczema",
    "acne", "depression", "anxiety", "adhd", "autism", "obesity", "gout", "lupus",
    "kidney stones", "gallstones", "ibs", "crohns", "crohn's", "colitis", "thyroid problems",
    "underactive thyroid", "overactive thyroid", "anaemia", "anemia", "pneumonia",
    "tuberculosis", "malaria", "measles", "chickenpox", "shingles", "sepsis", "uti",
    "endometriosis", "menopause", "pregnancy", "erectile dysfunction", "glaucoma", "cataracts",
]

_TERM_INDEX: Dict[str, str] = {_norm(w): key for key, (_, words) in MEDICAL_TERMS.items()
                               for w in [key.replace("_", " "), *words]}


def _phrase_regex(phrases: List[str]) -> "re.Pattern[str]":
    """Whole-word, longest-first alternation; spaces and hyphens are interchangeable."""
    ordered = sorted({_norm(p) for p in phrases}, key=len, reverse=True)
    body = "|".join(re.escape(p).replace(r"\ ", r"[\s-]+").replace(r"\-", r"[\s-]+")
                    for p in ordered)
    return re.compile(r"(?<![\w'])(" + body + r")(?![\w'])")


_TERMS = _phrase_regex(list(_TERM_INDEX))
_NON_CANCER = _phrase_regex(NON_CANCER_CONDITIONS)


def terms_in(text: str) -> List[str]:
    """Medical-word keys named in `text`, in order ("what is ascites" -> ["ascites"])."""
    found = (_TERM_INDEX.get(_SPACE.sub(" ", m.group(1).replace("-", " ")))
             or _TERM_INDEX.get(m.group(1)) for m in _TERMS.finditer(_norm(text)))
    return list(dict.fromkeys(k for k in found if k))


def term_topic(term: str) -> str:
    """The topic key a medical word is answered under."""
    return MEDICAL_TERMS[term][0]


def names_other_illness(text: str) -> bool:
    """True when the text names a non-cancer illness ("treatment for diabetes")."""
    return bool(_NON_CANCER.search(_norm(text)))


#: Words that make a question about spread (or advanced cancer), not about a first cancer.
_SPREAD_WORDS = re.compile(
    r"\b(spread\w*|spred\w*|metasta\w*|mets|secondar\w*|advanced|stage (?:4|iv|four)|"
    r"gone to|moved to|travel\w*|come back|came back|coming back|recur\w*|relapse\w*|"
    r"return\w*|elsewhere|other parts?|other organs?|terminal|incurable)\b")
#: "What causes X cancer", "how do you get X cancer": the cause of a first cancer.
_CAUSE_OF_CANCER = re.compile(
    r"\b(causes?|caused|cause of|get|gets|getting|risk of getting|chance of getting|"
    r"prevent getting|why do people get|reasons? for)\b")


def asks_cause_of_a_first_cancer(text: str) -> bool:
    """True for "what causes cervical cancer": a first cancer's cause, nothing about spread."""
    low = _norm(text)
    return bool(_CAUSE_OF_CANCER.search(low)) and not _SPREAD_WORDS.search(low)
