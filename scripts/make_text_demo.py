"""Write the text demo's data set: wizard/data/datasets/support_tickets.csv.

A made, labelled set of customer-support tickets for ``sm-wizard init --template
text-demo``: which team should handle each ticket (billing, technical, account or
shipping), from its subject and body (free text), the channel it came in through (a
category) and how long the customer has been one (a number). Made here, so it can be
shipped under the project's own licence.

It is meant to be realistic, not easy: the four teams share much of their vocabulary
("order", "account", "charged", "app"), many tickets mention a second topic besides the one
that decides the team, some are written tersely or with typos, about 12% say nothing
specific ("Nothing works and nobody answers."), and about 6% are routed to another team than
their words suggest, as real queues are. A linear model on TF-IDF
features scores about 0.8-0.9 accuracy on it, not 1.0 (bench/bench_text.py).

Deterministic: the same seed gives the same file. Run from the repository's root:

    .venv/bin/python scripts/make_text_demo.py
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "wizard" / "data" / "datasets" / "support_tickets.csv"
ROWS = 900
SEED = 20261207
NOISE = 0.06
"""Share of tickets routed to a team other than the one their words point to."""

PRODUCTS = ["the Pro plan", "the Basic plan", "the family plan", "my subscription", "the app"]
ITEMS = [
    "desk lamp",
    "blender",
    "running shoes",
    "phone case",
    "coffee grinder",
    "backpack",
    "monitor stand",
    "yoga mat",
    "kettle",
    "headphones",
    "office chair",
    "rain jacket",
]
CARRIERS = ["the courier", "UPS", "DHL", "the postal service", "the delivery driver"]
DEVICES = ["iPhone", "Android phone", "laptop", "Windows PC", "Mac", "tablet", "Chromebook"]

# Per team: subjects and the sentences that carry the team's issue. {item}, {amount}...
# are filled at random. Phrases overlap between teams on purpose.
TEAMS: dict[str, dict[str, list[str]]] = {
    "billing": {
        "subjects": [
            "Charged twice",
            "Refund request",
            "Wrong amount on my invoice",
            "Billing question",
            "Cancel and refund",
            "Payment not going through",
            "Unexpected charge",
            "Invoice for my order",
            "Price changed",
            "Discount code not applied",
        ],
        "issue": [
            "I was charged twice for {product} this month, {amount} each time.",
            "My card shows a payment of {amount} that I do not recognise.",
            "I cancelled {product} last week but I was still billed {amount}.",
            "The invoice says {amount} but the price on the website was lower.",
            "I returned the {item} three weeks ago and still have not seen the refund.",
            "My discount code was not applied at checkout, so I paid {amount} instead of less.",
            "The payment keeps failing even though my card works everywhere else.",
            "Can you send me a proper invoice with our company VAT number for the last order?",
            "The renewal charged me for a year when I had picked monthly billing.",
            "I was promised a credit of {amount} after the outage and it never appeared.",
            "Why did the price of {product} go up without any notice?",
            "I need a receipt for {amount} for my expenses claim.",
        ],
    },
    "technical": {
        "subjects": [
            "App keeps crashing",
            "Error when uploading",
            "Cannot sync",
            "Bug in the app",
            "Website not loading",
            "Feature not working",
            "Export is broken",
            "Notifications stopped",
            "Very slow",
            "Error code",
        ],
        "issue": [
            "The app crashes every time I open the settings page on my {device}.",
            "I get error {code} when I try to upload a file larger than a few megabytes.",
            "Since the last update nothing syncs between my {device} and the website.",
            "The page just spins and never loads, I tried two browsers.",
            "Exporting my data to CSV gives an empty file.",
            "Push notifications stopped arriving on my {device} two days ago.",
            "Everything is extremely slow since yesterday, it takes a minute to open a list.",
            "The search box returns nothing even for items I know are there.",
            "After installing the new version the app will not start at all.",
            "The dark mode setting resets itself every time I restart.",
            "When I click save I get a blank screen and my changes are lost.",
            "The integration with our calendar stopped working, events no longer show up.",
        ],
    },
    "account": {
        "subjects": [
            "Cannot log in",
            "Password reset not working",
            "Change my email address",
            "Locked out",
            "Delete my account",
            "Two-factor problem",
            "Add a user",
            "Account hacked?",
            "Update my details",
            "Merge two accounts",
        ],
        "issue": [
            "I cannot log in, it says my password is wrong but I just reset it.",
            "The password reset email never arrives, I checked the spam folder.",
            "Please change the email address on my account, I no longer use the old one.",
            "My account is locked after too many attempts and I need access today.",
            "I would like my account and all my data deleted.",
            "I got a new {device} and now the two-factor codes do not work.",
            "How do I add a colleague to our team account?",
            "Someone changed my password and I did not do it, I think my account was hacked.",
            "I have two accounts by mistake and want to merge them into one.",
            "I need to change the name on the account after getting married.",
            "The login link in your email says it has expired every time.",
            "I want to transfer {product} to my partner's account.",
        ],
    },
    "shipping": {
        "subjects": [
            "Where is my order?",
            "Package not delivered",
            "Wrong item received",
            "Damaged parcel",
            "Delivery delayed",
            "Change delivery address",
            "Tracking not updating",
            "Missing item",
            "Order status",
            "Parcel returned to sender",
        ],
        "issue": [
            "My order with the {item} was supposed to arrive on {day} and it is still not here.",
            "The tracking has said 'in transit' for eight days without any update.",
            "I received a {item2} instead of the {item} I ordered.",
            "The box arrived crushed and the {item} inside is broken.",
            "{carrier} says it was delivered but there is nothing at my door.",
            "Can I still change the delivery address for order {order}? I am moving.",
            "Only part of my order arrived, the {item} is missing from the parcel.",
            "The parcel was sent back to you because {carrier} could not find my building.",
            "I paid for express delivery and the {item} came a week later.",
            "My order {order} shows as shipped but the tracking number does not work.",
            "{carrier} left the package with a neighbour I do not know.",
            "Do you ship to Norway? My order was cancelled at checkout.",
        ],
    },
}

# Second topics: a sentence of another team's vocabulary, added to many tickets.
ASIDES = {
    "billing": [
        "I was charged for it already.",
        "I paid {amount} for this.",
        "Please do not charge me again until this is fixed.",
        "I would like a refund if this cannot be solved.",
    ],
    "technical": [
        "The app also crashed while I was trying to write this.",
        "Your website gave me an error when I tried the chat.",
        "I tried on my {device} too.",
    ],
    "account": [
        "I had to reset my password to even get in here.",
        "My account email is the same as this one.",
        "I am logged in on my {device}.",
    ],
    "shipping": [
        "This is about order {order}.",
        "The {item} arrived fine otherwise.",
        "I ordered it last {day}.",
    ],
}

# Vague tickets: the body names no issue clearly; only the subject (if anything) hints.
VAGUE = [
    "I have a problem with my order {order}, please call me back.",
    "Something is wrong again, same as last time.",
    "Nothing works and nobody answers.",
    "Please help me with {product}, it is urgent.",
    "I wrote two days ago and heard nothing.",
    "Can someone from your team contact me about my account and my last order?",
    "Still not solved. See my previous messages.",
]
GENERIC_SUBJECTS = [
    "Help",
    "Urgent",
    "Question",
    "Problem",
    "Complaint",
    "Follow-up",
    "(no subject)",
]
VAGUE_SHARE = 0.12

DETAILS = [
    " - order {order}",
    " ({item})",
    " for {product}",
    " on my {device}",
    " again",
    "!!",
    " since {day}",
    " - {name}",
    " please",
    " (urgent)",
    ", {item} order",
]

OPENERS = [
    "Hi,",
    "Hello,",
    "Hi there,",
    "Good morning,",
    "Hello support team,",
    "",
    "",
    "Hey,",
    "Dear customer service,",
]
CLOSERS = [
    "Thanks.",
    "Thank you!",
    "Please help.",
    "Regards, {name}",
    "Thanks in advance, {name}",
    "This is really frustrating.",
    "Can you look into it?",
    "",
    "",
    "I need this sorted quickly.",
]
NAMES = [
    "Anna",
    "Ben",
    "Carla",
    "Dev",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jon",
    "Kemal",
    "Lena",
    "Marco",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend", "week"]
CHANNELS = {"email": 0.5, "chat": 0.35, "phone": 0.15}


def _fill(text: str, rng: random.Random) -> str:
    item, item2 = rng.sample(ITEMS, 2)
    return text.format(
        product=rng.choice(PRODUCTS),
        amount=f"${rng.choice([9, 12, 19, 24, 49, 79, 120, 249])}.{rng.choice(['00', '99'])}",
        item=item,
        item2=item2,
        carrier=rng.choice(CARRIERS),
        device=rng.choice(DEVICES),
        code=rng.choice(["500", "E42", "403", "0x80070005", "SYNC-17", "timeout"]),
        day=rng.choice(DAYS),
        order=f"#{rng.randint(100000, 999999)}",
        name=rng.choice(NAMES),
    )


def _typos(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters in a few words, as hurried writers do."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 4 and rng.random() < 0.04:
            j = rng.randrange(1, len(word) - 2)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def ticket(team: str, rng: random.Random) -> dict[str, str]:
    parts = TEAMS[team]
    if rng.random() < VAGUE_SHARE:
        subject = rng.choice(parts["subjects"] + GENERIC_SUBJECTS * 2)
        return {"subject": subject, "body": _fill(rng.choice(VAGUE), rng)}
    sentences = [_fill(s, rng) for s in rng.sample(parts["issue"], rng.choice([1, 1, 2]))]
    if rng.random() < 0.55:  # a second topic, from another team's vocabulary
        other = rng.choice([t for t in TEAMS if t != team])
        sentences.insert(rng.randrange(len(sentences) + 1), _fill(rng.choice(ASIDES[other]), rng))
    terse = rng.random() < 0.15
    opener = "" if terse else rng.choice(OPENERS)
    closer = "" if terse else _fill(rng.choice(CLOSERS), rng)
    body = " ".join(p for p in (opener, *sentences, closer) if p)
    if terse:  # "charged twice again pls fix"
        body = body.rstrip(".").lower()
    subject = rng.choice(parts["subjects"])
    if rng.random() < 0.6:  # people add what the ticket is about
        detail = rng.choice(DETAILS)
        subject = _fill(f"{subject}{detail}", rng)
    if rng.random() < 0.2:
        subject = subject.lower()
    if rng.random() < 0.15:
        subject = f"Re: {subject}"
    return {"subject": subject, "body": _typos(body, rng)}


def rows(rng: random.Random) -> list[dict[str, str]]:
    teams = list(TEAMS)
    weights = [0.3, 0.3, 0.2, 0.2]
    out = []
    for _ in range(ROWS):
        team = rng.choices(teams, weights)[0]
        text = ticket(team, rng)
        channel = rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
        tenure = int(rng.expovariate(1 / 18)) + 1
        routed = team if rng.random() >= NOISE else rng.choice([t for t in teams if t != team])
        out.append({**text, "channel": channel, "tenure_months": str(tenure), "team": routed})
    return out


def render() -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=["subject", "body", "channel", "tenure_months", "team"],
        lineterminator="\n",
    )
    writer.writeheader()
    writer.writerows(rows(random.Random(SEED)))
    return buffer.getvalue()


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {ROWS} tickets to {OUT}")
