"""The rule layer that catches red-flag symptoms and self-harm wording in one message.

Why rules and not only the intent classifier: a classifier trained on a few hundred
examples misses typos, caregiver voice and long worried messages, and a miss here can
cost a life. The rules run on every message, before and regardless of the classifier.

How it decides, in order, for each matched phrase (spaCy `Matcher` over token norms):

1. Typos and slang are mapped to canonical words first ("blod" -> "blood"), and every
   spelling of "can't" becomes "unable", so one pattern covers them all.
2. A phrase that is negated ("no fever", "I don't have back pain") or in the past
   ("had a seizure years ago") or over ("the chest pain went away") does not count.
3. A phrase that someone reports ("my legs are numb", "mum is coughing up blood", or a
   bare fragment like "chest pian") counts, even inside a question. A phrase inside a
   question *about* the symptom ("what are the symptoms of ...", "can bone mets cause
   ...", "what should I do if I get ...") is education and does not count.
4. Strong signs count alone; soft signs (plain vomiting, thirst, headache, back pain)
   count when two of them are reported together.
5. Self-harm wording wins over everything: it only has to be un-negated (a question
   about suicide still gets the crisis line; that is never harmful).

The table of red flags is shared/spec/content-sources.md; the tests are
tests/test_safety_rules.py over tests/redteam/emergency.tsv.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from dataclasses import dataclass
from itertools import product
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

logger = logging.getLogger(__name__)

EMERGENCY = "emergency"
CRISIS = "crisis"

#: A classifier "emergency" or "crisis" this sure counts even when no rule fired (unless
#: the message is clearly an educational question, or the rules read its red-flag words
#: as denied). Measured on the red-team tables and 180 extra look-alikes (Nov 2026 model):
#: the classifier alone found 48 of 61 urgent rows, 10 of them below 0.8; its false alarms
#: on calm messages spread from 0.5 to 0.99, with a cluster of "can't ..." / "don't ..."
#: sentences read as crisis between 0.5 and 0.7. 0.7 keeps the net, drops that cluster.
EMERGENCY_THRESHOLD = 0.7
CRISIS_THRESHOLD = 0.7

#: How far (in tokens) the cues around a phrase are looked for inside a run-on sentence.
CONTEXT = 30

#: Longest text the matcher reads (about 2,500 words). Ordinary messages take well under
#: 1 ms; 12,000 characters of nothing but symptom words take under a second. The action
#: server already caps messages at 2,000 characters (bot/text.py).
MAX_CHARS = 12_000


@dataclass(frozen=True)
class SafetyFlag:
    """Why a message needs the urgent reply: topic key, red-flag condition, matched words."""

    topic: str  # "emergency" or "crisis"
    condition: str  # e.g. "spinal_cord_compression", "self_harm"; "unspecified" from the classifier
    phrase: str  # the matched words, for logs


# --------------------------------------------------------------------------------------
# Word classes (token norms after typo mapping). Lowercase.
# --------------------------------------------------------------------------------------


def _words(text: str) -> FrozenSet[str]:
    return frozenset(text.split())


FAMILY = _words(
    "mum mom mam mummy mommy mother ma mama dad daddy father papa pa husband hubby wife "
    "partner spouse son daughter brother sister bro sis grandma grandmother granny gran nan "
    "nana nanna nanny grandpa grandfather grandad granddad gramps grampa aunt auntie aunty "
    "uncle cousin niece nephew friend boyfriend girlfriend fiance fiancee neighbour neighbor "
    "child kid baby stepdad stepmum stepmom missus wifey bf gf"
)
#: Words that anchor a phrase to a real person now: "my legs", "he can't", "mum is".
PERSONAL = FAMILY | _words(
    "i me my mine myself we us our he him his himself she her hers herself this im ive"
)
#: Possessives: "my symptoms" is a report, "the symptoms of" is education.
POSSESSIVE = _words("my his her our their mums moms dads")
#: Cues that a phrase is talked about, not reported. The nearest cue before a phrase wins.
EDU = _words(
    "cause causes caused causing symptom symptoms sign signs define definition explain "
    "explanation why how which what whats related linked associated common typical "
    "typically lead leads result results treat treated treating treatment treatments "
    "happen happens about describe info information learn leaflet article website read "
    "heard said says told tells explained mentioned warned watch warning you your yourself "
    "someone somebody people patients person anyone "
    "everyone others mean means meaning meant difference versus vs compared expect risk "
    "chance chances prevent prevented avoid diagnose diagnosed diagnosis test tested"
)
#: Education cues that a first-person phrase inside the match overrides:
#: "what does it mean my legs are numb" is still a report.
EDU_WEAK = _words("why how which what whats mean means meaning meant")
#: Words that open a question; with no person in it and an education word, it is education.
QSTART = _words(
    "what whats why how when where which who is are can could does do will would should may "
    "might was were did has"
)
#: Negation cues (spaCy already maps n't / nt to "not").
NEG = _words(
    "no not never without none nor neither deny denies denied free zero nothing lack unable"
)
#: Tokens that may stand between a negation and the phrase it negates.
NEG_GAP = _words(
    "any a an the some have has had having got get gotten getting been be is are am was "
    "were feel feeling felt experience experienced experiencing really real much more "
    "further new other major serious significant signs sign symptoms symptom of do does "
    "did ever think thought believe i he she we they it currently presently yet anymore "
    "suffer suffering suffered from with report reported complain complaining complained "
    "mention mentioned notice noticed see seen show showing sure seem seems seemed appear "
    "appears obvious recent recently at all so far too also even actually bad severe "
    "fever pain pains chills cough coughing nausea vomiting headache headaches numbness "
    "weakness swelling bleeding confusion thirst constipation dizziness temperature "
    "or nor and s 's m am"
)
#: Words that open a new clause, so a negation before them does not reach past them.
CLAUSE_WORDS = _words(
    "i he she we they it you have has had is are am was were feel feels felt got get "
    "started starting s 's m do does did can could will would"
)
#: A list conjunction a negation may reach across ("no fever or chills").
LIST_CONJ = _words("or nor and")
#: After a phrase: it is over ("the chest pain went away").
RESOLVED = _words(
    "gone away resolved stopped settled disappeared cleared subsided better eased improved "
    "fine passed"
)
RESOLVED_GAP = _words("is has have had now all completely finally totally mostly pretty much "
                      "been went got getting s 's seems seem")
#: Hypothetical frames: "if I get a fever", "can I get chest pain from ...".
IF_WORDS = _words("if whether case suppose supposing imagine hypothetically")
HYPO_VERBS = _words(
    "get gets getting develop develops developing start starts begin begins ever go goes "
    "become becomes were happen happens turn turns experience experiences notice notices "
    "will would should might end expect"
)
#: "is it common to get ..." is a general question; "is it normal to have ..." is usually
#: asked by someone who has it, so "normal", "ok" and "bad" are not here.
GENERIC_ADJ = _words("dangerous common possible likely unusual rare")
MODAL_Q = _words("can could will would might may do does should")
KNOW_WORDS = _words("know tell check recognise recognize spot")
#: Words that make a soft fever sign (shivery, 38.4) urgent: fever during treatment.
ON_TREATMENT = _words(
    "chemo chemotherapy chemos treatment immunotherapy infusion cycle neutropenic "
    "capecitabine docetaxel paclitaxel carboplatin cisplatin oxaliplatin folfox"
)
#: A soft sign said to be slight does not count towards a pair.
MILD = _words("mild mildly slight slightly little bit occasional occasionally sometimes odd")
#: Now-ness: "since this morning", "right now". Overrides a hypothetical frame.
NOW = _words("now currently today tonight tonite atm since yesterday")
NOW_PAIRS = {("this", "morning"), ("this", "afternoon"), ("this", "evening"),
             ("last", "night"), ("the", "moment"), ("right", "now"), ("hours", "ago"),
             ("hour", "ago"), ("minutes", "ago"), ("mins", "ago")}
#: Past, not now: "had seizures years ago". Checked within the phrase's clause.
PAST_PAIRS = {("years", "ago"), ("year", "ago"), ("yrs", "ago"), ("decade", "ago"),
              ("decades", "ago"), ("months", "ago"), ("last", "year"), ("the", "past"),
              ("used", "to"), ("history", "of"), ("as", "a"), ("long", "ago"),
              ("years", "back")}
PAST_WORDS = _words("previously childhood once")
#: These keep a clause "now" even with a past cue ("started months ago, getting worse").
ONGOING = _words("started since still keeps keep getting worse worsening now again")
CLAUSE_BREAK = _words(", but however although though whereas now ; : - –")
SENT_BREAK = frozenset({".", "!", "?", ";", "...", "…", "!!", "??", "?!", "\n"})

#: Macros expanded inside pattern strings.
MACROS: Dict[str, List[str]] = {
    "CANT": ["unable really|even|just|seem|still|properly? to?"],
    "WANT": ["wanna"],
}
#: Spellings rewritten to one word before tokenising, so that one pattern covers them all
#: ("can't", "cannot", "unable to", "not able to" -> "unable"). Keeps the matcher small.
REWRITES: List[Tuple[str, str]] = [
    (r"no longer able to|not able to|can no longer|can ?not|can'?t|carn'?t|cann'?t|cnt|cnat|"
     r"could ?n'?t|could not|can barely|can hardly|could barely|could hardly|unable to",
     "unable"),
    (r"wanna|wana|want(?:s|ed)? t[oa]", "wanna"),
]

CLASSES: Dict[str, FrozenSet[str]] = {
    "FAMILY": FAMILY,
    "SELF": _words("myself himself herself themselves themself meself mysef"),
    "SUBJ": _words("i he she they we") | FAMILY,
    "OTHER": _words("he she they") | FAMILY,
    "TOILET": _words("bladder bowel bowels pee wee urine poo poop toilet wees pees"),
    "BACKPOSS": _words("my his her their lower upper mid middle"),
    "MEDS": _words("pills tablets meds medication medications morphine painkillers "
                   "oxycodone paracetamol sleeping"),
    "OBJ": _words("me him her them us"),
    "POSS": _words("my his her their our the both"),
    "LEG": _words("leg legs thigh thighs knees"),
    "FEET": _words("foot feet toes"),
    "NUMB": _words("numb dead tingly numbness"),
    "WEAK": _words("weak weakness jelly wobbly useless floppy limp buckling"),
    "WALK": _words("walk walking stand standing"),
    "BACK": _words("back neck spine backbone"),
    "PAINWORD": _words("pain pains ache aches aching hurts hurting hurt sore agony"),
    "SEVERE": _words(
        "severe severely terrible terribly awful horrible horrendous excruciating unbearable "
        "agonising agonizing intense extreme extremely shooting sharp stabbing crippling "
        "worst worse worsening new sudden suddenly bad really"
    ),
    "WORSE": _words(
        "worse worsening unbearable excruciating agony agonising agonizing severe killing "
        "terrible awful crippling night nights"
    ),
    "VOMIT": _words("vomiting vomit vomited vomits puking puke puked retching"),
    "THROWUP": _words("throwing threw throw thrown"),
    "THIRST": _words("thirsty thirst parched"),
    "VERY": _words(
        "extremely extreme so really very constantly always unbearably super crazy insanely "
        "desperately incredibly awfully terribly ridiculously abnormally unusually excessively"
    ),
    "PEE": _words("peeing weeing urinating pissing pee wee urine pees wees"),
    "LOTS": _words("lot lots loads constantly nonstop hourly much heaps tons often"),
    "CONFUSED": _words(
        "confused disoriented disorientated delirious muddled befuddled incoherent "
        "confusion delirium"
    ),
    "SEEMS": _words(
        "is s 's seems seem looks look got gets getting gone become became been has "
        "very so really all suddenly totally more quite a bit little acting being"
    ),
    "CONSTIP": _words("constipated constipation bunged blocked"),
    "POO": _words("pooped pooed poo poop pooping bowel stool number dump"),
    "DROWSY": _words("drowsy sleepy dozy drowsiness"),
    "WAKE": _words("wake rouse waking"),
    "FACE": _words("face neck"),
    "SWOLLEN": _words(
        "swollen swelling swelled swell swelled puffy puffed bloated ballooned ballooning "
        "puffing blown"
    ),
    "ARM": _words("arm arms hand hands"),
    "HEADACHE": _words("headache headaches migraine migraines"),
    "HEADSEVERE": _words(
        "worst severe sudden terrible excruciating unbearable blinding splitting awful "
        "horrendous agonising agonizing thunderclap massive crushing extreme horrible "
        "intense pounding"
    ),
    "SEIZURE": _words("seizure seizures seizing convulsion convulsions convulsing fitting"),
    "SIDE": _words("left right one"),
    "LIMB": _words("arm arms hand hands leg legs side face"),
    "DROOP": _words("drooping droopy dropped lopsided crooked sagging slumped drooped"),
    "SPEAK": _words("speak talk"),
    "SPEECH": _words("speech words talking voice"),
    "SLUR": _words("slurred slurring slurry garbled jumbled muddled"),
    "VISION": _words("vision sight eyesight"),
    "CHEST": _words("chest"),
    "CHESTPAIN": _words(
        "pain pains hurts hurting hurt ache aching tight tightness pressure crushing "
        "heavy heaviness squeezing sore"
    ),
    "BREATHE": _words("breathe breath breathing breaths"),
    "BREATHLESS": _words("breathless breathlessness"),
    "STRUGGLE": _words(
        "struggling struggle struggles trouble difficulty hard hardly difficult fighting "
        "gasping labored laboured battling"
    ),
    "BLUE": _words("blue grey gray purple"),
    "COUGH": _words("coughing cough coughed coughs spitting spit spat hacking bringing"),
    "BLOOD": _words("blood clots haemoptysis hemoptysis"),
    "BLEED": _words("bleeding bleed bleeds bled nosebleed haemorrhage hemorrhage"),
    "HEAVY": _words("heavy heavily lots loads pouring gushing pints much"),
    "FEVER": _words("fever feverish febrile fevers"),
    "TEMP": _words("temperature temp temps"),
    "HIGHTEMP": _words("high raised spiking running got have has having rising"),
    "CHILLS": _words("chills shivering shivers shivery rigors shaking shakes shaky"),
    "FAINT": _words(
        "fainted fainting faints collapsed collapse collapsing collapses unconscious"
    ),
}

# Condition keys (contract: the `condition` of a SafetyFlag).
SCC = "spinal_cord_compression"
CALCIUM = "high_calcium"
SVC = "svc_syndrome"
BRAIN = "brain_pressure"
CHEST = "chest_pain"
BREATH = "breathing"
BLEED = "bleeding"
FEVER = "fever_chemo"
FAINT = "fainting"
SELF_HARM = "self_harm"

#: Tie-break between conditions with the same score: the most time-critical first.
PRIORITY = [BREATH, CHEST, BLEED, FAINT, BRAIN, SVC, SCC, FEVER, CALCIUM]


@dataclass(frozen=True)
class Rule:
    """One family of phrases: what it signals and how much it takes to count."""

    weights: Tuple[Tuple[str, float], ...]
    patterns: Tuple[str, ...]
    strong: bool = True  # False: needs a second soft sign in the same message
    kind: str = "symptom"  # "symptom", "name" (a condition's name), "crisis" or "denial"
    not_after: FrozenSet[str] = frozenset()  # next token vetoes ("confused about")
    not_in_sentence: FrozenSet[str] = frozenset()  # a word in the sentence vetoes
    not_before: FrozenSet[str] = frozenset()  # previous token vetoes ("hay fever")


def _r(weights: Dict[str, float] | str, *patterns: str, strong: bool = True,
       kind: str = "symptom", not_after: str = "", not_in_sentence: str = "",
       not_before: str = "") -> Rule:
    w = {weights: 1.0} if isinstance(weights, str) else weights
    return Rule(tuple(w.items()), patterns, strong, kind, _words(not_after),
                _words(not_in_sentence), _words(not_before))


STEROIDS = "steroid steroids dexamethasone dex prednisone prednisolone moon cortisone"
NOT_ABOUT = "about by with why what how whether if because over as at of"

# Pattern mini-language: tokens separated by spaces; "a|b|@CLASS" is one token from the
# union; a trailing "?" makes it optional; "~N" is up to N filler words (never a negation
# or a clause break); "#TEMP" is a fever reading; "{CANT}" expands a macro.
RULES: List[Rule] = [
    # ---- self-harm (crisis) --------------------------------------------------------
    _r(SELF_HARM,
       "kill|killing|kil|unalive|unaliving|poison|poisoning|drown|shoot|stab|starve|starving|"
       "hang|hanging|burning|scratching|punching|strangle|strangling|suffocate @SELF",
       "scratch|scratching|hit|hitting|burn @SELF until|till|to|so", "kms", "unalive",
       "suicide|suicidal|suicidally|sewerslide",
       "sewer slide", "self harm|harming|injure|injury|injuring", "self - harm|harming|injure|injury",
       "selfharm|selfharming", "hurting|harming|cutting @SELF",
       "{WANT} ~1 hurt|harm|cut @SELF",
       "urge|urges|tempted|planning|thinking|thought|think|like ~2 hurt|harm|cut @SELF",
       "end|ending|take|taking|ended|took @POSS own? life|lives",
       "end|ending it all", "{WANT} end it", "gonna|planning|ready|decided|going to? end|ending it",
       "end|ending everything", "{WANT} die", "{WANT} be dead",
       "wish|wishing|hoping|hope|plan|planning|wanted to die",
       "wish|wishing i|id was|were dead|gone", "wish i could die|disappear",
       "i|id would|d rather die", "rather be dead",
       "wish|wishing|hope|hoping i|id never wake|woke|wakes up?",
       "better off dead", "better off without me", "better off if i|im was|were gone|dead",
       "not {WANT} be|stay here|alive|around anymore|any|no",
       "not {WANT} be|stay alive", "not {WANT} live|exist", "not {WANT} wake up?",
       "not {WANT} go|carry on",
       "not {WANT} keep living|going|fighting|on",
       "no reason|point|will to live|living", "no reason|point|will to go|carry on",
       "no point in? living|going|carrying", "no point in being alive|here",
       "no point ~1 anymore", "no point ~1 any more", "nothing left? to live for", "lost the will to live",
       "not worth living", "life is not worth", "what is|s the point of living|life|going",
       "what is|s the point anymore|any",
       "{CANT} go|carry on anymore", "{CANT} go|carry on like this",
       "{CANT} go|carry on any longer", "{CANT} do this anymore|any",
       "{CANT} take it|this anymore|any", "{CANT} cope anymore|any",
       "take|swallow|taking|swallowing ~2 all ~2 pills|tablets|meds|medication|morphine",
       "overdose|overdosing on purpose", "take|taking|took an overdose",
       "thinking|thought|thoughts of|about overdosing|overdose|ending",
       "saving|stockpiling|hoarding|stashing ~3 pills|tablets|meds|medication|morphine",
       "slit|cut|cutting @POSS wrists", "jump|jumping off ~2 bridge|roof|building|cliff|balcony",
       "jump|step|walk in front of ~2 train|bus|car|truck|lorry",
       "sleep and never wake up?", "go to sleep forever", "sleep forever",
       "want|wanted|wish|wishing it|everything all? to end|stop", "want it all over",
       "not see ~1 point in|of living|life|going|carrying|being", "want|wanna out of this|my life",
       "enough @MEDS ~3 to end|die|kill|overdose", "if i|id was|were dead|gone",
       "sleep and not wake up?", "easiest|best|quickest|painless|painlessly|fastest|quick "
       "way|ways to die|kill|end", "how to die|kill", "@MEDS ~4 to die|kill",
       "wanna stop existing|living|breathing", "stop existing", "burden to|on everyone|everybody",
       "happier|easier without me", "disappear forever", "wanna disappear",
       "kill me now|please|already", "just kill me", "die faster|sooner|quicker",
       "drive|driving|crash|crashing ~2 into a? wall|tree|lorry|truck|river",
       "i am not safe", "not feel safe with|around @SELF", "do something stupid|silly|drastic",
       "do to @SELF", "life ~2 pointless|meaningless|worthless",
       "crisis line|hotline|helpline|number|team", "samaritans",
       "end|ending things", "give|giving|gave up on life|living",
       kind="crisis"),
    _r(SELF_HARM, "not {WANT} be here|around", kind="crisis",
       not_after="in at for when today tomorrow tonight with because on while during if "
                 "alone by"),
    _r(SELF_HARM, "hurt|harm|cut @SELF", kind="crisis",
       not_after="when while falling fell lifting on in at playing doing by during badly "
                 "shaving cooking chopping accidentally slightly a"),
    # ---- spinal cord compression ------------------------------------------------------
    _r(SCC,
       "@LEG ~3 @NUMB|@WEAK", "@NUMB|@WEAK ~1 @LEG",
       "@NUMB|@WEAK in|of|down @POSS? @LEG",
       "{CANT} feel|move|lift|use ~1 @LEG|@FEET", "{CANT} feel|move anything below",
       "{CANT} walk|stand", "{CANT} get|stand up", "{CANT} put|take|bear weight",
       "not walk|walking properly|right|straight|normally",
       "@STRUGGLE|problems|problem|issues walking|standing", "@STRUGGLE|problems to walk|stand",
       "@LEG ~2 gave|giving|give|keep|keeps|buckled|buckling|going way|out|giving",
       "@LEG ~2 not|nt working|work|hold|holding", "keep|keeps falling over|down",
       "@LEG ~2 stopped|stop|stops|quit working|moving",
       "@NUMB creeping|spreading|going|moving|travelling|running up|down|into|through "
       "@POSS? @LEG",
       "lost|losing|loss|no of? control of|over ~2 @TOILET",
       "{CANT} control|hold ~2 @TOILET|it",
       "wet|peed|pissed|pooed|pooped|soiled|messed @SELF", "wet|wetting|wets the bed",
       "{CANT} pee|wee|urinate|poo", "not peed|weed|urinated|wee|pee in",
       "numb|numbness down there",
       "numb|numbness|tingling patch|area|spot|feeling? between|around|in @POSS? bottom|groin|"
       "privates|crotch|saddle|genitals|backside|bum|buttocks",
       "numb|numbness between @POSS? @LEG", "saddle numbness|anaesthesia|anesthesia",
       "@SEVERE @BACK @PAINWORD|pain|ache", "@BACK @PAINWORD|pain|ache ~3 @WORSE",
       "@BACKPOSS @BACK ~2 killing|agony|excruciating|unbearable|worse|worsening",
       "@BACK @PAINWORD|pain|ache ~2 getting|got|gets worse",
       "@PAINWORD|pain in|on @POSS? @BACK ~3 @WORSE|worse", "@SEVERE @PAINWORD|pain in|on @POSS? @BACK",
       "band|belt|girdle ~1 of? pain|tightness|pressure",
       "pain|tightness|tight ~3 band|belt|girdle around|round",
       "pain ~2 around|round @POSS? ribs|waist|body|middle|chest"),
    # Numb feet or toes alone are usually chemotherapy (or diabetic) nerve damage.
    _r(SCC, "@FEET ~3 @NUMB|@WEAK", "@NUMB|@WEAK ~1 @FEET", "@NUMB|@WEAK in|of|down @POSS? @FEET",
       not_in_sentence="chemo chemotherapy neuropathy oxaliplatin paclitaxel docetaxel taxol "
                       "capecitabine cisplatin carboplatin vincristine bortezomib diabetes "
                       "diabetic taxane"),
    _r({SCC: 0.7}, "@BACK @PAINWORD|pain|ache", "@BACKPOSS @BACK hurts|hurting|aches|aching",
       "backache|backpain", "@PAINWORD in|on @POSS? @BACK", "tingling|tingly|tingle|tingles",
       "pins and needles",
       "incontinent|incontinence", strong=False),
    # ---- high calcium -----------------------------------------------------------------
    _r(CALCIUM,
       "@VERY @THIRST", "@THIRST ~2 all the time|day|night", "@THIRST ~1 constantly|nonstop",
       "{CANT} stop|quench ~1 drinking|thirst", "drinking ~3 nonstop|constantly|gallons",
       "extreme|excessive|severe|unquenchable thirst",
       "severe|severely|extremely|really|very|badly|terribly|awfully constipated|constipation",
       "not pooped|pooed|had|done|been|gone ~2 poo|poop|bowel|toilet|number ~3 days|week|weeks",
       "not pooped|pooed ~3 days|week|weeks|ages",
       "not opened|moved|emptied @POSS? bowels|bowel ~3 days|week|weeks|ages",
       "no poo|bowel movement|movements ~3 days|week|weeks"),
    _r({CALCIUM: 1.0, BRAIN: 1.0},
       "@OTHER @SEEMS? @SEEMS? @SEEMS? @CONFUSED",
       "sudden|new|severe|extreme @CONFUSED",
       "not making|talking sense", "making no sense", "talking|speaking nonsense|gibberish",
       "not know|knowing where|who he|she|they|i is|are|am|s|'s|m",
       "not know|knowing where|who he|she|they|i",
       "not know|knowing what day|year|month it is|s|'s",
       "not know|recognise|recognize|recognising|recognizing|knowing @OBJ|me|us|anyone|family",
       not_after=NOT_ABOUT),
    _r({CALCIUM: 1.0, BRAIN: 0.6}, "{CANT} stop vomiting|throwing|being|puking",
       "{CANT} keep anything|food|water|fluids|liquids|nothing|it ~1 down",
       "vomiting|throwing|puking|sick ~3 all day|night|nonstop|constantly|every"),
    _r({CALCIUM: 1.0, BRAIN: 0.5}, "@VOMIT", "@THROWUP up", "being|been sick", strong=False,
       not_after="of"),
    _r({CALCIUM: 1.0}, "@THIRST", "@CONSTIP", "@PEE ~2 @LOTS", "passing ~3 urine|water",
       strong=False),
    _r({CALCIUM: 1.0, BRAIN: 1.0}, "@DROWSY", "@CONFUSED", "drifting in and out",
       "{CANT} stay|keep awake", strong=False, not_after=NOT_ABOUT),
    # ---- superior vena cava -----------------------------------------------------------
    _r(SVC,
       "@FACE ~3 @SWOLLEN", "@SWOLLEN @FACE", "@SWOLLEN ~1 in|of|around @POSS? @FACE",
       "@FACE and|& ~2 @ARM|chest|eyes ~2 @SWOLLEN",
       "veins ~3 chest|neck ~3 bulging|swollen|sticking|popping|out",
       "bulging|swollen|engorged|big veins ~2 chest|neck",
       "both|two @ARM ~2 @SWOLLEN", "@SWOLLEN @ARM and|& @FACE",
       "suddenly|sudden @SWOLLEN ~2 @ARM", "@ARM ~2 suddenly|sudden @SWOLLEN",
       not_in_sentence=STEROIDS + " node nodes gland glands lymph lump lumps"),
    _r({SVC: 0.8}, "@ARM ~2 @SWOLLEN", "@SWOLLEN @ARM", strong=False, not_in_sentence=STEROIDS),
    # ---- brain pressure -----------------------------------------------------------------
    _r(BRAIN,
       "@HEADSEVERE ~1 @HEADACHE", "@HEADSEVERE head pain", "really|very|so|super bad @HEADACHE",
       "@HEADACHE ~3 worst|unbearable|excruciating|severe",
       "@HEADACHE ~3 getting|gets worse", "@HEADACHE ~3 not|nt stop|go|going|shift|budge|ease",
       "@HEADACHE and|with|& ~1 vomiting|throwing|sick|puking|vomit",
       "head ~2 exploding|pounding|splitting|bursting", "@POSS head is|s killing",
       "@SEIZURE", "having|had|has|have|having a fit|fits", "fitting",
       "@SIDE side ~4 @NUMB|@WEAK|@DROOP|paralysed|paralyzed|dead|limp",
       "@SIDE side ~4 not|nt working|moving",
       "@NUMB|@WEAK|@DROOP|paralysed|paralyzed|paralysis on @POSS? @SIDE side",
       "@SIDE @LIMB ~3 @NUMB|@WEAK|@DROOP|paralysed|paralyzed|limp|useless",
       "{CANT} move|lift|feel|use @POSS? @SIDE arm|arms|hand|side|face|leg",
       "{CANT} feel|move @POSS? face|arm|arms|hand|hands",
       "face|mouth|smile|eye|eyelid ~2 @DROOP", "@DROOP face|mouth|smile",
       "@SLUR ~1 @SPEECH", "slurring|slurred", "@SPEECH ~2 @SLUR|gone|strange|weird|wrong|funny|nonsense",
       "{CANT} speak|talk properly|clearly|right|normally|anymore",
       "lost ~2 @POSS? @VISION|speech", "{CANT} see ~2 out|properly|clearly|straight",
       "sudden|suddenly ~1 blind|blindness", "went|gone|going|go blind",
       "@VISION ~2 gone|went|going|black|dark|disappeared",
       "sudden|suddenly ~2 double|blurred|blurry|loss|lost vision|sight",
       "stroke", "brain bleed",
       not_after="activity medication medicine meds drug drugs tablets"),
    _r(BRAIN, "{CANT} get|find ~1 @POSS? words|word out?", not_after="to for"),
    _r({BRAIN: 0.8}, "@HEADACHE", "blurry|blurred|double vision", strong=False),
    _r({FAINT: 0.6, BRAIN: 0.6, BREATH: 0.5}, "dizzy|dizziness|lightheaded|woozy", "light headed", strong=False),
    # ---- chest pain ------------------------------------------------------------------
    _r(CHEST,
       "@CHEST ~2 @CHESTPAIN", "@CHESTPAIN in|on|across|around @POSS? @CHEST",
       "crushing|tight|heavy|squeezing ~1 chest", "heart attack", "angina",
       "crushing|tight|tightness|heavy|heaviness|squeezing|pressure ~2 in|on|across @POSS? "
       "@CHEST"),
    # ---- breathing ----------------------------------------------------------------------
    _r(BREATH,
       "{CANT} @BREATHE", "{CANT} catch|get ~1 @POSS? breath|air",
       "@STRUGGLE ~2 @BREATHE", "@STRUGGLE to? catch ~1 @POSS? breath", "@STRUGGLE for air|breath",
       "gasping|fighting for? air|breath",
       "@VERY|suddenly|severely|badly|seriously|completely|terribly ~1 @BREATHLESS",
       "@VERY|suddenly|severely|badly|seriously|completely|terribly ~1 short|out of breath",
       "@VERY|suddenly|severely ~1 shortness of breath", "severe shortness|sob",
       "@BREATHLESS ~3 at rest|sitting|lying|talking|even",
       "short|out of breath ~3 at rest|sitting|lying|talking|even|sudden|suddenly",
       "lips|face|fingers|skin ~2 @BLUE", "turning|turned|gone|going @BLUE",
       "stopped|not|nt breathing", "choking", "suffocating", "@BREATHE ~2 stopped",
       "unable finish|complete|talk|speak|say ~2 sentence|sentences"),
    _r({BREATH: 1.0}, "@BREATHLESS", "short|out of breath", "shortness of breath", "sob",
       strong=False),
    # ---- bleeding ----------------------------------------------------------------------
    _r(BLEED,
       "@COUGH up? ~3 @BLOOD", "@COUGH up? ~2 bloody phlegm|sputum|mucus|spit",
       "@BLOOD in|on ~2 phlegm|sputum|mucus|spit|tissue|hanky|hankie",
       "@BLOOD when|after|as @SUBJ? cough|coughs|coughed|coughing",
       "@BLOOD ~1 streaked|stained|tinged|flecked? phlegm|sputum|mucus",
       "@VOMIT|@THROWUP ~2 @BLOOD", "@THROWUP up ~2 @BLOOD", "@BLOOD in|on @POSS? vomit|sick",
       "@BLEED ~8 not|nt stop|stopping", "@BLOOD ~6 not|nt stop|stopping", "@BLOOD everywhere",
       "@BLEED ~2 heavily|badly|everywhere|loads|lots|lot|profusely",
       "@BLEED ~3 for ~1 hour|hours|ages", "{CANT} stop ~2 bleeding|bleed|blood",
       "@HEAVY of? ~1 blood|bleeding", "lot of blood|bleeding", "so much blood",
       "black|tarry|tar ~1 poo|poop|stool|stools|poos", "haemoptysis|hemoptysis"),
    _r({BLEED: 0.8}, "@BLEED", "@BLOOD in|on ~1 poo|poop|stool|wee|pee|urine", strong=False,
       not_after="risk"),
    # ---- fever during chemo -----------------------------------------------------------------
    _r(FEVER, "@FEVER", "@HIGHTEMP ~1 @TEMP", "@TEMP ~3 #TEMP", "@TEMP ~3 ,|:|-|=|of|at|is #TEMP",
       "thermometer ~2 #TEMP",
       "burning up", "neutropenic|neutropaenic sepsis|fever", "sepsis|septic",
       not_after="blister blisters tank", not_before="hay yellow scarlet glandular dengue "
       "typhoid rheumatic valley lassa"),
    _r({FEVER: 1.0}, "@CHILLS", "hot and cold|shaky|shivery", "clammy", "#TEMPDEC",
       strong=False),
    # ---- fainting ------------------------------------------------------------------------
    _r(FAINT, "@FAINT", "feel|feeling|felt|feels|nearly|almost faint",
       "going|about|gonna to? faint|pass",
       "passed|pass|passing|passes out", "blacked|black|blacking|blacks out",
       "keeled over", "lost|losing consciousness", "knocked out",
       "{CANT} wake|rouse @OBJ|@FAMILY", "will not wake|waking up?", "not waking up",
       "hard|impossible|difficult to wake|rouse", not_after="lung lungs vertebra vertebrae",
       not_before="it spine vertebra vertebrae bone bones lung lungs that which"),
    _r(FAINT, "not|nt responding", "unresponsive",
       not_in_sentence="treatment chemo chemotherapy therapy drug drugs medication "
                       "immunotherapy radiotherapy radiation tumour tumor cancer hormone "
                       "texts messages phone emails"),
    # ---- denials: red-flag words said not to be there ("my legs are not numb") ----------
    # They never flag; they tell assess() that the rules did read the message.
    _r(SCC, "@LEG|@FEET ~3 not|nt|never @NUMB|@WEAK", "@BACK ~3 not|nt @PAINWORD|sore",
       kind="denial"),
    _r(SVC, "@FACE|@ARM ~3 not|nt @SWOLLEN", kind="denial"),
    _r(CHEST, "@CHEST ~3 not|nt @CHESTPAIN", kind="denial"),
    _r(BRAIN, "@SPEECH|@VISION ~3 not|nt @SLUR|blurry|blurred", kind="denial"),
    # ---- names of the conditions: only when someone says they (may) have one now ----------
    _r(SCC, "spinal|spine cord compression", "cord compression", "mscc", kind="name"),
    _r(CALCIUM, "hypercalcaemia|hypercalcemia|hypercalcimia", "high|raised calcium", kind="name"),
    _r(SVC, "svc|svco syndrome|obstruction?", "superior vena cava ~1 syndrome|obstruction?",
       kind="name"),
]

# --------------------------------------------------------------------------------------
# Typos: every one-letter slip (dropped, doubled, swapped) of the words that matter,
# plus common phonetic spellings. Real words that a slip would hit are protected.
# --------------------------------------------------------------------------------------

TYPO_TARGETS = _words(
    "blood bleeding breathe breathing breathless chest coughing confused confusion "
    "seizure seizures suicide suicidal myself numbness thirsty vomiting fainted fainting "
    "collapsed unconscious unresponsive headache swollen swelling fever temperature "
    "weakness walking bladder bowels drowsy slurred slurring constipated vision "
    "breath tingling killing throwing puking shivering shortness passed"
)
MANUAL_TYPOS: Dict[str, str] = {
    "pian": "pain", "pani": "pain", "paiin": "pain", "painn": "pain", "apin": "pain",
    "blod": "blood", "bloood": "blood", "blud": "blood", "bloodd": "blood",
    "lgs": "legs", "lges": "legs", "lesg": "legs", "legz": "legs", "legss": "legs",
    "numm": "numb", "nmb": "numb", "nubm": "numb", "numbb": "numb", "numbe": "numb",
    "num": "numb", "kil": "kill", "kll": "kill", "kilk": "kill", "myslef": "myself",
    "mysefl": "myself", "mysef": "myself", "muself": "myself", "myselff": "myself",
    "brethe": "breathe", "breth": "breath", "breeth": "breathe", "breathe": "breathe",
    "breahte": "breathe", "breate": "breathe", "breathh": "breath", "brath": "breath",
    "siezure": "seizure", "seazure": "seizure", "seisure": "seizure", "sezure": "seizure",
    "seizur": "seizure", "siezures": "seizures", "seisures": "seizures", "ceasure": "seizure",
    "seizre": "seizure", "fitting": "fitting", "feaver": "fever", "fevor": "fever",
    "fevre": "fever", "feber": "fever", "temprature": "temperature",
    "temperture": "temperature", "tempreture": "temperature", "temp": "temp",
    "vomitting": "vomiting", "vommiting": "vomiting", "vomitin": "vomiting",
    "vommitting": "vomiting", "throwin": "throwing", "chesst": "chest", "chset": "chest",
    "chets": "chest", "ches": "chest", "hest": "chest", "thristy": "thirsty",
    "thirstey": "thirsty", "firsty": "thirsty", "thursty": "thirsty", "confussed": "confused",
    "confuzed": "confused", "confued": "confused", "confussion": "confusion",
    "headach": "headache", "hedache": "headache", "headake": "headache", "heaache": "headache",
    "swolen": "swollen", "swolllen": "swollen", "swollan": "swollen", "sollen": "swollen",
    "faintd": "fainted", "fanted": "fainted", "feinted": "fainted", "fainded": "fainted",
    "sucide": "suicide", "suicde": "suicide", "suiside": "suicide", "sucidal": "suicidal",
    "suicidel": "suicidal", "suisidal": "suicidal", "sucicidal": "suicidal",
    "suacide": "suicide", "wanna": "wanna", "wana": "wanna", "wnat": "want", "watn": "want",
    "dieee": "die", "ded": "dead", "coughin": "coughing",
    "cofing": "coughing", "caughing": "coughing", "coffing": "coughing", "couging": "coughing",
    "cougning": "coughing", "bleding": "bleeding", "bleedin": "bleeding", "bledding": "bleeding",
    "wlak": "walk", "wakl": "walk", "walkk": "walk", "walkin": "walking",
    "standup": "stand", "weeak": "weak", "waek": "weak",
    "unconcious": "unconscious", "unconscience": "unconscious", "concious": "conscious",
    "collasped": "collapsed", "colapsed": "collapsed", "collapssed": "collapsed",
    "passd": "passed", "pased": "passed", "drowsey": "drowsy", "sleepey": "sleepy",
    "constapated": "constipated", "constipted": "constipated", "slured": "slurred",
    "slurrd": "slurred", "visoin": "vision", "vison": "vision", "eyesite": "eyesight",
    "tingly": "tingly", "tinglin": "tingling", "hurst": "hurts", "hurs": "hurts",
    "hurtss": "hurts", "achin": "aching", "bak": "back", "bakc": "back", "neckk": "neck",
    "feets": "feet", "theyre": "theyre", "r": "are", "u": "you", "ur": "your",
    "m": "am", "cuz": "because", "bc": "because", "coz": "because", "cos": "because",
    "mum's": "mum", "mums": "mum", "moms": "mom", "dads": "dad", "hubbys": "hubby",
    "thrown": "thrown", "puke": "puke", "rn": "now", "tmrw": "tomorrow",
    "tonite": "tonight", "wat": "what", "wot": "what", "wut": "what", "y": "why",
    "hw": "how", "nite": "night", "anymore": "anymore", "nomore": "anymore",
    "any1": "anyone", "some1": "someone", "ppl": "people", "smth": "something",
    "kms": "kms", "kys": "kys", "idk": "idk", "ive": "ive", "im": "im",
    "temp's": "temp", "it's": "it", "mammy": "mum", "mam": "mam",
    "ma": "ma", "brest": "breast", "breathin": "breathing", "breating": "breathing",
    "brething": "breathing", "breahting": "breathing", "breatheing": "breathing",
    "sieze": "seize", "bloody": "bloody", "sik": "sick", "sicc": "sick",
}
#: Real words a one-letter slip of a target would turn into: never "correct" these.
PROTECTED = _words(
    "never ever fewer lever river seven thirty waking talking painted breeding pleading "
    "selling swelling chess bread breadth breathe breath breathed breathes breaths "
    "vomited vomits fainter fainter faints faint passes pressed pasted paced blond bond "
    "blooded flood bloom brood chose chase cheat chesty cheats feverish feverishly "
    "myself himself herself coughed coughs coaching couching weakens weaker weakly "
    "wakling walling balking stalking swollen swelled swells slurred slurring slurry "
    "vision visions visit thirst thirsts confuse confuses conclusion confession "
    "fusion diffusion seize seized seizes bowel bowls bowels blasted bladders "
    "headaches ahead bleed bleeds breeding killing kilning tingling tinkling jingling "
    "mingling tangling shortness sortness passed paused pasted posted parsed"
)


def _slips(word: str) -> Iterable[str]:
    """One-letter slips: dropped (not the first), doubled and swapped letters."""
    for i in range(1, len(word)):
        yield word[:i] + word[i + 1:]
    for i in range(len(word)):
        yield word[:i] + word[i] + word[i:]
    for i in range(len(word) - 1):
        yield word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _build_typos() -> Dict[str, str]:
    typos: Dict[str, str] = {}
    for target in sorted(TYPO_TARGETS):
        if len(target) < 5:
            continue
        for slip in _slips(target):
            if slip != target and slip not in PROTECTED and slip not in TYPO_TARGETS:
                typos.setdefault(slip, target)
    typos.update(MANUAL_TYPOS)
    return typos


TYPOS: Dict[str, str] = _build_typos()

# --------------------------------------------------------------------------------------
# Building the matcher: once per process.
# --------------------------------------------------------------------------------------

_TEMP_RE = r"^((3[89]|4[0-2])([.,]\d{1,2})?|(10[0-6])([.,]\d{1,2})?)(c|f|°c|°f|°)?$"
_TEMP_DEC_RE = r"^(3[89]|4[01])[.,]\d(c|°c|°)?$"
_NORMAL_TEMP = re.compile(r"^(3[5-7]([.,]\d{1,2})?|9[5-9]([.,]\d)?)(c|f|°c|°f|°)?$")
_GAP_EXCLUDE = sorted(NEG | {"but", "however", "although", "though", "if", "whether", "."} |
                      _words("node nodes gland glands lymph lump lumps"))


def _expand_macros(pattern: str) -> List[str]:
    """Expand "{NAME}" macros into one pattern string per alternative."""
    parts = re.split(r"(\{[A-Z]+\})", pattern)
    options = [MACROS[p[1:-1]] if p.startswith("{") else [p] for p in parts]
    return [re.sub(r"\s+", " ", "".join(choice)).strip() for choice in product(*options)]


def _token_spec(token: str) -> List[Dict[str, object]]:
    """Turn one mini-language token into Matcher token specs."""
    if token.startswith("~"):
        gap = {"NORM": {"NOT_IN": _GAP_EXCLUDE}, "IS_PUNCT": False, "IS_SPACE": False,
               "OP": "?"}
        return [dict(gap) for _ in range(int(token[1:]))]
    optional = token.endswith("?") and len(token) > 1
    if optional:
        token = token[:-1]
    if token == "#TEMP":
        spec: Dict[str, object] = {"NORM": {"REGEX": _TEMP_RE}}
    elif token == "#TEMPDEC":
        spec = {"NORM": {"REGEX": _TEMP_DEC_RE}}
    else:
        words: set = set()
        for alt in token.split("|"):
            if alt.startswith("@"):
                words |= CLASSES[alt[1:]]
            elif alt:
                words.add(alt)
        spec = {"NORM": {"IN": sorted(words)}}
    if optional:
        spec["OP"] = "?"
    return [spec]


def _compile(pattern: str) -> List[List[Dict[str, object]]]:
    out = []
    for expanded in _expand_macros(pattern):
        # A two-word macro like "can not" becomes two tokens; "@FAMILY" inside a macro works
        specs: List[Dict[str, object]] = []
        for token in expanded.split(" "):
            specs.extend(_token_spec(token))
        out.append(specs)
    return out


#: Everyday words that make poor anchors: a pattern is anchored on a rarer word if it has one.
_COMMON = PERSONAL | NEG | _words(
    "a an the to of in on at for and or is are am was be been up out off down it this that "
    "so very really have has had got get feel can will would could any all my his her s m "
    "unable wanna"
)


def _anchor(specs: List[Dict[str, object]]) -> Tuple[FrozenSet[str], Optional[str]]:
    """The words of the rarest required token of a pattern (no match without one of them),
    or else the regex of a required token."""
    options = []
    regex = None
    for spec in specs:
        norm = spec.get("NORM")
        if spec.get("OP") or not isinstance(norm, dict):
            continue
        if "REGEX" in norm:
            regex = str(norm["REGEX"])
            continue
        words = frozenset(norm["IN"])  # type: ignore[arg-type]
        options.append((bool(words & _COMMON), len(words), sorted(words), words))
    if options:
        return min(options)[3], None
    if regex is None:
        raise ValueError(f"pattern without a required word: {specs}")
    return frozenset(), regex


class _Pipeline:
    """spaCy blank English + one Matcher; built once, read-only afterwards.

    Why anchors: the Matcher costs about 0.1 ms per token with a few hundred patterns, so
    it only reads windows around words that some pattern requires; a message without any
    of them (most education questions) never reaches it.
    """

    def __init__(self) -> None:
        import spacy  # imported here so importing this module stays cheap

        self.nlp: Language = spacy.blank("en")
        self.matcher = Matcher(self.nlp.vocab)
        anchors: set = set()
        regexes: set = set()
        self.reach = 1
        self.rule_of: Dict[int, Tuple[Rule, str]] = {}
        for index, rule in enumerate(RULES):
            for number, pattern in enumerate(rule.patterns):
                compiled = _compile(pattern)
                for specs in compiled:
                    words, regex = _anchor(specs)
                    anchors |= words
                    if regex:
                        regexes.add(regex)
                    self.reach = max(self.reach, len(specs))
                key = f"rule{index}.{number}"
                self.matcher.add(key, compiled)
                self.rule_of[self.nlp.vocab.strings[key]] = (rule, key)
        self.anchors = frozenset(anchors)
        self.anchor_regex = re.compile("|".join(sorted(regexes))) if regexes else None

    def doc(self, text: str) -> Doc:
        """Tokens with typo-corrected norms."""
        doc = self.nlp.make_doc(text)
        for token in doc:
            fixed = TYPOS.get(token.lower_)
            if fixed is not None:
                token.norm_ = fixed
        return doc

    def matches(self, doc: Doc) -> List[Tuple[int, int, int]]:
        """Matcher results over the windows around anchor words, in doc offsets."""
        windows: List[List[int]] = []
        regex = self.anchor_regex
        for i, token in enumerate(doc):
            norm = token.norm_
            if norm in self.anchors or (regex is not None and norm[:1].isdigit() and
                                        regex.match(norm)):
                lo, hi = max(0, i - self.reach), min(len(doc), i + self.reach + 1)
                if windows and lo <= windows[-1][1]:
                    windows[-1][1] = hi
                else:
                    windows.append([lo, hi])
        found = set()
        for lo, hi in windows:
            for match_id, start, end in self.matcher(doc[lo:hi]):
                found.add((match_id, lo + start, lo + end))
        return sorted(found, key=lambda m: (m[1], m[2]))


_PIPELINE: Optional[_Pipeline] = None
_LOCK = threading.Lock()


def _pipeline() -> _Pipeline:
    """The module-level singleton, built on first use (thread-safe)."""
    global _PIPELINE
    if _PIPELINE is None:
        with _LOCK:
            if _PIPELINE is None:
                _PIPELINE = _Pipeline()
    return _PIPELINE


def warm_up() -> None:
    """Build the matcher now (e.g. at action-server start) rather than on the first message."""
    _pipeline()


# --------------------------------------------------------------------------------------
# Reading a message
# --------------------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'",
                              "`": "'", "\u201c": '"', "\u201d": '"'})
_REPEATS = re.compile(r"([a-z])\1{2,}")
_SPACES = re.compile(r"[ \t\r\f\v]+")


_REWRITE = re.compile("|".join(
    rf"(?P<r{i}>(?<![\w'])(?:{pattern})(?![\w']))" for i, (pattern, _) in enumerate(REWRITES)
))
_REWRITE_TO = {f"r{i}": word for i, (_, word) in enumerate(REWRITES)}
#: One rewrite: (start, end) in the rewritten text, (start, end) in the text before.
Edit = Tuple[int, int, int, int]
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def _clean(text: str) -> str:
    """Lowercase NFKC text without control characters or letter runs ("sooo" -> "soo")."""
    text = _CONTROL.sub(" ", text[:MAX_CHARS])
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()
    text = _REPEATS.sub(r"\1\1", text)
    return _SPACES.sub(" ", text).strip()


def _rewrite(text: str) -> Tuple[str, List[Edit]]:
    """Apply REWRITES, remembering where each one was so phrases quote the user's words."""
    parts: List[str] = []
    edits: List[Edit] = []
    last = shift = 0
    for found in _REWRITE.finditer(text):
        word = _REWRITE_TO[found.lastgroup or ""]
        parts += [text[last:found.start()], word]
        start = found.start() + shift
        edits.append((start, start + len(word), found.start(), found.end()))
        shift += len(word) - (found.end() - found.start())
        last = found.end()
    parts.append(text[last:])
    return "".join(parts), edits


def _before_rewrite(pos: int, edits: List[Edit], end: bool) -> int:
    """Map an offset in the rewritten text back to the text before the rewrites."""
    shift = 0
    for new_start, new_end, old_start, old_end in edits:
        if pos < new_start or (end and pos == new_start):
            break
        if pos < new_end or (end and pos == new_end):
            return old_end if end else old_start
        shift = old_end - new_end
    return pos + shift


def normalise(text: str) -> str:
    """The text the matcher reads: cleaned, with every "can't" spelled "unable" etc."""
    return _rewrite(_clean(text))[0]


@dataclass
class _Hit:
    rule: Rule
    pattern: str  # which pattern of the rule matched: two soft signs must differ
    start: int
    end: int
    text: str = ""


class _Reader:
    """Per-message helpers over one Doc: sentences, clauses and the cue scans."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.norms = [t.norm_ for t in doc]
        self.n = len(self.norms)
        self.sent_start: List[int] = []
        self.sent_end: List[int] = [0] * self.n
        start = 0
        for i, tok in enumerate(doc):
            self.sent_start.append(start)
            if tok.text in SENT_BREAK or (tok.is_space and "\n" in tok.text) or \
                    (tok.text.endswith(("?", "!")) and tok.is_punct):
                for j in range(start, i + 1):
                    self.sent_end[j] = i
                start = i + 1
        for j in range(start, self.n):
            self.sent_end[j] = self.n - 1

    def lo(self, start: int) -> int:
        """Start of the sentence around token `start`, at most CONTEXT tokens back."""
        return max(self.sent_start[start], start - CONTEXT)

    def hi(self, index: int) -> int:
        """End (inclusive) of the sentence around token `index`, at most CONTEXT on."""
        return min(self.sent_end[index], index + CONTEXT)

    def _pair(self, i: int, pairs: set) -> bool:
        return i + 1 < self.n and (self.norms[i], self.norms[i + 1]) in pairs

    def clause_bounds(self, start: int, end: int) -> Tuple[int, int]:
        """The clause around [start, end): cut at sentence ends, commas and "but"."""
        lo = self.lo(start)
        for i in range(start - 1, lo - 1, -1):
            if self.norms[i] in CLAUSE_BREAK:
                lo = i + 1
                break
        hi = self.hi(end - 1)
        for i in range(end, hi + 1):
            if self.norms[i] in CLAUSE_BREAK:
                hi = i - 1
                break
        return lo, hi

    def negated(self, start: int, end: int) -> bool:
        """A negation shortly before the phrase, or "gone/better" shortly after it."""
        lo = self.lo(start)
        seen_clause = False
        for i in range(start - 1, max(lo, start - 8) - 1, -1):
            w = self.norms[i]
            if w in NEG:
                return True
            if w in LIST_CONJ and seen_clause:
                break
            if w in CLAUSE_WORDS:
                seen_clause = True
            if w not in NEG_GAP:
                break
        hi = self.hi(end - 1)
        for i in range(end, min(hi, end + 4) + 1):
            w = self.norms[i]
            if w in NEG:
                return False
            if w in RESOLVED:
                return not (w == "passed" and i + 1 < self.n and self.norms[i + 1] == "out")
            if w not in RESOLVED_GAP:
                break
        return False

    def past(self, start: int, end: int) -> bool:
        """The clause places the phrase in the past ("years ago"), and nothing says it is back."""
        lo, hi = self.clause_bounds(start, end)
        words = self.norms[lo:hi + 1]
        if any(w in ONGOING for w in words):
            return False
        if any(w in PAST_WORDS for w in words):
            return True
        for i in range(lo, hi + 1):
            if self._pair(i, PAST_PAIRS):
                if self.norms[i] == "as" and (i + 2 > hi or self.norms[i + 2] not in
                                              _words("child kid teenager teen baby boy girl")):
                    continue
                return True
            if self.norms[i] == "when" and i + 2 <= hi and self.norms[i + 1] in PERSONAL and \
                    self.norms[i + 2] in _words("was were"):
                return True
            if re.fullmatch(r"(19|20)\d\d", self.norms[i]) and i > lo and \
                    self.norms[i - 1] in _words("in since back"):
                return self.norms[i - 1] != "since"
        return False

    def now(self, start: int) -> bool:
        """Words in the sentence that say "this is happening now"."""
        lo, hi = self.lo(start), self.hi(start)
        for i in range(lo, hi + 1):
            w = self.norms[i]
            if w in NOW and not (w == "now" and i + 1 < self.n and self.norms[i + 1] == "and"):
                return True
            if self._pair(i, NOW_PAIRS):
                return True
        return False

    def hypothetical(self, start: int, end: int) -> bool:
        """ "if I get ...", "can I get ...", "how do I know if ..." before or in the phrase."""
        lo = max(self.lo(start), start - 8)
        for i in range(start - 1, lo - 1, -1):  # the frame must be in the phrase's clause
            if self.norms[i] in CLAUSE_BREAK:
                lo = i + 1
                break
        for i in range(lo, end):
            w = self.norms[i]
            if w in IF_WORDS:
                if i > 0 and self.norms[i - 1] in KNOW_WORDS:
                    return True
                if i > 0 and self.norms[i - 1] == "do" and not self.progressive(i + 1, end):
                    return True  # "what do I do if he has a seizure" (not "... is having")
                window = self.norms[i + 1:min(end, i + 5)]
                if any(v in HYPO_VERBS for v in window):
                    return True
            if w == "to" and 0 < i < start and self.norms[i - 1] in GENERIC_ADJ and \
                    i + 1 < self.n and self.norms[i + 1] in HYPO_VERBS | {"have", "catch"}:
                return True  # "is it dangerous to get a fever on chemo"
            if w in MODAL_Q and i + 2 < self.n and (i == self.sent_start[start] or
                                                   self.norms[i - 1] in QSTART | EDU):
                if self.norms[i + 1] in PERSONAL | {"you"} and self.norms[i + 2] in HYPO_VERBS:
                    return True
        return False

    def progressive(self, lo: int, hi: int) -> bool:
        """ "is having", "am coughing": an -ing form after a present "be"."""
        return any(self.norms[i] in _words("is am are s 's m re 're") and
                   self.norms[i + 1].endswith("ing") for i in range(lo, min(hi, self.n - 1)))

    def personal_in(self, start: int, end: int) -> bool:
        return any(w in PERSONAL for w in self.norms[start:end])

    def nearest_cue(self, start: int) -> Optional[str]:
        """Scan back from the phrase: the first person word or education word wins."""
        for i in range(start - 1, self.lo(start) - 1, -1):
            w = self.norms[i]
            if w in _words("symptoms symptom signs sign") and i > 0:
                owner = self.norms[i - 2] if self.norms[i - 1] in ("'s", "s") and i > 1 \
                    else self.norms[i - 1]
                if owner in POSSESSIVE | FAMILY:  # "my symptoms", "mum's signs"
                    return "personal"
            if w in PERSONAL:
                return "personal"
            if w in EDU:
                return "edu_weak" if w in EDU_WEAK else "edu"
        return None

    def question_about(self, start: int, end: int) -> bool:
        """A question that opens with a question word, has no person in it, and asks
        about the phrase ("are seizures common with brain mets?")."""
        lo, hi = self.lo(start), self.hi(start)
        first = next((i for i in range(lo, hi + 1) if self.norms[i] not in
                      _words("hi hello hey ok okay so and also please um")), lo)
        if self.norms[first] not in QSTART:
            return False
        sentence = self.norms[lo:hi + 1]
        if any(w in PERSONAL for w in sentence):
            return False
        return any(w in EDU for w in self.norms[end:hi + 1])

    def framed_as_topic(self, end: int) -> bool:
        """ "chest pain as a symptom of ...": the phrase is named as a topic."""
        after = self.norms[end:min(self.n, end + 4)]
        return len(after) >= 2 and after[0] == "as" and bool(
            set(after[1:]) & _words("symptom symptoms sign signs example cause"))

    def normal_reading(self, end: int) -> bool:
        """ "a fever of 37.5": the reading that follows is not a fever."""
        return any(_NORMAL_TEMP.match(w) for w in self.norms[end:min(self.n, end + 3)])

    def mild(self, start: int) -> bool:
        """ "a few mild headaches", "a bit breathless": a soft sign said to be slight."""
        return any(w in MILD for w in self.norms[max(self.lo(start), start - 3):start])

    def reported(self, hit: _Hit) -> bool:
        """Is this phrase about a real person now (and not negated, past or hypothetical)?"""
        start, end, rule = hit.start, hit.end, hit.rule
        if self.negated(start, end):
            return False
        if rule.not_after and end < self.n and self.norms[end] in rule.not_after:
            return False
        if rule.not_before and start > 0 and self.norms[start - 1] in rule.not_before:
            return False
        if rule.weights[0][0] == FEVER and self.normal_reading(end):
            return False
        if rule.kind == "crisis":
            return True
        if rule.kind == "denial":
            return False
        if rule.not_in_sentence:
            lo, hi = self.lo(start), self.hi(start)
            if any(w in rule.not_in_sentence for w in self.norms[lo:hi + 1]):
                return False
        if self.past(start, end):
            return False
        now = self.now(start)
        if self.hypothetical(start, end) and not now:
            return False
        if rule.kind == "name":
            return self._claims_name(start)
        if not rule.strong and self.mild(start):
            return False
        if self.framed_as_topic(end):
            return now
        # A phrase that opens with its subject ("she's confused") starts a clause of its
        # own: an education word earlier in the sentence does not reach it.
        cue = "personal" if self.norms[start] in PERSONAL else self.nearest_cue(start)
        inside = self.personal_in(start, end)
        if cue == "personal" or (inside and cue != "edu"):
            return True
        if cue in ("edu", "edu_weak"):
            return now
        if self.question_about(start, end):
            return now
        return True  # a bare report: "coughing up blood", "chest pian"

    def _claims_name(self, start: int) -> bool:
        """ "I think I have cord compression", "is this SVC syndrome": a name said as a
        suspicion about someone now, not asked about."""
        if self.nearest_cue(start) != "personal":
            return False
        skip = _words("a an the some maybe possibly probably this it got having early")
        i = start - 1
        while i >= self.sent_start[start] and self.norms[i] in skip - {"having", "got"}:
            i -= 1
        if i < self.sent_start[start]:
            return False
        return self.norms[i] in _words("have has having got getting be is s 's am m")


def _choose(hits: List[_Hit]) -> Tuple[str, str]:
    """The condition with the most weight among the reported phrases, and its phrase."""
    scores: Dict[str, float] = {}
    for hit in hits:
        for condition, weight in hit.rule.weights:
            scores[condition] = scores.get(condition, 0.0) + weight * (1.0 if hit.rule.strong
                                                                       else 0.9)
    best = max(scores, key=lambda c: (scores[c], -PRIORITY.index(c)))
    for want_strong in (True, False):
        for hit in hits:
            if hit.rule.strong == want_strong and dict(hit.rule.weights).get(best):
                return best, hit.text
    return best, hits[0].text


def _words_around(doc: Doc, start: int, end: int, text: str, edits: List[Edit]) -> str:
    """The matched tokens in the user's (lowercased) words, widened to whole words
    ("nt want" -> "dont want"); `text` is the text before the rewrites."""
    lo = _before_rewrite(doc[start].idx, edits, end=False)
    hi = _before_rewrite(doc[end - 1].idx + len(doc[end - 1].text), edits, end=True)
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    return text[lo:hi][:200].strip(" ,.;:!?\"()")


@dataclass(frozen=True)
class _Reading:
    """What the rules made of one message."""

    flag: Optional[SafetyFlag]
    #: Topics whose red-flag words the rules saw and read as not happening now (negated,
    #: past, over, hypothetical), in a message with little else in it: "my legs are not
    #: numb, just tired". A classifier guess of that topic is then overruled.
    dismissed: FrozenSet[str] = frozenset()


#: Words that carry no symptom of their own, for judging "little else in it".
_FILLER = (NEG | PERSONAL | CLAUSE_WORDS | LIST_CONJ | NEG_GAP | RESOLVED | RESOLVED_GAP |
           MILD | NOW | PAST_WORDS | ONGOING | _COMMON | IF_WORDS | HYPO_VERBS | EDU | _words(
               "just only anymore more ago years year months month weeks week days since when "
               "then first last but though that which who there here what ok okay well "
               "thanks thank please"))
#: At most this many other content words for a dismissal to count.
DISMISS_MAX_OTHER_WORDS = 4


def _read(text: str) -> _Reading:
    pipe = _pipeline()
    original = _clean(text)
    clean, edits = _rewrite(original)
    if not clean:
        return _Reading(None)
    doc = pipe.doc(clean)
    matches = pipe.matches(doc)
    if not matches:
        return _Reading(None)
    reader = _Reader(doc)
    hits = [_Hit(*pipe.rule_of[match_id], start, end) for match_id, start, end in matches]
    crisis = [h for h in hits if h.rule.kind == "crisis"]
    for hit in sorted(crisis, key=lambda h: h.start - h.end):  # longest first
        if reader.reported(hit):
            phrase = _words_around(doc, hit.start, hit.end, original, edits)
            return _Reading(SafetyFlag(CRISIS, SELF_HARM, phrase))
    urgent = [h for h in hits if h.rule.kind != "crisis"]
    reported = [h for h in urgent if reader.reported(h)]
    for hit in reported:
        hit.text = _words_around(doc, hit.start, hit.end, original, edits)
    if any(h.rule.strong for h in reported) or _soft_pair(reported):
        condition, phrase = _choose(reported)
        return _Reading(SafetyFlag(EMERGENCY, condition, phrase))
    fever = [h for h in reported if dict(h.rule.weights).get(FEVER)]
    if fever and any(t.norm_ in ON_TREATMENT for t in doc):  # shivery + "on chemo"
        return _Reading(SafetyFlag(EMERGENCY, FEVER, fever[0].text))
    dismissed = set()
    for topic, found in ((CRISIS, crisis), (EMERGENCY, urgent)):
        if found and not (reported if topic == EMERGENCY else []) and \
                _other_words(reader, found) <= DISMISS_MAX_OTHER_WORDS:
            dismissed.add(topic)
    return _Reading(None, frozenset(dismissed))


def _other_words(reader: "_Reader", hits: List[_Hit]) -> int:
    """Content words of the message outside the matched phrases."""
    covered = {i for h in hits for i in range(h.start, h.end)}
    return sum(1 for i, (w, tok) in enumerate(zip(reader.norms, reader.doc, strict=True))
               if i not in covered and not (tok.is_punct or tok.is_space) and
               w not in _FILLER and any(c.isalpha() for c in w))


def _soft_pair(hits: List[_Hit]) -> bool:
    """Two separate soft signs that point to the same condition (thirst + vomiting)."""
    spans: Dict[str, List[Tuple[int, int, str]]] = {}
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.rule.strong:
            continue
        for condition, _ in hit.rule.weights:
            taken = spans.setdefault(condition, [])
            if all(hit.start >= e or hit.end <= s for s, e, _ in taken):
                taken.append((hit.start, hit.end, hit.pattern))
    return any(len({key for _, _, key in taken}) >= 2 for taken in spans.values())


# A last line of defence if the matcher itself ever fails: crude, but never silent.
_FALLBACK = [
    (CRISIS, SELF_HARM, re.compile(r"\b(kill(ing)? my ?self|suicid|end my life|kms\b|"
                                   r"want to die|self[- ]?harm)")),
    (EMERGENCY, BREATH, re.compile(r"\b(can'?t|cannot) breath")),
    (EMERGENCY, CHEST, re.compile(r"\bchest pain")),
    (EMERGENCY, BLEED, re.compile(r"\bcough\w* (up )?blood")),
    (EMERGENCY, BRAIN, re.compile(r"\bseizure")),
    (EMERGENCY, SCC, re.compile(r"\b(can'?t|cannot) (walk|feel (my|his|her) legs)")),
]


def _safe_read(text: object) -> _Reading:
    """_read() that never raises: a matcher bug must not silence the safety layer."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    try:
        return _read(text)
    except Exception:
        logger.exception("safety matcher failed; using the fallback patterns")
        lowered = text[:MAX_CHARS].lower()
        for topic, condition, regex in _FALLBACK:
            found = regex.search(lowered)
            if found:
                return _Reading(SafetyFlag(topic, condition, found.group(0)))
        return _Reading(None)


def detect(text: str) -> Optional[SafetyFlag]:
    """Rule layer only: spaCy matcher over symptom/self-harm phrases, negation aware.

    Pure function of the text; never raises. Crisis wins over emergency.
    """
    return _safe_read(text).flag


def is_educational(text: str) -> bool:
    """A question about a symptom, with no real person in it ("what causes cord
    compression?", "can I get chest pain from lung mets?"). Used to overrule a classifier
    "emergency" that the rules did not confirm."""
    try:
        clean = normalise(text if isinstance(text, str) else str(text or ""))
        if not clean:
            return False
        reader = _Reader(_pipeline().doc(clean))
        norms = reader.norms
        asks = any(w in EDU for w in norms) or (bool(norms) and norms[0] in QSTART) or \
            clean.endswith("?")
        if not asks:
            return False
        for i, w in enumerate(norms):
            if w not in PERSONAL:
                continue
            before = norms[i - 1] if i else ""
            after = norms[i + 1] if i + 1 < len(norms) else ""
            framed = before in MODAL_Q | IF_WORDS | {"what", "how"} or \
                (before in KNOW_WORDS) or after in HYPO_VERBS
            if not framed:
                return False
        return True
    except Exception:
        logger.exception("is_educational failed")
        return False


def assess(text: str, intent: Optional[str], confidence: float) -> Optional[SafetyFlag]:
    """The whole safety decision for one message: detect() wins; otherwise a classifier
    intent of "emergency"/"crisis" with confidence >= a threshold you choose counts, unless
    the message is clearly an educational question about a symptom.

    The classifier is also overruled when the rules read the very red-flag words it
    reacted to and found them denied or not happening now, in an otherwise short message
    ("I'm not suicidal, just scared", "no fever and not confused any more").
    """
    reading = _safe_read(text)
    if reading.flag is not None:
        return reading.flag
    if intent in reading.dismissed:  # "my legs are not numb, just tired"
        return None
    try:
        conf = float(confidence)
    except (TypeError, ValueError):
        conf = 0.0
    if math.isnan(conf):
        conf = 0.0
    label = f"intent:{intent}@{conf:.2f}"
    if intent == CRISIS and conf >= CRISIS_THRESHOLD:
        return SafetyFlag(CRISIS, SELF_HARM, label)
    if intent == EMERGENCY and conf >= EMERGENCY_THRESHOLD and not is_educational(text):
        return SafetyFlag(EMERGENCY, "unspecified", label)
    return None


__all__: Sequence[str] = [
    "SafetyFlag", "detect", "assess", "is_educational", "warm_up", "EMERGENCY", "CRISIS",
    "EMERGENCY_THRESHOLD", "CRISIS_THRESHOLD",
]
