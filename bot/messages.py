"""The few fixed interface messages: what the assistant says about itself, not medicine.

Why apart from replies.py: these are the words a maintainer changes (the database is down,
a turn took too long, the message was cut), while replies.py assembles answers. Medical
content never lives here (data/content/ does); help lines are placeholders filled for
BOT_REGION when the reply is rendered.
"""

from __future__ import annotations

DATABASE_DOWN = (
    "I'm sorry. I can't reach my library of checked answers right now, so I can't "
    "answer safely. Please try again in a few minutes.\n\n"
    "If you feel very unwell, call {{urgent_line}} now, or {{emergency_number}} in an emergency."
)
SOMETHING_WENT_WRONG = (
    "I'm sorry, something went wrong on my side and I could not answer. "
    "Please try asking again.\n\n"
    "If you feel very unwell, call {{urgent_line}} now, or {{emergency_number}} in an emergency."
)
TIMED_OUT = (
    "I'm sorry, I'm taking too long to answer right now. Please try asking again in a "
    "minute.\n\n"
    "If you feel very unwell, call {{urgent_line}} now, or {{emergency_number}} in an emergency."
)
LONG_MESSAGE = "Your message was very long, so I read only the first part of it."
ENGLISH_ONLY = "I'm sorry, I can only read and answer in English for now."
